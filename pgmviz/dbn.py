"""Deep belief nets: a stack of RBMs trained greedily, one layer at a time (Hinton, Osindero & Teh 2006).

Orientation as in `pgmviz.rbm`: ``rbms[l].W`` has shape (n_l, n_{l+1}); layer 0 is the data v,
layer l >= 1 the hidden layer h_l, and ``rbms[l]`` is the RBM between layers l and l+1.

The generative model is a hybrid graphical model:

    top two layers      an RBM (undirected):   p(h_{L-1}, h_L) from rbms[-1]
    every layer below   directed, top-down:   p(h_l,i = 1 | h_{l+1}) = sigmoid(b_l,i + W_l[i, :] . h_{l+1})

so the lower RBMs keep only their p(v|h) for generation; their p(h|v) = sigmoid(c + v W) is used
for inference (the bottom-up "recognition" pass), which is exact for the first layer only while
the layers above still form its complementary prior.

Greedy learning: train rbms[0] on the data; then treat its hidden activities p(h_1 | v) for the
training set (probabilities, or samples drawn from them) as data for rbms[1], whose job is to model
that *aggregated posterior*; and so on up. `GreedyTrainer` does this with `pgmviz.train.Trainer`.

Why it helps (the variational bound, computed exactly by `variational_bound` on small models):

    log p(v) >= sum_h Q(h|v) [log p2(h) + log p(v|h)] + H(Q)

with Q(h|v) = sigmoid(c1 + v W1) the first RBM's factorial posterior, p(v|h) its generative
conditional and p2(h) the second RBM's marginal over its visible layer (= h_1). When the second
RBM is the first one's transpose, p2(h) is the first RBM's own p(h), Q is the exact posterior and
the bound is tight: it equals the one-layer log p(v). Training the second RBM on the aggregated
posterior raises sum Q log p2 and so raises the bound.

Next steps, intended API (not built yet; the classes here are laid out so they slot in):

* Label units. The top RBM's visible layer becomes [h_{L-1}, y] with y ten softmax units:
  ``GreedyTrainer(..., labels=y_train, n_labels=10)`` appends one-hot labels to the data of the
  top layer only (`layer_data` is the single place that builds a layer's data); a ``LabelRBM(RBM)``
  with ``n_labels`` samples the last ``n_labels`` visible units as one softmax group in
  ``p_v_given_h``/``gibbs``. ``DBN.generate(T, n, rng, clamp_labels=y)`` clamps y during the
  top-level Gibbs steps (`_top_gibbs` is the one place to change), and ``DBN.classify(V, T)``
  does an up-pass, then T top-level steps from a neutral label state, and reads p(y).
* Fine-tuning. ``DBN.untie()`` returns recognition weights R_l (initially W_l) and generative
  weights G_l (initially W_l) as separate arrays, which ``wake_sleep_step(dbn, V, lr, rng)``
  (contrastive wake-sleep: stochastic up-pass, CD on the top RBM, stochastic down-pass) updates;
  ``DBN.to_mlp(n_out)`` exports the recognition weights as an `pgmviz.mlp` net for backprop.
  `up_pass` and `down_pass` read the weights through ``recognition(l)`` / ``generative(l)``,
  so untied weights need no change to the passes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import logsumexp

from pgmviz.partition import all_states
from pgmviz.rbm import RBM, bernoulli, check_visible, sigmoid
from pgmviz.rng import as_rng
from pgmviz.sbn import log_sigmoid
from pgmviz.train import Snapshot, Trainer, TrainSettings

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

    def __post_init__(self) -> None:
        for l in range(len(self.rbms) - 1):
            if self.rbms[l].n_h != self.rbms[l + 1].n_v:
                raise ValueError(f"rbms[{l}] has {self.rbms[l].n_h} hidden units but rbms[{l + 1}] has "
                                 f"{self.rbms[l + 1].n_v} visible units; they must share that layer")

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

    # Weights used going up and coming down. Tied today; fine-tuning will untie them (module note).
    def recognition(self, l: int) -> tuple[np.ndarray, np.ndarray]:
        """(W, c) of the bottom-up pass from layer l to l+1."""
        return self.rbms[l].W, self.rbms[l].c

    def generative(self, l: int) -> tuple[np.ndarray, np.ndarray]:
        """(W, b) of the top-down conditional p(h_l | h_{l+1}) (layer 0 = data)."""
        return self.rbms[l].W, self.rbms[l].b

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
        for l in range(self.n_layers):
            W, c = self.recognition(l)
            P = sigmoid(layers[-1].astype(W.dtype, copy=False) @ W + c)
            layers.append(bernoulli(P, rng) if sample else P)
        return layers

    # ------------------------------------------------------------------ generation
    def _top_gibbs(self, H: np.ndarray, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """T block-Gibbs steps in the top RBM from visible states H: (visible, hidden) of the top RBM."""
        top = self.rbms[-1]
        H_top = top.sample_h(H, rng)
        for _ in range(T):
            H = top.sample_v(H_top, rng)
            H_top = top.sample_h(H, rng)
        return H, H_top

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
                 start: np.ndarray | None = None, sample_visible: bool = False) -> list[np.ndarray]:
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

        Returns ``[X_0, H_1, ..., H_L]``: X_0 (n, n_v) the generated data, the rest the states of
        every layer (H_{L-1}, H_L from the top RBM's chains).
        """
        self._need_layers()
        if T < 0 or n < 1:
            raise ValueError(f"need T >= 0 and n >= 1; got T={T}, n={n}")
        rng = as_rng(rng)
        top = self.rbms[-1]
        if start is None:
            H = bernoulli(np.full((n, top.n_v), 0.5, dtype=top.dtype), rng)
        else:
            H = np.atleast_2d(np.asarray(start, dtype=top.dtype))
            if H.shape != (n, top.n_v):
                raise ValueError(f"start must have shape ({n}, {top.n_v}); got {H.shape}")
        H, H_top = self._top_gibbs(H, T, rng)
        if self.n_layers == 1 and not sample_visible:  # a single RBM: its visible layer is the data
            H = top.p_v_given_h(H_top)
        return self.down_pass(H, self.n_layers - 1, rng, sample_visible) + [H_top]

    def _need_layers(self) -> None:
        if not self.rbms:
            raise ValueError("the DBN has no layers yet")


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

    Layer l is a `pgmviz.train.Trainer`; once it is frozen (`next_layer`), its hidden
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

    def layer_data(self, l: int) -> np.ndarray:
        """The training data of RBM l: the data for l = 0, else the hidden activities of RBM l-1."""
        return self.data[l]

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
        X = self.data[l]
        given = self.init[l] if self.init is not None and l < len(self.init) else None
        if given is not None:
            if given.W.shape != (self.sizes[l], self.sizes[l + 1]):
                raise ValueError(f"init[{l}] has W {given.W.shape}; layer {l} needs "
                                 f"{(self.sizes[l], self.sizes[l + 1])}")
            rbm = given.copy()
        else:
            rbm = RBM.random(self.sizes[l], self.sizes[l + 1], seed=s.seed + 1000 * l, data=X)
        self.trainer = Trainer(rbm, X, self.test_data[l], settings=s)

    def run(self, n_updates: int, with_metrics: bool = True, progress: Progress | None = None) -> Snapshot:
        """Train the current layer for ``n_updates`` updates; ``progress(layer, snapshot)`` after."""
        if self.trainer is None:
            raise RuntimeError("every layer is trained")
        snap = self.trainer.run(n_updates, with_metrics=with_metrics)
        if progress is not None:
            progress(self.layer, snap)
        return snap

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


