"""Lesson: discriminative fine-tuning. A DBN pretrained without labels, unrolled into a classifier with
ten softmax units on top and fine-tuned by gentle backprop, against logistic regression on pixels and
on RBM features, and against the same net trained from random weights; the measured results table
next to the lecture's full-MNIST numbers.

Widgets and drawing only; the numbers come from pgmviz.training.finetune (backprop), dbn_pretrain (the
stack), finetune_io (the ready-made run) and pgmviz.evaluation.finetune_rows (the table). The bundled table is
assets/finetune/results.json and the ready-made fine-tuning run assets/finetune/ready_made.npz (both by
scripts/train_finetune.py; the run is computed here only if that file is unusable); the student's
live runs (backprop, up-down) live in ``st.session_state`` and train through
``pgmviz.ui.live.LiveRun``: slices through the server's scheduler, at most an epoch per frame.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz import datasets
from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.evaluation import finetune_table as table
from pgmviz.evaluation.finetune_table import pct
from pgmviz.models import dbn_io
from pgmviz.training import dbn_pretrain as dbn_pre
from pgmviz.training import finetune as ft
from pgmviz.training import finetune_io as ft_io
from pgmviz.training import updown
from pgmviz.training.protocol import Budget, Lockstep
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts.finetune import error_curves
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.live import LiveRun
from pgmviz.ui.models import dataset
from pgmviz.ui.present import main_picture
from pgmviz.ui.theme import ACCENT
from pgmviz.ui.theme import LIGHT_GREY as GREY
from pgmviz.viz import filter_grid, sample_grid

st.set_page_config(page_title="Fine-tuning and results · pgmviz", layout="wide")

P = "ftn_"  # prefix of this page's session-state keys
RESULTS = Path(__file__).resolve().parents[1] / "assets" / "finetune" / "results.json"
CFG = ft_rows.TableConfig()  # the live column: 16x16 digits, 256-200-200-10, the bundled table's settings
LRS = [0.01, 0.02, 0.05, 0.1, 0.2]
UD_LRS = [0.01, 0.02, 0.05, 0.1]  # up-down steps (the bundled run used 0.02)
UD_KS = [1, 3, 5, 10]  # Gibbs steps of the top RBM's chains per up-down update (the bundled run used 3)
UD_T = 500  # top-level Gibbs steps before each label-clamped drawing
TICK_S, SLICE_S = 0.3, 0.2  # while a live run trains: seconds between frames, seconds of training per frame
N_FILTERS = 24  # first-layer filters drawn

lesson_header(
    "Fine-tuning and results",
    "Learn the features without labels first, then let backprop use the labels only to adjust them: "
    "a deep belief net fine-tuned by gentle backprop makes fewer errors on held-out digits than the same "
    "net trained by backprop from random weights, even when that one trains four times as long.",
)
ss = st.session_state


# --- data, the bundled table, the ready-made run ---------------------------------------------------
@st.cache_data(show_spinner=False)
def bundled() -> dict:
    return json.loads(RESULTS.read_text())


def digits() -> datasets.Dataset:
    """The live column's digits: the server's shared copy (pgmviz.ui.models.dataset), never modified here."""
    return dataset(CFG.dataset)


@st.cache_resource(show_spinner=False)
def bundled_run(path: str) -> tuple | str:
    """The ready-made run from ``path`` (assets/finetune/ready_made.npz, scripts/train_finetune.py), or why not."""
    try:
        stack, pre, rand, meta = ft_io.load_ready_made(path)
    except ValueError as e:
        return str(e)
    if meta.get("config") != json.loads(json.dumps(asdict(CFG))):  # as JSON stores it (tuples as lists)
        return "it was made with other settings than this page's"
    return stack, pre, rand, meta


@st.cache_data(show_spinner=False, max_entries=2)
def pretrained(seed: int) -> list:
    """The greedily pretrained 256-200-200 stack (CD-1, no labels): the RBMs, bottom first."""
    run = bundled_run(str(ft_io.READY_MADE))
    if seed == CFG.seed and not isinstance(run, str):
        return run[0]
    d = digits()
    cfg = ft_rows.TableConfig(seed=seed)
    return dbn_pre.pretrain_dbn(d.X_train, cfg.sizes[:-1], cfg.pretraining())


def new_trainers(seed: int, lr: float) -> dict:
    """Two trainers with the same backprop: one from the unrolled DBN, one from random weights."""
    d = digits()
    stack = pretrained(seed)
    top = ft.fit_logistic(dbn_pre.up_pass(stack, d.X_train)[-1], d.y_train, CFG.logistic_decay)
    settings = ft.BackpropSettings(lr=lr, seed=seed)
    return {
        "pre": ft.BackpropTrainer(ft.from_dbn(stack, top), d.X_train, d.y_train, d.X_test, d.y_test, settings),
        "rand": ft.BackpropTrainer(ft.random_classifier(CFG.sizes, rng=seed), d.X_train, d.y_train,
                                   d.X_test, d.y_test, settings),
        "seed": seed, "lr": lr,
    }


def trained(trainer: ft.BackpropTrainer) -> dict:
    """What the charts read of one net's run: its per-epoch history, the net, the seconds of backprop."""
    return {"history": trainer.history, "net": trainer.net, "seconds": trainer.seconds}


