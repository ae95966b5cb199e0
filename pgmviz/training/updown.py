"""Up-down fine-tuning of a DBN with label units: contrastive wake-sleep (Hinton, Osindero & Teh 2006).

After greedy training the weights of each directed layer do two jobs: W_l recognises (up, with
c_l) and generates (down, with b_l). Up-down first unties them (`pgmviz.models.dbn.DBN.untie`) into
recognition weights R_l = W_l and generative weights G_l, then repeats, per mini-batch (v, y):

    up (wake)     h_1 ~ sigmoid(c_0 + v R_0), ..., h_{L-1} ~ sigmoid(c_{L-2} + h_{L-2} R_{L-2})
                  G_l, b_l  += lr <(h_l - p_l) h_{l+1}^T>,   p_l = sigmoid(b_l + G_l h_{l+1})
    top           CD-k in the top RBM, started from [h_{L-1}, y]; the label group as one softmax
    down (sleep)  from the top RBM's negative states: s_{L-1} -> s_{L-2} ~ sigmoid(b + G s_{L-1}) -> ... -> s_0
                  R_l, c_l  += lr <s_l (s_{l+1} - q_{l+1})^T>,   q_{l+1} = sigmoid(c_l + s_l R_l)

Each update is the delta rule: the wake phase makes the generative weights reproduce the states
the recognition weights produced from data (the gradient of log p(h_l | h_{l+1}) at those
states); the sleep phase makes the recognition weights recover the states the generative model
dreamt. Starting the top-level chain from the up-pass (rather than from the model's equilibrium,
as plain wake-sleep's sleep phase would) is what makes it "contrastive", like CD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.special import one_hot, sigmoid
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import Budget, spend
from pgmviz.training.protocol import Progress as TrainProgress


@dataclass
class UpDownSettings:
    """Settings of the up-down algorithm (one learning rate for every weight, plain SGD)."""

    lr: float = 0.01
    k: int = 3  # CD-k steps in the top RBM (the paper raised it from 3 to 6 to 10 as it went on)
    batch_size: int = 100
    weight_decay: float = 1e-5  # L2 on every weight matrix
    seed: int = 0
    max_abs_weight: float = 1e3  # as in `pgmviz.training.train.TrainSettings`: beyond this the step was far too big
    # 0: the paper's contrastive top phase, CD-k from the wake states. n > 0: n persistent chains in the
    # top RBM (PCD), so the sleep phase dreams from the model's own fantasies; a top RBM trained by PCD
    # keeps its modes clean instead of relearning CD's spurious ones.
    n_persistent: int = 0
    discriminative: float = 0.0  # + this x the exact gradient of log p(y | x) at the top (hybrid training)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.lr) and self.lr >= 0):
            raise ValueError(f"lr must be a finite number >= 0; got {self.lr}")
        if self.k < 1:
            raise ValueError(f"k must be >= 1; got {self.k}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {self.batch_size}")
        if not (np.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0; got {self.weight_decay}")
        if self.n_persistent < 0:
            raise ValueError(f"n_persistent must be >= 0; got {self.n_persistent}")
        if not (np.isfinite(self.discriminative) and self.discriminative >= 0):
            raise ValueError(f"discriminative must be >= 0; got {self.discriminative}")


def _check_net(net: DBN) -> LabelRBM:
    if net.tied:
        raise ValueError("up-down changes recognition and generative weights separately: pass net.untie()")
    if not net.n_labels:
        raise ValueError("up-down as done here needs a DBN with label units in its top RBM")
    return net.rbms[-1]


def up_down_step(net: DBN, V: np.ndarray, Y: np.ndarray, settings: UpDownSettings,
                 rng: np.random.Generator, chains: np.ndarray | None = None) -> dict[str, float]:
    """One up-down update of the untied ``net`` in place on the batch V (n, n_v), Y (n, K) one-hot.

    ``chains`` ((m, n_{L-1} + K), with ``settings.n_persistent``): the top RBM's persistent visible
    states, advanced k steps in place; they replace CD-k's negative states and the sleep phase's start.
    Returns diagnostics of the batch: the wake phase's error at predicting the data from h_1 (mean
    squared difference between v and p(v | h_1)) and the sleep phase's at predicting h_1 from the
    dreamt data.
    """
    top = _check_net(net)
    K, L, n = net.n_labels, net.n_layers, V.shape[0]
    lr, k, wd = settings.lr / n, settings.k, settings.weight_decay * settings.lr
    dtype = top.dtype

    # wake: a stochastic up-pass with the recognition weights (the data layer stays as given)
    S = [V.astype(dtype, copy=False)]
    for l in range(L - 1):
        R, c = net.recognition(l)
        S.append(bernoulli(sigmoid(S[-1] @ R + c), rng))
    X_pos = np.hstack([S[-1], Y.astype(dtype, copy=False)])
    P_pos = top.p_h_given_v(X_pos)

    if chains is None:
        # top: CD-k from the wake states; labels as probabilities, penultimate units as samples
        H = bernoulli(P_pos, rng)
        for step in range(k):
            P_v = top.p_v_given_h(H)
            X_neg = np.hstack([bernoulli(P_v[:, :-K], rng), P_v[:, -K:]])
            P_neg = top.p_h_given_v(X_neg)
            if step < k - 1:
                H = bernoulli(P_neg, rng)
    else:
        # top: k steps of the persistent chains (labels drawn as one softmax, so the chains stay valid)
        X_neg = chains
        for _ in range(k):
            X_neg = top.sample_v(top.sample_h(X_neg, rng), rng)
        chains[:] = X_neg
        P_neg = top.p_h_given_v(X_neg)

    # sleep: a stochastic down-pass from the top RBM's negative penultimate states
    D = [X_neg[:, :-K]]
    for l in range(L - 2, -1, -1):
        G, b = net.generative(l)
        P = sigmoid(D[-1] @ G.T + b)
        D.append(bernoulli(P, rng) if l > 0 else P)  # the dreamt data as probabilities, as in the paper
    D = D[::-1]  # D[l]: the sleep state of layer l

    # every prediction from the current parameters before any of them changes
    wake_err = sleep_err = 0.0
    updates = []
    for l in range(L - 1):
        G, b = net.generative(l)
        E = S[l] - sigmoid(S[l + 1] @ G.T + b)  # wake: data-driven states vs their top-down prediction
        R, c = net.recognition(l)
        Q = D[l + 1] - sigmoid(D[l] @ R + c)  # sleep: dreamt states vs their bottom-up prediction
        if l == 0:
            wake_err, sleep_err = float((E**2).mean()), float((Q**2).mean())
        updates.append((E.T @ S[l + 1], E.sum(axis=0), D[l].T @ Q, Q.sum(axis=0)))

    m = X_neg.shape[0]  # negative states: n (CD) or the persistent chains
    top_update = [X_pos.T @ P_pos - (n / m) * (X_neg.T @ P_neg), X_pos.sum(axis=0) - (n / m) * X_neg.sum(axis=0),
                  P_pos.sum(axis=0) - (n / m) * P_neg.sum(axis=0)]
    if settings.discriminative:
        d = settings.discriminative * n  # the exact gradient is a mean over the batch; these are sums
        for u, g in zip(top_update, top.log_p_y_given_x_gradient(X_pos)):
            u += d * g
    top.W += lr * top_update[0] - wd * top.W
    top.b += lr * top_update[1]
    top.c += lr * top_update[2]
    for l, (dG, db, dR, dc) in enumerate(updates):
        G, b = net.generative(l)
        G += lr * dG - wd * G
        b += lr * db
        R, c = net.recognition(l)
        R += lr * dR - wd * R
        c += lr * dc
    return {"wake_error": wake_err, "sleep_error": sleep_err}


def error_rate(net: DBN, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose most probable label p(y | v) (free energy, `DBN.classify`) is wrong."""
    return float((net.classify(X).argmax(axis=1) != np.asarray(y)).mean())


