"""Lesson 4, fantasy chains: let alternating Gibbs sampling run on its own and watch what it draws.

Widgets and drawing only; the sampling is ``pgmviz.sampling.chains``, the recorded frames and the GIF
``pgmviz.chain_frames``, the free-energy chart ``pgmviz.ui.charts.fantasy``.
Pressing Run samples every chain once (with a progress bar) and renders every frame once as a
uint8 index image; the result lives in ``st.session_state``, so reruns and animation ticks only
pick a frame and colour it. Playing is the app's one animation player (``pgmviz.ui.player``, keys
``fc_frame_*``), with a Speed slider.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from pgmviz import chain_frames, datasets
from pgmviz.evaluation import census
from pgmviz.evaluation.reader import reader_for
from pgmviz.sampling import chains
from pgmviz.ui import compute, player, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts.fantasy import free_energy_figure, with_cursor
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.models import dataset, image_shape, model_picker, model_setting, pretrained_models
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Fantasy chains · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "fc_"  # prefix of this page's session-state keys (the session is shared by all pages)
DEFAULTS = {"start": "noise", "noise": "uniform", "n_chains": 16, "n_steps": 1000, "every": 10, "seed": 0}
MAX_CHAINS = 36
MAX_STEPS = 20_000
STARTS = {"noise": "Random noise", "data": "Test digits", "drawing": "Your drawing"}
NOISE = {"uniform": "Uniform bits (each pixel on with p = 0.5)",
         "base_rate": "Bits at the data's base rate (each pixel as often on as in the data)"}
# playback speed: label -> (seconds between ticks, frames advanced per tick)
SPEEDS = {"0.5x": (0.5, 1), "1x": (0.25, 1), "2x": (0.125, 1), "4x": (0.125, 2), "8x": (0.125, 4)}
FRAME_ASPECT = 1.3  # width / height of the animation picture: about the shape of its column
DISPLAY_WIDTH = 1100  # target pixels of the animation picture before the browser fits it

PREFERRED = "MNIST 784x500 PA-1"  # the default model: the one whose fantasies cover the most classes
# The three negative phases side by side: the same 784x500 architecture and data, one file each.
COMPARED = {"CD-1": "MNIST 784x500 CD-1", "PCD-1": "MNIST 784x500 PCD-1", "PA-1": "MNIST 784x500 PA-1"}
COMPARE_CHAINS, COMPARE_STEPS = 20, 1000  # the live side-by-side run (the files' census used 300 chains)

ss = st.session_state
# The settings a link carries (?fc_start=data&fc_n_chains=9&fc_seed=3), so a teacher can share
# an exact setup; read once per session, then the widgets own them (pgmviz.ui.urlstate).
URL_SETTINGS = url.bind(P, {
    "model": model_setting(PREFERRED),
    "start": url.choice(DEFAULTS["start"], STARTS),
    "noise": url.choice(DEFAULTS["noise"], NOISE),
    "n_chains": url.integer(DEFAULTS["n_chains"], 1, MAX_CHAINS),
    "n_steps": url.integer(DEFAULTS["n_steps"], 0, MAX_STEPS),
    "every": url.integer(DEFAULTS["every"], 1, MAX_STEPS),
    "seed": url.integer(DEFAULTS["seed"], 0, 2**31 - 1),
})

# Pixel art stays crisp when the browser fits the picture to the column.
st.html("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>")


# --- helpers ----------------------------------------------------------------------------------
def reference_free_energy(name: str, rbm, key: str | None) -> float | None:
    """Mean F(v) of the held-out digits under this model (cached per model in the session)."""
    if key is None:
        return None
    cache = ss.setdefault(P + "ref_F", {})
    if (name, key) not in cache:
        X = dataset(key).X_test
        cache[(name, key)] = float(rbm.free_energy(X[:1000]).mean()) if X.shape[1] == rbm.n_v else None
    return cache[(name, key)]


def start_states(rbm, key: str | None, shape, n: int, rng: np.random.Generator) -> np.ndarray:
    start = ss[P + "start"]
    if start == "data":
        return chains.start_data(dataset(key).X_test, n, rng)
    if start == "drawing":
        img = ss.get(P + "drawing")
        if img is None:
            raise ValueError("Draw a digit on the canvas first.")
        return chains.start_image(img, shape, n)
    p = dataset(key).X_train.mean(axis=0) if ss[P + "noise"] == "base_rate" and key else 0.5
    return chains.start_noise(n, rbm.n_v, rng, p=p)


def run(name: str, rbm, meta: dict, shape, request: tuple) -> None:
    """Sample the chains (progress bar), render every frame once, keep it all in the session."""
    key = datasets.for_model(rbm.n_v, meta)
    n, T, m, seed = (int(ss[P + k]) for k in ("n_chains", "n_steps", "every", "seed"))
    rng = np.random.default_rng(seed)
    try:
        chains.check_request(n, rbm.n_v, rbm.n_h, T, m)
        V0 = start_states(rbm, key, shape, n, rng)
    except ValueError as e:
        ss[P + "error"] = str(e)
        return
    bar = st.progress(0.0, text="Running the chains ...")

    def progress(t: int, total: int) -> None:
        bar.progress(t / max(total, 1), text=f"Gibbs step {t:,} of {total:,}")

    relay = compute.Relay(progress)  # the chains run through the server's scheduler; the bar is drawn here
    record = compute.run(P + "chains", chains.run_chains, rbm, V0, T, m, rng, progress=relay, relay=relay)
    frames = chain_frames.render_frames(record, shape, aspect=FRAME_ASPECT)
    bar.empty()
    ss[P + "result"] = {
        "request": request, "model": name, "record": record, "frames": frames, "shape": tuple(shape),
        "start": STARTS[ss[P + "start"]], "seed": seed,
        "ref_F": reference_free_energy(name, rbm, key),
        "scale": max(1, min(8, DISPLAY_WIDTH // frames.shape[2])),
    }
    player.start(P, "frame", request)  # computed, now animate from frame 0


def run_side_by_side(seed: int) -> None:
    """The compared models' fantasies from the same noise, read by the independent reader."""
    models = pretrained_models()
    rbms = {label: models[title]["rbm"] for label, title in COMPARED.items() if title in models}
    with st.spinner(f"Running {COMPARE_CHAINS} chains of each model for {COMPARE_STEPS:,} steps ..."):
        ss[P + "compare"] = {"seed": seed, "census": compute.run(
            P + "compare", census.compare_fantasies, rbms, reader_for((28, 28)), dataset("mnist").X_test,
            COMPARE_CHAINS, COMPARE_STEPS, seed)}


