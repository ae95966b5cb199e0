"""Plain numpy baselines for bench/run.py: what a careful student would write without Numba.

Each baseline computes the same quantity as the pgmviz code it is compared with, on the same
inputs, so the ratio in the table measures implementation, not a different algorithm.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp


def cd1_epoch_numpy(W, b, c, X, batch_size, lr, momentum, weight_decay, seed):
    """One CD-1 epoch, written straightforwardly: matmuls + 1/(1+exp(-x)) + rng.random.

    Same update as `pgmviz.training.train.Trainer.update` (momentum, L2 decay on W, mean-field p(h|v_neg)).
    Works on copies; returns the new (W, b, c).
    """
    W, b, c = W.copy(), b.copy(), c.copy()
    dW, db, dc = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[0])
    dt = W.dtype
    for start in range(0, X.shape[0] - batch_size + 1, batch_size):
        v_pos = X[order[start : start + batch_size]]
        p_pos = 1.0 / (1.0 + np.exp(-(v_pos @ W + c)))
        h = (rng.random(p_pos.shape, dtype=dt) < p_pos).astype(dt)
        p_v = 1.0 / (1.0 + np.exp(-(h @ W.T + b)))
        v_neg = (rng.random(p_v.shape, dtype=dt) < p_v).astype(dt)
        p_neg = 1.0 / (1.0 + np.exp(-(v_neg @ W + c)))
        n = v_pos.shape[0]
        grad_W = (v_pos.T @ p_pos - v_neg.T @ p_neg) / n - weight_decay * W
        dW = momentum * dW + lr * grad_W
        db = momentum * db + lr * (v_pos.mean(axis=0) - v_neg.mean(axis=0))
        dc = momentum * dc + lr * (p_pos.mean(axis=0) - p_neg.mean(axis=0))
        W += dW
        b += db
        c += dc
    return W, b, c


class MatmulLowerBound:
    """The epoch's five matrix products alone, with pgmviz's shapes, on preallocated operands.

    Per batch: V_pos @ W, H @ W.T, V_neg @ W (each (bs, n_v) x (n_v, n_h)) and the two gradient
    halves V_pos^T P_pos, V_neg^T P_neg as the one stacked product pgmviz computes,
    [V_pos; V_neg]^T [P_pos; -P_neg], (n_v, 2 bs) x (2 bs, n_h). Nothing else: no sigmoid, no
    sampling, no parameter update. An epoch cannot be faster than this with BLAS.
    """

    def __init__(self, W, X, batch_size, seed=0):
        rng = np.random.default_rng(seed)
        n_v, n_h = W.shape
        self.W = W.copy()
        self.n_batches = X.shape[0] // batch_size
        self.V = [X[i * batch_size : (i + 1) * batch_size].copy() for i in range(self.n_batches)]
        self.H = (rng.random((batch_size, n_h)) < 0.5).astype(W.dtype)
        self.VV = np.ascontiguousarray(np.vstack([self.V[0], self.V[0]]))
        self.PP = rng.random((2 * batch_size, n_h)).astype(W.dtype)
        self.out_h = np.empty((batch_size, n_h), W.dtype)
        self.out_v = np.empty((batch_size, n_v), W.dtype)
        self.out_g = np.empty((n_v, n_h), W.dtype)

    def run(self):
        W, Wt = self.W, self.W.T
        for V in self.V:
            np.matmul(V, W, out=self.out_h)
            np.matmul(self.H, Wt, out=self.out_v)
            np.matmul(V, W, out=self.out_h)
            np.matmul(self.VV.T, self.PP, out=self.out_g)


def log_Z_numpy(W, b, c, chunk=4096):
    """log Z by enumerating all 2**n_h hidden states in chunks (float64), for W (n_v, n_h).

    log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W[i, :].h) ].
    """
    W, b, c = (np.asarray(x, dtype=np.float64) for x in (W, b, c))
    n_h = W.shape[1]
    Wt = W.T
    bits = np.arange(n_h - 1, -1, -1)
    parts = []
    for start in range(0, 2**n_h, chunk):
        idx = np.arange(start, min(start + chunk, 2**n_h))[:, None]
        H = ((idx >> bits) & 1).astype(np.float64)  # (chunk, n_h)
        A = H @ Wt + b  # (chunk, n_v)
        sp = np.logaddexp(0.0, A).sum(axis=1)  # softplus, summed over the visible units
        parts.append(logsumexp(H @ c + sp))
    return float(logsumexp(parts))


def gibbs_numpy(W, b, c, V0, sweeps, seed):
    """Block Gibbs with all chains batched: one (n, n_v) x (n_v, n_h) product per half-sweep.

    Preallocated buffers and in-place ufuncs, so the cost is the per-sweep numpy calls themselves.
    Returns (V, H) like `RBM.gibbs`: k sweeps v -> h -> v, then h ~ p(h | v_k).
    """
    rng = np.random.default_rng(seed)
    dt = W.dtype
    V = V0.astype(dt, copy=True)
    n = V.shape[0]
    n_v, n_h = W.shape
    Wt = np.ascontiguousarray(W.T)
    A_h = np.empty((n, n_h), dt)
    A_v = np.empty((n, n_v), dt)
    U_h = np.empty((n, n_h), dt)
    U_v = np.empty((n, n_v), dt)
    H = np.empty((n, n_h), dt)

    def sample_h():
        np.matmul(V, W, out=A_h)
        np.add(A_h, c, out=A_h)
        expit(A_h, out=A_h)
        rng.random(out=U_h, dtype=dt)
        np.less(U_h, A_h, out=H, casting="unsafe")

    for _ in range(sweeps):
        sample_h()
        np.matmul(H, Wt, out=A_v)
        A_v += b
        expit(A_v, out=A_v)
        rng.random(out=U_v, dtype=dt)
        np.less(U_v, A_v, out=V, casting="unsafe")
    sample_h()
    return V, H


def gibbs_numpy_plain(W, b, c, V0, sweeps, seed):
    """Block Gibbs as a student first writes it: ``V @ W``, ``1/(1+exp(-x))``, ``rng.random``, all float32.

    A new array per operation (no buffers, no ``out=``), the same draws as `gibbs_numpy`.
    Returns (V, H) like `RBM.gibbs`.
    """
    rng = np.random.default_rng(seed)
    dt = W.dtype
    V = V0.astype(dt, copy=True)
    H = (rng.random((V.shape[0], W.shape[1]), dtype=dt) < 1 / (1 + np.exp(-(V @ W + c)))).astype(dt)
    for _ in range(sweeps):
        V = (rng.random(V.shape, dtype=dt) < 1 / (1 + np.exp(-(H @ W.T + b)))).astype(dt)
        H = (rng.random(H.shape, dtype=dt) < 1 / (1 + np.exp(-(V @ W + c)))).astype(dt)
    return V, H
