"""Why restricted: a full Boltzmann machine and an RBM with the same units, trained side by side.

Both start from the same RBM parameters (the full machine's lateral couplings at zero), see the
same data with the same rate and momentum, and are judged by the same exact log-likelihood. The
full machine learns by `pgmviz.training.bm_learning.BMTrainer` (both phases sampled unit by unit);
the RBM by `pgmviz.training.train.Trainer` (clamped phase exact, free phase block Gibbs). A third run,
the same full machine from the same start on the exact gradient (enumeration), shows what sampling
costs it.

Cost of one update, counted (the page also shows measured time, never a test):

    full BM : sampled units = sweeps (batch n_h + n_free (n_v + n_h));  sequential steps = sweeps (n_v + n_h)
    RBM     : sampled units = k rows (n_v + n_h) (rows = the batch for CD, the chains for PCD);  steps = 2k
    exact   : nothing sampled; all 2^N joint states visited

A "sequential step" is one draw that must wait for the one before: a BM unit needs its neighbours'
new states, while an RBM samples a whole layer at once. Each sampled unit sums its inputs:
N - 1 multiply-adds in the full BM, n_h or n_v in the RBM.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from pgmviz.models.boltzmann import qubo_from_rbm
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_likelihood_exact
from pgmviz.training.bm_learning import BMSettings, BMTrainer, check_data, connectivity
from pgmviz.training.protocol import Budget, Progress, as_budget, spend
from pgmviz.training.train import Trainer, TrainSettings

RBM_SAMPLERS = {"pcd": "PCD-k (persistent chains, like the BM's free phase)", "cd": "CD-k (chains from the data)"}


@dataclass(frozen=True)
class DuelSettings:
    n_hidden: int = 4
    lr: float = 0.1
    momentum: float = 0.5
    sweeps: int = 5  # BM: Gibbs sweeps per phase; RBM: k of its CD-k / PCD-k
    n_free: int = 50  # BM free chains; RBM persistent chains
    persistent: bool = True  # BM chains continue across updates
    connectivity: str = "full"  # the BM's graph, a key of bm_learning.CONNECTIVITY
    rbm_sampler: str = "pcd"
    T: float = 1.0  # the BM's sampling temperature in both phases
    init_sigma: float = 0.1  # initial weights ~ N(0, sigma^2), biases at the data's log-odds
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.n_hidden <= 7:
            raise ValueError(f"hidden units must be 1 to 7 (exact enumeration); got {self.n_hidden}")
        if self.rbm_sampler not in RBM_SAMPLERS:
            raise ValueError(f"unknown RBM sampler {self.rbm_sampler!r}; choose one of {sorted(RBM_SAMPLERS)}")
        if not (np.isfinite(self.init_sigma) and self.init_sigma >= 0):
            raise ValueError(f"init_sigma must be a finite number >= 0; got {self.init_sigma!r}")


@dataclass(frozen=True)
class UpdateCost:
    """What one update samples, counted from the settings."""

    sampled_units: int  # single-unit states drawn
    sequential_steps: int  # draws that must wait for the previous one
    multiply_adds: int  # inputs summed by those draws (and, for the RBM, its exact clamped phase)


def bm_cost(n_v: int, n_h: int, batch: int, n_free: int, sweeps: int) -> UpdateCost:
    """Cost of one full-BM update: both phases swept unit by unit."""
    N = n_v + n_h
    units = sweeps * (batch * n_h + n_free * N)
    return UpdateCost(units, sweeps * N, units * (N - 1))


def exact_cost(N: int) -> UpdateCost:
    """Cost of one exact-gradient update: nothing sampled, but every one of the 2^N joint states visited:
    its energy (N(N+1)/2 multiply-adds) and its share of both phases' x x^T (N^2 each)."""
    return UpdateCost(0, 0, 2**N * (N * (N + 1) // 2 + 2 * N * N))


def rbm_cost(n_v: int, n_h: int, batch: int, sampler: str, k: int, n_chains: int) -> UpdateCost:
    """Cost of one RBM update: p(h|v) of the batch exactly, then k block-Gibbs steps of the chains."""
    rows = batch if sampler == "cd" else n_chains
    units = k * rows * (n_v + n_h)
    # each of the k steps: v from h (n_h inputs each), h from v (n_v inputs each); plus p(h|v) of the data
    return UpdateCost(units, 2 * k, k * rows * 2 * n_v * n_h + batch * n_v * n_h)


class Duel:
    """The full BM (sampled, and with ``with_exact`` also on the exact gradient) and the RBM advanced by the
    same updates; a record every ``record_every`` and at a slice's end."""

    def __init__(self, settings: DuelSettings, X: np.ndarray, record_every: int = 10, max_updates: int = 20_000,
                 with_exact: bool = True):
        s = self.settings = settings
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        self.X = X = check_data(X, X.shape[1])
        n_v, n_h = X.shape[1], s.n_hidden
        rbm0 = RBM.random(n_v, n_h, seed=s.seed, data=X, sigma=s.init_sigma, dtype=np.float64)
        bm_settings = BMSettings(lr=s.lr, momentum=s.momentum, batch_size=len(X), sweeps=s.sweeps, n_free=s.n_free,
                                 T=s.T, persistent=s.persistent, seed=s.seed)
        mask = connectivity(n_v, n_h, s.connectivity)
        self.bm = BMTrainer(qubo_from_rbm(rbm0), n_v, X, bm_settings, mask=mask, record_every=record_every)
        # The same machine and start learning by the exact gradient: what sampling costs the full machine.
        self.exact = (BMTrainer(qubo_from_rbm(rbm0), n_v, X, replace(bm_settings, exact=True), mask=mask,
                                record_every=record_every) if with_exact else None)
        self.rbm = Trainer(rbm0.copy(), X, settings=TrainSettings(
            lr=s.lr, momentum=s.momentum, weight_decay=0.0, batch_size=len(X), sampler=s.rbm_sampler,
            k=s.sweeps, n_chains=s.n_free, seed=s.seed))
        self.record_every, self.max_updates = int(record_every), int(max_updates)
        self.step, self.seconds = 0, {"bm": 0.0, "exact": 0.0, "rbm": 0.0}
        self.history: list[dict] = []
        self._record()

    @property
    def diverged(self) -> str | None:
        for name, t in (("the full Boltzmann machine", self.bm), ("the full machine on the exact gradient", self.exact),
                        ("the RBM", self.rbm)):
            if t is not None and t.diverged:
                return f"{name}: {t.diverged}"
        return None

    @property
    def costs(self) -> dict[str, UpdateCost]:
        s, (n, n_v) = self.settings, self.X.shape
        costs = {"bm": bm_cost(n_v, s.n_hidden, n, s.n_free, s.sweeps),
                 "rbm": rbm_cost(n_v, s.n_hidden, n, s.rbm_sampler, s.sweeps, s.n_free)}
        if self.exact is not None:
            costs["exact"] = exact_cost(n_v + s.n_hidden)
        return costs

    def ms_per_update(self, which: str) -> float:
        """Measured wall time per update (shown, never asserted: it depends on the machine and its load)."""
        return 1e3 * self.seconds[which] / self.step if self.step else float("nan")

    def _update(self) -> bool:
        """One update of each machine; the first refusal ends the slice (the others keep their update)."""
        if self.step >= self.max_updates:
            return False
        steps = [("bm", self.bm.update), ("rbm", lambda: self.rbm.run(Budget(updates=1), with_metrics=False).done)]
        if self.exact is not None:
            steps.insert(1, ("exact", self.exact.update))
        for name, update in steps:
            t0 = time.perf_counter()
            ok = update()
            self.seconds[name] += time.perf_counter() - t0
            if not ok:
                return False
        self.step += 1
        if self.step % self.record_every == 0:
            self._record()
        return True

    def _record(self) -> None:
        row = {"step": self.step}
        for name, t in (("bm", self.bm), ("exact", self.exact)):
            if t is None:
                continue
            if t.history[-1]["step"] != t.step:
                t.record()
            row[f"ll_{name}"], row[f"seconds_{name}"] = t.history[-1]["ll"], self.seconds[name]
        row["ll_rbm"], row["seconds_rbm"] = log_likelihood_exact(self.rbm.rbm, self.X), self.seconds["rbm"]
        self.history.append(row)

    def run(self, budget: Budget | int) -> Progress:
        """Train all for one slice (`pgmviz.training.protocol`); the snapshot is the last record."""
        budget, _ = as_budget(budget)
        done, seconds = 0, 0.0
        if self.diverged is None:
            done, seconds = spend(budget, self._update)
            if self.history[-1]["step"] != self.step:
                self._record()  # the slice's end, so what a page shows is the machines' state now
        return Progress(self.step, done, seconds, finished=self.step >= self.max_updates,
                        diverged=self.diverged, snapshot=self.history[-1])

    def curves(self) -> dict[str, list[float]]:
        return {k: [r[k] for r in self.history] for k in self.history[0]}


def updates_to_reach(steps: list[int], ll: list[float], level: float) -> int | None:
    """The first recorded update at which the log-likelihood reached ``level`` (None: not yet)."""
    return next((s for s, v in zip(steps, ll) if v >= level), None)
