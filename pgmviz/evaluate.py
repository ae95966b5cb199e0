"""Mean log p(v) = mean(-F(v)) - log Z: evaluating an RBM, with log Z exact or estimated by annealing.

The free energy F(v) of one digit is a sum over the hidden units in closed form, so the only hard
part of a model's log-likelihood is log Z = log sum_{v,h} exp(-E(v, h)): 2**(n_v + n_h) terms,
or 2**min(n_v, n_h) after summing one layer out (`pgmviz.partition.log_Z_exact`). Beyond about 2**26
it has to be estimated, by annealing from a distribution whose Z is known (`ais_log_Z`,
`pa_log_Z`). This module wraps those estimators for a page: it refuses requests too big to run
interactively, runs them with one BLAS thread, lets a caller stop them, and runs a convergence
sweep over growing numbers of temperatures.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from pgmviz.annealing import effective_sample_size
from pgmviz.partition import LogZEstimate, ais_log_Z, pa_log_Z
from pgmviz.rbm import RBM, check_visible

METHODS = ("AIS", "PA")
MAX_TEMPERATURES = 100_000  # per estimate
MAX_RUNS = 5_000  # AIS runs or PA population
# runs x temperatures of one request (a sweep counts all of its points): 2 * 10**6 is about 3-4 min
# of AIS and 8-10 min of PA on a 784x500 model on a busy 2-core machine (enough for AIS to catch up on
# the PCD model at 10,000 temperatures); anything bigger would hang a page for too long.
MAX_WORK = 2_000_000
SWEEP_TEMPERATURES = (100, 300, 1000, 3000)  # the default convergence sweep
LOG2 = math.log(2.0)

# Rough seconds per (run x temperature) = A + B * n_v * n_h, fitted to AIS and PA on 784x20 and
# 784x500 with one BLAS thread on a loaded 2-core machine (a guide for the page, not a promise).
_COST = {"AIS": (15e-6, 2.4e-10), "PA": (27e-6, 6.5e-10)}


def check_request(method: str, n_runs: int, temperatures, n_v: int = 0, n_h: int = 0) -> None:
    """Raise ValueError, with a message a student can act on, if an estimate is malformed or too big.

    ``temperatures``: one number of temperatures, or the list of a convergence sweep.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    runs_name = "runs" if method == "AIS" else "particles"
    temps = [int(t) for t in np.atleast_1d(temperatures)]
    if not temps:
        raise ValueError("give at least one number of temperatures")
    if not 2 <= int(n_runs) <= MAX_RUNS:
        raise ValueError(f"{method} needs between 2 and {MAX_RUNS:,} {runs_name}; got {int(n_runs):,}")
    for t in temps:
        if t < 2:
            raise ValueError(f"{method} needs at least 2 temperatures (the start and the model); got {t:,}")
        if t > MAX_TEMPERATURES:
            raise ValueError(
                f"{t:,} temperatures is more than this page runs (at most {MAX_TEMPERATURES:,}); "
                f"the estimate stops improving long before that: try 1,000 to 10,000")
    work = int(n_runs) * sum(temps)
    if work > MAX_WORK:
        what = f"{int(n_runs):,} {runs_name} x {sum(temps):,} temperatures"
        secs = estimated_seconds(method, int(n_runs), sum(temps), n_v, n_h) if n_v and n_h else None
        eta = f" (about {secs / 60:.0f} min here)" if secs else ""
        raise ValueError(
            f"{what} = {work:,} annealing steps is too much to run interactively{eta}; "
            f"the limit is {MAX_WORK:,}: use fewer {runs_name} or fewer temperatures")


def estimated_seconds(method: str, n_runs: int, n_temperatures: int, n_v: int, n_h: int) -> float:
    """A rough guide to how long an estimate takes on this kind of machine."""
    a, b = _COST[method]
    return n_runs * n_temperatures * (a + b * n_v * n_h)


