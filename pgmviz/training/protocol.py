"""One way to train: every trainer in pgmviz answers ``run(budget)`` with a `Progress`.

    progress = trainer.run(Budget(updates=100, seconds=0.2))   # whichever runs out first
    progress.done, progress.step, progress.snapshot             # this slice, in total, what to draw
    trainer.history                                             # the trainer's records so far
    trainer.diverged                                            # None, or why it stopped

A slice is a run of updates (one mini-batch each) bounded by a count, by wall time, or by both;
a slice with any updates left in its budget does at least one, so "Step" always steps however
slow an update is. A trainer whose parameters would become NaN or blow up keeps its last good
parameters and says why in ``diverged``; it trains no further. ``finished`` says a trainer has
nothing left to do (a layer reached its target, a race its end).

The trainers: `pgmviz.training.train.Trainer` (RBM), `pgmviz.training.compare.Race`,
`pgmviz.training.greedy.GreedyTrainer`, `pgmviz.nets.autoencoder_finetune.FineTuner`,
`pgmviz.training.finetune.BackpropTrainer`,
`pgmviz.training.updown.UpDownTrainer`, `pgmviz.models.vae.VAETrainer`. Their older calls (``run(n)`` with a number
of updates or epochs, ``VAETrainer.train``, ``Race.step``) remain, with the same numbers for the same seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Budget:
    """How much one slice may train: at most ``updates`` updates and about ``seconds`` of wall time.

    Either bound may be None (no bound); at least one must be given. The time is checked between
    updates, so a slice ends after the first update that crosses it.
    """

    updates: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.updates is None and self.seconds is None:
            raise ValueError("a budget needs a number of updates, a number of seconds, or both")
        if self.updates is not None and (int(self.updates) != self.updates or self.updates < 0):
            raise ValueError(f"updates must be a whole number >= 0; got {self.updates!r}")
        if self.seconds is not None and not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"seconds must be a finite number > 0; got {self.seconds!r}")

    def capped(self, updates: int | None) -> Budget:
        """The same budget with at most ``updates`` updates (None: unchanged)."""
        if updates is None:
            return self
        cap = max(0, int(updates))
        return Budget(cap if self.updates is None else min(self.updates, cap), self.seconds)


@dataclass
class Progress:
    """What one slice did, and what a page draws after it."""

    step: int  # updates so far, all slices (the trainer's own count)
    done: int  # updates in this slice
    seconds: float  # wall time of this slice
    finished: bool = False  # nothing left to train (the target reached)
    diverged: str | None = None  # why training stopped, if it did; the last good parameters are kept
    snapshot: Any = None  # the trainer's own picture of itself: Snapshot, a history row, ...

    @property
    def stopped(self) -> bool:
        """No more slices will train: finished or diverged."""
        return self.finished or self.diverged is not None


@runtime_checkable
class Trainable(Protocol):
    """The protocol: ``run(budget) -> Progress``, ``history``, ``diverged``."""

    diverged: str | None

    @property
    def history(self) -> Any: ...

    def run(self, budget: Budget) -> Progress: ...


def spend(budget: Budget | None, update: Callable[[], bool], clock: Callable[[], float] = time.perf_counter
          ) -> tuple[int, float]:
    """Call ``update()`` until ``budget`` is spent or it returns False; (updates done, seconds).

    ``update`` returns True when it applied an update and False when it refused one (a step that
    would diverge, a target reached): that call is not counted and the slice ends. With no
    budget (None) only ``update`` ends the slice.
    """
    t0 = clock()
    done = 0
    limit = None if budget is None else budget.updates
    seconds = None if budget is None else budget.seconds
    while limit is None or done < limit:
        if done and seconds is not None and clock() - t0 >= seconds:
            break
        if not update():
            break
        done += 1
    return done, clock() - t0


class Lockstep:
    """Several trainers advanced by the same updates: the first spends its share of the budget's
    time, the others then do as many updates as it did (e.g. a pretrained net and the same net from
    random weights).

    ``history`` is the list of the trainers' histories; ``diverged`` the first one's reason, if
    any stopped (then none trains further, so they stay at the same update).
    """

    def __init__(self, trainers):
        if not trainers:
            raise ValueError("Lockstep needs at least one trainer")
        self.trainers = list(trainers)

    @property
    def history(self) -> list:
        return [t.history for t in self.trainers]

    @property
    def diverged(self) -> str | None:
        return next((t.diverged for t in self.trainers if t.diverged), None)

    def run(self, budget: Budget) -> Progress:
        """The first trainer gets ``budget`` with its seconds shared out, the others its update count."""
        if self.diverged:
            first = self.trainers[0]
            return Progress(first.step, 0, 0.0, diverged=self.diverged, snapshot=first.history[-1])
        share = None if budget.seconds is None else budget.seconds / len(self.trainers)
        lead = self.trainers[0].run(Budget(budget.updates, share))
        seconds, finished = lead.seconds, lead.finished
        for t in self.trainers[1:]:
            p = t.run(Budget(updates=lead.done))
            seconds += p.seconds
            finished = finished and p.finished
        return Progress(lead.step, lead.done, seconds, finished=finished, diverged=self.diverged,
                        snapshot=lead.snapshot)


def updates_left_in_epoch(n_rows: int, batch_size: int, pos: int | None) -> int:
    """Mini-batches to the end of the current epoch: all of them between epochs (``pos`` None)."""
    n_batches = -(-n_rows // batch_size)
    return n_batches if pos is None else n_batches - pos // batch_size


# Weights this large mean the step size is far too big: trained nets here stay below about 100.
MAX_ABS_PARAMETER = 1e4


def healthy(arrays, max_abs: float = MAX_ABS_PARAMETER) -> bool:
    """Every entry finite and at most ``max_abs`` in magnitude (NaN fails the comparison)."""
    return all(a.size == 0 or bool(np.abs(a).max() <= max_abs) for a in arrays)


def as_budget(budget: Budget | int | float) -> tuple[Budget, bool]:
    """(the budget, whether the caller used the older numeric form ``run(n)``)."""
    if isinstance(budget, Budget):
        return budget, False
    return Budget(updates=int(budget)), True
