"""Figures for slides: a page's plotly chart or st.image picture as a PNG, SVG or PDF file drawn by matplotlib.

``plotly_to_matplotlib`` redraws the figures the pages build with ``pgmviz.ui.theme.style`` (the
traces are drawn by ``pgmviz.ui.traces``; here: subplots, a second y axis, log and category axes,
reference lines and rectangles, annotations, titles) with their colours and labels; ``chart_file``
and ``picture_file`` give the bytes that ``pgmviz.ui.slides`` offers under each chart and picture.
It uses matplotlib's object API (no pyplot), so it never touches a global figure and can run on
the thread Streamlit gives a download.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.transforms import blended_transform_factory
from PIL import Image

from pgmviz.ui.traces import (
    DASHES,
    PX,
    colour,
    draw_bars,
    draw_heatmap,
    draw_scatter,
    font_kwargs,
    plain,
    positions,
    values,
)

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
DPI = 100  # figure inches = plotly pixels / DPI; PNGs are saved at 2 x DPI for a sharp slide
# st.plotly_chart's default "streamlit" theme colours traces that name no colour of their own
STREAMLIT_COLOURS = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d",
                     "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5"]


# --- axes ---------------------------------------------------------------------------------------
def _categories(fig, axis: str) -> list | None:
    """The category names of an axis in plotly's order (first seen), or None for a numeric axis."""
    letter = axis[0]
    cats: list = []
    for t in fig.data:
        if (getattr(t, letter + "axis", None) or letter) != axis:
            continue
        vals = values(getattr(t, letter, None))
        if any(isinstance(v, str) for v in vals):
            cats += [v for v in vals if v not in cats]
    lay = fig.layout[_layout_name(axis)]
    if lay is not None and lay.categoryarray is not None and lay.categoryorder in (None, "array", "trace"):
        cats = list(lay.categoryarray) + [c for c in cats if c not in lay.categoryarray]
    return cats or None


def _layout_name(axis: str) -> str:
    return axis[0] + "axis" + axis[1:]  # 'x2' -> 'xaxis2'




def _style_axis(ax, lay, letter: str, cats: list | None, base: float) -> None:
    if lay is None:
        return
    setx = letter == "x"
    if lay.visible is False:
        (ax.xaxis if setx else ax.yaxis).set_visible(False)
    if lay.title is not None and lay.title.text:
        (ax.set_xlabel if setx else ax.set_ylabel)(plain(lay.title.text), **font_kwargs(lay.title.font, base))
    log = lay.type == "log"
    if log:
        (ax.set_xscale if setx else ax.set_yscale)("log")
    if lay.range is not None and None not in lay.range:
        lo, hi = (10 ** r for r in lay.range) if log else lay.range
        (ax.set_xlim if setx else ax.set_ylim)(lo, hi)
    if cats is not None:
        labels = [plain(c) for c in cats]
        crowded = setx and len(cats) * max(map(len, labels)) > 90  # plotly turns such labels on end too
        (ax.set_xticks if setx else ax.set_yticks)(range(len(cats)), labels, rotation=90 if crowded else 0)
    if lay.tickvals is not None:
        ticks = positions(list(lay.tickvals), cats)
        labels = [plain(t) for t in lay.ticktext] if lay.ticktext is not None else None
        (ax.set_xticks if setx else ax.set_yticks)(ticks, labels)
    if lay.showticklabels is False:
        ax.tick_params(axis=letter, labelbottom=False, labelleft=False, labelright=False)
    if lay.autorange == "reversed":
        (ax.invert_xaxis if setx else ax.invert_yaxis)()
    ax.tick_params(axis=letter, labelsize=base * PX * 0.9)
    ax.grid(lay.showgrid is not False, axis=letter, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)

