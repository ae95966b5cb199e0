"""pgmviz.nets.losses: the two losses are the Gaussian and Bernoulli negative log-likelihoods, stable at saturation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pgmviz.nets import losses, mlp

X, T_XOR = mlp.boolean_task("XOR")


def test_squared_error_is_gaussian_nll():
    rng = np.random.default_rng(1)
    y, f = rng.normal(0, 2, 50), rng.normal(0, 2, 50)
    sigma = rng.uniform(0.2, 3, 50)
    nll = losses.gaussian_nll(y, f, sigma)
    np.testing.assert_allclose(nll, losses.gaussian_nll_as_squared_error(y, f, sigma), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nll, -stats.norm.logpdf(y, loc=f, scale=sigma), rtol=1e-12, atol=1e-12)
    # with sigma = 1 the mean NLL is the mean squared-error loss plus 1/2 log(2 pi), whatever f is
    o = rng.uniform(0.01, 0.99, 4)
    assert np.mean(losses.gaussian_nll(T_XOR, o, 1.0)) == pytest.approx(
        losses.squared_error(o, T_XOR) + 0.5 * np.log(2 * np.pi), abs=1e-12)


def test_cross_entropy_is_bernoulli_nll():
    rng = np.random.default_rng(2)
    o = rng.uniform(1e-4, 1 - 1e-4, 60)
    t = rng.integers(0, 2, 60).astype(float)
    nll = losses.bernoulli_nll(t, o)
    np.testing.assert_allclose(nll, losses.cross_entropy_terms(t, o), rtol=1e-12)
    np.testing.assert_allclose(nll, -stats.bernoulli.logpmf(t, o), rtol=1e-12)
    assert np.mean(nll) == pytest.approx(losses.cross_entropy(o, t), rel=1e-12)
    z = np.log(o) - np.log1p(-o)  # logit
    assert losses.cross_entropy_from_logit(z, t) == pytest.approx(losses.cross_entropy(o, t), rel=1e-10)


def test_stable_at_saturation():
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    assert np.all(np.isfinite(mlp.sigmoid(z))) and mlp.sigmoid(0.0) == 0.5
    assert np.isfinite(losses.cross_entropy_from_logit(z, np.array([1, 1, 0, 0, 0.0])))
    big = mlp.MLPParams(np.full((2, 2), 50.0), np.zeros(2), np.full(2, 50.0), 0.0)
    _, g = mlp.loss_and_gradient(big, X, T_XOR, "cross_entropy", "tanh")
    assert np.all(np.isfinite(g.flat()))
