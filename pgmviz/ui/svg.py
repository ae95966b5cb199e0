"""Charts as SVG text drawn on the server: bar charts, heat maps, graphs of units and weighted edges.

A page shows them with ``pgmviz.ui.slides.svg_chart`` (inline, so each ``<title>`` is a hover tooltip), and
the browser loads no chart library for them: Plotly's 4.7 MB chunk was over half of Energy and
probability's time to ready in a fresh browser (bench/README.md, the latecomer). Text and axes are drawn
in ``currentColor``, so they take the page's text colour in the light and the dark theme; data colours
are the theme's (red positive, blue negative). No Streamlit here: the builders return strings, and
``pgmviz.ui.slides`` puts them on the page::

    from pgmviz.ui import svg

    svg.bar_chart(["00", "01"], [svg.Series("p", [0.3, 0.7])], xtitle="state", ytitle="p")
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WIDTH = 480  # viewBox units; the SVG scales to its column (width 100%): a lesson's half column is 400-520 px
FONT_PX = 15  # theme.FONT's size
MISSING = "#9e9e9e"  # a NaN cell or bar colour
# plotly's RdBu reversed (blue low, white middle, red high) and Viridis: the scales the Plotly charts used
RDBU_R = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
          "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725"]


# --- text and numbers -----------------------------------------------------------------------------
def esc(text) -> str:
    """XML-escaped text; also _ $ * as character references, so a markdown renderer cannot read them as markup."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return s.replace("_", "&#95;").replace("$", "&#36;").replace("*", "&#42;")


def num(x: float, spec: str = ".3g") -> str:
    """``format(x, spec)``, with NaN and ±inf spelled out instead of raising or printing 'nan'."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return format(x, spec).replace("-", "−")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo if math.isfinite(lo) else 0.0]
    raw = (hi - lo) / max(1, n)
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + k * step, 12) for k in range(int((hi - first) / step + 1e-9) + 1)]


def colour_at(scale: Sequence[str], t: float) -> str:
    """The colour a fraction t in [0, 1] of the way along ``scale`` (linear between its stops); NaN is grey."""
    if not math.isfinite(t):
        return MISSING if math.isnan(t) else scale[-1 if t > 0 else 0]
    t = min(max(t, 0.0), 1.0) * (len(scale) - 1)
    k = min(int(t), len(scale) - 2)
    a, b = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (scale[k], scale[k + 1]))
    r, g, bl = np.round(a + (t - k) * (b - a)).astype(int)
    return f"#{r:02x}{g:02x}{bl:02x}"


def ink_on(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` (by its luminance)."""
    if not fill.startswith("#"):
        return "black"
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "white"


def document(body: list[str], height: float, title: str) -> str:
    """The SVG element: scales to its column's width, text in the page's colour and font; one line, no blank lines."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
            f'role="img" aria-label="{esc(title)}" font-family="sans-serif" font-size="{FONT_PX}" '
            f'fill="currentColor" style="max-width:100%;height:auto;overflow:visible">'
            f"<title>{esc(title)}</title>{''.join(body)}</svg>")


def text(x: float, y: float, s, *, anchor: str = "middle", size: float | None = None, weight: str | None = None,
         fill: str | None = None, rotate: float | None = None, opacity: float | None = None,
         cls: str | None = None) -> str:
    """A text element centred vertically on y; no fill means the page's text colour."""
    attrs = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dominant-baseline="middle"'
    attrs += f' font-size="{size}"' if size else ""
    attrs += f' font-weight="{weight}"' if weight else ""
    attrs += f' fill="{fill}"' if fill else ""
    attrs += f' opacity="{opacity}"' if opacity is not None else ""
    attrs += f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    attrs += f' class="{cls}"' if cls else ""
    return f"<text {attrs}>{esc(s)}</text>"


