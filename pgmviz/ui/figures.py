"""Figures for slides: every chart and picture a page shows, as PNG, SVG or PDF drawn by matplotlib.

A page draws through two helpers instead of ``st.plotly_chart`` / ``st.image``::

    from pgmviz.ui.figures import chart, picture

    chart(st, fig, key=P + "bars", width="stretch")      # or chart(col, ...) for a column
    picture(st, img, name=P + "filters", width="content")

Each draws as before and adds a small "Slides" popover with PNG / SVG / PDF buttons. The files are
made only when a button is clicked (``st.download_button`` takes a callable, run then on a thread
of its own), so a page run costs two extra elements per chart, not a conversion.

The converter, ``plotly_to_matplotlib``, redraws the figures the pages build with
``pgmviz.ui.theme.style`` (lines and markers, bars, heatmaps with their text, error bars, fills,
reference lines and rectangles, annotations, subplots, a second y axis, log and category axes)
with their colours, titles and labels. It uses matplotlib's object API (no pyplot), so it never
touches a global figure and can run beside the page.
"""

from __future__ import annotations

import base64
import html
import io
import re

import numpy as np
import plotly.graph_objects as go
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, Normalize, TwoSlopeNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.transforms import blended_transform_factory
from PIL import Image

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
PX = 0.75  # one CSS pixel in points: plotly sizes are pixels, matplotlib's points
DPI = 100  # figure inches = plotly pixels / DPI; PNGs are saved at 2 x DPI for a sharp slide
# st.plotly_chart's default "streamlit" theme colours traces that name no colour of their own
STREAMLIT_COLOURS = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d",
                     "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5"]
DASHES = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-.", "longdash": (0, (8, 3)),
          "longdashdot": (0, (8, 3, 2, 3))}
SYMBOLS = {"circle": "o", "square": "s", "diamond": "D", "x": "x", "cross": "P", "star": "*",
           "triangle-up": "^", "triangle-down": "v", "triangle-left": "<", "triangle-right": ">"}


# --- text and colours ---------------------------------------------------------------------------
def plain(text) -> str:
    """Plotly's HTML-ish text (<b>, <br>, <sub>, &amp;) as matplotlib text ($ escaped: no mathtext)."""
    if text is None:
        return ""
    s = re.sub(r"<br\s*/?>", "\n", str(text), flags=re.I)
    s = re.sub(r"<[^>]+>", "", s)
    return html.unescape(s).replace("$", r"\$")


def colour(c, default=None):
    """A plotly colour ('#b3172b', 'rgba(1,2,3,0.5)', 'red') as an RGBA tuple."""
    if c is None:
        return default
    if isinstance(c, tuple):  # already converted
        return to_rgba(c)
    s = str(c).strip()
    m = re.fullmatch(r"rgba?\(([^)]*)\)", s.replace(" ", ""))
    if m:
        parts = [float(p) for p in m.group(1).split(",")]
        return (parts[0] / 255, parts[1] / 255, parts[2] / 255, parts[3] if len(parts) > 3 else 1.0)
    return to_rgba(s)


def colormap(scale, reverse: bool = False) -> LinearSegmentedColormap:
    """A plotly colour scale (a name such as 'RdBu' or [[0, c0], ..., [1, c1]]) as a matplotlib colormap."""
    from plotly.colors import get_colorscale

    if scale is None:
        scale = [[0, "#e4f5ff"], [1, "#0054a3"]]  # the streamlit theme's sequential blues
    stops = get_colorscale(scale) if isinstance(scale, str) else [list(s) for s in scale]
    if reverse:
        stops = [[1 - p, c] for p, c in reversed(stops)]
    return LinearSegmentedColormap.from_list("plotly", [(float(p), colour(c)) for p, c in stops])


def _font(font, base: float) -> dict:
    size = (font.size if font is not None and font.size else base) * PX
    out = {"fontsize": size}
    if font is not None and font.color:
        out["color"] = colour(font.color)
    return out


