"""Naive mean field on a pairwise binary MRF: factorial q(x) = prod_i q_i^x_i (1 - q_i)^(1 - x_i) nearest in KL(q || p).

Setting the derivative of KL(q || p) in q_i to zero with the other q_j held fixed gives the update

    q_i = sigmoid( theta_i(1) - theta_i(0) + sum_{j in N(i)} E_{q_j}[theta_ij(1, x_j) - theta_ij(0, x_j)] )

(for a Boltzmann machine, q_i = sigmoid(b_i + sum_j w_ij q_j): the neighbours send their means, where
belief propagation sends softplus differences). Applied one unit at a time (coordinate ascent),
each update is the exact minimiser over q_i, so KL(q || p) never rises; it stops at a fixed point
that depends on the start. Because q is factorial, KL is exact in closed form:

    KL(q || p) = sum_i E_q[log q_i] - E_q[sum_i theta_i + sum_e theta_e] + log Z     (>= 0)

and log Z - KL(q || p) is the lower bound (ELBO) that variational inference maximises. On a
strongly coupled ferromagnet p has two modes (all off, all on); q, having one, picks one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pgmviz.models.mrf import MRF
from pgmviz.rng import as_rng

EPS = 1e-300  # q_i = 0 or 1 exactly: 0 log 0 = 0


def linear_form(mrf: MRF) -> tuple[np.ndarray, np.ndarray]:
    """(c, K) with fields(q) = c + K q: binary units make each edge's expected log-potential linear in q_j.

    c_i = theta_i(1) - theta_i(0) + sum_{j ~ i} [theta_ij(1, 0) - theta_ij(0, 0)] (oriented with i first),
    K_ij = theta_ij(1, 1) - theta_ij(1, 0) - theta_ij(0, 1) + theta_ij(0, 0), symmetric (w_ij for a Boltzmann machine)
    """
    c = mrf.unary[:, 1] - mrf.unary[:, 0]
    K = np.zeros((mrf.n, mrf.n))
    T, i, j = mrf.pairwise, mrf.edges[:, 0], mrf.edges[:, 1]
    np.add.at(c, i, T[:, 1, 0] - T[:, 0, 0])  # i's side of each edge, x_j = 0
    np.add.at(c, j, T[:, 0, 1] - T[:, 0, 0])  # j's side, x_i = 0
    K[i, j] = K[j, i] = T[:, 1, 1] - T[:, 1, 0] - T[:, 0, 1] + T[:, 0, 0]
    return c, K


def mean_field_logits(mrf: MRF, q: np.ndarray) -> np.ndarray:
    """The right-hand side of the fixed-point equations, before the sigmoid, for every unit. -> (n,)"""
    c, K = linear_form(mrf)
    return c + K @ np.asarray(q, dtype=np.float64)


def expected_log_potential(mrf: MRF, q: np.ndarray) -> float:
    """E_q[sum_i theta_i(x_i) + sum_e theta_e(x_i, x_j)] for factorial q: the edges see q_i q_j."""
    q = np.asarray(q, dtype=np.float64)
    Q = np.stack([1.0 - q, q], axis=1)  # (n, 2): q(x_i = 0), q(x_i = 1)
    i, j = mrf.edges[:, 0], mrf.edges[:, 1]
    pair = np.einsum("ea,eb,eab->", Q[i], Q[j], mrf.pairwise) if mrf.m else 0.0
    return float((Q * mrf.unary).sum() + pair)


def entropy(q: np.ndarray) -> float:
    """H(q) = -sum_i [q_i log q_i + (1 - q_i) log (1 - q_i)], nats."""
    Q = np.stack([1.0 - np.asarray(q, dtype=np.float64), np.asarray(q, dtype=np.float64)])
    return float(-(Q * np.log(np.maximum(Q, EPS))).sum())


def elbo(mrf: MRF, q: np.ndarray) -> float:
    """log Z - KL(q || p) = E_q[log potential] + H(q): a lower bound on log Z, tight iff p = q."""
    return expected_log_potential(mrf, q) + entropy(q)


def kl_divergence(mrf: MRF, q: np.ndarray, log_Z: float | None = None) -> float:
    """KL(q || p) = log Z - ELBO(q), exactly (log Z by enumeration unless given), in nats."""
    log_Z = mrf.log_Z() if log_Z is None else log_Z
    return max(log_Z - elbo(mrf, q), 0.0)  # rounding can leave a tiny negative; KL never is


@dataclass
class MeanFieldRun:
    """Coordinate ascent from ``start``.

    means : (n,) q_i = q(x_i = 1) at the end;  kl : KL(q || p) there, nats;  start : (n,)
    sweeps : sweeps made;  converged : no q_i moved by tol in the last sweep
    kl_trace : (sweeps + 1,) KL(q || p) at the start and after each sweep (never rises)
    """

    means: np.ndarray
    kl: float
    start: np.ndarray
    sweeps: int
    converged: bool
    kl_trace: np.ndarray


def mean_field(mrf: MRF, start: np.ndarray | float | None = None, max_sweeps: int = 500,
               tol: float = 1e-12) -> MeanFieldRun:
    """q_i <- sigmoid(fields_i(q)) for i = 0..n-1 in turn, sweep after sweep, until no q_i moves by tol."""
    q = np.full(mrf.n, 0.5) if start is None else np.broadcast_to(np.asarray(start, dtype=np.float64), (mrf.n,)).copy()
    if not (np.isfinite(q).all() and ((q >= 0) & (q <= 1)).all()):
        raise ValueError("a mean-field start must be probabilities in [0, 1]")
    start_q, log_Z = q.copy(), mrf.log_Z()
    c, K = linear_form(mrf)
    # E_q[log potential] = const + c.q + q.K.q / 2: the same linear form, cheap enough for every sweep
    const = float(mrf.unary[:, 0].sum() + mrf.pairwise[:, 0, 0].sum())

    def kl(q: np.ndarray) -> float:
        return max(log_Z - (const + c @ q + 0.5 * q @ K @ q + entropy(q)), 0.0)

    trace, converged, sweeps = [kl(q)], False, 0
    for sweeps in range(1, int(max_sweeps) + 1):
        old = q.copy()
        for i in range(mrf.n):  # in turn, each from the others' newest means (coordinate ascent, not Jacobi)
            # sigmoid(x) = (1 + tanh(x / 2)) / 2 on a scalar: no overflow, and no array call per unit
            q[i] = 0.5 * (1.0 + math.tanh(0.5 * (c[i] + K[i] @ q)))
        trace.append(kl(q))
        if np.max(np.abs(q - old)) < tol:
            converged = True
            break
    return MeanFieldRun(q, trace[-1], start_q, sweeps, converged, np.array(trace))


def standard_starts(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Where the lesson starts mean field: every unit off, all at 0.5, every unit on, and uniform at random."""
    return {"all off": np.zeros(n), "all at 0.5": np.full(n, 0.5), "all on": np.ones(n),
            "random": as_rng(seed).uniform(0.0, 1.0, n)}


def from_starts(mrf: MRF, starts: dict[str, np.ndarray] | None = None) -> dict[str, MeanFieldRun]:
    """One mean-field run per start (default ``standard_starts``): different starts, different fixed points."""
    starts = standard_starts(mrf.n) if starts is None else starts
    return {name: mean_field(mrf, s) for name, s in starts.items()}


def best(runs: dict[str, MeanFieldRun]) -> tuple[str, MeanFieldRun]:
    """The run with the lowest KL(q || p) (the first such in order when several tie to 1e-12)."""
    low = min(r.kl for r in runs.values())
    return next((name, r) for name, r in runs.items() if r.kl <= low + 1e-12)
