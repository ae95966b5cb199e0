"""Charts of the Fantasy chains lesson: the free energy F(v_t) along every chain, with a cursor at the frame shown."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pgmviz.sampling.chains import ChainRecord
from pgmviz.ui.theme import FONT

MAX_CURVE_POINTS = 300  # points per chain in the free-energy chart (keeps each tick light)
CHAIN_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6",
                 "#9d755d", "#bab0ac"]
DATA_COLOUR, MEAN_COLOUR, CURSOR_COLOUR = "#2ca02c", "#222222", "#ffb000"


def free_energy_figure(record: ChainRecord, ref_F: float | None) -> dict:
    """F(v_t) of every chain along the run, the chains' mean, and the held-out digits' mean (a plotly dict)."""
    T = record.n_steps
    stride = max(1, int(np.ceil((T + 1) / MAX_CURVE_POINTS)))
    t = np.arange(0, T + 1, stride)
    F = np.round(record.free_energy[t], 2)  # two decimals are plenty on a chart and halve the JSON
    fig = go.Figure()
    for k in range(record.n_chains):
        fig.add_scatter(x=t, y=F[:, k], mode="lines", name=f"chain {k + 1}", showlegend=False,
                        line=dict(width=1, color=CHAIN_COLOURS[k % len(CHAIN_COLOURS)]), opacity=0.45,
                        hovertemplate="chain " + str(k + 1) + ", step %{x}: F = %{y:.1f}<extra></extra>")
    fig.add_scatter(x=t, y=F.mean(axis=1), mode="lines", name="mean of the chains",
                    line=dict(width=3, color=MEAN_COLOUR))
    if ref_F is not None:
        fig.add_hline(y=ref_F, line=dict(color=DATA_COLOUR, width=2, dash="dash"))
        fig.add_scatter(x=[None], y=[None], mode="lines", name="mean of held-out digits",
                        line=dict(color=DATA_COLOUR, width=2, dash="dash"))
    # The first steps from noise fall from far above; keep the y-range on the rest of the run.
    settled = record.free_energy[min(T, max(1, T // 50)):]
    lo = min(float(settled.min()), ref_F if ref_F is not None else np.inf)
    hi = max(float(settled.max()), ref_F if ref_F is not None else -np.inf)
    pad = 0.1 * max(hi - lo, 1.0)
    fig.update_layout(
        height=400, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
        xaxis_title="Gibbs step", yaxis_title="F(v)   (lower = more probable)",
        yaxis_range=[lo - pad, hi + pad], hovermode="closest",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=13)),
    )
    return fig.to_dict()


def with_cursor(fig: dict, step: int) -> dict:
    """The cached figure plus a vertical line at the shown frame's step."""
    layout = dict(fig["layout"])
    cursor = dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=0, y1=1,
                  line=dict(color=CURSOR_COLOUR, width=3))
    layout["shapes"] = [*layout.get("shapes", []), cursor]
    return {"data": fig["data"], "layout": layout}
