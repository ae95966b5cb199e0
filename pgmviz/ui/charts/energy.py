"""Charts of the Energy and probability lesson: the machine as a graph, Q as a heat map, probability bars.

The page shows the ``*_svg`` charts (``pgmviz.ui.svg``, drawn on the server: no chart library for the
browser to load, bench/README.md's latecomer); the Plotly ``*_figure`` twins of the same data are built
only when a "Slides" download is clicked (``pgmviz.ui.figures`` redraws Plotly figures for slides). Each
Plotly figure is built in one ``go.Figure(data=[...], layout=...)`` call: adding traces and annotations
one at a time re-validates the figure each time.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.models import boltzmann as bm
from pgmviz.ui import svg
from pgmviz.ui.theme import BLUE, FONT, MUTED, RED

ZERO = "#bdbdbd"  # a weight of exactly zero: a dotted grey edge
INK = "#37474f"  # node outlines and the bias labels
LABEL = "#616161"  # the row names "hidden h", "visible v"
ORANGE = "#ff8f00"  # the W block of Q; the free-energy diamonds
LIGHT_ORANGE = "#ffb74d"  # the product of marginals


def unit_labels(n_v: int, n_h: int) -> list[str]:
    return [f"v{i + 1}" for i in range(n_v)] + [f"h{j + 1}" for j in range(n_h)]


def node_positions(n: int, y: float, span: int) -> list[tuple[float, float]]:
    """n nodes spread evenly over the width of the wider layer (span nodes), centred on 0."""
    xs = np.linspace(-(span - 1) / 2, (span - 1) / 2, n) if n > 1 else np.zeros(1)
    return [(float(x), y) for x in xs]


def edge_style(w: float) -> dict:
    """Red for W > 0, blue for W < 0 (as in every weight picture), thicker with |W|; dotted grey for 0."""
    if w == 0:
        return dict(color=ZERO, width=1, dash="dot")
    return dict(color=RED if w > 0 else BLUE, width=min(1.0 + 1.5 * abs(w), 14.0))


def arc(p0, p1, bulge: float, n: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """A quadratic Bezier from p0 to p1, bowed by ``bulge`` in y, so in-layer edges miss the nodes."""
    t = np.linspace(0, 1, n)
    ctrl = ((p0[0] + p1[0]) / 2, p0[1] + bulge * (1 + abs(p1[0] - p0[0])) / 2)
    x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * ctrl[0] + t**2 * p1[0]
    y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * ctrl[1] + t**2 * p1[1]
    return x, y


def model_figure(Q: np.ndarray, n_v: int, title: str) -> go.Figure:
    """The Boltzmann machine as a graph: v at the bottom, h on top, edges coloured by sign."""
    W, b, c, L_vv, L_hh = bm.split_qubo(Q, n_v)
    n_h = W.shape[1]
    span = max(n_v, n_h)
    pv, ph = node_positions(n_v, 0.0, span), node_positions(n_h, 1.0, span)
    traces, mid_x, mid_y, mid_text = [], [], [], []

    def add_edge(x, y, w, text, at: float = 0.5):
        traces.append(dict(type="scatter", x=x, y=y, mode="lines", line=edge_style(w), hoverinfo="skip"))
        k = int(round(at * (len(x) - 1)))  # the hover target sits this far along the edge
        mid_x.append(x[k])
        mid_y.append(y[k])
        mid_text.append(f"{text} = {w:+.1f}")

    t = np.linspace(0.0, 1.0, 21)
    for i in range(n_v):
        for j in range(n_h):
            add_edge(pv[i][0] + t * (ph[j][0] - pv[i][0]), t, W[i, j], f"W{i + 1}{j + 1}", at=0.3)
    for j in range(n_h):
        for k in range(j + 1, n_h):
            if L_hh[j, k]:
                add_edge(*arc(ph[j], ph[k], 0.35), L_hh[j, k], f"L(h{j + 1},h{k + 1})")
    for i in range(n_v):
        for k in range(i + 1, n_v):
            if L_vv[i, k]:
                add_edge(*arc(pv[i], pv[k], -0.35), L_vv[i, k], f"L(v{i + 1},v{k + 1})")

    # Invisible markers on the edges carry the weights as hover text. Printed labels collide as
    # soon as edges cross; the sliders and the matrix Q show the same numbers legibly.
    traces.append(dict(type="scatter", x=mid_x, y=mid_y, mode="markers", marker=dict(size=14, opacity=0),
                       hovertext=mid_text, hoverinfo="text"))
    node_size = float(np.clip(330 / (span + 1.5), 30, 54))  # px: shrink so a row of 6 does not touch
    bias = np.concatenate([b, c])
    cmax = max(1.0, float(np.abs(bias).max(initial=0)))
    xs = [p[0] for p in pv + ph]
    ys = [p[1] for p in pv + ph]
    names = unit_labels(n_v, n_h)
    bias_names = [f"b{i + 1}" for i in range(n_v)] + [f"c{j + 1}" for j in range(n_h)]
    traces.append(dict(
        type="scatter", x=xs, y=ys, mode="markers+text", text=names,
        textfont=dict(size=17, color=["white" if abs(x) > 0.55 * cmax else "black" for x in bias]),
        marker=dict(size=node_size, color=bias, colorscale="RdBu_r", cmin=-cmax, cmax=cmax,
                    line=dict(color=INK, width=2),
                    colorbar=dict(title=dict(text="bias", side="right"), thickness=14, len=0.8)),
        hovertext=[f"{n}: {bn} = {x:+.1f}" for n, bn, x in zip(names, bias_names, bias)], hoverinfo="text",
    ))
    # bias values beside the nodes, below the visible row and above the hidden row, on a white
    # patch so that in-layer coupling arcs passing behind do not make them unreadable
    notes = [dict(x=x, y=y - 0.34 if y == 0 else y + 0.34, text=f"{bn}={value:+.1f}", showarrow=False,
                  font=dict(size=13, color=INK), bgcolor="rgba(255,255,255,0.85)", borderpad=1)
             for x, y, bn, value in zip(xs, ys, bias_names, bias)]
    notes += [dict(x=row[0][0] - 0.55, y=y, text=text, showarrow=False, xanchor="right",
                   font=dict(size=15, color=LABEL))
              for row, y, text in ((ph, 1.0, "hidden h"), (pv, 0.0, "visible v"))]
    return go.Figure(data=traces, layout=dict(
        title=dict(text=title, font=dict(size=18)), showlegend=False, height=430, font=FONT,
        margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white", annotations=notes,
        xaxis=dict(visible=False, range=[-span / 2 - 1.3, span / 2 + 0.2]),
        yaxis=dict(visible=False, range=[-0.6, 1.6]),
    ))


def qubo_figure(Q: np.ndarray, n_v: int) -> go.Figure:
    """Q as a heat map, lower triangle blank; the diagonal (biases) and W block outlined."""
    N = Q.shape[0]
    labels = unit_labels(n_v, N - n_v)
    Z = np.where(np.tril(np.ones((N, N)), -1) == 1, np.nan, Q)
    text = [["" if np.isnan(z) else f"{z:.1f}" for z in row] for row in Z]
    zmax = max(1.0, float(np.abs(Q).max()))
    shapes = [dict(type="rect", x0=k - 0.5, x1=k + 0.5, y0=k - 0.5, y1=k + 0.5, line=dict(color="black", width=3))
              for k in range(N)]  # the diagonal: biases
    if 0 < n_v < N:  # the visible-hidden block: W
        shapes.append(dict(type="rect", x0=n_v - 0.5, x1=N - 0.5, y0=-0.5, y1=n_v - 0.5,
                           line=dict(color=ORANGE, width=3, dash="dash")))
    heat = dict(type="heatmap", z=Z, x=labels, y=labels, text=text, texttemplate="%{text}", textfont=dict(size=15),
                colorscale="RdBu_r", zmin=-zmax, zmax=zmax, xgap=2, ygap=2, hoverongaps=False,
                hovertemplate="Q[%{y}, %{x}] = %{z:.2f}<extra></extra>", colorbar=dict(thickness=14))
    return go.Figure(data=[heat], layout=dict(
        height=90 + 48 * N, font=FONT, margin=dict(l=10, r=10, t=30, b=10), shapes=shapes,
        xaxis=dict(side="top", tickfont=dict(size=16)),
        yaxis=dict(autorange="reversed", tickfont=dict(size=16), scaleanchor="x"),
    ))


def _bars(traces: list[dict], xtitle: str, ytitle: str, height: int = 380, **layout) -> go.Figure:
    """The probability bar charts' shared layout: categories on x, probabilities from zero."""
    return go.Figure(data=traces, layout=dict(
        height=height, font=FONT, margin=dict(l=10, r=10, t=30, b=10), bargap=0.15,
        xaxis=dict(title=xtitle, type="category"), yaxis=dict(title=ytitle, rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), **layout,
    ))


