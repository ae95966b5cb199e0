"""pgmviz.models.unroll_studies: the infinite-net lesson's experiments against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.models import unroll
from pgmviz.models import unroll_studies as studies
from pgmviz.models.rbm import RBM


def test_the_scale_only_stretches_w():
    a, b = studies.small_rbm(4, 3, 1.0, 7), studies.small_rbm(4, 3, 2.5, 7)
    np.testing.assert_allclose(b.W, 2.5 * a.W)
    np.testing.assert_array_equal(a.b, b.b)
    np.testing.assert_array_equal(a.c, b.c)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(a.W, rng.standard_normal((4, 3)))  # the standard normals come first


def _kl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def test_tied_posterior_is_the_factorial_sigmoid_and_untying_breaks_it():
    rbm = studies.small_rbm(3, 2, 3.0, 0)
    v0 = np.array([1.0, 0.0, 1.0])
    tied = studies.untied(rbm, v0, 0.0, 0, K=3)
    assert tied.max_diff < 1e-12 and tied.slack < 1e-12 and tied.kl_to_factorial < 1e-12
    u = studies.untied(rbm, v0, 1.5, 0, K=3)
    W_above = rbm.W + 1.5 * unroll.perturbation(rbm.W.shape, seed=1)
    np.testing.assert_allclose(u.posterior, unroll.posterior_h0(rbm, v0, W_above, K=3))
    assert u.slack == pytest.approx(_kl(u.factorial, u.posterior)) and u.slack > 1e-4
    # the product of the posterior's own marginals, by hand over the 4 states (h1 slowest)
    p = u.posterior.reshape(2, 2)
    m1, m2 = p[1].sum(), p[:, 1].sum()
    prod = np.outer([1 - m1, m1], [1 - m2, m2]).ravel()
    assert u.kl_to_factorial == pytest.approx(_kl(u.posterior, prod))


def test_the_untying_curve_is_untied_point_by_point():
    rbm, v0 = studies.small_rbm(3, 2, 2.0, 4), np.array([0.0, 1.0, 1.0])
    grid = np.array([0.0, 0.7, 2.0])
    kls, slacks = studies.untying_curve(rbm, v0, grid, 4, K=1)
    for e, k, s in zip(grid, kls, slacks):
        u = studies.untied(rbm, v0, e, 4, K=1)
        assert (k, s) == (u.kl_to_factorial, u.slack)


def test_levels_within_is_the_first_level_close_enough():
    rbm = studies.small_rbm(3, 2, 2.0, 1)
    tele = unroll.tied_learning_rule(rbm, unroll.point_mass(np.array([1.0, 1.0, 0.0])), 30)
    gaps, norm = tele.gaps(), tele.exact.norm
    k = studies.levels_within(tele, 0.01)
    assert k is not None and gaps[k] <= 0.01 * norm and all(gaps[j] > 0.01 * norm for j in range(1, k))
    assert studies.levels_within(tele, 0.0) is None or gaps[studies.levels_within(tele, 0.0)] == 0


def test_cd_reading_agrees_with_the_exact_terms():
    rbm = RBM(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.2, -0.3]), np.array([-0.5, 0.1]))
    v0 = np.array([1.0, 0.0])
    tele = unroll.tied_learning_rule(rbm, unroll.point_mass(v0), 5)
    r = studies.cd_reading(rbm, v0, 2, tele, n_chains=4000, seed=0)
    assert r.sampled_gap < 0.05  # 4,000 chains: sampling noise only
    assert r.objective == pytest.approx(unroll.cd_objective(rbm, unroll.point_mass(v0), 2))
    assert r.update_norm == pytest.approx(tele.cd[2].norm)
    assert -1.0 <= r.cosine <= 1.0 and r.dropped >= 0
