"""Charts of the hybrid (CRF) lesson: glyph strips, transition matrices, the chain's graph, the curves, the marginals.

Pure functions from the task's arrays and the trainers' histories to a ``go.Figure`` or a DOT string; no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pgmviz.models import crf_data as cd
from pgmviz.ui.theme import ACCENT, GREY, MUTED, static_style, style
from pgmviz.viz import tile

CRF_C, NET_C = ACCENT, MUTED  # the CRF in amber, the net alone in indigo, references grey


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


def matrix_figure(M: np.ndarray, title: str, fmt: str, zmid: float | None = None, height: int = 300,
                  lim: float | None = None) -> go.Figure:
    """A K x K matrix over the glyphs (rows y_t, columns y_t+1), each entry printed; ``lim``: a symmetric scale."""
    names = list(cd.NAMES)
    fig = go.Figure(go.Heatmap(z=M, x=names, y=names, colorscale="RdBu_r" if zmid is not None else "Blues",
                               zmid=zmid, showscale=False, text=[[format(v, fmt) for v in row] for row in M],
                               texttemplate="%{text}", textfont=dict(size=16), xgap=2, ygap=2, hoverinfo="skip"))
    if lim is not None:
        fig.update_traces(zmin=-lim, zmax=lim)
    fig.update_yaxes(autorange="reversed", title="from y_t", tickfont=dict(size=18))
    fig.update_xaxes(title="to y_t+1", tickfont=dict(size=18))
    return style(fig, height, title, margin=dict(l=10, r=10, t=50, b=10))


def worth_figure(noises: list[float], w: dict[str, np.ndarray], gains: np.ndarray, noise: float) -> go.Figure:
    """The true model's held-out accuracy at every noise level, with and without the transitions, and the gain."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("held-out accuracy of the true model", "what the transitions add (points)"))
    for key, name, dash in (("hmm_accuracy", "with the transitions (generating HMM)", "solid"),
                            ("per_position_accuracy", "one position at a time", "dot")):
        fig.add_scatter(x=noises, y=100 * w[key], name=name, mode="lines+markers", line=dict(color=GREY, dash=dash),
                        row=1, col=1)
    fig.add_bar(x=noises, y=gains, marker_color=[CRF_C if q == noise else GREY for q in noises],
                name="gain", showlegend=False, row=1, col=2)
    fig.update_xaxes(title_text="pixel noise")
    return style(fig, 320, legend=dict(orientation="h", y=-0.3))


def chain_dot(length: int = 4) -> str:
    """The hybrid as a graph: observed x_t (blue), the net's unary factor per position, transitions A between labels."""
    chain = "\n".join(
        f'x{t} [label="x{t}", shape=circle, style=filled, fillcolor="#90caf9"];'
        f' u{t} [label="net", shape=box, style="filled,rounded", fillcolor="#fff3cd"];'
        f' y{t} [label="y{t}", shape=circle];  x{t} -> u{t} [penwidth=2]; u{t} -> y{t} [dir=none, penwidth=2];'
        for t in range(1, length + 1))
    pairs = "\n".join(f'a{t} [label="A", shape=square, width=0.35, fixedsize=true, style=filled, fillcolor="#e0e0e0"];'
                      f' y{t} -> a{t} -> y{t + 1} [dir=none]; {{rank=same; y{t}; a{t}; y{t + 1}}}'
                      for t in range(1, length))
    same = " ".join(f"{{rank=same; {'; '.join(f'{n}{t}' for t in range(1, length + 1))}}}" for n in "xu")
    return f"""digraph {{
  rankdir=TB; bgcolor="transparent"; nodesep=0.35; ranksep=0.45;
  node [fontname="Helvetica", fontsize=18, width=0.55, fixedsize=true]; edge [color="#37474f"];
  {chain}
  {pairs}
  {same}
}}"""


def curves_figure(h_c: list[dict], h_n: list[dict], ref: dict, n_epochs: int) -> go.Figure:
    """Held-out accuracy and log-likelihood per epoch of the CRF and the net alone, the true model's as lines."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("held-out accuracy", "held-out log p(y | x) per position (nats)"))
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


def marginals_figure(mu_net: np.ndarray, mu_crf: np.ndarray, y: np.ndarray) -> go.Figure:
    """Per position, the net's softmax and the CRF's forward-backward marginals, the true labels circled."""
    T = len(y)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("net alone: softmax(U_t)", "CRF: marginals p(y_t | x) by forward-backward"))
    for r_, mu in ((1, mu_net), (2, mu_crf)):
        fig.add_heatmap(z=mu.T, x=list(range(1, T + 1)), y=list(cd.NAMES), zmin=0, zmax=1, colorscale="Greys",
                        showscale=r_ == 1, row=r_, col=1, hovertemplate="t=%{x}, %{y}: %{z:.3f}<extra></extra>")
        fig.add_scatter(x=list(range(1, T + 1)), y=[cd.NAMES[k] for k in y], mode="markers", showlegend=r_ == 1,
                        name="true label", marker=dict(color=ACCENT, size=9, symbol="circle-open", line=dict(width=3)),
                        row=r_, col=1)
    return static_style(fig, 380, legend=dict(orientation="h", y=-0.15))
