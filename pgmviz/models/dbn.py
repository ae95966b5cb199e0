"""Deep belief nets: a stack of RBMs, the top two layers undirected, the rest directed (Hinton, Osindero & Teh 2006).

Orientation as in `pgmviz.models.rbm`: ``rbms[l].W`` has shape (n_l, n_{l+1}); layer 0 is the data v,
layer l >= 1 the hidden layer h_l, and ``rbms[l]`` is the RBM between layers l and l+1.

The generative model is a hybrid graphical model:

    top two layers      an RBM (undirected):   p(h_{L-1}, h_L) from rbms[-1]
    every layer below   directed, top-down:   p(h_l,i = 1 | h_{l+1}) = sigmoid(b_l,i + W_l[i, :] . h_{l+1})

so the lower RBMs keep only their p(v|h) for generation; their p(h|v) = sigmoid(c + v W) is used
for inference (the bottom-up "recognition" pass), which is exact for the first layer only while
the layers above still form its complementary prior.

Elsewhere: greedy layer-wise learning is `pgmviz.training.greedy.GreedyTrainer`; the variational
bound it raises, computed exactly on small models, `pgmviz.evaluation.dbn_bound`; the file format
`pgmviz.models.dbn_io` (``save_dbn`` / ``load_dbn``).

Label units (`pgmviz.models.labels`). The top RBM's visible layer is [h_{L-1}, y] with y ten
softmax units, a ``LabelRBM``: every negative phase draws its label group as one softmax.
``DBN.generate(T, n, rng, clamp_labels=y)`` clamps y during the top-level Gibbs steps;
``DBN.classify(V)`` does a mean-field up-pass and returns p(y | v) = softmax(-F([h_{L-1}, e_y]))
exactly (``T > 0``: the lecture's T Gibbs iterations of the associative memory instead);
``DBN.top_chain`` records a chain (label clamped, or free from an up-pass of any image) as frames.

Fine-tuning (`pgmviz.training.updown`). ``DBN.untie()`` gives every directed layer its own generative
weights (``generative_weights[l] = (G_l, b_l)``, initially copies of W_l, b_l) beside the RBMs'
recognition weights (W_l, c_l); `up_pass` and `down_pass` read them through `recognition` and
`generative`, so an untied net classifies, generates and saves like a tied one. The up-down
algorithm (contrastive wake-sleep) then changes the two sets independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.special import one_hot, sigmoid, softmax


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

