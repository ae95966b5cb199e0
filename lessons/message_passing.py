"""Inference by message passing: sum-product BP message by message, beside enumeration and mean field.

Widgets and drawing only; every number comes from ``pgmviz.models.mrf`` (exact, by enumeration) and
``pgmviz.inference`` (bp, meanfield, accuracy). The graph, coupling, fields, sweeps, damping and the
RBM's visible vector round-trip through the URL (``?mp_graph=grid&mp_J=1``, see ``pgmviz.ui.urlstate``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pgmviz.inference import accuracy, bp
from pgmviz.models.mrf import GRAPHS, MRF, lesson_graph
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.ui import predict, slides, theme
from pgmviz.ui import urlstate as url
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
HOW_FAR = ("equal, up to rounding", "off by less than 0.01", "off by 0.01 or more")  # the question's choices

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


def fmt(p: float) -> str:
    """A probability: 4 decimals."""
    return f"{p:.4f}"


def err(x: float) -> str:
    """An error: 3 significant digits (rounding-level errors show as such, e.g. 2.2e-16)."""
    return f"{x:.3g}"


def how_far(error: float) -> str:
    """Which of the question's choices a largest error is (rounding: below 1e-10)."""
    return HOW_FAR[0] if error < 1e-10 else HOW_FAR[1] if error < 0.01 else HOW_FAR[2]


def show_strong() -> None:
    for key, value in STRONG.items():
        ss[P + key] = value


# --- drawing ------------------------------------------------------------------------------------
HEIGHTS = {1: 230, 2: 420, 3: 560}  # the graph figure's height by its number of rows of nodes
ARROWS = "→↗↑↖←↙↓↘"


def arrow(direction: np.ndarray) -> str:
    """The arrow glyph nearest to a direction, so each label says which way its message goes."""
    return ARROWS[int(np.round(np.arctan2(direction[1], direction[0]) / (np.pi / 4))) % 8]


def graph_figure(mrf: MRF, trace: bp.BPTrace, frame: int) -> go.Figure:
    """Nodes shaded by their belief after ``frame`` messages; each message's log-odds beside its edge."""
    D, xy = bp.directed_edges(mrf), mrf.pos
    sent = set(trace.schedule[:frame].tolist())
    last = int(trace.schedule[frame - 1]) if frame > 0 else None
    u, belief = trace.messages[frame], trace.beliefs[frame]
    fig = go.Figure()
    for i, j in mrf.edges.tolist():
        fig.add_trace(go.Scatter(x=xy[[i, j], 0], y=xy[[i, j], 1], mode="lines", hoverinfo="skip",
                                 line=dict(color=theme.LIGHT_GREY, width=3)))
    for d, (s, t) in enumerate(D.tolist()):
        a, b = xy[s], xy[t]
        normal = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a)
        at = a + 0.62 * (b - a) - 0.13 * normal  # nearer the receiver, on the sender's right-hand side
        if d == last:
            fig.add_annotation(x=b[0] - 0.22 * (b - a)[0], y=b[1] - 0.22 * (b - a)[1], ax=a[0] + 0.22 * (b - a)[0],
                               ay=a[1] + 0.22 * (b - a)[1], xref="x", yref="y", axref="x", ayref="y", text="",
                               showarrow=True, arrowhead=3, arrowsize=1.4, arrowwidth=4, arrowcolor=theme.ACCENT)
        colour = theme.GREY if d not in sent else (theme.RED if u[d] > 0 else theme.BLUE)
        label = f"{arrow(b - a)} {u[d]:+.2f}"
        fig.add_annotation(x=at[0], y=at[1], text=f"<b>{label}</b>" if d == last else label,
                           showarrow=False, font=dict(size=14, color=colour),
                           bgcolor=theme.ACCENT if d == last else "rgba(255,255,255,0.85)")
    fig.add_trace(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=[f"x{i}<br>{belief[i]:.3f}" for i in range(mrf.n)],
        textfont=dict(size=13), hoverinfo="skip",
        marker=dict(size=54, color=belief, cmin=0, cmax=1, colorscale=[[0, "#ffffff"], [1, theme.ACCENT]],
                    line=dict(color="#37474f", width=2)),
    ))
    pad = 0.6
    return theme.style(fig, HEIGHTS[len(set(xy[:, 1].tolist()))], showlegend=False, plot_bgcolor="white",
                       margin=dict(l=10, r=10, t=10, b=10),
                       xaxis=dict(visible=False, range=[xy[:, 0].min() - pad, xy[:, 0].max() + pad]),
                       yaxis=dict(visible=False, range=[xy[:, 1].min() - pad, xy[:, 1].max() + pad],
                                  scaleanchor="x"))


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
    slides.chart(left, graph_figure(mrf, trace, frame), key=P + "graph_fig", width="stretch")
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
table = pd.DataFrame({
    "unit": [f"x{i}" for i in range(mrf.n)],
    "exact p(x_i = 1)": [fmt(p) for p in cmp.exact],
    "BP belief": [fmt(p) for p in cmp.bp],
    "mean field q_i": [fmt(p) for p in cmp.mf],
    "|BP − exact|": [err(x) for x in np.abs(cmp.bp - cmp.exact)],
    "|MF − exact|": [err(x) for x in np.abs(cmp.mf - cmp.exact)],
})
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
fig = go.Figure()
colours = {"chain": theme.MUTED, "tree": theme.GREEN, "grid": theme.RED}
for name in GRAPHS:
    fig.add_trace(go.Scatter(x=COUPLINGS, y=curves[name].bp_error, name=f"BP, {name}", mode="lines",
                             line=dict(color=colours[name], width=3)))
