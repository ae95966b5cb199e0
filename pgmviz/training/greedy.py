"""Greedy layer-wise learning of a DBN: train RBM 1 on v, then RBM l+1 on RBM l's p(h | v) (Hinton et al. 2006).

Train rbms[0] on the data; then treat its hidden activities p(h_1 | v) for the training set
(probabilities, or samples drawn from them) as data for rbms[1], whose job is to model that
*aggregated posterior*; and so on up. Each layer is a `pgmviz.training.train.Trainer`. Why it helps:
it raises a variational bound on log p(v) (`pgmviz.evaluation.dbn_bound`).

Labels: ``GreedyTrainer(..., labels=y_train, n_labels=10)`` appends one-hot labels to the data of the
top layer only (`GreedyTrainer.layer_data`), which is then a `pgmviz.models.labels.LabelRBM`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.special import one_hot
from pgmviz.training.protocol import Budget
from pgmviz.training.protocol import Progress as TrainProgress
from pgmviz.training.train import Snapshot, Trainer, TrainSettings

PROPAGATE = ("probabilities", "samples")  # what a layer hands up as data for the next one


def hidden_data(rbm: RBM, X: np.ndarray, propagate: str = "probabilities",
                rng: int | np.random.Generator | None = None) -> np.ndarray:
    """The data the next RBM learns: p(h | v) of each row of X, or one binary sample of it.

    The rows together are (samples of) the aggregated posterior sum_v p_data(v) p(h | v).
    """
    if propagate not in PROPAGATE:
        raise ValueError(f"propagate must be one of {PROPAGATE}; got {propagate!r}")
    P = rbm.p_h_given_v(X)
    return P if propagate == "probabilities" else bernoulli(P, as_rng(rng))


Progress = Callable[[int, Snapshot], None]  # (layer index, snapshot after a slice)


@dataclass
class GreedyTrainer:
    """Greedy layer-wise training of a DBN with sizes ``[n_v, n_h1, ..., n_hL]``.

    Layer l is a `pgmviz.training.train.Trainer`; once it is frozen (`next_layer`), its hidden
    activities for the training data (`hidden_data`) become the training data of layer l+1.

    Parameters
    ----------
    sizes : list of int
        Units per layer, data first.
    X_train : ndarray of shape (n, n_v)
    settings : TrainSettings or list of them (one per RBM)
    propagate : "probabilities" or "samples"
        What each layer hands up: p(h | v) itself, or one binary sample per training vector
        (drawn once, when the layer below is frozen).
    init : list of RBM or None per layer, optional
        Starting parameters for a layer (e.g. the transpose of the one below); default
        `RBM.random` with the practical guide's visible biases from that layer's data.
    """

    sizes: list[int]
    X_train: np.ndarray
    settings: TrainSettings | list[TrainSettings] = field(default_factory=TrainSettings)
    propagate: str = "probabilities"
    init: list[RBM | None] | None = None
    X_test: np.ndarray | None = None
    labels: np.ndarray | None = None  # (n,) classes of X_train: the top RBM then also models them
    n_labels: int = 10
    labels_test: np.ndarray | None = None  # classes of X_test (for the top layer's held-out metrics)
    # Where run(Budget) stops each layer (None: never); a layer whose settings have a falling rate
    # (TrainSettings.lr_floor) lets it fall over these updates.
    updates_per_layer: int | list[int] | None = None

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"a DBN needs at least two layers of at least one unit; got sizes {self.sizes}")
        if self.propagate not in PROPAGATE:
            raise ValueError(f"propagate must be one of {PROPAGATE}; got {self.propagate!r}")
        n_rbms = len(self.sizes) - 1
        if isinstance(self.settings, TrainSettings):
            self.settings = [self.settings] * n_rbms
        if len(self.settings) != n_rbms:
            raise ValueError(f"need one TrainSettings per RBM ({n_rbms}); got {len(self.settings)}")
        self.X_train = check_visible(self.X_train, self.sizes[0], np.float32)
        if self.labels is not None:
            self.labels = np.asarray(self.labels).astype(np.int64).ravel()
            if self.labels.shape != (self.X_train.shape[0],):
                raise ValueError(f"need one label per training row ({self.X_train.shape[0]}); "
                                 f"got {self.labels.shape[0]}")
            one_hot(self.labels, self.n_labels)  # validates the range
        self.frozen: list[RBM] = []  # trained layers, bottom first
        self.data: list[np.ndarray] = [self.X_train]  # data[l] = what layer l trains on
        self.test_data: list[np.ndarray | None] = [self.X_test]
        self.seconds: list[float] = []  # training time per frozen layer
        self.trainer: Trainer | None = None
        self._start_layer()

    # ------------------------------------------------------------------ state
    @property
    def layer(self) -> int:
        """Index of the RBM being trained (= number of frozen ones)."""
        return len(self.frozen)

    @property
    def done(self) -> bool:
        return self.trainer is None

    def _labelled(self, l: int) -> bool:
        return self.labels is not None and l == len(self.sizes) - 2

    def layer_data(self, l: int) -> np.ndarray:
        """The training data of RBM l: the data for l = 0, else the hidden activities of RBM l-1;
        for the top RBM of a labelled stack, with the one-hot labels appended: rows [h, e_y]."""
        if self._labelled(l):
            return np.hstack([self.data[l], one_hot(self.labels, self.n_labels, np.float32)])
        return self.data[l]

    def _layer_test_data(self, l: int) -> np.ndarray | None:
        X = self.test_data[l]
        if X is None or not self._labelled(l):
            return X
        if self.labels_test is None:
            return None
        return np.hstack([X, one_hot(self.labels_test, self.n_labels, np.float32)])

    def dbn(self, include_current: bool = True) -> DBN:
        """The DBN of the frozen layers, plus (a copy of) the one in training."""
        rbms = [r.copy() for r in self.frozen]
        if include_current and self.trainer is not None:
            rbms.append(self.trainer.rbm.copy())
        return DBN(rbms)

    # ------------------------------------------------------------------ training
    def _start_layer(self) -> None:
        l = self.layer
        s = self.settings[l]
        X = self.layer_data(l)
        n_in = X.shape[1]
        given = self.init[l] if self.init is not None and l < len(self.init) else None
        if given is not None:
            if given.W.shape != (n_in, self.sizes[l + 1]):
                raise ValueError(f"init[{l}] has W {given.W.shape}; layer {l} needs "
                                 f"{(n_in, self.sizes[l + 1])}")
            rbm = given.copy()
        else:
            rbm = RBM.random(n_in, self.sizes[l + 1], seed=s.seed + 1000 * l, data=X)
        if self._labelled(l):
            rbm = LabelRBM.from_rbm(rbm, self.n_labels)
        self.trainer = Trainer(rbm, X, self._layer_test_data(l), settings=s)

    def run(self, budget: Budget | int, with_metrics: bool = True, progress: Progress | None = None
            ) -> TrainProgress | Snapshot:
        """Train the current layer: ``run(n)`` for n updates, returning its `Snapshot`
        (``progress(layer, snapshot)`` after), or a `Budget` (`pgmviz.training.protocol`) capped at the
        layer's ``updates_per_layer``, returning a `Progress` that is ``finished`` once the layer
        has them (the caller then freezes it with `next_layer`)."""
        if self.trainer is None:
            if isinstance(budget, Budget):
                return TrainProgress(0, 0, 0.0, finished=True)
            raise RuntimeError("every layer is trained")
        target = self.layer_target()
        if target is not None:  # a falling rate (TrainSettings.lr_floor) falls over the layer's updates
            self.trainer.planned_updates = target
        if isinstance(budget, Budget):
            out = self.trainer.run(budget.capped(None if target is None else target - self.trainer.step),
                                   with_metrics=with_metrics)
            out.finished = target is not None and self.trainer.step >= target
            if progress is not None:
                progress(self.layer, out.snapshot)
            return out
        snap = self.trainer.run(int(budget), with_metrics=with_metrics)
        if progress is not None:
            progress(self.layer, snap)
        return snap

    def layer_target(self) -> int | None:
        """The updates the current layer trains for (``updates_per_layer``), None if not set."""
        if self.updates_per_layer is None or self.trainer is None:
            return None
        todo = self.updates_per_layer
        return int(todo) if isinstance(todo, int) else int(todo[self.layer])

    @property
    def diverged(self) -> str | None:
        """Why the layer in training stopped, if it did (`pgmviz.training.train.Trainer.diverged`)."""
        return None if self.trainer is None else self.trainer.diverged

    @property
    def history(self) -> list[dict[str, float]]:
        """The metrics recorded for the layer in training (empty once every layer is trained)."""
        return [] if self.trainer is None else self.trainer.history

    def next_layer(self) -> None:
        """Freeze the current RBM and hand its hidden activities up as the next RBM's data."""
        if self.trainer is None:
            raise RuntimeError("every layer is trained")
        l, rbm = self.layer, self.trainer.rbm
        self.frozen.append(rbm)
        self.seconds.append(self.trainer.seconds_training)
        self.trainer = None
        if self.layer < len(self.sizes) - 1:
            rng = as_rng(self.settings[l].seed + 7919 * (l + 1))
            self.data.append(hidden_data(rbm, self.data[l], self.propagate, rng).astype(np.float32))
            X_test = self.test_data[l]
            self.test_data.append(None if X_test is None
                                  else hidden_data(rbm, X_test, self.propagate, rng).astype(np.float32))
            self._start_layer()

    def train_all(self, updates_per_layer: int | list[int], slice_updates: int = 50,
                  progress: Progress | None = None) -> DBN:
        """Train every remaining layer in turn (``slice_updates`` per progress report); return the DBN."""
        n_rbms = len(self.sizes) - 1
        todo = [updates_per_layer] * n_rbms if isinstance(updates_per_layer, int) else list(updates_per_layer)
        while self.trainer is not None:
            self.trainer.planned_updates = todo[self.layer]
            left = todo[self.layer] - self.trainer.step
            while left > 0:
                self.run(min(slice_updates, left), with_metrics=progress is not None, progress=progress)
                left = todo[self.layer] - self.trainer.step
                if self.trainer.diverged:
                    break
            self.next_layer()
        return self.dbn()