def recipe(meta: dict) -> str:
    """How a bundled model was trained, from its file's meta."""
    unit = "particles" if meta.get("sampler") == "pa" else "chains"
    chains = f", {meta['n_chains']} {unit}" if meta.get("n_chains") else ""
    rate = (f"{meta['lr']:g} falling to {meta['lr'] * meta['lr_floor']:.2g}" if meta.get("lr_floor")
            else f"{meta['lr']:g}")
    return (f"{str(meta.get('sampler', '?')).upper()}-{meta.get('k', 1)}{chains}; learning rate {rate}; "
            f"{meta.get('epochs', '?')} epochs ({meta.get('step', 0):,} updates)")


def side_by_side() -> None:
    """CD-1, PCD and PA fantasies from the same noise: the argument for better negative phases."""
    st.markdown("#### CD-1, PCD and population annealing, from the same noise")
    models = pretrained_models()
    missing = [t for t in COMPARED.values() if t not in models]
    reader = reader_for((28, 28))
    if missing or reader is None:
        st.error("This comparison needs the bundled models " + ", ".join(missing or COMPARED.values()) +
                 " and the independent reader (`python scripts/train_pretrained.py`, "
                 "`python scripts/train_reader.py`).", icon=":material/error:")
        return
    st.markdown(
        "Three RBMs of the same size on the same 4,000 digits; each column says how it was trained. Their "
        f"fantasies are read by an **independent reader**: a classifier trained on real digits only, which reads "
        f"{reader.test_accuracy:.1%} of the real held-out digits right. The model never grades its own drawings.")
    bits = {label: models[title]["meta"]["fantasy"]["entropy_bits"] for label, title in COMPARED.items()
            if models[title]["meta"].get("fantasy") is not None}
    q_spread = predict.ask(P + "q_spread", "Run chains of each model from noise: whose fantasies will the reader "
                           "find spread over the most digit classes (the highest entropy of its readings)?",
                           predict.Choice(list(COMPARED)), answer=max(bits, key=bits.get) if bits else None)
    spread_shown = q_spread.reveals("the reader's census of each model's fantasies")
    cols = st.columns(len(COMPARED))
    for col, (label, title) in zip(cols, COMPARED.items()):
        meta = models[title]["meta"]
        fc = meta.get("fantasy")
        with col:
            st.markdown(f"**{label}** · *{title}*")
            st.caption(recipe(meta))
            if fc is None:
                st.caption("This file has no fantasy census (made by an older script).")
                continue
            n_classes = int(sum(1 for x in fc["counts"] if x))
            if not spread_shown:
                continue
            st.metric(f"classes the reader sees in {fc['n_chains']} fantasies", f"{fc['entropy_bits']:.2f} bits",
                      help=f"{n_classes} different digits; log2 10 = 3.32 bits if all ten came equally often. "
                           f"{fc['n_chains']} chains from uniform noise, {fc['n_steps']:,} Gibbs steps, seed "
                           f"{fc['seed']}.")
            st.metric("mean F(v): fantasies vs held-out digits",
                      f"{fc['free_energy']:.1f} vs {fc['free_energy_test']:.1f}",
                      delta=f"{fc['free_energy'] - fc['free_energy_test']:+.1f}", delta_color="off",
                      help="Fantasies far below the held-out digits are states the model believes in more "
                           "than real digits: spurious modes.")
            if "ll_test_ais" in meta:
                st.caption(f"Held-out log p(v): {meta['ll_test_ais']:.1f} nats (AIS), "
                           f"{meta['ll_test_pa']:.1f} (PA)")
    seed = int(ss[P + "seed"])
    st.button(f"Run {COMPARE_CHAINS} chains of each from the same noise (seed {seed})", key=P + "compare_run",
              icon=":material/compare:", on_click=run_side_by_side, args=(seed,))
    done = ss.get(P + "compare")
    if done is not None and spread_shown:
        cols = st.columns(len(done["census"]))
        for col, (label, c) in zip(cols, done["census"].items()):
            slides.picture(col, chain_frames.contact_sheet(c.images, (28, 28), n_cols=5, scale=3), output_format="PNG",
                           caption=f"{label}: p(v | h) after {COMPARE_STEPS:,} steps", width="stretch",
                           name=P + f"census_{label}")
            col.markdown(f"{label}: {census.describe_reading(c)}")


