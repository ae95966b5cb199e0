"""pgmviz.models.vae against exact answers: backprop vs finite differences, the KL term vs its closed form
and Monte Carlo, ELBO <= IWAE(K) rising with K, and training raising the held-out ELBO.
Models are tiny (16x16 digits, a few dozen hidden units) so the file runs in seconds."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.models.vae import PARAMS, VAE, VAEConfig, VAETrainer, heldout_elbo, kl_normal_std, log_bernoulli, log_normal


@pytest.fixture(scope="module")
def digits16():
    ds = datasets.load("mnist16")
    return ds.X_train[:600], ds.X_test[:200]


@pytest.fixture(scope="module")
def trained16(digits16):
    """A small VAE trained briefly on 16x16 digits (fixed seeds), shared by several tests."""
    X_train, X_test = digits16
    tr = VAETrainer(VAE(VAEConfig(n_x=256, n_hidden=48, n_z=4, lr=3e-3, batch_size=50, seed=3)), X_train, X_test)
    before = heldout_elbo(tr.vae, X_test)
    tr.train(120)
    return tr, before


def test_backprop_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = (rng.random((6, 12)) < 0.4).astype(np.float64)
    vae = VAE(VAEConfig(n_x=12, n_hidden=5, n_z=3, seed=1), dtype=np.float64)
    for k in PARAMS:  # move off the symmetric start so every gradient is non-trivial
        vae.params[k] += rng.normal(0, 0.3, vae.params[k].shape)
    eps = rng.standard_normal((6, 3))  # fixed noise: the ELBO estimate is a deterministic function
    _, grads = vae.elbo_and_grad(X, eps)
    h = 1e-6
    for name in PARAMS:
        P = vae.params[name]
        assert grads[name].shape == P.shape
        for idx in list(np.ndindex(P.shape))[:: max(1, P.size // 7)]:
            old = P[idx]
            P[idx] = old + h
            up = vae.elbo_terms(X, eps).elbo.mean()
            P[idx] = old - h
            down = vae.elbo_terms(X, eps).elbo.mean()
            P[idx] = old
            assert grads[name][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7), (name, idx)


def test_kl_closed_form_against_formula_and_monte_carlo():
    rng = np.random.default_rng(1)
    mu, logvar = rng.normal(0, 1, (3, 4)), rng.normal(0, 0.7, (3, 4))
    # one dimension at a time: KL(N(m, s^2) || N(0, 1)) = -log s + (s^2 + m^2) / 2 - 1/2
    s = np.exp(0.5 * logvar)
    per_dim = -np.log(s) + (s**2 + mu**2) / 2 - 0.5
    np.testing.assert_allclose(kl_normal_std(mu, logvar), per_dim.sum(1), rtol=1e-12)
    # Monte Carlo: E_q[log q(z) - log p(z)]
    Z = mu + s * rng.standard_normal((200_000, 3, 4))
    mc = (log_normal(Z, mu, logvar) - log_normal(Z)).mean(0)
    np.testing.assert_allclose(mc, kl_normal_std(mu, logvar), atol=0.02)
    assert np.all(kl_normal_std(np.zeros(4), np.zeros(4)) == 0)


def test_elbo_terms_are_reconstruction_minus_closed_form_kl(digits16):
    X = digits16[1][:20]
    vae = VAE(VAEConfig(n_x=256, n_hidden=16, n_z=3, seed=5), dtype=np.float64)
    eps = np.random.default_rng(2).standard_normal((20, 3))
    terms = vae.elbo_terms(X, eps)
    mu, lv = vae.encode(X)
    Z = mu + np.exp(0.5 * lv) * eps
    np.testing.assert_allclose(terms.recon, log_bernoulli(X, vae.decode_logits(Z)))
    np.testing.assert_allclose(terms.kl, kl_normal_std(mu, lv))
    np.testing.assert_allclose(terms.elbo, terms.recon - terms.kl)


def test_elbo_below_iwae_which_rises_with_K(trained16, digits16):
    vae = trained16[0].vae.astype(np.float64)
    X = digits16[1][:100]
    # the ELBO itself, averaged over many noise draws so its own Monte Carlo error is small
    elbo = np.mean([vae.elbo_terms(X, rng=s).elbo.mean() for s in range(50)])
    iw = {K: vae.iwae_log_px(X, K=K, rng=7).mean() for K in (1, 10, 100, 500)}
    assert iw[1] == pytest.approx(elbo, abs=1.0)  # K = 1 is one ELBO sample
    assert elbo < iw[10] < iw[100] < iw[500]
    assert iw[500] - elbo > 0.5  # a real gap, not noise


def test_training_raises_heldout_elbo(trained16):
    tr, before = trained16
    after = heldout_elbo(tr.vae, tr.X_test)
    assert after > before + 20, (before, after)
    assert tr.step == 120 and len(tr.history) == 1
    p = tr.history[-1]
    assert p.elbo == pytest.approx(p.recon - p.kl)
    assert p.elbo_test == pytest.approx(heldout_elbo(tr.vae, tr.X_test))


def test_pictures_and_files(tmp_path, digits16):
    X = digits16[1]
    vae = VAE(VAEConfig(n_x=256, n_hidden=8, n_z=2, seed=4))
    Z, P = vae.latent_grid(5)
    assert Z.shape == (25, 2) and P.shape == (25, 256) and np.all((P > 0) & (P < 1))
    assert Z[0, 1] > Z[-1, 1] and Z[0, 0] < Z[-1, 0]  # top-left to bottom-right
    path = vae.interpolate(X[0], X[1], n=6)
    np.testing.assert_allclose(path[[0, -1]], vae.reconstruct(X[:2]), rtol=1e-5)
    assert vae.sample_prior(7, rng=0).shape == (7, 256)
    np.testing.assert_array_equal(vae.sample_prior(3, rng=1), vae.sample_prior(3, rng=1))
    vae.save(tmp_path / "vae_x.npz", {"title": "x"})
    back, meta = VAE.load(tmp_path / "vae_x.npz")
    assert meta["title"] == "x" and back.config == vae.config
    np.testing.assert_array_equal(back.params["W4"], vae.params["W4"])
    with pytest.raises(ValueError):
        VAE.load(b"not an npz")


def test_a_timed_slice_adds_one_point(digits16):
    X_train, X_test = digits16
    tr = VAETrainer(VAE(VAEConfig(n_x=256, n_hidden=8, n_z=2, batch_size=50, seed=6)), X_train, X_test)
    p = tr.train(seconds=0.05, n_test=100)
    assert tr.step >= 1 and len(tr.history) == 1 and p.step == tr.step
    assert p.elbo_test == pytest.approx(heldout_elbo(tr.vae, X_test[:100]))
    with pytest.raises(ValueError):
        tr.train()
