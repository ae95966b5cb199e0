"""AppTest of lesson 1, "Energy and probability" (lessons/energy.py).

Every number the page shows is a claim, so the tests rebuild the model from the values the
sliders show and check each table and metric against pgmviz.models.boltzmann / pgmviz.sampling.partition.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.models import bm_posterior, expfam
from pgmviz.models import boltzmann as bm
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_Z_exact
from tests.app.helpers import query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "energy.py")
TIMEOUT = 120  # the closed-form log Z may compile a Numba kernel on first use

# Column sets that identify the page's tables.
JOINT = ["v", "h", "E(v,h)", "exp(−E)", "p(v,h)"]
MARGINAL = ["v", "F(v)", "Σ_h p(v,h)", "exp(−F(v))/Z"]
FACTORS = ["term θₖ · Tₖ", "θₖ", "Tₖ(v,h)", "θₖTₖ = log potential", "potential exp(θₖTₖ)"]
CONDITIONAL = ["h", "p(h|v) exact", "Π_j p(h_j|v)"]


# Sections 4-7 are drawn on demand (pgmviz.ui.layout.on_demand): their expanders' keys.
SECTIONS = ("en_open_readings", "en_open_qubo", "en_open_lateral", "en_open_families")


# ------------------------------------------------------------------------------ helpers
def open_sections(app: AppTest) -> AppTest:
    """Open every on-demand section, as a student clicking each expander does (on_change="rerun")."""
    for key in SECTIONS:
        app.session_state[key] = True
    return app


@pytest.fixture
def at() -> AppTest:
    app = open_sections(AppTest.from_file(PAGE, default_timeout=TIMEOUT))
    app.run()
    assert_ok(app)
    return app


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


def sizes(at: AppTest) -> tuple[int, int]:
    return int(at.slider(key="en_n_v").value), int(at.slider(key="en_n_h").value)


def shown_rbm(at: AppTest) -> RBM:
    """The RBM whose parameters the sliders show, read back from the widgets themselves."""
    n_v, n_h = sizes(at)
    W = np.array([[at.slider(key=f"en_W_{i}_{j}").value for j in range(n_h)] for i in range(n_v)])
    b = np.array([at.slider(key=f"en_b_{i}").value for i in range(n_v)])
    c = np.array([at.slider(key=f"en_c_{j}").value for j in range(n_h)])
    return RBM(W, b, c)


def shown_lateral(at: AppTest) -> tuple[np.ndarray, np.ndarray]:
    n_v, n_h = sizes(at)
    L_hh, L_vv = np.zeros((n_h, n_h)), np.zeros((n_v, n_v))
    for j in range(n_h):
        for k in range(j + 1, n_h):
            L_hh[j, k] = at.slider(key=f"en_hh_{j}_{k}").value
    for i in range(n_v):
        for k in range(i + 1, n_v):
            L_vv[i, k] = at.slider(key=f"en_vv_{i}_{k}").value
    return L_hh, L_vv


def metric(at: AppTest, label_start: str) -> str:
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert len(found) == 1, f"expected one metric starting with {label_start!r}; got {[m.label for m in at.metric]}"
    return found[0].value


def number(at: AppTest, label_start: str) -> float:
    return float(metric(at, label_start).split()[0])


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page: the joint's data grid (st.dataframe) and the small HTML ones (st.table)."""
    return [d.value for d in [*at.dataframe, *at.table]]


def table(at: AppTest, columns: list[str]) -> pd.DataFrame:
    found = [d for d in tables(at) if list(d.columns) == columns]
    assert len(found) == 1, f"expected one table with columns {columns}"
    return found[0]


SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_START = '<div class="pgmviz-svg">'  # pgmviz.ui.slides.svg_chart's block


def svg_charts(at: AppTest) -> list[ET.Element]:
    """The page's charts (server-drawn SVG in st.markdown), parsed: a chart that is not valid XML fails here."""
    return [ET.fromstring(m.value[len(SVG_START):-len("</div>")]) for m in at.markdown if m.value.startswith(SVG_START)]


