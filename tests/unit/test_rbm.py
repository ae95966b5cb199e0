"""pgmviz.models.rbm against exact enumeration of tiny models."""

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.models import rbm as rbm_module
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_p_v_all
from tests.unit.exact import joint, neg_energy_table, random_rbm, states


@pytest.mark.parametrize("scale", [0.5, 3.0, 15.0])
def test_free_energy_marginalises_the_hidden_layer(scale):
    r = random_rbm(np.random.default_rng(0), 5, 4, scale)
    V, H, negE = neg_energy_table(r)
    np.testing.assert_allclose(-r.free_energy(V), logsumexp(negE, axis=1), rtol=1e-12, atol=1e-9)


def test_energy_matches_definition():
    rng = np.random.default_rng(1)
    r = random_rbm(rng, 4, 3)
    V, H = rng.integers(0, 2, (7, 4)), rng.integers(0, 2, (7, 3))
    expected = [-(v @ r.b) - v @ r.W @ h - h @ r.c for v, h in zip(V, H)]
    np.testing.assert_allclose(r.energy(V, H), expected, rtol=1e-12)


def test_conditionals_match_the_enumerated_joint():
    r = random_rbm(np.random.default_rng(2), 4, 3, 2.0)
    V, H, P = joint(r)
    p_v = P.sum(axis=1)
    exact_p_h = (P @ H) / p_v[:, None]  # E[h | v] from the joint table
    np.testing.assert_allclose(r.p_h_given_v(V), exact_p_h, rtol=1e-10)
    p_h = P.sum(axis=0)
    exact_p_v = (P.T @ V) / p_h[:, None]
    np.testing.assert_allclose(r.p_v_given_h(H), exact_p_v, rtol=1e-10)


def test_p_v_sums_to_one_and_matches_the_joint():
    r = random_rbm(np.random.default_rng(3), 6, 4, 2.0)
    _, _, P = joint(r)
    log_p = log_p_v_all(r)
    np.testing.assert_allclose(np.exp(log_p), P.sum(axis=1), rtol=1e-10)
    assert np.exp(logsumexp(log_p)) == pytest.approx(1.0, abs=1e-12)


def test_random_init_follows_the_practical_guide():
    data = np.zeros((10, 3))
    data[:3, 0] = 1  # p_0 = 0.3
    data[:, 1] = 1  # p_1 = 1 -> clipped
    r = RBM.random(3, 50, seed=0, data=data, sigma=0.01)
    assert r.b[0] == pytest.approx(np.log(0.3 / 0.7), rel=1e-5)
    assert r.b[2] < -5 and r.b[1] > 5
    assert np.all(r.c == 0) and abs(r.W.std() - 0.01) < 0.002
    assert r.W.dtype == np.float32


@pytest.mark.parametrize("small_path", [True, False])
def test_gibbs_samples_follow_the_exact_distribution(small_path, monkeypatch):
    """Long-run frequencies of v from block Gibbs match p(v) (total variation, fixed seed)."""
    if not small_path:  # force the BLAS loop instead of the Numba kernel
        monkeypatch.setattr(rbm_module, "SMALL_MODEL_SIZE", 0)
    r = random_rbm(np.random.default_rng(4), 4, 3, 1.5)
    p_exact = np.exp(log_p_v_all(r))
    rng = np.random.default_rng(5)
    V, H = r.gibbs(np.zeros((4000, 4)), k=30, rng=rng)
    assert V.shape == (4000, 4) and H.shape == (4000, 3)
    codes = (V @ (2 ** np.arange(3, -1, -1))).astype(int)
    freq = np.bincount(codes, minlength=16) / len(codes)
    tv = 0.5 * np.abs(freq - p_exact).sum()
    assert tv < 0.04, tv
    # ... and a chain that started at zero but ran 0 steps has not moved: the test can tell.
    V0, _ = r.gibbs(np.zeros((4000, 4)), k=0, rng=rng)
    counts = np.bincount((V0 @ (2 ** np.arange(3, -1, -1))).astype(int), minlength=16)
    assert 0.5 * np.abs(counts / 4000 - p_exact).sum() > 0.1


def test_hidden_samples_follow_the_conditional():
    r = random_rbm(np.random.default_rng(6), 5, 3)
    v = np.array([[1, 0, 1, 1, 0]] * 20000, float)
    H = r.sample_h(v, rng=0)
    np.testing.assert_allclose(H.mean(axis=0), r.p_h_given_v(v[:1])[0], atol=0.015)


@pytest.mark.parametrize("small", [True, False])
def test_same_seed_same_chain(small):
    n_v, n_h = (6, 4) if small else (100, 80)
    r = RBM.random(n_v, n_h, seed=1, sigma=1.0)
    V = np.ones((5, n_v))
    a = r.gibbs(V, 3, rng=42)
    b = r.gibbs(V, 3, rng=42)
    c = r.gibbs(V, 3, rng=43)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_float32_and_float64_are_kept():
    for dtype in (np.float32, np.float64):
        r = RBM.random(6, 3, seed=0, dtype=dtype)
        V = np.ones((2, 6), np.uint8)
        assert r.p_h_given_v(V).dtype == dtype
        assert r.gibbs(V, 1, rng=0)[0].dtype == dtype
        assert r.free_energy(V).dtype == dtype


def test_reconstruct_is_mean_field_without_rng():
    r = random_rbm(np.random.default_rng(7), 5, 3)
    V = states(5)
    np.testing.assert_allclose(r.reconstruct(V), r.p_v_given_h(r.p_h_given_v(V)))
    assert r.reconstruct(V, rng=0).shape == V.shape


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.ones((2, 5)), "shape"),
        (np.full((2, 4), np.nan), "NaN"),
        (np.full((2, 4), 3.0), r"\[0, 1\]"),
        (np.array([["a"] * 4]), "numeric"),
    ],
)
def test_bad_visible_data_is_refused_clearly(bad, message):
    r = RBM.random(4, 2)
    with pytest.raises(ValueError, match=message):
        r.free_energy(bad)


def test_bad_parameters_are_refused_clearly():
    with pytest.raises(ValueError, match="b must have shape"):
        RBM(np.zeros((3, 2)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="c must have shape"):
        RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        RBM(np.zeros(3), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="k must be"):
        RBM.random(3, 2).gibbs(np.zeros((1, 3)), k=-1)
