"""Charts of the infinite belief net lesson: the unrolling animation, exact distributions, posteriors, KL and terms."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.ui.theme import BLUE, FONT, RED
from pgmviz.ui.theme import LIGHT_GREY as GREY

ORANGE = "#f58518"  # the directed net's distributions and posteriors
V_COLOUR, H_COLOUR = "#4c78a8", ORANGE
FLOOR = 1e-16  # a log axis cannot show exact zeros: draw them at the rounding floor
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(name: str, n: int) -> str:
    """A layer name with a subscript index: sub("v", 12) -> "v₁₂"."""
    return name + str(n).translate(SUB)


def _row(n: int, y: float, span: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n) - (n - 1) / 2
    return x * (span / max(n, 1)) * 1.2, np.full(n, y)


def diagram_frame(n_v: int, n_h: int, f: int, span: int) -> list[go.Scatter]:
    """f levels unrolled: v0 <- h0 <- ... <- v_f directed (arrows down), the RBM (v_f, h_f) on top."""
    layers = []  # (name, n, y, kind) bottom first
    for k in range(f + 1):
        layers.append((f"v{k}", n_v, 2 * k, "v"))
        layers.append((f"h{k}", n_h, 2 * k + 1, "h"))
    pos = {name: _row(n, y, span) for name, n, y, _ in layers}
    und_x, und_y, dir_x, dir_y = [], [], [], []
    head_x, head_y, wl_x, wl_y, wl_t = [], [], [], [], []
    for (lo, _, y_lo, kind), (hi, _, _, _) in zip(layers[:-1], layers[1:]):
        (xl, yl), (xh, yh) = pos[lo], pos[hi]
        top_pair = lo == f"v{f}"
        ex, ey = (und_x, und_y) if top_pair else (dir_x, dir_y)
        for a in range(len(xl)):
            for b in range(len(xh)):
                ex += [xh[b], xl[a], None]
                ey += [yh[b], yl[a], None]
        if not top_pair:  # one arrow per weight matrix, at the left edge, pointing down
            x_arrow = -span * 0.75
            head_x.append(x_arrow)
            head_y.append(y_lo + 0.28)
            wl_x.append(x_arrow - 0.05 * span)
            wl_y.append(y_lo + 0.55)
            wl_t.append("W" if kind == "v" else "Wᵀ")
            dir_x += [x_arrow, x_arrow, None]
            dir_y += [y_lo + 0.9, y_lo + 0.3, None]
    vx = np.concatenate([pos[n][0] for n, *_, k in layers if k == "v"])
    vy = np.concatenate([pos[n][1] for n, *_, k in layers if k == "v"])
    hx = np.concatenate([pos[n][0] for n, *_, k in layers if k == "h"])
    hy = np.concatenate([pos[n][1] for n, *_, k in layers if k == "h"])
    names = [n for n, *_ in layers]
    label_x = [span * 0.78] * len(layers)
    label_y = [y for _, _, y, _ in layers]
    label_t = [f"<b>{n}</b>" for n in names]
    label_x.append(span * 0.78)  # the undirected pair on top is the RBM
    label_y.append(2 * f + 0.5)
    label_t.append("<i>RBM</i>")
    return [
        go.Scatter(x=und_x, y=und_y, mode="lines", line=dict(color="#7e57c2", width=2), hoverinfo="skip",
                   name="undirected (the RBM on top)"),
        go.Scatter(x=dir_x, y=dir_y, mode="lines", line=dict(color="#90a4ae", width=1.2), hoverinfo="skip",
                   name="directed, top-down"),
        go.Scatter(x=head_x, y=head_y, mode="markers", marker=dict(symbol="triangle-down", size=16, color="#37474f"),
                   hoverinfo="skip", showlegend=False),
        go.Scatter(x=wl_x, y=wl_y, mode="text", text=wl_t, textposition="middle left",
                   textfont=dict(size=18, color="#37474f"), hoverinfo="skip", showlegend=False),
        go.Scatter(x=vx, y=vy, mode="markers", marker=dict(size=20, color=V_COLOUR, line=dict(color="white", width=2)),
                   hoverinfo="skip", name="v units (bias b)"),
        go.Scatter(x=hx, y=hy, mode="markers", marker=dict(size=20, color=H_COLOUR, line=dict(color="white", width=2)),
                   hoverinfo="skip", name="h units (bias c)"),
        go.Scatter(x=label_x, y=label_y, mode="text", text=label_t, textposition="middle right",
                   textfont=dict(size=15), hoverinfo="skip", showlegend=False),
    ]


def diagram_figure(n_v: int, n_h: int, levels: int) -> go.Figure:
    """The unrolling as a plotly animation: frame f has f levels of tied directed weights under the RBM."""
    span = max(n_v, n_h)
    frames = [go.Frame(data=diagram_frame(n_v, n_h, f, span), name=str(f)) for f in range(levels + 1)]
    fig = go.Figure(data=frames[-1].data, frames=frames)
    step = dict(frame=dict(duration=900, redraw=True), transition=dict(duration=300), mode="immediate")
    fig.update_layout(
        height=110 + 62 * (2 * levels + 2), font=FONT, margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(visible=False, range=[-span * 1.05, span * 1.25]),
        yaxis=dict(visible=False, range=[-0.6, 2 * levels + 1.6]),
        plot_bgcolor="white", legend=dict(orientation="h", y=1.06, x=0),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                          buttons=[dict(label="▶ Unroll", method="animate",
                                        args=[None, {**step, "fromcurrent": False}]),
                                   dict(label="Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=levels, x=0.32, len=0.68, y=-0.02, yanchor="top",
                      currentvalue=dict(prefix="levels unrolled: "),
                      steps=[dict(label=str(f), method="animate", args=[[str(f)], step]) for f in range(levels + 1)])],
    )
    return fig


def _bars(x: list[str], series: list[tuple[np.ndarray, str, str]], x_title: str, legend_y: float) -> go.Figure:
    """Grouped probability bars over the states ``x``: one (values, name, colour) per series."""
    return go.Figure([go.Bar(x=x, y=y, name=name, marker_color=colour) for y, name, colour in series], layout=dict(
        barmode="group", height=400, font=FONT, xaxis=dict(title=x_title, type="category"),
        yaxis_title="probability", margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=legend_y)))


def distributions_figure(states: list[str], net: np.ndarray, gibbs: np.ndarray, p_v: np.ndarray, K: int) -> go.Figure:
    """v after K levels of the net, after K Gibbs steps, and the RBM's p(v)."""
    return _bars(states, [(net, f"v₀ of the net with K = {K} levels", ORANGE),
                          (gibbs, f"v after {K} Gibbs steps", BLUE), (p_v, "RBM p(v) (equilibrium)", GREY)],
                 "visible state v", 1.15)


