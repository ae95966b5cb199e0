"""Unit types through one Trainer: the linear-hidden RBM and the Gaussian-visible RBM against exact answers.

Each model's conditionals are checked against its energy (quadrature or enumeration), the statistics
Trainer builds its update from against finite differences of the free energy, and Trainer must
train each model (its reconstruction error falls) and refuse a wild step.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz import data
from pgmviz.models.grbm import GaussianRBM, fit, reconstruction_error, standardise, two_blobs
from pgmviz.models.rbm import RBM, LinearHiddenRBM
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_finetune as ae_ft
from pgmviz.nets.pca import squared_error
from pgmviz.sampling.partition import all_states
from pgmviz.training.negative import CD
from pgmviz.training.train import Trainer, TrainSettings


def _linear(n_v: int, n_h: int, seed: int = 0) -> LinearHiddenRBM:
    rng = np.random.default_rng(seed)
    return LinearHiddenRBM(rng.normal(0, 0.5, (n_v, n_h)), rng.normal(0, 0.5, n_v), rng.normal(0, 0.5, n_h))


def _gaussian(n_v: int, n_h: int, seed: int = 0, learn_sigma: bool = True) -> GaussianRBM:
    rng = np.random.default_rng(seed)
    return GaussianRBM(rng.normal(0, 0.8, (n_v, n_h)), rng.normal(0, 0.5, n_v), rng.normal(0, 0.5, n_h),
                       rng.uniform(0.5, 1.5, n_v), learn_sigma=learn_sigma)


# ---------------------------------------------------------------------------- the linear-hidden RBM
def test_linear_hidden_units_are_unit_variance_gaussians_around_c_plus_vW():
    m = _linear(3, 2)
    V = all_states(3)
    H = np.random.default_rng(1).normal(size=(8, 2))
    mean = m.p_h_given_v(V)
    np.testing.assert_allclose(mean, V @ m.W + m.c, atol=1e-12)
    for v, mu in zip(V, mean):  # E(v, h) - E(v, mean) = |h - mean|^2 / 2: Normal(mean, I) in h
        Vr = np.repeat(v[None], len(H), 0)
        gap = m.energy(Vr, H) - m.energy(Vr, np.repeat(mu[None], len(H), 0))
        np.testing.assert_allclose(gap, 0.5 * ((H - mu) ** 2).sum(axis=1), atol=1e-12)


def test_linear_hidden_free_energy_is_the_integral_over_h():
    m = _linear(2, 1, seed=2)
    h = np.linspace(-20, 20, 40001)[:, None]
    for v in all_states(2):
        minus_log_integral = -(logsumexp(-m.energy(np.repeat(v[None], len(h), 0), h)) + np.log(h[1, 0] - h[0, 0]))
        assert m.free_energy(v)[0] == pytest.approx(minus_log_integral, abs=1e-8)


def test_linear_hidden_p_v_given_h_matches_the_joint():
    m = _linear(3, 2, seed=3)
    V = all_states(3)
    for h in np.random.default_rng(4).normal(size=(4, 2)):
        logw = -m.energy(V, np.repeat(h[None], len(V), 0))
        post = np.exp(logw - logsumexp(logw))  # p(v | h) by enumerating v
        np.testing.assert_allclose(post @ V, m.p_v_given_h(h)[0], atol=1e-12)


def test_linear_hidden_samples_have_the_conditional_moments():
    m = _linear(3, 2, seed=5)
    V = np.tile([[1.0, 0.0, 1.0]], (40000, 1))
    H = m.sample_h(V, rng=0)
    np.testing.assert_allclose(H.mean(0), m.p_h_given_v(V[:1])[0], atol=0.02)
    np.testing.assert_allclose(H.std(0), [1.0, 1.0], atol=0.02)
    Vk, Hk = m.gibbs(V[:10], k=3, rng=1)
    assert set(np.unique(Vk)) <= {0.0, 1.0} and Hk.shape == (10, 2)


def test_the_binary_rbm_keeps_its_bernoulli_draws():
    r = RBM(np.zeros((2, 3)), np.zeros(2), np.zeros(3))
    P = np.full((4, 3), 0.3)
    np.testing.assert_array_equal(r.draw_h(P, np.random.default_rng(7)),
                                  (np.random.default_rng(7).random(P.shape) < P).astype(P.dtype))


# ---------------------------------------------------------------------------- the statistics Trainer uses
def _positive_statistics(m, V: np.ndarray) -> dict[str, np.ndarray]:
    """The data half of Trainer's update: s_W(V)^T E[h|V] / n, mean s_b(V), mean E[h|V], and the extras."""
    S, Sb = m.visible_statistics(V)
    P = m.p_h_given_v(V)
    out = {"W": S.T @ P / len(V), "b": Sb.mean(axis=0), "c": P.mean(axis=0)}
    for name, g in m.extra_gradients(V, P, V[:1], P[:1], np.zeros(1)).items():  # the model half weighted 0
        out[name] = g / m.sigma_lr_scale
    return out


