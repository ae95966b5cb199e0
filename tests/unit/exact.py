"""Brute-force references for tests: enumerate every joint state (v, h) of a tiny RBM in numpy.

Deliberately written without any pgmviz enumeration code, so the library is checked against an
independent computation.
"""

import itertools

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM


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


def log_p_joint_dbn(net, V: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log p(v, y) of a two-RBM DBN with label units, by summing over every h1 and every label.

    p(v, y) = sum_h1 p(v | h1) p_top(h1, y), p(v | h1) from the generative weights of layer 0 and
    p_top(x) = exp(-F_top(x)) / Z_top over x = [h1, e_y] (y one-hot).
    """
    from scipy.special import logsumexp

    assert net.n_layers == 2 and net.n_labels
    G, b = (np.asarray(a, dtype=np.float64) for a in net.generative(0))
    top = net.rbms[-1].astype(np.float64)
    K = net.n_labels
    H1 = states(G.shape[1])
    E = np.eye(K)
    X = np.array([np.concatenate([h, e]) for h in H1 for e in E])  # (2^n_h1 * K, n_h1 + K)
    neg_F = -top.free_energy(X).reshape(len(H1), K)
    log_p_top = neg_F - logsumexp(neg_F)  # (2^n_h1, K)
    A = H1 @ G.T + b  # (2^n_h1, n_v)
    V = np.asarray(V, dtype=np.float64)
    log_lik = V @ (-np.logaddexp(0, -A)).T + (1 - V) @ (-np.logaddexp(0, A)).T  # (n, 2^n_h1)
    return logsumexp(log_lik + log_p_top[:, np.asarray(y)].T, axis=1)


def posterior_gap_dbn(net, V: np.ndarray, y: np.ndarray) -> np.ndarray:
    """KL(Q(h1 | v) || p(h1 | v, y)) per row, Q the recognition weights' factorial posterior.

    It is log p(v, y) minus the variational bound E_Q[log p(v | h1) + log p_top(h1, y)] + H(Q),
    every term by enumerating h1; zero when the recognition weights invert the generative model.
    """
    from scipy.special import logsumexp

    G, b = (np.asarray(a, dtype=np.float64) for a in net.generative(0))
    R, c = (np.asarray(a, dtype=np.float64) for a in net.recognition(0))
    top = net.rbms[-1].astype(np.float64)
    K = net.n_labels
    H1 = states(G.shape[1])
    X = np.array([np.concatenate([h, e]) for h in H1 for e in np.eye(K)])
    neg_F = -top.free_energy(X).reshape(len(H1), K)
    log_p_top = (neg_F - logsumexp(neg_F))[:, np.asarray(y)].T  # (n, 2^n_h1)
    A = H1 @ G.T + b
    V = np.asarray(V, dtype=np.float64)
    log_joint = V @ (-np.logaddexp(0, -A)).T + (1 - V) @ (-np.logaddexp(0, A)).T + log_p_top
    q = 1 / (1 + np.exp(-(V @ R + c)))
    log_Q = np.log(q) @ H1.T + np.log1p(-q) @ (1 - H1).T
    Q = np.exp(log_Q)
    return logsumexp(log_joint, axis=1) - (Q * (log_joint - log_Q)).sum(axis=1)
