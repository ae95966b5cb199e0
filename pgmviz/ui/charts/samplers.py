"""Charts of the Samplers compared lesson: the likelihood race, ESS and swap-rate traces, CD against the gradient.

Each takes the live ``pgmviz.training.compare.Race`` (or one of its lanes) and only reads it.
"""

from __future__ import annotations

import plotly.graph_objects as go

from pgmviz.ui.theme import FONT
from pgmviz.ui.theme import SAMPLER_COLOURS as COLOURS

INK = "#222"  # reference lines: the best possible likelihood, the exact gradient's norm, the resampling threshold


def _layout(fig: go.Figure, height: int, hovermode: str = "x unified", **kw) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=FONT, hovermode=hovermode,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0), **kw)
    return fig


def likelihood_figure(race, meta: dict) -> go.Figure:
    """Each method's (exact or pseudo) log-likelihood against the updates, the best possible value dashed."""
    name = "ll_train" if race.exact else "pseudo_ll"
    fig = go.Figure([go.Scatter(x=lane.curves["step"], y=lane.curves.get(name, []), mode="lines", name=key,
                                line=dict(width=3, color=COLOURS[lane.method.sampler]))
                     for key, lane in race.lanes.items()])
    if meta["best"] is not None:
        fig.add_hline(y=meta["best"], line=dict(color=INK, width=2, dash="dash"),
                      annotation_text=f"best possible: -log {meta['n_patterns']} = {meta['best']:.2f}",
                      annotation_position="bottom right")
        # Keep the interesting range in view when a method collapses far below.
        finals = [v for lane in race.lanes.values() for v in lane.curves.get(name, [])[1:]]
        start = next(iter(race.lanes.values())).curves[name][0]
        fig.update_yaxes(range=[max(min(finals + [start]) - 0.5, 3 * start), meta["best"] + 0.6])
    title = ("exact mean log p(v) of the training data (nats)" if race.exact
             else "pseudo-log-likelihood (the exact one needs fewer hidden units)")
    return _layout(fig, 430, xaxis_title="updates", yaxis_title=title)


def trace_figure(race, sampler: str, metric: str, title: str, extra: str | None = None,
                 threshold: float | None = None) -> go.Figure:
    """A sampler's own diagnostic (ESS, swap rate) per lane of that sampler, on [0, 1]."""
    traces = []
    for key, lane in race.lanes.items():
        if lane.method.sampler != sampler:
            continue
        steps = lane.curves["step"][1:]  # the record before any update has no sampler history
        traces.append(go.Scatter(x=steps, y=lane.curves.get(metric, [])[1:], mode="lines", name=f"{key}: {title}",
                                 line=dict(width=3, color=COLOURS[sampler])))
        if extra:
            traces.append(go.Scatter(x=steps, y=lane.curves.get(extra, [])[1:], mode="lines",
                                     name=f"{key}: worst pair", line=dict(width=2, color=COLOURS[sampler], dash="dot")))
        if threshold is None and sampler == "pa":
            threshold = lane.method.ess_threshold
    fig = go.Figure(traces)
    if threshold is not None:
        fig.add_hline(y=threshold, line=dict(color=INK, width=1.5, dash="dash"),
                      annotation_text="resample below this", annotation_position="bottom right")
    fig.update_yaxes(range=[0, 1.05])
    return _layout(fig, 300, xaxis_title="updates")


def swap_pairs_figure(lane) -> go.Figure:
    """Parallel tempering: the swap rate of each pair of neighbouring inverse temperatures."""
    betas = lane.trainer.negative_phase.betas
    labels = [f"{betas[i]:.2f}-{betas[i + 1]:.2f}" for i in range(len(betas) - 1)]
    fig = go.Figure(go.Bar(x=labels, y=lane.swap_rates, marker_color=COLOURS["pt"]))
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, 300, xaxis_title="neighbouring inverse temperatures (beta)", yaxis_title="swap rate",
                   hovermode="closest")


def gradient_figure(race) -> go.Figure | None:
    """CD lanes: cos(E[CD update], exact gradient) on the left axis, both norms on the right (log)."""
    traces = []
    for key, lane in race.lanes.items():
        g = lane.gradient_curves
        if not g.get("step"):
            continue
        traces += [
            go.Scatter(x=g["step"], y=g["cd_cos"], mode="lines+markers", name=f"{key}: cosine",
                       line=dict(width=3, color=COLOURS["cd"])),
            go.Scatter(x=g["step"], y=g["grad_norm"], mode="lines", name="|exact gradient|", yaxis="y2",
                       line=dict(width=2, color=INK, dash="dash")),
            go.Scatter(x=g["step"], y=g["cd_norm"], mode="lines", name=f"|E[{key} update]|", yaxis="y2",
                       line=dict(width=2, color=COLOURS["cd"], dash="dot")),
        ]
    if not traces:
        return None
    fig = go.Figure(traces)
    fig.add_hline(y=0, line=dict(color="#999", width=1))
    return _layout(fig, 340, xaxis_title="updates", yaxis=dict(title="cosine", range=[-1.05, 1.05]),
                   yaxis2=dict(title="norm", type="log", overlaying="y", side="right", showgrid=False))