# --- the figure ---------------------------------------------------------------------------------
def plotly_to_matplotlib(fig, width: int = 1000) -> Figure:
    """A plotly figure (as ``theme.style`` lays it out) redrawn as a matplotlib ``Figure``.

    ``width`` (pixels) is used when the figure sets none (a chart that stretches to the page).
    """
    if not isinstance(fig, go.Figure):  # a page may hand st.plotly_chart the figure as a dict
        fig = go.Figure(fig)
    lay = fig.layout
    base = lay.font.size if lay.font is not None and lay.font.size else 12
    w, h = (lay.width or width), (lay.height or 450)
    out = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(out)
    pairs = list(dict.fromkeys((t.xaxis or "x", t.yaxis or "y") for t in fig.data)) or [("x", "y")]
    cats = {a: _categories(fig, a) for pair in pairs for a in pair}
    axes: dict = {}
    for xa, ya in pairs:
        ylay = lay[_layout_name(ya)]
        over = ylay.overlaying if ylay is not None else None
        host = next((axes[p] for p in axes if p[1] == over), None) if over else None
        if host is not None:
            ax = host.twinx()
        else:
            xd = lay[_layout_name(xa)].domain if lay[_layout_name(xa)] is not None else None
            yd = ylay.domain if ylay is not None else None
            x0, x1 = xd if xd is not None else (0, 1)
            y0, y1 = yd if yd is not None else (0, 1)
            ax = out.add_axes((0.08 + 0.9 * x0, 0.12 + 0.76 * y0, 0.9 * (x1 - x0), 0.76 * (y1 - y0)))
        ax.set_prop_cycle(cycler(color=STREAMLIT_COLOURS))
        axes[(xa, ya)] = ax
    defaults = {id(t): colour(STREAMLIT_COLOURS[i % len(STREAMLIT_COLOURS)]) for i, t in enumerate(fig.data)}
    for pair, ax in axes.items():
        traces = [t for t in fig.data if (t.xaxis or "x", t.yaxis or "y") == pair and t.visible is not False]
        bars = [t for t in traces if t.type == "bar"]
        if bars:
            draw_bars(ax, bars, lay.barmode, cats, defaults, base)
        for t in traces:
            if t.type in ("scatter", "scattergl"):
                draw_scatter(ax, t, positions(values(t.x), cats[pair[0]]) if t.x is not None else
                         np.arange(len(values(t.y)), dtype=float), positions(values(t.y), cats[pair[1]]),
                         defaults[id(t)], base)
            elif t.type == "heatmap":
                draw_heatmap(out, ax, t, cats, base)
        _style_axis(ax, lay[_layout_name(pair[0])], "x", cats[pair[0]], base)
        _style_axis(ax, lay[_layout_name(pair[1])], "y", cats[pair[1]], base)
        if lay[_layout_name(pair[0])] is not None and lay[_layout_name(pair[0])].scaleanchor:
            ax.set_aspect("equal", adjustable="datalim")
        if lay[_layout_name(pair[1])] is not None and lay[_layout_name(pair[1])].scaleanchor:
            ax.set_aspect("equal", adjustable="datalim")
        xl, yl = lay[_layout_name(pair[0])], lay[_layout_name(pair[1])]
        if all(a is not None and (a.visible is False or a.showticklabels is False) for a in (xl, yl)):
            ax.set_frame_on(False)  # a diagram drawn with scatter traces, not a plot
        handles, labels = ax.get_legend_handles_labels()
        if labels and lay.showlegend is not False and (len(labels) > 1 or lay.showlegend):
            ax.legend(fontsize=base * PX * 0.9, frameon=False)
    first = next(iter(axes.values()))
    for shape in lay.shapes or ():
        _shape(first, axes, shape)
    for note in lay.annotations or ():
        _annotation(out, first, axes, note, base)
    if lay.title is not None and lay.title.text:
        out.suptitle(plain(lay.title.text), x=0.08, ha="left", **font_kwargs(lay.title.font, base * 1.15))
    return out


def _axes_for(axes: dict, first, xref: str, yref: str):
    xa, ya = xref.split(" ")[0], yref.split(" ")[0]
    return next((ax for (x, y), ax in axes.items() if x == xa and y == ya),
                next((ax for (x, y), ax in axes.items() if x == xa or y == ya), first))


def _transform(ax, xref: str, yref: str):
    """Data coordinates for 'x'/'y', the axes' box for 'x domain' and 'paper' (one panel's plot area)."""
    def one(ref: str):
        return ax.transAxes if ref == "paper" or ref.endswith("domain") else ax.transData

    return blended_transform_factory(one(xref or "x"), one(yref or "y"))