# --- axes ---------------------------------------------------------------------------------------
def _typed(v):
    """Plotly's typed arrays ({'dtype': 'f8', 'bdata': base64, 'shape': '2, 3'}, as a spec stores numpy) as numpy."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if v.get("shape") else a
    return v


def _values(v) -> list:
    return [] if v is None else list(np.asarray(_typed(v), dtype=object).ravel())


def _categories(fig, axis: str) -> list | None:
    """The category names of an axis in plotly's order (first seen), or None for a numeric axis."""
    letter = axis[0]
    cats: list = []
    for t in fig.data:
        if (getattr(t, letter + "axis", None) or letter) != axis:
            continue
        vals = _values(getattr(t, letter, None))
        if any(isinstance(v, str) for v in vals):
            cats += [v for v in vals if v not in cats]
    lay = fig.layout[_layout_name(axis)]
    if lay is not None and lay.categoryarray is not None and lay.categoryorder in (None, "array", "trace"):
        cats = list(lay.categoryarray) + [c for c in cats if c not in lay.categoryarray]
    return cats or None


def _layout_name(axis: str) -> str:
    return axis[0] + "axis" + axis[1:]  # 'x2' -> 'xaxis2'


def _positions(vals, cats: list | None) -> np.ndarray:
    if cats is None:
        return np.asarray([np.nan if v is None else v for v in vals], dtype=float)
    index = {c: i for i, c in enumerate(cats)}
    return np.asarray([index.get(v, np.nan) for v in vals], dtype=float)


def _style_axis(ax, lay, letter: str, cats: list | None, base: float) -> None:
    if lay is None:
        return
    setx = letter == "x"
    if lay.visible is False:
        (ax.xaxis if setx else ax.yaxis).set_visible(False)
    if lay.title is not None and lay.title.text:
        (ax.set_xlabel if setx else ax.set_ylabel)(plain(lay.title.text), **_font(lay.title.font, base))
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
        ticks = _positions(list(lay.tickvals), cats)
        labels = [plain(t) for t in lay.ticktext] if lay.ticktext is not None else None
        (ax.set_xticks if setx else ax.set_yticks)(ticks, labels)
    if lay.showticklabels is False:
        ax.tick_params(axis=letter, labelbottom=False, labelleft=False, labelright=False)
    if lay.autorange == "reversed":
        (ax.invert_xaxis if setx else ax.invert_yaxis)()
    ax.tick_params(axis=letter, labelsize=base * PX * 0.9)
    ax.grid(lay.showgrid is not False, axis=letter, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)


