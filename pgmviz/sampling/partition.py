"""The partition function Z = sum_{v,h} exp(-E(v, h)) and the exact log-likelihood it buys.

Summing over the larger layer is done in closed form (it is the free energy), so only the smaller
layer is enumerated: 2**min(n_v, n_h) states. By the symmetry of the bipartite graph,

    log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W[i, :].h) ]     (enumerate h)
          = logsumexp_v [ b.v + sum_j softplus(c_j + v.W[:, j]) ]     (enumerate v)

Feasible up to about 24 units on the smaller side. Bigger models need estimates: annealed
importance sampling (`ais_log_Z`) and population annealing (`pa_log_Z`), both built on
`pgmviz.sampling.annealing`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pgmviz.models.rbm import RBM, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling import annealing, kernels
from pgmviz.special import softplus

MAX_EXACT_UNITS = 26  # 2**26 states: minutes; beyond that refuse rather than hang a page


def exact_feasible(rbm: RBM, max_units: int = 20) -> bool:
    """Whether exact enumeration is cheap enough to run interactively (default: <= 2**20 states)."""
    return min(rbm.n_v, rbm.n_h) <= max_units


def all_states(n: int) -> np.ndarray:
    """All 2**n binary vectors as rows (float64); row i holds the bits of i, unit 0 most significant."""
    if not 0 <= n <= MAX_EXACT_UNITS:
        raise ValueError(f"cannot enumerate 2**{n} states (at most 2**{MAX_EXACT_UNITS})")
    idx = np.arange(2**n)[:, None]
    return ((idx >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def log_Z_exact(rbm: RBM) -> float:
    """log Z by enumerating the smaller layer, in float64 (exact up to rounding).

    Uses the Gray-code kernel with multiplicative exp tracking; for weights so large that
    activations could move by hundreds within one block it falls back to evaluating softplus
    directly (slower, equally exact).
    """
    W, b, c = (np.asarray(x, dtype=np.float64) for x in (rbm.W, rbm.b, rbm.c))
    if not (np.isfinite(W).all() and np.isfinite(b).all() and np.isfinite(c).all()):
        raise ValueError("the model has NaN or infinite parameters; log Z is undefined")
    # Enumerate the smaller layer: its weights become the rows of Wt.
    if rbm.n_h <= rbm.n_v:
        Wt, outer_bias, inner_bias = W.T, b, c
    else:
        Wt, outer_bias, inner_bias = W, c, b
    n_enum = Wt.shape[0]
    if n_enum > MAX_EXACT_UNITS:
        raise ValueError(
            f"exact log Z needs 2**{n_enum} terms (smaller layer has {n_enum} units; at most "
            f"{MAX_EXACT_UNITS}): use an estimate such as AIS instead"
        )
    Wt = np.ascontiguousarray(Wt)
    inner_bits = min(n_enum, kernels.INNER_BITS)
    block_range = np.abs(Wt[:inner_bits]).sum(axis=0).max(initial=0.0)
    n_other = Wt.shape[1]
    if block_range < kernels.SAFE_BLOCK_RANGE and np.abs(Wt).max(initial=0.0) < kernels.EXP_CLIP and n_other < 1000:
        return float(kernels.log_Z_gray(Wt, outer_bias, inner_bias, inner_bits))
    return float(kernels.log_Z_softplus(Wt, outer_bias, inner_bias, inner_bits))


def log_likelihood_exact(rbm: RBM, V: np.ndarray, log_Z: float | None = None) -> float:
    """Mean log p(v) = mean(-F(v)) - log Z over the rows of V, in nats."""
    V = check_visible(V, rbm.n_v, np.float64)
    if log_Z is None:
        log_Z = log_Z_exact(rbm)
    return float(-rbm.astype(np.float64).free_energy(V).mean() - log_Z)


def log_p_v_all(rbm: RBM) -> np.ndarray:
    """log p(v) for every v in {0,1}^n_v (n_v small), rows ordered as in `all_states`."""
    V = all_states(rbm.n_v)
    return -rbm.astype(np.float64).free_energy(V) - log_Z_exact(rbm)


# ---------------------------------------------------------------------------- estimates of log Z
@dataclass
class LogZEstimate:
    """An estimate of log Z with an interval, and the raw material it came from."""

    log_Z: float
    low: float  # log(mean w - 3 s.e.) + log Z_A  (-inf when the interval reaches 0)
    high: float  # log(mean w + 3 s.e.) + log Z_A
    method: str
    log_w: np.ndarray | None = None  # AIS: the runs' log importance weights
    n_betas: int = 0
    seconds: float = 0.0


def _interval(log_w: np.ndarray, log_Z_A: float) -> tuple[float, float, float]:
    m = log_w.max()
    w = np.exp(log_w - m)
    mean, se = w.mean(), w.std(ddof=1) / np.sqrt(len(w)) if len(w) > 1 else 0.0
    low = m + np.log(mean - 3 * se) if mean > 3 * se else -np.inf
    return log_Z_A + m + np.log(mean), log_Z_A + low, log_Z_A + m + np.log(mean + 3 * se)


def ais_log_Z(rbm: RBM, n_runs: int = 100, n_betas: int = 10_000, seed=0, base: np.ndarray | None = None,
              progress=None, cancel=None) -> LogZEstimate:
    """AIS estimate of log Z (Salakhutdinov & Murray 2008): log Z_A + log mean(w) over ``n_runs`` runs.

    ``base``: training data whose pixel log-odds give the base model's visible biases (uniform
    base without it). log Z_A = sum_i softplus(b_A_i) + n_h log 2. The interval is
    log(mean w +- 3 standard errors), which is reliable only when the weights are not dominated
    by a few runs (compare estimates as the number of temperatures grows).
    """
    if n_runs < 2 or n_betas < 2:
        raise ValueError(f"AIS needs at least 2 runs and 2 temperatures; got {n_runs}, {n_betas}")
    if not rbm.is_finite():
        raise ValueError("the model has NaN or infinite parameters; log Z is undefined")
    t0 = time.perf_counter()
    b_A = annealing.base_rate_biases(base, rbm.n_v)
    log_Z_A = float(softplus(b_A).sum() + rbm.n_h * np.log(2))
    log_w = annealing.ais(rbm, n_runs, np.linspace(0.0, 1.0, n_betas), as_rng(seed), b_A, progress, cancel)
    est, low, high = _interval(log_w, log_Z_A)
    return LogZEstimate(est, low, high, "AIS", log_w, n_betas, time.perf_counter() - t0)


def pa_log_Z(rbm: RBM, population: int = 1000, n_betas: int = 1000, seed=0, k: int = 1,
             progress=None, cancel=None) -> LogZEstimate:
    """Population-annealing estimate of log Z: log Z_0 + sum over steps of log(weighted mean incremental weight).

    The population anneals from beta = 0 (uniform, log Z_0 = (n_v + n_h) log 2) to 1, resampled
    when its ESS falls below half. The interval is +-3 delta-method standard errors, summed over
    the steps as if they were independent. ``progress`` and ``cancel`` work as in `ais_log_Z`.
    """
    if population < 2 or n_betas < 2:
        raise ValueError(f"PA needs a population of at least 2 and 2 temperatures; got {population}, {n_betas}")
    if not rbm.is_finite():
        raise ValueError("the model has NaN or infinite parameters; log Z is undefined")
    t0 = time.perf_counter()
    _, _, log_ratio, var, _ = annealing.anneal_population(
        rbm, population, np.linspace(0.0, 1.0, n_betas), as_rng(seed), k=k, progress=progress, cancel=cancel)
    est = (rbm.n_v + rbm.n_h) * np.log(2) + log_ratio
    sd = float(np.sqrt(var))
    return LogZEstimate(float(est), float(est - 3 * sd), float(est + 3 * sd), "PA", None, n_betas,
                        time.perf_counter() - t0)