@st.cache_data(show_spinner=False, max_entries=2)
def ready_made(path: str) -> dict:
    """The page's default setting fine-tuned ``CFG.finetune_epochs`` epochs: both histories and both nets.

    Read from the bundled file at ``path``; if that is missing or unusable, computed here.
    """
    run = bundled_run(path)
    if not isinstance(run, str):
        _, pre, rand, meta = run
        return {"pre": {"history": meta["pretrained"]["history"], "net": pre, "seconds": meta["pretrained"]["seconds"]},
                "rand": {"history": meta["random"]["history"], "net": rand, "seconds": meta["random"]["seconds"]},
                "seed": CFG.seed, "lr": CFG.finetune_lr}
    t = new_trainers(CFG.seed, CFG.finetune_lr)
    t["pre"].run(CFG.finetune_epochs)
    t["rand"].run(CFG.finetune_epochs)
    return {"pre": trained(t["pre"]), "rand": trained(t["rand"]), "seed": CFG.seed, "lr": CFG.finetune_lr}


if isinstance(bundled_run(str(ft_io.READY_MADE)), str):
    st.error(f"The bundled ready-made run ({ft_io.READY_MADE.name}) could not be used: "
             f"{bundled_run(str(ft_io.READY_MADE))}. "
             "It is computed here instead (a few seconds, once per server); `python scripts/train_finetune.py` "
             "rebuilds the file.")

# --- 1. the table ------------------------------------------------------------------------------------
st.header("1 · The results table", divider="gray")
res = bundled()
cols = res["columns"]
ss.setdefault(P + "rerun", {})


st.table(pd.DataFrame(table.results_rows(cols, ss[P + "rerun"])).set_index("method"))
st.caption(
    "Error rates on held-out digits. **Ours**: the bundled MNIST subset, 4,000 training and 1,000 held-out "
    "digits (one error = 0.1%; which differences exceed the noise is measured below), binarised, with nets much "
    "smaller "
    "than the lecture's 784-500-500-2000, measured by `scripts/train_finetune.py` (seed 0, "
    f"{res['total_seconds']:.0f} s for the whole table on this machine). **Lecture**: the full permutation-invariant "
    "MNIST task, 60,000 training and 10,000 test digits; its backprop row is a very carefully trained net, ours "
    "is the same net and schedule as the fine-tuned one. The two rows with label units are bundled nets with "
    "10 label units beside the last hidden layer (`scripts/train_dbn.py`; the 28x28 one is *Generate and "
    "recognise*'s), classifying by free energy, before and after up-down fine-tuning (section 4, "
    "`scripts/train_updown.py`); each number is read from its file. *Re-run "
    "here*: a row you re-ran on this page (16x16 column)."
)

