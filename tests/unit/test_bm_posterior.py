"""pgmviz.models.bm_posterior against enumeration: p(h | v) exact, factorised for an RBM and not with
hidden-hidden couplings; the product of marginals and KL by hand."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.models import bm_posterior
from pgmviz.models import boltzmann as bm
from pgmviz.models.rbm import RBM
from tests.unit.test_boltzmann import CASES, random_rbm


@pytest.fixture(params=[(case, seed) for case in CASES for seed in (0, 1)], ids=lambda p: f"{p[0]}-s{p[1]}")
def rbm(request) -> RBM:
    (n_v, n_h, scale), seed = request.param
    return random_rbm(n_v, n_h, scale, seed)


# ------------------------------------------------------------------------------ p(h | v)
def test_conditional_is_exact_posterior_and_factorises_for_an_rbm(rbm):
    Q = bm.qubo_from_rbm(rbm)
    t = bm.joint_table(rbm)
    P = t.p_matrix()
    for k, v in enumerate(bm.all_states(rbm.n_v)[:8]):
        p = bm_posterior.conditional_h_given_v(Q, rbm.n_v, v)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(p, P[k] / P[k].sum(), rtol=1e-8, atol=1e-300)  # Bayes on the table
        m = bm_posterior.hidden_marginals(p, rbm.n_h)
        np.testing.assert_allclose(m, rbm.p_h_given_v(v)[0], rtol=1e-9, atol=1e-12)  # sigmoid(c + v.W)
        q = bm_posterior.product_of_marginals(p, rbm.n_h)
        assert q.sum() == pytest.approx(1.0, abs=1e-12)
        assert bm_posterior.kl(p, q) == pytest.approx(0.0, abs=1e-12)
        assert bm_posterior.kl_to_product_of_marginals(Q, rbm.n_v, v) == pytest.approx(0.0, abs=1e-12)


def test_visible_couplings_keep_hidden_units_independent():
    # v-v terms are constant once v is clamped, so p(h | v) still factorises.
    rbm = random_rbm(3, 3, 2.0, seed=5)
    vv = np.triu(np.full((3, 3), 4.0), 1)
    Q = bm.add_lateral(bm.qubo_from_rbm(rbm), 3, vv=vv)
    for v in bm.all_states(3):
        assert bm_posterior.kl_to_product_of_marginals(Q, 3, v) == pytest.approx(0.0, abs=1e-12)


def test_hidden_couplings_break_conditional_independence():
    # Strong coupling between h_1 and h_2, whose biases make "both on" and "both off" compete:
    # the posterior is a two-state mixture that no product of independent units can fit.
    rng = np.random.default_rng(6)
    rbm = RBM(rng.normal(0, 0.5, (3, 3)), rng.normal(0, 0.5, 3), np.array([-2.0, -2.0, 0.3]))
    hh = np.zeros((3, 3))
    hh[0, 1] = 4.0
    Q = bm.add_lateral(bm.qubo_from_rbm(rbm), 3, hh=hh)
    for v in bm.all_states(3):
        p = bm_posterior.conditional_h_given_v(Q, 3, v)
        q = bm_posterior.product_of_marginals(p, 3)
        assert p.sum() == pytest.approx(1.0, abs=1e-12) and q.sum() == pytest.approx(1.0, abs=1e-12)
        assert bm_posterior.kl(p, q) > 1e-3
        np.testing.assert_allclose(bm_posterior.hidden_marginals(q, 3), bm_posterior.hidden_marginals(p, 3), atol=1e-12)


def test_conditional_with_huge_weights_stays_finite():
    rbm = random_rbm(3, 4, 20.0, seed=3)
    hh = np.triu(np.full((4, 4), -30.0), 1)
    Q = bm.add_lateral(bm.qubo_from_rbm(rbm), 3, hh=hh)
    for v in bm.all_states(3):
        p = bm_posterior.conditional_h_given_v(Q, 3, v)
        q = bm_posterior.product_of_marginals(p, 4)
        assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.isfinite(bm_posterior.kl(p, q))


def test_product_of_marginals_by_hand():
    # p puts 1/2 on h = 00 and 1/2 on h = 11: marginals 1/2 each, so q is uniform.
    p = np.array([0.5, 0.0, 0.0, 0.5])
    q = bm_posterior.product_of_marginals(p, 2)
    np.testing.assert_allclose(q, 0.25)
    assert bm_posterior.kl(p, q) == pytest.approx(np.log(2))  # sum of 2 * 0.5 * log(0.5 / 0.25)
    # a unit that is always off gives zeros, not NaN
    np.testing.assert_allclose(bm_posterior.product_of_marginals(np.array([0.3, 0.7, 0.0, 0.0]), 2), [0.3, 0.7, 0, 0])


def test_kl_properties():
    p = np.array([0.2, 0.8])
    assert bm_posterior.kl(p, p) == 0.0
    assert bm_posterior.kl(p, np.array([0.5, 0.5])) > 0
    assert bm_posterior.kl(p, np.array([1.0, 0.0])) == np.inf
    assert bm_posterior.kl(np.array([1.0, 0.0]), p) == pytest.approx(np.log(1 / 0.2))
    with pytest.raises(ValueError):
        bm_posterior.kl(p, np.array([0.2, 0.3, 0.5]))


def test_conditional_rejects_bad_v():
    Q = bm.qubo_from_rbm(random_rbm(2, 2, 1.0, 0))
    with pytest.raises(ValueError, match="binary"):
        bm_posterior.conditional_h_given_v(Q, 2, [0.5, 1.0])
    with pytest.raises(ValueError, match="shape"):
        bm_posterior.conditional_h_given_v(Q, 2, [1.0, 0.0, 1.0])
