"""Brute-force references for tests: enumerate every joint state (v, h) of a tiny RBM in numpy.

Deliberately written without any pgmviz enumeration code, so the library is checked against an
independent computation.
"""

import itertools

import numpy as np
from scipy.special import logsumexp

from pgmviz.rbm import RBM


def states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def neg_energy_table(rbm: RBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(V, H, -E) with -E[a, b] = -E(V[a], H[b]) for all visible states a and hidden states b."""
    W, b, c = (np.asarray(x, np.float64) for x in (rbm.W, rbm.b, rbm.c))
    V, H = states(rbm.n_v), states(rbm.n_h)
    negE = (V @ b)[:, None] + V @ W @ H.T + (H @ c)[None, :]
    return V, H, negE


def log_Z(rbm: RBM) -> float:
    return float(logsumexp(neg_energy_table(rbm)[2]))


def joint(rbm: RBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    V, H, negE = neg_energy_table(rbm)
    return V, H, np.exp(negE - logsumexp(negE))


def random_rbm(rng: np.random.Generator, n_v: int, n_h: int, scale: float = 1.0) -> RBM:
    return RBM(rng.normal(0, scale, (n_v, n_h)), rng.normal(0, scale, n_v), rng.normal(0, scale, n_h))