def _numeric_gradient(m, V: np.ndarray, name: str, eps: float = 1e-6) -> np.ndarray:
    """d mean(-F(V)) / d parameter by central differences (log sigma through sigma)."""
    def minus_F() -> float:
        return float(-m.free_energy(V).mean())

    p = m.sigma if name == "log_sigma" else getattr(m, name)
    g = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        old = p[idx]
        p[idx] = old * np.exp(eps) if name == "log_sigma" else old + eps
        up = minus_F()
        p[idx] = old * np.exp(-eps) if name == "log_sigma" else old - eps
        down = minus_F()
        p[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("kind", ["binary", "linear", "gaussian"])
def test_trainers_data_statistics_are_the_free_energy_gradient(kind):
    """d log p(v) / d theta = -dF/dtheta - d log Z / d theta: the data half is -dF/dtheta, exactly."""
    rng = np.random.default_rng(8)
    if kind == "gaussian":
        m, V = _gaussian(3, 2), rng.normal(size=(6, 3))
    else:
        m = _linear(3, 2) if kind == "linear" else RBM(rng.normal(0, 0.5, (3, 2)), rng.normal(size=3),
                                                        rng.normal(size=2))
        V = (rng.random((6, 3)) < 0.5).astype(np.float64)
    stats = _positive_statistics(m, V)
    assert set(stats) == ({"W", "b", "c", "log_sigma"} if kind == "gaussian" else {"W", "b", "c"})
    for name, g in stats.items():
        np.testing.assert_allclose(g, _numeric_gradient(m, V, name), rtol=1e-6, atol=1e-8, err_msg=name)


def test_gaussian_data_must_be_finite_reals_not_probabilities():
    m = _gaussian(2, 2)
    assert m.check_data(np.array([[-3.0, 7.5]])).shape == (1, 2)  # outside [0, 1] is fine
    for bad in (np.array([[np.nan, 0.0]]), np.zeros((2, 3)), np.array([["a", "b"]])):
        with pytest.raises(ValueError):
            m.check_data(bad)


# ---------------------------------------------------------------------------- Trainer trains each
def test_trainer_trains_a_linear_hidden_rbm_on_digits():
    Xtr = data.downsample(data.mnist_split()[0][:500], 8)  # 64 grey pixels
    m = LinearHiddenRBM.random(64, 6, seed=0, data=Xtr, sigma=0.1)
    # mean-field reconstructions, as the autoencoder pretrains (0.0315 -> 0.017 measured; sampled v: 0.028)
    t = Trainer(m, Xtr, settings=TrainSettings(lr=0.05, momentum=0.5, batch_size=50),
                negative_phase=CD(1, mean_field_v=True))
    before = t.evaluate()["recon_error"]
    t.run(300)
    after = t.evaluate()
    assert t.diverged is None and after["recon_error"] < 0.6 * before, (before, after)
    assert "pseudo_ll" in after and "ll_train" not in after  # binary visible; no binary enumeration of h


def test_trainer_trains_a_gaussian_rbm_and_learns_sigma():
    Z = standardise(two_blobs(400, seed=0))[0]
    m = GaussianRBM.random(2, 4, seed=0, data=Z, learn_sigma=True)
    before = reconstruction_error(m, Z)
    t = Trainer(m, Z, settings=TrainSettings(lr=0.01, momentum=0.9, weight_decay=1e-4, batch_size=50))
    t.run(800)
    assert t.diverged is None and reconstruction_error(m, Z) < 0.5 * before
    assert (m.sigma < 0.6).all() and (m.sigma >= m.min_sigma).all()  # sharper than the data's unit spread
    metrics = t.evaluate()
    assert "pseudo_ll" not in metrics and "log_Z" not in metrics  # both assume binary units


def test_fit_with_a_wild_rate_says_so_and_keeps_a_finite_model():
    Z = standardise(two_blobs(200, seed=1))[0] * 50
    m = GaussianRBM.random(2, 3, seed=0, data=Z, learn_sigma=True)
    with pytest.raises(ValueError, match="diverged"):
        fit(m, Z, 50, lr=1e3)
    assert m.is_finite()


# ---------------------------------------------------------------------------- the autoencoder pipeline
def test_autoencoder_pretrains_with_trainer_unrolls_and_fine_tunes():
    Xtr = data.downsample(data.mnist_split()[0][:300], 16)
    log = list(ae.pretrain(Xtr, [256, 16, 3], replace(ae.pretraining(3, 0), batch_size=25), lr_linear=0.05))
    stack = log[-1].stack
    assert [type(r) for r in stack] == [RBM, LinearHiddenRBM]
    errors = {k: [p.recon_error for p in log if p.layer == k] for k in (0, 1)}
    assert errors[0][-1] < errors[0][0] and errors[1][-1] < errors[1][0], errors
    # the reported error is the mean-field reconstruction's, of each layer's data
    assert errors[0][-1] == pytest.approx(squared_error(Xtr, stack[0].reconstruct(Xtr)), rel=1e-6)
    net = ae.unroll(stack)
    assert net.acts == ["sigmoid", "linear", "sigmoid", "sigmoid"]
    np.testing.assert_allclose(net.encode(Xtr[:5]), stack[1].p_h_given_v(stack[0].p_h_given_v(Xtr[:5])),
                               rtol=1e-5, atol=1e-6)
    before = net.loss(Xtr)
    ae_ft.FineTuner(net, Xtr, rng=0).run(3)
    assert net.loss(Xtr) < before
