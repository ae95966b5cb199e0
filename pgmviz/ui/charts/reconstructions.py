"""Pictures and charts of the Reconstructions lesson: images and hidden units, p(h|v) bars, drift, class errors.

Pure functions from the library's numbers (``pgmviz.evaluation.recon``) to an image array or a ``go.Figure``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.evaluation import recon
from pgmviz.ui.theme import ACCENT, MUTED
from pgmviz.viz import to_uint8, upscale

IMG_PX = 240  # on-screen size of the big images (upscaled with np.kron: crisp when projected)
AMBER, OFF, PAD = np.array([255, 179, 0]), np.array([24, 26, 34]), np.array([150, 150, 150])


def picture(x: np.ndarray, shape: tuple[int, int], px: int = IMG_PX) -> np.ndarray:
    """A visible vector in [0, 1] as a crisp grey uint8 image about ``px`` pixels wide."""
    return upscale(to_uint8(np.asarray(x).reshape(shape)), max(1, px // shape[1]))


def hidden_picture(values: np.ndarray, px: int = IMG_PX) -> np.ndarray:
    """Hidden units as a grid of squares: amber = on (p = 1), dark = off, grey = no unit."""
    grid = recon.hidden_grid(values)  # (rows, cols), NaN where there is no unit
    k = max(4, px // grid.shape[1])
    t = np.nan_to_num(grid, nan=0.0)[..., None]
    rgb = OFF + t * (AMBER - OFF)
    rgb[np.isnan(grid)] = PAD
    img = upscale(rgb.round().astype(np.uint8), k)
    img[k - 1 :: k, :] = 0  # a dark line between units, so each one reads as a square
    img[:, k - 1 :: k] = 0
    return img


def hidden_bars_figure(p_h: np.ndarray, h: np.ndarray) -> go.Figure:
    """p(h_j = 1 | v) per hidden unit, a marker above each unit sampled on."""
    j = np.arange(1, p_h.size + 1)
    fig = go.Figure([
        go.Bar(x=j, y=p_h, name="p(hⱼ = 1 | v)", marker_color=MUTED),
        go.Scatter(x=j[h > 0], y=np.full(int(h.sum()), 1.06), mode="markers", name="sampled hⱼ = 1",
                   marker=dict(color=ACCENT, size=9, symbol="triangle-down", line=dict(width=1, color="black"))),
    ])
    fig.update_layout(height=230, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=15), bargap=0.1,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                      xaxis_title="hidden unit j", yaxis=dict(range=[0, 1.12], title="probability"))
    return fig


def drift_figure(squared_errors: np.ndarray) -> go.Figure:
    """Σᵢ (vᵢ − p(vᵢ|hₜ))² per round t: how far the chain drifts from the starting image."""
    fig = go.Figure(go.Scatter(x=np.arange(1, len(squared_errors) + 1), y=squared_errors, mode="lines+markers",
                               line=dict(color=ACCENT, width=3)))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=15),
                      title="distance from the starting image, Σᵢ (vᵢ − p(vᵢ|hₜ))²",
                      xaxis_title="round t", yaxis_title="squared error", yaxis_rangemode="tozero")
    return fig


def class_errors_figure(names: list[str], values: np.ndarray, trained: list[bool], n_images: int) -> go.Figure:
    """Held-out reconstruction error per class, the classes the model was trained on in amber."""
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=[ACCENT if t else MUTED for t in trained],
                           text=[f"{x:.3f}" for x in values], textposition="outside"))
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=16),
                      title=f"Reconstruction error of held-out images ({n_images:,}) by class",
                      xaxis=dict(type="category", title="digit class" if len(names) > 1 else ""), yaxis_title="error",
                      yaxis_range=[0, 1.15 * float(values.max())])
    return fig