def joint_figure(v_labels: list[str], h_labels: list[str], p: np.ndarray, E: np.ndarray) -> go.Figure:
    """p(v,h) for every joint state, each bar coloured by its energy."""
    return _bars([dict(
        type="bar", x=[f"{v}|{h}" for v, h in zip(v_labels, h_labels)], y=p, name="p(v,h)",
        marker=dict(color=E, colorscale="Viridis", colorbar=dict(title="E", thickness=14)),
        hovertemplate="v|h = %{x}<br>p = %{y:.5f}<extra></extra>",
    )], "joint state v|h", "p(v,h)")


def marginal_figure(vis_labels: list[str], p: np.ndarray, p_from_F: np.ndarray) -> go.Figure:
    """p(v) twice: the table summed over h (bars) and exp(−F(v))/Z (diamonds)."""
    return _bars([
        dict(type="bar", x=vis_labels, y=p, name="Σ_h p(v,h) (sum of the table)", marker_color=MUTED),
        dict(type="scatter", x=vis_labels, y=p_from_F, name="exp(−F(v))/Z (free energy)", mode="markers",
             marker=dict(symbol="diamond", size=12, color=ORANGE, line=dict(color="black", width=1))),
    ], "visible state v", "p(v)")


def conditional_figure(hid_labels: list[str], p_h: np.ndarray, q_h: np.ndarray) -> go.Figure:
    """The exact p(h|v) beside the product of its one-unit marginals."""
    return _bars([
        dict(type="bar", x=hid_labels, y=p_h, name="p(h|v), exact", marker_color=MUTED),
        dict(type="bar", x=hid_labels, y=q_h, name="Π_j p(h_j|v), product of marginals", marker_color=LIGHT_ORANGE),
    ], "hidden state h", "probability", height=360, barmode="group")



