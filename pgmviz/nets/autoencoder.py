"""Deep autoencoders the 2006 way: pretrain a stack of RBMs, unroll it, fine-tune with backprop.

Hinton & Salakhutdinov (Science, 2006) trained 784-1000-500-250-30 on MNIST. The recipe, at sizes
this machine can afford:

1. Pretrain greedily. RBM 1 has logistic visible units driven by pixel intensities in [0, 1]
   (used as probabilities) and binary hidden units; each next RBM treats the hidden
   probabilities p(h|v) of the one below as its data. The top RBM's hidden units are *linear*
   (Gaussian with unit variance: h = c + v.W + noise), so the code is real-valued, not squashed.
2. Unroll. Encoder: the RBMs' recognition weights W_1 .. W_L going up; decoder: the same
   weights transposed, W_L^T .. W_1^T, going down, with the visible biases. The layers are
   untied from here on.
3. Fine-tune every weight with backprop on the cross-entropy between pixels x and their
   reconstruction o: L = -sum_i [x_i log o_i + (1 - x_i) log(1 - o_i)] per image (Adam).

PCA is the linear baseline with the same code size (`PCA`, via the SVD). Errors are reported
as H&S did: squared error per image, sum_i (x_i - x_hat_i)^2, averaged over images.

The lesson's ready-made nets follow `READY_MADE` (`pretrain_and_finetune`, `finetune_from_random`);
``scripts/train_autoencoder.py`` runs exactly that and bundles the nets in ``assets/autoencoder/``
(`save_autoencoder` / `load_autoencoder`: plain ``.npz``, no pickle).

Orientation as everywhere in pgmviz: a layer's ``W`` has shape (n_in, n_out); rows are images.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pgmviz.io import check_int_scalar, read_npz
from pgmviz.models.rbm import RBM, LinearHiddenRBM
from pgmviz.nets.optim import Adam
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid, softplus
from pgmviz.training.batches import Batches
from pgmviz.training.finetune import PretrainSettings
from pgmviz.training.protocol import MAX_ABS_PARAMETER, Budget, Progress, healthy, spend

# ---------------------------------------------------------------------------- pretraining
FIRST_EPOCH_MOMENTUM = 0.5  # the practical guide's start; settings.momentum from the second epoch on
LR_LINEAR = 0.005  # the RBM with linear hidden units needs a much smaller rate than the binary ones
INIT_SCALE_LINEAR = 0.1  # its W ~ N(0, 0.1^2); the binary RBMs start at N(0, 0.01^2) (`RBM.random`)


@dataclass
class PretrainProgress:
    layer: int  # 0-based index of the RBM being trained
    epoch: int
    recon_error: float  # squared error per row of that RBM's data, mean-field reconstruction, after the epoch
    seconds: float
    stack: list[RBM]  # the RBMs finished so far, plus the one in training (last)


def pretrain(X: np.ndarray, sizes: list[int], settings: PretrainSettings | None = None,
             reuse: list[RBM] | None = None, linear_code: bool = True, lr_linear: float = LR_LINEAR,
             mean_field_v: bool = True) -> Iterator[PretrainProgress]:
    """Greedy layer-wise pretraining of ``sizes`` = [n_in, n_1, ..., n_code]; yields progress per epoch.

    Each layer is an `RBM` (the last a `LinearHiddenRBM`, the code, unless ``linear_code`` is False)
    trained by `pgmviz.training.train.Trainer` with CD-1: ``settings`` gives epochs, lr (``lr_linear`` for
    the code layer), momentum (`FIRST_EPOCH_MOMENTUM` during the first epoch), weight decay and batch
    size; layer k's starting weights and sampler use the seed ``settings.seed + 1000 k``. Each RBM's data
    are the hidden means E[h | v] of the one below on the training set. ``mean_field_v``: the negative
    phase's visible units are their probabilities, not samples (Hinton & Salakhutdinov's code for
    grey-level pixels). ``reuse``: RBMs already trained for the bottom layers (binary hidden units,
    matching ``sizes``), kept as they are; greedy training never revisits a lower layer, so code sizes
    can share the layers below the code.
    """
    from pgmviz.training.negative import CD
    from pgmviz.training.train import Trainer, TrainSettings

    s = settings or pretraining()
    data = np.asarray(X, dtype=np.float32)
    stack: list[RBM] = list(reuse or [])
    for k, r in enumerate(stack):
        if r.W.shape != (sizes[k], sizes[k + 1]) or r.hidden_units != "bernoulli":
            raise ValueError(f"reused RBM {k} has shape {r.W.shape}; layer {k} needs "
                             f"{(sizes[k], sizes[k + 1])}, binary")
        data = r.p_h_given_v(data)
    t0 = time.perf_counter()
    n_layers = len(sizes) - 1
    per_epoch = max(1, len(data) // s.batch_size)
    for k in range(len(stack), n_layers):
        linear = linear_code and k == n_layers - 1
        seed = s.seed + 1000 * k
        model = (LinearHiddenRBM if linear else RBM).random(sizes[k], sizes[k + 1], seed=seed, data=data,
                                                            sigma=INIT_SCALE_LINEAR if linear else 0.01)
        ts = TrainSettings(lr=lr_linear if linear else s.lr, momentum=FIRST_EPOCH_MOMENTUM,
                           weight_decay=s.weight_decay, batch_size=s.batch_size, seed=seed)
        trainer = Trainer(model, data, settings=ts, negative_phase=CD(1, mean_field_v=mean_field_v))
        for epoch in range(1, s.epochs + 1):
            trainer.run(per_epoch, with_metrics=False)
            if trainer.diverged:
                raise ValueError(f"pretraining RBM {k + 1}: {trainer.diverged}")
            trainer.settings = replace(ts, momentum=s.momentum)
            err = squared_error(data, model.reconstruct(data))
            yield PretrainProgress(k, epoch, err, time.perf_counter() - t0, stack + [model])
        stack.append(model)
        data = model.p_h_given_v(data)


# ---------------------------------------------------------------------------- the network
@dataclass
class Autoencoder:
    """Dense layers: ``Ws[k]`` (n_k, n_{k+1}), ``bs[k]`` (n_{k+1},), activation ``acts[k]``.

    The code is the output of layer ``code_layer`` (linear); the last layer is logistic.
    """

    Ws: list[np.ndarray]
    bs: list[np.ndarray]
    acts: list[str]  # "sigmoid" or "linear" per layer
    code_layer: int

    @property
    def sizes(self) -> list[int]:
        return [self.Ws[0].shape[0]] + [W.shape[1] for W in self.Ws]

    @property
    def code_size(self) -> int:
        return self.Ws[self.code_layer].shape[1]

    def copy(self) -> "Autoencoder":
        return Autoencoder([W.copy() for W in self.Ws], [b.copy() for b in self.bs], list(self.acts), self.code_layer)

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's output, input first: [x, y_1, ..., o]. Backprop needs them all."""
        outs = [np.asarray(X, dtype=self.Ws[0].dtype)]
        for W, b, act in zip(self.Ws, self.bs, self.acts):
            a = outs[-1] @ W + b
            outs.append(sigmoid(a) if act == "sigmoid" else a)
        return outs

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)[-1]

    def encode(self, X: np.ndarray) -> np.ndarray:
        """The code layer's (linear) activities. (n, code_size)"""
        return self.forward(X)[self.code_layer + 1]

    def loss(self, X: np.ndarray) -> float:
        """Cross-entropy per image, -sum_i [x_i log o_i + (1 - x_i) log(1 - o_i)], averaged over rows."""
        return cross_entropy(X, self._logits(X))

    def _logits(self, X: np.ndarray) -> np.ndarray:
        outs = self.forward(X)
        return outs[-2] @ self.Ws[-1] + self.bs[-1]

    def gradients(self, X: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """(loss, dL/dW per layer, dL/db per layer) by backprop, for the mean loss over rows of X.

        With a logistic output and cross-entropy, dL/d(output logit) = o - x. Going down,
        delta_k = (delta_{k+1} W_{k+1}^T) * y_k (1 - y_k) for logistic layers (* 1 for linear).
        """
        X = np.asarray(X, dtype=self.Ws[0].dtype)
        outs = self.forward(X)
        n = len(X)
        logits = outs[-2] @ self.Ws[-1] + self.bs[-1]
        loss = cross_entropy(X, logits)
        delta = (outs[-1] - X) / n  # (n, n_out): dL/d logits of the last layer
        gW: list[np.ndarray] = [None] * len(self.Ws)  # type: ignore[list-item]
        gb: list[np.ndarray] = [None] * len(self.Ws)  # type: ignore[list-item]
        for k in range(len(self.Ws) - 1, -1, -1):
            gW[k] = outs[k].T @ delta
            gb[k] = delta.sum(axis=0)
            if k > 0:
                delta = delta @ self.Ws[k].T  # dL/d outs[k]
                if self.acts[k - 1] == "sigmoid":
                    delta = delta * outs[k] * (1 - outs[k])
        return loss, gW, gb


def cross_entropy(X: np.ndarray, logits: np.ndarray) -> float:
    """-sum_i [x_i log o_i + (1 - x_i) log(1 - o_i)] with o = sigmoid(logit), per row, averaged; stable."""
    # log o = -softplus(-z), log(1 - o) = -softplus(z)  =>  loss = softplus(z) - x z
    z = np.asarray(logits, dtype=np.float64)
    return float((softplus(z) - np.asarray(X) * z).sum(axis=1).mean())


def unroll(stack: list[RBM]) -> Autoencoder:
    """Encoder W_1 .. W_L (biases c), decoder W_L^T .. W_1^T (biases b): the 2006 unrolling."""
    L = len(stack)
    Ws = [r.W.copy() for r in stack] + [r.W.T.copy() for r in reversed(stack)]
    bs = [r.c.copy() for r in stack] + [r.b.copy() for r in reversed(stack)]
    acts = ["linear" if r.hidden_units == "linear" else "sigmoid" for r in stack] + ["sigmoid"] * L
    return Autoencoder(Ws, bs, acts, code_layer=L - 1)


def random_autoencoder(sizes: list[int], rng: int | np.random.Generator | None = 0, dtype=np.float32) -> Autoencoder:
    """The same architecture without pretraining (small random weights), for comparison and tests."""
    rng = as_rng(rng)
    full = list(sizes) + list(reversed(sizes[:-1]))
    Ws = [(rng.normal(0, 1, (a, b)) / np.sqrt(a)).astype(dtype) for a, b in zip(full[:-1], full[1:])]
    bs = [np.zeros(b, dtype) for b in full[1:]]
    L = len(sizes) - 1
    acts = ["sigmoid"] * (L - 1) + ["linear"] + ["sigmoid"] * L
    return Autoencoder(Ws, bs, acts, code_layer=L - 1)


# ---------------------------------------------------------------------------- fine-tuning
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


# ---------------------------------------------------------------------------- PCA and errors
@dataclass
class PCA:
    """Principal components by the SVD of the centred training data: code = (x - mean) V_k."""

    mean: np.ndarray  # (n_v,)
    components: np.ndarray  # (k, n_v), orthonormal rows, largest variance first

    @classmethod
    def fit(cls, X: np.ndarray, k: int) -> "PCA":
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
        return cls(mean, Vt[:k])

    def encode(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.mean) @ self.components.T

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        return self.encode(X) @ self.components + self.mean


def squared_error(X: np.ndarray, R: np.ndarray) -> float:
    """Squared error per image: sum_i (x_i - r_i)^2, averaged over rows."""
    return float(((np.asarray(X, dtype=np.float64) - np.asarray(R, dtype=np.float64)) ** 2).sum(axis=1).mean())


@dataclass
class Comparison:
    code_size: int
    ae_train: float
    ae_test: float
    pca_train: float
    pca_test: float


def compare_with_pca(net: Autoencoder, X_train: np.ndarray, X_test: np.ndarray, pca: PCA | None = None) -> Comparison:
    """Squared error per image of the autoencoder and of PCA with the same code size, train and held out."""
    pca = pca or PCA.fit(X_train, net.code_size)
    return Comparison(net.code_size, squared_error(X_train, net.reconstruct(X_train)),
                      squared_error(X_test, net.reconstruct(X_test)),
                      squared_error(X_train, pca.reconstruct(X_train)), squared_error(X_test, pca.reconstruct(X_test)))


def numerical_gradients(net: Autoencoder, X: np.ndarray, eps: float = 1e-5
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central finite differences of `Autoencoder.loss` for every weight and bias (tiny nets only)."""
    def grad_of(p: np.ndarray) -> np.ndarray:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = net.loss(X)
            p[idx] = old - eps
            down = net.loss(X)
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        return g

    return [grad_of(W) for W in net.Ws], [grad_of(b) for b in net.bs]


def pca_error_curve(X_train: np.ndarray, X_test: np.ndarray, k_max: int) -> np.ndarray:
    """Held-out squared error per image of PCA with k = 1 .. k_max components. (k_max,)

    With orthonormal components the error left after k of them is |x - mean|^2 minus the
    squared projections on the first k, so one SVD gives every k.
    """
    pca = PCA.fit(X_train, k_max)
    Xc = np.asarray(X_test, dtype=np.float64) - pca.mean
    proj2 = ((Xc @ pca.components.T) ** 2).mean(axis=0)  # (k_max,): mean squared projection
    return float((Xc**2).sum(axis=1).mean()) - np.cumsum(proj2)


def knn_agreement(codes: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Fraction of points whose k nearest other points (Euclidean, in the code space) vote their class.

    A plain measure of how well a map keeps classes apart: 1 = every neighbourhood is pure.
    Ties go to the smallest label.
    """
    Z = np.asarray(codes, dtype=np.float64)
    y = np.asarray(y)
    d2 = (Z**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * Z @ Z.T  # (n, n)
    np.fill_diagonal(d2, np.inf)  # leave each point out of its own vote
    nn = np.argpartition(d2, k, axis=1)[:, :k]  # (n, k)
    votes = np.zeros((len(Z), int(y.max()) + 1))
    np.add.at(votes, (np.repeat(np.arange(len(Z)), k), y[nn].ravel()), 1)
    return float((votes.argmax(axis=1) == y).mean())


# ---------------------------------------------------------------------------- the ready-made recipe
READY_MADE_PRE_EPOCHS = 8


@dataclass(frozen=True)
class Recipe:
    """How the lesson's ready-made nets are made: the bundled files and the page's fallback alike."""

    side: int = 16  # 16x16 grey-level digits (pgmviz.data.downsample of the bundled split): 256 pixels
    hidden: tuple[int, ...] = (128, 64)  # binary layers below the code (H&S 2006: 1000-500-250 on 28x28)
    code_sizes: tuple[int, ...] = (2, 6, 16, 30)
    pre_epochs: int = READY_MADE_PRE_EPOCHS  # CD-1 epochs per RBM
    ft_epochs: int = 15  # epochs of backprop
    seed: int = 0  # bottom RBMs: seed; the code RBM: seed + 1; fine-tuning (and the random start): seed

    def sizes(self, code: int) -> list[int]:
        """[side^2, *hidden, code]: the encoder's layer sizes."""
        return [self.side * self.side, *self.hidden, code]


def pretraining(epochs: int = READY_MADE_PRE_EPOCHS, seed: int = 0) -> PretrainSettings:
    """The autoencoder's CD-1 settings (H&S 2006's code): lr 0.1 (`LR_LINEAR` for the code RBM), momentum
    0.9 after a first epoch at 0.5, weight decay 2e-4, batches of 100."""
    return PretrainSettings(epochs=epochs, lr=0.1, momentum=0.9, weight_decay=2e-4, batch_size=100, seed=seed)


READY_MADE = Recipe()


READY_MADE_META = ("pretrain_log", "history", "random_history", "pretrain_seconds", "finetune_seconds")


def load_ready_made(source: str | Path | BinaryIO | bytes, code: int, recipe: Recipe = READY_MADE
                    ) -> tuple[Autoencoder, dict]:
    """A bundled net of ``recipe`` with this code size and its meta; ValueError if unreadable, made with
    another recipe, or lacking what the lesson shows (`READY_MADE_META`)."""
    net, meta = load_autoencoder(source)
    wanted = {"hidden": list(recipe.hidden), "code": code, "pre_epochs": recipe.pre_epochs,
              "ft_epochs": recipe.ft_epochs, "seed": recipe.seed}
    sizes = recipe.sizes(code)
    if meta.get("recipe") != wanted or net.sizes != sizes + sizes[-2::-1]:
        raise ValueError(f"it was made with another recipe ({meta.get('recipe')}; this page uses {wanted})")
    missing = [k for k in READY_MADE_META if k not in meta]
    if missing:
        raise ValueError(f"its meta lacks {', '.join(missing)}")
    return net, meta


def history_row(net: Autoencoder, X_test: np.ndarray, epoch: int, loss: float) -> dict:
    """One fine-tuning epoch: the training cross-entropy given, the held-out squared error per image measured."""
    return {"epoch": epoch, "train cross-entropy": float(loss),
            "held-out squared error": squared_error(X_test, net.reconstruct(X_test))}


def pretrain_bottom(X_train: np.ndarray, sizes: list[int], epochs: int, seed: int
                    ) -> tuple[list[RBM], list[tuple[int, int, float]], float]:
    """The binary RBMs below the code, ``sizes`` = [n_in, *hidden]: (stack, log of (layer, epoch, error), seconds).

    Every code size can share them: greedy training never revisits a lower layer.
    """
    log, prog = [], None
    for prog in pretrain(X_train, sizes, pretraining(epochs, seed), linear_code=False):
        log.append((prog.layer, prog.epoch, prog.recon_error))
    return prog.stack, log, prog.seconds


def pretrain_and_finetune(X_train: np.ndarray, X_test: np.ndarray, sizes: list[int], pre_epochs: int,
                          ft_epochs: int, seed: int,
                          bottom: tuple[list[RBM], list[tuple[int, int, float]], float] | None = None) -> dict:
    """Pretrain (on top of ``bottom`` from `pretrain_bottom`, made here if not given), unroll, fine-tune.

    Returns a dict: ``net``, ``pretrain_log`` [(layer, epoch, error), ...], ``history`` (`history_row`
    per epoch, 0 = just unrolled), ``pretrain_s`` (bottom and code RBM), ``finetune_s``.
    """
    bottom = bottom or pretrain_bottom(X_train, sizes[:-1], pre_epochs, seed)
    stack, log, bottom_s = bottom
    log = list(log)
    t0 = time.perf_counter()
    prog = None
    for prog in pretrain(X_train, sizes, pretraining(pre_epochs, seed + 1), reuse=stack):
        log.append((prog.layer, prog.epoch, prog.recon_error))
    net = unroll(prog.stack)
    pretrain_s = bottom_s + time.perf_counter() - t0
    tuner = FineTuner(net, X_train, rng=seed)
    history = [history_row(net, X_test, 0, net.loss(X_train))]
    for _ in range(ft_epochs):
        loss = tuner.run(1)
        history.append(history_row(net, X_test, tuner.epoch, loss))
    return {"net": net, "pretrain_log": log, "history": history, "pretrain_s": pretrain_s,
            "finetune_s": tuner.seconds}


def finetune_from_random(X_train: np.ndarray, X_test: np.ndarray, sizes: list[int], ft_epochs: int, seed: int
                         ) -> dict:
    """The control: the same architecture and the same fine-tuning from small random weights.

    Returns a dict: ``net``, ``history`` (`history_row` per epoch), ``finetune_s``.
    """
    net = random_autoencoder(sizes, rng=seed)
    tuner = FineTuner(net, X_train, rng=seed)
    history = [history_row(net, X_test, 0, net.loss(X_train))]
    for _ in range(ft_epochs):
        loss = tuner.run(1)
        history.append(history_row(net, X_test, tuner.epoch, loss))
    return {"net": net, "history": history, "finetune_s": tuner.seconds}


# ---------------------------------------------------------------------------- files
FORMAT = "pgmviz-autoencoder-1"
ACTIVATIONS = ("sigmoid", "linear")


def asset_name(sizes: list[int]) -> str:
    """File name of a bundled net with encoder sizes [n_in, ..., code]: ``autoencoder_256-128-64-6.npz``."""
    return "autoencoder_" + "-".join(map(str, sizes)) + ".npz"


def save_autoencoder(target: str | Path | BinaryIO, net: Autoencoder, meta: dict | None = None) -> None:
    """Write ``net`` as ``.npz``: ``W0, b0, W1, ...``, ``acts``, ``code_layer``, ``n_layers`` and a JSON ``meta``.

    Plain arrays and a JSON string, so `load_autoencoder` reads it with ``allow_pickle=False``.
    """
    arrays = {}
    for k, (W, b) in enumerate(zip(net.Ws, net.bs)):
        arrays.update({f"W{k}": W, f"b{k}": b})
    meta = {**(meta or {}), "format": FORMAT, "sizes": net.sizes}
    np.savez_compressed(target, n_layers=np.array(len(net.Ws)), code_layer=np.array(net.code_layer),
                        acts=np.array(net.acts, dtype=str), meta=np.array(json.dumps(meta, default=_jsonable)),
                        **arrays)


def load_autoencoder(source: str | Path | BinaryIO | bytes) -> tuple[Autoencoder, dict]:
    """Read a net saved by `save_autoencoder`: (net, meta). Any bad file raises ValueError saying what is wrong."""
    a, meta = read_npz(source, "autoencoder")
    for key in ("n_layers", "code_layer", "acts"):
        if key not in a:
            raise ValueError(f"not an autoencoder file: no array {key!r} (has {', '.join(sorted(a)) or 'none'})")
    if meta is None:
        raise ValueError("not an autoencoder file: no array 'meta'")
    n = check_int_scalar(a, "n_layers", "autoencoder")
    if n < 2:
        raise ValueError(f"autoencoder file: n_layers must be at least 2; got {n}")
    expected = {"n_layers", "code_layer", "acts"} | {f"{p}{k}" for k in range(n) for p in "Wb"}
    if set(a) != expected:
        missing, extra = sorted(expected - set(a)), sorted(set(a) - expected)
        raise ValueError("autoencoder file: wrong arrays" + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unexpected {', '.join(extra)}" if extra else ""))
    code_layer = check_int_scalar(a, "code_layer", "autoencoder")
    if not 0 <= code_layer < n - 1:
        raise ValueError(f"autoencoder file: code_layer must be in 0..{n - 2}; got {code_layer}")
    acts = a["acts"]
    if acts.dtype.kind != "U" or acts.shape != (n,):
        raise ValueError(f"autoencoder file: acts must be {n} strings; got {acts.dtype} of shape {acts.shape}")
    acts = [str(x) for x in acts]
    if not set(acts) <= set(ACTIVATIONS):
        raise ValueError(f"autoencoder file: activations must be among {ACTIVATIONS}; got {acts}")
    if acts[-1] != "sigmoid":
        raise ValueError("autoencoder file: the output layer must be sigmoid (pixels in [0, 1])")
    Ws, bs = [a[f"W{k}"] for k in range(n)], [a[f"b{k}"] for k in range(n)]
    for k, (W, b) in enumerate(zip(Ws, bs)):
        for name, x, ndim in ((f"W{k}", W, 2), (f"b{k}", b, 1)):
            if x.ndim != ndim or x.dtype.kind != "f":
                raise ValueError(f"autoencoder file: {name} must be a {ndim}-D float array; "
                                 f"got {x.dtype} of shape {x.shape}")
            if x.dtype != Ws[0].dtype:
                raise ValueError(f"autoencoder file: {name} is {x.dtype}, W0 {Ws[0].dtype}; one dtype throughout")
            if not np.isfinite(x).all():
                raise ValueError(f"autoencoder file: {name} contains NaN or infinite values")
        if b.shape != (W.shape[1],):
            raise ValueError(f"autoencoder file: b{k} has shape {b.shape}; W{k} {W.shape} needs ({W.shape[1]},)")
        if k and W.shape[0] != Ws[k - 1].shape[1]:
            raise ValueError(f"autoencoder file: W{k} has shape {W.shape}, but layer {k - 1} has "
                             f"{Ws[k - 1].shape[1]} outputs")
    if Ws[-1].shape[1] != Ws[0].shape[0]:
        raise ValueError(f"autoencoder file: {Ws[-1].shape[1]} outputs for {Ws[0].shape[0]} inputs")
    if meta.get("format") != FORMAT:
        raise ValueError(f"autoencoder file: format {meta.get('format')!r}, expected {FORMAT!r}")
    return Autoencoder(Ws, bs, acts, code_layer), meta


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in autoencoder metadata")
