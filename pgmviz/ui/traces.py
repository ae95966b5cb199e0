"""The plotly traces the pages draw, redrawn on a matplotlib Axes: scatter (lines, markers, text, fills, error
bars), bars (grouped, stacked, overlaid, horizontal) and heatmaps (colour scales, text templates); and the
text and colour conversions they share. ``pgmviz.ui.figures`` lays the axes out and calls these."""

from __future__ import annotations

import base64
import html
import re

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, Normalize, TwoSlopeNorm, to_rgba

PX = 0.75  # one CSS pixel in points: plotly sizes are pixels, matplotlib's points
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


def font_kwargs(font, base: float) -> dict:
    """A plotly font as matplotlib text settings; a per-point colour list is left to the caller."""
    size = font.size if font is not None and isinstance(font.size, (int, float)) and font.size else base
    out = {"fontsize": size * PX}
    if font is not None and isinstance(font.color, str):
        out["color"] = colour(font.color)
    return out


def typed(v):
    """Plotly's typed arrays ({'dtype': 'f8', 'bdata': base64, 'shape': '2, 3'}, as a spec stores numpy) as numpy."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if v.get("shape") else a
    return v


def values(v) -> list:
    return [] if v is None else list(np.asarray(typed(v), dtype=object).ravel())


def positions(vals, cats: list | None) -> np.ndarray:
    if cats is None:
        return np.asarray([np.nan if v is None else v for v in vals], dtype=float)
    index = {c: i for i, c in enumerate(cats)}
    return np.asarray([index.get(v, np.nan) for v in vals], dtype=float)


# --- traces -------------------------------------------------------------------------------------
def draw_scatter(ax, t, x, y, c, base: float) -> None:
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
        s = (np.asarray(typed(size), float) * PX) ** 2
        edge = marker.line.color if marker is not None and marker.line is not None else None
        ax.scatter(x, y, s=s, c=mcs, marker=SYMBOLS.get(marker.symbol if marker else None, "o"), label=label,
                   alpha=marker.opacity if marker is not None and marker.opacity is not None else alpha,
                   edgecolors=colour(edge, "none") if edge is not None and not isinstance(edge, (list, tuple)) else
                   "none", zorder=3)
    if "text" in mode and t.text is not None:
        texts = values(t.text) if not isinstance(t.text, str) else [t.text] * len(x)
        pos = t.textposition or "middle center"
        va = "bottom" if "top" in pos else "top" if "bottom" in pos else "center"
        ha = "left" if "right" in pos else "right" if "left" in pos else "center"
        font = font_kwargs(t.textfont, base)
        per_point = t.textfont.color if t.textfont is not None and isinstance(t.textfont.color, tuple) else None
        for i, (xi, yi, s) in enumerate(zip(x, y, texts)):
            if per_point is not None:
                font["color"] = colour(per_point[i % len(per_point)])
            ax.annotate(plain(s), (xi, yi), ha=ha, va=va, **font)
    if t.fill in ("tozeroy", "tozerox", "toself"):
        fc = colour(t.fillcolor, (*lc[:3], 0.3))
        (ax.fill(x, y, color=fc) if t.fill == "toself" else
         ax.fill_between(x, 0, y, color=fc) if t.fill == "tozeroy" else ax.fill_betweenx(y, 0, x, color=fc))
    if t.error_y is not None and t.error_y.array is not None and t.error_y.visible is not False:
        plus = np.asarray(typed(t.error_y.array), float)
        minus = np.asarray(typed(t.error_y.arrayminus), float) if t.error_y.arrayminus is not None else plus
        ax.errorbar(x, y, yerr=[minus, plus], fmt="none", ecolor=colour(t.error_y.color, lc),
                    elinewidth=(t.error_y.thickness or 2) * PX, capsize=(t.error_y.width or 4) * PX)


def _marker_colours(mc, marker, n: int, default):
    mc = typed(mc)
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


def draw_bars(ax, bars: list, barmode: str | None, cats: dict, default_colours: dict, base: float) -> None:
    """Bar traces of one axes pair: grouped side by side (plotly's default), stacked or overlaid."""
    group = barmode in (None, "group")
    n = len(bars) if group else 1
    stack: dict = {}
    for i, t in enumerate(bars):
        horizontal = t.orientation == "h"
        pos_vals, len_vals = (values(t.y), values(t.x)) if horizontal else (values(t.x), values(t.y))
        pos_axis = (t.yaxis or "y") if horizontal else (t.xaxis or "x")
        pos = positions(pos_vals, cats[pos_axis]) if pos_vals else np.arange(len(len_vals), dtype=float)
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
            texts = values(t.text) if not isinstance(t.text, str) else [t.text] * len(pos)
            for p, l, b, s in zip(pos + offset, length, bottom, texts):
                if not np.isnan(l):
                    xy = (b + l, p) if horizontal else (p, b + l)
                    ax.annotate(plain(s), xy, ha="left" if horizontal else "center",
                                va="center" if horizontal else "bottom", **font_kwargs(t.textfont, base * 0.9))


def draw_heatmap(fig_mpl, ax, t, cats: dict, base: float) -> None:
    z = np.ma.masked_invalid(np.asarray([[np.nan if v is None else v for v in row] for row in typed(t.z)], float))
    ny, nx = z.shape
    xs = np.arange(nx) if t.x is None or cats[t.xaxis or "x"] is not None else np.asarray(typed(t.x), float)
    ys = np.arange(ny) if t.y is None or cats[t.yaxis or "y"] is not None else np.asarray(typed(t.y), float)
    if t.x is not None and cats[t.xaxis or "x"] is not None:
        xs = positions(values(t.x), cats[t.xaxis or "x"])
    if t.y is not None and cats[t.yaxis or "y"] is not None:
        ys = positions(values(t.y), cats[t.yaxis or "y"])
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
        text = np.asarray(typed(t.text), dtype=object) if t.text is not None else None
        for i in range(ny):
            for j in range(nx):
                if np.ma.is_masked(z[i, j]) and text is None:
                    continue
                s = _fill_template(template, z[i, j], None if text is None else text[i, j])
                rgba = mesh.cmap(norm(z[i, j])) if not np.ma.is_masked(z[i, j]) else (1, 1, 1, 1)
                dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
                font = font_kwargs(t.textfont, base)
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
