"""Lesson 2, filter learning (live): train an RBM on digit images and watch its weights.

Widgets and drawing only; the learning is ``pgmviz.training.train.Trainer``, the health checks
``pgmviz.training.diagnostics``, the pictures ``pgmviz.viz`` (sent small and drawn large by
``pgmviz.ui.pictures``) and the charts ``pgmviz.ui.charts.filters``. Train / Pause / Step / Reset and
the frame loop are ``pgmviz.ui.live.LiveRun``: the trainer lives in ``st.session_state`` so a rerun
continues training instead of restarting, slices run through the server's scheduler, and a plain
rerun after Step or Train (as in AppTest, which
does not tick fragments) already shows a trained model.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import asdict

import numpy as np
import streamlit as st

from pgmviz import viz
from pgmviz.datasets import DATASETS
from pgmviz.evaluation.evaluate import CurvesContrast, curves_contrast
from pgmviz.io import model_bytes
from pgmviz.models.rbm import RBM
from pgmviz.training.diagnostics import unit_activity, update_ratio
from pgmviz.training.negative import NEGATIVE_PHASES
from pgmviz.training.protocol import Budget, Progress
from pgmviz.training.train import Snapshot, Trainer, TrainSettings, stream_for
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts.filters import curves_figure, hidden_bias_figure, histogram_figure
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.live import LiveRun
from pgmviz.ui.models import dataset, set_current_model
from pgmviz.ui.pictures import Enlarged, crisp, data_url, enlarge, enlarged, png
from pgmviz.ui.present import main_picture
from pgmviz.ui.theme import BLUE, GREY, RED

st.set_page_config(page_title="Filter learning · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "fl_"  # prefix of this page's session-state keys (the session is shared by all pages)
TICK_S = 0.4  # the fragment reruns this often while training
CURVES_TICK_S = 2.0  # the learning curves redraw this often while training
DIAG_TICK_S = 5.0  # the diagnostics redraw this often while training
SLICE_S = 0.2  # wall time of training per tick; the rest of the tick is drawing
FIRST_SLICE_S = 0.15  # a shorter slice when Train is clicked, so the first new frame comes fast
SHOWN_FILTERS = 100  # filters drawn per frame unless "show all" is on (keeps each frame cheap)
GRID_WIDTH = 640  # target width in pixels of the filter picture
MONITOR_ROWS = 50  # training images in the p(h|v) heat map
RECON_ROWS = 6  # training images shown with their reconstructions

# Hidden units to suggest per data set: the slides' demo used 50 features on 16x16 images of 2s;
# full-size digits need a few hundred; bars-and-stripes is small enough for the exact likelihood.
SUGGESTED_HIDDEN = {"mnist16_2": 50, "mnist16": 100, "mnist": 200, "bars4": 16, "bars3": 9}
HIDDEN_HINT = {
    "mnist16_2": "50 as in the slides",
    "mnist16": "100-300 work well",
    "mnist": "100-500 work well; 500 is slower",
    "bars4": "up to 20 keeps the exact log-likelihood",
    "bars3": "up to 20 keeps the exact log-likelihood",
}
PACE = ["1", "3", "10", "30", "100", "max"]  # updates per frame; "max" = as many as fit in a slice

# The settings that define the model: changing one needs a new model (Reset). The optimiser's
# lr, momentum and weight decay are read by every update, so they apply live.
STRUCTURAL = ("dataset", "n_hidden", "sampler", "k", "n_chains", "batch_size", "seed")
STRUCTURAL_LABELS = {"dataset": "data set", "n_hidden": "hidden units", "sampler": "negative phase",
                     "k": "Gibbs steps k", "n_chains": "chains", "batch_size": "batch size", "seed": "seed"}
LIVE = ("lr", "momentum", "weight_decay")
SAMPLER_METRIC_LABELS = {"ess": "effective sample size / particles", "resamples": "resamplings",
                         "swap_rate": "mean swap rate", "swap_rate_min": "lowest swap rate"}
STANDARD_METRICS = {"recon_error", "pseudo_ll", "free_energy_gap", "log_Z", "ll_train", "ll_test", "updates_per_s"}

ss = st.session_state


def _defaults() -> dict:
    s = TrainSettings()
    return {"dataset": "mnist16_2", "n_hidden": SUGGESTED_HIDDEN["mnist16_2"], "sampler": s.sampler,
            "k": s.k, "n_chains": s.n_chains, "batch_size": s.batch_size, "seed": s.seed,
            "lr": 0.1, "momentum": s.momentum, "weight_decay": 0.01, "pace": "10"}


def sampler_options(name: str) -> set[str]:
    """Which of the options k / n_chains the registered negative phase takes (its dataclass fields)."""
    fields = getattr(NEGATIVE_PHASES[name], "__dataclass_fields__", {})
    return {f for f in ("k", "n_chains") if f in fields}


# --- state ------------------------------------------------------------------------------------
def init_widget_state() -> None:
    """Give every control a value once; after a visit to another page, take it from the model.

    Streamlit forgets a page's widget values when another page runs, while the trainer stays in
    the session; seeding the widgets from the trainer's settings keeps the two in agreement.
    """
    source = {**_defaults(), **ss.get(P + "built", {})}
    if ss.get(P + "trainer") is not None:
        source.update({k: getattr(ss[P + "trainer"].settings, k) for k in LIVE})
    for name, value in source.items():
        ss.setdefault(P + name, value)


def url_settings() -> url.Binding:
    """The model's settings and the optimiser's, shareable as a link (not the training state)."""
    d = _defaults()
    return url.bind(P, {
        "dataset": url.choice(d["dataset"], DATASETS),
        "n_hidden": url.integer(d["n_hidden"], 1, 1000),
        "sampler": url.choice(d["sampler"], NEGATIVE_PHASES),
        "k": url.integer(d["k"], 1, 100),
        "n_chains": url.integer(d["n_chains"], 1, 2000),
        "batch_size": url.integer(d["batch_size"], 1, 1000),
        "seed": url.integer(d["seed"], 0, 2**31 - 1),
        "lr": url.number(d["lr"], 0.0, 1e9),
        "momentum": url.number(d["momentum"], 0.0, 0.95),
        "weight_decay": url.number(d["weight_decay"], 0.0, 1.0),
    })


def widget_config() -> dict:
    """The settings as the controls show them now."""
    return {name: ss[P + name] for name in (*STRUCTURAL, *LIVE)}


def build_trainer() -> Trainer:
    """A fresh model and trainer from the controls (what Reset does); ValueError with a message."""
    cfg = widget_config()
    try:
        settings = TrainSettings(lr=float(cfg["lr"]), momentum=float(cfg["momentum"]),
                                 weight_decay=float(cfg["weight_decay"]), batch_size=int(cfg["batch_size"]),
                                 sampler=cfg["sampler"], k=int(cfg["k"]), n_chains=int(cfg["n_chains"]),
                                 seed=int(cfg["seed"]), stream=stream_for(cfg["sampler"]))
    except ValueError as e:
        raise ValueError(f"These settings cannot train a model: {e}. Fix them and press Reset.") from e
    try:
        data = dataset(cfg["dataset"])
    except (ValueError, OSError) as e:
        raise ValueError(f"Could not load the data set {cfg['dataset']!r}: {e}") from e
    rbm = RBM.random(data.n_v, int(cfg["n_hidden"]), seed=int(cfg["seed"]), data=data.X_train)
    trainer = Trainer(rbm, data.X_train, data.X_test, settings)
    # A fixed set of training images for the p(h|v) heat map, so its rows stay the same images.
    rows = np.random.default_rng(0).permutation(data.X_train.shape[0])[:MONITOR_ROWS]
    recon_rows = rows[:RECON_ROWS]
    ss[P + "built"] = {k: cfg[k] for k in STRUCTURAL}
    ss[P + "data"] = {"key": data.key, "title": data.title, "note": data.note, "image_shape": data.image_shape,
                      "n_train": data.X_train.shape[0], "V_monitor": data.X_train[rows],
                      "V_recon": data.X_train[recon_rows]}
    publish(trainer.run(0), trainer)
    return trainer


def apply_live_settings() -> bool:
    """Copy lr / momentum / weight decay into the running trainer; False (and a message) if invalid."""
    trainer = ss.get(P + "trainer")
    if trainer is None:
        return False
    live = {k: float(ss[P + k]) for k in LIVE}
    try:
        TrainSettings(**{**asdict(trainer.settings), **live})  # validates, raises ValueError
    except ValueError as e:
        ss[P + "error"] = (f"Training is paused: {e}. The learning rate must be above 0, momentum in "
                           "[0, 1) and weight decay at least 0.")
        ss[P + "running"] = False
        return False
    for k, v in live.items():
        setattr(trainer.settings, k, v)
    if (ss.get(P + "error") or "").startswith("Training is paused"):
        ss[P + "error"] = None
    return True


def slice_budget(kind: str, seconds: float) -> Budget:
    """A frame's training: ``seconds`` of updates, at most the chosen number per frame."""
    return Budget(updates=None if ss[P + "pace"] == "max" else int(ss[P + "pace"]), seconds=seconds)


