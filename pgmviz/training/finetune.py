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
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from pgmviz.data import ASSETS_DIR
from pgmviz.io import check_float_arrays, read_npz
from pgmviz.models.rbm import RBM
from pgmviz.nets.optim import Adam, Momentum
from pgmviz.rng import as_rng
from pgmviz.special import log_softmax, one_hot, sigmoid, softmax
from pgmviz.training.batches import Batches
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


# ---------------------------------------------------------------------------- pretraining
@dataclass
class PretrainSettings:
    epochs: int = 10  # per RBM
    lr: float = 0.05
    momentum: float = 0.5
    weight_decay: float = 2e-4
    batch_size: int = 50
    seed: int = 0


def pretrain_dbn(X: np.ndarray, sizes: list[int], settings: PretrainSettings | None = None,
                 progress=None) -> list[RBM]:
    """Greedy CD-1 stacking, as `pgmviz.training.greedy.GreedyTrainer` does it: the RBMs, bottom first.

    RBM l trains (with `pgmviz.training.train.Trainer`) on the hidden probabilities p(h_l | h_{l-1}) of
    the frozen one below; its starting weights are `RBM.random` with the seed ``seed + 1000 l``.
    ``progress(layer, fraction_of_that_layer_done)`` is called after every epoch. Wrap the list
    in `pgmviz.models.dbn.DBN` to sample from it; `from_dbn` takes either.
    """
    from pgmviz.training.train import Trainer, TrainSettings

    s = settings or PretrainSettings()
    ts = TrainSettings(lr=s.lr, momentum=s.momentum, weight_decay=s.weight_decay, batch_size=s.batch_size,
                       seed=s.seed)
    data = np.asarray(X, dtype=np.float32)
    per_epoch = int(np.ceil(len(data) / s.batch_size))
    rbms: list[RBM] = []
    for l in range(len(sizes) - 1):
        rbm = RBM.random(sizes[l], sizes[l + 1], seed=s.seed + 1000 * l, data=data)
        trainer = Trainer(rbm, data, settings=ts)
        for e in range(s.epochs):
            trainer.run(per_epoch, with_metrics=False)
            if progress is not None:
                progress(l, (e + 1) / s.epochs)
        rbms.append(trainer.rbm)
        data = trainer.rbm.p_h_given_v(data).astype(np.float32)  # the aggregated posterior, as data
    return rbms


def up_pass(stack, X: np.ndarray) -> list[np.ndarray]:
    """[X, H_1, ..., H_L]: mean-field up-pass p(h_{l+1} | h_l) = sigmoid(c_l + h_l W_l) of a stack."""
    layers = [np.asarray(X, dtype=np.float32)]
    for W, c in recognition_weights(stack):
        layers.append(sigmoid(layers[-1] @ W + c))
    return layers


