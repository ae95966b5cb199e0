"""Pictures and charts of the Greedy stacking lesson: filter grids, hidden-activity heat maps, and the
variational bound of the small two-layer model against RBM 2's updates."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz import viz
from pgmviz.ui.theme import ACCENT, ALERT, FONT, GREEN, MUTED

HEAT_OFF, HEAT_ON = np.array([20, 22, 30]), np.array([255, 179, 0])  # dark = p near 0, amber = p near 1


def filter_picture(F: np.ndarray, shape: tuple[int, int], width: int = 560, max_filters: int = 100) -> np.ndarray:
    """The columns of F (n_v, n_units) as a near-square grid of images about ``width`` pixels wide; uint8 RGB."""
    n = min(F.shape[1], max_filters)
    n_cols = int(np.ceil(np.sqrt(n)))
    scale = max(1, width // (n_cols * (shape[1] + 1)))
    return viz.filter_grid(F, shape, n_cols=n_cols, scale=scale, max_filters=max_filters)


def heat_picture(P_h: np.ndarray, width: int = 520) -> np.ndarray:
    """Rows = images, columns = hidden units, amber = p near 1, dark = near 0; uint8 RGB."""
    rgb = (HEAT_OFF + P_h[..., None] * (HEAT_ON - HEAT_OFF)).round().astype(np.uint8)
    return viz.upscale(rgb, max(2, width // P_h.shape[1]))


def bound_figure(steps: list, history: list[dict], exact_steps: list, exact_history: list[dict], ceiling: float,
                 n_images: int) -> go.Figure:
    """log p(v) of one RBM and of the DBN, the bound with RBM 2 by PCD and by the exact gradient, its ceiling,
    and -log n_images, the best any model of n_images equally likely images can do."""
    series = [("log_p_rbm1", "log p(v), one RBM", MUTED, "dash", 3),
              ("log_p_dbn", "log p(v), two-layer DBN, RBM 2 by PCD (exact)", GREEN, "solid", 7),
              ("bound", "variational bound, RBM 2 by PCD", ACCENT, "solid", 3)]
    fig = go.Figure([go.Scatter(x=steps, y=[h[k] for h in history], name=name, mode="lines",
                                line=dict(color=colour, width=width, dash=dash))
                     for k, name, colour, dash, width in series])
    fig.add_scatter(x=exact_steps, y=[h["bound"] for h in exact_history], mode="lines",
                    name="variational bound, RBM 2 by the exact gradient", line=dict(color=ALERT, width=3))
    fig.add_hline(y=ceiling, line=dict(color=ALERT, width=1, dash="dot"),
                  annotation_text="ceiling for this W₁: p₂ = aggregated posterior", annotation_position="top left")
    fig.add_hline(y=-np.log(n_images), line=dict(color="#999", width=1),
                  annotation_text=f"best possible: −log {n_images}", annotation_position="bottom right")
    fig.update_layout(height=400, margin=dict(l=10, r=10, t=50, b=10), font=FONT,
                      xaxis_title="updates of RBM 2", yaxis_title=f"mean over the {n_images} images, nats",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig
