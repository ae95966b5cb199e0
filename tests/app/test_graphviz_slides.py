"""Graphviz diagrams for slides (issue 14, item 5), by AppTest: every graphviz chart of the five pages that draw
one has its "Slides" popover right under it, in its own container, with lazy PNG / SVG / PDF downloads; and the
page's own DOT, drawn by graphviz's ``dot``, opens as each type with the page's labels and colours."""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from pgmviz.ui.figures import FORMATS
from pgmviz.ui.graph_files import MISSING, graph_file
from pgmviz.ui.graphs import HELP
from pgmviz.ui.present import MAIN_KEY
from pgmviz.ui.slides import LABEL
from tests.app.helpers import run
from tests.unit.test_figures import SVG_NS, open_png, open_svg, pdf_pages, svg_text

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
# page -> how many graphviz charts it draws at its defaults
PAGES = {"home": 4, "perceptron": 1, "vae": 1, "full_bm": 1, "crf_hybrid": 1}
_HEX = re.compile(r'color\s*=\s*"(#[0-9a-fA-F]{6})"')


def is_diagram(element) -> bool:
    """A graphviz chart, or one laid out on the server (graphs.server_graphviz_chart: inline SVG in markdown)."""
    kind = getattr(element, "type", "")
    return kind == "graphviz_chart" or (kind == "markdown" and 'class="pgmviz-graph"' in element.proto.body)


def diagrams(at: AppTest) -> list:
    return [*at.get("graphviz_chart"), *(m for m in at.markdown if is_diagram(m))]


def graph_blocks(at: AppTest) -> list[Block]:
    """The containers the diagrams draw in: the blocks holding a diagram among their children."""
    found = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        if isinstance(node, Block) and any(is_diagram(c) for c in children):
            found.append(node)
        for c in children:
            walk(c)

    walk(at._tree)
    return found


_RUNS: dict[str, AppTest] = {}


def ran(name: str) -> AppTest:
    """The page run once at its defaults (shared by this file's tests)."""
    if name not in _RUNS:
        _RUNS[name] = run(AppTest.from_file(str(LESSONS / f"{name}.py"), default_timeout=300))
    return _RUNS[name]


@pytest.fixture(params=list(PAGES))
def page(request) -> tuple[str, AppTest]:
    return request.param, ran(request.param)


def test_each_graphviz_chart_has_its_slides_popover_with_lazy_downloads(page):
    name, at = page
    blocks = graph_blocks(at)
    assert len(blocks) == len(diagrams(at)) == PAGES[name]
    for block in blocks:
        key = block.proto.id.rsplit("-", 1)[-1]  # st.container(key=key): the block's id ends with the key
        children = list(block.children.values())
        at_chart = next(i for i, c in enumerate(children) if is_diagram(c))
        assert children[at_chart + 1].type == "popover", [c.type for c in children]  # right under the chart
        popover = next(c for c in block.children.values() if c.type == "popover")
        assert popover.proto.popover.label == LABEL and popover.proto.popover.help == HELP
        buttons = [c for c in popover.children.values() if c.type == "download_button"]
        assert [b.proto.label for b in buttons] == [f.upper() for f in FORMATS]
        for b, fmt in zip(buttons, FORMATS):
            assert b.proto.id.endswith(f"{key.strip('_')}_slides_{fmt}")
            # made on click (a deferred callable), not sent with the page; a click does not rerun the page
            assert b.proto.deferred_file_id and not b.proto.url and b.proto.ignore_rerun


def test_server_laid_diagrams_are_graphviz_svg_of_the_pages_graph(page):
    """Home's diagrams come laid out by dot on the server: each is graphviz's SVG, with its nodes and edges."""
    name, at = page
    laid = [m for m in at.markdown if is_diagram(m)]
    assert len(laid) == (PAGES[name] if name == "home" else 0)
    for m in laid:
        markup = m.proto.body[m.proto.body.index("<svg"): m.proto.body.rindex("</svg>") + len("</svg>")]
        root = ElementTree.fromstring(markup)
        groups = [g.get("class") for g in root.iter(SVG_NS + "g")]
        assert groups.count("node") >= 2 and groups.count("edge") >= 1, groups


def test_each_page_dot_opens_as_png_svg_and_pdf_with_its_labels_and_colours(page):
    name, at = page
    assert len(at.get("graphviz_chart")) == (0 if name == "home" else PAGES[name])
    for chart in at.get("graphviz_chart"):
        dot = chart.proto.spec  # the DOT the page drew, which the popover's callable draws again
        png = open_png(graph_file(dot, "png"))
        assert min(png.size) > 50, png.size
        assert pdf_pages(graph_file(dot, "pdf")) == 1
        root = open_svg(graph_file(dot, "svg"))
        nodes = [g for g in root.iter(SVG_NS + "g") if g.get("class") == "node"]
        assert len(nodes) >= 2  # the VAE's z and x; more elsewhere
        source = html.unescape(dot)
        for word in svg_text(root).split():  # every word graphviz wrote comes from the page's DOT
            assert word in source, word
        svg = graph_file(dot, "svg").decode().lower()
        for c in set(_HEX.findall(dot)):  # and every colour the DOT names is painted
            assert f'"{c.lower()}"' in svg, c


@pytest.mark.parametrize("name", ["full_bm", "crf_hybrid"])
def test_full_bm_and_crf_hybrid_draw_their_graph_as_the_main_picture(name):
    """Projector mode shows the block holding main_picture() first; on these two pages it holds the graph."""
    at = ran(name)
    mains = [b for b in _blocks(at._tree) if str(getattr(b.proto, "id", "")).endswith("-" + MAIN_KEY)]
    assert len(mains) == 1
    assert [c.type for c in _elements(mains[0])].count("graphviz_chart") == 1


def _blocks(node):
    for c in getattr(node, "children", {}).values():
        if isinstance(c, Block):
            yield c
        yield from _blocks(c)


def _elements(node):
    for c in getattr(node, "children", {}).values():
        yield c
        yield from _elements(c)


def _one_diagram():
    from pgmviz.ui.graphs import graphviz_chart

    graphviz_chart('digraph { a -> b }', key="tiny_graph")


def test_without_dot_the_popover_says_so_and_the_page_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot to be found
    at = run(AppTest.from_function(_one_diagram, default_timeout=60))
    assert len(at.get("graphviz_chart")) == 1 and not at.get("download_button")
    popover = next(p for p in at.get("popover") if p.proto.popover.label == LABEL)
    assert [c.value for c in popover.children.values() if c.type == "caption"] == [MISSING]


def _one_server_diagram():
    from pgmviz.ui.graphs import server_graphviz_chart

    server_graphviz_chart('digraph { a -> b }', key="tiny_graph")


def test_a_server_laid_diagram_without_dot_falls_back_to_the_browsers_layout(monkeypatch, tmp_path):
    from pgmviz.ui.graphs import dot_svg

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot to be found
    dot_svg.cache_clear()  # a layout made earlier in this process would be reused
    try:
        at = run(AppTest.from_function(_one_server_diagram, default_timeout=60))
    finally:
        dot_svg.cache_clear()  # and the None made here must not reach the tests after this one
    assert len(at.get("graphviz_chart")) == 1 and not [m for m in at.markdown if is_diagram(m)]


def test_with_dot_the_same_diagram_offers_three_files():
    at = run(AppTest.from_function(_one_diagram, default_timeout=60))
    assert [b.proto.label for b in at.get("download_button")] == [f.upper() for f in FORMATS]
    assert not at.caption
