"""Mean held-out log p(v) = mean -F(v) - log Z, from each log Z there is, and the checks on the estimates.

A log Z interval [low, high] is the interval on every log p(v): an error of d in log Z shifts each
log p(v) by exactly d, so the test figure's interval is [-F - high, -F - low].
"""

from __future__ import annotations

from dataclasses import dataclass

from pgmviz.evaluation.evaluate import METHODS, Estimate, check_request, convergence_sweep

THIN_WEIGHTS = 0.05  # AIS weights worth fewer than this fraction of the runs: a few lucky runs carry it


@dataclass(frozen=True)
class LogZSource:
    """A value of log Z with its interval (low = high for the exact value)."""

    label: str
    log_Z: float
    low: float
    high: float


def log_Z_sources(exact: float | None, runs: list[Estimate]) -> list[LogZSource]:
    """The exact log Z first (if known), then the latest estimate of each method."""
    sources = [] if exact is None else [LogZSource("exact log Z", exact, exact, exact)]
    for method in METHODS:
        latest = next((e for e in reversed(runs) if e.method == method), None)
        if latest is not None:
            sources.append(LogZSource(f"latest {method}", latest.log_Z, latest.low, latest.high))
    return sources


@dataclass(frozen=True)
class HeldOut:
    """Mean log p(v) of the held-out and the training digits with one log Z."""

    source: LogZSource
    neg_F_test: float  # mean -F(v) over the held-out digits
    neg_F_train: float

    @property
    def test(self) -> float:
        return self.neg_F_test - self.source.log_Z

    @property
    def train(self) -> float:
        return self.neg_F_train - self.source.log_Z

    @property
    def exact(self) -> bool:
        return self.source.low == self.source.high

    @property
    def test_interval(self) -> tuple[float, float]:
        """The interval on the test figure: [-F - high, -F - low] (with low = -inf the top is +inf)."""
        return self.neg_F_test - self.source.high, self.neg_F_test - self.source.low


def held_out(neg_F_test: float, neg_F_train: float, sources: list[LogZSource]) -> list[HeldOut]:
    """One `HeldOut` per log Z source, in the sources' order."""
    return [HeldOut(s, neg_F_test, neg_F_train) for s in sources]


def thin_weights(est: Estimate, fraction: float = THIN_WEIGHTS) -> bool:
    """AIS's importance weights are worth fewer than ``fraction`` of its runs (its interval is not to be trusted)."""
    return est.method == "AIS" and est.ess is not None and est.ess < fraction * est.n_runs


def disagree(a: Estimate, b: Estimate) -> bool:
    """The two intervals do not overlap: at least one of the estimates has not converged."""
    return a.high < b.low or b.high < a.low


def check_sweep(rbm, methods: list[str], temperatures: list[int], n_runs: int) -> None:
    """ValueError unless every method's sweep, and the whole sweep as one request, is allowed."""
    if not temperatures or not methods:
        raise ValueError("pick at least one number of temperatures and one method")
    for method in methods:
        check_request(method, n_runs, temperatures, rbm.n_v, rbm.n_h)
    check_request("AIS", n_runs, temperatures * len(methods), rbm.n_v, rbm.n_h)  # the whole sweep


def sweep(rbm, methods: list[str], temperatures: list[int], n_runs: int, seed: int, base, progress, cancel,
          on_point) -> bool:
    """``convergence_sweep`` for each method in turn (AIS from ``base``), ``progress`` once over all of them."""
    per_method = sum(temperatures)
    total = float(per_method * len(methods))
    for i, method in enumerate(methods):
        done = i * per_method
        convergence_sweep(rbm, method, temperatures, n_runs, seed, base if method == "AIS" else None,
                          lambda f, d=done: progress((d + f * per_method) / total), cancel, on_point=on_point)
    return True