def recognition_weights(stack) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W_l, c_l)] of a `pgmviz.models.dbn.DBN` (its ``recognition(l)``) or of a list of RBMs."""
    if hasattr(stack, "recognition"):
        return [stack.recognition(l) for l in range(stack.n_layers)]
    return [(r.W, r.c) for r in stack]


# ---------------------------------------------------------------------------- the results table
@dataclass
class TableConfig:
    """One column of the results table: data, net sizes, pretraining and fine-tuning settings."""

    dataset: str = "mnist16"  # a `pgmviz.datasets` key (binarised digits, fixed 4,000 / 1,000 split)
    hidden: tuple[int, ...] = (200, 200)  # hidden layers of the DBN and of the MLP
    pretrain_epochs: int = 30  # per RBM, CD-1
    pretrain_lr: float = 0.1
    pretrain_momentum: float = 0.9
    finetune_epochs: int = 30
    finetune_lr: float = 0.05  # gentle: momentum SGD, batches of 50
    logistic_decay: float = 1e-3  # L2 on the logistic regressions' weights
    seed: int = 0

    @property
    def name(self) -> str:
        side = {"mnist16": "16x16", "mnist": "28x28"}.get(self.dataset, self.dataset)
        return side + " " + "-".join(map(str, self.sizes[:-1]))

    @property
    def sizes(self) -> list[int]:
        n_in = {"mnist16": 256, "mnist": 784}[self.dataset]
        return [n_in, *self.hidden, N_CLASSES]

    def backprop(self, lr: float | None = None) -> BackpropSettings:
        return BackpropSettings(lr=self.finetune_lr if lr is None else lr, seed=self.seed)

    def pretraining(self) -> PretrainSettings:
        return PretrainSettings(epochs=self.pretrain_epochs, lr=self.pretrain_lr, momentum=self.pretrain_momentum,
                                seed=self.seed)


# The lecture's error rates on the full permutation-invariant MNIST task (60,000 training and
# 10,000 test digits), as percentages, keyed like the rows they compare with. Rows that have no
# number here are not in the lecture's table.
LECTURE = {
    "knn": ("K-nearest neighbour", 3.3),
    # the lecture's backprop net was trained with care: our nearest row is the one trained to a
    # training error as low as the pretrained net's, not the one stopped at the same epoch count
    "random_backprop_long": ("Very carefully trained backprop net, one or two hidden layers (Platt; Hinton)", 1.6),
    "svm": ("Support vector machine (Decoste & Schoelkopf)", 1.4),
    "dbn_labels_updown": ("Generative model of the joint density of images and labels, + generative "
                          "fine-tuning", 1.25),
    "dbn_backprop": ("Generative model of unlabelled digits, followed by gentle backpropagation", 1.15),
}

# Rows measured by the nets with label units (`pgmviz.models.dbn`, `pgmviz.models.labels`,
# `pgmviz.training.updown`), not by
# `measure_row`: their bundled files' meta record the held-out error each one measured
# (`label_dbn_result`); a column with no such net says "not measured" rather than show a number
# nobody measured.
LABEL_ROWS = {
    "dbn_labels": "DBN with 10 label units in the top RBM, classified by free energy (no fine-tuning)",
    "dbn_labels_updown": "DBN with label units + contrastive wake-sleep (up-down) fine-tuning",
}

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


# The rows, in the table's order; the keys are those of results.json.
KNN_K = 3  # neighbours that vote; fixed in advance (choosing k on the held-out digits would flatter it)
ROWS = {
    "knn": f"{KNN_K}-nearest neighbours on the raw pixels",
    "logistic_pixels": "Logistic regression on the raw pixels",
    "logistic_rbm": "RBM features p(h1|v) + logistic regression",
    "logistic_dbn": "DBN top-layer features + logistic regression (where backprop starts)",
    "dbn_backprop": "DBN pretrained without labels + gentle backprop",
    "random_backprop": "The same MLP from random weights, same backprop",
    "random_backprop_long": "The same MLP from random weights, 4x as many epochs",
}


@dataclass
class RowResult:
    key: str
    train_error: float
    test_error: float
    seconds: float
    test_predictions: np.ndarray | None = None  # the predicted class of every held-out digit

    def as_dict(self) -> dict:
        d = {"train_error": round(self.train_error, 5), "test_error": round(self.test_error, 5),
             "seconds": round(self.seconds, 2)}
        if self.test_predictions is not None:
            d["test_predictions"] = predictions_to_text(self.test_predictions)
        return d


def predictions_to_text(pred: np.ndarray) -> str:
    """Classes 0-9 as one digit each: 1,000 predictions in 1,000 characters of JSON."""
    pred = np.asarray(pred)
    if pred.size and (pred.min() < 0 or pred.max() >= N_CLASSES):
        raise ValueError("predictions must be classes 0-9")
    return "".join(map(str, pred.astype(int)))


def predictions_from_text(text: str) -> np.ndarray:
    if not text.isdigit():
        raise ValueError("stored predictions must be a string of digits 0-9")
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8) - ord("0")


def knn_predict(X_ref: np.ndarray, y_ref: np.ndarray, X: np.ndarray, k: int = KNN_K,
                leave_one_out: bool = False, chunk: int = 500) -> np.ndarray:
    """Majority vote of the k nearest rows of X_ref (Euclidean), ties to the nearest neighbour's class.

    |x - r|^2 = |x|^2 - 2 x.r + |r|^2, a chunk of rows at a time. ``leave_one_out`` (X is X_ref):
    each row's own distance is excluded, so the training error is not trivially zero.
    """
    R = np.asarray(X_ref, dtype=np.float64)
    y_ref = np.asarray(y_ref, dtype=np.int64)
    X = np.asarray(X, dtype=np.float64)
    if k < 1 or k > len(R) - int(leave_one_out):
        raise ValueError(f"k must be between 1 and the number of reference rows; got {k}")
    r2 = (R ** 2).sum(axis=1)
    out = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), chunk):
        D = (X[start:start + chunk] ** 2).sum(axis=1)[:, None] - 2 * X[start:start + chunk] @ R.T + r2
        if leave_one_out:
            D[np.arange(D.shape[0]), np.arange(start, start + D.shape[0])] = np.inf
        nn = np.argsort(D, axis=1, kind="stable")[:, :k]  # (m, k), nearest first
        labels = y_ref[nn]
        counts = np.zeros((len(nn), N_CLASSES), dtype=np.int64)
        np.add.at(counts, (np.arange(len(nn))[:, None], labels), 1)
        best = counts.max(axis=1, keepdims=True)
        # among the classes with the most votes, take the one whose first neighbour is nearest
        tied = counts[np.arange(len(nn))[:, None], labels] == best
        out[start:start + len(nn)] = labels[np.arange(len(nn)), np.argmax(tied, axis=1)]
    return out


@dataclass
class Paired:
    """Two classifiers on the same held-out digits: errors, their difference with a paired 95% interval.

    only_a / only_b : digits that only A (only B) gets wrong; McNemar's exact test asks whether
    these discordant counts differ more than a fair coin would make them (p_value, two-sided).
    """

    error_a: float
    error_b: float
    low: float  # 2.5% and 97.5% quantiles of error_a - error_b over paired bootstrap resamples
    high: float
    only_a: int
    only_b: int
    p_value: float

    @property
    def difference(self) -> float:
        return self.error_a - self.error_b

    @property
    def clear(self) -> bool:
        """Both tests say the difference is bigger than these digits' noise: the paired 95% interval
        leaves out zero and McNemar's p is below 0.05 (near the edge the two can disagree)."""
        return (self.low > 0 or self.high < 0) and self.p_value < 0.05


