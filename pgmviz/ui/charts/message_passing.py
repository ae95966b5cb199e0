"""Charts of the Message passing lesson: the graph with its messages, the error curves, the RBM's posterior bars.

Pure functions from ``pgmviz.inference.bp``'s trace and ``accuracy``'s sweeps to a ``go.Figure``; no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.inference import bp
from pgmviz.models.mrf import GRAPHS, MRF
from pgmviz.ui import theme

HEIGHTS = {1: 230, 2: 420, 3: 560}  # the graph figure's height by its number of rows of nodes
ARROWS = "→↗↑↖←↙↓↘"
COLOURS = {"chain": theme.MUTED, "tree": theme.GREEN, "grid": theme.RED}


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


def error_curve_figure(couplings: np.ndarray, curves: dict, kind: str, J: float, bp_error: float,
                       mf_error: float) -> go.Figure:
    """BP's largest marginal error on every graph against J, mean field's on ``kind``, this J marked."""
    fig = go.Figure()
    for name in GRAPHS:
        fig.add_trace(go.Scatter(x=couplings, y=curves[name].bp_error, name=f"BP, {name}", mode="lines",
                                 line=dict(color=COLOURS[name], width=3)))
    fig.add_trace(go.Scatter(x=couplings, y=curves[kind].mf_error, name=f"mean field, {kind}", mode="lines",
                             line=dict(color=theme.GREY, width=3, dash="dash")))
    fig.add_trace(go.Scatter(x=[J, J], y=[bp_error, mf_error], mode="markers", name="this J",
                             marker=dict(size=13, color=theme.ACCENT, line=dict(color="black", width=1))))
    return theme.style(fig, 380, xaxis_title="coupling J", yaxis_title="max_i |answer_i − p(x_i = 1)|",
                       legend=dict(orientation="h", y=1.15))


def log_Z_curve_figure(couplings: np.ndarray, curve, kind: str) -> go.Figure:
    """Bethe's log Z and the mean-field bound, each minus the exact log Z, against J."""
    fig = go.Figure([
        go.Scatter(x=couplings, y=curve.bethe_error, name="Bethe log Z − log Z", mode="lines",
                   line=dict(color=COLOURS[kind], width=3)),
        go.Scatter(x=couplings, y=-curve.mf_kl, name="mean-field bound − log Z (= −KL)", mode="lines",
                   line=dict(color=theme.GREY, width=3, dash="dash")),
    ])
    return theme.style(fig, 380, xaxis_title="coupling J", yaxis_title=f"error in log Z, {kind}",
                       legend=dict(orientation="h", y=1.15))


def posterior_bars_figure(states: list[str], exact: np.ndarray, product: np.ndarray) -> go.Figure:
    """p(h | v) by enumeration beside the product of sigmoids, one bar pair per hidden state."""
    fig = go.Figure([go.Bar(x=states, y=exact, name="p(h | v) by enumeration", marker_color=theme.ACCENT),
                     go.Bar(x=states, y=product, name="Π_j sigmoid(c_j + v·W_j)", marker_color=theme.MUTED)])
    return theme.style(fig, 320, barmode="group", xaxis=dict(title="hidden state h", type="category"),
                       yaxis_title="probability", legend=dict(orientation="h", y=1.15))
