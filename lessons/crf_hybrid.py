"""Lesson: a network inside a graphical model, a linear-chain CRF whose unary potentials a small net computes.

Widgets and drawing only. The task is `pgmviz.models.crf_data` (noisy glyphs whose labels follow a
Markov chain), the model `pgmviz.models.crf.NeuralCRF` (exact forward-backward, Viterbi, the gradient
through the marginals into the net), the training and the comparisons `pgmviz.training.crf_train`.
Both models train live side by side through ``pgmviz.ui.live.LiveRun`` over
``protocol.Lockstep([CRF, net alone])``: the same initial net, the same mini-batches. Every setting
is in the URL (``?crf_noise=0.35&crf_n_hidden=8``); changing one starts both models afresh.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from pgmviz.models import crf
from pgmviz.models import crf_data as cd
from pgmviz.training import crf_train as ct
from pgmviz.training.protocol import Budget, Lockstep
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.live import LiveRun
from pgmviz.ui.present import main_picture
from pgmviz.ui.theme import ACCENT, GREY, MUTED, static_style, style
from pgmviz.viz import sample_grid, tile

st.set_page_config(page_title="A network inside a graphical model · pgmviz", layout="wide")

P = "crf_"  # prefix of this page's session-state keys (the session is shared by all pages)
ss = st.session_state
PROBS = [round(0.05 * i, 2) for i in range(21)]  # 0, 0.05, ..., 1
NOISES = PROBS[:10]  # up to 0.45: at 0.5 a glyph says nothing
LENGTHS, HIDDEN, EPOCHS = [10, 20, 40], [0, 8, 16, 32], [5, 10, 20, 40]
RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]  # Adam's step sizes; 0.3 and 1.0 are too big, to see what that does
N_TRAIN, N_TEST = 300, 300  # sequences
SLICE_S, TICK_S = 0.25, 0.4
CRF_C, NET_C = ACCENT, MUTED  # the CRF in amber, the net alone in indigo, references grey

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


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def strips_figure(Xs: list[np.ndarray], labels: list[np.ndarray], titles: list[str]) -> go.Figure:
    """Sequences of noisy glyphs side by side, one row each, every glyph's label printed under it."""
    h, w = cd.SHAPE
    fig = make_subplots(rows=len(Xs), cols=1, subplot_titles=titles, vertical_spacing=0.6 / max(1, len(Xs)))
    for r_, (X, y) in enumerate(zip(Xs, labels), start=1):
        strip = tile(X, cd.SHAPE, n_cols=len(X), pad=1, fill=0.35)
        fig.add_heatmap(z=strip, colorscale="Greys_r", zmin=0, zmax=1, showscale=False, hoverinfo="skip",
                        row=r_, col=1)
        fig.update_xaxes(tickvals=[1 + (w + 1) * t + w // 2 for t in range(len(X))], ticktext=[cd.NAMES[k] for k in y],
                         tickfont=dict(size=17), ticks="", showgrid=False, zeroline=False, row=r_, col=1)
        fig.update_yaxes(autorange="reversed", visible=False, scaleanchor=f"x{r_ if r_ > 1 else ''}", row=r_, col=1)
    return style(fig, 150 * len(Xs), margin=dict(l=10, r=10, t=30, b=10))


def matrix_figure(M: np.ndarray, title: str, fmt: str, zmid: float | None = None, height: int = 300) -> go.Figure:
    names = list(cd.NAMES)
    fig = go.Figure(go.Heatmap(z=M, x=names, y=names, colorscale="RdBu_r" if zmid is not None else "Blues",
                               zmid=zmid, showscale=False, text=[[format(v, fmt) for v in row] for row in M],
                               texttemplate="%{text}", textfont=dict(size=16), xgap=2, ygap=2, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", title="from y_t", tickfont=dict(size=18))
    fig.update_xaxes(title="to y_t+1", tickfont=dict(size=18))
    return style(fig, height, title, margin=dict(l=10, r=10, t=50, b=10))


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
    slides.chart(st, matrix_figure(task.P, "true transition matrix P(y_t+1 | y_t)", ".2f"), key=P + "P",
                    width="stretch")
slides.chart(st, strips_figure(list(task.X_train[:3]), list(task.Y_train[:3]),
                              [f"training sequence {n + 1} (T = {T}), each glyph's label under it" for n in range(3)]),
                key=P + "sequences", width="stretch")
gain = ref["hmm"]["accuracy"] - ref["per_position"]["accuracy"]
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
    st.markdown(
        (f"Even knowing exactly how the data were made, a position read alone is labelled right only "
         f"{pct(ref['per_position']['accuracy'])} of the time; reading it with its neighbours, "
         f"{pct(ref['hmm']['accuracy'])}: the transitions are worth up to **{100 * gain:.1f} points** here."
         if gain > 0.005 else
         f"With these settings the neighbours add little even to the true model ({100 * gain:+.1f} points): "
         "raise the noise or make the chain stickier to give the transitions something to do.")
    )


@st.cache_data(show_spinner="The true model at every noise level ...", max_entries=32)
def worth(stay: float, step: float, length: int, seed: int) -> dict[str, np.ndarray]:
    return ct.worth_of_transitions(NOISES, stay, step, length, N_TEST, seed)


if q_gain.revealed:
    with st.expander("Where do the transitions help? The true model at every noise level", expanded=True):
        w = worth(float(task.P[0, 0]), float(task.P[0, 1]), T, int(ss[P + "task_seed"]))
        gains = 100 * (w["hmm_accuracy"] - w["per_position_accuracy"])
        best = int(np.argmax(gains))
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                            subplot_titles=("held-out accuracy of the true model", "what the transitions add (points)"))
        for key, name, dash in (("hmm_accuracy", "with the transitions (generating HMM)", "solid"),
                                ("per_position_accuracy", "one position at a time", "dot")):
            fig.add_scatter(x=NOISES, y=100 * w[key], name=name, mode="lines+markers", line=dict(color=GREY, dash=dash),
                            row=1, col=1)
        fig.add_bar(x=NOISES, y=gains, marker_color=[CRF_C if q == task.noise else GREY for q in NOISES],
                    name="gain", showlegend=False, row=1, col=2)
        fig.update_xaxes(title_text="pixel noise")
        slides.chart(st, style(fig, 320, legend=dict(orientation="h", y=-0.3)), key=P + "worth", width="stretch")
        st.markdown(
            f"With this chain (stay {task.P[0, 0]:.2f}, step {task.P[0, 1]:.2f}) the transitions are worth most at "
            f"noise **{NOISES[best]:.2f}**, {gains[best]:.1f} points; at noise {NOISES[0]:.2f} they add "
            f"{gains[0]:.1f} and at {NOISES[-1]:.2f} {gains[-1]:.1f} (amber: the noise chosen above)."
            + (" Where every glyph reads itself the neighbours add nothing" if abs(gains[0]) < 0.5 else "")
            + ("; where the neighbours are nearly as unreadable as the glyph, they have less to give."
               if 0 < best < len(NOISES) - 1 and gains[-1] < 0.5 * gains[best] else ".")
        )

# --- 2. the model -----------------------------------------------------------------------------------
st.header("2 · The hybrid: a CRF with a net's unary potentials", divider="gray")
st.latex(r"p(y \mid x) = \frac{1}{Z(x)} \exp\Big(s_{y_1} + \sum_t U_t(y_t) + \sum_t A_{y_t, y_{t+1}}\Big),"
         r"\qquad U_t = \mathrm{net}(x_t)")
g_left, g_right = main_picture().columns([1.3, 1], gap="large")  # the net inside the chain
with g_left:
    chain = "\n".join(
        f'x{t} [label="x{t}", shape=circle, style=filled, fillcolor="#90caf9"];'
        f' u{t} [label="net", shape=box, style="filled,rounded", fillcolor="#fff3cd"];'
        f' y{t} [label="y{t}", shape=circle];  x{t} -> u{t} [penwidth=2]; u{t} -> y{t} [dir=none, penwidth=2];'
        for t in range(1, 5))
    pairs = "\n".join(f'a{t} [label="A", shape=square, width=0.35, fixedsize=true, style=filled, fillcolor="#e0e0e0"];'
                      f' y{t} -> a{t} -> y{t + 1} [dir=none]; {{rank=same; y{t}; a{t}; y{t + 1}}}' for t in range(1, 4))
    graphviz_chart(f"""digraph {{
  rankdir=TB; bgcolor="transparent"; nodesep=0.35; ranksep=0.45;
  node [fontname="Helvetica", fontsize=18, width=0.55, fixedsize=true]; edge [color="#37474f"];
  {chain}
  {pairs}
  {{rank=same; x1; x2; x3; x4}} {{rank=same; u1; u2; u3; u4}}
}}""", key=P + "graph")
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


def curves(h_c: list[dict], h_n: list[dict]) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("held-out accuracy", "held-out log p(y | x) per position (nats)"))
    n_epochs = hybrid_tr.max_epochs or max(1, h_c[-1]["epoch"])
    for col, key, refkey in ((1, "held-out accuracy", "accuracy"), (2, "held-out nats", "nats")):
        scale = 100 if col == 1 else 1
        for h, name, colour in ((h_c, "CRF (net + transitions)", CRF_C), (h_n, "net alone", NET_C)):
            fig.add_scatter(x=[r["epoch"] for r in h], y=[scale * r[key] for r in h], name=name, mode="lines+markers",
                            line=dict(color=colour, width=3), showlegend=col == 1, row=1, col=col)
        for which, dash, label in (("hmm", "dash", "generating HMM"), ("per_position", "dot", "true p(y_t | x_t)")):
            fig.add_scatter(x=[0, n_epochs], y=[scale * ref[which][refkey]] * 2, mode="lines",
                            name=label, line=dict(color=GREY, dash=dash), showlegend=col == 1, row=1, col=col)
    fig.update_xaxes(title_text="epoch", range=[-0.3, n_epochs + 0.3], tick0=0, dtick=max(1, n_epochs // 5))
    fig.update_yaxes(title_text="% of positions", row=1, col=1)
    return static_style(fig, 360, legend=dict(orientation="h", y=-0.25))


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
    slides.chart(st, strips_figure([x[0]], [y], ["the inputs, each glyph's true label under it"]),
                    key=P + "example_strip", width="stretch")

    def row(labels: np.ndarray) -> list[str]:
        return [cd.NAMES[k] + ("" if k == t else " ✗") for k, t in zip(labels, y)]

    table = pd.DataFrame([[cd.NAMES[k] for k in y], row(y_net), row(y_crf)],
                         index=["true", "net alone", "CRF"],
                         columns=[str(t + 1) for t in range(T)])
    narrow = {c: st.column_config.TextColumn(width=40 if T <= 20 else 36, alignment="center") for c in table.columns}
    st.dataframe(table, key=P + "example_table", column_config=narrow)
    wrong_net, wrong_crf = int((y_net != y).sum()), int((y_crf != y).sum())
    st.caption("net alone: the argmax of each position's softmax; CRF: the Viterbi labeling; ✗ marks a wrong label.")
    st.markdown(f"The net alone gets **{wrong_net}** of these {T} wrong, the CRF **{wrong_crf}**.")
    mu_net, mu_crf = alone.marginals(x)[0], hybrid.marginals(x)[0]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("net alone: softmax(U_t)", "CRF: marginals p(y_t | x) by forward-backward"))
    for r_, mu in ((1, mu_net), (2, mu_crf)):
        fig.add_heatmap(z=mu.T, x=list(range(1, T + 1)), y=list(cd.NAMES), zmin=0, zmax=1, colorscale="Greys",
                        showscale=r_ == 1, row=r_, col=1, hovertemplate="t=%{x}, %{y}: %{z:.3f}<extra></extra>")
        fig.add_scatter(x=list(range(1, T + 1)), y=[cd.NAMES[k] for k in y], mode="markers", showlegend=r_ == 1,
                        name="true label", marker=dict(color=ACCENT, size=9, symbol="circle-open", line=dict(width=3)),
                        row=r_, col=1)
    slides.chart(st, static_style(fig, 380, legend=dict(orientation="h", y=-0.15)), key=P + "marginals",
                    width="stretch")


def draw() -> None:
    h_c, h_n = hybrid_tr.history, alone_tr.history
    last_c, last_n = h_c[-1], h_n[-1]
    k = st.columns(5)
    k[0].metric("epochs", f"{last_c['epoch']} of {hybrid_tr.max_epochs}")
    k[1].metric("CRF: held-out accuracy", pct(last_c["held-out accuracy"]))
    k[2].metric("net alone: held-out accuracy", pct(last_n["held-out accuracy"]))
    k[3].metric("CRF: held-out log-likelihood", f"{last_c['held-out nats']:.3f} nats")
    k[4].metric("net alone: held-out log-likelihood", f"{last_n['held-out nats']:.3f} nats")
    d_acc = last_c["held-out accuracy"] - last_n["held-out accuracy"]
    d_nats = last_c["held-out nats"] - last_n["held-out nats"]
    ep = int(last_c["epoch"])
    if ep == 0:
        st.markdown("Both models start from the same random net and A = 0, so their numbers are equal: "
                    "press **Train**.")
    else:
        verdict = ("the transitions help" if d_acc > 0.005 and d_nats > 0 else
                   "the transitions do not help (yet)" if d_acc <= 0.005 and d_nats <= 0 else "the picture is mixed")
        st.markdown(
            f"After {ep} epoch{'s' if ep > 1 else ''}: {verdict}. The CRF labels "
            f"{pct(last_c['held-out accuracy'])} of held-out positions right against "
            f"{pct(last_n['held-out accuracy'])} "
            f"({100 * d_acc:+.1f} points), and its log-likelihood is {d_nats:+.3f} nats per position from the net "
            f"alone's. The generating HMM, best in expectation, scores {pct(ref['hmm']['accuracy'])} and "
            f"{ref['hmm']['nats']:.3f} nats."
        )
    slides.chart(st, curves(h_c, h_n), key=P + "curves", width="stretch")
    # the models the last history row measured: a slice may be training the live ones right now
    hybrid, alone = hybrid_tr.epoch_model, alone_tr.epoch_model
    example_view(hybrid, alone, ct.corrections(hybrid, alone, task.X_test, task.Y_test))

    st.subheader("The transitions it learned")
    A_c, logP_c, corr = ct.transition_agreement(hybrid.A, task.P)
    t1, t2, t3 = st.columns([1, 1, 0.6])
    lim = float(max(np.abs(A_c).max(), np.abs(logP_c).max(), 1e-9))
    slides.chart(t1, matrix_figure(A_c, "learned A (centred)", "+.2f", zmid=0.0).update_traces(zmin=-lim, zmax=lim),
                    key=P + "A", width="stretch")
    slides.chart(t2, matrix_figure(logP_c, "true log P (centred)", "+.2f", zmid=0.0).update_traces(zmin=-lim, zmax=lim),
                    key=P + "logP", width="stretch")
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
run_text = ("" if now["epoch"] == 0 else
            f" In your run, after {now['epoch']} epochs, the CRF reaches {pct(now['held-out accuracy'])} "
            "against the "
            f"generating HMM's {pct(ref['hmm']['accuracy'])} on its task, and its learned A "
            + (f"has recovered the grammar (correlation {r_now:.2f} with log P)." if r_now > 0.9 else
               f"is not yet the grammar (correlation {r_now:.2f} with log P)."))
notice(
    "No model that reads one position at a time does better on average than the true p(y_t | x_t), which "
    f"labels {pct(lec['per_position']['accuracy'])} of the default task's held-out positions right: some glyphs "
    "are too noisy to read alone. The CRF reads each with its neighbours; its ceiling is the generating HMM's "
    f"{pct(lec['hmm']['accuracy'])}.{run_text} Nothing but the conditional log-likelihood trains the features "
    "and the transitions together: exact inference inside the graphical model, backprop inside the net."
)
