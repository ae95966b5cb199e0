"""The Gaussian-Bernoulli RBM against exact answers: quadrature over v, sums over h, and a 2-D toy set."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.models.grbm import (
    GaussianRBM,
    fit,
    gaussian_unit_energy,
    logistic_mean_field_free_energy,
    standardise,
    two_blobs,
)


def _model(n_v: int, n_h: int, seed: int = 0) -> GaussianRBM:
    rng = np.random.default_rng(seed)
    return GaussianRBM(rng.normal(0, 0.8, (n_v, n_h)), rng.normal(0, 0.5, n_v), rng.normal(0, 0.5, n_h),
                       rng.uniform(0.5, 1.5, n_v))


def _all_h(n_h: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n_h)))


def test_free_energy_is_minus_log_sum_over_h():
    m = _model(2, 3)
    V = np.random.default_rng(1).normal(size=(5, 2))
    H = _all_h(3)
    for v in V:
        E = m.energy(np.repeat(v[None], len(H), 0), H)
        assert m.free_energy(v)[0] == pytest.approx(-logsumexp(-E), abs=1e-10)


def test_log_Z_matches_quadrature_over_one_visible_unit():
    m = _model(1, 3, seed=2)
    v = np.linspace(-15, 15, 20001)[:, None]
    log_Z_numeric = logsumexp(-m.free_energy(v)) + np.log(v[1, 0] - v[0, 0])  # Riemann sum of exp(-F)
    assert m.log_Z_exact() == pytest.approx(log_Z_numeric, abs=1e-6)


def test_density_integrates_to_one_over_two_visible_units():
    m = _model(2, 2, seed=3)
    g = np.linspace(-12, 12, 801)
    V = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    mass = np.exp(m.log_p(V)).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-6)


def test_conditional_mean_of_v_given_h_matches_the_joint():
    m = _model(1, 2, seed=4)
    v = np.linspace(-15, 15, 20001)[:, None]
    for h in _all_h(2):
        w = np.exp(-m.energy(v, np.repeat(h[None], len(v), 0)))  # p(v | h) up to a constant
        mean = (w * v[:, 0]).sum() / w.sum()
        var = (w * (v[:, 0] - mean) ** 2).sum() / w.sum()
        assert mean == pytest.approx(m.mean_v_given_h(h)[0, 0], abs=1e-6)
        assert var == pytest.approx(m.sigma[0] ** 2, rel=1e-5)


def test_p_h_given_v_matches_the_joint():
    m = _model(2, 3, seed=5)
    H = _all_h(3)
    for v in np.random.default_rng(6).normal(size=(4, 2)):
        logw = -m.energy(np.repeat(v[None], len(H), 0), H)
        post = np.exp(logw - logsumexp(logw))  # p(h | v) by enumeration
        np.testing.assert_allclose(post @ H, m.p_h_given_v(v)[0], atol=1e-12)


def test_sample_v_has_the_conditional_mean_and_sigma():
    m = _model(2, 2, seed=7)
    H = np.tile([[1.0, 0.0]], (20000, 1))
    S = m.sample_v(H, rng=0)
    np.testing.assert_allclose(S.mean(0), m.mean_v_given_h(H[:1])[0], atol=0.03)
    np.testing.assert_allclose(S.std(0), m.sigma, rtol=0.03)


def test_same_seed_same_samples():
    m = _model(2, 3)
    np.testing.assert_array_equal(m.sample(20, 5, rng=3), m.sample(20, 5, rng=3))


def _blob_distances(S: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.sqrt(((S[:, None, :] - centres[None]) ** 2).sum(-1))  # (n, 2)


def test_cd1_with_learned_sigma_puts_samples_on_both_blobs():
    centres = np.array([(-1.0, -0.6), (1.0, 0.6)])
    X = two_blobs(400, seed=0, centres=tuple(map(tuple, centres)))
    Z, mean, std = standardise(X)
    C = (centres - mean) / std
    m = GaussianRBM.random(2, 4, seed=0, data=Z, learn_sigma=True)
    fit(m, Z, 100, seed=0)
    S = m.sample(1000, 200, rng=1)
    d = _blob_distances(S, C)
    d_data = _blob_distances(Z, C).min(1)
    assert d.min(1).mean() < 1.25 * d_data.mean()  # samples as close to a blob as the data are
    share = np.bincount(d.argmin(1), minlength=2) / len(S)
    assert share.min() > 0.15  # and both blobs are visited
    assert (m.sigma < 0.6).all()  # sigma learned well below the standardised data's 1


def test_fixed_unit_sigma_cannot_be_that_sharp():
    """The contrast the page shows: with sigma = 1 the samples spread far past the blobs."""
    centres = np.array([(-1.0, -0.6), (1.0, 0.6)])
    X = two_blobs(400, seed=0, centres=tuple(map(tuple, centres)))
    Z, mean, std = standardise(X)
    C = (centres - mean) / std
    m = GaussianRBM.random(2, 4, seed=0, data=Z)
    fit(m, Z, 100, seed=0)
    d = _blob_distances(m.sample(1000, 200, rng=1), C).min(1)
    assert d.mean() > 2 * _blob_distances(Z, C).min(1).mean()


def test_logistic_unit_cannot_prefer_point_seven_sharply():
    x = np.log(0.7 / 0.3)  # the input that puts the logistic unit's minimum at 0.7
    F = logistic_mean_field_free_energy(np.array([0.6, 0.7, 0.8]), x)
    assert F[1] < F[0] and F[1] < F[2]
    assert max(F[0] - F[1], F[2] - F[1]) < 0.05  # at most ~5% more likely than its neighbours
    E = gaussian_unit_energy(np.array([0.6, 0.7, 0.8]), 0.7, 0.05)
    assert min(E[0] - E[1], E[2] - E[1]) == pytest.approx(2.0)  # e^2 = 7.4 times: sharp


def test_gaussian_rbm_on_grey_digits_learns_strokes_it_can_redraw():
    from pgmviz import data
    from pgmviz.models.grbm import centre_and_scale

    Xtr, _, Xte, _ = data.mnist_split()
    X, X_test = data.downsample(Xtr, 16)[:2000], data.downsample(Xte, 16)[:500]
    Z, mean, scale = centre_and_scale(X)
    np.testing.assert_allclose(Z * scale + mean, X, atol=1e-12)
    assert abs(Z.std() - 1) < 1e-12 and np.abs(Z.mean(axis=0)).max() < 1e-12
    Z_test = (X_test - mean) / scale
    m = GaussianRBM.random(256, 64, seed=0, data=Z)

    def nearest_digit_correlation(S: np.ndarray) -> float:
        """Mean over S's rows of the largest Pearson correlation with any training digit."""
        A, B = S - S.mean(1, keepdims=True), X - X.mean(1, keepdims=True)
        A, B = A / np.linalg.norm(A, axis=1, keepdims=True), B / np.linalg.norm(B, axis=1, keepdims=True)
        return float((A @ B.T).max(axis=1).mean())

    before = nearest_digit_correlation(m.sample_means(20, 300, rng=1) * scale + mean)
    errors = fit(m, Z, 15, lr=0.002, seed=0)
    assert errors[-1] < 0.75 * errors[0]
    # held-out digits, redrawn through the hidden units, beat the mean image by far
    R = m.mean_v_given_h(m.p_h_given_v(Z_test))
    assert ((Z_test - R) ** 2).sum(axis=1).mean() < 0.5 * (Z_test**2).sum(axis=1).mean()
    # noise-free pictures of samples look like digits: each close to some training digit
    # (0.90 here; held-out real digits score 0.87, the untrained model's samples 0.62)
    S = m.sample_means(20, 300, rng=1) * scale + mean
    assert S.shape == (20, 256)
    after = nearest_digit_correlation(S)
    assert after > 0.8 and after > before + 0.15, (before, after)


def test_grey_fit_reports_the_time_it_took():
    """GreyDigits.seconds is the fit's own wall-clock time: positive, within the time around the call."""
    import time

    from pgmviz.models.grbm import fit_grey_images

    X = np.random.default_rng(0).random((30, 9))
    t0 = time.perf_counter()
    g = fit_grey_images(X, n_h=3, epochs=2)
    outer = time.perf_counter() - t0
    assert 0 < g.seconds <= outer
