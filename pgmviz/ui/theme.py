"""One look for every page: the colours and fonts of the charts, and the layout they share.

Red is positive and blue negative everywhere, as in `pgmviz.viz.diverging_rgb`'s filter pictures;
amber marks what a lesson is about, indigo what it is compared with, grey a reference line.
"""

from __future__ import annotations

import plotly.graph_objects as go

# --- colours ------------------------------------------------------------------------------------
RED, BLUE, GREY = "#b3172b", "#2166ab", "#7f7f7f"  # the ends of viz.diverging_rgb: red = positive
ACCENT, MUTED, GREEN, LIGHT_GREY = "#ffb300", "#5c6bc0", "#2e7d32", "#9e9e9e"
ALERT = "#c62828"  # a bound, a ceiling, a limit
# one colour per negative phase, the same on every page that compares them
SAMPLER_COLOURS = {"cd": "#e45756", "pcd": "#4c78a8", "pa": "#54a24b", "pt": "#b279a2"}
# one colour per digit class (plotly's default cycle)
CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

# --- fonts --------------------------------------------------------------------------------------
FONT = dict(size=15)  # large enough for the back row of a lecture room
TITLE_FONT = dict(size=17)
MARGIN = dict(l=10, r=10, t=40, b=10)


def style(fig: go.Figure, height: int, title: str | None = None, margin: dict | None = None, **layout) -> go.Figure:
    """The shared chart layout: the font, tight margins, an optional title, then the page's own settings."""
    fig.update_layout(height=height, font=FONT, margin=margin or MARGIN, **layout)
    if title is not None:
        fig.update_layout(title=dict(text=title, font=TITLE_FONT))
    return fig


def static_style(fig: go.Figure, height: int, title: str | None = None, **layout) -> go.Figure:
    """`style` with fixed margins for a chart redrawn every frame: with automargin plotly measures
    every tick label on every redraw."""
    style(fig, height, title, margin=dict(l=70, r=10, t=45, b=50), **layout)
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    return fig
