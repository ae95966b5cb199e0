"""Figures for slides: each kind of plotly trace the pages draw, converted and opened as PNG, SVG and PDF."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from plotly.subplots import make_subplots

from pgmviz.ui import figures
from pgmviz.ui.theme import BLUE, RED, static_style, style

SVG_NS = "{http://www.w3.org/2000/svg}"


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def open_svg(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == SVG_NS + "svg"
    return root


def svg_text(root: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(SVG_NS + "text"))


def pdf_pages(data: bytes) -> int:
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type\s*/Page\b", data))


def all_formats(fig) -> tuple[Image.Image, ET.Element, int]:
    return (open_png(figures.chart_file(fig, "png")), open_svg(figures.chart_file(fig, "svg")),
            pdf_pages(figures.chart_file(fig, "pdf")))


def svg_colours(root: ET.Element) -> set[str]:
    """Every colour the SVG paints with (fill and stroke, in attributes and style)."""
    text = ET.tostring(root).decode()
    return {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", text)}


def test_lines_and_markers_keep_titles_labels_and_colours():
    fig = go.Figure([go.Scatter(x=[0, 1, 2], y=[3, 1, 2], mode="lines", name="CD-1", line=dict(color=RED, dash="dash")),
                     go.Scatter(x=[0, 1, 2], y=[1, 2, 3], mode="markers", name="PCD", marker=dict(color=BLUE, size=9))])
    static_style(fig, 320, "Log-likelihood per image", xaxis_title="update", yaxis_title="nats")
    png, svg, pages = all_formats(fig)
    assert png.size[0] > 500 and png.size[1] > 250 and pages == 1
    words = svg_text(svg)
    for label in ("Log-likelihood per image", "update", "nats", "CD-1", "PCD"):
        assert label in words
    assert {RED.lower(), BLUE.lower()} <= svg_colours(svg)


def test_a_trace_without_colour_gets_the_streamlit_themes_first_colour():
    fig = style(go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines")), 300)
    assert figures.STREAMLIT_COLOURS[0] in svg_colours(open_svg(figures.chart_file(fig, "svg")))


def test_bars_on_category_axes_carry_their_labels_and_per_bar_colours():
    fig = go.Figure(go.Bar(x=["00", "01", "10", "11"], y=[0.1, 0.2, 0.3, 0.4], marker_color=[RED, BLUE, RED, BLUE],
                           text=["0.1", "0.2", "0.3", "0.4"]))
    style(fig, 300, xaxis_title="joint state v|h", yaxis_title="p(v,h)")
    png, svg, _ = all_formats(fig)
    words = svg_text(svg)
    assert all(s in words for s in ("00", "01", "10", "11", "joint state v|h", "p(v,h)", "0.3"))
    assert {RED.lower(), BLUE.lower()} <= svg_colours(svg)


def test_grouped_horizontal_and_stacked_bars_convert():
    for barmode, orientation in (("group", "v"), ("stack", "v"), ("overlay", "h")):
        a, b = ("x", "y") if orientation == "v" else ("y", "x")
        fig = go.Figure([go.Bar(**{a: ["a", "b"], b: [1, 2]}, name="prior", orientation=orientation),
                         go.Bar(**{a: ["a", "b"], b: [2, 1]}, name="posterior", orientation=orientation)])
        style(fig, 300, barmode=barmode)
        _, svg, pages = all_formats(fig)
        assert pages == 1 and {"prior", "posterior", "a", "b"} <= set(svg_text(svg).split())


def test_heatmap_with_text_colourscale_and_reversed_axis():
    z = np.array([[0.5, -1.0], [2.0, 0.0]])
    fig = go.Figure(go.Heatmap(z=z, x=["v1", "h1"], y=["v1", "h1"], text=[["0.5", "-1"], ["2", "0"]],
                               texttemplate="<b>%{text}</b>", colorscale="RdBu", zmid=0))
    style(fig, 360, "Q", yaxis=dict(autorange="reversed"))
    png, svg, pages = all_formats(fig)
    words = svg_text(svg)
    assert all(s in words for s in ("Q", "v1", "h1", "0.5", "-1", "2")) and pages == 1
    # the cell of z = 2 is the top of RdBu (its darkest blue) and reads at the bottom-left of the image
    arr = np.asarray(png.convert("RGB"), int)
    assert (arr[..., 2] - arr[..., 0] > 80).any()


def test_heatmap_template_formats_z():
    fig = style(go.Figure(go.Heatmap(z=[[0.12345, 0.5]], texttemplate="%{z:.2f}", colorscale="Blues")), 300)
    assert {"0.12", "0.50"} <= set(svg_text(open_svg(figures.chart_file(fig, "svg"))).split())


def test_subplots_annotations_shapes_error_bars_log_and_second_axis():
    fig = make_subplots(rows=1, cols=2, subplot_titles=["prior", "posterior"])
    fig.add_trace(go.Scatter(x=[1, 10, 100], y=[1, 2, 3], error_y=dict(type="data", array=[0.1, 0.2, 0.3])), 1, 1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0.2, 0.4], fill="tozeroy", name="ELBO"), 1, 2)
    fig.add_hline(y=0.3, line_dash="dot", line_color=RED, row=1, col=2)
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=0.1, line=dict(color=BLUE), row=1, col=2)
    fig.add_annotation(x=0.5, y=0.35, text="log p(x) &ge; ELBO", showarrow=False, row=1, col=2)
    fig.update_xaxes(type="log", title_text="temperatures", row=1, col=1)
    style(fig, 320)
    _, svg, pages = all_formats(fig)
    words = svg_text(svg)
    assert pages == 1 and all(s in words for s in ("prior", "posterior", "temperatures", "log p(x) ≥ ELBO"))
    assert RED.lower() in svg_colours(svg)

    two = go.Figure([go.Scatter(y=[1, 2], name="cosine"), go.Scatter(y=[1, 100], name="norm", yaxis="y2")])
    style(two, 300, yaxis2=dict(title="norm", type="log", overlaying="y", side="right"))
    assert "norm" in svg_text(open_svg(figures.chart_file(two, "svg")))


def test_dollar_signs_and_html_are_plain_text():
    assert figures.plain("a<br>b <sub>1</sub> $5 &amp;") == "a\nb 1 \\$5 &"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="format"):
        figures.chart_file(go.Figure(), "gif")


@pytest.mark.parametrize("image", [
    np.arange(12, dtype=np.uint8).reshape(3, 4) * 20,
    np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8),
    np.linspace(0, 1, 20).reshape(4, 5),
])
def test_pictures_keep_their_pixels(image):
    png = open_png(figures.picture_file(image, "png"))
    expected = figures.as_array(image)
    assert np.array_equal(np.asarray(png), expected)
    open_svg(figures.picture_file(image, "svg"))
    assert pdf_pages(figures.picture_file(image, "pdf", caption="filters")) == 1


def test_picture_from_a_data_url_and_a_list():
    img = np.full((4, 4), 200, np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    import base64

    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert np.array_equal(figures.as_array(url), img)
    row = figures.as_array([img, np.zeros((2, 3), np.uint8)])
    assert row.shape == (4, 4 + 8 + 3, 3) and row[3, -1].tolist() == [255, 255, 255]  # padded white below
    svg = open_svg(figures.picture_file(img, "svg", caption="held-out 7"))
    assert "held-out 7" in svg_text(svg)


def test_text_labels_with_one_colour_per_point():
    # Energy and probability's graph: node names in white on dark nodes, black on light ones
    fig = style(go.Figure(go.Scatter(x=[0, 1], y=[0, 0], mode="markers+text", text=["v1", "h1"],
                                     textfont=dict(color=["#ffffff", "#000000"], size=15))), 300)
    svg = open_svg(figures.chart_file(fig, "svg"))
    assert {"v1", "h1"} <= set(svg_text(svg).split()) and {"#ffffff", "#000000"} <= svg_colours(svg)
