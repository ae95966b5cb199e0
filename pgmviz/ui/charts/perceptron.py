"""Charts of the perceptron lesson: the input plane with a unit's or a network's boundary, training
curves, and the computation graph in DOT (drawn by `pgmviz.ui.graphs.graphviz_chart`)."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from pgmviz.nets import comp_graph, mlp, single_unit
from pgmviz.ui.theme import BLUE, RED, TITLE_FONT  # target 1 blue, target 0 red, as on every page

FWD, BACK = "#1565c0", "#c62828"  # forward values blue, gradients red, in the graph
FONT = dict(size=16)
PLOT_HEIGHT = 520  # px: the square planes fill about half the width of a projected page
GRAPH_FONT = 18  # the computation graph's one font size (pgmviz.ui.graphs keeps it readable when projected)


def _plane_layout(fig: go.Figure, title: str, height: int = PLOT_HEIGHT) -> go.Figure:
    lo, hi = mlp.GRID_RANGE
    fig.update_layout(
        title=dict(text=title, font=TITLE_FONT), height=height, font=FONT, showlegend=False,
        margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white",
        xaxis=dict(title="x₁", range=[lo, hi], dtick=0.5, zeroline=False, showgrid=False, constrain="domain"),
        yaxis=dict(title="x₂", range=[lo, hi], dtick=0.5, zeroline=False, showgrid=False,
                   scaleanchor="x", constrain="domain"),
    )
    return fig


def _add_points(fig: go.Figure, t: np.ndarray, predicted: np.ndarray) -> None:
    """The four inputs: blue = target 1, red = target 0; a black ring marks a wrong answer."""
    X = mlp.X_BOOL
    wrong = predicted != t
    fig.add_scatter(
        x=X[:, 0], y=X[:, 1], mode="markers+text", text=[f"t={int(v)}" for v in t], textposition="top center",
        textfont=dict(size=16, color="#212121"), hoverinfo="skip",
        marker=dict(size=26, color=[BLUE if v else RED for v in t],
                    line=dict(color=["black" if w else "white" for w in wrong], width=[5 if w else 2 for w in wrong])),
    )


def _shade(fig: go.Figure, axis: np.ndarray, O: np.ndarray) -> None:
    """The unit's output over the plane as a light background: red near 0, white at 0.5, blue near 1."""
    fig.add_heatmap(x=axis, y=axis, z=O, zmin=0, zmax=1, showscale=False, hoverinfo="skip",
                    colorscale=[[0, "#f4c7c3"], [0.5, "#ffffff"], [1, "#c6dbef"]])


def _line_through_plane(w1: float, w2: float, theta: float) -> tuple[list[float], list[float]] | None:
    """Points of w1 x1 + w2 x2 = theta at the edges of the plotted square (None if w = 0)."""
    lo, hi = mlp.GRID_RANGE
    if abs(w2) > abs(w1) and abs(w2) > 1e-12:
        xs = [lo, hi]
        return xs, [(theta - w1 * x) / w2 for x in xs]
    if abs(w1) > 1e-12:
        ys = [lo, hi]
        return [(theta - w2 * y) / w1 for y in ys], ys
    return None


def unit_figure(run: single_unit.UnitRun, k: int, axis: np.ndarray, O: np.ndarray) -> go.Figure:
    """The single unit's plane at recorded row k: its output O over the grid, its line, the four inputs."""
    w1, w2 = run.w[k]
    theta = run.theta[k]
    fig = go.Figure()
    _shade(fig, axis, O)
    line = _line_through_plane(w1, w2, theta)
    if line is not None:
        fig.add_scatter(x=line[0], y=line[1], mode="lines", line=dict(color="#212121", width=4), hoverinfo="skip")
    _, t = mlp.boolean_task(run.task)
    _add_points(fig, t, (run.outputs(k) >= 0.5).astype(float))
    title = f"{run.task}, epoch {run.epochs[k]}: the line w₁x₁ + w₂x₂ = θ"
    return _plane_layout(fig, title)