def tv_figure(tv_net: np.ndarray, tv_gibbs: np.ndarray, K: int) -> go.Figure:
    """Total variation to the RBM's p(v) against the number of levels, K marked (log axis)."""
    ks = np.arange(len(tv_net))
    return go.Figure([
        go.Scatter(x=ks, y=np.maximum(tv_net, FLOOR), mode="lines+markers", name="directed net, k levels",
                   line=dict(color=ORANGE, width=3)),
        go.Scatter(x=ks, y=np.maximum(tv_gibbs, FLOOR), mode="lines", name="k Gibbs steps",
                   line=dict(color=BLUE, width=2, dash="dot")),
        go.Scatter(x=[K], y=[max(tv_net[K], FLOOR)], mode="markers", marker=dict(size=15, color=RED), name=f"K = {K}"),
    ], layout=dict(height=400, font=FONT, xaxis_title="levels k (= Gibbs steps)",
                   yaxis=dict(title="total variation to RBM p(v)", type="log", exponentformat="power"),
                   margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=1.15)))


def posterior_figure(h_states: list[str], post: np.ndarray, fact: np.ndarray, product: np.ndarray) -> go.Figure:
    """The exact posterior over h₀, the factorial sigmoid(c + v₀W), and the product of the posterior's marginals."""
    return _bars(h_states, [(post, "exact posterior p(h₀ | v₀)", ORANGE),
                            (fact, "Π_j sigmoid(c + v₀W)_j  (one multiplication by Wᵀ)", BLUE),
                            (product, "product of the posterior's marginals", GREY)], "hidden state h₀", 1.2)


def untying_figure(eps_grid: np.ndarray, kl_curve: np.ndarray, slack_curve: np.ndarray, eps: float,
                   slack: float, kl_now: float) -> go.Figure:
    """Both KLs along the untying grid (log axis), the current ε marked."""
    return go.Figure([
        go.Scatter(x=eps_grid, y=np.maximum(slack_curve, FLOOR), mode="lines", line=dict(color=BLUE, width=3),
                   name="slack KL(q ‖ p)"),
        go.Scatter(x=eps_grid, y=np.maximum(kl_curve, FLOOR), mode="lines", line=dict(color=ORANGE, width=3),
                   name="KL(p ‖ Π marginals)"),
        go.Scatter(x=[eps, eps], y=[max(slack, FLOOR), max(kl_now, FLOOR)], mode="markers",
                   marker=dict(size=12, color=RED), name="now"),
    ], layout=dict(height=300, font=FONT, xaxis_title="ε (untying)",
                   yaxis=dict(title="nats", type="log", exponentformat="power"),
                   legend=dict(orientation="h", y=1.18), margin=dict(l=10, r=10, t=10, b=10)))


def terms_figure(names: list[str], norms: np.ndarray, cd_k: int) -> go.Figure:
    """|term| of each layer of the tied net (log axis), the 2k terms CD-k keeps in blue."""
    n = len(norms)
    return go.Figure(go.Bar(
        x=[sub(nm[0], int(nm[1:])) for nm in names], y=np.maximum(norms, FLOOR),
        marker_color=[BLUE if i < 2 * cd_k else GREY for i in range(n)],
        hovertemplate="layer %{x}: |term| = %{y:.3g}<extra></extra>"), layout=dict(
        height=340, font=FONT, xaxis=dict(title="layer of the tied net (bottom first)", type="category"),
        yaxis=dict(title="|term|", type="log", exponentformat="power"),
        title=dict(text=f"each layer's term (blue: the {2 * cd_k} CD-{cd_k} keeps)", font=dict(size=15)),
        margin=dict(l=10, r=10, t=40, b=10)))


def partial_sums_figure(gaps: np.ndarray, cd_k: int) -> go.Figure:
    """|sum of the first 2k terms − exact gradient| against k (log axis), CD-k marked."""
    return go.Figure([
        go.Scatter(x=np.arange(len(gaps)), y=np.maximum(gaps, FLOOR), mode="lines+markers",
                   line=dict(color=BLUE, width=3), name="|sum of the first 2k terms − exact gradient|"),
        go.Scatter(x=[cd_k], y=[max(gaps[cd_k], FLOOR)], mode="markers", marker=dict(size=15, color=RED),
                   name=f"CD-{cd_k}"),
    ], layout=dict(height=340, font=FONT, xaxis_title="levels k (= CD steps)",
                   yaxis=dict(title="distance to the gradient", type="log", exponentformat="power"),
                   legend=dict(orientation="h", y=1.18), margin=dict(l=10, r=10, t=10, b=10)))