# --- which differences are bigger than the noise ---------------------------------------------------
BASE = "dbn_backprop"
TITLES = {**ft_rows.ROWS, **ft_rows.LABEL_ROWS}
st.markdown(
    f"**Which differences are bigger than the noise?** Every row is compared with *{ft_rows.ROWS[BASE]}* on the "
    "same 1,000 held-out digits: the difference of the error rates with a 95% interval from resampling the "
    "digits (paired bootstrap), the digits only one of the two gets wrong, and McNemar's exact test on those.")
paired = {c["name"]: ft_rows.compare_to(c, dataset(c["config"]["dataset"]).y_test, BASE) for c in cols}
ptabs = st.tabs([c["name"] for c in cols])
for tab, c in zip(ptabs, cols):
    comp = paired[c["name"]]
    if not comp:
        tab.info("This column of results.json has no per-digit predictions: re-run `scripts/train_finetune.py`.")
        continue
    tab.dataframe(pd.DataFrame(table.paired_rows(comp, TITLES)), hide_index=True,
                  key=P + "paired_" + c["config"]["dataset"])


lines = []
for c in cols:
    comp, rows_c = paired[c["name"]], c["rows"]
    if not comp:
        continue
    v = table.verdicts(comp)
    short = lambda keys: "; ".join(f"*{TITLES[k]}* ({pct(comp[k].error_a)})" for k in keys) or "none"  # noqa: E731
    r30, r120 = rows_c["random_backprop"], rows_c["random_backprop_long"]
    fitted = ("it had not finished fitting them" if r30["train_error"] > rows_c[BASE]["train_error"] + 0.01
              else "it had nearly fitted them too")
    lines.append(
        f"- **{c['name']}** (pretrained + backprop: {pct(comp[next(iter(comp))].error_b)}). Clearly worse: "
        f"{short(v['worse'])}. Within the noise of 1,000 digits: {short(v['within noise'])}. Clearly better: "
        f"{short(v['better'])}. After the same epochs the random start still gets {pct(r30['train_error'])} of its "
        f"training digits wrong, the pretrained net {pct(rows_c[BASE]['train_error'])}: {fitted}; with 4x the epochs "
        f"it gets {pct(r120['train_error'])} wrong and {pct(r120['test_error'])} held out: that row is the fair "
        "control.")
st.markdown("\n".join(lines))
ss[P + "paired"] = {name: {k: (pc.difference, pc.low, pc.high, pc.p_value) for k, pc in comp.items()}
                    for name, comp in paired.items()}

c_pick, c_btn, c_out = st.columns([2.2, 1, 1.4], vertical_alignment="bottom")
row_key = c_pick.selectbox("Re-run a row here, live (16x16 column)", list(ft_rows.ROWS), format_func=ft_rows.ROWS.get,
                           key=P + "row")
est = cols[0]["rows"][row_key]["seconds"] + (0 if row_key == "logistic_pixels" else cols[0]["pretrain_seconds"])
rerun = c_btn.button("Re-run", icon=":material/replay:", key=P + "rerun_button", width="stretch",
                     help=f"Takes about {est:.0f} s here (pretraining included the first time, then cached).")
if rerun:
    bar = st.progress(0.0, text="Pretraining the DBN (once per server) ...")
    stack = None if row_key == "logistic_pixels" else pretrained(CFG.seed)
    bar.progress(0.0, text=f"{ft_rows.ROWS[row_key]} ...")
    result, _ = ft_rows.measure_row(row_key, CFG, digits(), stack,
                               progress=lambda f: bar.progress(f, text=f"{ft_rows.ROWS[row_key]}: {f:.0%}"))
    bar.empty()
    ss[P + "rerun"][row_key] = {"test_error": result.test_error, "train_error": result.train_error,
                                "seconds": result.seconds}
    st.rerun()
mine = ss[P + "rerun"].get(row_key)
if mine:
    c_out.metric("re-run: held-out error", pct(mine["test_error"]),
                 delta=f"bundled {pct(cols[0]['rows'][row_key]['test_error'])}", delta_color="off",
                 help=f"Training error {pct(mine['train_error'])}; took {mine['seconds']:.1f} s.")

