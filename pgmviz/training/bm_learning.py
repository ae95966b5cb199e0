"""Learning a general Boltzmann machine: the clamped/free-phase rule, exactly and by sampling.

The model is p_T(v, h) = exp(-E(v, h) / T) / Z_T with E(x) = -x^T Q x in the QUBO form of
`pgmviz.models.boltzmann` (x = [v, h], Q upper triangular: biases on the diagonal, each coupling
once above it). For data rows v_n the gradient of the mean log-likelihood is (Ackley, Hinton &
Sejnowski 1985)

    d/dQ_ij  mean_n log p_T(v_n) = ( <x_i x_j>_clamped - <x_i x_j>_free ) / T        (i <= j)

<.>_clamped averages over the data with h ~ p_T(h | v_n); <.>_free over the model's p_T(v, h).
In an RBM p(h|v) factorises, so the clamped term is exact in one matrix product; with lateral
couplings it does not, and *both* phases must be sampled (single-site Gibbs,
`pgmviz.sampling.bm_gibbs`) or enumerated. A ``mask`` (upper triangular, True = learnable) says
which couplings exist: `connectivity("full")`, `"semi"` (visible-visible only) or `"rbm"`.

Exact quantities enumerate all 2^(n_v + n_h) joint states (at most ``MAX_UNITS`` units).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.boltzmann import check_qubo
from pgmviz.models.rbm import check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.bm_gibbs import check_temperature, gibbs_sweeps, neg_energy_table, state_indices
from pgmviz.sampling.partition import all_states
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import Budget, Progress, as_budget, healthy, spend

CONNECTIVITY = {"full": "every pair coupled (lateral v-v and h-h too)",
                "semi": "visible-visible and visible-hidden couplings",
                "rbm": "visible-hidden couplings only (restricted)"}


# ---------------------------------------------------------------------------- the graph
def connectivity(n_v: int, n_h: int, kind: str = "full") -> np.ndarray:
    """mask[i, j] (i <= j) = True where Q_ij is a parameter: the biases and the chosen couplings."""
    if kind not in CONNECTIVITY:
        raise ValueError(f"unknown connectivity {kind!r}; choose one of {sorted(CONNECTIVITY)}")
    N = n_v + n_h
    mask = np.triu(np.ones((N, N), dtype=bool))
    if kind in ("semi", "rbm"):
        mask[n_v:, n_v:] = np.eye(n_h, dtype=bool)  # no h-h couplings
    if kind == "rbm":
        mask[:n_v, :n_v] = np.eye(n_v, dtype=bool)  # no v-v couplings
    return mask


def check_data(V: np.ndarray, n_v: int) -> np.ndarray:
    """Binary data rows of length n_v, as float64."""
    V = check_visible(V, n_v, np.float64)
    if V.shape[0] == 0 or not np.isin(V, (0.0, 1.0)).all():
        raise ValueError("the data must be a non-empty array of binary (0/1) rows")
    return V


# ---------------------------------------------------------------------------- exact, by enumeration
def _joint(Q: np.ndarray, n_v: int, T: float) -> np.ndarray:
    """-E(v, h)/T as a (2^n_v, 2^n_h) table: row index(v), column index(h)."""
    return neg_energy_table(Q, n_v) / T


def _second_moments_table(P: np.ndarray, n_v: int, n_h: int) -> np.ndarray:
    """triu(sum_{v,h} P(v, h) x x^T) for weights P over the (2^n_v, 2^n_h) table, by blocks."""
    V, H = all_states(n_v), all_states(n_h)
    S = np.zeros((n_v + n_h, n_v + n_h))
    S[:n_v, :n_v] = V.T @ (P.sum(axis=1)[:, None] * V)
    S[n_v:, n_v:] = H.T @ (P.sum(axis=0)[:, None] * H)
    S[:n_v, n_v:] = V.T @ P @ H
    return np.triu(S)


def log_likelihood(Q: np.ndarray, n_v: int, V: np.ndarray, T: float = 1.0) -> float:
    """Mean log p_T(v_n) = mean_n logsumexp_h(-E(v_n, h)/T) - log Z_T, exactly, in nats."""
    Q, T = check_qubo(Q), check_temperature(T)
    V = check_data(V, n_v)
    neg_E = _joint(Q, n_v, T)
    log_p_v = logsumexp(neg_E, axis=1) - logsumexp(neg_E)
    return float(log_p_v[state_indices(V)].mean())


def exact_statistics(Q: np.ndarray, n_v: int, V: np.ndarray, T: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(S_clamped, S_free): triu of <x x^T> with h ~ p_T(h|v_n) over the data, and under p_T(v, h).

    The diagonal holds <x_i> (x_i^2 = x_i), the upper triangle <x_i x_j>: one entry per Q_ij.
    """
    Q, T = check_qubo(Q), check_temperature(T)
    V = check_data(V, n_v)
    neg_E = _joint(Q, n_v, T)
    n_h = Q.shape[0] - n_v
    p_free = np.exp(neg_E - logsumexp(neg_E))
    # Clamped weights over joint states: each data row puts mass 1/n on its v, spread as p(h|v).
    p_h_given_v = np.exp(neg_E - logsumexp(neg_E, axis=1, keepdims=True))  # (2^n_v, 2^n_h)
    counts = np.bincount(state_indices(V), minlength=neg_E.shape[0]) / V.shape[0]
    return (_second_moments_table(counts[:, None] * p_h_given_v, n_v, n_h),
            _second_moments_table(p_free, n_v, n_h))


