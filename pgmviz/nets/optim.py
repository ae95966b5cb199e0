"""Gradient steps for the nets trained by backprop (autoencoder, fine-tuning, VAE, M2), written once.

    SGD with momentum:  u <- momentum u - lr g;                     p <- p + u
    Adam (Kingma & Ba 2015):
                        m <- beta1 m + (1 - beta1) g;               v <- beta2 v + (1 - beta2) g^2
                        p <- p - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

``maximize=True`` climbs instead (p + ..., u <- momentum u + lr g): the VAE and M2 ascend their
bounds with the gradient of the bound itself. Parameters are a list of arrays or a dict of them,
updated in place; the gradients come in the same shape (a dict's gradients may leave keys out).
The RBM trainer's momentum step is a fused Numba kernel with weight decay (`pgmviz.training.train`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

Params = Sequence[np.ndarray] | Mapping[str, np.ndarray]


def _pairs(params: Params, grads: Params) -> list[tuple[object, np.ndarray, np.ndarray]]:
    """(key, parameter, gradient) for every gradient given: dict keys, or list positions."""
    if isinstance(params, Mapping):
        return [(k, params[k], g) for k, g in grads.items()]
    if len(params) != len(grads):
        raise ValueError(f"{len(grads)} gradients for {len(params)} parameter arrays")
    return list(zip(range(len(params)), params, grads))


def _zeros(params: Params) -> dict:
    items = params.items() if isinstance(params, Mapping) else enumerate(params)
    return {k: np.zeros_like(p) for k, p in items}


class Momentum:
    """SGD with momentum: u <- momentum u - lr g, p <- p + u (``maximize``: u <- momentum u + lr g)."""

    def __init__(self, params: Params, lr: float, momentum: float = 0.9, maximize: bool = False):
        self.lr, self.momentum, self.maximize = lr, momentum, maximize
        self.velocity = _zeros(params)

    def step(self, params: Params, grads: Params) -> None:
        for k, p, g in _pairs(params, grads):
            u = self.velocity[k]
            u *= self.momentum
            if self.maximize:
                u += self.lr * g
            else:
                u -= self.lr * g
            p += u


class Adam:
    """Adam: bias-corrected running moments m, v of the gradient; ``t`` counts the steps taken."""

    def __init__(self, params: Params, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, maximize: bool = False):
        self.lr, self.beta1, self.beta2, self.eps, self.maximize = lr, beta1, beta2, eps, maximize
        self.m, self.v = _zeros(params), _zeros(params)
        self.t = 0

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for k, p, g in _pairs(params, grads):
            m, v = self.m[k], self.v[k]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            step = (self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)).astype(p.dtype)
            if self.maximize:
                p += step
            else:
                p -= step