# --- 2. fine-tuning, live ----------------------------------------------------------------------------
st.header("2 · Backprop from pretrained weights and from random weights", divider="gray")
st.caption(
    f"Net: **{' → '.join(map(str, CFG.sizes))}** (16x16 pixels → two layers of binary features → ten softmax "
    "units). Pretrained: the RBMs' recognition weights, pretrained greedily with CD-1 and no labels, plus a "
    "softmax layer fitted on their top features (epoch 0 = logistic regression on the DBN's features). "
    "Random: the same net from small random weights. Both get the same backprop: momentum SGD on the "
    "cross-entropy, batches of 50."
)
# The live run's settings, shareable as a link (?ftn_lr=0.05&ftn_epochs=30&ftn_seed=2).
URL_SETTINGS = url.bind(P, {
    "lr": url.choice(CFG.finetune_lr, LRS),
    "epochs": url.integer(CFG.finetune_epochs, 1, 60),
    "seed": url.integer(CFG.seed, 0, 999),
})
c_lr, c_ep, c_seed = st.columns(3, gap="large")
lr = c_lr.select_slider("Learning rate", LRS, key=P + "lr",
                        help="Small is the point: the pretrained weights already do well, backprop only needs a "
                             "local search.")
epochs = c_ep.slider("Epochs", 1, 60, key=P + "epochs")
seed = int(c_seed.number_input("Seed", 0, 999, key=P + "seed"))
URL_SETTINGS.write()


def epoch_budget(trainer):
    """A frame's budget: its seconds, but never past the end of an epoch (the curves have a point per epoch)."""
    def budget(kind: str, seconds: float) -> Budget:
        return Budget(seconds=seconds).capped(trainer().updates_left_in_epoch)
    return budget


def live_pair() -> Lockstep | None:
    """Your run: the pretrained net and the random start, fine-tuned by the same updates."""
    t = ss.get(P + "live")
    return None if t is None else t["pair"]


RUN = LiveRun(P, None, locate=live_pair, slice_s=SLICE_S, tick_s=TICK_S, label="fine-tuning",
              budget=epoch_budget(lambda: live_pair().trainers[0]))


RUN.restart_buttons("Fine-tune live", "Back to the ready-made run", lambda: ss.pop(P + "live", None),
                    start_help="Starts both nets again from epoch 0 and trains them side by side, by the same updates.")
if RUN.restarting():
    with st.spinner("Pretraining the 256-200-200 DBN for this seed (a few seconds, once per server) ..."):
        t = new_trainers(seed, float(lr))
    t["target"] = t["pre"].max_epochs = t["rand"].max_epochs = epochs
    t["pair"] = Lockstep([t["pre"], t["rand"]])
    ss[P + "live"] = t
    RUN.begin()


def shown() -> dict:
    """What the charts draw: the live run if there is one, else the ready-made one."""
    t = ss.get(P + "live")
    if t is not None:
        return {"pre": trained(t["pre"]), "rand": trained(t["rand"]), "seed": t["seed"], "lr": t["lr"],
                "source": "live"}
    with st.spinner("Loading the ready-made run ..."):
        return {**ready_made(str(ft_io.READY_MADE)), "source": "ready-made"}


def curve_chart(hist: list[dict], title: str, colour: str, key: str, top: float) -> None:
    h = pd.DataFrame(hist)
    slides.chart(st, error_curves(h["epoch"], h["held-out error"], h["train error"], title, colour, top), key=key,
                 width="stretch")