def exact_gradient(Q: np.ndarray, n_v: int, V: np.ndarray, T: float = 1.0, mask: np.ndarray | None = None
                   ) -> np.ndarray:
    """d mean log p_T(v) / dQ = (S_clamped - S_free) / T on the mask's entries, zero elsewhere."""
    S_c, S_f = exact_statistics(Q, n_v, V, T)
    G = (S_c - S_f) / T
    return G if mask is None else np.where(mask, G, 0.0)


# ---------------------------------------------------------------------------- by sampling
@dataclass
class SampledStatistics:
    """Both phases estimated by Gibbs sampling, and the chains' final states (to continue them)."""

    S_clamped: np.ndarray  # (N, N) triu of mean x x^T over the clamped chains
    S_free: np.ndarray  # (N, N) the same over the free chains
    X_clamped: np.ndarray  # (n_rows, N) the clamped chains' states (v = the data rows)
    X_free: np.ndarray  # (n_free, N)
    unit_updates: int  # single-unit samplings in both phases

    def gradient(self, T: float = 1.0, mask: np.ndarray | None = None) -> np.ndarray:
        G = (self.S_clamped - self.S_free) / T
        return G if mask is None else np.where(mask, G, 0.0)


def second_moments(X: np.ndarray) -> np.ndarray:
    """triu(mean_n x_n x_n^T): <x_i> on the diagonal, <x_i x_j> above it."""
    return np.triu(X.T @ X / X.shape[0])


def sampled_statistics(Q: np.ndarray, n_v: int, V: np.ndarray, sweeps: int, T: float = 1.0,
                       H_clamped: np.ndarray | None = None, X_free: np.ndarray | None = None, n_free: int = 100,
                       rng: int | np.random.Generator | None = None) -> SampledStatistics:
    """<x x^T>_clamped and <x x^T>_free after ``sweeps`` Gibbs sweeps at temperature T.

    Clamped phase: one chain per data row, v fixed to the row, the hidden units swept; it starts
    at ``H_clamped`` (persistent) or at random h (fresh). Free phase: every unit swept, starting at
    ``X_free`` (persistent) or at ``n_free`` random states (fresh).
    """
    Q = check_qubo(Q)
    V = check_data(V, n_v)
    rng = as_rng(rng)
    N = Q.shape[0]
    n_h = N - n_v
    if H_clamped is None:
        H_clamped = (rng.random((V.shape[0], n_h)) < 0.5).astype(np.float64)
    if X_free is None:
        X_free = (rng.random((int(n_free), N)) < 0.5).astype(np.float64)
    clamped = gibbs_sweeps(Q, np.hstack([V, H_clamped]), sweeps, T, units=range(n_v, N), rng=rng)
    free = gibbs_sweeps(Q, X_free, sweeps, T, rng=rng)
    return SampledStatistics(second_moments(clamped.X), second_moments(free.X), clamped.X, free.X,
                             clamped.unit_updates + free.unit_updates)


# ---------------------------------------------------------------------------- the trainer
@dataclass
class BMSettings:
    lr: float = 0.1  # learning rate on every Q_ij
    momentum: float = 0.5
    weight_decay: float = 0.0  # L2 on the couplings (not the biases)
    batch_size: int = 14  # rows per update (all of bars and stripes 3x3)
    sweeps: int = 5  # Gibbs sweeps per phase and update
    n_free: int = 50  # free-phase chains
    T: float = 1.0  # temperature of both phases: the rule then ascends log p_T
    persistent: bool = True  # chains continue from the last update (else fresh random starts)
    exact: bool = False  # use the exact gradient (enumeration) instead of samples
    seed: int = 0
    max_abs: float = 1e3  # parameters beyond this mean the rate is far too high

    def __post_init__(self) -> None:
        checks = {"lr": np.isfinite(self.lr) and self.lr > 0, "momentum": 0 <= self.momentum < 1,
                  "weight_decay": np.isfinite(self.weight_decay) and self.weight_decay >= 0,
                  "batch_size": self.batch_size >= 1, "sweeps": self.sweeps >= 1, "n_free": self.n_free >= 1,
                  "T": np.isfinite(self.T) and self.T > 0}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError("invalid settings: " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad))