def _shape(first, axes: dict, s) -> None:
    ax = _axes_for(axes, first, s.xref or "x", s.yref or "y")
    tr = _transform(ax, s.xref or "x", s.yref or "y")
    line = s.line
    lc = colour(line.color, (0.3, 0.3, 0.3, 1)) if line is not None else (0.3, 0.3, 0.3, 1)
    lw = (line.width if line is not None and line.width is not None else 2) * PX
    ls = DASHES.get(line.dash if line is not None and line.dash else "solid", "-")
    alpha = s.opacity if s.opacity is not None else 1.0
    if s.type == "line":
        ax.plot([s.x0, s.x1], [s.y0, s.y1], transform=tr, color=lc, linewidth=lw, linestyle=ls, alpha=alpha)
    elif s.type == "rect":
        from matplotlib.patches import Rectangle

        fc = colour(s.fillcolor, "none") if s.fillcolor is not None else "none"
        ax.add_patch(Rectangle((s.x0, s.y0), s.x1 - s.x0, s.y1 - s.y0, transform=tr, facecolor=fc,
                               edgecolor=lc if lw > 0 else "none", linewidth=lw, linestyle=ls, alpha=alpha))


def _annotation(out, first, axes: dict, a, base: float) -> None:
    xref, yref = a.xref or "x", a.yref or "y"
    font = font_kwargs(a.font, base)
    ha = {"left": "left", "right": "right"}.get(a.xanchor, "center")
    va = {"top": "top", "bottom": "bottom"}.get(a.yanchor, "center" if a.showarrow is False else "bottom")
    if xref == "paper" and yref == "paper":  # e.g. make_subplots' titles: over the whole plot area
        out.text(0.08 + 0.9 * (a.x or 0), 0.12 + 0.76 * (a.y or 0), plain(a.text), ha=ha, va=va, **font)
        return
    ax = _axes_for(axes, first, xref, yref)
    ax.text(a.x or 0, a.y or 0, plain(a.text), transform=_transform(ax, xref, yref), ha=ha, va=va, **font)


# --- files --------------------------------------------------------------------------------------
def save(fig: Figure, fmt: str) -> bytes:
    """A matplotlib figure as PNG (at 2 x DPI), SVG (text kept as text) or PDF bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, not {fmt!r}")
    import matplotlib

    buf = io.BytesIO()
    # text as <text> in SVG and TrueType in PDF, so slides can edit the labels
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buf, format=fmt, dpi=2 * DPI if fmt == "png" else DPI, bbox_inches="tight",
                    facecolor="white")
    return buf.getvalue()


def chart_file(fig, fmt: str) -> bytes:
    """A plotly chart of a page as a PNG, SVG or PDF file."""
    return save(plotly_to_matplotlib(fig), fmt)


def as_array(image) -> np.ndarray:
    """What ``st.image`` was given (a uint8 or [0, 1] array, PNG bytes, a data URL, or a list of them, shown in a
    row) as one uint8 array."""
    if isinstance(image, (list, tuple)):
        parts = [as_array(i) for i in image]
        h = max(p.shape[0] for p in parts)
        parts = [np.pad(_rgb(p), ((0, h - p.shape[0]), (0, 8), (0, 0)), constant_values=255) for p in parts]
        return np.concatenate(parts, axis=1)[:, :-8]
    if isinstance(image, str) and image.startswith("data:"):
        image = base64.b64decode(image.split(",", 1)[1])
    if isinstance(image, (bytes, bytearray)):
        return np.asarray(Image.open(io.BytesIO(image)))
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = (np.clip(np.nan_to_num(a.astype(float)), 0, 1) * 255).round().astype(np.uint8)
    return a


def _rgb(a: np.ndarray) -> np.ndarray:
    return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else a[..., :3]


def picture_file(image, fmt: str, caption: str | None = None) -> bytes:
    """A page's picture as PNG (pixel for pixel), or SVG / PDF (the pixels as one embedded image, unblurred)."""
    a = as_array(image)
    if fmt == "png" and not caption:
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, format="PNG")
        return buf.getvalue()
    h, w = a.shape[:2]
    out = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(out)
    ax = out.add_axes((0, 0, 1, 1))
    ax.imshow(a, cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    if caption:
        ax.set_title(plain(caption), fontsize=11, pad=6)
    return save(out, fmt)
