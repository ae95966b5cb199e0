"""Pictures and charts of the Generate and recognise lesson: digits, p(y | v) bars, the label units' heat map,
the confusion matrix. Pure functions from the net's numbers to an image array or a ``go.Figure``."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.ui.theme import ACCENT, MUTED
from pgmviz.viz import to_uint8, upscale


def picture(x: np.ndarray, px: int = 196) -> np.ndarray:
    """A 784-pixel digit as a px-wide grey picture."""
    return upscale(to_uint8(np.asarray(x).reshape(28, 28)), max(1, px // 28))


def label_bars_figure(p: np.ndarray, title: str, height: int = 260) -> go.Figure:
    """p(y | v) per label, the most probable in amber."""
    k = int(np.argmax(p))
    fig = go.Figure(go.Bar(x=[str(i) for i in range(len(p))], y=p, text=[f"{x:.2f}" for x in p],
                           textposition="outside", marker_color=[ACCENT if i == k else MUTED for i in range(len(p))]))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=15), title=title,
                      xaxis=dict(type="category", title="label y"), yaxis=dict(range=[0, 1.15], title="p(y | v)"))
    return fig


def label_heat_figure(p_y: np.ndarray, steps: list[int]) -> go.Figure:
    """One chain's label distribution p(y | h_top) (n_frames, K) at each frame."""
    K = p_y.shape[1]
    fig = go.Figure(go.Heatmap(z=p_y.T, x=[f"{s}" for s in steps], y=[str(k) for k in range(K)],
                               colorscale="Viridis", zmin=0, zmax=1, colorbar=dict(title="p(y)")))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=14),
                      title="Chain 1: the label units' distribution at each frame",
                      xaxis=dict(type="category", title="Gibbs step"), yaxis=dict(type="category", title="label y"))
    return fig


def confusion_figure(conf: np.ndarray) -> go.Figure:
    """The confusion matrix, counts printed, true digit down, recognised as across."""
    K = conf.shape[0]
    fig = go.Figure(go.Heatmap(z=conf, x=[str(k) for k in range(K)], y=[str(k) for k in range(K)],
                               colorscale="Blues", text=conf, texttemplate="%{text}", showscale=False))
    fig.update_layout(height=430, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=14),
                      title="Confusion matrix of the held-out digits",
                      xaxis=dict(type="category", title="recognised as"),
                      yaxis=dict(type="category", title="true digit", autorange="reversed"))
    return fig
