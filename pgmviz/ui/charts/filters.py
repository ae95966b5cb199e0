"""Charts of the Filter learning lesson: learning curves, weight and update histograms, hidden biases.

They are redrawn while training (the curves every 2 s, the diagnostics every 5 s), so each is built in
one ``go.Figure`` call with fixed margins (``theme.static_style``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.ui.theme import BLUE, GREY, RED, static_style


def curves_figure(history: list[dict], title: str, series: list[tuple[str, str, str]], y_title: str) -> go.Figure:
    """One line per metric named in ``series`` (name, legend label, colour) against the update count."""
    steps = [h["step"] for h in history]
    mode = "lines" if len(steps) > 1 else "markers"
    traces = []
    for name, label, colour in series:
        ys = [h.get(name) for h in history]
        if any(y is not None for y in ys):
            traces.append(go.Scatter(x=steps, y=ys, name=label, mode=mode, line=dict(color=colour, width=3),
                                     marker=dict(color=colour, size=9)))
    return static_style(go.Figure(traces), 220, title, xaxis_title="update", yaxis_title=y_title,
                        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                        showlegend=len(traces) > 1)


def histogram_figure(values: np.ndarray, title: str, colour: str, x_title: str) -> go.Figure:
    """A histogram computed in numpy: 40 bars go to the browser, not 400,000 numbers."""
    values = np.asarray(values, dtype=np.float64).ravel()
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:  # all equal (no update yet): nothing to histogram
        note = dict(text="nothing yet: press Step or Train", showarrow=False, font=dict(size=15, color=GREY))
        fig = go.Figure(layout=dict(annotations=[note], xaxis=dict(visible=False), yaxis=dict(visible=False)))
        return static_style(fig, 260, title)
    counts, edges = np.histogram(values, bins=40, range=(lo, hi))
    fig = go.Figure(go.Bar(x=0.5 * (edges[:-1] + edges[1:]), y=counts, width=np.diff(edges),
                           marker_color=colour, marker_line_width=0))
    return static_style(fig, 260, title, xaxis_title=x_title, yaxis_title="count", bargap=0)


def hidden_bias_figure(c: np.ndarray) -> go.Figure:
    """c_j per hidden unit, red when positive, blue when negative."""
    fig = go.Figure(go.Bar(x=np.arange(c.size), y=c, marker_color=np.where(c >= 0, RED, BLUE), marker_line_width=0))
    return static_style(fig, 240, "Hidden biases c", xaxis_title="hidden unit j", yaxis_title="c_j", bargap=0.1)
