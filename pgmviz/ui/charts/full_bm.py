"""Charts of the Full Boltzmann machine lesson: the machine's graph, the duel's curves, the three checks' plots.

Pure functions from the library's numbers (``pgmviz.training.bm_vs_rbm.Duel``'s curves, ``bm_checks``'s
results) to a DOT string or a ``go.Figure``; no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.models.boltzmann import state_label
from pgmviz.ui.theme import ACCENT, BLUE, GREY, MUTED, RED, static_style, style

INK = "#222"  # reference lines: the best possible likelihood, sampled = exact
STRUCTURE = "#d5d5d5"  # an allowed coupling that is still exactly 0
TINTS = 5  # an edge's colour: its sign's colour mixed with white in this many steps of |Q_ij| / max |Q|
GRAPH_SIZE = "5.2,3.6"  # inches: graphviz shrinks a larger drawing, so the graph fits a 1280x720 projector


def unit_names(n_v: int, n_h: int) -> list[str]:
    return [f"v{i + 1}" for i in range(n_v)] + [f"h{j + 1}" for j in range(n_h)]


def _tint(colour: str, strength: float) -> str:
    """``colour`` at ``strength`` in [0, 1], mixed with white (graphviz's SVG keeps the hex as given)."""
    level = np.ceil(np.clip(strength, 0, 1) * TINTS) / TINTS
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * (0.25 + 0.75 * level)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def graph_dot(Q: np.ndarray, mask: np.ndarray, n_v: int, threshold: float) -> tuple[str, int, int, float]:
    """The machine as an undirected graph: pixels on a 3x3 grid, hidden units above, one edge per allowed
    coupling, its width and colour strength by |Q_ij| / max |Q_ij| (red positive, blue negative, light grey
    while still 0), so the graph shows the couplings at any training state.

    Returns the DOT, how many couplings have |Q_ij| >= threshold, how many are non-zero, and max |Q_ij|."""
    N = Q.shape[0]
    names = unit_names(n_v, N - n_v)
    iu = np.triu_indices(N, 1)
    largest = float(np.abs(Q[iu]).max())
    peak = max(largest, 1e-9)
    lines = ['graph BM {', f'layout=neato; bgcolor="transparent"; splines=curved; outputorder=edgesfirst; '
             f'size="{GRAPH_SIZE}";',
             'node [shape=circle, fontname="Helvetica", fontsize=16, width=0.55, fixedsize=true, style=filled];']
    for i, name in enumerate(names):
        if i < n_v:  # the pixels keep their picture's layout, the hidden units in a row above
            x, y, fill = 1.1 * (i % 3) + 0.5 * (N - n_v - 1) - 1.1, -1.1 * (i // 3), "#fff3d6"
        else:
            x, y, fill = 1.0 * (i - n_v), 1.6, "#e3e7f6"
        lines.append(f'{name} [pos="{x:.2f},{y:.2f}!", fillcolor="{fill}", tooltip="bias {Q[i, i]:+.2f}"];')
    strong = nonzero = 0
    for i, j in zip(*iu):
        w = float(Q[i, j])
        if not mask[i, j] and w == 0:
            continue
        nonzero += w != 0
        strong += abs(w) >= threshold and w != 0
        r = abs(w) / peak
        colour = STRUCTURE if w == 0 else _tint(RED if w > 0 else BLUE, r)
        lines.append(f'{names[i]} -- {names[j]} [color="{colour}", penwidth={0.5 + 4.5 * r:.2f}, '
                     f'tooltip="{names[i]}-{names[j]}: {w:+.2f}"];')
    lines.append("}")
    return "\n".join(lines), strong, nonzero, largest


def curves_figure(c: dict, x: str, best: float, n_patterns: int) -> go.Figure:
    """Exact mean log p(v) of both machines (and the full one on the exact gradient) against updates or seconds."""
    fig = go.Figure()
    xs = {"step": (c["step"], c["step"]), "seconds": (c["seconds_bm"], c["seconds_rbm"])}[x]
    fig.add_scatter(x=xs[0], y=c["ll_bm"], mode="lines", name="full Boltzmann machine",
                    line=dict(width=3, color=ACCENT))
    if "ll_exact" in c:
        x_exact = c["step"] if x == "step" else c["seconds_exact"]
        fig.add_scatter(x=x_exact, y=c["ll_exact"], mode="lines", name="full machine, exact gradient",
                        line=dict(width=2, color=ACCENT, dash="dot"))
    fig.add_scatter(x=xs[1], y=c["ll_rbm"], mode="lines", name="RBM, same units", line=dict(width=3, color=MUTED))
    fig.add_hline(y=best, line=dict(color=INK, width=1.5, dash="dash"),
                  annotation_text=f"best possible: -log {n_patterns} = {best:.3f}", annotation_position="bottom right")
    title = "updates" if x == "step" else "seconds of training (measured here, this server's load included)"
    return static_style(fig, 360, xaxis_title=title, yaxis_title="exact mean log p(v), nats",
                        legend=dict(orientation="h", y=1.12), hovermode="x unified")


def conditional_figure(hidden_states: np.ndarray, exact: np.ndarray, sampled: np.ndarray) -> go.Figure:
    """p(h | v) exact beside the clamped chains' histogram, one bar pair per hidden state."""
    labels = [state_label(h) for h in hidden_states]
    fig = go.Figure([go.Bar(x=labels, y=exact, name="exact p(h | v)", marker_color=ACCENT),
                     go.Bar(x=labels, y=sampled, name="clamped Gibbs chains", marker_color=MUTED)])
    return style(fig, 320, barmode="group", xaxis=dict(title="hidden state h", type="category"),
                 yaxis_title="probability", legend=dict(orientation="h", y=1.15))


def gradient_figure(points: dict[str, tuple[np.ndarray, np.ndarray]]) -> go.Figure:
    """One sampled gradient against the exact one, a marker per parameter, coloured by its kind."""
    fig = go.Figure()
    for name, colour in (("bias", GREY), ("visible–hidden", MUTED), ("lateral", ACCENT)):
        ex, sa = points[name]
        fig.add_scatter(x=ex, y=sa, mode="markers", name=name, marker=dict(size=9, color=colour))
    values = np.concatenate([np.abs(np.concatenate(p)) for p in points.values()] + [np.zeros(1)])
    lim = float(max(values.max(), 1e-6)) * 1.1
    fig.add_scatter(x=[-lim, lim], y=[-lim, lim], mode="lines", name="sampled = exact",
                    line=dict(color=INK, dash="dash"))
    return style(fig, 380, xaxis_title="exact  (⟨xᵢxⱼ⟩clamped − ⟨xᵢxⱼ⟩free), by enumeration",
                 yaxis_title="one sampled estimate", legend=dict(orientation="h", y=1.12))


def temperature_figure(visible_states: np.ndarray, exact: np.ndarray, sampled: np.ndarray, exact_at_1: np.ndarray,
                       T: float, shown: int = 60) -> go.Figure:
    """p_T(v) exact, the chains at T and the model's p_1(v) on the model's ``shown`` most probable states."""
    order = np.argsort(-exact_at_1)[:shown]
    names = [state_label(v) for v in visible_states[order]]
    fig = go.Figure([go.Bar(x=names, y=exact[order], name=f"exact p_T(v), T = {T:g}", marker_color=ACCENT),
                     go.Scatter(x=names, y=sampled[order], mode="markers", name=f"Gibbs chains at T = {T:g}",
                                marker=dict(size=9, color=MUTED)),
                     go.Scatter(x=names, y=exact_at_1[order], mode="lines", name="the model, p_1(v)",
                                line=dict(color=INK, width=2, dash="dot"))])
    return style(fig, 360, xaxis=dict(title=f"visible states, the model's {shown} most probable first",
                                      type="category", showticklabels=False),
                 yaxis_title="probability", legend=dict(orientation="h", y=1.15))
