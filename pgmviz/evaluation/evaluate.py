"""Mean log p(v) = mean(-F(v)) - log Z: evaluating an RBM, with log Z exact or estimated by annealing.

The free energy F(v) of one digit is a sum over the hidden units in closed form, so the only hard
part of a model's log-likelihood is log Z = log sum_{v,h} exp(-E(v, h)): 2**(n_v + n_h) terms,
or 2**min(n_v, n_h) after summing one layer out (`pgmviz.sampling.partition.log_Z_exact`). Beyond about 2**26
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

from pgmviz.models.rbm import RBM, check_visible
from pgmviz.sampling.annealing import effective_sample_size
from pgmviz.sampling.partition import LogZEstimate, ais_log_Z, pa_log_Z

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


# ---------------------------------------------------------------------------- reconstruction vs likelihood
LL_METHODS = ("PA", "AIS")  # the order of preference when both held-out figures exist


@dataclass
class ModelScore:
    """One model's held-out reconstruction error beside its held-out log-likelihood.

    recon_error : mean squared error per pixel of v against p(v | p(h | v)) on held-out digits
    recon_from : "file" (the model's meta, ``metrics.recon_error_test``) or "computed"
    ll : method ("AIS", "PA") -> mean held-out log p(v) in nats, where known
    ll_from : method -> "file" (meta ``ll_test_ais`` / ``ll_test_pa``) or "estimated here"
    """

    name: str
    recon_error: float
    recon_from: str
    ll: dict[str, float] = field(default_factory=dict)
    ll_from: dict[str, str] = field(default_factory=dict)


def _finite(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def model_score(name: str, rbm: RBM, meta: dict | None, X_test: np.ndarray | None,
                log_Z: dict[str, float] | None = None) -> ModelScore:
    """The figures a model file records, and what it lacks computed: recon error from X_test, and
    mean log p(v) = mean(-F(v)) - log Z from an estimate of log Z per method (``log_Z``)."""
    meta = meta if isinstance(meta, dict) else {}
    metrics = meta.get("metrics") if isinstance(meta.get("metrics"), dict) else {}
    recon = _finite(metrics.get("recon_error_test"))
    recon_from = "file"
    if recon is None:
        if X_test is None:
            raise ValueError(f"{name}: no held-out reconstruction error in the file and no held-out digits")
        V = check_visible(X_test, rbm.n_v, np.float64)
        r = rbm.astype(np.float64)
        recon, recon_from = float(((V - r.reconstruct(V)) ** 2).mean()), "computed"
    score = ModelScore(name, recon, recon_from)
    for method, key in (("AIS", "ll_test_ais"), ("PA", "ll_test_pa")):
        v = _finite(meta.get(key))
        if v is not None:
            score.ll[method], score.ll_from[method] = v, "file"
    for method, z in (log_Z or {}).items():
        z = _finite(z)
        if method not in score.ll and z is not None and X_test is not None:
            score.ll[method], score.ll_from[method] = mean_log_likelihood(rbm, X_test, z), "estimated here"
    return score


@dataclass
class ReconVsLikelihood:
    """Which model reconstructs best and which gives held-out digits the most probability.

    method : the log-likelihood compared ("PA" or "AIS"), the same for every model compared
    names : the models compared (those with that figure)
    best_recon, best_ll : their names;  disagree : best_recon != best_ll
    pairs, discordant : model pairs, and pairs the two measures order the opposite way
    """

    method: str
    names: list[str]
    best_recon: str
    best_ll: str
    pairs: int
    discordant: int

    @property
    def disagree(self) -> bool:
        return self.best_recon != self.best_ll


def recon_vs_likelihood(scores: list[ModelScore]) -> ReconVsLikelihood | None:
    """Order the models by reconstruction error (lower is better) and by held-out log p(v) (higher
    is better), on one method that at least two models have (PA first); None if none has two."""
    for method in LL_METHODS:
        have = [s for s in scores if method in s.ll]
        if len(have) >= 2:
            break
    else:
        return None
    best_recon = min(have, key=lambda s: s.recon_error).name
    best_ll = max(have, key=lambda s: s.ll[method]).name
    pairs = discordant = 0
    for i, a in enumerate(have):
        for b in have[i + 1:]:
            pairs += 1
            # a reconstructs better than b, yet b has the higher likelihood (or the other way round)
            discordant += (a.recon_error - b.recon_error) * (a.ll[method] - b.ll[method]) > 0
    return ReconVsLikelihood(method, [s.name for s in have], best_recon, best_ll, pairs, int(discordant))


@dataclass
class CurvesContrast:
    """Reconstruction error and a likelihood measure along one training run's snapshots.

    ll_key : the likelihood used ("ll_test", "ll_train" or "pseudo_ll")
    recon_best_step, ll_best_step : updates at which each was best (lowest error, highest ll)
    intervals : successive snapshot pairs with both figures
    recon_down_ll_down : intervals in which the error fell while the likelihood fell too
    """

    ll_key: str
    recon_best_step: int
    ll_best_step: int
    intervals: int
    recon_down_ll_down: int


def curves_contrast(history: list[dict], ll_keys=("ll_test", "ll_train", "pseudo_ll")) -> CurvesContrast | None:
    """Compare a run's reconstruction-error curve with its first likelihood curve of ``ll_keys``
    that has at least two snapshots; None if there is none."""
    for key in ll_keys:
        pts = [(h["step"], _finite(h.get("recon_error")), _finite(h.get(key))) for h in history]
        pts = [p for p in pts if p[1] is not None and p[2] is not None]
        if len(pts) >= 2:
            break
    else:
        return None
    steps, recon, ll = (np.array(x) for x in zip(*pts))
    d_recon, d_ll = np.diff(recon), np.diff(ll)
    return CurvesContrast(key, int(steps[np.argmin(recon)]), int(steps[np.argmax(ll)]), len(d_recon),
                          int(((d_recon < 0) & (d_ll < 0)).sum()))


@dataclass
class RecordedLogZ:
    """log Z of a model file as its meta records it (``log_Z``: AIS and PA with their settings)."""

    ais: float
    pa: float
    ais_runs: int | None
    ais_temperatures: int | None
    pa_population: int | None
    pa_temperatures: int | None

    @property
    def gap(self) -> float:
        """PA minus AIS, nats: AIS that has not converged falls short (Jensen: E log w <= log Z)."""
        return self.pa - self.ais


def recorded_log_Z(meta: dict | None) -> RecordedLogZ | None:
    """The AIS and PA estimates of log Z a file records, or None if it does not record both."""
    rec = meta.get("log_Z") if isinstance(meta, dict) else None
    if not isinstance(rec, dict):
        return None
    ais, pa = _finite(rec.get("ais")), _finite(rec.get("pa"))
    if ais is None or pa is None:
        return None

    def count(key: str) -> int | None:
        v = _finite(rec.get(key))
        return int(v) if v is not None else None

    return RecordedLogZ(ais, pa, count("ais_n_runs"), count("ais_n_betas"), count("pa_population"), count("pa_n_betas"))
