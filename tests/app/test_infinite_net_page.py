"""AppTest of "The infinite belief net" (lessons/infinite_net.py): it runs, every number it shows is
pgmviz.models.unroll's for the RBM its widgets describe, and the widgets move them the right way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.models import sbn, unroll
from pgmviz.models.bm_posterior import kl
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from tests.app.helpers import query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "infinite_net.py")
TIMEOUT = 120
KL_LABEL = "KL( p(h₀|v₀) ‖ Π_j p(h₀ⱼ|v₀) )"
SLACK_LABEL = "slack of the bound: KL(q ‖ p)"


@pytest.fixture(scope="module")
def small_model() -> tuple[RBM, dict]:
    """A tiny 4x4-pixel 'digit model', so the test does not depend on the pretrained files."""
    return RBM.random(16, 8, seed=0, sigma=1.0), {"image_shape": [4, 4], "source": "yours"}


@pytest.fixture
def at(small_model) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.session_state["user_models"] = {"tiny": {"rbm": small_model[0], "meta": small_model[1]}}
    app.session_state["current_model"] = "tiny"
    return run(app)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def shown_rbm(at: AppTest) -> tuple[RBM, int]:
    """The RBM the widgets describe, rebuilt the page's documented way (W = scale x N(0,1), b, c ~ N(0,1))."""
    n_v, n_h = int(at.number_input(key="in_n_v").value), int(at.number_input(key="in_n_h").value)
    rng = np.random.default_rng(int(at.number_input(key="in_seed").value))
    Z = rng.standard_normal((n_v, n_h))
    rbm = RBM(at.slider(key="in_scale").value * Z, rng.standard_normal(n_v), rng.standard_normal(n_h))
    return rbm, int(at.slider(key="in_K").value)


def top_state(at: AppTest, n_v: int) -> np.ndarray:
    return all_states(n_v)[np.random.default_rng(int(at.number_input(key="in_top_seed").value)).integers(2 ** n_v)]


def test_runs_and_shows_the_librarys_numbers(at):
    assert at.title[0].value == "The infinite belief net"
    rbm, K = shown_rbm(at)
    v_top = top_state(at, rbm.n_v)
    # section 2: the pass down the net and the Gibbs chain, bit for bit
    assert metric(at, "layers identical") == f"{2 * K + 1} of {2 * K + 1}"
    table = at.dataframe[1].value
    assert list(table["same"]) == ["✓"] * (2 * K + 1)
    chain = unroll.gibbs_pass(rbm, v_top[None, :], K, rng=int(at.number_input(key="in_top_seed").value))
    assert list(table["Gibbs state"]) == ["".join(str(int(x)) for x in s[0]) for s in chain]
    # section 3: exact distributions
    p_top = unroll.point_mass(v_top)
    net_dist = unroll.unrolled_distributions(rbm, p_top, K)
    tv = unroll.tv_distance(net_dist, unroll.equilibrium_v(rbm))
    assert metric(at, f"TV( p after K = {K} levels") == f"{tv[K]:.4g}"
    assert metric(at, "TV after 1 level") == f"{tv[1]:.4g}"
    gap = float(metric(at, "max |p_net(v₀) − p_Gibbs(v)|"))
    assert gap < 1e-14
    # section 4: tied weights, factorial posterior
    assert float(metric(at, KL_LABEL).split()[0]) < 1e-12
    assert float(metric(at, "max |p(h₀|v₀) − Π_j sigmoid")) < 1e-12
    assert metric(at, "prior over h₀ complementary?") == "yes (tied)"
    # the diagram animates the unrolling, one frame per level (at most 4)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["frames"]) == min(K, 4) + 1
    assert any("What to notice" in i.value for i in at.info)


def test_tv_falls_with_k(at):
    before = float(metric(at, "TV( p after K"))
    at.slider(key="in_K").set_value(15)
    run(at)
    after = float(metric(at, "TV( p after K = 15"))
    assert after < before
    assert metric(at, "layers identical") == "31 of 31"
    assert len(json.loads(at.get("plotly_chart")[0].proto.spec)["frames"]) == 5


def test_untying_breaks_the_complementary_prior(at):
    at.slider(key="in_eps").set_value(2.0)
    run(at)
    rbm, K = shown_rbm(at)
    on = at.pills(key="in_v0_on").value or []
    v0 = np.array([1.0 if f"v{i + 1}" in on else 0.0 for i in range(rbm.n_v)])
    d = unroll.perturbation(rbm.W.shape, seed=int(at.number_input(key="in_seed").value) + 1)
    post = unroll.posterior_h0(rbm, v0, W_above=rbm.W + 2.0 * d, K=K)
    q = unroll.factorial_posterior(rbm, v0)
    assert metric(at, KL_LABEL) == f"{sbn.kl_to_factorial(post, rbm.n_h):.3g} nats"
    assert metric(at, SLACK_LABEL) == f"{kl(q, post):.3g} nats"
    assert sbn.kl_to_factorial(post, rbm.n_h) > 0 and kl(q, post) > 1e-3
    assert metric(at, "prior over h₀ complementary?") == "no (untied)"
    # what the registry's blurb says: what breaks is sigmoid(c + v0 W) being the answer (the slack),
    # far more than the posterior's factorising
    assert kl(q, post) > 10 * sbn.kl_to_factorial(post, rbm.n_h)
    from pgmviz.ui.lessons import LESSONS

    blurb = next(lesson.blurb for lesson in LESSONS if lesson.key == "infinite_net")
    assert "slack" in blurb and "nearly factorial" in blurb and "makes the posterior factorise" not in blurb


