"""Charts of the Fine-tuning lesson: held-out and training error against the epoch."""

from __future__ import annotations

import plotly.graph_objects as go

from pgmviz.ui.theme import FONT


def error_curves(epochs, held_out, train, title: str, colour: str, y_max: float, height: int = 340) -> go.Figure:
    """Error (%) on the held-out digits (solid, markers) and on the training digits (dotted), up to y_max %."""
    fig = go.Figure([
        go.Scatter(x=epochs, y=100 * held_out, mode="lines+markers", name="held out", line=dict(color=colour, width=3)),
        go.Scatter(x=epochs, y=100 * train, mode="lines", name="training",
                   line=dict(color=colour, width=2, dash="dot")),
    ])
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=FONT, title=title,
                      xaxis_title="epoch", yaxis_title="error (%)", yaxis_range=[0, y_max],
                      legend=dict(orientation="h", yanchor="top", y=-0.2))
    return fig