def bound_experiment(X: np.ndarray, n_h: int = 8, steps1: int = 2000, steps2: int = 2000,
                     every: int = 100, settings1: TrainSettings | None = None,
                     settings2: TrainSettings | None = None, propagate: str = "samples",
                     rng: int | np.random.Generator | None = 0,
                     progress: Callable[[int, dict[str, float]], None] | None = None) -> BoundRun:
    """The lecture's claim on a model small enough to enumerate.

    Train RBM 1 (n_v x n_h) on X; start RBM 2 at its transpose (the bound is then tight); train
    RBM 2 on RBM 1's aggregated posterior and record the mean bound every ``every`` updates.
    ``propagate="samples"`` trains RBM 2 on binary h ~ Q(h|v), 20 per data vector, whose mean
    log-likelihood under RBM 2 estimates exactly the sum_h Q log p2 term of the bound.
    """
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
    trainer2 = Trainer(rbm2, H, settings=s2)
    steps, history = [], []

    def record() -> None:
        m = variational_bound(rbm1, rbm2, X).means()
        steps.append(trainer2.step)
        history.append(m)
        if progress is not None:
            progress(trainer2.step, m)

    record()
    while trainer2.step < steps2:
        trainer2.run(min(every, steps2 - trainer2.step), with_metrics=False)
        record()
    return BoundRun(steps, history, rbm1, rbm2.copy(), time.perf_counter() - t0)
