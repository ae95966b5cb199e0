"""Lesson: deep autoencoders. Pretrain a stack of RBMs, unroll it, fine-tune it with backprop, and
compare it with PCA at the same code size; plus Gaussian visible units on a 2-D toy set.

Widgets and drawing only; the numbers come from pgmviz.nets.autoencoder (pretraining, unrolling, the net),
autoencoder_finetune, autoencoder_recipe, autoencoder_io, pgmviz.nets.pca and pgmviz.models.grbm. The
ready-made net per code size is bundled in assets/autoencoder/ (scripts/train_autoencoder.py, the same
recipe ``pgmviz.nets.autoencoder_recipe.READY_MADE``) and loaded once per server (``st.cache_resource``);
if a file is missing or unreadable the page says so and trains that net here instead (``st.cache_data``). The
student's own run lives in ``st.session_state`` and fine-tunes in a fragment, one epoch per tick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from pgmviz import data
from pgmviz.models import grbm
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_finetune as ae_ft
from pgmviz.nets import autoencoder_io as ae_io
from pgmviz.nets import autoencoder_recipe as ae_recipe
from pgmviz.nets.pca import PCA, compare_with_pca, knn_agreement, pca_error_curve, squared_error
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import autoencoder as charts
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.live import LiveRun
from pgmviz.ui.present import main_picture
from pgmviz.viz import filter_grid, sample_grid

st.set_page_config(page_title="Deep autoencoder · pgmviz", layout="wide")

P = "ae_"  # prefix of this page's session-state keys
R = ae_recipe.READY_MADE  # the ready-made nets' recipe, shared with scripts/train_autoencoder.py
SIDE = R.side  # 16x16 digits: 256 pixels, small enough to train live on a shared 2-core machine
HIDDEN = list(R.hidden)  # binary hidden layers below the code (H&S 2006 used 1000-500-250 on 28x28)
CODE_SIZES = list(R.code_sizes)
DEFAULT_CODE = 6
PRE_EPOCHS, FT_EPOCHS, SEED = R.pre_epochs, R.ft_epochs, R.seed  # the ready-made nets
BUNDLED = Path(__file__).resolve().parents[1] / "assets" / "autoencoder"
GREY_HIDDEN, GREY_EPOCHS = 100, 20  # the Gaussian RBM on grey digits (section 4)
TICK_S, SLICE_S = 0.3, 0.2  # while fine-tuning: seconds between frames, seconds of backprop per frame

lesson_header(
    "Deep autoencoder",
    "Squeeze a digit through a handful of real numbers and back: pretrain a stack of RBMs, unroll "
    "it into an encoder and a decoder, fine-tune with backprop, and the net reconstructs held-out "
    "digits better than PCA with the same number of numbers, and its 2-D codes keep the classes apart.",
)
ss = st.session_state


# --- data and the ready-made nets -----------------------------------------------------------------
@st.cache_resource(show_spinner=False)  # one copy per server (cache_data gave every page run its own)
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bundled split, averaged down to 16x16, grey levels in [0, 1] (not thresholded); shared: never mutate."""
    Xtr, ytr, Xte, yte = data.mnist_split()
    return data.downsample(Xtr, SIDE), ytr, data.downsample(Xte, SIDE), yte


def sizes_for(code: int) -> list[int]:
    return [SIDE * SIDE, *HIDDEN, code]


@st.cache_resource(show_spinner=False)
def bundled(path: str, code: int) -> dict:
    """The bundled net for this code size and what its script measured (shared: never mutate it).

    ValueError if the file is missing, unreadable, or was made with another recipe than this page's.
    """
    net, meta = ae_recipe.load_ready_made(path, code)
    return {"net": net, "pretrain_log": meta["pretrain_log"], "history": meta["history"],
            "random_history": meta["random_history"], "pretrain_s": meta["pretrain_seconds"],
            "finetune_s": meta["finetune_seconds"], "settings": (PRE_EPOCHS, FT_EPOCHS, SEED), "source": "bundled"}


_reported: set[int] = set()  # code sizes whose bundled file failed in this script run (say it once)


