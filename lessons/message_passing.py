"""Inference by message passing: sum-product BP message by message, beside enumeration and mean field.

Widgets and drawing only; every number comes from ``pgmviz.models.mrf`` (exact, by enumeration) and
``pgmviz.inference`` (bp, meanfield, accuracy). The graph, coupling, fields, sweeps, damping and the
RBM's visible vector round-trip through the URL (``?mp_graph=grid&mp_J=1``, see ``pgmviz.ui.urlstate``).
The tables' rows and sentences are ``pgmviz.inference.bp_readout``'s, the charts
``pgmviz.ui.charts.message_passing``'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.inference import accuracy, bp
from pgmviz.inference.bp_readout import (
    HOW_FAR,
    answers_rows,
    coupling_sentence,
    err,
    how_far,
    modes_sentence,
    starts_rows,
)
from pgmviz.models.mrf import GRAPHS, lesson_graph
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import message_passing as charts
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.player import player
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Message passing · pgmviz", layout="wide")

P = "mp_"  # prefix of this page's session-state keys
NAMES = {"chain": "a chain of 6", "tree": "a binary tree of 7", "grid": "a 3x3 grid (4 loops)"}
DEFAULTS = {"graph": "chain", "J": 0.8, "h": 0.1, "spread": 0.3, "sweeps": 6, "damping": 0.0,
            "v_on": ["v1", "v3", "v4"]}
STRONG = {"graph": "grid", "J": 1.0, "h": 0.0, "spread": 0.0}  # the "show it" ferromagnet: two modes
COUPLINGS = np.round(np.linspace(0.0, 2.0, 41), 10)  # the error curve's x axis
RBM_SIZE, RBM_SEED, RBM_SIGMA = (4, 3), 1, 1.5  # the small RBM of the last section
V_NAMES = [f"v{i + 1}" for i in range(RBM_SIZE[0])]

ss = st.session_state
settings = url.bind(P, {
    "graph": url.choice(DEFAULTS["graph"], GRAPHS),
    "J": url.number(DEFAULTS["J"], 0.0, 2.0),
    "h": url.number(DEFAULTS["h"], -1.0, 1.0),
    "spread": url.number(DEFAULTS["spread"], 0.0, 1.5),
    "sweeps": url.integer(DEFAULTS["sweeps"], 1, 30),
    "damping": url.number(DEFAULTS["damping"], 0.0, 0.9),
    "v_on": url.subset(DEFAULTS["v_on"], V_NAMES),
})


def show_strong() -> None:
    for key, value in STRONG.items():
        ss[P + key] = value


@st.cache_data(show_spinner="Sweeping the coupling ...", max_entries=16)
def sweeps_for(h: float, spread: float, damping: float) -> dict[str, accuracy.CouplingSweep]:
    """``accuracy.error_vs_coupling`` for the three graphs (cached: about a second)."""
    return {kind: accuracy.error_vs_coupling(kind, COUPLINGS, h, spread, damping) for kind in GRAPHS}


# --- page ---------------------------------------------------------------------------------------
lesson_header(
    "Inference by message passing",
    "On a tree, one message each way along every edge gives the exact marginals; on a graph with "
    "loops the same local rule is an approximation, and so, differently, is mean field.",
)
st.markdown(
    "The lecture calls the graph *a vehicle for designing sound and efficient inference algorithms*. "
    "Here the graph is a pairwise **Markov random field** over binary pixels x_i ∈ {0, 1}, Ising style: "
    "with spins s = 2x − 1, p(x) ∝ exp(Σ_i h_i s_i + J Σ_(ij) s_i s_j). **Sum-product belief propagation** "
    "has each unit tell each neighbour what it knows about it, summing itself out: "
    "m_s→t(x_t) = Σ_{x_s} φ_s(x_s) ψ_st(x_s, x_t) Π_{k ∈ N(s), k ≠ t} m_k→s(x_s). With binary units a message is "
    "one number, the **log-odds** it adds to the receiver's belief."
)

with st.container(border=True):
    c = st.columns([2, 2, 2, 2])
    kind = c[0].radio("graph", GRAPHS, key=P + "graph", horizontal=True, format_func=NAMES.get)
    J = float(c[1].slider("coupling J", 0.0, 2.0, step=0.05, key=P + "J"))
    h = float(c[2].slider("field h (every unit)", -1.0, 1.0, step=0.05, key=P + "h"))
    spread = float(c[3].slider("field spread", 0.0, 1.5, step=0.1, key=P + "spread",
                               help="Unit i's field is h + spread × z_i, z a fixed standard-normal pattern (seed 0)."))
    c2 = st.columns([2, 2, 4])
    sweeps = int(c2[0].slider("sweeps on the grid", 1, 30, key=P + "sweeps",
                              help="On a graph with loops, how many times every message is sent."))
    damping = float(c2[1].slider("damping (loopy graphs)", 0.0, 0.9, step=0.1, key=P + "damping",
                                 help="u ← (1 − damping) u_new + damping u_old: slower, but calmer on loops. "
                                      "A tree's two passes are never damped: each message is sent once."))
    c2[2].button("Show it: a strong ferromagnet on the grid (J = 1, no field)", on_click=show_strong,
                 key=P + "strong")

mrf = lesson_graph(kind, J, h, spread)
exact = mrf.marginals()
schedule = bp.default_schedule(mrf, sweeps)
trace = bp.run_schedule(mrf, schedule, 0.0 if mrf.is_tree() else damping)  # damping would spoil the two passes
D = bp.directed_edges(mrf)
T = len(schedule)

st.subheader("1 · Messages, one at a time")
if mrf.is_tree():
    st.markdown(f"On {NAMES[kind]} the schedule is two passes: from the leaves towards x0 ({mrf.n - 1} messages), "
                f"then back out ({mrf.n - 1} more). Each message is sent once, after the sender has heard from "
                "everyone else.")
else:
    st.markdown(f"On {NAMES[kind]} there is no leaf to start from: every message is sent once per sweep "
                f"({2 * mrf.m} messages), {sweeps} sweep{'s' if sweeps > 1 else ''}, each from the messages "
                "current at its turn.")
labels = ["no message sent yet"] + [f"message {k + 1} of {T}: x{D[d, 0]} → x{D[d, 1]}" for k, d in enumerate(schedule)]
final_error = float(np.max(np.abs(trace.beliefs[-1] - exact)))
q_exact = predict.ask(P + "q_exact", f"After all {T} messages, how far will BP's beliefs be from the exact marginals?",
                      predict.Choice(HOW_FAR), answer=how_far(final_error), about=(kind, J, h, spread, sweeps, damping))


def draw(frame: int) -> None:
    left, right = main_picture().columns([3, 1])
    slides.chart(left, charts.graph_figure(mrf, trace, frame), key=P + "graph_fig", width="stretch")
    right.metric("messages sent", f"{frame} of {T}")
    if q_exact.revealed:
        right.metric("max |belief − exact marginal|", err(float(np.max(np.abs(trace.beliefs[frame] - exact)))))
    if frame > 0:
        d = int(trace.schedule[frame - 1])
        right.metric(f"message x{D[d, 0]} → x{D[d, 1]} (log-odds)", f"{trace.messages[frame, d]:+.4f}")
    right.caption("Node: its belief b_i(x_i = 1). Number beside an edge: the message along it, nearer "
                  "its receiver (grey: not sent yet; red adds evidence for x = 1, blue against).")


player(P, "msg", labels, signature=(kind, J, h, spread, sweeps, damping), draw=draw, tick_s=0.5,
       slider_label="Message", start_at_end=False)

if q_exact.reveals("how far BP ends from the exact marginals"):
    if mrf.is_tree():
        st.markdown(f"After the {T} messages of the two passes every belief equals the exact marginal "
                    f"to **{err(final_error)}** (rounding): on a tree, BP is exact.")
    else:
        moving = trace.change(2 * mrf.m)
        st.markdown(f"After {sweeps} sweep{'s' if sweeps > 1 else ''} ({T} messages) the beliefs are "
                    f"**{err(final_error)}** from the exact marginals at worst, and the last sweep changed a message "
                    f"by up to **{err(moving)}**"
                    + (": BP has settled, on an answer that is not the exact one."
                       if moving < 1e-6 and final_error > 1e-6 else "."))
        bethe = bp.bethe_log_Z(mrf, trace.messages[-1])
        if final_error < 1e-6 and abs(bethe - mrf.log_Z()) > 1e-6:
            st.markdown(f"Here the one-unit beliefs happen to be right, but BP's log Z (Bethe) after these messages "
                        f"is **{bethe:.4f}** against the exact **{mrf.log_Z():.4f}**: the loops still count evidence "
                        "twice.")
        elif final_error < 1e-6:
            st.markdown("With nothing coupling the units, the messages carry nothing round the loops: BP is exact here."
                        if J == 0 else f"At this weak coupling BP's beliefs and log Z (**{bethe:.4f}**) agree with the "
                        "exact ones to within 1e-6: the evidence counted twice is too little to see.")

# --- three answers ----------------------------------------------------------------------------------
st.subheader("2 · Three answers: enumeration, BP, mean field")
cmp = accuracy.compare(mrf, damping=damping)
res = cmp.bp_result
table = pd.DataFrame(answers_rows(cmp, mrf.n))
t1, t2 = st.columns([3, 2])
with t1:
    if q_exact.reveals("the three answers side by side"):
        st.dataframe(table, hide_index=True, key=P + "answers")
with t2:
    m = st.columns(2)
    m[0].metric("log Z (enumeration)", f"{cmp.log_Z:.4f}")
    m[1].metric("log Z, Bethe (BP)", f"{res.log_Z:.4f}")
    m[0].metric("mean-field bound log Z − KL", f"{cmp.elbo:.4f}")
    m[1].metric("KL(q ‖ p), nats", f"{cmp.mf_kl:.4f}")
    st.markdown(
        f"The exact column sums over all 2^{mrf.n} = {2 ** mrf.n} states. BP ran every message at once "
        + (f"and converged after **{res.iterations}** updates" if res.converged else
           f"and had **not converged** after {res.iterations} updates: on a graph with loops BP need not "
           "settle (another damping may help)")
        + f"; mean field kept its best start (*{cmp.mf_start}*). Its bound is below log Z by exactly "
        "KL(q ‖ p), as it must be; the Bethe estimate is exact on a tree and only an estimate on a graph with loops."
    )

# --- the error as the coupling grows --------------------------------------------------------------
st.subheader("3 · The loops' error as the coupling grows")
curves = sweeps_for(h, spread, damping)
fig = charts.error_curve_figure(COUPLINGS, curves, kind, J, cmp.bp_error, cmp.mf_error)
e1, e2 = st.columns(2)
if q_exact.revealed:
    slides.chart(e1, fig, key=P + "error_curve", width="stretch")
else:
    e1.caption(f":material/lock: {predict.HIDDEN}: BP's error at every coupling.")
fig2 = charts.log_Z_curve_figure(COUPLINGS, curves[kind], kind)
slides.chart(e2, fig2, key=P + "log_Z_curve", width="stretch")
st.markdown(coupling_sentence(COUPLINGS, curves, kind) if q_exact.revealed
            else f":material/lock: {predict.HIDDEN}: BP's error on each graph.")

# --- mean field picks a mode -----------------------------------------------------------------------
st.subheader("4 · Mean field picks a mode")
st.markdown(
    "Mean field fits independent units, q(x) = Π_i q_i^x_i (1 − q_i)^(1 − x_i), by updating one q_i at a time "
    "to q_i = sigmoid(2h_i + 4J Σ_{j ~ i} (q_j − ½)) in these units: the neighbours send their *means*, "
    "where BP sends messages. Each update lowers KL(q ‖ p), so it stops at a fixed point, which depends on "
    "where it started."
)
runs = cmp.mf_runs
st.dataframe(pd.DataFrame(starts_rows(runs)), hide_index=True, key=P + "starts")
st.markdown(modes_sentence(runs, exact))

# --- the RBM ---------------------------------------------------------------------------------------
st.subheader("5 · The RBM: where one half-step of Gibbs is exact inference")
rbm = RBM.random(*RBM_SIZE, seed=RBM_SEED, sigma=RBM_SIGMA, dtype=np.float64)
v_on = st.pills("visible units on (the evidence v)", V_NAMES, selection_mode="multi", key=P + "v_on")
v = np.array([1.0 if name in v_on else 0.0 for name in V_NAMES])
half = accuracy.rbm_half_step(rbm, v)
r = st.columns(3)
r[0].metric("independent loops in the RBM's graph", f"{half.loops}")
r[1].metric("edges left between hidden units, given v", f"{half.edges_left}")
r[2].metric(f"max over the {2 ** RBM_SIZE[1]} h of |p(h | v) − Π_j sigmoid(c_j + v·W_j)|", f"{half.max_abs_diff:.1e}")
states = ["".join(str(int(x)) for x in s) for s in all_states(RBM_SIZE[1])]
fig3 = charts.posterior_bars_figure(states, half.exact, half.product)
b1, b2 = st.columns([3, 2])
slides.chart(b1, fig3, key=P + "rbm_bars", width="stretch")
b2.markdown(
    f"A {RBM_SIZE[0]} × {RBM_SIZE[1]} RBM is a pairwise MRF too, on a bipartite graph with {half.loops} "
    "independent loops: BP on p(v, h) would be loopy. But clamp v and every edge now joins a free unit to an "
    f"observed one: {half.edges_left} edges are left among the hidden units, each h_j is a tree of its own, and "
    f"p(h | v) is exactly a product of sigmoids (the largest difference over all {2 ** RBM_SIZE[1]} states is "
    f"{half.max_abs_diff:.1e}, rounding). So one half-step of block Gibbs, h_j ~ sigmoid(c_j + v·W_j), "
    "draws an exact sample of the posterior: no messages, no iterations."
)
settings.write()

notice(
    "BP on the chain and the tree needs each message only once and is exact; the same local rule on the grid "
    "is only an approximation once the coupling sends evidence round the loops. Mean field's bound is "
    "below log Z by exactly its KL(q ‖ p), and on a two-mode distribution it chooses one mode. The RBM is built "
    "so that, given v, there is nothing to pass messages about."
)