def paired_comparison(pred_a: np.ndarray, pred_b: np.ndarray, y: np.ndarray, n_boot: int = 4000,
                      seed: int = 0) -> Paired:
    """Error of A minus error of B on the same digits, resampled digit by digit (paired bootstrap)."""
    from scipy.stats import binomtest

    y = np.asarray(y)
    wrong_a, wrong_b = np.asarray(pred_a) != y, np.asarray(pred_b) != y
    if wrong_a.shape != y.shape or wrong_b.shape != y.shape:
        raise ValueError("both classifiers need one prediction per held-out digit")
    d = wrong_a.astype(np.float64) - wrong_b.astype(np.float64)  # per digit: +1, 0 or -1
    rng = np.random.default_rng(seed)
    boot = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    only_a, only_b = int((wrong_a & ~wrong_b).sum()), int((wrong_b & ~wrong_a).sum())
    p = binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return Paired(float(wrong_a.mean()), float(wrong_b.mean()), float(np.quantile(boot, 0.025)),
                  float(np.quantile(boot, 0.975)), only_a, only_b, float(p))


def column_predictions(column: dict) -> dict[str, np.ndarray]:
    """Row key -> held-out predictions, for the rows of a results.json column that stored them."""
    out = {}
    for key, row in {**column.get("rows", {}), **column.get("label_rows", {})}.items():
        if "test_predictions" in row:
            out[key] = predictions_from_text(row["test_predictions"])
    return out


def compare_to(column: dict, y: np.ndarray, base: str = "dbn_backprop") -> dict[str, Paired]:
    """Every other row of a column against ``base``, paired on the same held-out digits (A = the row)."""
    preds = column_predictions(column)
    if base not in preds:
        return {}
    return {key: paired_comparison(pred, preds[base], y) for key, pred in preds.items()
            if key != base and len(pred) == len(y)}


def error_interval(pred: np.ndarray, y: np.ndarray, n_boot: int = 4000, seed: int = 0) -> tuple[float, float]:
    """A 95% bootstrap interval of one classifier's error rate on these held-out digits."""
    wrong = (np.asarray(pred) != np.asarray(y)).astype(np.float64)
    boot = wrong[np.random.default_rng(seed).integers(0, len(wrong), size=(n_boot, len(wrong)))].mean(axis=1)
    return float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))


def features_rbm(dbn, X: np.ndarray) -> np.ndarray:
    """The first RBM's features p(h1 | v) = sigmoid(c1 + v W1)."""
    W, c = recognition_weights(dbn)[0]
    return sigmoid(np.asarray(X, dtype=W.dtype) @ W + c)