def bundled_or_none(code: int) -> dict | None:
    """The bundled net, or None after saying (once per script run and code size) why it cannot be used."""
    name = ae_io.asset_name(sizes_for(code))
    try:
        return bundled(str(BUNDLED / name), code)
    except (ValueError, OSError) as e:
        if code not in _reported:
            _reported.add(code)
            st.error(f"The bundled {'-'.join(map(str, sizes_for(code)))} autoencoder (assets/autoencoder/{name}) "
                     f"could not be used: {e}. Training it here instead (once per server); "
                     "`python scripts/train_autoencoder.py` rebuilds the files.", icon=":material/error:")
        return None


def history_row(net: ae.Autoencoder, epoch: int, loss: float) -> dict:
    return ae_ft.history_row(net, digits()[2], epoch, loss)


@st.cache_data(show_spinner=False, max_entries=4)
def bottom_stack(pre_epochs: int, seed: int) -> tuple[list, list[tuple[int, int, float]], float]:
    """The binary RBMs below the code, shared by every code size (greedy training never revisits them)."""
    return ae_recipe.pretrain_bottom(digits()[0], [SIDE * SIDE, *HIDDEN], pre_epochs, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def ready_made(code: int, pre_epochs: int = PRE_EPOCHS, ft_epochs: int = FT_EPOCHS, seed: int = SEED) -> dict:
    """Only when the bundled file cannot be used: the same recipe, trained here (sharing the bottom RBMs)."""
    Xtr, _, Xte, _ = digits()
    run = ae_recipe.pretrain_and_finetune(Xtr, Xte, sizes_for(code), pre_epochs, ft_epochs, seed,
                                   bottom=bottom_stack(pre_epochs, seed))
    return {**run, "settings": (pre_epochs, ft_epochs, seed), "source": "ready-made"}


@st.cache_data(show_spinner=False, max_entries=8)
def from_random(code: int, ft_epochs: int = FT_EPOCHS, seed: int = SEED) -> list[dict]:
    """Only when the bundled file cannot be used: the same net and fine-tuning from small random weights."""
    Xtr, _, Xte, _ = digits()
    return ae_recipe.finetune_from_random(Xtr, Xte, sizes_for(code), ft_epochs, seed)["history"]


@st.cache_data(show_spinner=False)
def pca_curve(k_max: int = 40) -> np.ndarray:
    Xtr, _, Xte, _ = digits()
    return pca_error_curve(Xtr, Xte, k_max)


@st.cache_data(show_spinner=False, max_entries=4)
def toy_grbm(seed: int) -> dict:
    """The two-blob toy set and samples from two GRBMs trained on it with CD-1: sigma fixed at 1, learned."""
    return grbm.two_blob_fits(seed)


@st.cache_data(show_spinner="Training a Gaussian RBM on grey-level digits (once per server) ...", max_entries=2)
def grey_grbm(seed: int) -> dict:
    """A GRBM (256 Gaussian pixels, 100 binary units, CD-1, 20 epochs) on the grey 16x16 digits."""
    Xtr, _, Xte, _ = digits()
    g = grbm.fit_grey_images(Xtr, GREY_HIDDEN, GREY_EPOCHS, seed=seed)
    return {"fit": g, "samples": g.to_pixels(g.model.sample_means(20, 1000, rng=seed + 1)),
            "test_error": g.squared_error(Xte), "mean_error": g.mean_image_error(Xte)}


def ready(code: int) -> dict:
    """The ready-made net for this code size: the bundled one, else trained here with a spinner."""
    run = bundled_or_none(code)
    if run is not None:
        return run
    with st.spinner(f"Computing the ready-made {'-'.join(map(str, sizes_for(code)))} autoencoder "
                    "(once per server: a few seconds) ..."):
        return ready_made(code)


def random_start(code: int) -> list[dict]:
    """The random-start control's fine-tuning history: from the bundled file, else trained here."""
    run = bundled_or_none(code)
    if run is not None:
        return run["random_history"]
    with st.spinner("Fine-tuning the same net from random weights, for comparison (once per server) ..."):
        return from_random(code)


def run_for(code: int) -> dict:
    """The student's run for this code size if there is one, else the ready-made net."""
    mine = ss.get(P + "runs", {}).get(code)
    return mine if mine is not None else ready(code)


def picture_rows(rows: list[np.ndarray], n_cols: int) -> np.ndarray:
    return sample_grid(np.clip(np.vstack(rows), 0, 1), (SIDE, SIDE), n_cols=n_cols, scale=4)


# --- 1. pretrain, unroll, fine-tune -----------------------------------------------------------------
st.header("1 · Pretrain a stack of RBMs, unroll it, fine-tune it", divider="gray")
Xtr, ytr, Xte, yte = digits()

# The lesson's settings, shareable through the address bar (?ae_code=2&ae_seed=3 ...); read once per
# session (pgmviz.ui.urlstate), written back at the end of the page.
_SIGMA = url.number(0.05, 0.02, 0.3)
URL_SETTINGS = url.bind(P, {
    "code": url.choice(DEFAULT_CODE, CODE_SIZES),
    "pre_epochs": url.integer(PRE_EPOCHS, 1, 20),
    "ft_epochs": url.integer(FT_EPOCHS, 1, 60),
    "seed": url.integer(SEED, 0, 2**31 - 1),
    "sigma": url.Setting(_SIGMA.default, lambda s: round(_SIGMA.parse(s), 2)),  # on the slider's 0.01 steps
})

c_code, c_pre, c_ft, c_seed = st.columns([1.6, 1.4, 1.4, 0.8], gap="large")
code = c_code.segmented_control("Code size (real numbers per digit)", CODE_SIZES, required=True, key=P + "code",
                                on_change=lambda: RUN.on_pause())  # a run belongs to one size
pre_epochs = c_pre.slider("Pretraining epochs per RBM", 1, 20, key=P + "pre_epochs")
ft_epochs = c_ft.slider("Fine-tuning epochs", 1, 60, key=P + "ft_epochs")
seed = c_seed.number_input("Seed", 0, 2**31 - 1, key=P + "seed")
sizes = sizes_for(code)
arch = " → ".join(map(str, sizes)) + " → " + " → ".join(map(str, reversed(sizes[:-1])))
st.caption(
    f"Net: **{arch}** (pixels → binary features → a linear code of {code} → back). Data: 16x16 grey-level "
    f"MNIST digits, {len(Xtr):,} for training and {len(Xte):,} held out. RBM 1 reads pixel intensities as "
    "probabilities; each next RBM learns the hidden probabilities of the one below; the top RBM has linear "
    "(Gaussian) hidden units, so the code is real-valued. Fine-tuning: backprop of the cross-entropy "
    "between pixels and their reconstruction, with Adam."
)


def your_tuner() -> ae_ft.FineTuner | None:
    """The fine-tuner of your net at the code size shown (None for the ready-made ones)."""
    run = ss.get(P + "runs", {}).get(ss[P + "code"])
    return None if run is None or run["source"] != "yours" else run["tuner"]


def on_epochs(progress) -> None:
    """The tuner measured each finished epoch's held-out error: its rows are the chart's."""
    run = ss[P + "runs"][ss[P + "code"]]
    run["history"] = run["history"][:1] + run["tuner"].rows
    run["finetune_s"] = run["tuner"].seconds


# Fine-tuning your net live: Fine-tune / Stop; pretraining runs in the script (a progress bar).
RUN = LiveRun(P, None, locate=your_tuner, running_key="tuning", slice_s=SLICE_S, tick_s=TICK_S, after=on_epochs,
              label="fine-tuning")


def start_pretraining() -> None:
    RUN.stop()
    ss[P + "pretrain_request"] = True


def start_finetuning() -> None:
    tuner = your_tuner()
    if tuner is not None:
        tuner.max_epochs = tuner.epoch + ss[P + "ft_epochs"]  # ft_epochs more, from where it stopped
        RUN.on_train()


def forget_run() -> None:
    RUN.stop(keep=False)
    ss.get(P + "runs", {}).pop(ss[P + "code"], None)


mine = ss.get(P + "runs", {}).get(code)
b1, b2, b3, b4 = st.columns(4)
b1.button("Pretrain a new stack", icon=":material/layers:", type="primary", on_click=start_pretraining,
          key=P + "pretrain", width="stretch",
          help="Trains the RBMs one after the other with CD-1, then unrolls them. Then press Fine-tune.")
b2.button("Fine-tune", icon=":material/play_arrow:", on_click=start_finetuning, key=P + "finetune",
          disabled=mine is None or ss[P + "tuning"], width="stretch",
          help="Backprop through the unrolled net, live, for the number of epochs set above.")
b3.button("Stop", icon=":material/pause:", on_click=RUN.on_pause, key=P + "stop",
          disabled=not ss[P + "tuning"], width="stretch")
b4.button("Back to the ready-made net", icon=":material/restart_alt:", on_click=forget_run, key=P + "forget",
          disabled=mine is None, width="stretch")

if ss.pop(P + "pretrain_request", False):
    # Pretraining runs here, in the script, with a progress bar: a few seconds, layer by layer.
    bar = st.progress(0.0, text="Pretraining ...")
    n_rbms, prog = len(sizes) - 1, None
    log = []
    for prog in ae.pretrain(Xtr, sizes, ae.pretraining(pre_epochs, int(seed))):
        log.append((prog.layer, prog.epoch, prog.recon_error))
        done = (prog.layer * pre_epochs + prog.epoch) / (n_rbms * pre_epochs)
        kind = "linear" if prog.layer == n_rbms - 1 else "binary"
        bar.progress(done, text=f"RBM {prog.layer + 1} of {n_rbms} ({sizes[prog.layer]} → {sizes[prog.layer + 1]} "
                                f"{kind}): epoch {prog.epoch}/{pre_epochs}, "
                                f"reconstruction error {prog.recon_error:.2f}")
    bar.empty()
    net = ae.unroll(prog.stack)
    tuner = ae_ft.FineTuner(net, Xtr, rng=int(seed), X_test=Xte)
    ss.setdefault(P + "runs", {})[code] = {
        "net": net, "tuner": tuner, "pretrain_log": log, "history": [history_row(net, 0, net.loss(Xtr))],
        "pretrain_s": prog.seconds, "finetune_s": 0.0, "settings": (pre_epochs, 0, int(seed)), "source": "yours",
    }
    st.rerun()

run = run_for(code)
mine = run["source"] == "yours"
if mine:
    st.caption(f"Showing **your** net: pretrained {run['settings'][0]} epochs per RBM with seed {run['settings'][2]}, "
               f"fine-tuned {run['tuner'].epoch} epochs so far.")
else:
    st.caption(f"Showing the **ready-made** net: pretrained {run['settings'][0]} epochs per RBM, fine-tuned "
               f"{run['settings'][1]} epochs, seed {run['settings'][2]} "
               + ("(bundled with the app: `scripts/train_autoencoder.py` made it with this recipe). "
                  if run["source"] == "bundled" else "(computed once per server). ")
               + "Press *Pretrain a new stack* to train your own, live.")


def draw_pretraining(run: dict) -> None:
    slides.chart(st, charts.pretraining_figure(run["pretrain_log"], sizes_for(code)), key=P + "pretrain_chart",
                 width="stretch")


def draw_finetuning(run: dict) -> None:
    fig = charts.finetuning_figure(run["history"], baseline, float(pca_curve()[code - 1]), code)
    slides.chart(st, fig, key=P + "finetune_chart", width="stretch")
    last = run["history"][-1]
    m = st.columns(2) + st.columns(2)
    m[0].metric("fine-tuning epochs", f"{int(last['epoch'])}")
    m[1].metric("cross-entropy", f"{last['train cross-entropy']:.2f}",
                help="Training loss per image, −Σᵢ [xᵢ log oᵢ + (1 − xᵢ) log(1 − oᵢ)], in nats.")
    where = ("when the bundled net was made (scripts/train_autoencoder.py)" if run["source"] == "bundled"
             else "on this server")
    m[2].metric("pretraining time", f"{run['pretrain_s']:.1f} s", help=f"All RBMs, wall-clock, {where}.")
    m[3].metric("fine-tuning time", f"{run['finetune_s']:.1f} s")
    st.caption(f"Dotted: the same {'-'.join(map(str, sizes_for(code)))} net and the same backprop, started from "
               f"small random weights instead of the RBMs: after {FT_EPOCHS} epochs its held-out error is "
               f"{baseline[-1]['held-out squared error']:.2f}.")


baseline = random_start(code)
c_pre_chart, c_ft_chart = st.columns(2, gap="large")
with c_pre_chart:
    draw_pretraining(run)

tuning = bool(ss[P + "tuning"]) and mine


def finetune_view() -> None:
    r = ss.get(P + "runs", {}).get(code)
    draw_finetuning(r if r is not None else run)


with c_ft_chart:
    RUN.fragment(finetune_view)  # while fine-tuning: a slice of backprop through the scheduler, then draw
RUN.messages(restart_hint="Go back to the ready-made net, or pretrain a new stack.")
if mine and run["tuner"].epoch == 0 and not tuning:
    st.info("Your stack is pretrained and unrolled (epoch 0 on the right). Press **Fine-tune** to run backprop.",
            icon=":material/arrow_upward:")

# --- 2. reconstructions -------------------------------------------------------------------------
st.header(f"2 · Reconstructions of held-out digits: autoencoder vs PCA with {code} numbers", divider="gray")
net: ae.Autoencoder = run["net"]
pca = PCA.fit(Xtr, code)
comp = compare_with_pca(net, Xtr, Xte, pca)
ss[P + "shown"] = {"code": code, "net": net}  # what this page drew (tests recompute the numbers from it)
per_class = 2
pick = np.concatenate([np.flatnonzero(yte == c)[:per_class] for c in range(10)])
rows = [Xte[pick], net.reconstruct(Xte[pick]), pca.reconstruct(Xte[pick])]
for label, row in zip(("held-out digits", f"autoencoder, {code}-D code", f"PCA, {code} components"), rows):
    c_lab, c_img = st.columns([0.16, 0.84], vertical_alignment="center")
    c_lab.markdown(f"**{label}**")
    slides.picture(c_img, picture_rows([row], len(pick)), width="content",
                   name=P + f"rows_{label.split(',')[0].replace(' ', '_')}")
st.caption("Squared error per image: Σᵢ (xᵢ − x̂ᵢ)² over the 256 pixels, averaged over the digits.")
q_ratio = predict.ask(P + "q_ratio", f"With {code} numbers per digit each, what will the autoencoder's held-out "
                      "squared error be as a fraction of PCA's (autoencoder / PCA)?",
                      predict.Number(0.0, 1.5, 0.05, default=1.0, fmt=lambda x: f"{x:.2f}"),
                      answer=comp.ae_test / comp.pca_test, about=code)
m = st.columns(4)
if q_ratio.revealed:
    m[0].metric("autoencoder, held out", f"{comp.ae_test:.2f}", help="Averaged over the 1,000 held-out digits.")
    m[1].metric("PCA, held out", f"{comp.pca_test:.2f}")
    m[2].metric("autoencoder / PCA", f"{comp.ae_test / comp.pca_test:.2f}")
m[3].metric("training digits: AE / PCA", f"{comp.ae_train:.2f} / {comp.pca_train:.2f}",
            help="The same errors on the 4,000 training digits: close to the held-out ones, so no overfitting.")

points = {}
if ss.get(P + "all_sizes"):  # the ready-made nets of every code size (bundled; trained here only if unreadable)
    points = {c: ready(c) for c in CODE_SIZES}
points.update(ss.get(P + "runs", {}))  # the student's own nets replace the ready-made ones
points.setdefault(code, run)
xs = sorted(points)
ys = [squared_error(Xte, points[c]["net"].reconstruct(Xte)) for c in xs]
fig = charts.code_size_figure(pca_curve(), xs, ys)
if q_ratio.reveals("the errors by code size"):
    slides.chart(main_picture(), fig, key=P + "code_sizes", width="stretch")
if not ss.get(P + "all_sizes"):
    st.button(f"Add the autoencoders with {', '.join(map(str, [c for c in CODE_SIZES if c != code]))} numbers",
              icon=":material/add_chart:", key=P + "all_sizes_button",
              on_click=lambda: ss.__setitem__(P + "all_sizes", True))

# --- 3. the 2-D codes ---------------------------------------------------------------------------
st.header("3 · Two numbers per digit: the code map", divider="gray")
run2 = run_for(2)
codes_ae = run2["net"].encode(Xte)
codes_pca = PCA.fit(Xtr, 2).encode(Xte)
agree_ae, agree_pca = knn_agreement(codes_ae, yte), knn_agreement(codes_pca, yte)


def code_map(Z: np.ndarray, title: str, key: str) -> None:
    slides.chart(st, charts.code_map_figure(Z, yte, title), key=key, width="stretch")


c_ae, c_pca = st.columns(2, gap="large")
with c_ae:
    code_map(codes_ae, f"Deep autoencoder {'-'.join(map(str, sizes_for(2)))}", P + "map_ae")
    st.metric("5 nearest neighbours vote the right digit", f"{agree_ae:.1%}",
              help="For each held-out digit, the majority class of its 5 nearest other digits in this map.")
with c_pca:
    code_map(codes_pca, "PCA: the first two principal components", P + "map_pca")
    st.metric("5 nearest neighbours vote the right digit ", f"{agree_pca:.1%}")
st.caption(f"The {len(Xte):,} held-out digits, placed by their codes; colours are the labels, which neither "
           "method saw. Hover a point for its digit. "
           + ("The autoencoder map is your 2-D net." if run2["source"] == "yours"
              else "The autoencoder map is the ready-made 2-D net."))

# --- 4. Gaussian visible units --------------------------------------------------------------------
st.header("4 · Real-valued data: Gaussian visible units", divider="gray")
c_bowl, c_toy = st.columns([1.0, 1.3], gap="large")
with c_bowl:
    st.markdown("A mean-field logistic unit with total input *x* has free energy "
                "F(p) = −x·p + p log p + (1−p) log(1−p): a slope from the input plus the negative entropy, "
                "a bowl whose curvature the input cannot change. A Gaussian unit's bowl (v−μ)²/(2σ²) is as "
                "narrow as σ makes it.")
    sig = st.slider("σ of the Gaussian unit", 0.02, 0.3, step=0.01, key=P + "sigma")
    bowls = grbm.unit_bowls(sig)  # the logistic unit's minimum put at 0.7
    slides.chart(st, charts.bowls_figure(bowls), key=P + "bowls", width="stretch")
    # The logistic unit's F(p) is a mean-field free energy over its *mean* p, not the energy of a
    # random value with a density, so its gap is shown as a gap, never as a probability ratio.
    gap_log, gap_gauss, ratio_gauss = bowls["gap_logistic"], bowls["gap_gaussian"], bowls["ratio_gaussian"]
    m = st.columns(2)
    m[0].metric("logistic: F(0.6 or 0.8) − F(0.7), mean field", f"{gap_log:.3f} nats",
                help="The mean-field free-energy gap to the lower of the two neighbours. p is the unit's mean "
                     "activity, not a random value with a density, so exp(gap) is not a probability ratio.")
    m[1].metric("Gaussian: E(0.6 or 0.8) − E(0.7)", f"{gap_gauss:,.2f} nats",
                help=f"For a Gaussian unit the energy gap is a log density ratio: p(0.7) / p(0.6 or 0.8) = "
                     f"exp(gap) = {ratio_gauss:,.1f}.")

with c_toy:
    toy = toy_grbm(0)
    c_fixed, c_learned = st.columns(2)
    for col, kind, title in ((c_fixed, "fixed", "σ fixed at 1"),
                             (c_learned, "learned", "σ learned")):
        fig = charts.toy_figure(toy[kind]["samples"], toy["X"], title)
        with col:
            slides.chart(st, fig, key=P + f"toy_{kind}", width="stretch")
            s = toy[kind]["sigma"]
            st.metric("σ per visible unit", f"{s[0]:.2f}, {s[1]:.2f}",
                      help="In standardised units: the data have standard deviation 1 per axis.")
    st.caption("A Gaussian-Bernoulli RBM with 4 binary hidden units, trained by CD-1 (100 epochs) on 400 points "
               "from two blobs; samples after 200 steps of alternating Gibbs sampling. Gibbs sampling stays easy: "
               "v given h is an independent Gaussian per unit, h given v independent logistic units.")

st.subheader("Grey-level digits, without thresholding")
gg = grey_grbm(SEED)
fit = gg["fit"]
_, _, Xte_grey, _ = digits()
g1, g2, g3 = st.columns([1.1, 1.0, 1.0], gap="medium")
with g1:
    st.markdown(f"**Filters**: 40 of the {GREY_HIDDEN} binary units")
    slides.picture(st, filter_grid(fit.model.W, (SIDE, SIDE), n_cols=8, scale=3, max_filters=40), width="content",
                   name=P + "grbm_filters")
with g2:
    st.markdown("**Samples**: E[v | h] after 1,000 Gibbs steps")
    slides.picture(st, sample_grid(np.clip(gg["samples"], 0, 1), (SIDE, SIDE), n_cols=5, scale=3), width="content",
                   name=P + "grbm_samples")
with g3:
    st.markdown("**Held-out digits** (top) **redrawn** through h (below)")
    shown_grey = Xte_grey[:5]
    slides.picture(st, sample_grid(np.clip(np.vstack([shown_grey, fit.redraw(shown_grey)]), 0, 1), (SIDE, SIDE),
                                   n_cols=5, scale=3), width="content", name=P + "grbm_redrawn")
mg = st.columns(3)
mg[0].metric("held-out squared error per image, redrawn", f"{gg['test_error']:.2f}",
             help="Sum over the 256 grey pixels of (x − E[v | h = p(h | x)])², averaged over the 1,000 "
                  "held-out digits.")
mg[1].metric("… drawing every digit as the mean image", f"{gg['mean_error']:.2f}")
mg[2].metric("σ per pixel (fixed)", f"{fit.scale:.3f}",
             help="σ = 1 in standardised units: one scale for all pixels (the std of the centred training pixels).")
st.caption(
    f"A Gaussian-Bernoulli RBM on the same 16x16 digits kept as grey levels: pixels centred and divided by one "
    f"scale, σ fixed at 1 in those units, {GREY_HIDDEN} binary hidden units, CD-1 for {GREY_EPOCHS} epochs "
    f"(trained once per server and cached: it took {fit.seconds:.1f} s of wall-clock time here). Its filters are "
    "local strokes, like the binary RBM's. A sample's own pixels carry Gaussian noise of one σ each, which would "
    "hide the digit, so each sample is drawn as its mean E[v | h]; "
    "after this short training they are blurry and mostly round. "
    "Scaling each pixel by its own standard deviation instead blows up the nearly blank border pixels."
)

with st.expander("Show the code behind the numbers"):
    st.code(
        """from pgmviz.nets import autoencoder as ae
from pgmviz.nets.autoencoder_finetune import FineTuner
from pgmviz.nets.autoencoder_io import load_autoencoder
from pgmviz.nets.pca import PCA, compare_with_pca

net, meta = load_autoencoder(f"assets/autoencoder/autoencoder_256-128-64-{code}.npz")  # the ready-made net
# ... which scripts/train_autoencoder.py made like this (seeds aside):
*_, last = ae.pretrain(X_train, [256, 128, 64, code])   # greedy CD-1 with Trainer, one RBM after another
net = ae.unroll(last.stack)                             # encoder W1 W2 W3, decoder W3ᵀ W2ᵀ W1ᵀ
tuner = FineTuner(net, X_train)                         # Adam on the pixel cross-entropy
tuner.run(15)                                           # epochs of backprop
pca = PCA.fit(X_train, code)                            # SVD of the centred training digits
compare_with_pca(net, X_train, X_test, pca)             # squared error per image, both methods""",
        language="python",
    )

URL_SETTINGS.write()

random_err = baseline[-1]["held-out squared error"]
beats = comp.ae_test < comp.pca_test
notice(
    "At epoch 0, just unrolled, the net already gives digits back, because every RBM was trained to "
    "reconstruct the layer below it, so backprop starts from sensible weights and only has to adjust them; "
    f"the same net fine-tuned for {FT_EPOCHS} epochs from random weights is still at {random_err:.2f}. "
    f"With {code} numbers per digit the autoencoder's held-out error is {comp.ae_test:.2f} against PCA's "
    f"{comp.pca_test:.2f}" + ("." if beats else ": not better yet; pretrain or fine-tune longer.")
    + f" In the 2-D maps, a digit's 5 nearest neighbours name its class {agree_ae:.0%} of the time in the "
    f"autoencoder's codes and {agree_pca:.0%} in PCA's"
    + (": the nonlinear code keeps more of what makes a digit a 2 or a 7, without ever seeing a label."
       if agree_ae > agree_pca else ".")
    + f" And a logistic unit's mean-field free energy at 0.7 can sit only {gap_log:.2f} nats below both 0.6 and "
    f"0.8, where a Gaussian unit with σ = {sig:.2f} puts 0.7 {gap_gauss:,.1f} nats below them (a density "
    f"{ratio_gauss:,.0f} times higher): that is why real-valued data get Gaussian visible units."
)
