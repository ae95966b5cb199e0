"""Figures for slides (issue 14, item 5), in the browser: a chart's, a picture's and a graphviz diagram's
"Slides" popover downloads PNG, SVG and PDF files that open as what they say they are, with the page's labels."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urljoin

import numpy as np
from PIL import Image

from tests.unit.test_figures import SVG_NS, open_png, open_svg, pdf_pages, svg_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def download(page, popover_index: int, fmt: str) -> bytes:
    """Open the page's popover_index-th "Slides" popover and download one format; the file's bytes."""
    page.get_by_role("button", name="Slides").nth(popover_index).click()
    body = page.locator('[data-testid="stPopoverBody"]').last
    body.wait_for()
    with page.expect_download(timeout=120_000) as info:
        body.get_by_role("button", name=fmt.upper()).click()
    path = ARTIFACTS / f"download_{info.value.suggested_filename}"
    info.value.save_as(path)
    page.keyboard.press("Escape")  # close the popover
    page.wait_for_timeout(300)
    return path.read_bytes()


def test_a_chart_downloads_as_png_svg_and_pdf(page, open_app):
    open_app("explaining_away")
    # the first chart is the net: its unit names are axis-free annotations, carried into the SVG as text
    png = open_png(download(page, 0, "png"))
    assert png.size[0] > 400 and png.size[1] > 200
    svg = svg_text(open_svg(download(page, 0, "svg")))
    assert "truck" in svg and "earthquake" in svg
    assert pdf_pages(download(page, 0, "pdf")) == 1
    # the next chart is the three probability tables: their titles and cell values travel too
    tables = svg_text(open_svg(download(page, 1, "svg")))
    assert "prior p(truck, quake)" in tables and "0.25000" in tables


def test_a_picture_downloads_pixel_for_pixel(page, open_app, app_url):
    open_app("reconstructions")
    first = page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
    src = first.get_attribute("src")
    served = page.request.get(urljoin(app_url + "/", src))
    shown = np.asarray(Image.open(io.BytesIO(served.body())).convert("RGB")).astype(int)
    lossless = "png" in served.headers.get("content-type", "")  # st.image may send an array as JPEG
    # the popover drawn right after that picture is its own
    popover = first.locator("xpath=following::button[contains(., 'Slides')][1]")
    index = page.get_by_role("button", name="Slides").evaluate_all(
        "(all, el) => all.indexOf(el)", popover.element_handle())
    png = open_png(download(page, index, "png"))
    mine = np.asarray(png.convert("RGB")).astype(int)
    assert mine.shape == shown.shape
    if lossless:
        assert np.array_equal(mine, shown)
    else:  # the same picture up to JPEG's rounding: a different one differs by tens of levels on average
        assert np.abs(mine - shown).mean() < 4, np.abs(mine - shown).mean()
    assert pdf_pages(download(page, index, "pdf")) == 1
    open_svg(download(page, index, "svg"))


def test_a_graphviz_diagram_downloads_with_the_labels_and_colours_the_page_draws(page, open_app):
    open_app("crf_hybrid")
    drawn = page.locator('.st-key-crf_graph [data-testid="stGraphVizChart"] svg')
    drawn.wait_for()
    shown_text = sorted(drawn.locator("text").all_text_contents())
    shown_fills = set(drawn.locator("[fill]").evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
    # the popover inside the diagram's own container
    popover = page.locator(".st-key-crf_graph").get_by_role("button", name="Slides")
    index = page.get_by_role("button", name="Slides").evaluate_all(
        "(all, el) => all.indexOf(el)", popover.element_handle())
    assert index >= 0
    data = download(page, index, "svg")
    root = open_svg(data)  # drawn on the server by graphviz's dot, from the same DOT the browser laid out
    assert sorted("".join(t.itertext()) for t in root.iter(SVG_NS + "text")) == shown_text
    assert {"x1", "y4", "net", "A"} <= set(shown_text)
    fills = {el.get("fill") for el in root.iter() if el.get("fill")}
    assert {"#90caf9", "#fff3cd", "#e0e0e0"} <= fills & shown_fills