def curve_figure(x: np.ndarray, y: np.ndarray, cursor: float, ytitle: str, floor: float | None = None,
                 floor_text: str = "", log_y: bool = False, height: int = PLOT_HEIGHT) -> go.Figure:
    """A training curve against the epoch, a cursor at the shown epoch and an optional dashed floor."""
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", line=dict(color="#37474f", width=3), hoverinfo="x+y",
                               line_shape="hv" if ytitle.startswith("inputs") else "linear"))
    if floor is not None:
        fig.add_hline(y=floor, line=dict(color="#ff8f00", width=3, dash="dash"), annotation_text=floor_text,
                      annotation_font=dict(size=15, color="#e65100"), annotation_position="top right")
    fig.add_vline(x=cursor, line=dict(color="#ffb000", width=3))
    fig.update_layout(height=height, font=FONT, margin=dict(l=10, r=10, t=50, b=10), showlegend=False,
                      plot_bgcolor="white", xaxis=dict(title="epoch", gridcolor="#eeeeee"),
                      yaxis=dict(title=ytitle, gridcolor="#eeeeee", type="log" if log_y else "linear",
                                 rangemode="tozero", dtick=1 if log_y else None))
    return fig


def net_figure(settings: mlp.MLPSettings, params: mlp.MLPParams, epoch: int, axis: np.ndarray,
               O: np.ndarray) -> go.Figure:
    """The 2-H-1 network's plane: its output O over the grid, the boundary o = 0.5, each hidden unit's line."""
    fig = go.Figure()
    _shade(fig, axis, O)
    fig.add_contour(x=axis, y=axis, z=O, showscale=False, contours=dict(start=0.5, end=0.5, coloring="none"),
                    line=dict(color="#212121", width=4), hoverinfo="skip")
    for j in range(params.n_hidden):  # each hidden unit's own line a_j = 0
        line = _line_through_plane(params.W1[0, j], params.W1[1, j], -params.b1[j])
        if line is not None:
            fig.add_scatter(x=line[0], y=line[1], mode="lines", hoverinfo="skip",
                            line=dict(color="#7e57c2", width=2, dash="dash"))
    X, t = mlp.boolean_task(settings.task)
    _add_points(fig, t, (mlp.forward(params, X, settings.act).o >= 0.5).astype(float))
    return _plane_layout(fig, f"{settings.task}, epoch {epoch}: where o(x) = 0.5")


def _fmt(x: float) -> str:
    """A gradient: 3 decimals, or 2 significant digits when tiny."""
    return f"{x:+.3f}" if abs(x) >= 1e-3 or x == 0 else f"{x:+.1e}"


def graph_dot(G: comp_graph.CompGraph) -> str:
    """The computation graph in DOT: nodes show value and gradient, edges what flows each way."""
    shapes = {"input": "box", "one": "box", "sum": "circle", "act": "circle", "loss": "doublecircle"}
    lines = ['digraph G {', 'rankdir=LR; nodesep=0.2; ranksep=0.7; bgcolor="transparent"; newrank=true;',
             f'node [fontname="Helvetica", fontsize={GRAPH_FONT}, style=filled, fillcolor="#fafafa", color="#546e7a", '
             'penwidth=2, margin=0.04];',
             f'edge [fontname="Helvetica", fontsize={GRAPH_FONT}, color="#90a4ae", penwidth=1.6, arrowsize=0.8];']

    def text(s: str, colour: str = "#212121", bold: bool = False) -> str:
        s = f"<b>{html.escape(s)}</b>" if bold else html.escape(s)
        return f'<font color="{colour}">{s}</font>'

    for n in G.nodes:
        label = f"<{text(n.name, bold=True)}<br/>{text(f'{n.value:+.3f}', FWD)}<br/>{text(_fmt(n.grad), BACK)}>"
        fill = "#eceff1" if n.kind == "one" else ("#fff3e0" if n.kind == "loss" else "#fafafa")
        lines.append(f'"{n.name}" [label={label}, shape={shapes[n.kind]}, fillcolor="{fill}"];')
    for e in G.edges:
        if e.param is not None:
            label = (f"<{text(f'{e.param} = {e.weight:+.2f}', )}<br/>{text(f'→ {e.forward:+.3f}', FWD)}"
                     f"<br/>{text(f'∂L/∂w {_fmt(e.param_grad)}', BACK)}>")
        else:
            label = f"<{text(f'→ {e.forward:+.3f}', FWD)}<br/>{text(f'← {_fmt(e.back)}', BACK)}>"
        lines.append(f'"{e.src}" -> "{e.dst}" [label={label}];')
    # each layer in one column, top to bottom in the order of the nodes (invisible edges keep it)
    for layer in range(6):
        names = [f'"{n.name}"' for n in G.nodes if n.layer == layer]
        chain = " -> ".join(names) + " [style=invis]" if len(names) > 1 else ""
        lines.append(f"{{rank=same; {' '.join(names)}; {chain}}}")
    lines.append("}")
    return "\n".join(lines)