def of_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def values(root: ET.Element, cls: str) -> np.ndarray:
    return np.array([float(e.get("data-value")) for e in of_class(root, cls)])


def chart_texts(root: ET.Element, cls: str) -> list[str]:
    return [e.text for e in root.iter(SVG_NS + "text") if e.get("class") == cls]


def chart(at: AppTest, kind: str, legend: str | None = None, title: str | None = None) -> ET.Element:
    """The one chart of a kind: "graph" (by its title), "heatmap", or "bars" (by its first legend entry)."""
    found = [r for r in svg_charts(at)
             if (kind == "graph" and chart_texts(r, "chart-title") == [title])
             or (kind == "heatmap" and of_class(r, "cell"))
             or (kind == "bars" and chart_texts(r, "legend")[:1] == [legend])]
    assert len(found) == 1, f"expected one {kind} chart {legend or title or ''}; got {len(found)}"
    return found[0]


def check_charts(at: AppTest, rbm: RBM, lib, marg, Q: np.ndarray, Q_model: np.ndarray, p: np.ndarray,
                 q: np.ndarray) -> None:
    """Each chart's values (its bars, diamonds, cells and edges) against the library."""
    n_v, n_h = rbm.n_v, rbm.n_h
    graph = chart(at, "graph", title="The RBM as an undirected graph (an MRF)")
    assert sorted(values(graph, "edge")) == sorted(rbm.W.ravel())  # every v-h pair, W = 0 drawn dotted
    joint = chart(at, "bars", "p(v,h)")
    np.testing.assert_allclose(values(joint, "bar"), lib.p, rtol=1e-12)
    assert len(of_class(joint, "bar")) == 2 ** (n_v + n_h)
    m = chart(at, "bars", "Σ_h p(v,h) (sum of the table)")
    np.testing.assert_allclose(values(m, "bar"), marg.p, rtol=1e-12)
    np.testing.assert_allclose(values(m, "marker"), marg.p_from_F, rtol=1e-12)
    heat = chart(at, "heatmap")
    for cell in of_class(heat, "cell"):
        assert float(cell.get("data-value")) == Q[int(cell.get("data-row")), int(cell.get("data-col"))]
    assert len(of_class(heat, "cell")) == (n_v + n_h) * (n_v + n_h + 1) // 2  # the upper triangle
    cond = chart(at, "bars", "p(h|v), exact")
    np.testing.assert_allclose(values(cond, "bar"), np.r_[p, q], rtol=1e-12)
    if Q_model is not Q:  # the couplings shown: the general machine's graph too
        general = chart(at, "graph", title="A general Boltzmann machine")
        W, _, _, L_vv, L_hh = bm.split_qubo(Q_model, n_v)
        couplings = [x for x in (*L_hh[np.triu_indices(n_h, 1)], *L_vv[np.triu_indices(n_v, 1)]) if x]
        assert sorted(values(general, "edge")) == sorted([*W.ravel(), *couplings])


