"""pgmviz.training.bm_readout: the full-BM lesson's sums, gradient split, cost rows and sentences."""

from __future__ import annotations

import numpy as np

from pgmviz.training import bm_readout as readout
from pgmviz.training.bm_checks import ConditionalCheck
from pgmviz.training.bm_learning import connectivity
from pgmviz.training.bm_vs_rbm import bm_cost, rbm_cost


def test_coupling_sums_by_block():
    Q = np.zeros((4, 4))  # 2 visible, 2 hidden
    Q[0, 1], Q[2, 3], Q[0, 2], Q[1, 3], Q[0, 0] = -1.5, 2.0, 0.25, -0.5, 9.0  # the bias is in no sum
    assert readout.coupling_sums(Q, 2) == {"visible–visible": 1.5, "hidden–hidden": 2.0, "visible–hidden": 0.75}


def test_gradient_points_split_the_learnable_entries():
    mask = connectivity(2, 2, "semi")  # no h-h coupling
    exact = np.arange(16.0).reshape(4, 4)
    points = readout.gradient_points(exact, -exact, mask, 2)
    assert sorted(points["bias"][0]) == [0, 5, 10, 15]
    assert sorted(points["visible–hidden"][0]) == [2, 3, 6, 7]
    assert list(points["lateral"][0]) == [1]  # v1-v2 only; h1-h2 is not learnable
    for ex, sa in points.values():
        assert np.array_equal(sa, -ex)


def test_ll_at_time_takes_the_last_record_reached():
    assert readout.ll_at_time([0.0, 1.0, 2.0], [-5.0, -4.0, -3.0], 1.5) == -4.0
    assert np.isnan(readout.ll_at_time([1.0], [-5.0], 0.5))


def test_scale_sentence_counts_from_the_cost_model():
    s = readout.MNIST_SCALE
    bm = bm_cost(s["n_v"], s["n_h"], s["batch"], s["chains"], s["sweeps"])
    rbm = rbm_cost(s["n_v"], s["n_h"], s["batch"], "cd", s["sweeps"], s["chains"])
    text = readout.scale_sentence()
    assert f"**{bm.sequential_steps:,}** sequential steps" in text and f"RBM's **{rbm.sequential_steps}**" in text
    assert f"**{bm.multiply_adds / rbm.multiply_adds:.1f}x**" in text


def test_cond_sentence_follows_the_kl():
    def check(kl, tv, floor):
        return ConditionalCheck(exact=np.ones(2) / 2, sampled=np.ones(2) / 2, tv=tv, kl_factorial=kl, flip_rate=0.5,
                                tv_floor=floor)
    assert readout.cond_sentence(check(0.0, 0.01, 0.01)).startswith("Here the posterior factorises")
    assert "nearly a product" in readout.cond_sentence(check(1e-4, 0.01, 0.01))
    text = readout.cond_sentence(check(0.2, 0.05, 0.01))
    assert "is 0.2000 nats" in text and "not yet reached equilibrium" in text
    assert "about what as many independent" in readout.cond_sentence(check(0.2, 0.012, 0.01))


def test_fmt_dashes_what_is_not_a_number():
    assert readout.fmt(float("nan")) == "-" and readout.fmt(None) == "-" and readout.fmt(1.23456) == "1.235"
