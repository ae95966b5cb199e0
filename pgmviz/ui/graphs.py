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

import streamlit as st

from pgmviz.ui import slides
from pgmviz.ui.graph_files import MISSING, dot_program, graph_file

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
