"""Step 3 of the 2006 recipe: fine-tune an unrolled `pgmviz.nets.autoencoder.Autoencoder` with Adam.

Backprop of the cross-entropy L = -sum_i [x_i log o_i + (1 - x_i) log(1 - o_i)] per image, in
slices (`pgmviz.training.protocol`), the epochs from `pgmviz.training.batches.Batches`; `history_row`
is one epoch's line of the lesson's table (training loss, held-out squared error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from pgmviz.nets.optim import Adam
from pgmviz.nets.pca import squared_error
from pgmviz.rng import as_rng
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import MAX_ABS_PARAMETER, Budget, Progress, healthy, spend

if TYPE_CHECKING:
    from pgmviz.nets.autoencoder import Autoencoder


@dataclass
class FinetuneSettings:
    lr: float = 3e-3  # Adam step size
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int = 50  # more, smaller steps: 4,000 images give 80 updates per epoch


@dataclass
class FineTuner:
    """Adam on the cross-entropy, in slices (`pgmviz.training.protocol`): ``run(Budget(...))`` or
    ``run(n_epochs)``; each continues where the last call stopped, mid-epoch included.

    ``history`` holds the training loss per completed epoch (the mean over its mini-batches);
    with ``X_test``, ``rows`` holds a `history_row` per completed epoch (its held-out error
    measured at the epoch's end). ``max_epochs``: `run` with a `Budget` trains no further and
    reports ``finished`` (None: no end).
    """

    net: Autoencoder
    X: np.ndarray
    settings: FinetuneSettings = field(default_factory=FinetuneSettings)
    rng: int | np.random.Generator | None = 0
    X_test: np.ndarray | None = None
    max_epochs: int | None = None

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=self.net.Ws[0].dtype)
        self.rng = as_rng(self.rng)
        s = self.settings
        self.opt = Adam(self.net.Ws + self.net.bs, lr=s.lr, beta1=s.beta1, beta2=s.beta2, eps=s.eps)
        # every row once per epoch (the last batch short), each epoch shuffled when it starts
        self.batches = Batches(len(self.X), s.batch_size, self.rng)
        self.step = 0  # mini-batch updates so far
        self.seconds = 0.0
        self.diverged: str | None = None
        self.history: list[float] = []  # training loss per epoch (mean over its mini-batches)
        self.rows: list[dict] = []  # with X_test: history_row per epoch
        self._total, self._count = 0.0, 0  # this epoch's summed loss and rows

    @property
    def epoch(self) -> int:
        """Epochs completed."""
        return self.batches.epoch

    @property
    def updates_left_in_epoch(self) -> int:
        """Mini-batch updates to the end of the current epoch (a whole epoch between epochs)."""
        return self.batches.updates_left

    def _update(self) -> bool:
        """One Adam step on the next mini-batch; an epoch ends with its mean loss in ``history``."""
        if not self.batches.in_epoch:
            if self.max_epochs is not None and self.epoch >= self.max_epochs:
                return False  # the target reached: nothing more to do
            self._total, self._count = 0.0, 0
        batch = self.X[self.batches.next()]
        loss, gW, gb = self.net.gradients(batch)
        self.opt.step(self.net.Ws + self.net.bs, gW + gb)  # the same arrays, updated in place
        self._total += loss * len(batch)
        self._count += len(batch)
        self.step += 1
        if not self.batches.in_epoch:  # that batch ended the epoch
            self.history.append(self._total / self._count)
            if self.X_test is not None:
                self.rows.append(history_row(self.net, self.X_test, self.epoch, self.history[-1]))
        return True

    def run(self, budget: Budget | int = 1) -> Progress | float:
        """A `Budget` of mini-batch updates (returns a `Progress`; its snapshot is the last epoch's
        loss), or ``run(n_epochs)``: n more epochs, returning the last epoch's loss.

        Parameters that turn NaN, infinite or huge (a wild learning rate) are put back as they
        were before the slice, and ``diverged`` says so; nothing trains after that.
        """
        if self.diverged is not None:
            return Progress(self.step, 0, 0.0, diverged=self.diverged, snapshot=self.last_loss) \
                if isinstance(budget, Budget) else self.last_loss
        backup = [a.copy() for a in self.net.Ws + self.net.bs]
        if isinstance(budget, Budget):
            with np.errstate(over="ignore", invalid="ignore"):
                done, seconds = spend(budget, self._update)
        else:
            target = self.epoch + int(budget)
            done, seconds = spend(None, lambda: self.epoch < target and self._update())
        self.seconds += seconds
        if not healthy(self.net.Ws + self.net.bs):
            for a, old in zip(self.net.Ws + self.net.bs, backup):
                a[...] = old
            self.diverged = (f"fine-tuning diverged (parameters NaN, infinite or beyond {MAX_ABS_PARAMETER:g} by "
                             f"update {self.step}; lower the learning rate); the last good parameters were kept")
        if isinstance(budget, Budget):
            return Progress(self.step, done, seconds, finished=self.finished, diverged=self.diverged,
                            snapshot=self.last_loss)
        return self.last_loss

    @property
    def finished(self) -> bool:
        """``max_epochs`` epochs done."""
        return self.max_epochs is not None and self.epoch >= self.max_epochs

    @property
    def last_loss(self) -> float:
        """The training loss of the last completed epoch (NaN before the first)."""
        return self.history[-1] if self.history else float("nan")



def history_row(net: Autoencoder, X_test: np.ndarray, epoch: int, loss: float) -> dict:
    """One fine-tuning epoch: the training cross-entropy given, the held-out squared error per image measured."""
    return {"epoch": epoch, "train cross-entropy": float(loss),
            "held-out squared error": squared_error(X_test, net.reconstruct(X_test))}
