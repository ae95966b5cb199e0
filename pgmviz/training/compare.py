"""Samplers compared: several trainers race from the same start, differing only in the negative phase.

Every learning rule here has the same form, <v h^T>_data - <v h^T>_samples, the likelihood
gradient with the model's expectation replaced by an average over samples; they differ only in
where the samples come from (`pgmviz.training.negative`). Samples of the model itself (PCD, annealing,
tempering) make it a noisy estimate of the gradient; CD-k's samples start at the data, and its
expected update is a different vector field (`pgmviz.training.gradients`), which a race on a small model
records beside the exact gradient. A `Race` makes the negative phase the only difference: one
`RBM.random` initialisation copied into every trainer, the same data, the same
mini-batch order (its own random stream, so a sampler that draws more random numbers does not
reshuffle the batches), the same optimiser settings. ``race.step(n)`` advances every method by n
updates and records, per method, the exact log-likelihood (small models), the seconds each update
cost, and the sampler's own diagnostics (ESS for population annealing, swap rates for parallel
tempering).

The contestants and a race's settings, with the presets where the difference shows, are
`pgmviz.training.race_settings`; what a race shows at its last record, `pgmviz.training.race_readout`.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from pgmviz.models.rbm import RBM
from pgmviz.training import gradients
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import Budget, Progress
from pgmviz.training.race_settings import Method, RaceSettings
from pgmviz.training.train import Trainer

COST_WINDOW = 200  # chunks in the running median of the cost per update
BATCH_SEED_OFFSET = 1_000_003  # the batch order's stream: derived from the race seed, apart from the samplers'
GRADIENT_CHAINS = 1000  # chains per data row in the estimate of CD-k's expected update (seeds agree to ~0.05)
GRADIENT_EVERY = 500  # updates between those estimates (each costs about 0.1 s on bars 4x4)
GRADIENT_SEED_OFFSET = 2_000_003  # their random stream: apart from the training's, so recording changes nothing


class RaceTrainer(Trainer):
    """A Trainer whose mini-batch order has its own random stream.

    The plain Trainer draws batch shuffles and sampler noise from one generator, so a sampler that
    uses more random numbers would see different batches after the first epoch; in a race the
    batches must be the same for everyone.
    """

    def __post_init__(self) -> None:
        super().__post_init__()  # (its batches drew one shuffle from the sampler's stream, as they always did)
        self.batches = Batches(self.X_train.shape[0], self.settings.batch_size,
                               np.random.default_rng(self.settings.seed + BATCH_SEED_OFFSET), drop_last=True,
                               shuffle_now=True)


@dataclass
class Lane:
    """One method's trainer and its recorded curves (lists of equal length, one entry per record)."""

    method: Method
    trainer: RaceTrainer
    curves: dict[str, list[float]] = field(default_factory=dict)
    swap_rates: np.ndarray | None = None  # PT: acceptance per neighbouring temperature pair
    error: str | None = None  # a metric that could not be computed (the lane stops)
    chunk_seconds: deque = field(default_factory=lambda: deque(maxlen=COST_WINDOW))  # per update, per chunk
    gradient_curves: dict[str, list[float]] = field(default_factory=dict)  # CD lanes: see Race

    @property
    def key(self) -> str:
        return self.method.key

    @property
    def stopped(self) -> str | None:
        """Why this method no longer trains (diverged, or its metrics failed); None while it trains."""
        return self.trainer.diverged or self.error

    def last(self, name: str, default: float = float("nan")) -> float:
        values = self.curves.get(name)
        return values[-1] if values else default

    @property
    def seconds_per_update(self) -> float:
        """Wall time of one update (training only, no metrics): the median over recent chunks.

        The median, not the mean, because on a shared machine a burst of load can stall any
        chunk for a while; the chunks of different methods alternate, so bursts hit all alike.
        """
        if self.chunk_seconds:
            return float(np.median(self.chunk_seconds))
        t = self.trainer
        return t.seconds_training / t.step if t.step > 0 else float("nan")