def check_all_numbers(at: AppTest, Q_model: np.ndarray | None = None) -> None:
    """Every number on the page against the library, for the model the sliders show."""
    rbm = shown_rbm(at)
    n_v, n_h = rbm.n_v, rbm.n_h
    lib = bm.joint_table(rbm)
    marg = bm.marginal_v(rbm)

    # Z, log Z (two ways), sums
    assert lib.Z is not None
    assert number(at, "Z = Σ exp(−E)") == pytest.approx(lib.Z, rel=1e-5)
    assert number(at, "log Z, summing the table") == pytest.approx(lib.log_Z, abs=1e-6)
    assert number(at, "log Z, larger layer summed out") == pytest.approx(log_Z_exact(rbm), abs=1e-6)
    assert number(at, "Σ p(v,h) over all joint states") == pytest.approx(1.0, abs=1e-11)
    assert number(at, "Σ p(v) over all visible states") == pytest.approx(1.0, abs=1e-11)
    assert int(metric(at, "joint states enumerated")) == 2 ** (n_v + n_h)

    # the joint table
    joint = table(at, JOINT)
    assert len(joint) == 2 ** (n_v + n_h)
    assert list(joint["v"]) == [bm.state_label(v) for v in lib.V]
    assert list(joint["h"]) == [bm.state_label(h) for h in lib.H]
    np.testing.assert_allclose(joint["E(v,h)"], lib.E, atol=1e-12)
    np.testing.assert_allclose(joint["E(v,h)"], rbm.energy(lib.V, lib.H), atol=1e-9)
    np.testing.assert_allclose(joint["exp(−E)"], np.exp(-lib.E), rtol=1e-12)
    np.testing.assert_allclose(joint["p(v,h)"], lib.p, rtol=1e-12)
    assert joint["p(v,h)"].sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(joint["p(v,h)"], joint["exp(−E)"] / lib.Z, rtol=1e-9)

    # the marginal and the free energy
    m = table(at, MARGINAL)
    assert list(m["v"]) == [bm.state_label(v) for v in marg.V]
    np.testing.assert_allclose(m["F(v)"], rbm.free_energy(marg.V), atol=1e-9)
    np.testing.assert_allclose(m["Σ_h p(v,h)"], lib.p_matrix().sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(m["exp(−F(v))/Z"], np.exp(-rbm.free_energy(marg.V) - lib.log_Z), rtol=1e-9)
    assert m["Σ_h p(v,h)"].sum() == pytest.approx(1.0, abs=1e-12)
    assert number(at, "largest |Σ_h p(v,h) − exp(−F(v))/Z|") == pytest.approx(marg.max_abs_diff, rel=0.01, abs=1e-300)
    assert number(at, "largest |Σ_h p(v,h) − exp(−F(v))/Z|") < 1e-12

    # the two readings, on the picked state
    n_pick = at.selectbox(key=f"en_x_pick_{n_v}_{n_h}").value
    v, h = lib.V[n_pick], lib.H[n_pick]
    f = table(at, FACTORS)
    assert len(f) == n_v + n_h + n_v * n_h
    np.testing.assert_allclose(f["θₖ"], expfam.theta_vector(rbm))
    np.testing.assert_allclose(f["Tₖ(v,h)"], expfam.statistics_vector(v, h)[0])
    np.testing.assert_allclose(f["θₖTₖ = log potential"], f["θₖ"] * f["Tₖ(v,h)"], atol=1e-12)
    np.testing.assert_allclose(f["potential exp(θₖTₖ)"], np.exp(f["θₖTₖ = log potential"]), rtol=1e-12)
    assert f["θₖTₖ = log potential"].sum() == pytest.approx(-lib.E[n_pick], abs=1e-9)
    assert np.prod(f["potential exp(θₖTₖ)"]) == pytest.approx(np.exp(-lib.E[n_pick]), rel=1e-9)
    assert number(at, "⟨θ, T(v,h)⟩") == pytest.approx(-lib.E[n_pick], abs=1e-6)
    assert number(at, "−E(v,h)") == pytest.approx(-rbm.energy(v, h)[0], abs=1e-6)
    assert number(at, "Π potentials / Z") == pytest.approx(lib.p[n_pick], rel=1e-5, abs=1e-12)
    assert number(at, "p(v,h) from the table") == pytest.approx(lib.p[n_pick], rel=1e-5, abs=1e-12)
    assert number(at, "log p = ⟨θ,T⟩ − A(θ)") == pytest.approx(np.log(lib.p[n_pick]), abs=1e-6)
    assert number(at, "Π potentials = exp(−E)") == pytest.approx(np.exp(-lib.E[n_pick]), rel=1e-5)

    # the QUBO matrix
    Q = bm.qubo_from_rbm(rbm)
    q_df = table(at, [f"v{i + 1}" for i in range(n_v)] + [f"h{j + 1}" for j in range(n_h)])
    np.testing.assert_allclose(q_df.to_numpy(), Q)
    np.testing.assert_allclose(np.diag(q_df.to_numpy()), np.concatenate([rbm.b, rbm.c]))
    assert number(at, "largest |−xᵀQx − E(v,h)|") < 1e-9

    # p(h | v) against the product of its marginals
    Q_model = Q if Q_model is None else Q_model
    v_c = bm.all_states(n_v)[at.selectbox(key=f"en_v_pick_{n_v}").value]
    p = bm_posterior.conditional_h_given_v(Q_model, n_v, v_c)
    q = bm_posterior.product_of_marginals(p, n_h)
    cond = table(at, CONDITIONAL)
    assert list(cond["h"]) == [bm.state_label(x) for x in bm.all_states(n_h)]
    np.testing.assert_allclose(cond["p(h|v) exact"], p, rtol=1e-12)
    np.testing.assert_allclose(cond["Π_j p(h_j|v)"], q, rtol=1e-12)
    assert cond["p(h|v) exact"].sum() == pytest.approx(1.0, abs=1e-12)
    assert cond["Π_j p(h_j|v)"].sum() == pytest.approx(1.0, abs=1e-12)
    assert number(at, "KL( p(h|v)") == pytest.approx(bm_posterior.kl(p, q), rel=1e-3, abs=1e-12)  # shown to 4 digits

    check_charts(at, rbm, lib, marg, Q, Q_model, p, q)


# ------------------------------------------------------------------------------ tests
def test_page_runs_and_every_number_matches_the_library(at):
    assert sizes(at) == (3, 2)
    assert len(svg_charts(at)) == 5  # graph, joint bars, marginal bars, Q, p(h|v) bars: SVG, no Plotly
    assert len(at.get("plotly_chart")) == 0
    assert any("What to notice" in i.value for i in at.info)
    check_all_numbers(at)
    assert number(at, "KL( p(h|v)") < 1e-12  # an RBM: the hidden units are independent given v


def test_moving_a_weight_slider_changes_Z_and_the_table(at):
    before_Z = metric(at, "Z = Σ exp(−E)")
    before_p = table(at, JOINT)["p(v,h)"].to_numpy()
    old = at.slider(key="en_W_0_0").value
    at.slider(key="en_W_0_0").set_value(5.0 if old != 5.0 else -5.0).run()
    assert_ok(at)
    assert metric(at, "Z = Σ exp(−E)") != before_Z
    assert not np.allclose(table(at, JOINT)["p(v,h)"].to_numpy(), before_p)
    check_all_numbers(at)


def test_bias_sliders_enter_the_diagonal(at):
    at.slider(key="en_b_1").set_value(-3.3).run()
    at.slider(key="en_c_0").set_value(2.7).run()
    assert_ok(at)
    q_df = table(at, ["v1", "v2", "v3", "h1", "h2"])
    assert q_df.loc["v2", "v2"] == pytest.approx(-3.3)
    assert q_df.loc["h1", "h1"] == pytest.approx(2.7)
    check_all_numbers(at)


def test_reset_to_zero_gives_the_uniform_distribution(at):
    at.button(key="en_reset").click().run()
    assert_ok(at)
    rbm = shown_rbm(at)
    assert not np.any(rbm.W) and not np.any(rbm.b) and not np.any(rbm.c)
    assert number(at, "Z = Σ exp(−E)") == pytest.approx(32.0)
    np.testing.assert_allclose(table(at, JOINT)["p(v,h)"], 1 / 32)
    np.testing.assert_allclose(table(at, MARGINAL)["Σ_h p(v,h)"], 1 / 8)
    check_all_numbers(at)


def test_random_weights_are_reproducible_from_the_seed(at):
    at.number_input(key="en_seed").set_value(7).run()
    at.button(key="en_random").click().run()
    assert_ok(at)
    first = shown_rbm(at)
    assert at.number_input(key="en_seed").value == 8  # advanced, so the next press is a new model
    at.button(key="en_random").click().run()
    assert not np.allclose(shown_rbm(at).W, first.W)
    at.number_input(key="en_seed").set_value(7).run()
    at.button(key="en_random").click().run()
    again = shown_rbm(at)
    np.testing.assert_array_equal(again.W, first.W)
    np.testing.assert_array_equal(again.b, first.b)
    check_all_numbers(at)


def test_large_weights_stay_normalised(at):
    at.slider(key="en_n_v").set_value(6).run()
    at.slider(key="en_n_h").set_value(4).run()
    for i in range(6):
        at.slider(key=f"en_b_{i}").set_value(10.0)
        for j in range(4):
            at.slider(key=f"en_W_{i}_{j}").set_value(10.0 if (i + j) % 2 else -10.0)
    for j in range(4):
        at.slider(key=f"en_c_{j}").set_value(-10.0)
    at.run()
    assert_ok(at)
    assert np.isfinite(table(at, JOINT)["p(v,h)"]).all()
    check_all_numbers(at)


def test_lateral_toggle_makes_KL_positive(at):
    assert number(at, "KL( p(h|v)") < 1e-12
    at.toggle(key="en_lateral").set_value(True).run()
    assert_ok(at)
    kl_label = [m.label for m in at.metric if m.label.startswith("KL(")][0]
    assert kl_label.endswith("for this Boltzmann machine")
    L_hh, L_vv = shown_lateral(at)
    assert L_hh[0, 1] != 0  # the default hidden-hidden coupling
    rbm = shown_rbm(at)
    Q_model = bm.add_lateral(bm.qubo_from_rbm(rbm), rbm.n_v, hh=L_hh, vv=L_vv)
    assert number(at, "KL( p(h|v)") > 1e-4
    check_all_numbers(at, Q_model)
    # the RBM's own numbers above did not move: the couplings only feed section 6
    assert number(at, "log Z, summing the table") == pytest.approx(bm.joint_table(rbm).log_Z, abs=1e-6)


def test_visible_couplings_alone_keep_KL_zero(at):
    at.toggle(key="en_lateral").set_value(True).run()
    at.slider(key="en_hh_0_1").set_value(0.0)
    at.slider(key="en_vv_0_1").set_value(6.0)
    at.slider(key="en_vv_1_2").set_value(-4.0)
    at.run()
    assert_ok(at)
    assert number(at, "KL( p(h|v)") == pytest.approx(0.0, abs=1e-9)
    L_hh, L_vv = shown_lateral(at)
    rbm = shown_rbm(at)
    check_all_numbers(at, bm.add_lateral(bm.qubo_from_rbm(rbm), rbm.n_v, hh=L_hh, vv=L_vv))


def test_choosing_other_states(at):
    at.selectbox(key="en_x_pick_3_2").set_value(5).run()
    at.selectbox(key="en_v_pick_3").set_value(6).run()
    assert_ok(at)
    check_all_numbers(at)


@pytest.mark.parametrize("n_v, n_h", [(1, 1), (6, 4), (2, 4), (6, 1)])
def test_changing_sizes(at, n_v, n_h):
    at.slider(key="en_n_v").set_value(n_v).run()
    at.slider(key="en_n_h").set_value(n_h).run()
    assert_ok(at)
    assert sizes(at) == (n_v, n_h)
    assert len(table(at, JOINT)) == 2 ** (n_v + n_h)
    at.toggle(key="en_lateral").set_value(True).run()  # also with couplings (none exist at size 1)
    assert_ok(at)
    L_hh, L_vv = shown_lateral(at)
    rbm = shown_rbm(at)
    check_all_numbers(at, bm.add_lateral(bm.qubo_from_rbm(rbm), n_v, hh=L_hh, vv=L_vv))


def test_values_survive_shrinking_and_growing(at):
    at.slider(key="en_W_2_1").set_value(-7.7).run()
    at.slider(key="en_n_v").set_value(1).run()
    at.slider(key="en_n_h").set_value(1).run()
    assert_ok(at)
    with pytest.raises(KeyError):
        at.slider(key="en_W_2_1")
    at.slider(key="en_n_v").set_value(3).run()
    at.slider(key="en_n_h").set_value(2).run()
    assert_ok(at)
    assert at.slider(key="en_W_2_1").value == pytest.approx(-7.7)
    check_all_numbers(at)


def test_settings_survive_visiting_another_page():
    """Through app.py: Streamlit drops the state of widgets a run does not draw; the page keeps its own."""
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.switch_page("lessons/energy.py").run()
    assert_ok(app)
    app.slider(key="en_n_v").set_value(4).run()
    app.slider(key="en_W_3_1").set_value(-6.6).run()
    open_sections(app).run()  # the student opens sections 4-7 ...
    app.toggle(key="en_lateral").set_value(True).run()
    app.switch_page("lessons/home.py").run()
    assert "en_W_3_1" not in app.session_state  # the widget state really was dropped
    app.switch_page("lessons/energy.py").run()
    assert_ok(app)
    assert app.slider(key="en_n_v").value == 4
    assert app.slider(key="en_W_3_1").value == pytest.approx(-6.6)
    assert app.session_state["en_open_lateral"] is True  # ... and finds it open again: its toggle is drawn
    assert app.toggle(key="en_lateral").value is True
    L_hh, L_vv = shown_lateral(app)
    check_all_numbers(app, bm.add_lateral(bm.qubo_from_rbm(shown_rbm(app)), 4, hh=L_hh, vv=L_vv))


def test_a_link_opens_the_model_it_names():
    """?en_n_v=4&en_seed=7&en_scale=1.5&en_lateral=1: the weights Random draws with seed 7 at σ = 1.5."""
    reference = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    reference.slider(key="en_n_v").set_value(4).run()
    reference.number_input(key="en_seed").set_value(7)
    reference.slider(key="en_scale").set_value(1.5).run()
    reference.button(key="en_random").click().run()
    assert_ok(reference)
    assert query(reference) == {"en_n_v": "4", "en_seed": "7", "en_scale": "1.5"}  # a widget change reaches the URL

    linked = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    linked.query_params.update(en_n_v="4", en_seed="7", en_scale="1.5", en_lateral="1", en_n_h="99")
    linked.run()
    assert_ok(linked)
    assert linked.slider(key="en_n_v").value == 4 and linked.slider(key="en_n_h").value == 2  # 99: ignored
    assert linked.toggle(key="en_lateral").value is True
    np.testing.assert_array_equal(shown_rbm(linked).W, shown_rbm(reference).W)
    np.testing.assert_array_equal(shown_rbm(linked).c, shown_rbm(reference).c)
    assert linked.number_input(key="en_seed").value == 8 and linked.slider(key="en_scale").value == 1.5
    assert query(linked) == {"en_n_v": "4", "en_seed": "7", "en_scale": "1.5", "en_lateral": "1"}
    linked.button(key="en_reset").click().run()
    assert "en_seed" not in query(linked)  # weights set by hand: no seed to share


# ------------------------------------------------------------------------------ exponential families
def check_exponential_families(at: AppTest) -> tuple[pd.DataFrame, str]:
    from pgmviz.models import expfam

    rbm = shown_rbm(at)
    shown = next(d for d in tables(at) if "exponential family in θ?" in d.columns)
    curvatures = [expfam.joint_curvature(rbm), expfam.marginal_curvature(rbm), expfam.directed_curvature(rbm.W, rbm.b)]
    for (_, row), c in zip(shown.iterrows(), curvatures):
        j = int(np.argmax(expfam.spread(c)))
        assert row["spread"] == pytest.approx(expfam.spread(c)[j], abs=1e-12)
        assert (row["lowest"], row["highest"]) == pytest.approx((c[:, j].min(), c[:, j].max()), abs=1e-12)
        assert row["exponential family in θ?"].startswith("yes" if expfam.spread(c)[j] < 1e-6 else "no")
    text = next(m.value for m in at.markdown if "**Weight decay** is a Gaussian prior" in m.value)
    _, over_x = expfam.conditional_sums(rbm, 0)
    assert f"Σ_x p(y = 1 | x) = {over_x:.3f}" in text
    penalty, log_prior, const = expfam.weight_decay_as_prior(rbm.W, 2e-4)
    assert f"= {penalty:.4g} with λ = 0.0002" in text and f"= {log_prior:.6g}; their sum {const:.6g}" in text
    return shown, text


def test_the_joint_is_an_exponential_family_the_marginal_and_directed_layers_are_not(at):
    shown, text = check_exponential_families(at)
    assert list(shown["exponential family in θ?"].str[:3]) == ["yes", "no:", "no:"]
    assert "**The joint is one**" in text and "**The marginal p(v) is not**" in text
    assert "**A directed sigmoid layer is not either**" in text
    # all weights zero: v says nothing about h and the marginal's curvature is flat
    at.button(key="en_reset").click().run()
    assert_ok(at)
    shown, text = check_exponential_families(at)
    assert list(shown["exponential family in θ?"].str[:3]) == ["yes", "yes", "yes"]
    assert "**The marginal p(v) is not**" not in text and "does not vary" in text


def test_only_the_joint_table_is_a_data_grid_and_the_code_is_drawn_once_opened(at):
    """The small read-only tables are plain HTML (the browser loads no data grid for them), and the
    shown code is drawn only when its expander is opened (a closed one would load the highlighter)."""
    assert [list(d.value.columns) for d in at.dataframe] == [JOINT]
    assert len(at.table) == 5  # marginal, factors, Q, p(h|v), curvature
    assert len(at.code) == 0
    at.session_state["en_show_code"] = True  # what opening the expander does (on_change="rerun")
    at.run()
    assert len(at.code) == 1 and "bm.joint_table(rbm)" in at.code[0].value
    assert_ok(at)


def test_sections_four_to_seven_are_drawn_only_once_opened():
    """A first visit draws sections 1-3 and the headers of 4-7; each section's body (its tables, charts,
    widgets) comes only when its expander is opened, and closing it again takes the body away."""
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert_ok(app)
    headers = [h.value for h in app.header]
    assert [h[:1] for h in headers] == list("1234567")
    assert len(svg_charts(app)) == 3  # the graph, the joint bars and the marginal's (sections 1-3)
    assert len(app.table) == 1  # the marginal's table; none of sections 4-7
    assert not [s for s in app.selectbox if s.key.startswith(("en_x_pick", "en_v_pick"))]
    assert not [t for t in app.toggle if t.key == "en_lateral"]
    bodies = {"en_open_readings": (FACTORS, "en_x_pick"), "en_open_qubo": (None, None),
              "en_open_lateral": (CONDITIONAL, "en_v_pick"), "en_open_families": (None, None)}
    for key, (columns, select) in bodies.items():
        app.session_state[key] = True  # the student opens this one section
        app.run()
        assert_ok(app)
        assert len(app.table) == 2, key  # the marginal's and this section's
        if columns:
            assert list(app.table[1].value.columns) == columns
        assert bool(select) == any(s.key.startswith(select or "-") for s in app.selectbox)
        assert len(svg_charts(app)) == 3 + (key in ("en_open_qubo", "en_open_lateral")), key
        app.session_state[key] = False
        app.run()
        assert len(app.table) == 1, key
