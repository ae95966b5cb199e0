"""Discriminative fine-tuning: a greedily pretrained DBN, unrolled into a classifier, trained by backprop.

The lecture's recipe (Hinton, Osindero & Teh 2006; Hinton & Salakhutdinov 2006):

1. Model the digit images without labels: greedy RBM stacking (`pgmviz.training.greedy.GreedyTrainer`).
2. Keep the recognition weights W_l, c_l of the up-pass, add ten softmax units on top, and run
   backprop on the labels. The weights already do well at the task, so the initial gradients are
   sensible and backprop only needs a local search: a small ("gentle") learning rate, a few epochs.
   It slightly modifies the features; it does not have to discover them.

Baselines, on the same split: softmax logistic regression on the raw pixels, on the first RBM's
features p(h|v), and the same MLP trained from small random weights (the control).

The network, one orientation as everywhere in pgmviz (rows are examples, ``W`` is (n_in, n_out)):

    y_0 = x;   y_l = sigmoid(y_{l-1} W_l + c_l)  for the hidden layers;   z = y_L W_out + c_out
    p(class k | x) = softmax(z)_k;   L = -(1/n) sum_n log p(t_n | x_n) + (decay/2) sum_l |W_l|^2

Backprop: dL/dz = (softmax(z) - onehot(t)) / n;  going down, delta_{l-1} = (delta_l W_l^T) * y(1 - y).

This module: the network, its builders, logistic regression, `BackpropTrainer` and the bundled
label DBNs' paths. Step 1 is `pgmviz.training.dbn_pretrain`; the results table's rows and their
paired comparison `pgmviz.evaluation.finetune_rows`; the page's ready-made run
`pgmviz.training.finetune_io`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from pgmviz.data import ASSETS_DIR
from pgmviz.io import read_npz
from pgmviz.nets.optim import Adam, Momentum
from pgmviz.rng import as_rng
from pgmviz.special import log_softmax, one_hot, sigmoid, softmax
from pgmviz.training.batches import Batches
from pgmviz.training.dbn_pretrain import recognition_weights
from pgmviz.training.protocol import MAX_ABS_PARAMETER, Budget, Progress, healthy, spend

N_CLASSES = 10


# ---------------------------------------------------------------------------- the loss
# The class probabilities, the loss and dL/dz are computed in float64 whatever the weights' dtype.
def cross_entropy(Z: np.ndarray, y: np.ndarray) -> float:
    """Mean -log p(t_n | x_n) of the softmax of logits Z (n, K) at the labels y (n,), in nats."""
    y = np.asarray(y, dtype=np.int64)
    return float(-log_softmax(np.asarray(Z, dtype=np.float64))[np.arange(len(y)), y].mean())


# ---------------------------------------------------------------------------- the network
@dataclass
class Classifier:
    """Sigmoid hidden layers and a softmax output: ``Ws[l]`` (n_l, n_{l+1}), ``bs[l]`` (n_{l+1},).

    With no hidden layers (one weight matrix) it is softmax logistic regression.
    """

    Ws: list[np.ndarray]
    bs: list[np.ndarray]

    def __post_init__(self) -> None:
        if len(self.Ws) != len(self.bs) or not self.Ws:
            raise ValueError("need one bias per weight matrix, and at least one layer")
        for l, (W, b) in enumerate(zip(self.Ws, self.bs)):
            if W.ndim != 2 or b.shape != (W.shape[1],):
                raise ValueError(f"layer {l}: W {W.shape} and b {b.shape} do not match")
            if l and W.shape[0] != self.Ws[l - 1].shape[1]:
                raise ValueError(f"layer {l} takes {W.shape[0]} inputs but layer {l - 1} gives "
                                 f"{self.Ws[l - 1].shape[1]}")

    @property
    def sizes(self) -> list[int]:
        """Units per layer, input first: [n_in, n_1, ..., n_classes]."""
        return [self.Ws[0].shape[0]] + [W.shape[1] for W in self.Ws]

    @property
    def n_hidden_layers(self) -> int:
        return len(self.Ws) - 1

    def copy(self) -> Classifier:
        return Classifier([W.copy() for W in self.Ws], [b.copy() for b in self.bs])

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """([x, y_1, ..., y_L], logits z): every layer's output, which backprop needs, and z (n, K)."""
        ys = [np.asarray(X, dtype=self.Ws[0].dtype)]
        for W, b in zip(self.Ws[:-1], self.bs[:-1]):
            ys.append(sigmoid(ys[-1] @ W + b))
        return ys, ys[-1] @ self.Ws[-1] + self.bs[-1]

    def features(self, X: np.ndarray, layer: int | None = None) -> np.ndarray:
        """The hidden activities y_layer (default: the top hidden layer)."""
        ys, _ = self.forward(X)
        return ys[self.n_hidden_layers if layer is None else layer]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """p(class | x) for each row. (n, K)"""
        return softmax(self.forward(X)[1].astype(np.float64))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most probable class of each row. (n,)"""
        return np.argmax(self.forward(X)[1], axis=1)

    def error_rate(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of rows whose most probable class is not the label."""
        return float(np.mean(self.predict(X) != np.asarray(y)))

    def loss(self, X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0) -> float:
        """Mean cross-entropy plus (weight_decay / 2) * sum of squared weights (biases not decayed)."""
        return cross_entropy(self.forward(X)[1], y) + 0.5 * weight_decay * sum(float((W.astype(np.float64) ** 2).sum())
                                                                               for W in self.Ws)

    def gradients(self, X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0
                  ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """(loss, dL/dW per layer, dL/db per layer) by backprop, for `loss`.

        Softmax with cross-entropy: dL/dz = (p - t) / n. Going down through a sigmoid layer,
        delta = (delta_above W_above^T) * y (1 - y).
        """
        ys, Z = self.forward(X)
        n = len(ys[0])
        P = softmax(Z.astype(np.float64))
        loss = cross_entropy(Z, y) + 0.5 * weight_decay * sum(float((W.astype(np.float64) ** 2).sum()) for W in self.Ws)
        delta = (P - one_hot(y, P.shape[1], np.float64)) / n  # (n, K) dL/dz
        gW, gb = self.backward(ys, delta, weight_decay)
        return loss, gW, gb

    def backward(self, ys: list[np.ndarray], delta: np.ndarray, weight_decay: float = 0.0
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(dL/dW per layer, dL/db per layer) from dL/dz, the gradient at the logits (n, K).

        ``ys`` is `forward`'s list of layer outputs. Any loss of the logits backpropagates through
        here: the softmax cross-entropy of `gradients`, a CRF's log-likelihood (`pgmviz.models.crf`).
        """
        delta = np.asarray(delta).astype(self.Ws[0].dtype)
        gW: list[np.ndarray] = [None] * len(self.Ws)  # type: ignore[list-item]
        gb: list[np.ndarray] = [None] * len(self.Ws)  # type: ignore[list-item]
        for l in range(len(self.Ws) - 1, -1, -1):
            gW[l] = ys[l].T @ delta + weight_decay * self.Ws[l]
            gb[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.Ws[l].T) * ys[l] * (1 - ys[l])  # dL/d(pre-activation of layer l)
        return gW, gb


def numerical_gradients(net: Classifier, X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0,
                        eps: float = 1e-6) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences (L(p + eps) - L(p - eps)) / 2 eps for every weight and bias (tiny float64 nets)."""
    def grad_of(p: np.ndarray) -> np.ndarray:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = net.loss(X, y, weight_decay)
            p[idx] = old - eps
            down = net.loss(X, y, weight_decay)
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        return g

    return [grad_of(W) for W in net.Ws], [grad_of(b) for b in net.bs]


# ---------------------------------------------------------------------------- building nets
def random_classifier(sizes: list[int], rng: int | np.random.Generator | None = 0, dtype=np.float32) -> Classifier:
    """sizes = [n_in, n_1, ..., n_classes] with small random weights N(0, 1/n_in) and zero biases: the control."""
    rng = as_rng(rng)
    Ws = [(rng.normal(0.0, 1.0, (a, b)) / np.sqrt(a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    return Classifier(Ws, [np.zeros(b, dtype) for b in sizes[1:]])


def from_recognition(layers: list[tuple[np.ndarray, np.ndarray]], top: Classifier | None = None,
                     n_classes: int = N_CLASSES, rng: int | np.random.Generator | None = 0) -> Classifier:
    """Unroll recognition weights [(W_1, c_1), ...] into an MLP with a softmax layer on top.

    ``top`` is the output layer: a logistic regression already fitted on the top features (then
    the unrolled net starts exactly where "DBN features + logistic regression" ends), or, if None,
    small random weights.
    """
    Ws = [np.array(W, dtype=np.float32) for W, _ in layers]
    bs = [np.array(c, dtype=np.float32) for _, c in layers]
    n_top = Ws[-1].shape[1]
    if top is None:
        top = random_classifier([n_top, n_classes], rng)
    if top.n_hidden_layers or top.Ws[0].shape[0] != n_top:
        raise ValueError(f"the top layer must be one softmax layer on {n_top} features; got sizes {top.sizes}")
    return Classifier(Ws + [top.Ws[0].astype(np.float32)], bs + [top.bs[0].astype(np.float32)])


def from_dbn(dbn, top: Classifier | None = None, n_classes: int = N_CLASSES,
             rng: int | np.random.Generator | None = 0) -> Classifier:
    """A DBN's up-pass, p(h_{l+1} | h_l) = sigmoid(c_l + h_l W_l), as the hidden layers of an MLP.

    ``dbn``: a `pgmviz.models.dbn.DBN` (read through its ``recognition(l)``) or a list of RBMs, bottom first.
    """
    return from_recognition(recognition_weights(dbn), top, n_classes, rng)


# ---------------------------------------------------------------------------- logistic regression
def fit_logistic(X: np.ndarray, y: np.ndarray, weight_decay: float = 1e-3, n_classes: int = N_CLASSES,
                 max_iter: int = 300) -> Classifier:
    """Softmax logistic regression: minimise the mean cross-entropy + (decay/2)|W|^2 with L-BFGS.

    The loss is convex, so L-BFGS (scipy's optimiser; the gradient is `Classifier.gradients`)
    finds its minimum from zero weights; the result does not depend on a seed.
    """
    X = np.asarray(X, dtype=np.float64)
    n_in = X.shape[1]

    def unpack(theta: np.ndarray) -> Classifier:
        return Classifier([theta[: n_in * n_classes].reshape(n_in, n_classes)], [theta[n_in * n_classes:]])

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gW, gb = unpack(theta).gradients(X, y, weight_decay)
        return loss, np.concatenate([gW[0].ravel(), gb[0]])

    res = minimize(f, np.zeros(n_in * n_classes + n_classes), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter})
    net = unpack(res.x.copy())
    return Classifier([net.Ws[0].astype(np.float32)], [net.bs[0].astype(np.float32)])


# ---------------------------------------------------------------------------- backprop training
@dataclass
class BackpropSettings:
    lr: float = 0.02  # step size: small ("gentle"), the weights are already good
    momentum: float = 0.9
    weight_decay: float = 1e-4
    batch_size: int = 50
    optimiser: str = "momentum"  # "momentum" (SGD with momentum) or "adam"
    seed: int = 0  # the order of the mini-batches


@dataclass
class BackpropTrainer:
    """Mini-batch backprop on the cross-entropy, in slices (`pgmviz.training.protocol`): ``run(Budget(...))``
    or ``run(n_epochs)``; each continues where the last call stopped, mid-epoch included.

    ``history`` has one row per epoch (epoch 0 = before training): training loss and error rate
    on the training and held-out sets. ``max_epochs``: `run` with a `Budget` trains no further
    and reports ``finished`` (None: no end).
    """

    net: Classifier
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    settings: BackpropSettings = field(default_factory=BackpropSettings)
    max_epochs: int | None = None

    def __post_init__(self) -> None:
        s = self.settings
        if s.optimiser not in ("momentum", "adam"):
            raise ValueError(f"optimiser must be 'momentum' or 'adam', not {s.optimiser!r}")
        self.X_train = np.asarray(self.X_train, dtype=self.net.Ws[0].dtype)
        self.y_train = np.asarray(self.y_train, dtype=np.int64)
        self.rng = as_rng(s.seed)
        self.batches = Batches(len(self.X_train), s.batch_size, self.rng)
        params = self.net.Ws + self.net.bs
        self.opt = Momentum(params, s.lr, s.momentum) if s.optimiser == "momentum" else Adam(params, s.lr)
        self.step = 0  # mini-batch updates so far
        self.seconds = 0.0
        self.diverged: str | None = None
        self.history: list[dict[str, float]] = [self.measure()]

    @property
    def epoch(self) -> int:
        return self.batches.epoch

    def measure(self) -> dict[str, float]:
        row = {"epoch": self.epoch, "train loss": self.net.loss(self.X_train, self.y_train),
               "train error": self.net.error_rate(self.X_train, self.y_train)}
        if self.X_test is not None:
            row["held-out error"] = self.net.error_rate(self.X_test, self.y_test)
        return row

    @property
    def updates_left_in_epoch(self) -> int:
        """Mini-batch updates to the end of the current epoch (a whole epoch between epochs)."""
        return self.batches.updates_left

    def _update(self) -> bool:
        """One step on the next mini-batch; an epoch ends with a `measure` row in ``history``."""
        s = self.settings
        if not self.batches.in_epoch and self.max_epochs is not None and self.epoch >= self.max_epochs:
            return False  # the target reached: nothing more to do
        idx = self.batches.next()  # a new epoch starts with a fresh shuffle
        _, gW, gb = self.net.gradients(self.X_train[idx], self.y_train[idx], s.weight_decay)
        self.opt.step(self.net.Ws + self.net.bs, gW + gb)  # the same arrays, updated in place
        self.step += 1
        if not self.batches.in_epoch:  # that batch ended the epoch
            self.history.append(self.measure())
        return True

    def run(self, budget: Budget | int = 1) -> Progress | dict[str, float]:
        """A `Budget` of mini-batch updates (returns a `Progress` whose snapshot is the last
        history row), or ``run(n_epochs)``: n more epochs, returning the last history row.

        Parameters that turn NaN, infinite or huge (a wild learning rate) are put back as they
        were before the slice, and ``diverged`` says so; nothing trains after that.
        """
        numeric = not isinstance(budget, Budget)
        done, seconds = 0, 0.0
        if self.diverged is None:
            backup = [a.copy() for a in self.net.Ws + self.net.bs]
            target = self.epoch + int(budget) if numeric else None
            with np.errstate(over="ignore", invalid="ignore"):
                done, seconds = (spend(None, lambda: self.epoch < target and self._update()) if numeric
                                 else spend(budget, self._update))
            self.seconds += seconds
            if not healthy(self.net.Ws + self.net.bs):
                for a, old in zip(self.net.Ws + self.net.bs, backup):
                    a[...] = old
                self.diverged = (f"backprop diverged (parameters NaN, infinite or beyond {MAX_ABS_PARAMETER:g} by "
                                 f"update {self.step}; lower the learning rate); the last good parameters were kept")
        if numeric:
            return self.history[-1]
        finished = self.max_epochs is not None and self.epoch >= self.max_epochs
        return Progress(self.step, done, seconds, finished=finished, diverged=self.diverged,
                        snapshot=self.history[-1])


# ---------------------------------------------------------------------------- the bundled label DBNs
# The bundled DBNs with label units (scripts/train_dbn.py, the same split) and the same nets after
# up-down fine-tuning (scripts/train_updown.py): one per column of the table, 28x28 and 16x16.
_DBN_DIR = ASSETS_DIR / "dbn"
LABEL_DBN = _DBN_DIR / "mnist_labels.npz"  # scripts/train_dbn.py
UPDOWN_DBN = _DBN_DIR / "mnist_labels_updown.npz"  # scripts/train_updown.py
LABEL_DBN16 = _DBN_DIR / "mnist16_labels.npz"
UPDOWN_DBN16 = _DBN_DIR / "mnist16_labels_updown.npz"
LABEL_NETS = {"dbn_labels": LABEL_DBN, "dbn_labels_updown": UPDOWN_DBN}  # the 28x28 pair
TABLE_NETS = {"dbn_labels": [LABEL_DBN16, LABEL_DBN], "dbn_labels_updown": [UPDOWN_DBN16, UPDOWN_DBN]}


def label_dbn_result(path: str | Path = LABEL_DBN) -> dict | None:
    """{"test_error", "train_error", "sizes", "dataset"} from a saved label DBN's meta, or None if absent.

    Reads only the JSON ``meta`` (no weights, no pickle), so this table does not depend on the
    label-unit code itself.
    """
    try:
        _, meta = read_npz(path, "label DBN", names=())
        return {"test_error": float(meta["test_error"]), "train_error": float(meta["train_error"]),
                "sizes": list(meta["sizes"]), "dataset": str(meta["dataset"])}
    except (KeyError, ValueError, TypeError):  # no file, no meta (None[...] is a TypeError), a bad entry
        return None