class Race:
    """Several trainers, one per method, from the same initial RBM on the same data and batches.

    ``mass_rows``: when the data are a whole distribution (bars and stripes), its distinct patterns;
    each record then also holds the model's total probability on them, sum_v p(v) ("p_data").

    ``compare_gradient``: every GRADIENT_EVERY updates a CD lane also records, in its
    ``gradient_curves``, the exact likelihood gradient's norm ("grad_norm"), the norm of CD-k's
    expected update ("cd_norm") and their cosine ("cd_cos"), from `pgmviz.training.gradients` on the whole
    training set (small models only).
    """

    def __init__(self, settings: RaceSettings, X_train: np.ndarray, X_test: np.ndarray | None = None,
                 chunk: int = 5, mass_rows: np.ndarray | None = None, compare_gradient: bool = False,
                 record_every: int | None = None, max_updates: int | None = None):
        self.settings = settings
        # run(budget) records at every multiple of record_every updates (and at a slice's end), so
        # the curves have the same resolution however fast the machine is; it stops at max_updates.
        self.record_every = None if record_every is None else max(1, int(record_every))
        self.max_updates = max_updates
        self.compare_gradient = bool(compare_gradient)
        self._gradient_rng = np.random.default_rng(settings.seed + GRADIENT_SEED_OFFSET)
        self.chunk = max(1, int(chunk))
        n_v = X_train.shape[1]
        self.rbm0 = RBM.random(n_v, settings.n_hidden, seed=settings.seed, data=X_train, sigma=settings.init_sigma)
        self.mass_rows = None if mass_rows is None else np.unique(np.asarray(mass_rows, dtype=np.float64), axis=0)
        self.lanes: dict[str, Lane] = {}
        for m in settings.methods:
            trainer = RaceTrainer(self.rbm0.copy(), X_train, X_test, settings.train_settings(m.sampler),
                                  negative_phase=m.negative_phase())
            self.lanes[m.key] = Lane(m, trainer)
        self.record()

    @property
    def step_count(self) -> int:
        """Updates done by the methods still training (all equal unless some stopped)."""
        live = [lane.trainer.step for lane in self.lanes.values() if lane.stopped is None]
        return max(live or [lane.trainer.step for lane in self.lanes.values()])

    @property
    def all_stopped(self) -> bool:
        return all(lane.stopped is not None for lane in self.lanes.values())

    @property
    def exact(self) -> bool:
        """Whether the exact log-likelihood is recorded (min(n_v, n_h) small enough to enumerate)."""
        return any(lane.curves.get("ll_train") for lane in self.lanes.values())

    def step(self, n_updates: int) -> None:
        """Advance every method to ``n_updates`` updates beyond the furthest one, then record metrics.

        Methods take turns in chunks of a few updates, so a burst of load on a shared machine
        slows them all alike and the cost ratios stay fair. A method left behind (a step that was
        cut short) catches up first, so records always compare the methods at the same update.
        """
        self._advance(n_updates)
        self.record()

    def _advance(self, n_updates: int) -> None:
        live = [lane for lane in self.lanes.values() if lane.stopped is None]
        target = max((lane.trainer.step for lane in live), default=0) + int(n_updates)
        while True:
            behind = [lane for lane in live if lane.stopped is None and lane.trainer.step < target]
            if not behind:
                break
            for lane in behind:
                t0, step0 = time.perf_counter(), lane.trainer.step
                lane.trainer.run(min(self.chunk, target - lane.trainer.step), with_metrics=False)
                if lane.trainer.step > step0:
                    lane.chunk_seconds.append((time.perf_counter() - t0) / (lane.trainer.step - step0))

    def run(self, budget: Budget) -> Progress:
        """The protocol (`pgmviz.training.protocol`): race within ``budget`` (updates per method, seconds).

        Records at every multiple of ``record_every`` (each call's end without it) and at the
        slice's end; finished when every method stopped or ``max_updates`` is reached.
        """
        step0, t0 = self.step_count, time.perf_counter()
        if self.max_updates is not None:
            budget = budget.capped(self.max_updates - step0)
        every = self.record_every or budget.updates or 100
        recorded = True

        def chunk() -> int:
            """Updates up to the next record, within the updates left and (by the last cost) the time left."""
            n = every - self.step_count % every
            if budget.updates is not None:
                n = min(n, step0 + budget.updates - self.step_count)
            if budget.seconds is not None:
                per = sum(lane.seconds_per_update for lane in self.lanes.values() if lane.stopped is None)
                left = budget.seconds - (time.perf_counter() - t0)
                # No cost measured yet: one small chunk, to measure it.
                n = min(n, max(1, int(left / per)) if np.isfinite(per) and per > 0 else self.chunk)
            return n

        while not self.all_stopped:
            if budget.updates is not None and self.step_count - step0 >= budget.updates:
                break
            if budget.seconds is not None and self.step_count > step0 and time.perf_counter() - t0 >= budget.seconds:
                break
            self._advance(chunk())
            recorded = self.step_count % every == 0
            if recorded:
                self.record()
        if not recorded:
            self.record()
        finished = self.all_stopped or (self.max_updates is not None and self.step_count >= self.max_updates)
        return Progress(self.step_count, self.step_count - step0, time.perf_counter() - t0, finished=finished,
                        diverged=self.diverged)

    @property
    def diverged(self) -> str | None:
        """Why the race stopped when every method has (each lane's reason is its ``stopped``)."""
        if not self.all_stopped:
            return None
        return "every method stopped: " + "; ".join(f"{key}: {lane.stopped}" for key, lane in self.lanes.items())

    @property
    def history(self) -> dict[str, dict[str, list[float]]]:
        """Each method's recorded curves, by its key."""
        return {key: lane.curves for key, lane in self.lanes.items()}

    def record(self) -> None:
        """Append every method's current metrics to its curves."""
        for lane in self.lanes.values():
            if lane.error is not None:
                continue
            t = lane.trainer
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    metrics = t.evaluate()
                    if self.mass_rows is not None and "log_Z" in metrics:
                        F = t.rbm.astype(np.float64).free_energy(self.mass_rows)
                        metrics["p_data"] = float(np.exp(-F - metrics["log_Z"]).sum())

            except (ValueError, FloatingPointError, OverflowError) as e:
                lane.error = f"its metrics could not be computed at update {t.step} ({e}); it stopped"
                continue
            metrics["step"] = float(t.step)
            metrics["seconds_per_update"] = lane.seconds_per_update
            self._record_gradient(lane)
            # Build the new curves aside and swap them in at once, so a reader never sees one
            # metric a record longer than another.
            curves = {name: list(values) for name, values in lane.curves.items()}
            for name, value in metrics.items():
                curves.setdefault(name, []).append(float(value))
            lane.curves = curves
            if lane.method.sampler == "pt":
                lane.swap_rates = t.negative_phase.swap_rates().copy()

    def _record_gradient(self, lane: Lane) -> None:
        """CD-k's expected update beside the exact gradient, at every GRADIENT_EVERY-th update."""
        t = lane.trainer
        done = lane.gradient_curves.get("step", [])
        if (not self.compare_gradient or lane.method.sampler != "cd" or t.step % GRADIENT_EVERY
                or (done and done[-1] == t.step)):
            return
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                values = cd_versus_gradient(t.rbm, t.X_train, lane.method.k, self._gradient_rng)
        except ValueError:  # a model too big to enumerate: no comparison, the race goes on
            self.compare_gradient = False
            return
        curves = {name: list(v) for name, v in lane.gradient_curves.items()}
        for name, value in {"step": float(t.step), **values}.items():
            curves.setdefault(name, []).append(float(value))
        lane.gradient_curves = curves

    def relative_cost(self) -> dict[str, float]:
        """Seconds per update of each method divided by CD-1's (NaN without a CD-1 lane)."""
        ref = next((lane.seconds_per_update for lane in self.lanes.values()
                    if lane.method.sampler == "cd" and lane.method.k == 1), float("nan"))
        return {key: lane.seconds_per_update / ref for key, lane in self.lanes.items()}

    def particles(self, key: str, n: int | None = None) -> np.ndarray | None:
        """A method's fantasy particles (the first n); for CD its last negative samples."""
        V = self.lanes[key].trainer.negative_phase.particles
        if V is None:
            return None
        return V[:n] if n is not None else V


def cd_versus_gradient(rbm: RBM, X: np.ndarray, k: int, rng: np.random.Generator,
                       n_chains: int = GRADIENT_CHAINS) -> dict[str, float]:
    """cos(E[CD-k update], exact gradient) and both norms, over the whole training set X."""
    g = gradients.exact_gradient(rbm, X)
    est = gradients.cd_expected_update(rbm, X, k=k, n_chains=n_chains, rng=rng)
    return {"grad_norm": g.norm, "cd_norm": est.norm, "cd_cos": est.cosine_with(g)}
