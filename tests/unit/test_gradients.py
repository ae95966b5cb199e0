"""pgmviz.training.gradients against brute force: the exact gradient by finite differences of log p(v)
summed over every joint state, CD-k's expected update against the exact expectation over every
path of a tiny model's Gibbs chain."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgmviz.models.rbm import RBM
from pgmviz.training import gradients
from tests.unit import exact


def mean_log_p(rbm: RBM, V: np.ndarray) -> float:
    Vs, Hs, negE = exact.neg_energy_table(rbm)
    from scipy.special import logsumexp

    log_p_v = logsumexp(negE, axis=1) - logsumexp(negE)
    idx = [int("".join(str(int(x)) for x in v), 2) for v in V]
    return float(log_p_v[idx].mean())


@pytest.mark.parametrize("n_v,n_h", [(4, 3), (3, 5)])  # both branches: h enumerated, v enumerated
def test_exact_gradient_matches_finite_differences(n_v, n_h):
    rng = np.random.default_rng(n_v * 10 + n_h)
    rbm = exact.random_rbm(rng, n_v, n_h)
    V = (rng.random((7, n_v)) < 0.5).astype(float)
    g = gradients.exact_gradient(rbm, V)
    eps = 1e-6
    for name in ("W", "b", "c"):
        theta = getattr(rbm, name)
        fd = np.zeros_like(theta)
        for idx in np.ndindex(theta.shape):
            up, down = rbm.copy(), rbm.copy()
            getattr(up, name)[idx] += eps
            getattr(down, name)[idx] -= eps
            fd[idx] = (mean_log_p(up, V) - mean_log_p(down, V)) / (2 * eps)
        assert getattr(g, name) == pytest.approx(fd, abs=1e-6), name
    assert g.norm > 1e-3


def exact_cd1(rbm: RBM, V: np.ndarray) -> np.ndarray:
    """E[CD-1 update] by summing over every h0 and v1: v0 p(h|v0)^T - sum p(h0|v0) p(v1|h0) v1 p(h|v1)^T."""
    W, b, c = rbm.W, rbm.b, rbm.c
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    n_v, n_h = W.shape
    out = []
    for v0 in V:
        p0 = sig(c + v0 @ W)
        neg_W, neg_b, neg_c = np.zeros_like(W), np.zeros(n_v), np.zeros(n_h)
        for h0 in itertools.product((0, 1), repeat=n_h):
            h0 = np.array(h0, float)
            ph0 = np.prod(np.where(h0 == 1, p0, 1 - p0))
            pv = sig(b + W @ h0)
            for v1 in itertools.product((0, 1), repeat=n_v):
                v1 = np.array(v1, float)
                w = ph0 * np.prod(np.where(v1 == 1, pv, 1 - pv))
                p1 = sig(c + v1 @ W)
                neg_W += w * np.outer(v1, p1)
                neg_b += w * v1
                neg_c += w * p1
        out.append(np.concatenate([(np.outer(v0, p0) - neg_W).ravel(), v0 - neg_b, p0 - neg_c]))
    return np.mean(out, axis=0)


def test_cd_expected_update_matches_the_exact_expectation_of_cd1():
    rng = np.random.default_rng(5)
    rbm = exact.random_rbm(rng, 3, 2, scale=1.5)
    V = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    want = exact_cd1(rbm, V)
    est = gradients.cd_expected_update(rbm, V, k=1, n_chains=200_000, rng=0)
    assert est.update.flat() == pytest.approx(want, abs=0.005)
    assert est.norm == pytest.approx(np.linalg.norm(want), rel=0.02)
    # and CD-1 is not the likelihood gradient: it differs from it by more than the estimate's error
    g = gradients.exact_gradient(rbm, V).flat()
    assert np.abs(want - g).max() > 0.01


def test_cd_with_long_chains_approaches_the_gradient():
    """CD-k with k -> infinity samples the model: its expected update becomes the exact gradient."""
    rng = np.random.default_rng(1)
    rbm = exact.random_rbm(rng, 4, 3, scale=0.7)
    V = (rng.random((6, 4)) < 0.5).astype(float)
    g = gradients.exact_gradient(rbm, V)
    est = gradients.cd_expected_update(rbm, V, k=50, n_chains=20_000, rng=1)
    assert est.cosine_with(g) > 0.99
    assert est.norm == pytest.approx(g.norm, rel=0.05)


def test_bad_requests_raise():
    rbm = RBM.random(4, 3, seed=0)
    with pytest.raises(ValueError):
        gradients.cd_expected_update(rbm, np.zeros((2, 4)), k=0)
    with pytest.raises(ValueError):
        gradients.exact_gradient(rbm, np.zeros((2, 4)), weights=np.array([0.2, 0.2]))
