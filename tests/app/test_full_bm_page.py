"""AppTest of "A full Boltzmann machine, learned" (lessons/full_bm.py): it runs, Step trains both
machines in lockstep, every number shown is the library's for the state the page is in (exact
log-likelihoods, counted costs, the sampled-vs-exact checks with the page's seeds), the
temperature slider changes the sampled distribution, and bad settings give messages, not exceptions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import data
from pgmviz.sampling.partition import log_likelihood_exact
from pgmviz.training import bm_checks, bm_learning
from pgmviz.training.bm_vs_rbm import bm_cost, exact_cost, rbm_cost
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "full_bm.py")
TIMEOUT = 120
X = data.bars_and_stripes(3)


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def check_numbers(at: AppTest) -> None:
    """Every metric, the cost table and the checks' sentences against a recomputation."""
    duel = at.session_state["fb_duel"]
    m, c = metrics(at), duel.curves()
    assert m["updates (each machine)"] == f"{duel.step:,}"
    assert m["full BM: exact log p(v)"] == f"{bm_learning.log_likelihood(duel.bm.Q, 9, X):.3f}"
    assert m["full BM on the exact gradient"] == f"{bm_learning.log_likelihood(duel.exact.Q, 9, X):.3f}"
    assert m["RBM: exact log p(v)"] == f"{log_likelihood_exact(duel.rbm.rbm, X):.3f}" == f"{c['ll_rbm'][-1]:.3f}"
    assert m["best possible: -log 14"] == f"{-np.log(14):.3f}"
    Q, s, seed = duel.bm.Q, duel.settings, int(at.session_state["fb_seed"])
    assert m["Σ |visible–visible couplings|"] == f"{np.abs(np.triu(Q[:9, :9], 1)).sum():.2f}"
    assert m["Σ |hidden–hidden couplings|"] == f"{np.abs(np.triu(Q[9:, 9:], 1)).sum():.2f}"
    assert m["Σ |visible–hidden couplings|"] == f"{np.abs(Q[:9, 9:]).sum():.2f}"
    couplings = Q[np.triu_indices(Q.shape[0], 1)]
    drawn = next(c.value for c in at.caption if "non-zero couplings have" in c.value)
    assert drawn.startswith(f"{int((np.abs(couplings) >= 0.25).sum())} of {int((couplings != 0).sum())} non-zero")
    dot = at.get("graphviz_chart")[0].proto.spec
    # every allowed coupling is an edge (the structure shows at any training state), none that is not allowed
    assert dot.count(" -- ") == int(duel.bm.mask[np.triu_indices(Q.shape[0], 1)].sum())
    assert f"largest ({np.abs(couplings).max():.2f})" in drawn
    table = at.dataframe[0].value.set_index("model")
    for name, cost in (("full Boltzmann machine", bm_cost(9, s.n_hidden, 14, s.n_free, s.sweeps)),
                       ("full machine, exact gradient", exact_cost(9 + s.n_hidden)),
                       ("RBM", rbm_cost(9, s.n_hidden, 14, s.rbm_sampler, s.sweeps, s.n_free))):
        assert table.loc[name, "sampled unit states"] == cost.sampled_units
        assert table.loc[name, "sequential steps"] == cost.sequential_steps
        assert table.loc[name, "multiply-adds"] == cost.multiply_adds
    # section 2: the clamped chains for the pattern chosen
    k = int(at.select_slider(key="fb_pattern").value)
    cond = bm_checks.conditional_check(Q, 9, X[k], sweeps=20, n_chains=2000, rng=seed)
    assert m["KL( p(h|v) ‖ Π_j p(h_j|v) )"] == f"{cond.kl_factorial:.4f} nats"
    assert m["TV( clamped chains , exact p(h|v) )"] == f"{cond.tv:.3f}"
    # section 3: one sampled gradient beside the exact one
    g_sweeps, g_chains = (int(at.number_input(key="fb_" + k).value) for k in ("g_sweeps", "g_chains"))
    gc = bm_checks.gradient_check(Q, 9, X, sweeps=g_sweeps, n_free=g_chains,
                                  mask=duel.bm.mask, rng=seed)
    assert m["cos( sampled , exact gradient )"] == f"{gc.cosine:.3f}"
    assert m["|exact gradient|"] == f"{gc.exact_norm:.4f}"
    assert m["|sampled − exact|"] == f"{gc.error_norm:.4f}"
    np.testing.assert_allclose(gc.exact, bm_learning.exact_gradient(Q, 9, X, mask=duel.bm.mask))
    assert any(f"({gc.unit_updates:,} single-unit samplings)" in c.value for c in at.caption)
    # section 4: chains at temperature T
    T = float(at.slider(key="fb_T").value)
    tc = bm_checks.temperature_check(Q, 9, T, sweeps=int(at.number_input(key="fb_t_sweeps").value),
                                     n_chains=int(at.number_input(key="fb_t_chains").value), patterns=X, rng=seed)
    assert m["TV( chains , exact p_T )"] == f"{tc.tv:.3f}"
    assert m["TV( chains , model p_1 )"] == f"{tc.tv_to_model:.3f}"
    assert m["p_T(the 14 patterns), exact"] == f"{tc.mass_on['exact']:.3f}"
    assert m["units that flipped when visited"] == f"{tc.flip_rate:.1%}"
    text = " ".join(md.value for md in at.markdown)
    assert f"{tc.tv_floor:.3f}" in text and f"{cond.tv:.3f} in total variation" in text