# --- the same charts as SVG (what the page shows) ---------------------------------------------------
def model_svg(Q: np.ndarray, n_v: int, title: str) -> str:
    """The Boltzmann machine as a graph (as ``model_figure``): each edge's and node's value in its tooltip."""
    W, b, c, L_vv, L_hh = bm.split_qubo(Q, n_v)
    n_h = W.shape[1]
    span = max(n_v, n_h)
    pv, ph = node_positions(n_v, 0.0, span), node_positions(n_h, 1.0, span)
    edges = []

    def add_edge(points, w, name):
        style = edge_style(w)
        edges.append(svg.Edge(points, style["color"], style["width"], f"{name} = {svg.num(w, '+.1f')}",
                              dashed=w == 0, value=float(w)))

    for i in range(n_v):
        for j in range(n_h):
            add_edge([pv[i], ph[j]], W[i, j], f"W{i + 1}{j + 1}")
    for j in range(n_h):
        for k in range(j + 1, n_h):
            if L_hh[j, k]:
                add_edge(list(zip(*arc(ph[j], ph[k], 0.35))), L_hh[j, k], f"L(h{j + 1},h{k + 1})")
    for i in range(n_v):
        for k in range(i + 1, n_v):
            if L_vv[i, k]:
                add_edge(list(zip(*arc(pv[i], pv[k], -0.35))), L_vv[i, k], f"L(v{i + 1},v{k + 1})")
    bias = np.concatenate([b, c])
    cmax = max(1.0, float(np.abs(bias[np.isfinite(bias)]).max(initial=0)))
    names = unit_labels(n_v, n_h)
    bias_names = [f"b{i + 1}" for i in range(n_v)] + [f"c{j + 1}" for j in range(n_h)]
    nodes = [svg.Node(x, y, name, svg.colour_at(svg.RDBU_R, (value + cmax) / (2 * cmax)),
                      f"{name}: {bn} = {svg.num(value, '+.1f')}", note=f"{bn}={svg.num(value, '+.1f')}",
                      note_dy=-0.34 if y == 0 else 0.34)
             for (x, y), name, bn, value in zip(pv + ph, names, bias_names, bias)]
    rows = [(row[0][0] - 0.55, y, label) for row, y, label in ((ph, 1.0, "hidden h"), (pv, 0.0, "visible v"))]
    return svg.graph(nodes, edges, xrange=(-span / 2 - 1.3, span / 2 + 0.2), yrange=(-0.6, 1.6), height=430,
                     node_px=float(np.clip(330 / (span + 1.5), 30, 54)), title=title, row_labels=rows,
                     colourbar=(svg.RDBU_R, -cmax, cmax, "bias"))