def live_view() -> None:
    run = shown()
    hp, hr = run["pre"]["history"], run["rand"]["history"]
    # one scale for both, fitted to the pretrained net: the random start begins near 90% (chance),
    # far above, and would flatten the pretrained curve if the axis had to show it
    top = 100 * min(1.0, max(0.2, 1.2 * max(r["held-out error"] for r in hp)))
    c_pre, c_rand = main_picture().columns(2, gap="large")
    with c_pre:
        curve_chart(hp, "Pretrained DBN, fine-tuned", ACCENT, P + "curve_pre", top)
    with c_rand:
        curve_chart(hr, "Same net from random weights", GREY, P + "curve_rand", top)
    m = st.columns(4)
    m[0].metric("epochs", f"{hp[-1]['epoch']}")
    m[1].metric("pretrained: held-out error", pct(hp[-1]["held-out error"]),
                help=f"Started at {pct(hp[0]['held-out error'])} (epoch 0: logistic regression on the DBN's features).")
    m[2].metric("random start: held-out error", pct(hr[-1]["held-out error"]))
    m[3].metric("backprop time, both nets", f"{run['pre']['seconds'] + run['rand']['seconds']:.1f} s")
    who = "your live run" if run["source"] == "live" else "the ready-made run (seed 0, step 0.05)"
    st.caption(f"Showing {who}. Solid: error on the 1,000 held-out digits; dotted: on the 4,000 training digits. "
               f"Both charts share one scale, up to {top:.0f}%; the random start begins at "
               f"{pct(hr[0]['held-out error'])}, above the chart.")


RUN.fragment(live_view)  # while training: a slice of both nets through the scheduler, then draw
RUN.messages(restart_hint="Go back to the ready-made run and start again with a smaller learning rate.")

# --- 3. the features before and after -------------------------------------------------------------
st.header("3 · What fine-tuning does to the features", divider="gray")
run = shown()
stack = pretrained(run["seed"])
W_before = stack[0].W
W_after = run["pre"]["net"].Ws[0]
change = ft_rows.first_layer_change(W_before, W_after)
ss[P + "shown"] = {"source": run["source"], "change": change, "seed": run["seed"]}
delta = W_after - W_before
amp = table.change_gain(W_before, W_after, N_FILTERS)
q_change = predict.ask(P + "q_change", "Backprop with labels fine-tunes the pretrained net: by what percentage "
                       "will it change the first-layer weights, |W_after − W_before| / |W_before|?",
                       predict.Number(0.5, 100.0, default=50.0, ratio=True, fmt=lambda x: f"{x:.3g}%"),
                       answer=100 * change, about=(run["source"], run["seed"], run["pre"]["history"][-1]["epoch"]))
c_b, c_a, c_d = st.columns(3, gap="medium")
with c_b:
    st.markdown("**Before:** the RBM's, no labels")
    slides.picture(st, filter_grid(W_before, (16, 16), n_cols=6, scale=4, max_filters=N_FILTERS), width="content",
                   name=P + "filters_before")
with c_a:
    st.markdown(f"**After** {run['pre']['history'][-1]['epoch']} epochs of backprop")
    slides.picture(st, filter_grid(W_after, (16, 16), n_cols=6, scale=4, max_filters=N_FILTERS), width="content",
                   name=P + "filters_after")
with c_d:
    if q_change.reveals("the change"):
        st.markdown(f"**After − before**, drawn {amp:.0f}× stronger")
        slides.picture(st, filter_grid(delta, (16, 16), n_cols=6, scale=4, max_filters=N_FILTERS, per_filter=False),
                       width="content", name=P + "filters_change")
mc = st.columns(3)
if q_change.revealed:
    mc[0].metric("first-layer weights changed by", f"{change:.1%}",
                 help="|W_after − W_before| / |W_before| over all 256 × 200 first-layer weights (Frobenius norms).")
rand_start = ft.random_classifier(CFG.sizes, rng=run["seed"]).Ws[0]
rand_change = ft_rows.first_layer_change(rand_start, run["rand"]["net"].Ws[0])
mc[1].metric("random start: changed by", f"{rand_change:.1%}",
             help="The same measure for the net trained from random weights: it had to find its features.")
mc[2].metric("held-out error, pretrained → fine-tuned",
             f"{pct(run['pre']['history'][0]['held-out error'])} → {pct(run['pre']['history'][-1]['held-out error'])}")
st.caption("The first 24 of the 200 first-layer units: each one's 256 incoming weights as a 16x16 picture "
           "(red positive, blue negative, each filter on its own scale). The change is drawn on one scale "
           "for all filters.")