def test_runs_with_both_machines_at_the_same_start(at):
    assert at.title[0].value == "A full Boltzmann machine, learned"
    assert any("What to notice" in i.value for i in at.info)
    duel = at.session_state["fb_duel"]
    assert duel.step == 0 and metrics(at)["full BM: exact log p(v)"] == metrics(at)["RBM: exact log p(v)"]
    check_numbers(at)
    assert metrics(at)["KL( p(h|v) ‖ Π_j p(h_j|v) )"] == "0.0000 nats"  # no hidden-hidden coupling yet
    # the costs at MNIST size, from the same counting functions
    bm, rbm = bm_cost(784, 500, 100, 100, 1), rbm_cost(784, 500, 100, "cd", 1, 100)
    text = next(md.value for md in at.markdown if md.value.startswith("At the size of an MNIST model"))
    assert f"**{bm.sequential_steps:,}** sequential steps" in text and f"RBM's **{rbm.sequential_steps}**" in text
    assert f"**{bm.multiply_adds / rbm.multiply_adds:.1f}x** its multiply-adds" in text


def test_step_trains_both_and_the_conclusion_reads_the_numbers(at):
    at.button(key="fb_step").click()
    run(at)
    duel = at.session_state["fb_duel"]
    assert duel.step == duel.bm.step == duel.rbm.step == 100
    check_numbers(at)
    c = duel.curves()
    assert c["ll_bm"][-1] > c["ll_bm"][0]  # the clamped/free rule learns
    text = next(md.value for md in at.markdown if md.value.startswith("After **100 updates**"))
    ahead = "the full machine" if c["ll_bm"][-1] > c["ll_rbm"][-1] else "the RBM"
    assert f"**{c['ll_bm'][-1]:.3f}**" in text and f"**{c['ll_rbm'][-1]:.3f}**" in text
    assert f"per update, **{ahead}** has learnt more" in text
    assert f"**{duel.ms_per_update('bm') / duel.ms_per_update('rbm'):.1f}x**" in text
    e = c["ll_exact"][-1]
    assert f"exact gradient the same full machine is at {e:.3f} nats" in text
    assert (f"has cost it {e - c['ll_bm'][-1]:.3f} nats" in text) == (e > c["ll_bm"][-1])
    # the couplings the full machine learnt are inside a layer too
    assert float(metrics(at)["Σ |visible–visible couplings|"]) > 0
    # the caption's advice: more free chains and sweeps bring the estimate closer to the exact gradient
    rough = float(metrics(at)["|sampled − exact|"])
    at.number_input(key="fb_g_chains").set_value(5000)
    at.number_input(key="fb_g_sweeps").set_value(100)
    run(at)
    check_numbers(at)
    assert float(metrics(at)["|sampled − exact|"]) < rough


def test_temperature_changes_the_sampled_distribution(at):
    at.button(key="fb_step").click()
    run(at)
    before = metrics(at)["p_T(the 14 patterns), exact"]
    at.slider(key="fb_T").set_value(3.0)
    run(at)
    check_numbers(at)
    assert metrics(at)["p_T(the 14 patterns), exact"] != before
    assert query(at)["fb_T"] == "3"
    assert any("flatter than the model's p_1" in md.value for md in at.markdown)


def test_url_sets_the_machine():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["fb_n_hidden"] = "2"
    app.query_params["fb_connectivity"] = "semi"
    run(app)
    duel = app.session_state["fb_duel"]
    assert duel.bm.n_h == 2 and not np.any(np.triu(duel.bm.mask[9:, 9:], 1))
    check_numbers(app)
    assert metrics(app)["KL( p(h|v) ‖ Π_j p(h_j|v) )"] == "0.0000 nats"


def test_a_wild_learning_rate_stops_with_a_message_and_keeps_the_model(at):
    at.number_input(key="fb_lr").set_value(1000.0)
    at.button(key="fb_reset").click()
    run(at)
    at.button(key="fb_step").click()
    run(at)
    duel = at.session_state["fb_duel"]
    assert duel.diverged and np.isfinite(duel.bm.Q).all()
    assert any("lower the learning rate" in e.value for e in at.error)
    at.number_input(key="fb_lr").set_value(0.0)
    at.button(key="fb_reset").click()
    run(at)
    assert any("cannot train" in e.value for e in at.error)


def test_train_runs_and_pause_stops(at):
    at.button(key="fb_train").click()
    run(at)
    assert at.session_state["fb_running"] and at.session_state["fb_duel"].step > 0
    at.button(key="fb_pause").click()
    run(at)
    assert not at.session_state["fb_running"]
    check_numbers(at)
