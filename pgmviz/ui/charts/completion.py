"""Pictures and charts of the Inference with evidence lesson: digits and evidence, error and TV curves, bars.

Pure functions from the library's numbers (``pgmviz.inference.completion``'s runs and errors,
``completion_studies.patch_study``, ``label_completion``) to an image array or a ``go.Figure``; no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.ui import theme
from pgmviz.viz import to_uint8, upscale

SHAPE = (28, 28)
HIDDEN_RGB = np.array([92, 107, 192])  # theme.MUTED: a pixel the model does not see
IMG_PX = 224


def picture(x: np.ndarray, px: int = IMG_PX) -> np.ndarray:
    """A 784-pixel image as a px-wide grey picture."""
    return upscale(to_uint8(np.asarray(x).reshape(SHAPE)), max(1, px // SHAPE[1]))


def evidence_picture(x: np.ndarray, observed: np.ndarray, px: int = IMG_PX) -> np.ndarray:
    """What the model is told: seen pixels in grey, unseen ones in indigo."""
    grey = to_uint8(x)[:, None].repeat(3, axis=1).astype(np.uint8)
    grey[~observed] = HIDDEN_RGB
    return upscale(grey.reshape(*SHAPE, 3), max(1, px // SHAPE[1]))


def error_figure(squared: np.ndarray, averaged: np.ndarray | None, unit: str, step_word: str) -> go.Figure:
    """The completion's squared error per step (and that of the average of steps 1..t, for Gibbs)."""
    n = len(squared) - 1
    fig = go.Figure(go.Scatter(x=np.arange(n + 1), y=squared, name="this step's completion",
                               line=dict(color=theme.ACCENT, width=3)))
    if averaged is not None:
        fig.add_trace(go.Scatter(x=np.arange(1, n + 1), y=averaged[1:], name="average of steps 1..t",
                                 line=dict(color=theme.MUTED, width=3)))
    return theme.style(fig, 300, f"Error of the completion against the true digit, per {unit}",
                       xaxis_title=step_word, yaxis_title="squared error", yaxis_rangemode="tozero",
                       legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0.5))


def tv_figure(tv: np.ndarray, tv_mean_field: float) -> go.Figure:
    """TV of the sampled conditional from the exact one per Gibbs step, mean field's as a line."""
    fig = go.Figure(go.Scatter(x=np.arange(1, tv.size + 1), y=tv, line=dict(color=theme.ACCENT, width=3),
                               name="block Gibbs"))
    fig.add_hline(y=tv_mean_field, line=dict(color=theme.MUTED, dash="dash"), annotation_text="mean field")
    return theme.style(fig, 320, "Total variation from the exact conditional", xaxis_type="log",
                       xaxis_title="Gibbs steps", yaxis_title="TV", yaxis_rangemode="tozero")


def top_states_figure(states: np.ndarray, exact: np.ndarray, sampled: np.ndarray, shown: int = 8) -> go.Figure:
    """The ``shown`` most probable completions of the patch, exact beside sampled."""
    top = np.argsort(exact)[::-1][:shown]
    names = ["".join(str(int(b)) for b in states[i]) for i in top]
    fig = go.Figure([go.Bar(x=names, y=exact[top], name="exact", marker_color=theme.MUTED),
                     go.Bar(x=names, y=sampled[top], name="sampled", marker_color=theme.ACCENT)])
    return theme.style(fig, 320, "The most probable completions (pixels row by row)", xaxis_type="category",
                       yaxis_title="p(v_patch | seen)", legend=dict(orientation="h", y=1.0, yanchor="bottom"))


def label_figure(exact: np.ndarray, estimate: np.ndarray, what: str) -> go.Figure:
    """p(y | image): the exact softmax of the label free energies beside the Gibbs estimate."""
    labels = [str(i) for i in range(len(exact))]
    fig = go.Figure([go.Bar(x=labels, y=exact, name="exact: softmax(−F([x, e_y]))", marker_color=theme.MUTED),
                     go.Bar(x=labels, y=estimate, name="Gibbs, 10 chains x 200 steps", marker_color=theme.ACCENT)])
    return theme.style(fig, 300, f"p(y | {what})", xaxis_type="category", yaxis_range=[0, 1.05],
                       legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right"))