@dataclass
class BMTrainer:
    """Gradient ascent on mean log p_T(v) of a Boltzmann machine: ``run(Budget)`` -> `Progress`.

    ``history`` holds a record every ``record_every`` updates (and at update 0): the exact
    log-likelihood of all of ``X_train`` and the single-unit samplings spent so far.
    """

    Q: np.ndarray
    n_v: int
    X_train: np.ndarray
    settings: BMSettings = field(default_factory=BMSettings)
    mask: np.ndarray | None = None
    record_every: int = 10

    def __post_init__(self) -> None:
        self.Q = check_qubo(self.Q).copy()
        self.X_train = check_data(self.X_train, self.n_v)
        N = self.Q.shape[0]
        self.mask = connectivity(self.n_v, N - self.n_v) if self.mask is None else np.asarray(self.mask, bool)
        if self.mask.shape != (N, N):
            raise ValueError(f"mask must have shape ({N}, {N}); got {self.mask.shape}")
        self.Q = np.where(self.mask, self.Q, 0.0)
        self.rng = as_rng(self.settings.seed)
        self.dQ = np.zeros_like(self.Q)
        self.step, self.unit_updates, self.seconds_training = 0, 0, 0.0
        self.diverged: str | None = None
        self.last_gradient = np.zeros_like(self.Q)
        self.H_clamped: np.ndarray | None = None  # persistent clamped chains, one per training row
        self.X_free: np.ndarray | None = None
        self.batches = Batches(len(self.X_train), self.settings.batch_size, self.rng, drop_last=True, shuffle_now=True)
        self.history: list[dict] = []
        self.record()

    @property
    def n_h(self) -> int:
        return self.Q.shape[0] - self.n_v

    def _next_rows(self) -> np.ndarray:
        return self.batches.next()

    def gradient(self, rows: np.ndarray) -> np.ndarray:
        """This update's estimate of d mean log p_T / dQ on the batch (exact, or both phases sampled)."""
        s, V = self.settings, self.X_train[rows]
        if s.exact:
            return exact_gradient(self.Q, self.n_v, V, s.T, self.mask)
        if self.H_clamped is None:
            self.H_clamped = (self.rng.random((len(self.X_train), self.n_h)) < 0.5).astype(np.float64)
        persistent = s.persistent and self.X_free is not None
        stats = sampled_statistics(self.Q, self.n_v, V, s.sweeps, s.T,
                                   H_clamped=self.H_clamped[rows] if s.persistent else None,
                                   X_free=self.X_free if persistent else None, n_free=s.n_free, rng=self.rng)
        self.H_clamped[rows] = stats.X_clamped[:, self.n_v:]
        self.X_free = stats.X_free
        self.unit_updates += stats.unit_updates
        return stats.gradient(s.T, self.mask)

    def update(self) -> bool:
        """One step dQ = momentum dQ + lr (gradient - decay Q_couplings); False (and ``diverged``) if refused."""
        s, t0 = self.settings, time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):
            G = self.gradient(self._next_rows())
            decay = s.weight_decay * np.triu(self.Q, 1)
            dQ = s.momentum * self.dQ + s.lr * (G - decay)
            if not healthy([self.Q + dQ], s.max_abs):
                self.dQ[:] = 0
                self.diverged = (f"training diverged at update {self.step + 1} (a parameter would become "
                                 "NaN or huge; lower the learning rate); the last good parameters were kept")
                return False
        self.Q += dQ
        self.dQ, self.last_gradient = dQ, G
        self.step += 1
        self.seconds_training += time.perf_counter() - t0  # the update only, not the records' exact LL
        if self.step % self.record_every == 0:
            self.record()
        return True

    def record(self) -> None:
        """Append the exact log-likelihood now (and the samplings spent) to ``history``."""
        self.history.append({"step": self.step, "ll": log_likelihood(self.Q, self.n_v, self.X_train, 1.0),
                             "unit_updates": self.unit_updates, "seconds": self.seconds_training})

    def run(self, budget: Budget | int) -> Progress:
        """Train one slice (see `pgmviz.training.protocol`); the snapshot is the last record."""
        budget, _ = as_budget(budget)
        done, seconds = 0, 0.0
        if self.diverged is None:
            done, seconds = spend(budget, self.update)
        return Progress(self.step, done, seconds, diverged=self.diverged, snapshot=self.history[-1])
