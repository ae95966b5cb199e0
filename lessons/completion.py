"""Inference with evidence (pattern completion): clamp the pixels you see, and the RBM fills in the rest.

Widgets and drawing only; the numbers come from ``pgmviz.inference.completion`` (evidence, the
conditioned RBM, clamped block Gibbs and mean field, the exact conditional, errors, the models
compared) and ``pgmviz.inference.label_completion`` (the label DBN's two directions); the sentences
from ``pgmviz.inference.completion_readout``, the pictures and charts from ``pgmviz.ui.charts.completion``,
the canvas from ``pgmviz.ui.digit_input``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz import data
from pgmviz.evaluation.reader import reader_for
from pgmviz.inference import completion as cp
from pgmviz.inference import completion_readout as readout
from pgmviz.inference import completion_studies as cs
from pgmviz.inference import label_completion as lc
from pgmviz.models import dbn, dbn_io
from pgmviz.training import finetune as ft
from pgmviz.ui import digit_input, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import completion as charts
from pgmviz.ui.charts.completion import SHAPE, picture
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.models import all_models, dataset, pretrained_models
from pgmviz.ui.player import player
from pgmviz.ui.present import main_picture
from pgmviz.viz import sample_grid

st.set_page_config(page_title="Inference with evidence · pgmviz", layout="wide")

P = "cp_"  # prefix of this page's session-state keys
DEFAULT_MODEL = "MNIST 784x500 PCD-1"
COMPARED = {"CD-1": "MNIST 784x500 CD-1", "PCD-1": "MNIST 784x500 PCD-1", "PA-1": "MNIST 784x500 PA-1"}
HIDINGS = {"half": "Half", "box": "Box", "random": "Random pixels", "brush": "Paint", "flip": "Flip pixels"}
HIDE_NOUNS = {"half": "hidden half", "box": "hidden box", "random": "fraction of random pixels hidden",
              "brush": "painted mask", "flip": "rate of flipped pixels"}
METHODS = {"gibbs": "Block Gibbs (sampling)", "mean_field": "Mean field (deterministic)"}
SIDES = {"bottom": "bottom", "top": "top", "left": "left", "right": "right"}
N_COMPARED = 3  # held-out digits per class in the models' comparison
DBN_FRAMES, DBN_EVERY = 21, 10  # the label-clamped movie: a frame every 10 top-RBM steps, 200 in all
ss = st.session_state

lesson_header(
    "Inference with evidence",
    "An undirected model answers any question about any subset of its variables: clamp the pixels you see, "
    "and the RBM of what is left, p(v_hidden | v_seen), is sampled by the same block Gibbs steps that "
    "generate digits, or approximated by mean field.",
)


# --- models and the digit -------------------------------------------------------------------------
models = {n: e["rbm"] for n, e in all_models().items() if e["rbm"].n_v == SHAPE[0] * SHAPE[1]}
if not models:
    st.error("No model with 784 visible units is available: the bundled models in assets/models are missing. "
             "Rebuild them with `python scripts/train_pretrained.py`.")
    st.stop()
ds = dataset("mnist")
URL = url.bind(P, {
    "model": url.choice(DEFAULT_MODEL if DEFAULT_MODEL in models else next(iter(models)), models),
    "source": url.choice("held_out", ["held_out", "draw"]),
    "digit": url.integer(2, 0, 9),
    "index": url.integer(0, 0, 99),
    "hide": url.choice("half", HIDINGS),
    "side": url.choice("bottom", SIDES),
    "box_top": url.integer(8, 0, 27),
    "box_left": url.integer(8, 0, 27),
    "box_size": url.integer(12, 1, 28),
    "fraction": url.number(0.7, 0.05, 0.95),
    "flip": url.number(0.1, 0.01, 0.45),
    "method": url.choice("gibbs", METHODS),
    "steps": url.choice(100, [10, 25, 50, 100, 200]),
    "seed": url.integer(0, 0, 2**31 - 1),
    "patch": url.choice(3, [2, 3]),
    "patch_row": url.integer(12, 0, 26),
    "patch_col": url.integer(12, 0, 26),
    "tv_steps": url.choice(300, [100, 300, 1000]),
    "label": url.integer(3, 0, 9),
})

st.header("1 · Hide part of a digit, let the model fill it in", divider="gray")
c_model, c_src, c_digit, c_idx = st.columns([2.2, 1.6, 1, 1.2], vertical_alignment="bottom")
name = c_model.selectbox("Model", list(models), key=P + "model")
rbm = models[name]
source = c_src.segmented_control("Digit", ["held_out", "draw"], required=True, key=P + "source",
                                 format_func={"held_out": "Held-out digit", "draw": "Draw one"}.get)
x_true = None
if source == "held_out":
    digit = c_digit.selectbox("Class", list(range(10)), key=P + "digit")
    pool = np.flatnonzero(ds.y_test == digit)
    ss[P + "index"] = min(int(ss[P + "index"]), len(pool) - 1)
    idx = c_idx.number_input(f"Which (0–{len(pool) - 1})", 0, len(pool) - 1, key=P + "index")
    x_true = ds.X_test[pool[int(idx)]]
    what = f"held-out {digit} #{int(idx)}"
else:
    with st.columns([1, 2])[0]:
        drawn = digit_input.draw_digit(P + "canvas", instead=" Pick a held-out digit.")
        x_true = None if drawn is None else data.binarize(drawn)
    what = "your drawing"

c_hide, c_a, c_b, c_c = st.columns([3.2, 1.2, 1.2, 1.2], vertical_alignment="bottom")
hiding = c_hide.segmented_control("Hide (or flip) pixels", list(HIDINGS), required=True, key=P + "hide",
                                  format_func=HIDINGS.get,
                                  help="Half, Box, Random: those pixels are hidden and the rest clamped. Paint: "
                                       "brush over the digit what the model should not see. Flip: every pixel seen, "
                                       "a fraction of them flipped.")
if hiding == "half":
    c_a.selectbox("Hidden half", list(SIDES), key=P + "side")
elif hiding == "box":
    c_a.number_input("Box top row", 0, 27, key=P + "box_top")
    c_b.number_input("Box left column", 0, 27, key=P + "box_left")
    c_c.number_input("Box size", 1, 28, key=P + "box_size")
elif hiding == "random":
    c_a.slider("Fraction hidden", 0.05, 0.95, step=0.05, key=P + "fraction")
elif hiding == "flip":
    c_a.slider("Fraction flipped", 0.01, 0.45, step=0.01, key=P + "flip",
               help="Every pixel is seen, but each was flipped with this probability; the model is told the rate, "
                    "so a seen pixel is evidence, not a certainty: p(seen | v) multiplies p(v).")
c_m, c_s, c_seed = st.columns([2.6, 2.4, 1.2], vertical_alignment="bottom")
method = c_m.segmented_control("Fill in by", list(METHODS), required=True, key=P + "method", format_func=METHODS.get)
n_steps = c_s.select_slider("Steps", [10, 25, 50, 100, 200], key=P + "steps")
seed = int(c_seed.number_input("Seed", 0, 2**31 - 1, key=P + "seed"))
URL.write()

if x_true is None:
    st.info("Draw a digit, white on black, in the box.")
    st.stop()
paint = None
if hiding == "brush":
    st.markdown("**Paint over the digit what the model should not see:**")
    with st.columns([1, 2])[0]:
        paint = digit_input.paint_over(picture(x_true, digit_input.SIZE), P + "brush",
                                       instead=" Choose another hiding.")
settings = dict(side=ss[P + "side"], box=(int(ss[P + "box_top"]), int(ss[P + "box_left"]), int(ss[P + "box_size"])),
                fraction=float(ss[P + "fraction"]), flip=float(ss[P + "flip"]), paint=paint, seed=seed)
try:
    ev = cp.make_evidence(x_true, hiding, SHAPE, **settings)
    run = (cp.clamped_gibbs(rbm, ev, int(n_steps), rng=seed) if method == "gibbs"
           else cp.clamped_mean_field(rbm, ev, int(n_steps)))
except ValueError as e:
    st.warning(f"{e}." if hiding != "brush" else "Paint over the digit, in the box above, to hide part of it.")
    st.stop()
err = cp.error_of(run, x_true)
err_avg = cp.error_of(run, x_true, averaged=True) if method == "gibbs" else None
noisy = hiding == "flip"
unit = "pixel" if noisy else "hidden pixel"
n_free = int(ev.free.sum())
step_word = "step" if method == "gibbs" else "iteration"
st.caption(f"**{name}** completes {what}: {n_free} of {ev.x.size} pixels are free"
           + (f" (all of them, each seen through a channel that flips it with probability {ev.flip:g})" if noisy
              else ", the rest clamped") + ". The completion shows p(vᵢ = 1 | h) at each free pixel"
           + (" for the h just sampled." if method == "gibbs" else ", mean field's q(vᵢ = 1)."))


def draw_frame(f: int) -> None:
    cols = main_picture().columns(3)
    slides.picture(cols[0], picture(x_true), caption="the true digit", width="content", name=P + "true_digit")
    slides.picture(cols[1], charts.evidence_picture(ev.x, ev.observed), width="content",
                   caption="what the model sees" + (" (noisy)" if noisy else " (indigo: hidden)"),
                   name=P + "evidence")
    slides.picture(cols[2], picture(run.P_v[f, 0]), caption=f"its completion, {step_word} {f}", width="content",
                   name=P + "completion")
    m = st.columns(3)
    m[0].metric(f"squared error per {unit}", f"{err.squared[f]:.3f}",
                help=f"mean of (p(vᵢ = 1 | ...) − vᵢ)² over the {err.n_scored} {unit}s, against the true digit")
    m[1].metric(f"{unit}s wrong", f"{err.wrong[f]:.1%}", help="p(vᵢ = 1 | ...) on the wrong side of 1/2")
    if err_avg is not None:
        m[2].metric("averaged over the steps so far", f"{err_avg.squared[f]:.3f}",
                    help="squared error of the mean of the completions at steps 1..t: the chain's estimate of "
                         "p(vᵢ = 1 | what is seen)")


player(P, "movie", [f"{step_word} {t}" for t in range(run.n_steps + 1)],
       signature=(name, hiding, tuple(ev.observed), tuple(ev.x), method, int(n_steps), seed), draw=draw_frame,
       tick_s=0.25, step=max(1, int(n_steps) // 40))

fig = charts.error_figure(err.squared, err_avg.squared if err_avg is not None else None, unit, step_word)
slides.chart(st, fig, key=P + "error_chart", width="stretch")
st.markdown(readout.error_sentence(err.squared, unit, step_word, noisy))

# --- 2. the models compared -------------------------------------------------------------------------
st.header("2 · Which model fills in best? CD-1, PCD-1 and PA-1", divider="gray")
compared = {k: pretrained_models()[t]["rbm"] for k, t in COMPARED.items() if t in pretrained_models()}


@st.cache_data(show_spinner="Completing 30 held-out digits with each model ...", max_entries=8)
def comparison(hiding: str, side: str, box: tuple, fraction: float, flip: float, method: str, n_steps: int,
               seed: int, paint_mask: tuple | None) -> cs.Comparison:
    X, evs = cs.comparison_digits(ds.X_test, ds.y_test, N_COMPARED, hiding, SHAPE, side=side, box=box,
                                  fraction=fraction, flip=flip, observed=paint_mask, seed=seed)
    return cs.compare_models(compared, X, evs, method=method, n_steps=n_steps, seed=seed)


if len(compared) < 2:
    st.info("The bundled CD-1, PCD-1 and PA-1 models are not all here, so there is nothing to compare.")
else:
    comp = comparison(hiding, settings["side"], settings["box"], settings["fraction"], settings["flip"], method,
                      int(n_steps), seed, tuple(ev.observed) if hiding == "brush" else None)
    table = pd.DataFrame(readout.comparison_rows(comp, unit, averaged=method == "gibbs"))
    st.dataframe(table, hide_index=True, key=P + "compare", width="content",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns[1:]})
    st.markdown(readout.comparison_sentence(comp, HIDE_NOUNS[hiding], N_COMPARED, run.n_steps, step_word, unit))

# --- 3. exact, on a small question --------------------------------------------------------------------
st.header("3 · The sampled conditional beside the exact one", divider="gray")
st.markdown("Hide only a small patch and the conditional RBM has so few visible units that every completion "
            "can be listed: p(v_patch | the other pixels) = exp(−F′(v_patch)) / Z′ exactly, with F′ the free energy "
            "of the RBM conditioned on the seen pixels.")
c1, c2, c3, c4 = st.columns(4)
k = c1.select_slider("Patch size", [2, 3], key=P + "patch", format_func=lambda s: f"{s}x{s}")
c2.number_input("Patch top row", 0, 26, key=P + "patch_row")
c3.number_input("Patch left column", 0, 26, key=P + "patch_col")
tv_steps = c4.select_slider("Gibbs steps (100 chains)", [100, 300, 1000], key=P + "tv_steps")
URL.write()
patch_ev = cp.make_evidence(x_true, "box", SHAPE, box=(int(ss[P + "patch_row"]), int(ss[P + "patch_col"]), int(k)))
small = cs.patch_study(rbm, patch_ev, n_steps=int(tv_steps), n_chains=100, seed=seed)
tv = small.tv
CLOSER, NOT_CLOSER = "closer than mean field", "no closer than mean field"
q_closer = predict.ask(P + "q_closer", f"After {tv.size:,} Gibbs steps of 100 chains, will the sampled conditional "
                       "be **closer** to the exact one (in total variation) than mean field's factorial answer?",
                       predict.Choice([CLOSER, NOT_CLOSER]),
                       answer=CLOSER if tv[-1] < small.tv_mean_field else NOT_CLOSER,
                       about=(int(k), int(ss[P + "patch_row"]), int(ss[P + "patch_col"]), tv.size, seed))
m = st.columns(4)
m[0].metric("completions of the patch", f"{small.exact.size:,}")
if q_closer.revealed:
    m[1].metric(f"TV(sampled, exact) after {tv.size:,} steps", f"{tv[-1]:.3f}")
m[2].metric("TV(mean field, exact)", f"{small.tv_mean_field:.3f}",
            help="Mean field answers with a factorial q(v_patch) = Π q(vᵢ): the distance of that product from the "
                 "exact conditional, which no number of iterations changes.")
m[3].metric("most probable completion", f"p = {small.exact.max():.3f}")
ch, bars = st.columns([1.3, 1])
if q_closer.reveals("the sampled conditional's distance"):
    slides.chart(ch, charts.tv_figure(tv, small.tv_mean_field), key=P + "tv_chart", width="stretch")
slides.chart(bars, charts.top_states_figure(small.states, small.exact, small.sampled), key=P + "top_states",
             width="stretch")
closer_than = readout.closer_words(tv, small.tv_mean_field)
if q_closer.revealed:
    st.markdown(readout.patch_sentence(tv, small.tv_mean_field))

# --- 4. the label DBN -------------------------------------------------------------------------------
st.header("4 · A deep belief net with labels: evidence at either end", divider="gray")


@st.cache_resource(show_spinner="Loading the deep belief net ...")
def load_net() -> dbn.DBN:
    return dbn_io.load_dbn(ft.LABEL_NETS["dbn_labels"])[0]


try:
    net = load_net()
except (OSError, ValueError) as e:
    st.error(f"The bundled label DBN could not be read ({e}); rebuild it with `python scripts/train_dbn.py`.")
    st.stop()
st.subheader("The label from the image")
li = lc.label_from_image(net, x_true, n_steps=200, n_chains=10, rng=seed)
fig = charts.label_figure(li.exact, li.estimates[-1], what)
c_bars, c_tv = st.columns([2, 1], vertical_alignment="center")
slides.chart(c_bars, fig, key=P + "label_bars", width="stretch")
c_tv.metric("TV(Gibbs, exact) after 200 steps", f"{li.tv()[-1]:.4f}",
            help="Total variation between the Gibbs estimate of p(y | image) and the exact one. The image is "
                 "clamped (its mean-field up-pass), the ten label units are sampled in the top RBM; the exact "
                 "answer lists the ten labels' free energies.")
st.subheader("The image from the label")
label = st.columns([1, 2])[0].select_slider("Clamped label", list(range(10)), key=P + "label")
URL.write()
chain, read = lc.image_from_label(net, int(label), n_frames=DBN_FRAMES, every=DBN_EVERY, n=4, rng=seed,
                                  reader=reader_for(SHAPE))


def draw_drawings(f: int) -> None:
    c_img, c_read = st.columns([2, 1], vertical_alignment="center")
    slides.picture(c_img, sample_grid(chain.images[f], SHAPE, n_cols=4, scale=4), width="content",
                   caption=f"4 chains, label {label} clamped: top-RBM step {chain.steps[f]:,}, drawn top-down",
                   name=P + "drawings")
    if read is not None:
        c_read.metric(f"drawings the independent reader reads as {label}", f"{int(read[f])} of 4",
                      help="The reader is a classifier trained on real digits only; the net never grades its own "
                           "drawings.")


player(P, "dbn", [f"top-RBM step {s:,}" for s in chain.steps], signature=(int(label), seed), draw=draw_drawings,
       tick_s=0.4)

how_fast = readout.how_fast(err.squared, unit, step_word)
notice(
    "Nothing about the model changed between generating digits and completing them: clamping the seen pixels "
    "turns the RBM into a smaller RBM over the unseen ones, and the same block Gibbs steps sample it. Here "
    f"{how_fast}. "
    + (f"On the small patch the sampled conditional ends {tv[-1]:.3f} from the exact one in total "
       f"variation, {closer_than} mean field's factorial answer ({small.tv_mean_field:.3f}), which more iterations "
       "cannot improve. " if q_closer.revealed else "")
    + "The deep belief net works both ways: clamp the image and the label units' estimate ends "
    f"{li.tv()[-1]:.4f} from the exact p(y | image); clamp a label and the images wander among drawings of it."
)