# --- traces -------------------------------------------------------------------------------------
def _scatter(ax, t, x, y, c, base: float) -> None:
    mode = t.mode or ("lines+markers" if len(x) < 20 else "lines")
    label = plain(t.name) if t.name and t.showlegend is not False else None
    line, marker = t.line, t.marker
    lc = colour(line.color, c) if line is not None else c
    alpha = t.opacity if t.opacity is not None else 1.0
    if "lines" in mode:
        ax.plot(x, y, color=lc, linewidth=(line.width or 2) * PX, alpha=alpha, label=label,
                linestyle=DASHES.get(line.dash or "solid", "-"), drawstyle="steps-mid" if line.shape == "hvh" else
                "steps-post" if line.shape == "hv" else "default")
        label = None
    if "markers" in mode:
        mc = marker.color if marker is not None and marker.color is not None else lc
        mcs = _marker_colours(mc, marker, len(x), c)
        size = marker.size if marker is not None and marker.size is not None else 6
        s = (np.asarray(_typed(size), float) * PX) ** 2
        edge = marker.line.color if marker is not None and marker.line is not None else None
        ax.scatter(x, y, s=s, c=mcs, marker=SYMBOLS.get(marker.symbol if marker else None, "o"), label=label,
                   alpha=marker.opacity if marker is not None and marker.opacity is not None else alpha,
                   edgecolors=colour(edge, "none") if edge is not None and not isinstance(edge, (list, tuple)) else
                   "none", zorder=3)
    if "text" in mode and t.text is not None:
        texts = _values(t.text) if not isinstance(t.text, str) else [t.text] * len(x)
        pos = t.textposition or "middle center"
        va = "bottom" if "top" in pos else "top" if "bottom" in pos else "center"
        ha = "left" if "right" in pos else "right" if "left" in pos else "center"
        for xi, yi, s in zip(x, y, texts):
            ax.annotate(plain(s), (xi, yi), ha=ha, va=va, **_font(t.textfont, base))
    if t.fill in ("tozeroy", "tozerox", "toself"):
        fc = colour(t.fillcolor, (*lc[:3], 0.3))
        (ax.fill(x, y, color=fc) if t.fill == "toself" else
         ax.fill_between(x, 0, y, color=fc) if t.fill == "tozeroy" else ax.fill_betweenx(y, 0, x, color=fc))
    if t.error_y is not None and t.error_y.array is not None and t.error_y.visible is not False:
        plus = np.asarray(_typed(t.error_y.array), float)
        minus = np.asarray(_typed(t.error_y.arrayminus), float) if t.error_y.arrayminus is not None else plus
        ax.errorbar(x, y, yerr=[minus, plus], fmt="none", ecolor=colour(t.error_y.color, lc),
                    elinewidth=(t.error_y.thickness or 2) * PX, capsize=(t.error_y.width or 4) * PX)


def _marker_colours(mc, marker, n: int, default):
    mc = _typed(mc)
    if isinstance(mc, (list, tuple, np.ndarray)) and not (isinstance(mc, tuple) and len(mc) == 4 and n != 4):
        vals = list(mc)
        if vals and not isinstance(vals[0], str):
            cmap = colormap(marker.colorscale, bool(marker.reversescale))
            arr = np.asarray(vals, float)
            lo = marker.cmin if marker.cmin is not None else np.nanmin(arr)
            hi = marker.cmax if marker.cmax is not None else np.nanmax(arr)
            return [cmap(v) for v in Normalize(lo, hi if hi > lo else lo + 1)(arr)]
        return [colour(v) for v in vals]
    return [colour(mc, default)] * max(n, 1)


def _bars(ax, bars: list, barmode: str | None, cats: dict, default_colours: dict, base: float) -> None:
    """Bar traces of one axes pair: grouped side by side (plotly's default), stacked or overlaid."""
    group = barmode in (None, "group")
    n = len(bars) if group else 1
    stack: dict = {}
    for i, t in enumerate(bars):
        horizontal = t.orientation == "h"
        pos_vals, len_vals = (_values(t.y), _values(t.x)) if horizontal else (_values(t.x), _values(t.y))
        pos_axis = (t.yaxis or "y") if horizontal else (t.xaxis or "x")
        pos = _positions(pos_vals, cats[pos_axis]) if pos_vals else np.arange(len(len_vals), dtype=float)
        length = np.asarray([np.nan if v is None else v for v in len_vals], float)
        step = np.min(np.diff(np.unique(pos))) if len(np.unique(pos)) > 1 else 1.0
        width = step * 0.8 / n
        offset = (i - (n - 1) / 2) * width if group else 0.0
        bottom = np.zeros_like(length)
        if barmode in ("stack", "relative"):
            bottom = np.asarray([stack.get(p, 0.0) for p in pos])
            for p, b, l in zip(pos, bottom, length):
                stack[p] = b + (0 if np.isnan(l) else l)
        mc = t.marker.color if t.marker is not None and t.marker.color is not None else default_colours[id(t)]
        colours = _marker_colours(mc, t.marker, len(pos), default_colours[id(t)])
        alpha = t.opacity if t.opacity is not None else (0.6 if barmode == "overlay" else 1.0)
        label = plain(t.name) if t.name and t.showlegend is not False else None
        draw = ax.barh if horizontal else ax.bar
        kw = {"left" if horizontal else "bottom": bottom}
        draw(pos + offset, length, width, color=colours, alpha=alpha, label=label, **kw)
        if t.text is not None and t.texttemplate is None:
            texts = _values(t.text) if not isinstance(t.text, str) else [t.text] * len(pos)
            for p, l, b, s in zip(pos + offset, length, bottom, texts):
                if not np.isnan(l):
                    xy = (b + l, p) if horizontal else (p, b + l)
                    ax.annotate(plain(s), xy, ha="left" if horizontal else "center",
                                va="center" if horizontal else "bottom", **_font(t.textfont, base * 0.9))


