"""pgmviz.ui.graph_files: a DOT drawn by graphviz's ``dot`` as PNG, SVG and PDF files that open as what they say.

``make test`` installs graphviz, so a missing ``dot`` fails these tests (it is not a reason to skip them).
The pages' own DOT strings are drawn in tests/app/test_graphviz_slides.py.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from pgmviz.ui.graph_files import MISSING, PNG_DPI, GraphvizMissing, dot_program, graph_file
from tests.unit.test_figures import SVG_NS, open_png, open_svg, pdf_pages, svg_text

SMALL = """digraph { node [fontname="Helvetica", fontsize=18, style=filled, fillcolor="#90caf9"];
  visible -> hidden [color="#e65100", label="w = 0.5"]; }"""


def test_dot_is_installed():
    assert dot_program() is not None, "graphviz's dot is missing: `make test` installs it (apt-get install graphviz)"


def test_svg_has_the_labels_and_colours_of_the_dot():
    root = open_svg(graph_file(SMALL, "svg"))
    assert svg_text(root).split() == ["visible", "hidden", "w", "=", "0.5"]
    svg = graph_file(SMALL, "svg").decode()
    assert svg.count('fill="#90caf9"') == 2 and 'stroke="#e65100"' in svg
    assert len([g for g in root.iter(SVG_NS + "g") if g.get("class") == "node"]) == 2


def test_png_is_drawn_at_twice_graphviz_resolution():
    svg = open_svg(graph_file(SMALL, "svg"))
    width_pt, height_pt = (float(svg.get(a).removesuffix("pt")) for a in ("width", "height"))
    png = open_png(graph_file(SMALL, "png"))
    # graphviz sizes in points (1/72 inch); the PNG is that many inches at PNG_DPI, to a pixel of rounding
    assert abs(png.size[0] - width_pt * PNG_DPI / 72) <= 2 and abs(png.size[1] - height_pt * PNG_DPI / 72) <= 2
    assert png.size[0] > 100


def test_pdf_is_one_page():
    data = graph_file(SMALL, "pdf")
    assert pdf_pages(data) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 [0-9.]+ [0-9.]+\s*\]", data)


def test_an_undirected_graph_with_another_layout_engine():
    # the home page's Boltzmann machine asks for circo inside the DOT
    root = open_svg(graph_file('graph { layout=circo; a -- b; b -- c; c -- a }', "svg"))
    assert len([g for g in root.iter(SVG_NS + "g") if g.get("class") == "edge"]) == 3


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="expected one of png, svg, pdf"):
        graph_file(SMALL, "jpg")


def test_dot_that_graphviz_rejects_says_why():
    with pytest.raises(RuntimeError, match=r"dot -Tsvg failed \(exit 1\).*syntax error"):
        graph_file("digraph { a -> }", "svg")


def test_a_run_is_bounded_in_time():
    with pytest.raises(subprocess.TimeoutExpired):
        graph_file(SMALL, "png", timeout=1e-6)


def test_without_dot_on_the_path_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert dot_program() is None
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz") as err:
        graph_file(SMALL, "svg")
    assert str(err.value) == MISSING
