"""Greedy pretraining of a DBM with doubled inputs (Salakhutdinov & Hinton 2009, section 3.1).

In the DBM, h1 hears both v and h2; an RBM trained on its own hears only one of them. So each
module of the stack is trained so that the one input it has counts twice:

    bottom RBM (v, h1)    up    p(h1 | v)  = sigmoid(c + 2 v W1)       (the visible layer doubled)
                          down  p(v | h1)  = sigmoid(b + W1 h1)
    top RBM (h1, h2)      up    p(h2 | h1) = sigmoid(c2 + h1 W2)
                          down  p(h1 | h2) = sigmoid(a + 2 W2 h2)      (the top layer doubled)

The top RBM learns the doubled bottom-up activities sigmoid(c + 2 v W1). Composed into one DBM,
h1's input from each module is halved: (c + 2 v W1) / 2 + (a + 2 W2 h2) / 2 = c1 + v W1 + W2 h2
with c1 = (c + a) / 2, so the DBM's p(h1 | v, h2) averages what the two modules would have said.
Each module learns by CD-1 (the gradient per copy of the doubled layer) with momentum.
"""

from __future__ import annotations

import numpy as np

from pgmviz.models.dbm import DBM
from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid


def cd1_doubled(rbm: RBM, X: np.ndarray, updates: int, up: float, down: float, lr: float = 0.05,
                momentum: float = 0.5, batch_size: int = 10, rng: int | np.random.Generator | None = None) -> RBM:
    """CD-1 on X with p(h | v) = sigmoid(c + up * v W) and p(v | h) = sigmoid(b + down * W h); trains ``rbm`` in place.

    ``up = down = 1`` is plain CD-1. The update is <v h>_data - <v h>_reconstruction (the biases
    alike), the statistics of one copy of the doubled layer.
    """
    rng = as_rng(rng)
    X = check_visible(X, rbm.n_v, np.float64)
    vel = [np.zeros_like(p, dtype=np.float64) for p in (rbm.W, rbm.b, rbm.c)]
    W, b, c = (p.astype(np.float64) for p in (rbm.W, rbm.b, rbm.c))
    for t in range(int(updates)):
        V = X[rng.integers(0, len(X), size=min(batch_size, len(X)))]
        P_pos = sigmoid(c + up * V @ W)
        V_neg = sigmoid(b + down * bernoulli(P_pos, rng) @ W.T)  # the reconstruction's means
        P_neg = sigmoid(c + up * V_neg @ W)
        n = len(V)
        grads = [(V.T @ P_pos - V_neg.T @ P_neg) / n, (V - V_neg).mean(0), (P_pos - P_neg).mean(0)]
        for u, g, p in zip(vel, grads, (W, b, c)):
            u *= momentum
            u += lr * g
            p += u
    return RBM(W, b, c)


def pretrain(X: np.ndarray, sizes: list[int], updates_per_layer: int, lr: float = 0.05, momentum: float = 0.5,
             batch_size: int = 10, seed: int = 0) -> DBM:
    """A DBM of ``sizes`` [n_v, n_h1, n_h2] composed from two doubled-input RBMs (see the module docstring)."""
    if len(sizes) != 3:
        raise ValueError(f"a DBM here has two hidden layers; got sizes {sizes}")
    rng = as_rng(seed)
    n_v, n_h1, n_h2 = sizes
    X = check_visible(X, n_v, np.float64)
    bottom = cd1_doubled(RBM.random(n_v, n_h1, seed=rng, data=X, dtype=np.float64), X, updates_per_layer,
                         up=2.0, down=1.0, lr=lr, momentum=momentum, batch_size=batch_size, rng=rng)
    H1 = sigmoid(bottom.c + 2.0 * X @ bottom.W)  # what the top module models: the doubled bottom-up activities
    top = cd1_doubled(RBM.random(n_h1, n_h2, seed=rng, data=H1, dtype=np.float64), H1, updates_per_layer,
                      up=1.0, down=2.0, lr=lr, momentum=momentum, batch_size=batch_size, rng=rng)
    return compose(bottom, top)


def compose(bottom: RBM, top: RBM) -> DBM:
    """The DBM of two doubled-input modules: W1, b from the bottom, W2, c2 from the top, c1 = (c + a) / 2."""
    if bottom.n_h != top.n_v:
        raise ValueError(f"the bottom RBM has {bottom.n_h} hidden units but the top one {top.n_v} visible units")
    return DBM(bottom.W, top.W, bottom.b, 0.5 * (bottom.c + top.b), top.c)
