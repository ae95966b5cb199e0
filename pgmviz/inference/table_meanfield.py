"""Naive mean field on a table: the factorial q(x) = prod_j q_j^x_j (1 - q_j)^(1 - x_j) nearest p in KL(q || p).

For the small posteriors of the belief-net lessons, given as a table p over the 2^n states of n units
(``pgmviz.sampling.partition.all_states`` order). `mean_field` updates one unit at a time, each update the
exact minimiser of KL(q || p) over q_j; `best_mean_field` tries many starts, since KL(q || p) has a local
minimum per mode of p. (`pgmviz.inference.meanfield` is the same idea on an MRF's parameters.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.sbn import factorial_table
from pgmviz.sampling.partition import all_states

LOG_FLOOR = -700.0  # log of a table entry that underflowed to 0 (exp(-700) ~ 1e-304)


def log_table(p: np.ndarray) -> np.ndarray:
    """log p with underflowed zeros floored at LOG_FLOOR, so expectations of log p stay finite."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(np.asarray(p, dtype=np.float64)), LOG_FLOOR)


def reverse_kl(q: np.ndarray, log_p: np.ndarray) -> float:
    """KL(q || p) = sum_x q(x) (log q(x) - log p(x)) in nats, with 0 log 0 = 0; log_p normalised."""
    q = np.asarray(q, dtype=np.float64)
    on = q > 0
    return float(np.sum(q[on] * (np.log(q[on]) - log_p[on])))


@dataclass
class MeanField:
    """A factorial q(x) = prod_j q_j^x_j (1 - q_j)^(1 - x_j) fitted to p by minimising KL(q || p).

    means : (n,) q_j = q(x_j = 1);  q : (2^n,) the table it defines;  kl : KL(q || p), nats
    start : (n,) the means it started from;  sweeps : coordinate sweeps until it stopped moving
    """

    means: np.ndarray
    q: np.ndarray
    kl: float
    start: np.ndarray
    sweeps: int


def mean_field(p: np.ndarray, n: int, start: np.ndarray | None = None, max_sweeps: int = 500,
               tol: float = 1e-12) -> MeanField:
    """Naive mean field: logit q_j = E_{q_-j}[log p(x_j = 1, x_-j) - log p(x_j = 0, x_-j)], unit by unit.

    Each update is the exact minimiser of KL(q || p) over q_j with the other units fixed, so
    KL(q || p) never rises; it stops at a local minimum, which depends on ``start`` (default all
    0.5). ``p`` is a table over the 2^n states in ``all_states`` order.
    """
    log_p = log_table(p) - float(logsumexp(log_table(p)))
    X = all_states(n)
    m = np.full(n, 0.5) if start is None else np.clip(np.asarray(start, dtype=np.float64), 1e-12, 1 - 1e-12)
    start_m = m.copy()
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        old = m.copy()
        for j in range(n):
            on, off = X[:, j] == 1, X[:, j] == 0  # partners: row k with bit j set, row k - 2^(n-1-j)
            rest = np.delete(X[on], j, axis=1)  # the other units' states, same order in both halves
            m_rest = np.delete(m, j)
            w = np.prod(np.where(rest == 1, m_rest, 1.0 - m_rest), axis=1)  # q_-j(x_-j)
            logit = float(w @ (log_p[on] - log_p[off]))
            m[j] = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        if np.max(np.abs(m - old)) < tol:
            break
    q = factorial_table(np.clip(m, 0.0, 1.0))
    return MeanField(means=m, q=q, kl=reverse_kl(q, log_p), start=start_m, sweeps=sweeps)


def best_mean_field(p: np.ndarray, n: int) -> tuple[MeanField, list[MeanField]]:
    """Mean field from the centre (all 0.5) and from every corner softened to 0.75 / 0.25.

    Returns (the run with the lowest KL(q || p), all runs): KL(q || p) has several local minima
    when p has several modes, so the start decides which mode q settles on.
    """
    starts = [np.full(n, 0.5)] + [0.25 + 0.5 * x for x in all_states(n)]
    runs = [mean_field(p, n, s) for s in starts]
    return min(runs, key=lambda r: r.kl), runs
