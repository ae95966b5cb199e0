"""AppTest of "A deep Boltzmann machine" (lessons/dbm.py): it runs, Step trains both models by the same
updates, and every number it shows is pgmviz's for the page's own models: exact log-likelihoods,
samples judged against the patterns, the posterior over h1 as the top weights are scaled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.evaluation import dbm_vs_dbn as cmp
from pgmviz.training.dbm_pretrain import pretrain
from pgmviz.training.dbm_train import dbn_log_likelihood, side_by_side
from pgmviz.training.protocol import Budget
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "dbm.py")
TIMEOUT = 180
SCALES = np.linspace(0.0, 2.0, 21)


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def models(at: AppTest):
    dbm_t, twin = at.session_state["dbm_pair"].trainers
    return dbm_t, twin, dbm_t.dbm, twin.net()


def text(at: AppTest) -> str:
    return " ".join(md.value for md in at.markdown) + " ".join(i.value for i in at.info)


def check_numbers(at: AppTest, X: np.ndarray, T: int = 100, sample_seed: int = 0, image: int = 5) -> dict:
    """Every metric of sections 2 and 3 recomputed from the session's models by the library."""
    _, _, model, net = models(at)
    m = metrics(at)
    s = cmp.draw_samples(model, net, 200, T, sample_seed)
    assert m["DBM: samples that are bars or stripes"] == f"{cmp.fraction_in(s.dbm_binary, X):.1%}"
    assert m["DBN: samples that are bars or stripes"] == f"{cmp.fraction_in(s.dbn_binary, X):.1%}"
    assert m["DBM: exact p(data patterns)"] == f"{cmp.data_mass(model, X):.3g}"
    assert m["DBN: exact p(data patterns)"] == f"{cmp.data_mass(net, X):.3g}"
    v = X[image]
    mf = model.mean_field(v, n_iter=100, tol=1e-8)
    assert m["DBM: mean field's largest error"] == \
        f"{np.abs(mf.mu1[0] - model.p_h1_given_v(v)[0]).max():.4f}"
    assert m["mean-field iterations to converge"] == (f"{mf.iterations}" if mf.moved <= 1e-8 else "over 100")
    return m


def test_untrained_page(at):
    assert at.title[0].value == "A deep Boltzmann machine"
    X = datasets.load("bars4").X_train
    m = check_numbers(at, X)
    assert "DBM: exact mean log p(v)" not in m  # nothing trained: no curve yet
    assert any("second layer starts at update 2,000" in i.value for i in at.info)
    assert any("What to notice" in i.value for i in at.info)
    assert query(at) == {}  # defaults: a clean address


@pytest.mark.slow
def test_step_trains_both_and_the_numbers_are_the_library_s(at):
    at.number_input(key="dbm_updates").set_value(400)
    run(at)
    for _ in range(2):  # Step = 200 updates of each; the DBN's layer 2 starts at 200
        at.button(key="dbm_step").click()
        run(at)
    dbm_t, twin, model, net = models(at)
    assert dbm_t.step == twin.step == 400 and net.n_layers == 2
    assert at.button(key="dbm_train").disabled and at.button(key="dbm_step").disabled  # the run is over
    X = datasets.load("bars4").X_train
    m = check_numbers(at, X)
    ll_dbm, ll_dbn = model.log_likelihood(X), dbn_log_likelihood(net, X)
    assert m["DBM: exact mean log p(v)"] == f"{ll_dbm:.3f} nats"
    assert m["DBN: exact mean log p(v)"] == f"{ll_dbn:.3f} nats"
    assert m["best possible"] == f"{-np.log(30):.3f} nats"
    # the same run outside the page, in one slice, as its code expander says: the same numbers
    alone = side_by_side(X, [16, 10, 6], 400, lr=0.05, seed=0)
    alone.run(Budget(updates=400))
    assert m["DBM: exact mean log p(v)"] == f"{alone.trainers[0].dbm.log_likelihood(X):.3f} nats"
    assert m["DBN: exact mean log p(v)"] == f"{dbn_log_likelihood(alone.trainers[1].net(), X):.3f} nats"
    winner = "DBM" if ll_dbm > ll_dbn else "DBN"
    assert f"the **{winner}** is ahead by {abs(ll_dbm - ll_dbn):.3f} nats" in text(at)
    scan = cmp.h1_posterior_vs_scale(model, net, X[5], SCALES)
    assert m["DBM: largest move of a p(h¹ⱼ | v) over s"] == f"{scan.dbm_range:.4g}"
    assert m["DBN recognition: largest move over s"] == "0" == f"{scan.dbn_range:.4g}"
    assert scan.dbm_range > 0.01  # the layer above moves the DBM's posterior
    assert f"moves too: by up to **{scan.dbn_exact_range:.4g}** over the same s" in text(at)
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert f"the {winner} has the higher" in notice and f"by up to {scan.dbm_range:.4g}" in notice
    assert query(at)["dbm_updates"] == "400"

    # another image and sample setting: the numbers follow
    at.slider(key="dbm_image").set_value(7)
    at.select_slider(key="dbm_T").set_value(10)
    run(at)
    check_numbers(at, X, T=10, image=7)
    scan7 = cmp.h1_posterior_vs_scale(model, net, X[7], SCALES)
    assert metrics(at)["DBM: largest move of a p(h¹ⱼ | v) over s"] == f"{scan7.dbm_range:.4g}"


def test_the_largest_learning_rate_trains_and_a_diverged_run_says_so(at):
    at.number_input(key="dbm_lr").set_value(10.0)  # the page's maximum: sigmoids saturate, weights stay finite
    run(at)
    at.button(key="dbm_step").click()
    run(at)
    dbm_t, twin, model, _ = models(at)
    assert dbm_t.step == twin.step == 200 and model.is_finite()
    check_numbers(at, datasets.load("bars4").X_train)
    # a run that did diverge (as pgmviz.training.dbm_train reports it): the page says so and keeps the model
    dbm_t.diverged = "training diverged at update 201 (lower the learning rate); the last good parameters were kept"
    run(at)
    assert any("lower the learning rate" in e.value for e in at.error)
    assert at.button(key="dbm_train").disabled
    check_numbers(at, datasets.load("bars4").X_train)


def test_pretraining_starts_the_dbm_from_the_library_s_pretrained_weights(at):
    at.toggle(key="dbm_pretrain").set_value(True)
    run(at)
    X = datasets.load("bars4").X_train
    dbm_t, twin, model, _ = models(at)
    want = pretrain(X, [16, 10, 6], 1000, lr=0.05, batch_size=10, seed=0)
    assert np.array_equal(model.W1, want.W1) and np.array_equal(model.c1, want.c1) and dbm_t.step == 0
    assert f"from its pretrained weights (exact mean log p(v) at update 0: {want.log_likelihood(X):.3f} nats)" in \
        " ".join(c.value for c in at.caption)
    assert query(at)["dbm_pretrain"] == "1"
    check_numbers(at, X)


def test_the_small_set_clamps_a_large_image_number(at):
    at.slider(key="dbm_image").set_value(25)
    run(at)
    at.selectbox(key="dbm_set").set_value("bars3")
    run(at)
    assert at.slider(key="dbm_image").value == 13
    check_numbers(at, datasets.load("bars3").X_train, image=13)
