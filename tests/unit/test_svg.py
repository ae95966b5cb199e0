"""pgmviz.ui.svg and the Energy page's SVG charts: valid XML, bar heights proportional to the values, every
label and value present, NaN / inf drawn without raising."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from pgmviz.models import bm_posterior
from pgmviz.models import boltzmann as bm
from pgmviz.models.rbm import RBM
from pgmviz.ui import svg
from pgmviz.ui.charts import energy as charts

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # raises on anything that is not well-formed XML
    assert root.tag == NS + "svg"
    assert "\n\n" not in markup  # a blank line would end the markdown HTML block the page shows it in
    return root


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [e.text for e in root.iter(NS + "text") if cls is None or e.get("class") == cls]


def tip(e: ET.Element) -> str:
    return e.find(NS + "title").text


def heights(root: ET.Element) -> np.ndarray:
    return np.array([float(r.get("height")) for r in by_class(root, "bar")])


# --- the builders -------------------------------------------------------------------------------
def test_bar_heights_are_proportional_to_the_values_and_every_label_is_there():
    values = [0.1, 0.4, 0.0, 0.25]
    root = parse(svg.bar_chart(["a", "b", "c", "d"], [svg.Series("p", values)], xtitle="state", ytitle="prob"))
    h = heights(root)
    np.testing.assert_allclose(h / h[1], np.array(values) / 0.4, atol=1e-3)
    bottoms = [float(r.get("y")) + float(r.get("height")) for r in by_class(root, "bar")]
    assert max(bottoms) - min(bottoms) < 0.01  # all from the same zero line
    assert texts(root, "xtick") == ["a", "b", "c", "d"]
    assert texts(root, "xtitle") == ["state"] and texts(root, "ytitle") == ["prob"]
    assert [tip(r) for r in by_class(root, "bar")] == ["a: p = 0.10000", "b: p = 0.40000", "c: p = 0.00000",
                                                       "d: p = 0.25000"]
    ticks = [float(t.replace("−", "-")) for t in texts(root, "ytick")]
    assert ticks[0] == 0 and ticks[-1] >= 0.4  # the axis covers the tallest bar


def test_grouped_bars_and_markers_keep_their_own_values():
    root = parse(svg.bar_chart(["x", "y"], [svg.Series("one", [1.0, 2.0]), svg.Series("two", [4.0, 3.0]),
                                           svg.Series("dots", [0.5, 1.5], kind="diamond")],
                               xtitle="s", ytitle="v"))
    h = heights(root)
    np.testing.assert_allclose(h / h.max(), np.array([1.0, 2.0, 4.0, 3.0]) / 4.0, atol=1e-3)
    assert [float(m.get("data-value")) for m in by_class(root, "marker")] == [0.5, 1.5]
    assert texts(root, "legend") == ["one", "two", "dots"]
    xs = [float(r.get("x")) for r in by_class(root, "bar")]
    assert xs[0] < xs[2] < xs[1] < xs[3]  # side by side within each category


def test_nan_and_inf_draw_without_raising():
    root = parse(svg.bar_chart(["a", "b", "c"], [svg.Series("p", [np.nan, np.inf, 0.5])], xtitle="s", ytitle="p"))
    bars = by_class(root, "bar")
    assert "NaN" in tip(bars[0]) and float(bars[0].get("height")) == 0
    assert "∞" in tip(bars[1])
    assert float(bars[1].get("height")) >= float(bars[2].get("height")) > 0  # inf: to the top of the axis
    parse(svg.bar_chart(["a"], [svg.Series("p", [np.nan])], xtitle="s", ytitle="p"))  # nothing finite at all
    assert svg.num(np.nan) == "NaN" and svg.num(-np.inf) == "−∞" and svg.num(-1.5, ".1f") == "−1.5"
    assert svg.colour_at(svg.RDBU_R, np.nan) == svg.MISSING


def test_text_is_escaped_for_xml_and_for_markdown():
    root = parse(svg.bar_chart(["<a&b>"], [svg.Series("Σ_h p $x$ *y*", [1.0])], xtitle='"x"', ytitle="y"))
    assert texts(root, "xtick") == ["<a&b>"] and texts(root, "legend") == ["Σ_h p $x$ *y*"]
    markup = svg.esc("a_b $c$ *d*")
    assert "_" not in markup and "$" not in markup and "*" not in markup


def test_colour_scale_ends_and_middle():
    assert svg.colour_at(svg.RDBU_R, 0.0) == svg.RDBU_R[0] and svg.colour_at(svg.RDBU_R, 1.0) == svg.RDBU_R[-1]
    assert svg.colour_at(svg.RDBU_R, 0.5) == svg.RDBU_R[5]
    assert svg.colour_at(svg.VIRIDIS, 2.0) == svg.VIRIDIS[-1]  # clipped
    assert svg.ink_on("#053061") == "white" and svg.ink_on("#f7f7f7") == "black"


@pytest.mark.parametrize("lo, hi", [(0, 1), (-2.5, 2.5), (0, 0.37), (-13, 21)])
def test_nice_ticks_are_round_and_cover_the_range(lo, hi):
    ticks = svg.nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 11
    assert ticks[0] >= lo - 1e-12 and ticks[-1] <= hi + 1e-12
    step = ticks[1] - ticks[0]
    assert step > 0 and np.allclose(np.diff(ticks), step)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5))


# --- the Energy page's charts -------------------------------------------------------------------
@pytest.fixture
def rbm() -> RBM:
    return RBM(np.array([[1.5, -2.0], [0.0, 0.7], [-0.3, 2.2]]), np.array([0.4, -1.1, 0.0]), np.array([-0.6, 1.3]))


def test_the_joint_chart_has_one_bar_per_state_with_its_probability(rbm):
    t = bm.joint_table(rbm)
    v = [bm.state_label(x) for x in t.V]
    h = [bm.state_label(x) for x in t.H]
    root = parse(charts.joint_svg(v, h, t.p, t.E))
    bars = by_class(root, "bar")
    assert len(bars) == 32
    np.testing.assert_allclose([float(b.get("data-value")) for b in bars], t.p, rtol=1e-15)
    np.testing.assert_allclose(heights(root) / heights(root).max(), t.p / t.p.max(), atol=1e-3)
    k = int(np.argmax(t.p))
    assert tip(bars[k]).splitlines() == [f"v|h = {v[k]}|{h[k]}", f"p = {t.p[k]:.5f}",
                                         f"E = {t.E[k]:.3f}".replace("-", "−")]
    assert texts(root, "colourbar-title") == ["E"]
    low, high = int(np.argmin(t.E)), int(np.argmax(t.E))  # dark (low E) to yellow (high E)
    assert bars[low].get("fill") == svg.VIRIDIS[0] and bars[high].get("fill") == svg.VIRIDIS[-1]


def test_the_marginal_and_conditional_charts_show_both_computations(rbm):
    m = bm.marginal_v(rbm)
    labels = [bm.state_label(x) for x in m.V]
    root = parse(charts.marginal_svg(labels, m.p, m.p_from_F))
    np.testing.assert_allclose([float(b.get("data-value")) for b in by_class(root, "bar")], m.p)
    np.testing.assert_allclose([float(d.get("data-value")) for d in by_class(root, "marker")], m.p_from_F)
    assert texts(root, "xtick") == labels
    Q = bm.add_lateral(bm.qubo_from_rbm(rbm), 3, hh=np.array([[0.0, 3.0], [0.0, 0.0]]), vv=np.zeros((3, 3)))
    p = bm_posterior.conditional_h_given_v(Q, 3, m.V[5])
    q = bm_posterior.product_of_marginals(p, 2)
    root = parse(charts.conditional_svg(["00", "01", "10", "11"], p, q))
    np.testing.assert_allclose([float(b.get("data-value")) for b in by_class(root, "bar")], [*p, *q])
    np.testing.assert_allclose(heights(root) / heights(root).max(), np.r_[p, q] / max(p.max(), q.max()), atol=1e-3)


def test_the_qubo_heat_map_holds_the_upper_triangle_and_outlines_the_blocks(rbm):
    Q = bm.qubo_from_rbm(rbm)
    root = parse(charts.qubo_svg(Q, 3))
    cells = by_class(root, "cell")
    assert {(int(c.get("data-row")), int(c.get("data-col"))) for c in cells} == {(i, j) for i in range(5)
                                                                                 for j in range(i, 5)}
    for c in cells:
        i, j = int(c.get("data-row")), int(c.get("data-col"))
        assert float(c.get("data-value")) == Q[i, j]
        assert tip(c) == f"Q[{charts.unit_labels(3, 2)[i]}, {charts.unit_labels(3, 2)[j]}] = " + svg.num(Q[i, j], ".2f")
        assert c.find(NS + "text").text == svg.num(Q[i, j], ".1f")
    assert texts(root, "col") == texts(root, "row") == ["v1", "v2", "v3", "h1", "h2"]
    assert len(by_class(root, "box")) == 5 + 1  # the diagonal's boxes and the W block's dashed one


def test_the_graph_draws_every_unit_and_weight(rbm):
    Q = bm.add_lateral(bm.qubo_from_rbm(rbm), 3, hh=np.array([[0.0, -2.5], [0.0, 0.0]]), vv=np.zeros((3, 3)))
    root = parse(charts.model_svg(Q, 3, "A general Boltzmann machine"))
    edges = by_class(root, "edge")
    assert len(edges) == 3 * 2 + 1  # every v-h pair (W = 0 dotted), the one coupling
    assert sorted(float(e.get("data-value")) for e in edges) == sorted([*rbm.W.ravel(), -2.5])
    assert "W21 = +0.0" in [tip(e) for e in edges] and "L(h1,h2) = −2.5" in [tip(e) for e in edges]
    zero = next(e for e in edges if tip(e) == "W21 = +0.0")
    assert zero.find(NS + "path").get("stroke-dasharray")  # dotted
    nodes = by_class(root, "node")
    assert [n.find(NS + "text").text for n in nodes] == ["v1", "v2", "v3", "h1", "h2"]
    assert texts(root, "note") == ["b1=+0.4", "b2=−1.1", "b3=+0.0", "c1=−0.6", "c2=+1.3"]
    assert texts(root, "chart-title") == ["A general Boltzmann machine"]


def test_nan_and_inf_values_in_a_heat_map_or_a_graph_draw(rbm):
    Q = bm.qubo_from_rbm(rbm)
    Q[0, 3], Q[1, 1] = np.nan, np.inf
    root = parse(charts.qubo_svg(Q, 3))
    assert (0, 3) not in {(int(c.get("data-row")), int(c.get("data-col"))) for c in by_class(root, "cell")}
    assert "Q[v2, v2] = ∞" in [tip(c) for c in by_class(root, "cell")]
    root = parse(svg.graph([svg.Node(0, 0, "v1", svg.colour_at(svg.RDBU_R, np.nan), "v1: b1 = NaN", note="b1=NaN")],
                           [svg.Edge([(0, 0), (1, 1)], "red", 2.0, "W11 = " + svg.num(np.inf), value=np.inf)],
                           xrange=(-1, 2), yrange=(-1, 2), height=300, node_px=40, title="t",
                           colourbar=(svg.RDBU_R, np.nan, np.nan, "bias")))
    assert tip(by_class(root, "edge")[0]) == "W11 = ∞" and texts(root, "note") == ["b1=NaN"]
    with pytest.raises(ValueError):  # the library refuses such a model: the page stops with a message first
        charts.model_svg(Q, 3, "t")


def test_each_chart_has_a_plotly_twin_for_the_slides_downloads(rbm):
    """The page's "Slides" popover draws the chart's Plotly twin (the same data) with matplotlib, on click."""
    from pgmviz.ui import figures

    t, m, Q = bm.joint_table(rbm), bm.marginal_v(rbm), bm.qubo_from_rbm(rbm)
    v, h = [bm.state_label(x) for x in t.V], [bm.state_label(x) for x in t.H]
    twins = [charts.model_figure(Q, 3, "g"), charts.qubo_figure(Q, 3), charts.joint_figure(v, h, t.p, t.E),
             charts.marginal_figure([bm.state_label(x) for x in m.V], m.p, m.p_from_F),
             charts.conditional_figure(["00", "01", "10", "11"], np.full(4, 0.25), np.full(4, 0.25))]
    np.testing.assert_allclose(twins[2].data[0].y, t.p)  # the same numbers as the SVG chart's bars
    for fig in twins:
        assert figures.chart_file(fig, "png").startswith(b"\x89PNG")