fig.add_trace(go.Scatter(x=COUPLINGS, y=curves[kind].mf_error, name=f"mean field, {kind}", mode="lines",
                         line=dict(color=theme.GREY, width=3, dash="dash")))
fig.add_trace(go.Scatter(x=[J, J], y=[cmp.bp_error, cmp.mf_error], mode="markers", name="this J",
                         marker=dict(size=13, color=theme.ACCENT, line=dict(color="black", width=1))))
theme.style(fig, 380, xaxis_title="coupling J", yaxis_title="max_i |answer_i − p(x_i = 1)|",
            legend=dict(orientation="h", y=1.15))
e1, e2 = st.columns(2)
if q_exact.revealed:
    slides.chart(e1, fig, key=P + "error_curve", width="stretch")
else:
    e1.caption(f":material/lock: {predict.HIDDEN}: BP's error at every coupling.")
fig2 = go.Figure([
    go.Scatter(x=COUPLINGS, y=curves[kind].bethe_error, name="Bethe log Z − log Z", mode="lines",
               line=dict(color=colours[kind], width=3)),
    go.Scatter(x=COUPLINGS, y=-curves[kind].mf_kl, name="mean-field bound − log Z (= −KL)", mode="lines",
               line=dict(color=theme.GREY, width=3, dash="dash")),
])
theme.style(fig2, 380, xaxis_title="coupling J", yaxis_title=f"error in log Z, {kind}",
            legend=dict(orientation="h", y=1.15))
slides.chart(e2, fig2, key=P + "log_Z_curve", width="stretch")
grid_curve, tree_max = curves["grid"], max(float(curves[k].bp_error.max()) for k in ("chain", "tree"))
peak = int(np.argmax(grid_curve.bp_error))
st.markdown((
    f"With these fields, BP's error on the chain and the tree stays below **{err(tree_max)}** at every J up to 2. "
    f"On the grid it is **{err(float(grid_curve.bp_error[peak]))}** at its worst, at J = {COUPLINGS[peak]:g}"
    + ("" if grid_curve.bp_converged.all() else
       f" (BP did not converge at {int((~grid_curve.bp_converged).sum())} of the {len(COUPLINGS)} couplings)")
    + f"; mean field's worst on the {kind} is **{err(float(curves[kind].mf_error.max()))}**. "
    "Messages that go round a loop come back as if they were news: BP counts the same evidence twice."
) if q_exact.revealed else f":material/lock: {predict.HIDDEN}: BP's error on each graph.")

# --- mean field picks a mode -----------------------------------------------------------------------
st.subheader("4 · Mean field picks a mode")
st.markdown(
    "Mean field fits independent units, q(x) = Π_i q_i^x_i (1 − q_i)^(1 − x_i), by updating one q_i at a time "
    "to q_i = sigmoid(2h_i + 4J Σ_{j ~ i} (q_j − ½)) in these units: the neighbours send their *means*, "
    "where BP sends messages. Each update lowers KL(q ‖ p), so it stops at a fixed point, which depends on "
    "where it started."
)
runs = cmp.mf_runs
rows = [{"start": name, "mean of q_i": fmt(float(r.means.mean())), "smallest q_i": fmt(float(r.means.min())),
         "largest q_i": fmt(float(r.means.max())), "KL(q ‖ p), nats": f"{r.kl:.4f}", "sweeps": r.sweeps}
        for name, r in runs.items()]
st.dataframe(pd.DataFrame(rows), hide_index=True, key=P + "starts")
off, on = runs["all off"], runs["all on"]
if np.max(np.abs(off.means - on.means)) > 0.1:
    st.markdown(
        "Two starts, two fixed points: from *all off* mean field settles with mean q = "
        f"**{fmt(float(off.means.mean()))}**, from *all on* with **{fmt(float(on.means.mean()))}**, while the exact "
        f"marginals average **{fmt(float(exact.mean()))}**. Each q sits in one mode of p and ignores the other; "
        "KL(q ‖ p) punishes q for putting mass where p has none, not for missing a mode."
    )
else:
    st.markdown(
        f"Here every start reaches the same fixed point (mean q = {fmt(float(off.means.mean()))}; the exact "
        f"marginals average {fmt(float(exact.mean()))}): at this coupling p has one mode. Press *Show it* above "
        "for a coupling strong enough for two."
    )

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
fig3 = go.Figure([go.Bar(x=states, y=half.exact, name="p(h | v) by enumeration", marker_color=theme.ACCENT),
                  go.Bar(x=states, y=half.product, name="Π_j sigmoid(c_j + v·W_j)", marker_color=theme.MUTED)])
theme.style(fig3, 320, barmode="group", xaxis=dict(title="hidden state h", type="category"),
            yaxis_title="probability", legend=dict(orientation="h", y=1.15))
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