def test_digit_model_generates_layer_by_layer(at):
    assert len(at.image) == 10  # levels 0, 1, 2, 3, 5, 10, 20, 50, 100, 200 of the default 200
    at.select_slider(key="in_digit_K").set_value(20)
    run(at)
    assert len(at.image) == 7  # 0, 1, 2, 3, 5, 10, 20
    captions = [img.proto.imgs[0].caption for img in at.image]
    assert captions[0] == "v₂₀ (top)" and captions[-1] == "v₀ (bottom)"


def test_a_link_sets_the_net_and_changes_go_back_to_the_address(small_model):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.session_state["user_models"] = {"tiny": {"rbm": small_model[0], "meta": small_model[1]}}
    app.session_state["current_model"] = "tiny"
    app.query_params.update(in_n_v="5", in_K="12", in_scale="1.5", in_start="uniform", in_v0_on="v2,v5",
                            in_eps="0.7", in_digit_K="20", in_n_h="5", in_seed="-1")
    run(app)
    assert app.number_input(key="in_n_v").value == 5 and app.slider(key="in_K").value == 12
    assert app.slider(key="in_scale").value == 1.5 and app.radio(key="in_start").value == "uniform"
    assert app.pills(key="in_v0_on").value == ["v2", "v5"] and app.slider(key="in_eps").value == 0.7
    assert app.select_slider(key="in_digit_K").value == 20
    assert app.number_input(key="in_n_h").value == 3 and app.number_input(key="in_seed").value == 0  # out of range
    assert query(app) == {"in_n_v": "5", "in_K": "12", "in_scale": "1.5", "in_start": "uniform",
                          "in_v0_on": "v2,v5", "in_eps": "0.7", "in_digit_K": "20"}
    app.slider(key="in_K").set_value(5)  # back to the default
    app.number_input(key="in_top_seed").set_value(3)
    run(app)
    assert "in_K" not in query(app) and query(app)["in_top_seed"] == "3"


def telescope_text(at: AppTest) -> str:
    return next(md.value for md in at.markdown if "KL(p₀ ‖ p∞)" in md.value)


@pytest.mark.parametrize("cd_k", [1, 3])
def test_the_tied_learning_rule_telescopes_to_the_gradient(small_model, cd_k):
    from pgmviz.training.gradients import cd_expected_update, cosine

    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.session_state["user_models"] = {"tiny": {"rbm": small_model[0], "meta": small_model[1]}}
    app.session_state["current_model"] = "tiny"
    app.query_params.update(in_cd_k=str(cd_k))
    at = run(app)
    rbm, _ = shown_rbm(at)
    seed = int(at.number_input(key="in_seed").value)
    on = at.pills(key="in_v0_on").value or []
    v0 = np.array([1.0 if f"v{i + 1}" in on else 0.0 for i in range(rbm.n_v)])
    p0 = unroll.point_mass(v0)
    tele = unroll.tied_learning_rule(rbm, p0, 40)
    gaps = tele.gaps()
    assert metric(at, "|exact gradient| (all terms)") == f"{tele.exact.norm:.4g}"
    assert metric(at, f"|CD-{cd_k} − exact gradient|") == f"{gaps[cd_k]:.3g}"
    assert metric(at, f"cos(CD-{cd_k}, exact gradient)") == f"{tele.cosines()[cd_k - 1]:.4f}"
    sampled = cd_expected_update(rbm, v0[None, :], k=cd_k, n_chains=4000, rng=seed)
    shown = float(metric(at, f"max |sampled CD-{cd_k} − sum of {2 * cd_k} terms|"))
    assert shown == pytest.approx(float(np.abs((sampled.update - tele.partial[cd_k]).flat()).max()), abs=1e-3)
    assert shown < 0.05 < gaps[cd_k]  # sampling noise only, against a real truncation error
    # the table: each level's terms, the partial sums and the closed form of CD-k
    table = next(d.value for d in at.dataframe if "|sum − exact|" in d.value.columns)
    np.testing.assert_allclose(table["|sum − exact|"], gaps[1:11], rtol=1e-12)
    np.testing.assert_allclose(table["|term v|"], [tele.layers[2 * k].norm for k in range(10)], rtol=1e-12)
    assert (table["max |sum − CD-k closed form|"] < 1e-12).all()
    assert np.all(np.diff(table["|sum − exact|"]) < 0)  # the partial sums approach the gradient
    # the sentence: when the sum comes within 1%, what all terms miss, the objective and its dropped part
    text = telescope_text(at)
    close = next(k for k in range(1, 41) if gaps[k] <= 0.01 * tele.exact.norm)
    assert f"within 1% of the gradient's length after **{close}** level" in text
    assert f"differ from the exact gradient by {gaps[40]:.1e}" in text
    assert f"= {unroll.cd_objective(rbm, p0, cd_k):.4g} nats here" in text
    full = unroll.cd_objective_gradient(rbm, p0, cd_k)
    assert (f"of length {(full - tele.cd[cd_k]).norm:.3g} against {tele.cd[cd_k].norm:.3g}" in text)
    assert f"the two directions {cosine(full.flat(), tele.cd[cd_k].flat()):.4f})" in text