# --- 4. up-down ----------------------------------------------------------------------------------
st.header("4 · Up-down: fine-tuning the generative model", divider="gray")
st.markdown(
    "Backprop above tunes a *classifier*. The lecture's other fine-tuning keeps the DBN a generative model of "
    "images **and** labels. Greedy training leaves each lower layer's weights doing two jobs, recognising going "
    "up and generating coming down; up-down *unties* them and improves each set with the other's help:"
)
st.markdown(
    "| phase | pass | what learns |\n|---|---|---|\n"
    "| **wake** (up) | sample h₁, h₂ from a digit with the recognition weights | the generative weights, to "
    "reproduce each layer from the one above: ΔG ∝ h₊₁ (h − p(h \\| h₊₁)) |\n"
    "| **top** | a few Gibbs steps (CD-3) of the top RBM from [h₂, label] | the top RBM, as in CD |\n"
    "| **sleep** (down) | from where those steps ended, dream h₁ and a digit with the generative weights | "
    "the recognition weights, to recover each dreamt layer from the one below: ΔR ∝ h (h₊₁ − q(h₊₁ \\| h)) |"
)


@st.cache_resource(show_spinner="Loading the label DBN, before and after up-down ...")
def label_nets() -> dict:
    """The bundled 28x28 label DBN after greedy training and after up-down (read-only, shared)."""
    out = {}
    for key, path in ft.LABEL_NETS.items():
        try:
            out[key] = dbn_io.load_dbn(path)
        except (OSError, ValueError) as e:
            out[key] = e
    return out


@st.cache_data(show_spinner="Drawing each digit with its label clamped ...", max_entries=8)
def drawings(which: str, seed: int) -> np.ndarray:
    """Two drawings per label, 500 top-level Gibbs steps each, from a bundled net. (20, 784)"""
    net, _ = label_nets()[which]
    return net.generate(UD_T, 20, rng=seed, clamp_labels=np.tile(np.arange(10), 2))[0]


nets = label_nets()
broken = [str(v) for v in nets.values() if isinstance(v, Exception)]
if broken:
    st.error("The bundled label DBNs could not be read (run `python scripts/train_dbn.py` and "
             f"`python scripts/train_updown.py`): {'; '.join(broken)}")
