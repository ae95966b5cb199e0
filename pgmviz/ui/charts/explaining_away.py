"""Charts of the Explaining away lesson: the three-node net, the 2x2 tables, posterior bars, KL and TV curves."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pgmviz.ui.theme import ACCENT, BLUE, LIGHT_GREY, MARGIN, RED, style

TIGHT = dict(MARGIN, t=30)
LEGEND_TOP = dict(orientation="h", y=1.12)
NAMES = {"truck": "truck hits house", "quake": "earthquake", "house": "house jumps"}
STATES = ["no truck,<br>no quake", "no truck,<br>quake", "truck,<br>no quake", "truck,<br>quake"]


def fmt(p: float) -> str:
    """A probability the way a student can compare it: 5 decimals, or 3 significant digits when tiny."""
    if not np.isfinite(p):
        return "undefined"
    return f"{p:.5f}" if p >= 1e-3 or p == 0 else f"{p:.3e}"


def net_figure(params: dict, p_on: dict, jump: int) -> go.Figure:
    """The three-node belief net, arrows pointing from causes to effect, weights and biases printed."""
    pos = {"truck": (0.0, 1.0), "quake": (2.0, 1.0), "house": (1.0, 0.0)}
    fig = go.Figure()
    for cause, w in (("truck", params["w_truck"]), ("quake", params["w_quake"])):
        (x0, y0), (x1, y1) = pos[cause], pos["house"]
        fig.add_annotation(x=x1 + 0.16 * (x0 - x1), y=y1 + 0.16 * (y0 - y1), ax=x0 - 0.1 * (x0 - x1),
                           ay=y0 - 0.1 * (y0 - y1), xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowsize=1.6, arrowwidth=2.5,
                           arrowcolor=RED if w > 0 else BLUE, text="")
        fig.add_annotation(x=(x0 + x1) / 2 + (-0.28 if cause == "truck" else 0.28), y=0.55,
                           text=f"<b>{w:+g}</b>", showarrow=False, font=dict(size=17))
    biases = {"truck": params["b_truck"], "quake": params["b_quake"], "house": params["b_house"]}
    fig.add_trace(go.Scatter(
        x=[pos[k][0] for k in pos], y=[pos[k][1] for k in pos], mode="markers", hoverinfo="skip",
        marker=dict(size=62, color=[p_on[k] for k in pos], cmin=0, cmax=1,
                    colorscale=[[0, "#ffffff"], [1, ACCENT]], line=dict(color="#37474f", width=2)),
    ))
    for k, (x, y) in pos.items():
        state = (f"p(on | jump{'' if jump else ' = 0'}) = {fmt(p_on[k])}" if k != "house"
                 else f"observed: {'jumps' if jump else 'does not jump'}")
        fig.add_annotation(x=x, y=y + (0.42 if y == 1 else -0.42), showarrow=False, font=dict(size=15),
                           text=f"<b>{NAMES[k]}</b>  (bias {biases[k]:+g})<br>{state}")
    return style(fig, 380, margin=dict(l=10, r=10, t=10, b=10), showlegend=False, plot_bgcolor="white",
                 xaxis=dict(visible=False, range=[-0.8, 2.8]), yaxis=dict(visible=False, range=[-0.75, 1.75]))


def table_figure(tables: list[np.ndarray], titles: list[str]) -> go.Figure:
    """2x2 tables p(truck, quake) side by side, shaded by log10 p so that 1e-9 and 0.5 both show."""
    fig = make_subplots(rows=1, cols=len(tables), subplot_titles=titles, horizontal_spacing=0.08)
    for k, T in enumerate(tables):
        with np.errstate(divide="ignore"):
            z = np.log10(np.maximum(T, 1e-30))
        fig.add_trace(go.Heatmap(
            z=z, x=["quake = 0", "quake = 1"], y=["truck = 0", "truck = 1"], zmin=-10, zmax=0,
            colorscale="Blues", showscale=False, text=[[fmt(p) for p in row] for row in T],
            texttemplate="<b>%{text}</b>", textfont=dict(size=17), hoverinfo="skip", xgap=3, ygap=3,
        ), row=1, col=k + 1)
        fig.update_yaxes(autorange="reversed", row=1, col=k + 1)
    return style(fig, 280)


def bars_figure(prior: np.ndarray, post: np.ndarray, indep: np.ndarray, log_y: bool) -> go.Figure:
    """The four states of the causes: prior, posterior and the product of the posterior's marginals."""
    fig = go.Figure()
    for name, T, colour in (("prior p(truck, quake)", prior, LIGHT_GREY),
                            ("posterior p(truck, quake | evidence)", post, ACCENT),
                            ("p(truck | evidence) · p(quake | evidence): if they stayed independent", indep, BLUE)):
        vals = np.asarray(T).ravel()
        fig.add_trace(go.Bar(x=STATES, y=vals, name=name, marker_color=colour,
                             text=[fmt(p) for p in vals], textposition="outside", cliponaxis=False))
    style(fig, 420, margin=TIGHT, barmode="group", legend=dict(orientation="h", y=-0.25), yaxis_title="probability")
    if log_y:
        fig.update_yaxes(type="log", range=[-10, 0.6], dtick=1, exponentformat="power")
    else:
        fig.update_yaxes(range=[0, 1.15])
    return fig


def posterior_bars(states: list[str], bars: list[tuple[str, np.ndarray]], x_title: str) -> go.Figure:
    """Grouped bars over the hidden states: (name, table) of the exact posterior, an estimate of it, mean field."""
    fig = go.Figure([go.Bar(x=states, y=y, name=name, marker_color=colour)
                     for (name, y), colour in zip(bars, (ACCENT, BLUE, LIGHT_GREY))])
    return style(fig, 360, margin=TIGHT, barmode="group", xaxis=dict(title=x_title, type="category"),
                 yaxis_title="probability", legend=LEGEND_TOP)


def kl_curve_figure(scales: np.ndarray, this: np.ndarray, mean: np.ndarray, v_text: str, scale: float,
                    kl_v: float) -> go.Figure:
    """KL to the product of marginals against the weight scale, for this v and averaged over v ~ p(v)."""
    fig = go.Figure([
        go.Scatter(x=scales, y=this, name=f"for v = {v_text}", line=dict(color=ACCENT, width=3)),
        go.Scatter(x=scales, y=mean, name="averaged over v ~ p(v)", line=dict(color=LIGHT_GREY, width=3, dash="dash")),
        go.Scatter(x=[scale], y=[kl_v], mode="markers", marker=dict(size=14, color=RED), name="this net"),
    ])
    return style(fig, 420, margin=TIGHT, xaxis_title="weight scale", legend=LEGEND_TOP,
                 yaxis_title="KL to the product of marginals (nats)")


def tv_figure(tv: np.ndarray, tv_mean_field: float) -> go.Figure:
    """Total variation of the running Gibbs estimate after each sweep, against mean field's (no sweeps)."""
    sweeps = len(tv)
    fig = go.Figure([go.Scatter(x=np.arange(1, sweeps + 1), y=np.maximum(tv, 1e-6), mode="lines",
                                line=dict(color=BLUE, width=3), name="Gibbs estimate"),
                     go.Scatter(x=[1, sweeps], y=[max(tv_mean_field, 1e-6)] * 2, mode="lines",
                                line=dict(color=LIGHT_GREY, width=2, dash="dash"), name="mean field (no sweeps)")])
    return style(fig, 360, margin=TIGHT, xaxis=dict(title="sweeps", type="log"),
                 yaxis=dict(title="TV to the exact posterior", type="log", exponentformat="power"), legend=LEGEND_TOP)