def colour_bar(x: float, y: float, height: float, scale: Sequence[str], lo: float, hi: float,
               title: str, spec: str = ".2g") -> list[str]:
    """A vertical colour scale from lo (bottom) to hi (top), its title above and round ticks beside it."""
    n = 32  # bands, not a gradient: a gradient needs an id, and ids would clash between charts on one page
    out = [text(x + 7, y - 14, title, size=13, cls="colourbar-title")]
    for k in range(n):
        out.append(f'<rect x="{x:.1f}" y="{y + height * (n - 1 - k) / n:.1f}" width="14" '
                   f'height="{height / n + 0.5:.1f}" fill="{colour_at(scale, (k + 0.5) / n)}"/>')
    if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        for t in nice_ticks(lo, hi, 4):
            ty = y + height * (1 - (t - lo) / (hi - lo))
            out.append(text(x + 19, ty, num(t, spec), anchor="start", size=12))
    return out


# --- bar charts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Series:
    """One series of a bar chart: a value per category, drawn as bars or as diamond markers.

    ``colour``: one colour, or one per category; ``hover``: each category's tooltip (default: name = value).
    """
    name: str
    values: Sequence[float]
    colour: str | Sequence[str] = "#5c6bc0"
    kind: str = "bar"  # "bar" or "diamond"
    hover: Sequence[str] | None = None
    spec: str = ".5f"


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, xtitle: str, ytitle: str,
              title: str | None = None, height: float = 380, colourbar: tuple | None = None,
              max_labels: int = 32) -> str:
    """Bars from zero, one group per category (series side by side), y axis with round ticks, legend on top.

    ``colourbar``: (scale, lo, hi, title) drawn at the right. NaN values draw no bar (their tooltip says NaN);
    +inf draws a bar to the top of the axis. At most ``max_labels`` category names are printed (every k-th).
    """
    n, bars = len(categories), [s for s in series if s.kind == "bar"]
    vals = np.array([np.asarray(s.values, dtype=float) for s in series]).reshape(len(series), n)
    finite = vals[np.isfinite(vals)]
    top = max(float(finite.max(initial=0.0)), 0.0)
    ticks = nice_ticks(0.0, top if top > 0 else 1.0)
    top = max(ticks[-1], top) if top > 0 else ticks[-1]
    rotate = n > 8 or max((len(c) for c in categories), default=0) > 5
    left, right = 72, (86 if colourbar else 14)
    legend = _legend_rows(series, left)
    top_px = 12 + 22 * len(legend) + (26 if title else 0)
    bottom = 46 + (7.5 * max((len(c) for c in categories), default=1) if rotate else 18)
    plot_w, plot_h = WIDTH - left - right, height - top_px - bottom
    out = [text(left, 16, title, anchor="start", size=17, cls="chart-title")] if title else []
    y_of = lambda v: top_px + plot_h * (1 - v / top)  # noqa: E731 - the axis map, used throughout
    for t in ticks:  # grid lines and y tick labels
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(t):.1f}" y2="{y_of(t):.1f}" '
                   f'stroke="currentColor" stroke-opacity="0.15"/>')
        out.append(text(left - 6, y_of(t), num(t, ".3g"), anchor="end", size=13, cls="ytick"))
    slot = plot_w / max(n, 1)
    gap = 0.15 if slot > 4 else 0.0  # hundreds of bars: no gaps, or the bars would be thinner than a pixel
    width = slot * (1 - gap) / max(len(bars), 1)
    for s_i, s in enumerate(series):
        colours = [s.colour] * n if isinstance(s.colour, str) else list(s.colour)
        for k in range(n):
            v = float(vals[s_i, k])
            tip = s.hover[k] if s.hover is not None else f"{categories[k]}: {s.name} = {num(v, s.spec)}"
            if s.kind == "bar":
                x = left + slot * (k + gap / 2) + width * bars.index(s)
                if math.isnan(v):
                    out.append(f'<rect class="bar nan" x="{x:.2f}" y="{y_of(0):.2f}" width="{width:.2f}" height="0" '
                               f'data-value="NaN"><title>{esc(tip)}</title></rect>')
                    continue
                h = plot_h * min(max(v, 0.0), top) / top
                out.append(f'<rect class="bar" x="{x:.2f}" y="{y_of(0) - h:.2f}" width="{width:.2f}" '
                           f'height="{h:.3f}" fill="{colours[k]}" data-value="{v!r}"><title>{esc(tip)}</title></rect>')
            elif math.isfinite(v):
                cx, cy, r = left + slot * (k + 0.5), y_of(min(max(v, 0.0), top)), 7
                out.append(f'<path class="marker" d="M{cx:.1f} {cy - r:.1f}L{cx + r:.1f} {cy:.1f}L{cx:.1f} '
                           f'{cy + r:.1f}L{cx - r:.1f} {cy:.1f}Z" fill="{colours[k]}" stroke="black" '
                           f'data-value="{v!r}"><title>{esc(tip)}</title></path>')
    base = y_of(0)
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{base:.1f}" y2="{base:.1f}" stroke="currentColor"/>')
    every = max(1, math.ceil(n / min(max_labels, plot_w // (15 if rotate else 40))))  # labels must not overlap
    for k in range(0, n, every):
        x = left + slot * (k + 0.5)
        out.append(text(x, base + 10, categories[k], anchor="end", size=12, rotate=-60, cls="xtick") if rotate
                   else text(x, base + 14, categories[k], size=13, cls="xtick"))
    out.append(text(left + plot_w / 2, height - 12, xtitle, cls="xtitle"))
    out.append(text(18, top_px + plot_h / 2, ytitle, rotate=-90, cls="ytitle"))
    for row, items in enumerate(legend):  # the legend above the plot, as many rows as it needs
        y = top_px - 22 * (len(legend) - row)
        for x, s in items:
            swatch = s.colour if isinstance(s.colour, str) else colour_at(colourbar[0], 0.5) if colourbar else MISSING
            shape = (f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{swatch}"/>' if s.kind == "bar"
                     else f'<path d="M{x + 7:.1f} {y - 1:.1f}l7 7l-7 7l-7 -7Z" fill="{swatch}" stroke="black"/>')
            out += [shape, text(x + 20, y + 7, s.name, anchor="start", size=13, cls="legend")]
    if colourbar:
        out += colour_bar(WIDTH - right + 22, top_px + 16, plot_h - 16, *colourbar)
    return document(out, height, title or f"{ytitle} by {xtitle}")


def _legend_rows(series: Sequence[Series], left: float) -> list[list[tuple[float, Series]]]:
    """Legend entries (x, series) in rows that fit the width, from ``left``; about 7 units a character at 13 px."""
    rows: list[list[tuple[float, Series]]] = [[]]
    x = left
    for s in series:
        w = 34 + 7.0 * len(s.name)
        if rows[-1] and x + w > WIDTH:
            rows.append([])
            x = left
        rows[-1].append((x, s))
        x += w
    return rows


# --- heat maps ------------------------------------------------------------------------------------
def heatmap(Z: np.ndarray, labels: Sequence[str], *, scale: Sequence[str] = RDBU_R, lo: float, hi: float,
            cell_text: Sequence[Sequence[str]], hover: Sequence[Sequence[str]],
            boxes: Sequence[tuple] = (), title: str = "heat map") -> str:
    """A square matrix as coloured cells with their values, row and column names on the left and top.

    NaN cells are left blank (no cell, no text); ``boxes``: (row0, col0, row1, col1, colour, dashed) outlines
    around the cells row0..row1-1 x col0..col1-1. A colour scale from lo to hi at the right.
    """
    Z = np.asarray(Z, dtype=float)
    N = Z.shape[0]
    left, top, cell = 48, 30, min(56.0, (WIDTH - 48 - 80) / max(N, 1))
    size = 15 if cell >= 40 else 12  # the values must fit their cells (10 units: 35 px cells)
    out = []
    for k, name in enumerate(labels):
        out.append(text(left + cell * (k + 0.5), top - 12, name, size=16, cls="col"))
        out.append(text(left - 8, top + cell * (k + 0.5), name, anchor="end", size=16, cls="row"))
    for i in range(N):
        for j in range(N):
            if math.isnan(Z[i, j]):
                continue
            fill = colour_at(scale, (Z[i, j] - lo) / (hi - lo) if hi > lo else 0.5)
            x, y = left + cell * j, top + cell * i
            out.append(f'<g class="cell" data-row="{i}" data-col="{j}" data-value="{float(Z[i, j])!r}">'
                       f'<title>{esc(hover[i][j])}</title><rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell - 2:.1f}" '
                       f'height="{cell - 2:.1f}" fill="{fill}"/>'
                       + text(x + cell / 2, y + cell / 2, cell_text[i][j], size=size, fill=ink_on(fill)) + "</g>")
    for r0, c0, r1, c1, colour, dashed in boxes:
        dash = ' stroke-dasharray="8 5"' if dashed else ""
        out.append(f'<rect class="box" x="{left + cell * c0:.1f}" y="{top + cell * r0:.1f}" '
                   f'width="{cell * (c1 - c0):.1f}" height="{cell * (r1 - r0):.1f}" fill="none" stroke="{colour}" '
                   f'stroke-width="3"{dash}/>')
    out += colour_bar(left + cell * N + 24, top + 16, cell * N - 16, scale, lo, hi, "Q")
    return document(out, top + cell * N + 10, title)


# --- graphs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """A unit at (x, y) in data coordinates: a filled circle with its name, a tooltip and a note beside it."""
    x: float
    y: float
    label: str
    fill: str
    hover: str
    note: str = ""
    note_dy: float = 0.0  # where the note sits, in data units of y from the node's centre


@dataclass(frozen=True)
class Edge:
    """A weighted edge along ``points`` (data coordinates); its tooltip names the weight."""
    points: Sequence[tuple[float, float]]
    colour: str
    width: float
    hover: str
    dashed: bool = False
    value: float = 0.0


def graph(nodes: Sequence[Node], edges: Sequence[Edge], *, xrange: tuple[float, float], yrange: tuple[float, float],
          height: float, node_px: float, title: str, row_labels: Sequence[tuple[float, float, str]] = (),
          colourbar: tuple | None = None) -> str:
    """Units and weighted edges: edges first (a wide invisible stroke makes each one easy to hover), then nodes.

    ``row_labels``: (x, y, text) ending at x; ``colourbar``: (scale, lo, hi, title) at the right.
    """
    right = 80 if colourbar else 10
    top = 34
    (x0, x1), (y0, y1) = xrange, yrange
    px = lambda x: 10 + (WIDTH - 10 - right) * (x - x0) / (x1 - x0)  # noqa: E731
    py = lambda y: top + (height - top - 10) * (1 - (y - y0) / (y1 - y0))  # noqa: E731
    out = [text(10, 16, title, anchor="start", size=18, cls="chart-title")]
    for e in edges:
        d = "M" + "L".join(f"{px(x):.1f} {py(y):.1f}" for x, y in e.points)
        dash = ' stroke-dasharray="3 4"' if e.dashed else ""
        out.append(f'<g class="edge" data-value="{float(e.value)!r}"><title>{esc(e.hover)}</title>'
                   f'<path d="{d}" fill="none" stroke="{e.colour}" stroke-width="{e.width:.2f}"{dash}/>'
                   f'<path d="{d}" fill="none" stroke="transparent" stroke-width="14" pointer-events="stroke"/></g>')
    for x, y, s in row_labels:
        out.append(text(px(x), py(y), s, anchor="end", size=15, opacity=0.75, cls="row-label"))
    for n in nodes:
        cx, cy = px(n.x), py(n.y)
        out.append(f'<g class="node"><title>{esc(n.hover)}</title><circle cx="{cx:.1f}" cy="{cy:.1f}" '
                   f'r="{node_px / 2:.1f}" fill="{n.fill}" stroke="#37474f" stroke-width="2"/>'
                   + text(cx, cy, n.label, size=17, fill=ink_on(n.fill)) + "</g>")
        if n.note:  # on a light patch, so edges passing behind do not make it unreadable
            ny, w = py(n.y + n.note_dy), 8.0 * len(n.note) + 6
            out.append(f'<rect x="{cx - w / 2:.1f}" y="{ny - 10:.1f}" width="{w:.1f}" height="20" rx="3" '
                       f'fill="white" fill-opacity="0.85"/>'
                       + text(cx, ny, n.note, size=13, fill="#37474f", cls="note"))
    if colourbar:
        out += colour_bar(WIDTH - right + 18, top + 30, height - top - 80, *colourbar)
    return document(out, height, title)