def on_slice(progress: Progress) -> None:
    publish(progress.snapshot, ss[P + "trainer"])
    ss[P + "frame"] = {"updates": progress.done, "train_s": progress.seconds}


def model_meta(trainer: Trainer, snap: Snapshot) -> dict:
    data = ss[P + "data"]
    return {**trainer.settings_dict(), "dataset": data["key"], "image_shape": list(data["image_shape"]),
            "n_hidden": trainer.rbm.n_h, "step": snap.step, "epoch": round(snap.epoch, 3)}


def publish(snap: Snapshot, trainer: Trainer) -> None:
    """Keep the snapshot for drawing and make it the session's current model for the other pages."""
    ss[P + "snap"] = snap
    meta = model_meta(trainer, snap)
    set_current_model(f"Your model ({meta['dataset']})", snap.rbm, meta)
    # The download buttons build their files from this box when clicked, on another thread.
    box = ss.setdefault(P + "box", {})
    box.update(snap=snap, meta=meta)


def on_dataset() -> None:
    # Suggest a hidden layer size for the new data; the model itself changes only on Reset.
    ss[P + "n_hidden"] = SUGGESTED_HIDDEN.get(ss[P + "dataset"], ss[P + "n_hidden"])


RUN = LiveRun(P, build_trainer, slice_s=SLICE_S, first_slice_s=FIRST_SLICE_S, tick_s=TICK_S, budget=slice_budget,
              before=lambda: apply_live_settings(), after=on_slice)


