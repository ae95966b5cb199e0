"""Charts of the Deep autoencoder lesson: pretraining and fine-tuning curves, error by code size, code maps,
the logistic and Gaussian units' bowls, and a GRBM's samples of the two-blob toy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.ui.theme import ACCENT, CLASS_COLOURS, LIGHT_GREY, MUTED, style

DATA_INK = "#263238"  # the toy's data points, dark over the amber samples
LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.18)


def pretraining_figure(log: list, sizes: list[int]) -> go.Figure:
    """Each RBM's squared reconstruction error per row after each epoch; ``log`` rows (layer, epoch, error)."""
    rows = np.array(log, dtype=np.float64).reshape(-1, 3)
    traces = []
    for k in np.unique(rows[:, 0]).astype(int):
        mine = rows[rows[:, 0] == k]
        traces.append(go.Scatter(x=mine[:, 1], y=mine[:, 2], mode="lines+markers",
                                 name=f"RBM {k + 1}: {sizes[k]} → {sizes[k + 1]}"))
    return style(go.Figure(traces), 320, "Pretraining: each RBM's reconstruction error per epoch",
                 yaxis_title="squared error per row", yaxis_rangemode="tozero", legend=LEGEND_BELOW)


def finetuning_figure(history: list[dict], random_history: list[dict], pca_error: float, code: int) -> go.Figure:
    """Held-out squared error per fine-tuning epoch: the pretrained net, the random start, PCA's level."""
    key = "held-out squared error"
    epochs, errors = [r["epoch"] for r in history], [r[key] for r in history]
    last = max(1, int(max(epochs)))
    fig = go.Figure([
        go.Scatter(x=epochs, y=errors, mode="lines+markers", name="pretrained, unrolled",
                   line=dict(color=ACCENT, width=3)),
        go.Scatter(x=[r["epoch"] for r in random_history], y=[r[key] for r in random_history], mode="lines",
                   name="from random weights", line=dict(color=LIGHT_GREY, width=3, dash="dot")),
        go.Scatter(x=[0, last], y=[pca_error] * 2, mode="lines", name=f"PCA, {code} components",
                   line=dict(color=MUTED, dash="dash", width=3)),
    ])
    top = 1.4 * max(pca_error, float(errors[0]))  # the random start begins far above
    return style(fig, 320, "Fine-tuning: held-out error per epoch (0 = unrolled)",
                 yaxis_title="squared error per image", yaxis_range=[0, top], legend=LEGEND_BELOW)


def code_size_figure(pca_curve: np.ndarray, codes: list[int], errors: list[float]) -> go.Figure:
    """PCA's held-out error for k = 1 .. len(curve) components, and the autoencoders' at their code sizes."""
    fig = go.Figure([
        go.Scatter(x=np.arange(1, len(pca_curve) + 1), y=pca_curve, mode="lines", name="PCA, k components",
                   line=dict(color=MUTED, width=3)),
        go.Scatter(x=codes, y=errors, mode="markers+text", name="deep autoencoder", text=[f"{y:.2f}" for y in errors],
                   textposition="top right", marker=dict(color=ACCENT, size=14, line=dict(width=1, color="black"))),
    ])
    return style(fig, 320, "Held-out squared error per image against code size",
                 xaxis_title="code size (numbers per digit)", yaxis_title="squared error", yaxis_rangemode="tozero")


def code_map_figure(Z: np.ndarray, y: np.ndarray, title: str) -> go.Figure:
    """2-D codes as points coloured by their digit's label."""
    traces = [go.Scattergl(x=Z[y == c, 0], y=Z[y == c, 1], mode="markers", name=str(c),
                           marker=dict(size=6, color=CLASS_COLOURS[c], opacity=0.8),
                           hovertemplate=f"digit {c}<br>code (%{{x:.2f}}, %{{y:.2f}})<extra></extra>")
              for c in range(10)]
    return style(go.Figure(traces), 460, title, legend=dict(title="digit", itemsizing="constant"),
                 xaxis_title="code 1", yaxis_title="code 2")


def bowls_figure(bowls: dict) -> go.Figure:
    """The logistic unit's mean-field free energy and a Gaussian unit's energy (`grbm.unit_bowls`)."""
    p, three = bowls["values"], bowls["three"]
    fig = go.Figure([
        go.Scatter(x=p, y=bowls["logistic"], mode="lines", name=f"logistic unit: F(p) − F({bowls['centre']:g})",
                   line=dict(color=MUTED, width=3)),
        go.Scatter(x=p, y=bowls["gaussian"], mode="lines", name=f"Gaussian unit, σ = {bowls['sigma']:.2f}",
                   line=dict(color=ACCENT, width=3)),
        go.Scatter(x=three, y=bowls["logistic_three"], mode="markers", showlegend=False,
                   marker=dict(color=MUTED, size=11)),
        go.Scatter(x=three, y=bowls["gaussian_three"], mode="markers", showlegend=False,
                   marker=dict(color=ACCENT, size=11)),
    ])
    return style(fig, 320, margin=dict(l=10, r=10, t=10, b=10), yaxis_range=[-0.1, 3],
                 xaxis_title="value of the unit", yaxis_title="free energy above the minimum",
                 legend=dict(orientation="h", y=1.12))


def toy_figure(samples: np.ndarray, X: np.ndarray, title: str) -> go.Figure:
    """A GRBM's samples under the 2-D data (drawn last, so they stay visible)."""
    fig = go.Figure([
        go.Scattergl(x=samples[:, 0], y=samples[:, 1], mode="markers", name="GRBM samples",
                     marker=dict(color=ACCENT, size=6, opacity=0.55)),
        go.Scattergl(x=X[:, 0], y=X[:, 1], mode="markers", name="data",
                     marker=dict(color=DATA_INK, size=3, opacity=0.8)),
    ])
    return style(fig, 360, title, xaxis=dict(range=[-3, 3]), yaxis=dict(range=[-3, 3], scaleanchor="x"),
                 legend=dict(orientation="h", y=-0.12))
