"""Lesson: a network inside a graphical model, a linear-chain CRF whose unary potentials a small net computes.

Widgets and drawing only. The task is `pgmviz.models.crf_data` (noisy glyphs whose labels follow a
Markov chain), the model `pgmviz.models.crf.NeuralCRF` (exact forward-backward, Viterbi, the gradient
through the marginals into the net), the training and the comparisons `pgmviz.training.crf_train`.
Both models train live side by side through ``pgmviz.ui.live.LiveRun`` over
``protocol.Lockstep([CRF, net alone])``: the same initial net, the same mini-batches. Every setting
is in the URL (``?crf_noise=0.35&crf_n_hidden=8``); changing one starts both models afresh. The
sentences are ``pgmviz.training.crf_readout``'s, the charts and the DOT ``pgmviz.ui.charts.crf_hybrid``'s.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.models import crf
from pgmviz.models import crf_data as cd
from pgmviz.training import crf_readout as readout
from pgmviz.training import crf_train as ct
from pgmviz.training.crf_readout import pct
from pgmviz.training.protocol import Budget, Lockstep
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import crf_hybrid as charts
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.live import LiveRun
from pgmviz.ui.present import main_picture
from pgmviz.viz import sample_grid

st.set_page_config(page_title="A network inside a graphical model · pgmviz", layout="wide")

P = "crf_"  # prefix of this page's session-state keys (the session is shared by all pages)
ss = st.session_state
PROBS = [round(0.05 * i, 2) for i in range(21)]  # 0, 0.05, ..., 1
NOISES = PROBS[:10]  # up to 0.45: at 0.5 a glyph says nothing
LENGTHS, HIDDEN, EPOCHS = [10, 20, 40], [0, 8, 16, 32], [5, 10, 20, 40]
RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]  # Adam's step sizes; 0.3 and 1.0 are too big, to see what that does
N_TRAIN, N_TEST = 300, 300  # sequences
SLICE_S, TICK_S = 0.25, 0.4

URL_SETTINGS = url.bind(P, {
    "noise": url.choice(0.3, NOISES), "stay": url.choice(0.6, PROBS), "next": url.choice(0.35, PROBS),
    "length": url.choice(20, LENGTHS), "task_seed": url.integer(0, 0, 9999),
    "n_hidden": url.choice(16, HIDDEN), "lr": url.choice(0.01, RATES), "epochs": url.choice(20, EPOCHS),
    "seed": url.integer(0, 0, 9999), "example": url.integer(-1, -1, N_TEST - 1),
})


def new_pair() -> Lockstep:
    """Both models afresh for the settings shown; ValueError (e.g. stay + step > 1) keeps the old ones."""
    task = cd.make_task(N_TRAIN, N_TEST, int(ss[P + "length"]), float(ss[P + "noise"]), float(ss[P + "stay"]),
                        float(ss[P + "next"]), int(ss[P + "task_seed"]))
    settings = ct.CRFSettings(n_hidden=int(ss[P + "n_hidden"]), lr=float(ss[P + "lr"]), seed=int(ss[P + "seed"]))
    return ct.pair(task, settings, max_epochs=int(ss[P + "epochs"]))


def epoch_budget(kind: str, seconds: float) -> Budget:
    """A slice never runs past an epoch's end, so what a frame shows is an epoch's measured numbers;
    "One epoch" (step) trains to the end of the epoch however long that takes."""
    left = RUN.trainer.trainers[0].updates_left_in_epoch
    return Budget(updates=left) if kind == "step" else Budget(seconds=seconds).capped(left)


RUN = LiveRun(P, new_pair, key="pair", slice_s=SLICE_S, tick_s=TICK_S, budget=epoch_budget)


# --- page -------------------------------------------------------------------------------------------
lesson_header(
    "A network inside a graphical model",
    "A linear-chain CRF whose unary potentials a small neural net computes, trained end to end: exact "
    "forward-backward gives the log-likelihood's gradient, backprop carries it into the net, and the "
    "transitions correct the net where one position's input is ambiguous.",
)
st.markdown(
    "Neural nets and graphical models complement each other. A net maps an input to scores; a graphical "
    "model says how outputs depend on each other and does exact inference over all of them. In a standard "
    "CRF each factor is a table of parameters; in the hybrid the **unary factors are computed by a net** "
    "from each position's input, and one objective, the conditional log-likelihood, trains both."
)

# --- 1. the task ------------------------------------------------------------------------------------
st.header("1 · The task: noisy glyphs that follow a grammar", divider="gray")
RUN.ensure()
c = st.columns([1, 1, 1, 0.8, 0.8])
c[0].select_slider("pixel noise (flip probability)", NOISES, key=P + "noise", on_change=RUN.on_reset)
c[1].select_slider("p(stay on the same glyph)", PROBS, key=P + "stay", on_change=RUN.on_reset)
c[2].select_slider("p(step to the next glyph)", PROBS, key=P + "next", on_change=RUN.on_reset)
c[3].select_slider("sequence length T", LENGTHS, key=P + "length", on_change=RUN.on_reset)
c[4].number_input("task seed", 0, 9999, key=P + "task_seed", on_change=RUN.on_reset)
RUN.messages()
pair: Lockstep | None = RUN.trainer
if pair is None:  # the very first settings were refused: nothing to show yet
    URL_SETTINGS.write()
    st.stop()
hybrid_tr, alone_tr = pair.trainers
task = hybrid_tr.task
K, T = task.n_labels, task.Y_train.shape[1]
ref = ct.references(task)

left, right = st.columns([1, 1.2], gap="large")
with left:
    st.markdown("**The four glyphs** (5×5 pixels)")
    slides.picture(st, sample_grid(cd.GLYPHS, cd.SHAPE, n_cols=K, scale=14), caption="   ".join(cd.NAMES),
                   name=P + "glyphs")
    st.markdown(
        f"The labels y₁ … y_{T} follow a Markov chain: from each glyph stay with probability "
        f"**{task.P[0, 0]:.2f}**, step to the next in the cycle {' → '.join(cd.NAMES)} → {cd.NAMES[0]} with "
        f"**{task.P[0, 1]:.2f}**, jump to either other with {task.P[0, 2]:.3f}. Each position shows its glyph "
        f"with every pixel flipped with probability **{task.noise:.2f}**. On its own every position's label is "
        f"uniform (each column of P sums to 1 as well); only the neighbours say more."
    )
with right:
    slides.chart(st, charts.matrix_figure(task.P, "true transition matrix P(y_t+1 | y_t)", ".2f"), key=P + "P",
                    width="stretch")
slides.chart(st, charts.strips_figure(list(task.X_train[:3]), list(task.Y_train[:3]),
                              [f"training sequence {n + 1} (T = {T}), each glyph's label under it" for n in range(3)]),
                key=P + "sequences", width="stretch")
gain = readout.transitions_gain(ref)
q_gain = predict.ask(P + "q_gain", "Even the true model reads some glyphs wrong on their own: how many points of "
                     "held-out accuracy will reading each glyph **with its neighbours** (the transitions) add?",
                     predict.Number(-5.0, 50.0, 0.5, default=0.0, fmt=lambda x: f"{x:.1f} points"),
                     answer=100 * gain, about=(task.noise, float(task.P[0, 0]), float(task.P[0, 1]), T))
r = st.columns(4)
if q_gain.revealed:
    r[0].metric("true model, one position at a time: accuracy", pct(ref["per_position"]["accuracy"]),
                help="The true p(y_t | x_t) of the model that made the data, on the held-out sequences.")
    r[1].metric("true model with the transitions: accuracy", pct(ref["hmm"]["accuracy"]),
                help="The generating HMM read as a CRF (U = log p(x_t | y_t), A = log P), decoded by Viterbi.")
r[2].metric("true model, one position at a time: log-likelihood", f"{ref['per_position']['nats']:.3f} nats",
            help="Mean log p(y_t | x_t) per held-out position, under the true model.")
r[3].metric("true model with the transitions: log-likelihood", f"{ref['hmm']['nats']:.3f} nats",
            help="Mean log p(y | x) per held-out position, under the generating HMM: its exact posterior.")
st.caption(f"On the {task.Y_test.size:,} held-out positions. No model does better than the true one in expectation; "
           "on one finite held-out set a trained model can land a little above it by chance.")
if q_gain.reveals("what the transitions are worth"):
    st.markdown(readout.gain_sentence(ref))


@st.cache_data(show_spinner="The true model at every noise level ...", max_entries=32)
def worth(stay: float, step: float, length: int, seed: int) -> dict[str, np.ndarray]:
    return ct.worth_of_transitions(NOISES, stay, step, length, N_TEST, seed)


if q_gain.revealed:
    with st.expander("Where do the transitions help? The true model at every noise level", expanded=True):
        w = worth(float(task.P[0, 0]), float(task.P[0, 1]), T, int(ss[P + "task_seed"]))
        gains = readout.worth_gains(w)
        slides.chart(st, charts.worth_figure(NOISES, w, gains, task.noise), key=P + "worth", width="stretch")
        st.markdown(readout.worth_sentence(NOISES, gains, float(task.P[0, 0]), float(task.P[0, 1])))

# --- 2. the model -----------------------------------------------------------------------------------
st.header("2 · The hybrid: a CRF with a net's unary potentials", divider="gray")
st.latex(r"p(y \mid x) = \frac{1}{Z(x)} \exp\Big(s_{y_1} + \sum_t U_t(y_t) + \sum_t A_{y_t, y_{t+1}}\Big),"
         r"\qquad U_t = \mathrm{net}(x_t)")
g_left, g_right = main_picture().columns([1.3, 1], gap="large")  # the net inside the chain
with g_left:
    graphviz_chart(charts.chain_dot(4), key=P + "graph")
    st.caption("Blue: observed inputs. Each label y_t gets a unary factor exp(U_t), computed by the same net "
               "from x_t; neighbouring labels share a transition factor exp(A).")
with g_right:
    st.markdown(
        r"**Inference**, exact: the forward-backward recursions in log space give $\log Z(x)$, the marginals "
        r"$\mu_t(k) = p(y_t = k \mid x)$ and the pairwise $\xi_t(j, k)$; Viterbi gives $\arg\max_y p(y \mid x)$."
    )
    st.markdown(
        r"**Learning**: the gradient of $\log p(y \mid x)$ is observed minus expected, "
        r"$\partial / \partial U_t(k) = 1[y_t = k] - \mu_t(k)$ and "
        r"$\partial / \partial A_{jk} = \sum_t 1[y_t = j, y_{t+1} = k] - \xi_t(j, k)$; "
        r"backprop takes $\partial / \partial U$ down through the net."
    )
    st.markdown(
        r"**The net alone** is the same model with $A = 0$: then $p(y \mid x) = \prod_t \mathrm{softmax}(U_t)_{y_t}$ "
        r"and $\mu_t$ is the softmax itself, so its gradient is the usual cross-entropy's."
    )
with st.expander("The code: the gradient through the marginals into the net"):
    st.code(inspect.getsource(crf.NeuralCRF.loss_and_gradients), language="python")
    st.code(inspect.getsource(crf.gradients), language="python")

# --- 3. training ------------------------------------------------------------------------------------
st.header("3 · Train both: the CRF and the same net alone", divider="gray")
m = st.columns([1, 1, 1, 1, 2])
m[0].select_slider("hidden units of the net", HIDDEN, key=P + "n_hidden", on_change=RUN.on_reset,
                   help="0: no hidden layer (logistic regression per position).")
m[1].select_slider("Adam step size", RATES, key=P + "lr", on_change=RUN.on_reset)
m[2].select_slider("epochs", EPOCHS, key=P + "epochs", on_change=RUN.on_reset)
m[3].number_input("seed (initial net, batch order)", 0, 9999, key=P + "seed", on_change=RUN.on_reset)
m[4].markdown(f"{N_TRAIN} training sequences, {N_TEST} held out; batches of {hybrid_tr.settings.batch_size} "
              "sequences. Both start from the same net and see the same batches.")
RUN.buttons(step_label="One epoch", step_help="Train both models for one epoch, then stop.",
            widths=(1, 1, 1.5, 1, 3.5))  # room for "One epoch"


def example_view(hybrid: crf.NeuralCRF, alone: crf.NeuralCRF, corr: ct.Corrections) -> None:
    st.subheader("Where the CRF corrects the net")
    e = st.columns(4)
    e[0].metric("held-out positions the CRF corrects", f"{corr.fixed:,}")
    e[1].metric("positions it spoils", f"{corr.broken:,}")
    e[2].metric("both right", f"{corr.both_right:,}")
    e[3].metric("both wrong", f"{corr.both_wrong:,}")
    pick = int(ss[P + "example"])
    n = int(np.argmax(corr.per_sequence)) if pick < 0 else pick
    x, y = task.X_test[n:n + 1], task.Y_test[n]
    y_net, y_crf = alone.decode(x)[0], hybrid.decode(x)[0]
    st.markdown(f"Held-out sequence **{n}**" + (" (the one the CRF corrects most, net of what it spoils)"
                                                 if pick < 0 else "") + ":")
    slides.chart(st, charts.strips_figure([x[0]], [y], ["the inputs, each glyph's true label under it"]),
                    key=P + "example_strip", width="stretch")

    rows = readout.labelled_rows(cd.NAMES, y, {"net alone": y_net, "CRF": y_crf})
    table = pd.DataFrame(list(rows.values()), index=list(rows), columns=[str(t + 1) for t in range(T)])
    narrow = {c: st.column_config.TextColumn(width=40 if T <= 20 else 36, alignment="center") for c in table.columns}
    st.dataframe(table, key=P + "example_table", column_config=narrow)
    wrong_net, wrong_crf = int((y_net != y).sum()), int((y_crf != y).sum())
    st.caption("net alone: the argmax of each position's softmax; CRF: the Viterbi labeling; ✗ marks a wrong label.")
    st.markdown(f"The net alone gets **{wrong_net}** of these {T} wrong, the CRF **{wrong_crf}**.")
    mu_net, mu_crf = alone.marginals(x)[0], hybrid.marginals(x)[0]
    slides.chart(st, charts.marginals_figure(mu_net, mu_crf, y), key=P + "marginals", width="stretch")


def draw() -> None:
    h_c, h_n = hybrid_tr.history, alone_tr.history
    last_c, last_n = h_c[-1], h_n[-1]
    k = st.columns(5)
    k[0].metric("epochs", f"{last_c['epoch']} of {hybrid_tr.max_epochs}")
    k[1].metric("CRF: held-out accuracy", pct(last_c["held-out accuracy"]))
    k[2].metric("net alone: held-out accuracy", pct(last_n["held-out accuracy"]))
    k[3].metric("CRF: held-out log-likelihood", f"{last_c['held-out nats']:.3f} nats")
    k[4].metric("net alone: held-out log-likelihood", f"{last_n['held-out nats']:.3f} nats")
    st.markdown(readout.duel_sentence(last_c, last_n, ref))
    n_epochs = hybrid_tr.max_epochs or max(1, h_c[-1]["epoch"])
    slides.chart(st, charts.curves_figure(h_c, h_n, ref, n_epochs), key=P + "curves", width="stretch")
    # the models the last history row measured: a slice may be training the live ones right now
    hybrid, alone = hybrid_tr.epoch_model, alone_tr.epoch_model
    example_view(hybrid, alone, ct.corrections(hybrid, alone, task.X_test, task.Y_test))

    st.subheader("The transitions it learned")
    A_c, logP_c, corr = ct.transition_agreement(hybrid.A, task.P)
    t1, t2, t3 = st.columns([1, 1, 0.6])
    lim = float(max(np.abs(A_c).max(), np.abs(logP_c).max(), 1e-9))
    slides.chart(t1, charts.matrix_figure(A_c, "learned A (centred)", "+.2f", zmid=0.0, lim=lim), key=P + "A",
                 width="stretch")
    slides.chart(t2, charts.matrix_figure(logP_c, "true log P (centred)", "+.2f", zmid=0.0, lim=lim), key=P + "logP",
                 width="stretch")
    t3.metric("correlation of learned and true", f"{corr:.3f}" if np.isfinite(corr) else "undefined (A = 0)")
    t3.caption("A is a score, not a probability: only differences between its entries matter (the net's "
               "scores can absorb the rest), so both are shown with their mean taken out.")


st.columns([1, 2])[0].number_input("example: held-out sequence (−1: the one the CRF corrects most)", -1,
                                  N_TEST - 1, key=P + "example")
URL_SETTINGS.write()
RUN.fragment(draw)

# --- 4. the gradient, checked -----------------------------------------------------------------------
st.header("4 · The gradient, checked by finite differences", divider="gray")
rows = ct.gradient_check(hybrid_tr.epoch_model, task.X_train[:3], task.Y_train[:3])
worst = max(r["relative difference"] for r in rows)
st.markdown(
    "The CRF's loss on three training sequences, for two entries of every parameter array of its current "
    "state: backprop's derivative against (L(p + ε) − L(p − ε)) / 2ε with ε = 10⁻⁶."
)
g1, g2 = st.columns([1, 3])
g1.metric("largest relative difference", f"{worst:.1e}")
g2.dataframe(pd.DataFrame(rows).style.format({"backprop": "{:.6g}", "finite difference": "{:.6g}",
                                               "relative difference": "{:.1e}"}),
             hide_index=True, key=P + "gradcheck")

lec = ct.references(cd.make_task())  # the page's default task, whatever the sliders say now
now = hybrid_tr.history[-1]
r_now = ct.transition_agreement(hybrid_tr.epoch_model.A, task.P)[2]
run_text = readout.run_sentence(now, ref, r_now)
notice(
    "No model that reads one position at a time does better on average than the true p(y_t | x_t), which "
    f"labels {pct(lec['per_position']['accuracy'])} of the default task's held-out positions right: some glyphs "
    "are too noisy to read alone. The CRF reads each with its neighbours; its ceiling is the generating HMM's "
    f"{pct(lec['hmm']['accuracy'])}.{run_text} Nothing but the conditional log-likelihood trains the features "
    "and the transitions together: exact inference inside the graphical model, backprop inside the net."
)