else:
    greedy_net, greedy_meta = nets["dbn_labels"]
    ud_net, ud_meta = nets["dbn_labels_updown"]
    hist = pd.DataFrame(ud_meta["history"])
    ud_digits = dataset("mnist")  # cached once per server

    def your_updown() -> updown.UpDownTrainer | None:
        mine = ss.get(P + "ud")
        return None if mine is None else mine["trainer"]

    UD_RUN = LiveRun(P + "ud_", None, locate=your_updown, slice_s=SLICE_S, tick_s=TICK_S, label="up-down",
                     budget=epoch_budget(your_updown))

    st.caption(
        f"The net: the bundled {'-'.join(map(str, greedy_net.sizes[:-1]))} + (10 labels)-{greedy_net.sizes[-1]} DBN "
        f"of *Generate and recognise*, greedily trained "
        f"({', '.join(s.upper() + '-1' for s in greedy_meta.get('samplers', ['cd'] * 3))} for its three RBMs), "
        f"then {ud_meta['epochs']} epochs of up-down (step {ud_meta['updown']['lr']}, "
        f"{'PCD' if ud_meta['updown'].get('n_persistent') else 'CD'}-{ud_meta['updown']['k']} at the top, "
        f"batches of {ud_meta['updown']['batch_size']}) on the 4,000 "
        f"training digits: {ud_meta['train_seconds']:.0f} s here by `scripts/train_updown.py`. Or run it yourself:"
    )
    u1, u2, u3 = st.columns(3, gap="large")
    UD_URL = url.bind(P, {  # shareable too (?ftn_ud_lr=0.1&ftn_ud_k=10&ftn_ud_epochs=50)
        "ud_lr": url.choice(0.02, UD_LRS),
        "ud_k": url.choice(3, UD_KS),
        "ud_epochs": url.integer(10, 1, 100),  # ~1 s an epoch on a quiet machine
    })
    ud_lr = u1.select_slider("Up-down step", UD_LRS, key=P + "ud_lr")
    ud_k = u2.select_slider("CD steps at the top", UD_KS, key=P + "ud_k")
    ud_epochs = u3.slider("Epochs", 1, 100, key=P + "ud_epochs",
                          help="About a second each here; the bundled run did 100.")
    UD_URL.write()
    UD_RUN.restart_buttons("Run up-down live", "Back to the bundled run", lambda: ss.pop(P + "ud", None),
                           start_help="Starts again from the greedy net and fine-tunes it here, live.")
    if UD_RUN.restarting():
        ss[P + "ud"] = {"trainer": updown.UpDownTrainer(
            greedy_net, ud_digits.X_train, ud_digits.y_train, ud_digits.X_test, ud_digits.y_test,
            # the bundled run's variant (persistent top chains, hybrid top) with the student's step and k
            updown.UpDownSettings(**{**ud_meta["updown"], "lr": float(ud_lr), "k": int(ud_k)})),
            "target": int(ud_epochs)}
        ss[P + "ud"]["trainer"].max_epochs = int(ud_epochs)
        UD_RUN.begin()

    def updown_view() -> None:
        mine = ss.get(P + "ud")
        if mine is not None and mine["trainer"].diverged:
            st.warning("That step was too large: an epoch made the weights blow up, so it was undone and "
                       "training stopped. Your net keeps its last good weights; try a smaller step.")
        h = pd.DataFrame(mine["trainer"].history) if mine is not None else hist
        who = "your live run" if mine is not None else "the bundled run"
        fig = error_curves(h["epoch"], h["held-out error"], h["train error"],
                           f"Recognition by free energy during up-down ({who})", ACCENT,
                           max(6.0, 110 * float(h["held-out error"].max())), height=320)
        slides.chart(st, fig, key=P + "ud_curve", width="stretch")
        last = h.iloc[-1]
        m = st.columns(3)
        m[0].metric("epochs of up-down", f"{int(last['epoch'])}")
        m[1].metric("held-out error, greedy → up-down",
                    f"{pct(h['held-out error'].iloc[0])} → {pct(last['held-out error'])}")
        m[2].metric("training error, greedy → up-down", f"{pct(h['train error'].iloc[0])} → {pct(last['train error'])}")

    UD_RUN.fragment(updown_view)  # while running: a slice of up-down through the scheduler, then draw
    if UD_RUN.error:
        st.error(UD_RUN.error, icon=":material/error:")

    mine = ss.get(P + "ud")
    seed_ud = 0
    st.markdown("**Drawings with each label clamped** (columns 0 … 9; "
                f"{UD_T} Gibbs steps of the top RBM, then one pass down; the pictures are p(v | h₁))")
    d1, d2 = st.columns(2, gap="large")
    with d1:
        slides.picture(st, sample_grid(drawings("dbn_labels", seed_ud), (28, 28), n_cols=10, scale=3), width="content",
                       caption="greedy only", name=P + "drawings_greedy")
    with d2:
        if mine is not None and not ss[P + "ud_running"]:
            t = mine["trainer"]
            if mine.get("drawn_at") != t.epoch:  # draw once per finished run, not on every rerun
                mine["drawings"] = t.net.generate(UD_T, 20, rng=seed_ud, clamp_labels=np.tile(np.arange(10), 2))[0]
                mine["drawn_at"] = t.epoch
            yours = mine["drawings"]
            slides.picture(st, sample_grid(yours, (28, 28), n_cols=10, scale=3), width="content",
                           caption=f"your net, after {mine['trainer'].epoch} epochs of up-down",
                           name=P + "drawings_yours")
        else:
            slides.picture(st, sample_grid(drawings("dbn_labels_updown", seed_ud), (28, 28), n_cols=10, scale=3),
                           width="content", caption=f"after {ud_meta['epochs']} epochs of up-down (bundled)",
                           name=P + "drawings_updown")
    rg, ru = greedy_meta.get("reader"), ud_meta.get("reader")
    if rg and ru:
        cg, cu = rg["clamped"]["accuracy"], ru["clamped"]["accuracy"]
        n_drawn = rg["clamped"]["n_per_label"] * 10
        j = st.columns(3)
        j[0].metric("clamped drawings the reader reads as their digit: greedy net", f"{cg:.0%}",
                    help=f"{n_drawn} drawings ({rg['clamped']['n_per_label']} per label, {rg['clamped']['T']:,} Gibbs "
                         "steps each, then one pass down), read by the independent reader: a classifier trained on "
                         "real digits only. Measured by `scripts/train_dbn.py`.")
        j[1].metric("… bundled up-down net", f"{cu:.0%}",
                    help=f"The same {n_drawn} drawings' settings and seed, from the net after {ud_meta['epochs']} "
                         "epochs of up-down (`scripts/train_updown.py`).")
        j[2].metric("the reader on real held-out digits", f"{ru['reader_test_accuracy']:.1%}",
                    help="How often the reader is right on real digits: the ceiling for the drawings.")
        ss[P + "ud_shown"] = {"greedy": cg, "updown": cu,
                              "test_error": (float(hist["held-out error"].iloc[0]),
                                             float(hist["held-out error"].iloc[-1]))}
        e0, e1 = float(hist["held-out error"].iloc[0]), float(hist["held-out error"].iloc[-1])
        t0, t1 = float(hist["train error"].iloc[0]), float(hist["train error"].iloc[-1])
        recog = ("moves within the noise (one digit is 0.1%)" if abs(e1 - e0) < 0.005 else
                 f"{'falls' if e1 < e0 else 'rises'} from {pct(e0)} to {pct(e1)}")
        draws = (f"here the drawings with a clamped label are read as that digit {cg:.0%} → {cu:.0%} of the time"
                 if cu > cg else f"here the drawings do not become more readable ({cg:.0%} → {cu:.0%}): the greedy "
                                 "net's top RBM, trained with persistent chains, already draws what the layers below "
                                 "can render")
        st.caption(
            f"Up-down's effect on *recognition* here: the training error goes {pct(t0)} → {pct(t1)} and the "
            f"held-out error {recog}. The lecture introduces it for the *generative* model: the wake phase makes "
            "the generative weights reproduce what the recognition weights see in real digits; "
            f"{draws}. The lecture's 1.25% came from all 60,000 digits and far longer fine-tuning."
        )
    else:
        st.info("These bundled nets carry no reader census (made by an older script): rebuild them with "
                "`python scripts/train_dbn.py` and `python scripts/train_updown.py`.")