def qubo_svg(Q: np.ndarray, n_v: int) -> str:
    """Q as a heat map (as ``qubo_figure``): lower triangle blank, the diagonal (biases) and W block outlined."""
    N = Q.shape[0]
    labels = unit_labels(n_v, N - n_v)
    Z = np.where(np.tril(np.ones((N, N)), -1) == 1, np.nan, Q)
    finite = np.abs(Q[np.isfinite(Q)])
    zmax = max(1.0, float(finite.max(initial=0)))
    boxes = [(k, k, k + 1, k + 1, "currentColor", False) for k in range(N)]  # black, or white when dark
    if 0 < n_v < N:
        boxes.append((0, n_v, n_v, N, ORANGE, True))
    return svg.heatmap(Z, labels, lo=-zmax, hi=zmax, boxes=boxes, title="Q, the QUBO matrix",
                       cell_text=[["" if np.isnan(z) else svg.num(z, ".1f") for z in row] for row in Z],
                       hover=[[f"Q[{labels[i]}, {labels[j]}] = {svg.num(Z[i, j], '.2f')}" for j in range(N)]
                              for i in range(N)])


def joint_svg(v_labels: list[str], h_labels: list[str], p: np.ndarray, E: np.ndarray) -> str:
    """p(v,h) for every joint state, each bar coloured by its energy (Viridis, as ``joint_figure``)."""
    E = np.asarray(E, dtype=float)
    finite = E[np.isfinite(E)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    scale = (lambda e: (e - lo) / (hi - lo)) if hi > lo else (lambda e: 0.5)
    states = [f"{v}|{h}" for v, h in zip(v_labels, h_labels)]
    bars = svg.Series("p(v,h)", p, colour=[svg.colour_at(svg.VIRIDIS, scale(e)) for e in E],
                      hover=[f"v|h = {x}\np = {svg.num(q, '.5f')}\nE = {svg.num(e, '.3f')}"
                             for x, q, e in zip(states, p, E)])
    return svg.bar_chart(states, [bars], xtitle="joint state v|h", ytitle="p(v,h)", title=None,
                         colourbar=(svg.VIRIDIS, lo, hi, "E"))


def marginal_svg(vis_labels: list[str], p: np.ndarray, p_from_F: np.ndarray) -> str:
    """p(v) twice (as ``marginal_figure``): the table summed over h (bars) and exp(−F(v))/Z (diamonds)."""
    return svg.bar_chart(vis_labels, [
        svg.Series("Σ_h p(v,h) (sum of the table)", p, colour=MUTED),
        svg.Series("exp(−F(v))/Z (free energy)", p_from_F, colour=ORANGE, kind="diamond"),
    ], xtitle="visible state v", ytitle="p(v)")


def conditional_svg(hid_labels: list[str], p_h: np.ndarray, q_h: np.ndarray) -> str:
    """The exact p(h|v) beside the product of its one-unit marginals (grouped bars, as ``conditional_figure``)."""
    return svg.bar_chart(hid_labels, [
        svg.Series("p(h|v), exact", p_h, colour=MUTED),
        svg.Series("Π_j p(h_j|v), product of marginals", q_h, colour=LIGHT_ORANGE),
    ], xtitle="hidden state h", ytitle="probability", height=360)
