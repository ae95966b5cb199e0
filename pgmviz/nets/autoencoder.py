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

This module: steps 1 and 2 (`pretrain`, `unroll`) and the network (`Autoencoder`). Step 3 is
`pgmviz.nets.autoencoder_finetune.FineTuner`; the linear baseline with the same code size and the
squared error per image (H&S's measure) are in `pgmviz.nets.pca`; the lesson's ready-made nets follow
`pgmviz.nets.autoencoder_recipe.READY_MADE`, which ``scripts/train_autoencoder.py`` runs and bundles in
``assets/autoencoder/`` through `pgmviz.nets.autoencoder_io` (plain ``.npz``, no pickle).

Orientation as everywhere in pgmviz: a layer's ``W`` has shape (n_in, n_out); rows are images.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from pgmviz.models.rbm import RBM, LinearHiddenRBM
from pgmviz.nets.pca import squared_error
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid, softplus
from pgmviz.training.dbn_pretrain import PretrainSettings

# ---------------------------------------------------------------------------- pretraining
FIRST_EPOCH_MOMENTUM = 0.5  # the practical guide's start; settings.momentum from the second epoch on
LR_LINEAR = 0.005  # the RBM with linear hidden units needs a much smaller rate than the binary ones
INIT_SCALE_LINEAR = 0.1  # its W ~ N(0, 0.1^2); the binary RBMs start at N(0, 0.01^2) (`RBM.random`)
READY_MADE_PRE_EPOCHS = 8  # CD-1 epochs per RBM of the lesson's ready-made nets


def pretraining(epochs: int = READY_MADE_PRE_EPOCHS, seed: int = 0) -> PretrainSettings:
    """The autoencoder's CD-1 settings (H&S 2006's code): lr 0.1 (`LR_LINEAR` for the code RBM), momentum
    0.9 after a first epoch at 0.5, weight decay 2e-4, batches of 100."""
    return PretrainSettings(epochs=epochs, lr=0.1, momentum=0.9, weight_decay=2e-4, batch_size=100, seed=seed)


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
