"""pgmviz.sampling.kernels.gibbs_chains against numpy references (statistical, fixed seeds)."""

import itertools

import numpy as np
import pytest
from scipy.special import expit

from pgmviz.sampling import kernels


def _model(n_v, n_h, dtype, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (n_v, n_h)).astype(dtype)
    return W, rng.normal(0, 1, n_v).astype(dtype), rng.normal(0, 1, n_h).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_v,n_h", [(16, 8), (20, 10), (5, 3), (9, 17)])
def test_one_sweep_matches_the_exact_conditionals(n_v, n_h, dtype):
    """From a fixed v0: h0 ~ p(h|v0) and E[v1] = sum_h p(h|v0) sigmoid(b + W h), both exactly known."""
    W, b, c = _model(n_v, n_h, dtype)
    v0 = (np.arange(n_v) % 3 == 0).astype(dtype)
    n = 20000
    V1, _ = kernels.gibbs_chains(W, b, c, np.tile(v0, (n, 1)), 1, seed=7)
    _, H0 = kernels.gibbs_chains(W, b, c, np.tile(v0, (n, 1)), 0, seed=8)
    W64, b64, c64 = (x.astype(np.float64) for x in (W, b, c))
    p_h = expit(c64 + v0 @ W64)
    sd_h = np.sqrt(p_h * (1 - p_h) / n) + 1e-4
    assert np.all(np.abs(H0.mean(axis=0) - p_h) < 5 * sd_h)
    # E[v1] by enumerating h when small, else by the law of total expectation over many h draws.
    if n_h <= 12:
        Hs = np.array(list(itertools.product([0, 1], repeat=n_h)), float)
        w = np.prod(np.where(Hs == 1, p_h, 1 - p_h), axis=1)
        e_v1 = w @ expit(b64 + Hs @ W64.T)
    else:
        Hs = (np.random.default_rng(9).random((200000, n_h)) < p_h).astype(float)
        e_v1 = expit(b64 + Hs @ W64.T).mean(axis=0)
    sd_v = np.sqrt(e_v1 * (1 - e_v1) / n) + 1e-3
    assert np.all(np.abs(V1.mean(axis=0) - e_v1) < 5 * sd_v)
    assert V1.dtype == dtype and set(np.unique(V1)) <= {0, 1}


def test_long_chains_match_numpy_block_gibbs():
    """Equilibrium unit means of the kernel and of a batched numpy sampler agree (16 x 8 model)."""
    W, b, c = _model(16, 8, np.float32, seed=1)
    V0 = np.zeros((4000, 16), np.float32)
    V_k, H_k = kernels.gibbs_chains(W, b, c, V0, 200, seed=3)
    rng = np.random.default_rng(4)
    V = V0.astype(np.float64)
    for _ in range(200):
        H = (rng.random((4000, 8)) < expit(V @ W + c)).astype(float)
        V = (rng.random((4000, 16)) < expit(H @ W.T + b)).astype(float)
    assert np.abs(V_k.mean(axis=0) - V.mean(axis=0)).max() < 0.05


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_deterministic_and_identical_serial_and_parallel(dtype):
    W, b, c = _model(16, 8, dtype)
    V0 = (np.random.default_rng(0).random((300, 16)) < 0.5).astype(dtype)
    a = kernels.gibbs_chains(W, b, c, V0, 20, seed=5, parallel=False)
    p = kernels.gibbs_chains(W, b, c, V0, 20, seed=5, parallel=True)
    d = kernels.gibbs_chains(W, b, c, V0, 20, seed=6, parallel=False)
    assert all(np.array_equal(x, y) for x, y in zip(a, p))
    assert not np.array_equal(a[0], d[0])
    # Each chain has its own stream: chain r does not depend on how many chains run beside it.
    assert all(np.array_equal(x[:10], y) for x, y in zip(a, kernels.gibbs_chains(W, b, c, V0[:10], 20, seed=5)))
