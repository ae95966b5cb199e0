"""Shuffled mini-batch epochs: each epoch a fresh permutation of range(n), cut into batches in that order.

The one copy of the bookkeeping every mini-batch trainer here needs: the epoch's shuffle, the
position in it, the epochs done and the updates left in the epoch (what a page caps a slice at).

Two ways to end an epoch, both as the trainers always did them (so the random streams, and the
bundled models trained with them, are unchanged):

    drop_last=False   the last batch is short (n - k * batch_size rows): every row once per epoch
                      (back-propagation, up-down, the CRF)
    drop_last=True    batches are always full; the rows left over go unused that epoch
                      (the Boltzmann-machine trainers: a CD or PCD estimate per full batch)

A new epoch's permutation is drawn from ``rng`` when its first batch is asked for, so draws the
trainer makes from the same generator between epochs keep their place in the stream;
``shuffle_now=True`` draws the first one at construction instead (the RBM-family trainers did).
"""

from __future__ import annotations

import copy

import numpy as np

from pgmviz.training.protocol import updates_left_in_epoch


class Batches:
    """Index batches of shuffled epochs over n rows: ``idx = batches.next()``; ``epoch`` counts full epochs.

    Parameters
    ----------
    n : int, at least 1
        Rows in the training set.
    batch_size : int, at least 1
        Rows per batch (at most n: a larger request is one batch of every row).
    rng : numpy Generator
        The stream the permutations come from; only ``rng.permutation(n)`` is called, once per epoch.
    drop_last : bool
        True: only full batches (the remainder of each epoch unused); False: the last batch is short.
    shuffle_now : bool
        Draw the first epoch's permutation now rather than at the first `next`.
    """

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator, drop_last: bool = False,
                 shuffle_now: bool = False) -> None:
        if int(n) < 1 or int(batch_size) < 1:
            raise ValueError(f"need at least one row and a batch of at least one; got n={n}, batch_size={batch_size}")
        self.n = int(n)
        self.batch_size = min(int(batch_size), self.n)
        self.rng = rng
        self.drop_last = bool(drop_last)
        self.epoch = 0  # epochs completed
        self.order: np.ndarray | None = None  # this epoch's permutation; None between epochs
        self.pos = 0  # rows of ``order`` used so far
        self._ended = False  # the last batch drawn ended its epoch
        if shuffle_now:
            self._shuffle()

    def _shuffle(self) -> None:
        self.order, self.pos = self.rng.permutation(self.n), 0

    @property
    def in_epoch(self) -> bool:
        """True once an epoch's first batch is drawn (or shuffled for) and until its last is."""
        return self.order is not None

    @property
    def per_epoch(self) -> int:
        """Batches in one epoch: ceil(n / batch_size), or floor with ``drop_last``."""
        return self.n // self.batch_size if self.drop_last else updates_left_in_epoch(self.n, self.batch_size, None)

    @property
    def updates_left(self) -> int:
        """Batches to the end of the current epoch: a whole epoch between epochs."""
        return self.per_epoch if self.order is None else self.per_epoch - self.pos // self.batch_size

    def next(self) -> np.ndarray:
        """The row indices of the next batch; the epoch ends with the batch that reaches its end."""
        if self.order is None:
            self._shuffle()
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        self._ended = self.pos + (self.batch_size if self.drop_last else 0) > self.n or self.pos == self.n
        if self._ended:
            self.epoch += 1
            self.order = None
        return idx

    def undo_epoch(self) -> None:
        """Give up the epoch in progress, or the one the last batch just ended (then no longer counted):
        the next batch starts a fresh shuffle. For a trainer that puts its model back when an epoch failed."""
        if self.order is None and self._ended:
            self.epoch -= 1
        self.order, self.pos, self._ended = None, 0, False

    def copy(self) -> "Batches":
        """The position (epoch, order, pos) to roll back to; the generator is shared, not copied, so
        a rollback keeps the draws already made, as the trainers' own rollbacks did."""
        return copy.copy(self)
