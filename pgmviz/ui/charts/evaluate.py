"""Charts of the How good is the model? lesson: log Z estimates with their intervals, the sweep, the nats line."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.evaluation import evaluate as ev
from pgmviz.ui.theme import FONT

COLOURS = {"AIS": "#4c78a8", "PA": "#f58518", "exact": "#222222"}


def interval_text(low: float, high: float) -> str:
    """[low, high] with two decimals; an unbounded low end as −∞."""
    lo = "−∞" if not np.isfinite(low) else f"{low:.2f}"
    return f"[{lo}, {high:.2f}]"


def _minus(points) -> np.ndarray:
    """The lower error bar: to the interval's low end, or 3 x the upper bar when the low end is −∞."""
    return np.array([e.log_Z - e.low if np.isfinite(e.low) else 3 * (e.high - e.log_Z) for e in points])


def estimate_chart(res: dict, exact: float | None) -> go.Figure:
    """Every estimate as a point with its interval (horizontal error bars), exact as a line."""
    runs = res["runs"][-10:]
    fig = go.Figure()
    for method in ev.METHODS:
        pts = [e for e in runs if e.method == method]
        if not pts:
            continue
        x = np.array([e.log_Z for e in pts])
        plus = np.array([e.high - e.log_Z for e in pts])
        minus = _minus(pts)
        fig.add_scatter(
            x=x, y=[e.label for e in pts], mode="markers", name=method,
            marker=dict(size=11, color=COLOURS[method]),
            error_x=dict(type="data", array=plus, arrayminus=minus, thickness=2, width=6),
            customdata=[interval_text(e.low, e.high) for e in pts],
            hovertemplate="log Z = %{x:.3f}<br>interval %{customdata}<extra>%{y}</extra>",
        )
    if exact is not None:
        fig.add_vline(x=exact, line=dict(color=COLOURS["exact"], dash="dash"),
                      annotation_text=f"exact {exact:.3f}", annotation_position="top")
    fig.update_layout(height=120 + 45 * max(1, len(runs)), margin=dict(l=10, r=10, t=40, b=40), font=FONT,
                      xaxis_title="log Z (nats)", legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
                      yaxis=dict(autorange="reversed"))
    return fig


def sweep_chart(points: list, exact: float | None) -> go.Figure:
    """log Z against the number of temperatures (log axis), one line per method, exact as a line."""
    fig = go.Figure()
    for method, shift in (("AIS", 1 / 1.05), ("PA", 1.05)):  # nudge apart so the bars do not overlap
        pts = sorted((e for e in points if e.method == method), key=lambda e: e.n_betas)
        if not pts:
            continue
        y = np.array([e.log_Z for e in pts])
        plus = np.array([e.high - e.log_Z for e in pts])
        minus = _minus(pts)
        fig.add_scatter(
            x=[e.n_betas * shift for e in pts], y=y, mode="lines+markers", name=method,
            line=dict(color=COLOURS[method]), marker=dict(size=9),
            error_y=dict(type="data", array=plus, arrayminus=minus, thickness=2, width=6),
            customdata=[[e.n_betas, interval_text(e.low, e.high), e.seconds] for e in pts],
            hovertemplate="%{customdata[0]:,} temperatures<br>log Z = %{y:.3f}<br>interval %{customdata[1]}"
                          "<br>%{customdata[2]:.1f} s<extra>" + method + "</extra>",
        )
    if exact is not None:
        fig.add_hline(y=exact, line=dict(color=COLOURS["exact"], dash="dash"),
                      annotation_text=f"exact log Z = {exact:.3f}", annotation_position="top left")
    ticks = sorted({e.n_betas for e in points})
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=40), font=FONT,
                      xaxis=dict(type="log", title="number of temperatures (log scale)", tickvals=ticks,
                                 ticktext=[f"{t:,}" for t in ticks]),
                      yaxis_title="estimate of log Z",
                      legend=dict(orientation="h", y=1.08, x=1, xanchor="right"))
    return fig


def nats_chart(rows: list[tuple[str, float, str]]) -> go.Figure:
    """A number line of mean log p(v) per digit: uniform, this model, the published figure."""
    fig = go.Figure()
    xs = [nats for _, nats, _ in rows]
    lo, hi = min(xs), max(xs)
    for label, nats, colour in rows:
        # labels lean inwards at the ends of the line so none is cut off
        side = "right" if nats == lo else "left" if nats == hi else "center"
        above = label.startswith("this model")
        fig.add_scatter(x=[nats], y=[0], mode="markers", marker=dict(size=16, color=colour), showlegend=False,
                        hovertemplate=f"{label}: %{{x:.2f}} nats<extra></extra>")
        fig.add_annotation(x=nats, y=0, text=f"{label}<br><b>{nats:.1f} nats</b>", showarrow=False,
                           xanchor={"right": "left", "left": "right", "center": "center"}[side],
                           yanchor="bottom" if above else "top", yshift=12 if above else -12,
                           align={"right": "left", "left": "right", "center": "center"}[side],
                           font=dict(color=colour, size=14))
    pad = 0.04 * (hi - lo + 1)
    fig.update_layout(height=200, margin=dict(l=20, r=20, t=10, b=40), font=FONT,
                      xaxis=dict(title="mean log p(v) per digit (nats; higher is better)", zeroline=False,
                                 range=[lo - pad, hi + pad]),
                      yaxis=dict(visible=False, range=[-1.5, 1.5]))
    return fig