def measure_row(key: str, cfg: TableConfig, data, dbn=None, progress=None) -> tuple[RowResult, dict]:
    """Measure one row of the table on ``data`` (a `pgmviz.datasets.Dataset`); returns (result, extras).

    ``dbn`` (pretrained with ``cfg``) is needed by the RBM and DBN rows. ``progress(fraction)`` is
    called once per fine-tuning epoch. ``extras`` holds the trained net and, for the backprop
    rows, the per-epoch history.
    """
    Xtr, ytr, Xte, yte = data.X_train, data.y_train, data.X_test, data.y_test
    t0 = time.perf_counter()
    extras: dict = {}
    if key == "knn":
        net = None
        pred = knn_predict(Xtr, ytr, Xte)
        tr, te = float(np.mean(knn_predict(Xtr, ytr, Xtr, leave_one_out=True) != ytr)), float(np.mean(pred != yte))
    elif key == "logistic_pixels":
        net = fit_logistic(Xtr, ytr, cfg.logistic_decay)
        tr, te, pred = net.error_rate(Xtr, ytr), net.error_rate(Xte, yte), net.predict(Xte)
    elif key == "logistic_rbm":
        net = fit_logistic(features_rbm(dbn, Xtr), ytr, cfg.logistic_decay)
        tr, te = net.error_rate(features_rbm(dbn, Xtr), ytr), net.error_rate(features_rbm(dbn, Xte), yte)
        pred = net.predict(features_rbm(dbn, Xte))
    elif key == "logistic_dbn":
        net = fit_logistic(up_pass(dbn, Xtr)[-1], ytr, cfg.logistic_decay)
        tr, te = net.error_rate(up_pass(dbn, Xtr)[-1], ytr), net.error_rate(up_pass(dbn, Xte)[-1], yte)
        pred = net.predict(up_pass(dbn, Xte)[-1])
    elif key in ("dbn_backprop", "random_backprop", "random_backprop_long"):
        if key == "dbn_backprop":
            # the softmax layer starts as a logistic regression on the DBN's top features, so
            # backprop starts from weights that already do well at the task
            top = fit_logistic(up_pass(dbn, Xtr)[-1], ytr, cfg.logistic_decay)
            net = from_dbn(dbn, top)
        else:
            net = random_classifier(cfg.sizes, rng=cfg.seed)
        trainer = BackpropTrainer(net, Xtr, ytr, Xte, yte, cfg.backprop())
        epochs = cfg.finetune_epochs * (4 if key == "random_backprop_long" else 1)
        for e in range(epochs):
            trainer.run(1)
            if progress is not None:
                progress((e + 1) / epochs)
        tr, te = trainer.history[-1]["train error"], trainer.history[-1]["held-out error"]
        extras["history"] = trainer.history
        pred = net.predict(Xte)
    else:
        raise ValueError(f"unknown row {key!r}; choose one of {list(ROWS)}")
    extras["net"] = net
    return RowResult(key, tr, te, time.perf_counter() - t0, np.asarray(pred, dtype=np.int64)), extras


def first_layer_change(before: np.ndarray, after: np.ndarray) -> float:
    """Relative change of a weight matrix: |W_after - W_before| / |W_before| (Frobenius norms)."""
    before = np.asarray(before, dtype=np.float64)
    return float(np.linalg.norm(np.asarray(after, dtype=np.float64) - before) / np.linalg.norm(before))


# ------------------------------------------------------------------ the lesson's ready-made run, bundled
READY_MADE = ASSETS_DIR / "finetune" / "ready_made.npz"
_NETS = ("stack", "pretrained", "random")  # the array-name prefixes of `save_ready_made`


def save_ready_made(target, stack: list[RBM], pretrained: Classifier, random: Classifier, meta: dict) -> None:
    """The page's ready-made run as plain ``.npz`` arrays (no pickle): the pretrained RBMs, the net
    fine-tuned from them and the net trained from random weights, with ``meta`` (histories ...) as JSON."""
    arrays = {}
    for l, r in enumerate(stack):
        arrays.update({f"stack_W{l}": r.W, f"stack_b{l}": r.b, f"stack_c{l}": r.c})
    for name, net in (("pretrained", pretrained), ("random", random)):
        for l, (W, b) in enumerate(zip(net.Ws, net.bs)):
            arrays.update({f"{name}_W{l}": W, f"{name}_b{l}": b})
    np.savez_compressed(target, meta=np.array(json.dumps(meta)), **arrays)


def load_ready_made(source=None) -> tuple[list[RBM], Classifier, Classifier, dict]:
    """(stack, fine-tuned net, random-start net, meta) from `save_ready_made`'s file (default: the
    bundled one); ValueError if unusable."""
    kind = "ready-made fine-tuning"
    a, meta = read_npz(READY_MADE if source is None else source, kind)
    if meta is None:
        raise ValueError(f"not a {kind} file: no meta")

    def count(prefix: str) -> int:
        return sum(1 for k in a if k.startswith(prefix + "_W"))

    names = [f"stack_{p}{l}" for l in range(count("stack")) for p in "Wbc"]
    names += [f"{n}_{p}{l}" for n in _NETS[1:] for l in range(count(n)) for p in "Wb"]
    check_float_arrays(a, names, kind)
    try:
        stack = [RBM(a[f"stack_W{l}"], a[f"stack_b{l}"], a[f"stack_c{l}"]) for l in range(count("stack"))]
        nets = [Classifier([a[f"{n}_W{l}"] for l in range(count(n))], [a[f"{n}_b{l}"] for l in range(count(n))])
                for n in _NETS[1:]]
    except ValueError as e:  # shapes that do not chain
        raise ValueError(f"not a usable {kind} file ({e})") from None
    if not stack or nets[0].sizes != nets[1].sizes or nets[0].sizes[:-1] != [stack[0].n_v] + [r.n_h for r in stack]:
        raise ValueError("the ready-made file's stack and nets do not fit together")
    return stack, nets[0], nets[1], meta
