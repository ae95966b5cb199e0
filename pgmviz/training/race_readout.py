"""What a samplers' race shows: each lane's standing, the best possible, one row per method, collapses.

Read-only views of a ``pgmviz.training.compare.Race``; the Samplers lesson words them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.training.compare import Lane, Race

COLLAPSE_NATS = 5.0  # a method whose log-likelihood ends this far below its start has collapsed
STALLED = 0.1  # CD's expected update shorter than this fraction of the gradient: it has all but stopped


@dataclass(frozen=True)
class Standing:
    """One lane's exact log-likelihood now, its best so far and when, and how far it has fallen."""

    key: str
    now: float
    best: float
    best_step: int
    step: int

    @property
    def fallen(self) -> float:
        return self.best - self.now


def standings(race: Race) -> list[Standing]:
    """Every lane's `Standing` (exact log-likelihood only; empty without it)."""
    out = []
    for key, lane in race.lanes.items():
        ll = lane.curves.get("ll_train")
        if not ll:
            continue
        i = int(np.nanargmax(ll)) if np.isfinite(ll).any() else 0
        out.append(Standing(key, float(ll[-1]), float(ll[i]), int(lane.curves["step"][i]),
                            int(lane.curves["step"][-1])))
    return out


def best_log_likelihood(dataset_key: str, n_patterns: int) -> float | None:
    """The optimum mean log p(v) when the data are the whole, uniform distribution (bars and stripes)."""
    return -float(np.log(n_patterns)) if dataset_key.startswith("bars") else None


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None or not np.isfinite(x) else format(x, spec)


@dataclass(frozen=True)
class LaneRow:
    """One method at the race's last record."""

    key: str
    updates: int
    ll_now: float  # exact mean log p(v) of the training data, or the pseudo-log-likelihood
    ll_best: float
    p_data: float | None  # total probability of the training patterns (exact runs on bars and stripes)
    ms_per_update: float | None
    x_cd1: float | None  # seconds per update / CD-1's
    sampler: str  # ESS and resamplings, swap rates, or the method's settings


def lane_rows(race: Race) -> list[LaneRow]:
    """`LaneRow` of every lane, likelihoods rounded to 3 decimals as the table shows them."""
    rel = race.relative_cost()
    rows = []
    for key, lane in race.lanes.items():
        ll = lane.curves.get("ll_train") or lane.curves.get("pseudo_ll")
        if lane.method.sampler == "pa":
            detail = f"ESS {_fmt(lane.last('ess'))}, {int(lane.last('resamples', 0))} resamplings"
        elif lane.method.sampler == "pt":
            detail = f"swap rate {_fmt(lane.last('swap_rate'))} (worst pair {_fmt(lane.last('swap_rate_min'))})"
        else:
            detail = lane.method.detail
        rows.append(LaneRow(
            key=key, updates=lane.trainer.step, ll_now=round(ll[-1], 3), ll_best=round(max(ll), 3),
            p_data=round(lane.last("p_data"), 3) if "p_data" in lane.curves else None,
            ms_per_update=round(lane.seconds_per_update * 1e3, 3) if lane.trainer.step else None,
            x_cd1=round(rel[key], 2) if np.isfinite(rel[key]) else None, sampler=detail))
    return rows


def collapsed(lane: Lane, nats: float = COLLAPSE_NATS) -> bool:
    """The exact log-likelihood fell more than ``nats`` below its starting value."""
    ll = lane.curves.get("ll_train")
    return bool(ll) and ll[-1] < ll[0] - nats


@dataclass(frozen=True)
class GradientReading:
    """The last comparison of a CD lane's expected update with the exact likelihood gradient."""

    key: str
    step: int
    cos: float
    cd_norm: float
    grad_norm: float

    @property
    def stalled(self) -> bool:
        """CD's update is under STALLED of the gradient's length (it settles where the gradient does not vanish)."""
        return bool(np.isfinite(self.cd_norm) and np.isfinite(self.grad_norm)
                    and self.cd_norm < STALLED * self.grad_norm)

    @property
    def angle_degrees(self) -> float:
        return float(np.degrees(np.arccos(np.clip(self.cos, -1, 1))))


def gradient_reading(race: Race) -> GradientReading | None:
    """The first CD lane's latest gradient comparison; None before any."""
    lane = next((lane for lane in race.lanes.values() if lane.gradient_curves.get("step")), None)
    if lane is None:
        return None
    g = lane.gradient_curves
    return GradientReading(lane.key, int(g["step"][-1]), g["cd_cos"][-1], g["cd_norm"][-1], g["grad_norm"][-1])