Progress = Callable[[float], None]  # fraction of the requested epochs done


@dataclass
class UpDownTrainer:
    """Up-down fine-tuning epoch by epoch, on an untied copy of ``net``; a history row per epoch.

    Row 0 is the net before any update, so a chart of the history starts at the greedy net.
    """

    net: DBN
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    settings: UpDownSettings = field(default_factory=UpDownSettings)
    max_epochs: int | None = None  # run(Budget) trains no further and reports finished (None: no end)

    def __post_init__(self) -> None:
        self.net = self.net.untie() if self.net.tied else self.net.copy()
        top = _check_net(self.net)
        n_v = self.net.sizes[0]
        self.X_train = check_visible(self.X_train, n_v, top.dtype)
        self.y_train = np.asarray(self.y_train).astype(np.int64).ravel()
        if self.y_train.shape != (len(self.X_train),):
            raise ValueError(f"need one label per training row ({len(self.X_train)}); got {self.y_train.shape[0]}")
        self.Y_train = one_hot(self.y_train, self.net.n_labels, top.dtype)  # validates the range
        if self.X_test is not None:
            self.X_test = check_visible(self.X_test, n_v, top.dtype)
            self.y_test = np.asarray(self.y_test).astype(np.int64).ravel()
        self.rng = as_rng(self.settings.seed)
        self.batches = Batches(len(self.X_train), self.settings.batch_size, self.rng)
        self.step = 0  # mini-batch updates so far
        self.seconds = 0.0
        self.diverged: str | None = None
        self.chains: np.ndarray | None = None  # the top RBM's persistent chains (settings.n_persistent)
        self.history: list[dict[str, float]] = [self._row({"wake_error": np.nan, "sleep_error": np.nan})]

    def _row(self, stats: dict[str, float]) -> dict[str, float]:
        row = {"epoch": self.epoch, "train error": error_rate(self.net, self.X_train, self.y_train), **stats}
        if self.X_test is not None:
            row["held-out error"] = error_rate(self.net, self.X_test, self.y_test)
        return row

    @property
    def epoch(self) -> int:
        """Epochs completed and kept (an epoch undone by `_undo_epoch` does not count)."""
        return self.batches.epoch

    @property
    def updates_left_in_epoch(self) -> int:
        """Mini-batch updates to the end of the current epoch (a whole epoch between epochs)."""
        return self.batches.updates_left

    def _update(self) -> bool:
        """One up-down step on the next mini-batch; an epoch that ends healthy adds a history row.

        The net is copied at the start of each epoch; an epoch that leaves a parameter non-finite
        or beyond ``max_abs_weight`` (a wild learning rate) is undone and ``diverged`` set.
        """
        n = len(self.X_train)
        if not self.batches.in_epoch and self.max_epochs is not None and self.epoch >= self.max_epochs:
            return False  # the target reached: nothing more to do
        if not self.batches.in_epoch:  # a new epoch: a backup (its shuffle comes with its first batch)
            self._backup = self.net.copy()  # once per epoch: cheap beside 40 updates
            self._wake, self._sleep = [], []
        idx = self.batches.next()
        m = self.settings.n_persistent
        if m and self.chains is None:  # start the fantasies at training digits passed up, with their labels
            start = self.rng.integers(0, n, size=m)
            X = self.net.up_pass(self.X_train[start], sample=True, rng=self.rng)[-1]
            self.chains = np.hstack([X, self.Y_train[start]]).astype(self.Y_train.dtype)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                stats = up_down_step(self.net, self.X_train[idx], self.Y_train[idx], self.settings, self.rng,
                                     self.chains)
        except ValueError:  # NaN states from NaN parameters: the epoch has already gone wrong
            self._undo_epoch()
            return False
        self._wake.append(stats["wake_error"])
        self._sleep.append(stats["sleep_error"])
        self.step += 1
        if not self.batches.in_epoch:  # that batch ended the epoch
            if not _healthy(self.net, self.settings.max_abs_weight):
                self._undo_epoch()
                return False
            self.history.append(self._row({"wake_error": float(np.mean(self._wake)),
                                           "sleep_error": float(np.mean(self._sleep))}))
        return True

    def _undo_epoch(self) -> None:
        self.net, self.chains = self._backup, None
        self.batches.undo_epoch()
        self.diverged = (f"up-down diverged in epoch {self.epoch + 1} (parameters non-finite or beyond "
                         f"{self.settings.max_abs_weight:g}; lower the learning rate); the net from before "
                         "that epoch was kept")

    def run(self, epochs: Budget | int = 1, progress: Callable[[float], None] | None = None,
            cancel: Callable[[], bool] | None = None) -> TrainProgress | None:
        """A `Budget` of mini-batch updates (returns a `pgmviz.training.protocol.Progress` whose snapshot is
        the last history row), or ``run(epochs)``: that many epochs (shuffled mini-batches),
        stopping early on ``cancel()`` or divergence, ``progress(fraction)`` after each.

        An epoch that leaves a parameter non-finite or beyond ``max_abs_weight`` (a wild learning
        rate) is undone and training stops with ``diverged`` set: the net keeps its parameters
        from before that epoch.
        """
        if isinstance(epochs, Budget):
            done, seconds = 0, 0.0
            if not self.diverged:
                done, seconds = spend(epochs, self._update)
                self.seconds += seconds
                # A slice may end mid-epoch: never hand a page an unhealthy net to draw.
                if self.batches.in_epoch and not _healthy(self.net, self.settings.max_abs_weight):
                    self._undo_epoch()
            finished = self.max_epochs is not None and self.epoch >= self.max_epochs
            return TrainProgress(self.step, done, seconds, finished=finished, diverged=self.diverged,
                                 snapshot=self.history[-1])
        for e in range(int(epochs)):
            if self.diverged or (cancel is not None and cancel()):
                return None
            target = self.epoch + 1
            _, seconds = spend(None, lambda: self.epoch < target and self._update())
            self.seconds += seconds
            if self.diverged:
                return None
            if progress is not None:
                progress((e + 1) / epochs)
        return None


def _healthy(net: DBN, max_abs: float) -> bool:
    """Every parameter finite and no larger than ``max_abs`` in magnitude (NaN fails the comparison)."""
    return all(bool(np.abs(a).max() <= max_abs) for a in _arrays(net))


def _arrays(net: DBN) -> list[np.ndarray]:
    out = [a for r in net.rbms for a in (r.W, r.b, r.c)]
    return out + [a for pair in (net.generative_weights or []) for a in pair]
