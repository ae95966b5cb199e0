"""Deep belief nets: a stack of RBMs trained greedily, one layer at a time (Hinton, Osindero & Teh 2006).

Orientation as in `pgmviz.models.rbm`: ``rbms[l].W`` has shape (n_l, n_{l+1}); layer 0 is the data v,
layer l >= 1 the hidden layer h_l, and ``rbms[l]`` is the RBM between layers l and l+1.

The generative model is a hybrid graphical model:

    top two layers      an RBM (undirected):   p(h_{L-1}, h_L) from rbms[-1]
    every layer below   directed, top-down:   p(h_l,i = 1 | h_{l+1}) = sigmoid(b_l,i + W_l[i, :] . h_{l+1})

so the lower RBMs keep only their p(v|h) for generation; their p(h|v) = sigmoid(c + v W) is used
for inference (the bottom-up "recognition" pass), which is exact for the first layer only while
the layers above still form its complementary prior.

Greedy learning: train rbms[0] on the data; then treat its hidden activities p(h_1 | v) for the
training set (probabilities, or samples drawn from them) as data for rbms[1], whose job is to model
that *aggregated posterior*; and so on up. `GreedyTrainer` does this with `pgmviz.training.train.Trainer`.

Why it helps (the variational bound, computed exactly by `variational_bound` on small models):

    log p(v) >= sum_h Q(h|v) [log p2(h) + log p(v|h)] + H(Q)

with Q(h|v) = sigmoid(c1 + v W1) the first RBM's factorial posterior, p(v|h) its generative
conditional and p2(h) the second RBM's marginal over its visible layer (= h_1). When the second
RBM is the first one's transpose, p2(h) is the first RBM's own p(h), Q is the exact posterior and
the bound is tight: it equals the one-layer log p(v). Training the second RBM on the aggregated
posterior raises sum Q log p2 and so raises the bound.

Label units (built; `pgmviz.models.labels`). The top RBM's visible layer is [h_{L-1}, y] with y ten
softmax units: ``GreedyTrainer(..., labels=y_train, n_labels=10)`` appends one-hot labels to the
data of the top layer only (`layer_data`), which is a ``LabelRBM``: every negative phase draws
its label group as one softmax (`LabelRBM.sample_v`).
``DBN.generate(T, n, rng, clamp_labels=y)`` clamps y during the top-level Gibbs steps;
``DBN.classify(V)`` does a mean-field up-pass and returns p(y | v) = softmax(-F([h_{L-1}, e_y]))
exactly (``T > 0``: the lecture's T Gibbs iterations of the associative memory instead);
``DBN.top_chain`` records a chain (label clamped, or free from an up-pass of any image) as frames;
`save_dbn` / `load_dbn` store a stack as plain ``.npz`` arrays.

Fine-tuning (`pgmviz.training.updown`). ``DBN.untie()`` gives every directed layer its own generative
weights (``generative_weights[l] = (G_l, b_l)``, initially copies of W_l, b_l) beside the RBMs'
recognition weights (W_l, c_l); `up_pass` and `down_pass` read them through `recognition` and
`generative`, so an untied net classifies, generates and saves like a tied one. The up-down
algorithm (contrastive wake-sleep) then changes the two sets independently.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.special import logsumexp

from pgmviz.io import check_float_arrays, check_int_scalar, read_npz
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.special import log_sigmoid, one_hot, sigmoid, softmax
from pgmviz.training.gradients import exact_gradient
from pgmviz.training.protocol import Budget
from pgmviz.training.protocol import Progress as TrainProgress
from pgmviz.training.train import Snapshot, Trainer, TrainSettings

PROPAGATE = ("probabilities", "samples")  # what a layer hands up as data for the next one
MAX_EXACT_HIDDEN = 16  # the exact bound enumerates the 2^n_h1 states of the first hidden layer


# ------------------------------------------------------------------------------------ the model
@dataclass
class DBN:
    """A deep belief net: ``rbms[0]`` at the bottom (on the data), ``rbms[-1]`` the top RBM.

    Parameters
    ----------
    rbms : list of RBM
        ``rbms[l].W`` of shape (n_l, n_{l+1}); consecutive RBMs must share a layer:
        ``rbms[l].n_h == rbms[l + 1].n_v``.
    """

    rbms: list[RBM] = field(default_factory=list)
    # Untied top-down weights [(G_l, b_l)] for the directed layers l < L-1, G_l (n_l, n_{l+1});
    # None while they are tied to the RBMs' W_l, b_l (greedy training).
    generative_weights: list[tuple[np.ndarray, np.ndarray]] | None = None

    def __post_init__(self) -> None:
        for l in range(len(self.rbms) - 1):
            below = self.rbms[l + 1].n_v - getattr(self.rbms[l + 1], "n_labels", 0)
            if self.rbms[l].n_h != below:
                raise ValueError(f"rbms[{l}] has {self.rbms[l].n_h} hidden units but rbms[{l + 1}] has "
                                 f"{below} (non-label) visible units; they must share that layer")
        for l, r in enumerate(self.rbms[:-1]):
            if isinstance(r, LabelRBM):
                raise ValueError(f"only the top RBM may have label units; rbms[{l}] has")
        if self.generative_weights is not None:
            if len(self.generative_weights) != max(len(self.rbms) - 1, 0):
                raise ValueError(f"need generative weights for the {len(self.rbms) - 1} directed layers; "
                                 f"got {len(self.generative_weights)}")
            for l, (G, b) in enumerate(self.generative_weights):
                if G.shape != self.rbms[l].W.shape or b.shape != self.rbms[l].b.shape:
                    raise ValueError(f"generative weights of layer {l} have shapes {G.shape}, {b.shape}; "
                                     f"need {self.rbms[l].W.shape}, {self.rbms[l].b.shape}")

    @property
    def sizes(self) -> list[int]:
        """Units per layer, data first: [n_v, n_h1, ..., n_hL]."""
        if not self.rbms:
            return []
        return [self.rbms[0].n_v] + [r.n_h for r in self.rbms]

    @property
    def n_layers(self) -> int:
        """Number of RBMs (= hidden layers)."""
        return len(self.rbms)

    @property
    def n_labels(self) -> int:
        """Softmax label units in the top RBM's visible layer (0 for an unlabelled stack)."""
        return self.rbms[-1].n_labels if self.rbms and isinstance(self.rbms[-1], LabelRBM) else 0

    # Weights used going up and coming down: tied after greedy training, untied by fine-tuning.
    @property
    def tied(self) -> bool:
        return self.generative_weights is None

    def recognition(self, l: int) -> tuple[np.ndarray, np.ndarray]:
        """(W, c) of the bottom-up pass from layer l to l+1."""
        return self.rbms[l].W, self.rbms[l].c

    def generative(self, l: int) -> tuple[np.ndarray, np.ndarray]:
        """(W, b) of the top-down conditional p(h_l | h_{l+1}) (layer 0 = data)."""
        if self.generative_weights is not None and l < len(self.generative_weights):
            return self.generative_weights[l]
        return self.rbms[l].W, self.rbms[l].b

    def untie(self) -> "DBN":
        """A copy whose directed layers have their own generative weights, starting equal to W_l, b_l."""
        self._need_layers()
        return DBN([r.copy() for r in self.rbms],
                   [(G.copy(), b.copy()) for G, b in (self.generative(l) for l in range(self.n_layers - 1))])

    def copy(self) -> "DBN":
        gen = None if self.tied else [(G.copy(), b.copy()) for G, b in self.generative_weights]
        return DBN([r.copy() for r in self.rbms], gen)

    # ------------------------------------------------------------------ inference
    def up_pass(self, V: np.ndarray, sample: bool = False,
                rng: int | np.random.Generator | None = None) -> list[np.ndarray]:
        """Bottom-up pass: p(h_{l+1} | h_l) = sigmoid(c_l + h_l W_l), layer by layer.

        Returns ``[V, H_1, ..., H_L]``. With ``sample=False`` each layer is the probabilities
        computed from the probabilities below (mean field); with ``sample=True`` each layer is a
        binary sample and the next is computed from that sample.
        """
        self._need_layers()
        rng = as_rng(rng)
        X = check_visible(V, self.sizes[0], self.rbms[0].dtype)
        layers = [X]
        for l in range(self.n_layers - (1 if self.n_labels else 0)):
            W, c = self.recognition(l)
            P = sigmoid(layers[-1].astype(W.dtype, copy=False) @ W + c)
            layers.append(bernoulli(P, rng) if sample else P)
        return layers

    # ------------------------------------------------------------------ recognition (label units)
    def classify(self, V: np.ndarray, T: int = 0, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """p(y | v) for each row of V: mean-field up-pass to x = h_{L-1}, then the top RBM's labels.

        ``T = 0``: exactly p(y = e_k | x) = softmax_k(-F([x, e_k])) (`LabelRBM.p_y_given_x`).
        ``T > 0``: the lecture's recognition: start the labels neutral (all 1/K), run T Gibbs
        iterations of the associative memory with x clamped and average p(y | h_top) over them;
        as T grows this tends to the exact answer. Returns (n, n_labels).
        """
        top = self._need_labels()
        X = self.up_pass(V)[-1]  # (n, n_x): penultimate layer, probabilities
        if T <= 0:
            return top.p_y_given_x(X)
        rng = as_rng(rng)
        K = top.n_labels
        Y = np.full((X.shape[0], K), 1.0 / K, dtype=top.dtype)  # the neutral label state
        total = np.zeros_like(Y, dtype=np.float64)
        for _ in range(int(T)):
            H_top = top.sample_h(np.hstack([X, Y]), rng)
            P_y = softmax(H_top @ top.W[-K:].T + top.b[-K:])
            total += P_y
            Y = one_hot((np.cumsum(P_y, axis=1) < rng.random((len(P_y), 1))).sum(axis=1).clip(0, K - 1), K,
                        top.dtype)
        return total / T

    def _need_labels(self) -> LabelRBM:
        self._need_layers()
        if not self.n_labels:
            raise ValueError("this DBN has no label units; train it with GreedyTrainer(..., labels=y)")
        return self.rbms[-1]

    # ------------------------------------------------------------------ generation
    def _top_gibbs(self, H: np.ndarray, T: int, rng: np.random.Generator,
                   clamp: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """T block-Gibbs steps in the top RBM from visible states H: (visible, hidden) of the top RBM.

        With ``clamp`` ((n, n_labels) one-hot) the label units are held at it after every step.
        """
        top = self.rbms[-1]
        K = self.n_labels
        if clamp is not None:
            H = H.copy()
            H[:, -K:] = clamp
        H_top = top.sample_h(H, rng)
        for _ in range(T):
            H = top.sample_v(H_top, rng)
            if clamp is not None:
                H[:, -K:] = clamp
            H_top = top.sample_h(H, rng)
        return H, H_top

    def _top_start(self, n: int, rng: np.random.Generator, start: np.ndarray | None,
                   clamp_labels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The top RBM's starting visible states (random bits, or ``start`` with neutral labels) and the clamp."""
        top, K = self.rbms[-1], self.n_labels
        n_x = top.n_v - K
        if start is None:
            X = bernoulli(np.full((n, n_x), 0.5, dtype=top.dtype), rng)
        else:
            X = np.atleast_2d(np.asarray(start, dtype=top.dtype))
            if X.shape != (n, n_x):
                raise ValueError(f"start must have shape ({n}, {n_x}); got {X.shape}")
        clamp = None
        if clamp_labels is not None:
            if not K:
                raise ValueError("clamp_labels needs a DBN with label units")
            y = np.broadcast_to(np.asarray(clamp_labels), (n,))
            clamp = one_hot(y, K, top.dtype)
        if K:  # labels start neutral: every label 1/K (the clamp, if any, overrides)
            X = np.hstack([X, np.full((n, K), 1.0 / K, dtype=top.dtype)])
        return X, clamp

    def down_pass(self, H: np.ndarray, from_layer: int, rng: int | np.random.Generator | None = None,
                  sample_visible: bool = False) -> list[np.ndarray]:
        """Top-down pass from the states H of layer ``from_layer``: h_l ~ p(h_l | h_{l+1}) down to the data.

        Returns ``[X_0, ..., X_from_layer]`` (data first). Hidden layers are binary samples; the
        data layer is the probabilities p(v | h_1) unless ``sample_visible``.
        """
        rng = as_rng(rng)
        layers = [np.asarray(H)]
        for l in range(from_layer - 1, -1, -1):
            W, b = self.generative(l)
            P = sigmoid(layers[-1].astype(W.dtype, copy=False) @ W.T + b)
            layers.append(bernoulli(P, rng) if (l > 0 or sample_visible) else P)
        return layers[::-1]

    def generate(self, T: int, n: int, rng: int | np.random.Generator | None = None,
                 start: np.ndarray | None = None, sample_visible: bool = False,
                 clamp_labels: int | np.ndarray | None = None) -> list[np.ndarray]:
        """Samples of the generative model: T Gibbs steps in the top RBM, then one top-down pass.

        Parameters
        ----------
        T : int
            Alternating Gibbs steps in the top RBM (more steps, nearer its equilibrium).
        n : int
            Number of samples (independent chains).
        start : ndarray of shape (n, n_{L-1}), optional
            Where the top chains start (e.g. an up-pass of data); default random bits.
        sample_visible : bool
            Return binary data-layer samples instead of the probabilities p(v | h_1).
        clamp_labels : int or ndarray of shape (n,), optional
            With label units: hold the labels at these classes during the Gibbs steps (the lecture's
            "associative memory run with one label clamped").

        Returns ``[X_0, H_1, ..., H_L]``: X_0 (n, n_v) the generated data, the rest the states of
        every layer (H_{L-1}, H_L from the top RBM's chains; H_{L-1} without the label units).
        """
        self._need_layers()
        if T < 0 or n < 1:
            raise ValueError(f"need T >= 0 and n >= 1; got T={T}, n={n}")
        rng = as_rng(rng)
        top = self.rbms[-1]
        H, clamp = self._top_start(n, rng, start, clamp_labels)
        H, H_top = self._top_gibbs(H, T, rng, clamp)
        if self.n_layers == 1 and not sample_visible:  # a single RBM: its visible layer is the data
            H = top.p_v_given_h(H_top)
        if self.n_labels:
            H = H[:, : top.n_v - self.n_labels]
        return self.down_pass(H, self.n_layers - 1, rng, sample_visible) + [H_top]

    def top_chain(self, n_frames: int, every: int, n: int = 1, rng: int | np.random.Generator | None = None,
                  start: np.ndarray | None = None, clamp_labels: int | np.ndarray | None = None) -> "Chain":
        """A Gibbs chain in the top RBM, recorded as frames every ``every`` steps, each drawn top-down.

        Successive Gibbs states are too correlated to watch one by one, so a frame is taken every
        ``every`` steps; each frame's picture is p(v | h_1) after a top-down pass from the chain's
        penultimate states, and its label reading is p(y | h_top) = softmax(b_y + W_y h_top).
        ``start`` (n, n_{L-1}) is where the chain starts (e.g. an up-pass of random pixels: "what
        is on its mind"); default random bits. Frame 0 is the start itself (after one h_top draw).
        """
        top = self._need_labels()
        rng = as_rng(rng)
        K = top.n_labels
        H, clamp = self._top_start(n, rng, start, clamp_labels)
        images, p_y, steps = [], [], []
        for f in range(int(n_frames)):
            T = 0 if f == 0 else int(every)
            H, H_top = self._top_gibbs(H, T, rng, clamp)
            images.append(self.down_pass(H[:, :-K], self.n_layers - 1, rng)[0])
            p_y.append(softmax(H_top @ top.W[-K:].T + top.b[-K:]))
            steps.append(f * int(every))
        return Chain(np.array(steps), np.stack(images), np.stack(p_y))

    def fantasy_from_pixels(self, V: np.ndarray, n_frames: int, every: int,
                            rng: int | np.random.Generator | None = None) -> "Chain":
        """"What goes on in its mind": up-pass the images V (e.g. random pixels), then run the top RBM
        freely (labels start neutral, nothing clamped) and record frames as in `top_chain`."""
        X = self.up_pass(V)[-1]
        return self.top_chain(n_frames, every, n=X.shape[0], rng=rng, start=X)

    def _need_layers(self) -> None:
        if not self.rbms:
            raise ValueError("the DBN has no layers yet")


@dataclass
class Chain:
    """Frames of a top-level Gibbs chain: ``images[f]`` (n, n_v) = p(v | h_1), ``p_y[f]`` (n, K)."""

    steps: np.ndarray  # (n_frames,) Gibbs steps done before each frame
    images: np.ndarray  # (n_frames, n, n_v)
    p_y: np.ndarray  # (n_frames, n, n_labels)


# ------------------------------------------------------------------------------ save and load
DBN_FORMAT = "pgmviz-dbn-1"


def save_dbn(target: str | Path | io.IOBase, net: DBN, meta: dict | None = None) -> None:
    """Write a DBN as ``.npz``: ``W0, b0, c0, W1, ...``, ``n_labels`` and a JSON ``meta``; no pickle."""
    net._need_layers()
    arrays = {}
    for l, r in enumerate(net.rbms):
        arrays.update({f"W{l}": r.W, f"b{l}": r.b, f"c{l}": r.c})
    if not net.tied:  # untied generative weights of the directed layers
        for l, (G, b) in enumerate(net.generative_weights):
            arrays.update({f"G{l}": G, f"g{l}": b})
    meta = {"format": DBN_FORMAT, "sizes": net.sizes, **(meta or {})}
    np.savez_compressed(target, n_layers=np.array(net.n_layers), n_labels=np.array(net.n_labels),
                        meta=np.array(json.dumps(meta, default=lambda x: x.item() if isinstance(x, np.generic)
                                                 else x.tolist())), **arrays)


def load_dbn(source: str | Path | io.IOBase | bytes) -> tuple[DBN, dict]:
    """Read a DBN saved by `save_dbn` (``allow_pickle=False``); ValueError names what is wrong."""
    kind = "pgmviz DBN"
    a, meta = read_npz(source, kind)
    if meta is None:
        raise ValueError(f"not a {kind} file: no meta")
    n_layers, n_labels = check_int_scalar(a, "n_layers", kind), check_int_scalar(a, "n_labels", kind)
    if n_layers < 1:
        raise ValueError(f"{kind} file: n_layers must be at least 1; got {n_layers}")
    names = [f"{p}{l}" for l in range(n_layers) for p in "Wbc"]
    if "G0" in a:
        names += [f"{p}{l}" for l in range(n_layers - 1) for p in "Gg"]
    check_float_arrays(a, names, kind)
    rbms: list[RBM] = [RBM(a[f"W{l}"], a[f"b{l}"], a[f"c{l}"]) for l in range(n_layers)]
    gen = [(a[f"G{l}"], a[f"g{l}"]) for l in range(n_layers - 1)] if "G0" in a else None
    if n_labels:
        rbms[-1] = LabelRBM.from_rbm(rbms[-1], n_labels)
    return DBN(rbms, gen), meta


# ------------------------------------------------------------------------------ greedy training
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


# ------------------------------------------------------------------ the variational bound, exactly
def transpose(rbm: RBM) -> RBM:
    """The same RBM seen from the other side: RBM(W^T, c, b). Its p(v) is the original's p(h)."""
    return RBM(rbm.W.T.copy(), rbm.c.copy(), rbm.b.copy())


def _f64(rbm: RBM) -> RBM:
    return rbm.astype(np.float64)


def _check_small(rbm1: RBM) -> None:
    if rbm1.n_h > MAX_EXACT_HIDDEN:
        raise ValueError(f"the exact bound enumerates 2^{rbm1.n_h} hidden states; at most "
                         f"{MAX_EXACT_HIDDEN} hidden units")


def log_p_marginal_all(rbm: RBM) -> np.ndarray:
    """log p(x) of the RBM's *visible* marginal for every state x (``all_states`` order). (2^n_v,)"""
    r = _f64(rbm)
    neg_F = -r.free_energy(all_states(r.n_v))
    return neg_F - logsumexp(neg_F)


def log_p_v_rbm(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """One-layer model: log p(v) = -F1(v) - log Z1, per row, with log Z1 summed over the 2^n_h states."""
    r = _f64(rbm1)
    V = check_visible(V, r.n_v)
    log_Z = float(logsumexp(-transpose(r).free_energy(all_states(r.n_h))))  # enumerate h (n_h small)
    return -r.free_energy(V) - log_Z


def log_p_v_given_h_all(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """log p(v | h) = sum_i [v_i log s(b_i + W_i.h) + (1 - v_i) log s(-...)] for every h. (n, 2^n_h)"""
    r = _f64(rbm1)
    V = check_visible(V, r.n_v)
    A = all_states(r.n_h) @ r.W.T + r.b  # (2^n_h, n_v): input to v from each h
    return V @ log_sigmoid(A).T + (1.0 - V) @ log_sigmoid(-A).T


def posterior_table(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """Q(h | v) = prod_j q_j^h_j (1 - q_j)^(1 - h_j), q = sigmoid(c + v W), for every h. (n, 2^n_h)"""
    r = _f64(rbm1)
    q = r.p_h_given_v(V)  # (n, n_h)
    H = all_states(r.n_h)
    with np.errstate(divide="ignore"):
        log_Q = np.log(q) @ H.T + np.log1p(-q) @ (1.0 - H).T
    return np.exp(log_Q)


def bernoulli_entropy(q: np.ndarray) -> np.ndarray:
    """H(Q) = -sum_j [q_j log q_j + (1 - q_j) log(1 - q_j)] of a factorial Q, per row (nats)."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(q > 0, q * np.log(q), 0.0) + np.where(q < 1, (1 - q) * np.log1p(-q), 0.0)
    return -t.sum(axis=1)


@dataclass
class Bound:
    """The terms of the variational bound for each row of V (all in nats, shape (n,)).

    bound = expected_log_prior + expected_log_lik + entropy <= log_p_dbn
    """

    log_p_rbm1: np.ndarray  # log p(v) under the first RBM alone
    expected_log_prior: np.ndarray  # sum_h Q(h|v) log p2(h)
    expected_log_lik: np.ndarray  # sum_h Q(h|v) log p(v|h)
    entropy: np.ndarray  # H(Q(.|v))
    log_p_dbn: np.ndarray  # log p(v) = log sum_h p2(h) p(v|h) of the two-layer DBN, exactly

    @property
    def bound(self) -> np.ndarray:
        return self.expected_log_prior + self.expected_log_lik + self.entropy

    def means(self) -> dict[str, float]:
        """Averages over the rows: what a chart of the bound plots."""
        return {"log_p_rbm1": float(self.log_p_rbm1.mean()), "bound": float(self.bound.mean()),
                "log_p_dbn": float(self.log_p_dbn.mean()),
                "expected_log_prior": float(self.expected_log_prior.mean()),
                "expected_log_lik": float(self.expected_log_lik.mean()), "entropy": float(self.entropy.mean())}


def variational_bound(rbm1: RBM, rbm2: RBM, V: np.ndarray) -> Bound:
    """log p(v) >= sum_h Q(h|v) [log p2(h) + log p(v|h)] + H(Q), every term by enumerating h.

    Parameters
    ----------
    rbm1 : RBM (n_v, n_h), n_h <= 16
        Gives Q(h|v) = sigmoid(c1 + v W1) (factorial) and p(v|h) = sigmoid(b1 + W1 h).
    rbm2 : RBM (n_h, n_2)
        Its marginal over its visible layer, p2(h), is the prior over h. With
        ``rbm2 = transpose(rbm1)`` the bound equals log p(v) under rbm1.
    V : ndarray of shape (n, n_v)
    """
    _check_small(rbm1)
    if rbm2.n_v != rbm1.n_h:
        raise ValueError(f"rbm2 must have {rbm1.n_h} visible units (rbm1's hidden layer); got {rbm2.n_v}")
    r1 = _f64(rbm1)
    V = check_visible(V, r1.n_v)
    log_prior = log_p_marginal_all(rbm2)  # (2^n_h,) log p2(h)
    log_lik = log_p_v_given_h_all(r1, V)  # (n, 2^n_h) log p(v|h)
    Q = posterior_table(r1, V)  # (n, 2^n_h)
    # Q(h|v) may be exactly 0 where log p(v|h) is finite; 0 * finite = 0, so plain products are fine.
    return Bound(
        log_p_rbm1=log_p_v_rbm(r1, V),
        expected_log_prior=Q @ log_prior,
        expected_log_lik=(Q * log_lik).sum(axis=1),
        entropy=bernoulli_entropy(r1.p_h_given_v(V)),
        log_p_dbn=logsumexp(log_lik + log_prior, axis=1),
    )


@dataclass
class BoundRun:
    """The bound while the second RBM trains: one row of means per checkpoint."""

    steps: list[int]
    history: list[dict[str, float]]
    rbm1: RBM
    rbm2: RBM
    seconds: float


BOUND_RULES = ("pcd", "exact")  # how RBM 2 learns in the bound experiment
EXACT_RULE_LR = 0.05  # full-batch ascent on the exact gradient: small enough to rise at every step


def aggregated_posterior(rbm1: RBM, X: np.ndarray) -> np.ndarray:
    """q(h) = (1/N) sum_n Q(h | v_n) over every hidden state h (``all_states`` order). (2^n_h,)"""
    _check_small(rbm1)
    return posterior_table(rbm1, X).mean(axis=0)


def bound_experiment(X: np.ndarray, n_h: int = 8, steps1: int = 2000, steps2: int = 2000,
                     every: int = 100, settings1: TrainSettings | None = None,
                     settings2: TrainSettings | None = None, propagate: str = "samples",
                     rng: int | np.random.Generator | None = 0,
                     progress: Callable[[int, dict[str, float]], None] | None = None,
                     rule: str = "pcd") -> BoundRun:
    """The lecture's claim on a model small enough to enumerate.

    Train RBM 1 (n_v x n_h) on X; start RBM 2 at its transpose (the bound is then tight); train
    RBM 2 on RBM 1's aggregated posterior and record the mean bound every ``every`` updates.
    ``propagate="samples"`` trains RBM 2 on binary h ~ Q(h|v), 20 per data vector, whose mean
    log-likelihood under RBM 2 estimates exactly the sum_h Q log p2 term of the bound.

    ``rule="exact"`` instead ascends the exact gradient of sum_h q(h) log p2(h), q the aggregated
    posterior (`aggregated_posterior`; ``propagate`` is then moot): the mean bound is that sum plus
    terms RBM 2 does not touch, so with a small enough step it rises at every update. That is the
    guarantee's second condition (RBM 2 improves its likelihood of q); PCD only estimates the
    gradient, and its noise can lower the bound.
    """
    if rule not in BOUND_RULES:
        raise ValueError(f"rule must be one of {BOUND_RULES}; got {rule!r}")
    X = check_visible(X, X.shape[1], np.float32)
    rng = as_rng(rng)
    s1 = settings1 or TrainSettings(lr=0.1, momentum=0.5, weight_decay=0.0, batch_size=10, sampler="pcd",
                                    k=1, n_chains=100, seed=int(rng.integers(2**31)))
    # A small step and many persistent chains keep the curve of the bound from wobbling.
    s2 = settings2 or TrainSettings(lr=0.01, momentum=0.5, weight_decay=0.0, batch_size=100, sampler="pcd",
                                    k=1, n_chains=200, seed=int(rng.integers(2**31)))
    t0 = time.perf_counter()
    rbm1 = RBM.random(X.shape[1], n_h, seed=rng, data=X, sigma=0.1, dtype=np.float64)
    Trainer(rbm1, X, settings=s1).run(steps1, with_metrics=False)
    H = hidden_data(rbm1, np.repeat(X, 20 if propagate == "samples" else 1, axis=0), propagate, rng)
    rbm2 = transpose(rbm1)
    trainer2 = Trainer(rbm2, H, settings=s2) if rule == "pcd" else None
    steps, history = [], []
    q_agg, H_all = (aggregated_posterior(rbm1, X), all_states(n_h)) if rule == "exact" else (None, None)
    done = [0]

    def record() -> None:
        m = variational_bound(rbm1, rbm2, X).means()
        steps.append(done[0])
        history.append(m)
        if progress is not None:
            progress(done[0], m)

    def advance(n: int) -> None:
        if trainer2 is not None:
            trainer2.run(n, with_metrics=False)
            done[0] = trainer2.step
            return
        for _ in range(n):
            g = exact_gradient(rbm2, H_all, weights=q_agg)
            rbm2.W += EXACT_RULE_LR * g.W
            rbm2.b += EXACT_RULE_LR * g.b
            rbm2.c += EXACT_RULE_LR * g.c
        done[0] += n

    record()
    while done[0] < steps2:
        advance(min(every, steps2 - done[0]))
        record()
    return BoundRun(steps, history, rbm1, rbm2.copy(), time.perf_counter() - t0)


def best_prior_bound(rbm1: RBM, V: np.ndarray) -> float:
    """The mean bound with p2 = q, the aggregated posterior: the most any RBM 2 can reach for this W1.

    The mean of sum_h Q(h|v) log p2(h) over the rows is sum_h q(h) log p2(h), which over all
    distributions p2 is largest at p2 = q (Gibbs' inequality); the other terms do not involve p2.
    """
    r1 = _f64(rbm1)
    V = check_visible(V, r1.n_v)
    q = aggregated_posterior(r1, V)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_log_q = float(np.sum(np.where(q > 0, q * np.log(q), 0.0)))
    Q = posterior_table(r1, V)
    rest = (Q * log_p_v_given_h_all(r1, V)).sum(axis=1) + bernoulli_entropy(r1.p_h_given_v(V))
    return float(rest.mean() + q_log_q)


def falls(history: list[dict[str, float]], key: str = "bound", tol: float = 1e-9) -> int:
    """How many checkpoints after the first have a lower ``key`` than the checkpoint before."""
    values = [h[key] for h in history]
    return sum(1 for a, b in zip(values, values[1:]) if b < a - tol)
