"""The exact log-likelihood gradient of a small RBM, and what CD-k follows instead.

Gradient of the mean log-likelihood over data rows v (weights w_n, default uniform):

    dL/dW = sum_n w_n v_n p(h|v_n)^T  -  E_{p(v,h)}[v h^T]          (b and c alike: v and h)

The model term is exact here: the smaller layer is enumerated and the other summed in closed form
(2^min(n_v, n_h) states). CD-k replaces it by v_k p(h|v_k)^T, with v_k the data after k block-Gibbs
steps; its *expected* update, averaged over the chains' noise, is another vector field, not the
gradient of the likelihood (Hinton 2002: approximately the gradient of KL(p0||p) - KL(pk||p)).
`cd_expected_update` estimates it by running many chains from every data row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM, bernoulli, check_visible, sigmoid, softplus
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states

MAX_ENUM = 20  # 2^20 states of the smaller layer: about a second


@dataclass
class Grad:
    """A direction in parameter space: (W, b, c) with the RBM's shapes."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray

    def flat(self) -> np.ndarray:
        return np.concatenate([self.W.ravel(), self.b, self.c])

    @property
    def norm(self) -> float:
        return float(np.linalg.norm(self.flat()))

    def __sub__(self, other: "Grad") -> "Grad":
        return Grad(self.W - other.W, self.b - other.b, self.c - other.c)

    def __add__(self, other: "Grad") -> "Grad":
        return Grad(self.W + other.W, self.b + other.b, self.c + other.c)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """cos(a, b) = a.b / (|a| |b|); NaN when either is zero."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else float("nan")


def _weights(V: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.full(V.shape[0], 1.0 / V.shape[0])
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (V.shape[0],) or (w < 0).any() or not np.isclose(w.sum(), 1.0):
        raise ValueError("weights must be a distribution over the data rows")
    return w


def data_statistics(rbm: RBM, V: np.ndarray, weights: np.ndarray | None = None) -> Grad:
    """Positive phase: sum_n w_n (v_n p(h|v_n)^T, v_n, p(h|v_n)), exact (p(h|v) factorises)."""
    r = rbm.astype(np.float64)
    V = check_visible(V, r.n_v, np.float64)
    w = _weights(V, weights)
    P = r.p_h_given_v(V)
    return Grad((V * w[:, None]).T @ P, w @ V, w @ P)


def model_statistics(rbm: RBM) -> Grad:
    """Negative phase, exactly: E_{p(v,h)}[v h^T], E[v], E[h], by enumerating the smaller layer.

    With h enumerated: p(h) ∝ exp(c.h + sum_i softplus(b_i + W_i.h)) and E[v | h] = sigmoid(b + W h),
    so E[v h^T] = sum_h p(h) sigmoid(b + W h) h^T; with v enumerated, the mirror image.
    """
    r = rbm.astype(np.float64)
    if min(r.n_v, r.n_h) > MAX_ENUM:
        raise ValueError(f"the exact model term enumerates 2^{min(r.n_v, r.n_h)} states (at most 2^{MAX_ENUM})")
    if r.n_h <= r.n_v:
        H = all_states(r.n_h)
        A = H @ r.W.T + r.b  # (2^n_h, n_v)
        log_p = H @ r.c + softplus(A).sum(axis=1)
        p = np.exp(log_p - logsumexp(log_p))
        Ev = sigmoid(A)  # E[v | h]
        return Grad((Ev * p[:, None]).T @ H, p @ Ev, p @ H)
    V = all_states(r.n_v)
    A = V @ r.W + r.c  # (2^n_v, n_h)
    log_p = V @ r.b + softplus(A).sum(axis=1)
    p = np.exp(log_p - logsumexp(log_p))
    Eh = sigmoid(A)
    return Grad((V * p[:, None]).T @ Eh, p @ V, p @ Eh)


def exact_gradient(rbm: RBM, V: np.ndarray, weights: np.ndarray | None = None) -> Grad:
    """d/d(W, b, c) of sum_n w_n log p(v_n) = data statistics - model statistics, exactly."""
    return data_statistics(rbm, V, weights) - model_statistics(rbm)


@dataclass
class CDEstimate:
    """CD-k's expected update, estimated from ``n_chains`` chains per data row, in two halves.

    update : the mean over all chains;  half_a, half_b : the means of two independent halves, so
    that |E update|^2 is estimated without the noise's bias by half_a . half_b.
    """

    update: Grad
    half_a: np.ndarray
    half_b: np.ndarray

    @property
    def norm(self) -> float:
        """|E[CD update]| estimated by sqrt(a.b) (unbiased for the square; NaN if a.b <= 0)."""
        ab = float(self.half_a @ self.half_b)
        return float(np.sqrt(ab)) if ab > 0 else float("nan")

    def cosine_with(self, g: Grad) -> float:
        """cos(E[CD update], g), with |E[CD update]| from the two halves: the sampling noise of the
        estimate would otherwise shrink the cosine towards 0."""
        gf = g.flat()
        ng, nu = np.linalg.norm(gf), self.norm
        if not (ng > 0 and np.isfinite(nu)):
            return float("nan")
        return float(np.clip(self.update.flat() @ gf / (ng * nu), -1.0, 1.0))


def cd_expected_update(rbm: RBM, V: np.ndarray, k: int = 1, n_chains: int = 1000,
                       rng: int | np.random.Generator | None = 0) -> CDEstimate:
    """E[CD-k update] = mean_n [v_n p(h|v_n)^T - E(v_k p(h|v_k)^T | v_0 = v_n)], by Monte Carlo.

    Each data row starts ``n_chains`` chains of k block-Gibbs steps (h ~ p(h|v), v ~ p(v|h)); the
    last hidden step uses p(h|v_k), as the trainer does.
    """
    r = rbm.astype(np.float64)
    V = check_visible(V, r.n_v, np.float64)
    if k < 1 or n_chains < 2:
        raise ValueError(f"need k >= 1 and at least 2 chains per row; got k={k}, n_chains={n_chains}")
    rng = as_rng(rng)
    pos = data_statistics(r, V)
    halves = []
    for n_half in (n_chains // 2, n_chains - n_chains // 2):
        Vk = np.repeat(V, n_half, axis=0)
        for _ in range(k):
            Vk = bernoulli(r.p_v_given_h(bernoulli(r.p_h_given_v(Vk), rng)), rng)
        Pk = r.p_h_given_v(Vk)
        m = Vk.shape[0]
        halves.append(pos - Grad(Vk.T @ Pk / m, Vk.mean(axis=0), Pk.mean(axis=0)))
    a, b = halves[0].flat(), halves[1].flat()
    mean = Grad(*(0.5 * (x + y) for x, y in zip((halves[0].W, halves[0].b, halves[0].c),
                                                 (halves[1].W, halves[1].b, halves[1].c))))
    return CDEstimate(mean, a, b)