# --- what to notice ---------------------------------------------------------------------------------
c16 = cols[0]["rows"]


def lecture_order(c: dict) -> str:
    """Where our column agrees with the lecture's order of the rows it shares, pair by pair."""
    return "; ".join(f"*{TITLES[key]}* {pct(pc.error_a)} against {pct(pc.error_b)}, {reading}"
                     for key, pc, reading in table.lecture_order(paired[c["name"]]))


notice(
    f"On our 16x16 digits the table reads {pct(c16['knn']['test_error'])} for {ft_rows.KNN_K}-nearest neighbours, "
    f"{pct(c16['logistic_pixels']['test_error'])} for logistic regression on "
    f"pixels, {pct(c16['logistic_rbm']['test_error'])} on the RBM's features learnt without labels, and "
    f"{pct(c16['dbn_backprop']['test_error'])} once backprop fine-tunes the whole DBN, while the same net from "
    f"random weights ends at {pct(c16['random_backprop_long']['test_error'])} even with four times the epochs. "
    + (f"Fine-tuning moved the first-layer weights by only {change:.0%}: " if q_change.revealed else "")
    + "the filters before and after look alike. "
    "Most of the information in the weights came from modelling the images; the labels only adjusted the "
    "features. The lecture's numbers are far lower (15 times more training digits, bigger nets), and its order "
    "of the rows is not all ours: against the pretrained net with backprop, "
    + " / ".join(f"{c['name']}: {lecture_order(c)}" for c in cols if paired[c["name"]]) + "."
)