# --- pictures: (uint8 image at one pixel per pixel, how many times larger to draw it) ---------------
def filter_picture(W: np.ndarray, shape: tuple[int, int], n_show: int, per_filter: bool,
                   width: int = GRID_WIDTH) -> tuple[np.ndarray, int]:
    n_cols = 10 if n_show <= 100 else 25
    cell = n_cols * (shape[1] + 1) + 1
    return viz.filter_grid(W, shape, n_cols=n_cols, scale=1, per_filter=per_filter, max_filters=n_show), \
        max(1, width // cell)


def recon_picture(V: np.ndarray, R: np.ndarray, shape: tuple[int, int], width: int = 400) -> tuple[np.ndarray, int]:
    """Images (top row) above their reconstructions (bottom row), grey levels."""
    n_cols = V.shape[0]
    return viz.sample_grid(np.vstack([V, R]), shape, n_cols=n_cols, scale=1), \
        max(1, width // (n_cols * (shape[1] + 1) + 1))


def bias_picture(b: np.ndarray, shape: tuple[int, int], width: int = 200) -> tuple[np.ndarray, int]:
    return viz.diverging_rgb(b.reshape(shape)), max(1, width // shape[1])


def activation_picture(P_h: np.ndarray, width: int = 600, height: int = 250) -> np.ndarray:
    """p(h|v) as grey levels (black 0, white 1): one row per image, one column per hidden unit."""
    n, m = P_h.shape
    img = viz.to_uint8(P_h)
    return img.repeat(max(1, height // n), axis=0).repeat(max(1, width // m), axis=1)


def chart_config() -> dict:
    # While training, charts are pictures (no hover layer to rebuild every frame); paused, they
    # are interactive again so values can be read off.
    return {"displayModeBar": False, "staticPlot": bool(ss.get(P + "running"))}


# --- the page ---------------------------------------------------------------------------------
lesson_header(
    "Filter learning",
    "Train an RBM on digit images and each hidden unit's weights become a feature of its own, a "
    "piece of stroke that switches the unit on; together the features rebuild the digits.",
)
warm_up_kernels()
crisp()  # the pictures below are sent at one pixel per pixel and enlarged by the browser
init_widget_state()
URL_SETTINGS = url_settings()  # a link's settings, read on the session's first run, build the first model
if RUN.trainer is None:
    RUN.reset()

# --- controls (sidebar) -----------------------------------------------------------------------
with st.sidebar:
    st.markdown("**Model** (press Reset to apply)")
    st.selectbox("Data set", list(DATASETS), key=P + "dataset", format_func=DATASETS.get, on_change=on_dataset)
    st.number_input("Hidden units", 1, 1000, step=10, key=P + "n_hidden")
    st.caption(f"Suggested: {HIDDEN_HINT.get(ss[P + 'dataset'], '')}.")
    st.selectbox("Negative phase", list(NEGATIVE_PHASES), key=P + "sampler",
                 format_func=lambda name: NEGATIVE_PHASES[name].label)
    options = sampler_options(ss[P + "sampler"])
    kc = st.columns(2)
    if "k" in options:
        kc[0].number_input("Gibbs steps k", 1, 100, step=1, key=P + "k")
    if "n_chains" in options:
        kc[1].number_input("Chains", 1, 2000, step=10, key=P + "n_chains",
                           help="Persistent fantasy particles that carry over from update to update.")
    bc = st.columns(2)
    bc[0].number_input("Batch size", 1, 1000, step=10, key=P + "batch_size")
    bc[1].number_input("Seed", 0, 2**31 - 1, step=1, key=P + "seed")
    st.markdown("**Optimiser** (applies at once)")
    st.number_input("Learning rate", min_value=0.0, max_value=1e9, step=0.01, format="%g", key=P + "lr")
    st.slider("Momentum", 0.0, 0.95, step=0.05, key=P + "momentum",
              help="The practical guide starts at 0.5 and raises it to 0.9 once learning settles.")
    st.number_input("Weight decay", min_value=0.0, max_value=1.0, step=1e-4, format="%g", key=P + "weight_decay",
                    help="An L2 penalty on the weights (the biases are not decayed). 0.01 keeps the filters "
                         "smooth on the 400 training 2s; with 0 they turn speckled as the model memorises "
                         "its training images (watch the free-energy gap grow).")
    st.select_slider("Updates per frame", PACE, key=P + "pace",
                     help="10 is slow enough to watch the filters form; 'max' trains as fast as the machine "
                          f"can (about {SLICE_S:.2f} s of updates per frame).")
URL_SETTINGS.write()

trainer: Trainer | None = ss.get(P + "trainer")

# --- buttons and messages ---------------------------------------------------------------------
pending = [] if trainer is None else [STRUCTURAL_LABELS[k] for k in STRUCTURAL
                                      if k in ss.get(P + "built", {}) and ss[P + k] != ss[P + "built"][k]
                                      and (k not in ("k", "n_chains") or k in sampler_options(ss[P + "sampler"]))]
live_ok = apply_live_settings() if trainer is not None else False
running = RUN.running and live_ok

RUN.buttons(disabled=not live_ok, step_help=f"Train for one slice (about {SLICE_S:.2f} s of updates), then stop.",
            reset_help="A new random model with the settings in the sidebar.")
RUN.messages()
if pending:
    st.warning(f"You changed the {', '.join(pending)}: press **Reset** to apply (the current model is kept "
               "until then).", icon=":material/restart_alt:")
if trainer is None:
    st.stop()

data = ss[P + "data"]
st.caption(f"Training on **{data['title']}**: {data['note']}. Model: {trainer.rbm.n_v} visible x "
           f"{trainer.rbm.n_h} hidden units, {NEGATIVE_PHASES[trainer.settings.sampler].label}.")


# --- the live part: one slice of training, then redraw ----------------------------------------
# Three fragments, so the browser redraws only what changes fast: the filters and the numbers
# after every slice; the learning curves every 2 s; the diagnostics (histograms, biases,
# activations) every few seconds. Plotly charts are the costly part of a frame in the browser.
def live_view() -> None:
    t0 = time.perf_counter()
    draw_live(ss[P + "snap"])
    ss[P + "draw_s"] = time.perf_counter() - t0


@st.fragment(run_every=RUN.paced(CURVES_TICK_S) if running else None)
def curves_view() -> None:
    RUN.pages_first()  # while training: other sessions' page runs first (pgmviz.ui.scheduler.PageRuns)
    draw_curves(ss[P + "snap"], ss[P + "trainer"].history)


@st.fragment(run_every=RUN.paced(DIAG_TICK_S) if running else None)
def diagnostics_view() -> None:
    RUN.pages_first()
    draw_diagnostics(ss[P + "snap"])


def live_pictures(snap: Snapshot, shape: tuple[int, int], n_show: int, per_filter: bool) -> dict[str, Enlarged]:
    """The frame's three pictures, encoded once per snapshot: a frame whose slice is still pending redraws them."""
    key = (n_show, per_filter)
    kept = ss.get(P + "pictures")
    if kept is not None and kept[0] is snap and kept[1] == key:
        return kept[2]
    rbm, V = snap.rbm, ss[P + "data"]["V_recon"]
    pics = {"filters": enlarge(*filter_picture(rbm.W, shape, n_show, per_filter)),
            "reconstructions": enlarge(*recon_picture(V, rbm.reconstruct(V), shape)),
            "visible_biases": enlarge(*bias_picture(rbm.b, shape, width=150))}
    ss[P + "pictures"] = (snap, key, pics)
    return pics


def draw_live(snap: Snapshot) -> None:
    data = ss[P + "data"]
    shape = tuple(data["image_shape"])
    rbm, m = snap.rbm, snap.metrics
    ratio = update_ratio(rbm.W, snap.dW)

    # the progress line
    cols = st.columns(5)
    cols[0].metric("Updates", f"{snap.step:,}")
    cols[1].metric("Epochs", f"{snap.epoch:.1f}")
    cols[2].metric("Updates / s", f"{m.get('updates_per_s', 0):,.0f}")
    cols[3].metric("Reconstruction error", f"{m['recon_error']:.4f}",
                   help="Mean squared difference per pixel between an image and p(v | p(h | v)).")
    cols[4].metric("Update / weight size", "-" if ratio is None else f"{ratio:.1e}",
                   help="mean |dW| / mean |W|. Hinton's practical guide: about 1e-3 is healthy.")
    frame = ss.get(P + "frame")
    bits = [] if frame is None else [f"last frame: {frame['updates']:,} updates in {frame['train_s']:.2f} s"]
    if ss.get(P + "draw_s") is not None:
        bits.append(f"drawing {ss[P + 'draw_s']:.2f} s")
    sampler_metrics = {k: v for k, v in m.items() if k not in STANDARD_METRICS}
    if sampler_metrics:
        bits.append("sampler: " + ", ".join(f"{SAMPLER_METRIC_LABELS.get(k, k.replace('_', ' '))} {v:.3g}"
                                            for k, v in sampler_metrics.items()))
    if bits:
        st.caption(" · ".join(bits))

    left, right = main_picture().columns([3, 2], gap="large")
    with left:
        n_h = rbm.n_h
        show_all = n_h > SHOWN_FILTERS and ss.get(P + "show_all", False)
        n_show = n_h if show_all else min(n_h, SHOWN_FILTERS)
        per_filter = ss.get(P + "per_filter", True)
        pics = live_pictures(snap, shape, n_show, per_filter)
        st.markdown(f"#### The filters ({n_show} of {n_h} hidden units)")
        enlarged(st, pics["filters"], name=P + "filters")
        st.caption("Each square is one hidden unit's weights from all the pixels, drawn as an image. "
                   "Red: a pixel that is on pushes the unit on; blue: pushes it off; white: no effect. "
                   + ("Each filter has its own colour scale." if per_filter else "One colour scale for all."))
        tc = st.columns(2)
        tc[0].toggle("Own colour scale per filter", key=P + "per_filter", value=True)
        if n_h > SHOWN_FILTERS:
            tc[1].toggle(f"Show all {n_h} filters", key=P + "show_all", value=False,
                         help="Drawing every filter makes each frame slower.")
    with right:
        st.markdown("#### Data and reconstructions")
        enlarged(st, pics["reconstructions"], name=P + "reconstructions")
        st.caption("Top: training images. Below: p(v | h) with h from p(h | v), the model's "
                   "reconstruction from its features. Early on they are blurs of the average digit.")
        st.markdown("**Visible biases b**")
        enlarged(st, pics["visible_biases"], name=P + "visible_biases")
        st.caption(f"b in [{rbm.b.min():.1f}, {rbm.b.max():.1f}]; it starts at each pixel's log-odds, so the "
                   "hidden units need not learn how often a pixel is on.")


LL_NAMES = {"ll_test": "exact held-out log-likelihood", "ll_train": "exact training log-likelihood",
            "pseudo_ll": "pseudo-log-likelihood (a noisy one-bit estimate)"}


def contrast_caption(c: CurvesContrast) -> str:
    """The reconstruction-error curve read against the likelihood curve, from `curves_contrast`."""
    short = "likelihood" if c.ll_key != "pseudo_ll" else "pseudo-likelihood"
    when = (f"lowest error at update {c.recon_best_step:,}, highest {short} at update {c.ll_best_step:,}"
            + ("" if c.recon_best_step == c.ll_best_step else ": they disagree about when the model was best"))
    both = (f"in {c.recon_down_ll_down} of the {c.intervals} intervals between snapshots the error fell while the "
            f"{short} fell too" if c.recon_down_ll_down else
            f"in none of the {c.intervals} intervals between snapshots did the error fall while the {short} fell")
    return f"Reconstruction error beside the {LL_NAMES[c.ll_key]} in this run: {when}; {both}."


def draw_curves(snap: Snapshot, history: list[dict]) -> None:
    m, rbm = snap.metrics, snap.rbm
    st.markdown("#### Learning curves")
    cc = st.columns(3, gap="medium")
    slides.chart(cc[0], curves_figure(history, "Reconstruction error", [("recon_error", "error", RED)],
                                     "error / pixel"),
                 key=P + "curve_recon", width="stretch", config=chart_config())
    cc[0].caption("CD drives this down fast, but it is not what CD optimises: a model can reconstruct "
                  "well and still give its data low probability.")
    slides.chart(cc[1], curves_figure(history, "Log-likelihood per image",
                                     [("pseudo_ll", "pseudo", GREY), ("ll_train", "exact, train", RED),
                                      ("ll_test", "exact, held-out", BLUE)], "nats"),
                 key=P + "curve_ll", width="stretch", config=chart_config())
    small = min(rbm.n_v, rbm.n_h)
    if "ll_train" in m:
        cc[1].caption(f"Exact log p(v): log Z is a sum over all 2^{small} states of the smaller layer "
                      f"(log Z = {m['log_Z']:.2f}). Now: train {m['ll_train']:.3f}, held-out "
                      f"{m.get('ll_test', float('nan')):.3f} nats.")
    else:
        cc[1].caption(f"Pseudo-log-likelihood only: the exact log p(v) needs log Z, a sum over 2^{small} "
                      f"states here (about 10^{small * 0.30103:.0f}). With at most 20 hidden units (or "
                      "bars and stripes) it is computed exactly.")
    contrast = curves_contrast(history)  # reconstruction error is not likelihood, on this run's own curves
    if contrast is not None:
        cc[0].caption(contrast_caption(contrast))
    slides.chart(cc[2], curves_figure(history, "Free-energy gap", [("free_energy_gap", "held-out - train", BLUE)],
                                     "F(held-out) - F(train)"),
                 key=P + "curve_gap", width="stretch", config=chart_config())
    cc[2].caption("Mean free energy of held-out images minus training images: a gap that keeps growing "
                  "means the model is fitting its training images too closely.")


def draw_diagnostics(snap: Snapshot) -> None:
    data = ss[P + "data"]
    rbm = snap.rbm
    ratio = update_ratio(rbm.W, snap.dW)
    st.markdown("#### Diagnostics from Hinton's practical guide")
    dc = st.columns(3, gap="medium")
    slides.chart(dc[0], histogram_figure(rbm.W, "Weights W", RED, "w"), key=P + "hist_w", width="stretch",
                 config=chart_config())
    slides.chart(dc[1], histogram_figure(snap.dW, "Last update dW", BLUE, "dw"), key=P + "hist_dw",
                 width="stretch", config=chart_config())
    if ratio is None:
        dc[1].caption("No update yet.")
    else:
        verdict = ("about right" if 1e-4 <= ratio <= 1e-2 else
                   "large: lower the learning rate" if ratio > 1e-2 else
                   "small: learning is slow; a higher learning rate may help")
        dc[1].caption(f"Rule of thumb: updates about 10^-3 of the weights. Here mean |dW| / mean |W| = "
                      f"**{ratio:.1e}**: {verdict}.")
    slides.chart(dc[2], hidden_bias_figure(rbm.c), key=P + "c_bars", width="stretch",
                 config=chart_config())
    dc[2].caption("Hidden biases usually drift negative: each image is explained by a few active units.")

    P_h = rbm.p_h_given_v(data["V_monitor"])
    st.markdown(f"**p(h | v) for {P_h.shape[0]} fixed training images** (rows: images; columns: hidden units; "
                "white = on)")
    slides.picture(st, data_url(activation_picture(P_h)), name=P + "activations")
    dead, saturated = unit_activity(P_h)
    st.caption(f"A black column is a unit that never turns on ({dead} now); a white column, one that is "
               f"always on ({saturated} now): both are wasted. Useful units are on for some images only.")


# Asked before the run: does the best reconstruction come when the likelihood is best? Read off this run once paused.
SAME, APART = "at the same update", "at different updates"
q_best = predict.ask(P + "q_best", "Train this model, then pause: will its **lowest reconstruction error** and its "
                     "**highest likelihood** come at the same update?", predict.Choice([SAME, APART]),
                     about=dict(ss.get(P + "built", {})))
contrast_now = None if running else curves_contrast(trainer.history)
if contrast_now is not None:
    q_best.reveal(SAME if contrast_now.recon_best_step == contrast_now.ll_best_step else APART)
else:
    q_best.wait("Press Train and let it learn, then Pause: the answer is read off this run's own curves.")
RUN.fragment(live_view)  # while training: a slice through the scheduler, then draw
if q_best.reveals("the learning curves"):
    curves_view()
diagnostics_view()

# --- downloads, the code, what to notice --------------------------------------------------------
box = ss[P + "box"]
st.markdown("#### Take it with you")
st.caption("This model is now the current model of the session: the Reconstructions and Fantasies pages "
           "use it. The files hold the model as it is when you click.")
dl = st.columns([1, 1, 3])
dl[0].download_button("Model (.npz)", data=lambda: model_bytes(box["snap"].rbm, box["meta"]),
                      file_name=f"rbm_{data['key']}_{trainer.rbm.n_h}h.npz", mime="application/octet-stream",
                      key=P + "dl_model", on_click="ignore", icon=":material/download:")
dl[1].download_button("Filters (.png)",
                      data=lambda: png(viz.upscale(*filter_picture(box["snap"].rbm.W, tuple(box["meta"]["image_shape"]),
                                                                   box["snap"].rbm.n_h, True, width=1400))),
                      file_name=f"filters_{data['key']}_{trainer.rbm.n_h}h.png", mime="image/png",
                      key=P + "dl_png", on_click="ignore", icon=":material/image:")

with st.expander("The code that runs for every update"):
    st.code(inspect.getsource(Trainer.update), language="python")

notice("The filters start as noise, then for a while every unit looks like the same blurry digit: "
       "they all learn the average image first. Then they split up, each taking one piece of stroke "
       "(a loop, the base of a 2, a diagonal) with a blue surround, so that together they can rebuild "
       "any image; the reconstructions sharpen at the same time. The reconstruction error falls fast, "
       "but the free-energy gap tells you when the model starts memorising its training images.")