@dataclass
class Estimate:
    """One finished estimate of log Z, as the page keeps and shows it (plain data, no arrays but log_w)."""

    method: str  # "AIS" or "PA"
    n_runs: int  # AIS runs, or the PA population
    n_betas: int  # temperatures, from 0 (or the base model) to 1 (the RBM)
    seed: int
    log_Z: float
    low: float  # the interval: AIS +-3 s.e. of mean w (low may be -inf), PA +-3 s.d.
    high: float
    seconds: float
    ess: float | None = None  # AIS: effective number of runs among the importance weights
    log_w: np.ndarray | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        runs = "runs" if self.method == "AIS" else "particles"
        return f"{self.method}, {self.n_runs:,} {runs} x {self.n_betas:,} temperatures (seed {self.seed})"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("log_w")
        return d


def _from_library(method: str, n_runs: int, seed: int, est: LogZEstimate) -> Estimate:
    ess = effective_sample_size(est.log_w) if est.log_w is not None else None
    return Estimate(method, int(n_runs), int(est.n_betas), int(seed), float(est.log_Z), float(est.low),
                    float(est.high), float(est.seconds), ess, est.log_w)


def estimate_log_Z(rbm: RBM, method: str, n_runs: int = 100, n_betas: int = 1000, seed: int = 0,
                   base: np.ndarray | None = None, progress: Callable[[float], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> Estimate:
    """log Z by AIS (``n_runs`` independent runs) or PA (a population of ``n_runs`` particles).

    ``base``: training data; AIS then starts from the base-rate model (pixel log-odds), PA always
    starts from the uniform distribution (beta = 0). ``progress(fraction)`` is called as the
    annealing goes; ``cancel()`` returning True stops it by raising InterruptedError.
    """
    check_request(method, n_runs, n_betas, rbm.n_v, rbm.n_h)
    if method == "AIS":
        est = ais_log_Z(rbm, n_runs=int(n_runs), n_betas=int(n_betas), seed=seed, base=base,
                        progress=progress, cancel=cancel)
    else:
        est = pa_log_Z(rbm, population=int(n_runs), n_betas=int(n_betas), seed=seed,
                       progress=progress, cancel=cancel)
    return _from_library(method, n_runs, seed, est)


def convergence_sweep(rbm: RBM, method: str, temperatures=SWEEP_TEMPERATURES, n_runs: int = 100,
                      seed: int = 0, base: np.ndarray | None = None, progress=None, cancel=None,
                      on_point: Callable[[Estimate], None] | None = None) -> list[Estimate]:
    """One estimate per number of temperatures (seeds seed, seed+1, ...: independent points).

    ``progress(fraction)`` runs over the whole sweep, weighted by each point's temperatures;
    ``on_point(estimate)`` is called as each point finishes, so a stopped sweep keeps its points.
    """
    temps = [int(t) for t in temperatures]
    check_request(method, n_runs, temps, rbm.n_v, rbm.n_h)
    total, done, out = float(sum(temps)), 0, []
    for i, t in enumerate(temps):
        def part(fraction: float, done=done, t=t) -> None:
            if progress is not None:
                progress((done + fraction * t) / total)

        est = estimate_log_Z(rbm, method, n_runs, t, seed + i, base, part, cancel)
        out.append(est)
        done += t
        if progress is not None:  # the estimators report every ~1%, not necessarily at the end
            progress(done / total)
        if on_point is not None:
            on_point(est)
    return out


def mean_log_likelihood(rbm: RBM, V: np.ndarray, log_Z: float) -> float:
    """Mean log p(v) = mean(-F(v)) - log Z over the rows of V, in nats (float64, as the library)."""
    return mean_neg_free_energy(rbm, V) - float(log_Z)


def mean_neg_free_energy(rbm: RBM, V: np.ndarray) -> float:
    """mean(-F(v)) over the rows of V: the part of the log-likelihood that needs no Z."""
    V = check_visible(V, rbm.n_v, np.float64)
    return float(-rbm.astype(np.float64).free_energy(V).mean())


def nats_to_bits(nats: float) -> float:
    """log2 p = ln p / ln 2."""
    return nats / LOG2


def uniform_log_likelihood(n_v: int) -> float:
    """log p(v) of every v under the uniform distribution on {0,1}^n_v: -n_v log 2 nats."""
    return -n_v * LOG2


def model_fingerprint(rbm: RBM) -> str:
    """A short hash of the parameters, so results are kept per model (and a retrained model is new)."""
    h = hashlib.sha1()
    for x in (rbm.W, rbm.b, rbm.c):
        a = np.ascontiguousarray(x)
        h.update(str(a.shape).encode() + str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:12]