# --- the page ---------------------------------------------------------------------------------
lesson_header(
    "Fantasy chains",
    "Start anywhere and alternate between sampling all the hidden units and all the visible units: "
    "after enough steps every chain shows a sample from the model's own p(v), a fantasy of what "
    "the model believes digits look like.",
)

picked = model_picker(prefer=PREFERRED)
if picked is None:
    st.info("There is no model yet. Train one on the *Filter learning* page (or load a .npz in the "
            "sidebar), then come back to let it fantasise.", icon=":material/info:")
    st.stop()
name, rbm, meta = picked
shape = image_shape(rbm, meta)
dkey = datasets.for_model(rbm.n_v, meta)
if dkey is not None and dataset(dkey).X_test.shape[1] != rbm.n_v:
    dkey = None
square = shape[0] == shape[1] and shape[0] <= 28

# --- controls (sidebar) ------------------------------------------------------------------------
starts = [s for s in STARTS if (s != "data" or dkey) and (s != "drawing" or square)]
if ss[P + "start"] not in starts:
    ss[P + "start"] = "noise"
with st.sidebar:
    st.markdown("**Chains**")
    st.radio("Start the chains from", starts, format_func=STARTS.get, key=P + "start")
    if ss[P + "start"] == "noise":
        st.radio("Noise", list(NOISE) if dkey else ["uniform"], format_func=NOISE.get, key=P + "noise")
    elif ss[P + "start"] == "data":
        st.caption(f"Random held-out digits from *{dataset(dkey).title}*, one per chain.")
    st.slider("Chains", 1, MAX_CHAINS, key=P + "n_chains", help="How many independent chains run side by side.")
    st.number_input("Gibbs steps T", 0, MAX_STEPS, step=100, key=P + "n_steps",
                    help="One step samples all hidden units given v, then all visible units given h.")
    a, b = st.columns(2)
    a.number_input("Frame every m steps", 1, MAX_STEPS, step=1, key=P + "every",
                   help="Successive samples are too correlated to be worth a frame each, so the animation "
                        "keeps one frame every m steps. The free energy is recorded at every step.")
    b.number_input("Seed", 0, 2**31 - 1, step=1, key=P + "seed", help="The same seed gives the same chains.")
