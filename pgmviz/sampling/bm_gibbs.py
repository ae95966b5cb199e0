"""Single-site Gibbs sampling of a general Boltzmann machine at temperature T, and its exact p_T.

The machine is in the QUBO form of `pgmviz.models.boltzmann`: E(x) = -x^T Q x with Q upper
triangular, x = [v, h]. At temperature T the distribution is

    p_T(x) = exp(-E(x) / T) / Z_T

and one unit, given all the others, is on with probability

    p(x_i = 1 | x_-i) = sigmoid((Q_ii + sum_{j != i} J_ij x_j) / T),     J = Q + Q^T off the diagonal

(Ackley, Hinton & Sejnowski 1985). With lateral couplings no layer is independent given the other,
so units are updated one at a time: a sweep visits every free unit once, in a fixed order. Each
update leaves p_T invariant, so a sweep does too. Clamped units (the visible ones in the clamped
phase) are simply never visited.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.boltzmann import MAX_UNITS, check_qubo, qubo_energy
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.special import sigmoid


def couplings(Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(J, a): the symmetric coupling matrix J = Q + Q^T with a zero diagonal, and the biases a = diag(Q)."""
    Q = check_qubo(Q)
    J = Q + Q.T
    np.fill_diagonal(J, 0.0)
    return J, np.diag(Q).copy()


def check_temperature(T: float) -> float:
    """T must be a finite number > 0 (T -> 0 is the deterministic limit, never reached)."""
    T = float(T)
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"the temperature must be a finite number > 0; got {T!r}")
    return T


@dataclass
class SweepResult:
    """Chains after their sweeps, and how often a visited unit changed its state."""

    X: np.ndarray  # (m, N) states after the last sweep
    unit_updates: int  # single-unit samplings done: m * len(units) * sweeps
    flips: int  # how many of them changed the unit's state

    @property
    def flip_rate(self) -> float:
        return self.flips / self.unit_updates if self.unit_updates else 0.0


def gibbs_sweeps(Q: np.ndarray, X: np.ndarray, sweeps: int, T: float = 1.0, units=None,
                 rng: int | np.random.Generator | None = None) -> SweepResult:
    """``sweeps`` sweeps of x_i ~ p_T(x_i | x_-i) over ``units`` (default: all), for every row of X.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    X : ndarray of shape (m, N), binary starting states (not modified)
    sweeps : int >= 0
    T : float > 0, the temperature
    units : sequence of unit indices to update, in this order; the others stay clamped
    rng : seed or Generator

    Returns
    -------
    SweepResult
    """
    J, a = couplings(Q)
    T = check_temperature(T)
    X = np.array(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != J.shape[0] or not np.isin(X, (0.0, 1.0)).all():
        raise ValueError(f"X must be a binary array of shape (m, {J.shape[0]}); got shape {X.shape}")
    if int(sweeps) != sweeps or sweeps < 0:
        raise ValueError(f"sweeps must be a whole number >= 0; got {sweeps!r}")
    units = range(J.shape[0]) if units is None else [int(i) for i in units]
    rng = as_rng(rng)
    flips = 0
    for _ in range(int(sweeps)):
        for i in units:
            # The unit's total input given everyone else's current state; J[i, i] = 0 so x_i drops out.
            p_on = sigmoid((a[i] + X @ J[:, i]) / T)
            new = (rng.random(X.shape[0]) < p_on).astype(np.float64)
            flips += int(np.count_nonzero(new != X[:, i]))
            X[:, i] = new
    return SweepResult(X, X.shape[0] * len(units) * int(sweeps), flips)


def log_p_T(Q: np.ndarray, T: float = 1.0) -> np.ndarray:
    """log p_T(x) = -E(x)/T - log Z_T for all 2^N states, rows ordered as ``all_states(N)``."""
    Q = check_qubo(Q)
    T = check_temperature(T)
    if Q.shape[0] > MAX_UNITS:
        raise ValueError(f"enumerating 2^{Q.shape[0]} states is too many (at most {MAX_UNITS} units)")
    neg_E = -qubo_energy(Q, all_states(Q.shape[0])) / T
    return neg_E - logsumexp(neg_E)


def neg_energy_table(Q: np.ndarray, n_v: int) -> np.ndarray:
    """-E(v, h) = v^T Q_vv v + v^T W h + h^T Q_hh h for every v (rows) and h (columns), by blocks.

    The same numbers as ``-qubo_energy`` over ``all_states(N)`` reshaped (2^n_v, 2^n_h), but one
    (2^n_v, n_v) x (n_v, n_h) x (n_h, 2^n_h) product instead of 2^N quadratic forms.
    """
    Q = check_qubo(Q)
    N, n_v = Q.shape[0], int(n_v)
    if N > MAX_UNITS:
        raise ValueError(f"enumerating 2^{N} states is too many (at most {MAX_UNITS} units)")
    V, H = all_states(n_v), all_states(N - n_v)
    a = ((V @ Q[:n_v, :n_v]) * V).sum(axis=1)  # (2^n_v,) biases and v-v couplings
    e = ((H @ Q[n_v:, n_v:]) * H).sum(axis=1)  # (2^n_h,) biases and h-h couplings
    return a[:, None] + V @ Q[:n_v, n_v:] @ H.T + e[None, :]


def p_T_visible(Q: np.ndarray, n_v: int, T: float = 1.0) -> np.ndarray:
    """p_T(v) = sum_h p_T(v, h) for all 2^n_v visible states."""
    neg_E = neg_energy_table(Q, n_v) / check_temperature(T)
    return np.exp(logsumexp(neg_E, axis=1) - logsumexp(neg_E))


def state_indices(X: np.ndarray) -> np.ndarray:
    """k = sum_i x_i 2^(n-1-i) for every row: its row in ``all_states(n)``."""
    X = np.asarray(X)
    return (X.astype(np.int64) << np.arange(X.shape[1] - 1, -1, -1)).sum(axis=1)


def histogram(X: np.ndarray) -> np.ndarray:
    """The empirical distribution of the rows of X over all 2^n states (n = X.shape[1])."""
    counts = np.bincount(state_indices(X), minlength=2 ** X.shape[1])
    return counts / max(X.shape[0], 1)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = (1/2) sum_x |p(x) - q(x)|: the largest difference in probability of any event."""
    return float(0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum())


def noise_floor(p: np.ndarray, n: int, rng: int | np.random.Generator | None = None) -> float:
    """TV(p, histogram of n independent exact draws from p): how far perfect samples of that size land."""
    p = np.asarray(p, dtype=np.float64)
    counts = as_rng(rng).multinomial(int(n), p / p.sum())
    return total_variation(p, counts / max(int(n), 1))