def _heatmap(fig_mpl, ax, t, cats: dict, base: float) -> None:
    z = np.ma.masked_invalid(np.asarray([[np.nan if v is None else v for v in row] for row in _typed(t.z)], float))
    ny, nx = z.shape
    xs = np.arange(nx) if t.x is None or cats[t.xaxis or "x"] is not None else np.asarray(t.x, float)
    ys = np.arange(ny) if t.y is None or cats[t.yaxis or "y"] is not None else np.asarray(t.y, float)
    if t.x is not None and cats[t.xaxis or "x"] is not None:
        xs = _positions(_values(t.x), cats[t.xaxis or "x"])
    if t.y is not None and cats[t.yaxis or "y"] is not None:
        ys = _positions(_values(t.y), cats[t.yaxis or "y"])
    lo = t.zmin if t.zmin is not None else float(z.min())
    hi = t.zmax if t.zmax is not None else float(z.max())
    hi = hi if hi > lo else lo + 1e-12
    norm = TwoSlopeNorm(t.zmid, lo, hi) if t.zmid is not None and lo < t.zmid < hi else Normalize(lo, hi)
    mesh = ax.pcolormesh(_edges(xs), _edges(ys), z, cmap=colormap(t.colorscale, bool(t.reversescale)), norm=norm,
                         shading="flat")
    if t.showscale is not False:
        fig_mpl.colorbar(mesh, ax=ax)
    template = t.texttemplate
    if template:
        text = np.asarray(_typed(t.text), dtype=object) if t.text is not None else None
        for i in range(ny):
            for j in range(nx):
                if np.ma.is_masked(z[i, j]) and text is None:
                    continue
                s = _fill_template(template, z[i, j], None if text is None else text[i, j])
                rgba = mesh.cmap(norm(z[i, j])) if not np.ma.is_masked(z[i, j]) else (1, 1, 1, 1)
                dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
                font = _font(t.textfont, base)
                font.setdefault("color", "white" if dark else "black")
                ax.text(xs[j], ys[i], plain(s), ha="center", va="center", **font)


def _edges(centres: np.ndarray) -> np.ndarray:
    c = np.asarray(centres, float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _fill_template(template: str, z, text) -> str:
    def one(m):
        name, fmt = m.group(1), m.group(2)
        value = text if name == "text" else z
        if fmt and value is not None and not isinstance(value, str):
            try:
                return format(float(value), fmt.lstrip(":"))
            except ValueError:
                pass
        return "" if value is None else str(value)

    return re.sub(r"%\{(\w+)(:[^}]*)?\}", one, template)


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
            _bars(ax, bars, lay.barmode, cats, defaults, base)
        for t in traces:
            if t.type in ("scatter", "scattergl"):
                _scatter(ax, t, _positions(_values(t.x), cats[pair[0]]) if t.x is not None else
                         np.arange(len(_values(t.y)), dtype=float), _positions(_values(t.y), cats[pair[1]]),
                         defaults[id(t)], base)
            elif t.type == "heatmap":
                _heatmap(out, ax, t, cats, base)
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
        out.suptitle(plain(lay.title.text), x=0.08, ha="left", **_font(lay.title.font, base * 1.15))
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
    font = _font(a.font, base)
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
