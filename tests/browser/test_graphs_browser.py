"""Graphviz text at the size the DOT set (pgmviz.ui.graphs), not Streamlit's fixed ~10 px, on the
pages whose graphs carry text: every SVG text's computed size equals its font-size attribute."""

from __future__ import annotations

import pytest

SIZES_JS = """(key) => Array.from(document.querySelectorAll(`.st-key-${key} svg text`)).map(
    t => [t.getAttribute('font-size'), getComputedStyle(t).fontSize])"""


@pytest.mark.parametrize("url_path, key", [("perceptron", "pc_graph"), ("vae", "vae_graph")])
def test_graph_text_has_the_dots_size(page, open_app, url_path, key):
    open_app(url_path, timeout=180)
    page.locator(f".st-key-{key} svg text").first.wait_for(timeout=60_000)
    sizes = page.evaluate(SIZES_JS, key)
    assert len(sizes) >= 3
    assert all(float(css.removesuffix("px")) == pytest.approx(float(attr)) for attr, css in sizes), sizes
    assert max(float(attr) for attr, _ in sizes) >= 18  # large on purpose: read from the back row


def test_home_map_is_drawn_in_keyed_containers(page, open_app):
    open_app("")  # Home is the root: "/home" shows it under a "Page not found" dialog
    # laid out on the server (pgmviz.ui.graphs.server_graphviz_chart): inline SVG, no graphviz chart to load
    assert page.locator('[class*="st-key-home_map_"] .pgmviz-graph svg').count() == 4
    assert page.locator('[class*="st-key-home_map_"] .pgmviz-graph svg g.node').count() == 5 + 7 + 9 + 9
    assert page.locator('[data-testid="stGraphVizChart"]').count() == 0
