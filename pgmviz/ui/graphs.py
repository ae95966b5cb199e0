"""Graphviz charts whose text stays readable on a projector.

Streamlit styles every text of a graphviz chart at one fixed ~10 px, whatever the DOT asks for,
and then scales the drawing to its column: on a projected page the labels come out a fraction of
the size graphviz laid the boxes out for. ``graphviz_chart`` puts the chart in a keyed container
and gives each SVG text back the size its DOT set (graphviz writes it on the element as
``font-size="18.00"``), in the SVG's own units, so the text scales with the drawing and fits its
boxes. Under the chart, the same "Slides" popover as every other chart's (``pgmviz.ui.slides``)
offers the diagram as PNG, SVG and PDF, drawn from the same DOT by graphviz's ``dot`` on the server
(``pgmviz.ui.graph_files``) when a button is clicked::

    from pgmviz.ui.graphs import graphviz_chart

    graphviz_chart('digraph { node [fontname="Helvetica", fontsize=18]; a -> b }', key="pc_graph")
"""

from __future__ import annotations

import re
from functools import lru_cache

import streamlit as st

from pgmviz.ui import slides
from pgmviz.ui.graph_files import MISSING, GraphvizMissing, dot_program, graph_file

GRAPHVIZ_DEFAULT_FONTSIZE = 14.0  # points: what graphviz uses where the DOT sets no fontsize
HELP = "This diagram as PNG, SVG or PDF (drawn by graphviz from the same DOT when you click), to put on a slide."
_FONTSIZE = re.compile(r'fontsize\s*=\s*"?\s*([0-9]+(?:\.[0-9]+)?)')


def font_css(dot: str, key: str) -> str:
    """One rule per font size the DOT uses, scoped to the container ``st-key-<key>``."""
    sizes = sorted({GRAPHVIZ_DEFAULT_FONTSIZE, *(float(s) for s in _FONTSIZE.findall(dot))})
    scope = f".st-key-{key} svg text"
    rules = [f"{scope} {{ font-family: Helvetica, Arial, sans-serif; }}"]
    rules += [f'{scope}[font-size="{s:.2f}"] {{ font-size: {s:g}px; }}' for s in sizes]
    return "<style>" + " ".join(rules) + "</style>"


def graphviz_chart(dot: str, key: str, width: str = "content") -> None:
    """``st.graphviz_chart(dot)`` with the DOT's own font sizes and a "Slides" popover, in ``st.container(key=key)``."""
    with st.container(key=key):
        st.html(font_css(dot, key))
        st.graphviz_chart(dot, width=width)
        slides.downloads(st, key, lambda fmt: graph_file(dot, fmt), help=HELP,
                         missing=None if dot_program() else MISSING)


@lru_cache(maxsize=64)
def dot_svg(dot: str) -> str | None:
    """The DOT laid out by graphviz's ``dot -Tsvg`` on the server, as one line of inline SVG; None without ``dot``.

    One line without the XML prolog, DOCTYPE or comments, so it stays one HTML block in ``st.markdown``.
    """
    try:
        markup = graph_file(dot, "svg").decode("utf-8")
    except (GraphvizMissing, RuntimeError, OSError):
        return None
    markup = re.sub(r"<!--.*?-->", "", markup[markup.index("<svg"):], flags=re.S)
    return " ".join(line.strip() for line in markup.splitlines() if line.strip())


def server_graphviz_chart(dot: str, key: str) -> None:
    """``graphviz_chart``, laid out on the server: inline SVG, no graphviz code for the browser to load.

    Streamlit's graphviz chart loads a 0.77 MB chunk and lays the DOT out in the browser (bench/README.md,
    the latecomer's Home). For DOT without text (Home's map) the two look the same; without ``dot`` on the
    server this falls back to ``graphviz_chart``.
    """
    markup = dot_svg(dot)
    if markup is None:
        graphviz_chart(dot, key)
        return
    with st.container(key=key):
        st.markdown(f'<div class="pgmviz-graph">{markup}</div>', unsafe_allow_html=True)
        slides.downloads(st, key, lambda fmt: graph_file(dot, fmt), help=HELP)