URL_SETTINGS.write()

n, T, m = int(ss[P + "n_chains"]), int(ss[P + "n_steps"]), int(ss[P + "every"])
try:
    n_frames = chains.check_request(n, rbm.n_v, rbm.n_h, T, m)
    too_big = None
except ValueError as e:
    n_frames, too_big = None, str(e)
rc = st.columns([1.3, 5], vertical_alignment="center")
run_clicked = rc[0].button("Run the chains", type="primary", icon=":material/play_circle:", key=P + "run",
                           disabled=too_big is not None, width="stretch")
request = (name, ss[P + "start"], ss[P + "noise"], n, T, m, int(ss[P + "seed"]))
if n_frames is not None:
    res = ss.get(P + "result")
    shown = res is not None and res.get("request") == request and ss[P + "start"] != "drawing"
    rc[1].markdown(f"{n} chains from *{STARTS[ss[P + 'start']].lower()}*, {T:,} Gibbs steps, a frame every "
                   f"{m:,} steps: **{n_frames:,} frames**" + (" (shown below)." if shown else ". Settings are in "
                                                            "the sidebar."))

if ss[P + "start"] == "drawing":
    from streamlit_drawable_canvas import st_canvas

    dc1, dc2 = st.columns([1, 3])
    with dc1:
        canvas = st_canvas(stroke_width=18, stroke_color="#ffffff", background_color="#000000",
                           height=224, width=224, drawing_mode="freedraw", return_image_data=True,
                           key=P + "canvas")
    img = getattr(canvas, "image_data", None) if canvas is not None else None
    ss[P + "drawing"] = img if img is not None and img[..., :3].max() > 0 else None
    with dc2:
        if ss[P + "drawing"] is None:
            st.caption("Draw a digit (white on black); every chain starts from it.")
        else:
            try:
                v0 = chains.start_image(ss[P + "drawing"], shape, 1)
                slides.picture(st, chain_frames.contact_sheet(v0, shape, scale=max(1, 160 // shape[0])),
                               output_format="PNG",
                               caption=f"The start of every chain: your drawing at {shape[0]}x{shape[1]}, thresholded",
                               width=180, name=P + "start")
            except ValueError as e:
                st.caption(str(e))

if too_big:
    st.error(too_big, icon=":material/error:")
ss.pop(P + "error", None)
if run_clicked and too_big is None:
    run(name, rbm, meta, shape, request)
if ss.get(P + "error"):
    st.error(ss[P + "error"], icon=":material/error:")

res = ss.get(P + "result")
if res is None or "frames" not in res:
    st.info("Press **Run the chains** to start sampling.", icon=":material/play_circle:")
    side_by_side()
    notice("Chains from noise settle within a few steps into states that look like digits, and their free "
           "energy falls steeply and then only fluctuates. Chains started at real digits stay near them "
           "for a while and wander off slowly.")
    st.stop()

record: chains.ChainRecord = res["record"]
if res["model"] != name:
    st.warning(f"These chains were run with **{res['model']}**; press Run to sample **{name}**.",
               icon=":material/sync_problem:")
if "figure" not in res:
    res["figure"] = free_energy_figure(record, res["ref_F"])
st.caption(f"Shown: {record.n_chains} chains of **{res['model']}** from *{res['start'].lower()}*, "
           f"{record.n_steps:,} steps, a frame every {record.every:,} steps ({record.n_frames:,} frames), "
           f"sampled in {record.seconds:.2f} s (seed {res['seed']}).")



def animation(frame: int) -> None:
    """One frame: its numbers, the chains' picture and the free-energy chart with a cursor."""
    res = ss[P + "result"]
    record: chains.ChainRecord = res["record"]
    step = int(record.steps[frame])

    F = record.frame_free_energy(frame)
    mc = st.columns(4)
    mc[0].metric("Gibbs step", f"{step:,}")
    mc[1].metric("Mean F(v) of the chains", f"{F.mean():.2f}",
                 help="The mean free energy of the chains' samples v at this step (lower = more probable).")
    if res["ref_F"] is not None:
        mc[2].metric("Mean F(v) of held-out digits", f"{res['ref_F']:.2f}",
                     help="The mean free energy of held-out digits of the model's data set, for comparison.")
    mc[3].metric("Hidden units on", f"{record.H[frame].mean():.1%}", help="The fraction of h that is 1 at this step.")

    left, right = main_picture().columns([3, 2], gap="large")
    with left:
        slides.picture(st, chain_frames.frame_png(res["frames"][frame]), output_format="PNG", width="stretch",
                       name=P + "chains_frame")
        st.caption("Each chain: **v** (the sample) | **p(v | h)** (the mean the next sample is drawn from) | "
                   "**h** (its hidden units, amber = on). All chains are independent.")
    with right:
        st.markdown("**Free energy F(v) along each chain**")
        slides.chart(st, with_cursor(res["figure"], step), key=P + "fe_chart", width="stretch",
                     config={"displayModeBar": False})
        st.caption(f"The amber line marks the frame shown; the chains' F(v) there ranges over "
                   f"[{F.min():.1f}, {F.max():.1f}].")


player.player(P, "frame", [f"step {s:,}" for s in record.steps], signature=res["request"], draw=animation,
              loop=True, speeds=SPEEDS, speed_default="1x", start_at_end=False)
tick_s, stride = player.speed(P, "frame", SPEEDS, "1x")

# --- final samples and the GIF ----------------------------------------------------------------
st.markdown("#### Where the chains ended")
scale = max(2, min(6, 480 // (int(np.ceil(np.sqrt(record.n_chains))) * (res["shape"][1] + 2))))
ec = st.columns(3)
slides.picture(ec[0], chain_frames.contact_sheet(record.V[0], res["shape"], scale=scale), output_format="PNG",
               caption="The start states (step 0)", width="stretch", name=P + "chains_start")
slides.picture(ec[1], chain_frames.contact_sheet(record.V[-1], res["shape"], scale=scale), output_format="PNG",
               caption=f"Final samples v (step {record.n_steps:,})", width="stretch", name=P + "chains_end")
slides.picture(ec[2], chain_frames.contact_sheet(record.P_v[-1], res["shape"], scale=scale), output_format="PNG",
               caption=f"Final means p(v | h) (step {record.n_steps:,})", width="stretch",
               name=P + "chains_means")
reader = reader_for(res["shape"])
if reader is not None:
    final = census.Census(record.P_v[-1].astype(np.float32), reader.read(record.P_v[-1].astype(np.float32)))
    st.markdown(f"The independent reader (trained on real digits only; {reader.test_accuracy:.0%} right on real "
                f"held-out digits) reads the {record.n_chains} final means: {census.describe_reading(final)}.")


# The GIF is encoded only when the button is clicked, in a worker thread without the session:
# the callable gets the frames themselves, not st.session_state.
make_gif = partial(chain_frames.gif, res["frames"], scale=min(res["scale"], 2), duration_ms=int(1000 * tick_s / stride))
st.download_button("Download the animation (GIF)", data=make_gif, file_name="fantasy_chains.gif",
                   mime="image/gif", icon=":material/download:", key=P + "gif")

with st.expander("The code that ran", icon=":material/code:"):
    start_code = {"Random noise": "chains.start_noise(n, rbm.n_v, rng)",
                  "Test digits": "chains.start_data(X_test, n, rng)",
                  "Your drawing": "chains.start_image(drawing, image_shape, n)"}[res["start"]]
    st.code(f"""from pgmviz import chain_frames
from pgmviz.sampling import chains
rng = np.random.default_rng({res['seed']})
V0 = {start_code}          # {record.n_chains} start states
record = chains.run_chains(rbm, V0, n_steps={record.n_steps}, every={record.every}, rng=rng)
# inside: for each step t,  h_t ~ p(h | v_t),  v_(t+1) ~ p(v | h_t),  F(v_t) recorded
frames = chain_frames.render_frames(record, {tuple(res['shape'])})""", language="python")

side_by_side()

notice("Chains started from noise turn into digit-like shapes within a few steps while their free energy "
       "falls steeply; after that it only fluctuates. A flat free energy is not proof that a chain has reached "
       "the model's equilibrium: a chain can stay in one mode for thousands of steps, so the end states show "
       "where the chains got to, not how often the model visits each digit. Chains started at real digits "
       "wander away only slowly, because successive samples are strongly correlated. Compare the chains' free "
       "energy with the held-out digits' line: fantasies far below it are states the model believes in more "
       "than real digits, its spurious modes, and the side-by-side section shows which negative phase "
       "left them.")
