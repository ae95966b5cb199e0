"""Training a DBM (Salakhutdinov & Hinton 2009), and a DBN of the same sizes beside it, by ``run(budget)``.

One DBM update on a mini-batch V (n rows), with M persistent chains (v~, h1~, h2~):

    positive phase   mean field mu1, mu2 = q(h1 | v), q(h2 | v)              (`DBM.mean_field`)
    negative phase   k Gibbs sweeps of the chains over all layers             (`DBM.gibbs`)
    grad_W1 = <v mu1^T>_data - <v~ h1~^T>_chains,   grad_W2 = <mu1 mu2^T>_data - <h1~ h2~^T>_chains

and the biases alike; a step with momentum and weight decay on the weights (as `pgmviz.training.train`).
The negative h1 statistics use p(h1 | v~, h2~), the chains' exact conditional, not its sample.

`DBNTwin` trains a greedy stack of the same sizes (`pgmviz.training.greedy.GreedyTrainer`) layer after
layer through the same protocol, and `side_by_side` steps both with the same number of updates
(`Pair`, a `pgmviz.training.protocol.Lockstep`), so a page draws their exact log-likelihood curves together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from pgmviz.evaluation import dbn_bound
from pgmviz.models import dbn
from pgmviz.models.dbm import DBM
from pgmviz.models.rbm import bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.training import dbm_pretrain, greedy
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import Budget, Lockstep, Progress, healthy, spend
from pgmviz.training.train import TrainSettings


@dataclass
class DBMSettings:
    lr: float = 0.05  # learning rate
    momentum: float = 0.5
    weight_decay: float = 1e-4  # L2 on W1 and W2 (biases are not decayed)
    batch_size: int = 10
    n_chains: int = 100  # persistent fantasy particles
    k: int = 1  # Gibbs sweeps of the chains per update
    mean_field_iters: int = 10  # fixed-point iterations of the positive phase
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {"lr": self.lr > 0 and np.isfinite(self.lr), "momentum": 0 <= self.momentum < 1,
                  "weight_decay": self.weight_decay >= 0, "batch_size": self.batch_size >= 1,
                  "n_chains": self.n_chains >= 1, "k": self.k >= 1, "mean_field_iters": self.mean_field_iters >= 1}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError("invalid DBM settings: " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad))


@dataclass
class DBMSnapshot:
    step: int
    dbm: DBM
    metrics: dict[str, float]


@dataclass
class DBMTrainer:
    """Mean-field positive phase, persistent Gibbs negative phase; ``run(budget) -> Progress``."""

    dbm: DBM
    X_train: np.ndarray
    settings: DBMSettings = field(default_factory=DBMSettings)
    max_updates: int | None = None  # finished once it has these (None: never)

    def __post_init__(self) -> None:
        self.X_train = check_visible(self.X_train, self.dbm.sizes[0], np.float64)
        if self.X_train.shape[0] == 0:
            raise ValueError("no training data")
        s = self.settings
        self.rng = as_rng(s.seed)
        n_v, _, n_h2 = self.dbm.sizes
        # The chains start at random bits; they are persistent, so they follow the model as it learns.
        self.V_neg = bernoulli(np.full((s.n_chains, n_v), 0.5), self.rng)
        self.H2_neg = bernoulli(np.full((s.n_chains, n_h2), 0.5), self.rng)
        self.velocity = [np.zeros_like(p) for p in self.dbm.params]
        self.step, self.history, self.diverged = 0, [], None
        self.batches = Batches(len(self.X_train), s.batch_size, self.rng, drop_last=True, shuffle_now=True)

    def _next_batch(self) -> np.ndarray:
        return self.X_train[self.batches.next()]

    def gradient(self, V_pos: np.ndarray) -> list[np.ndarray]:
        """Data minus chain statistics for [W1, W2, b, c1, c2]; advances the chains by k sweeps."""
        m, s = self.dbm, self.settings
        mf = m.mean_field(V_pos, n_iter=s.mean_field_iters, tol=0.0)
        V_neg, _, H2_neg = m.gibbs(self.V_neg, self.H2_neg, s.k, self.rng)
        self.V_neg, self.H2_neg = V_neg, H2_neg
        P1_neg = m.p_h1_given(V_neg, H2_neg)  # Rao-Blackwellised: the exact conditional of the chains' h1
        n, M = len(V_pos), len(V_neg)
        return [V_pos.T @ mf.mu1 / n - V_neg.T @ P1_neg / M,
                mf.mu1.T @ mf.mu2 / n - P1_neg.T @ H2_neg / M,
                V_pos.mean(0) - V_neg.mean(0), mf.mu1.mean(0) - P1_neg.mean(0), mf.mu2.mean(0) - H2_neg.mean(0)]

    def update(self) -> bool:
        """One step; False (``diverged`` set, parameters kept) when it would blow the model up."""
        s = self.settings
        with np.errstate(over="ignore", invalid="ignore"):
            grads = self.gradient(self._next_batch())
            decay = [s.weight_decay, s.weight_decay, 0.0, 0.0, 0.0]
            new_v = [s.momentum * u + s.lr * (g - d * p)
                     for u, g, d, p in zip(self.velocity, grads, decay, self.dbm.params)]
            new_p = [p + u for p, u in zip(self.dbm.params, new_v)]
        if not healthy(new_p):
            self.diverged = (f"training diverged at update {self.step + 1} (parameters would become NaN or huge; "
                             "lower the learning rate); the last good parameters were kept")
            return False
        for p, q in zip(self.dbm.params, new_p):
            p[...] = q
        self.velocity = new_v
        self.step += 1
        return True

    @property
    def finished(self) -> bool:
        return self.max_updates is not None and self.step >= self.max_updates

    def run(self, budget: Budget) -> Progress:
        left = None if self.max_updates is None else self.max_updates - self.step
        done, seconds = (0, 0.0) if self.diverged or self.finished else spend(budget.capped(left), self.update)
        metrics = {"step": self.step, "ll": self.dbm.log_likelihood(self.X_train)}
        self.history.append(metrics)
        return Progress(self.step, done, seconds, finished=self.finished, diverged=self.diverged,
                        snapshot=DBMSnapshot(self.step, self.dbm.copy(), metrics))


MAX_EXACT_GRADIENT_UNITS = 16  # the exact gradient lists all 2^(n_v + n_h1 + n_h2) joint states


def exact_gradient(dbm: DBM, X: np.ndarray) -> list[np.ndarray]:
    """d mean log p(v) / d[W1, W2, b, c1, c2] = <stats>_{p_data(v) p(h1, h2 | v)} - <stats>_{p(v, h1, h2)}, exactly.

    Every joint state is listed, so this is for tiny models: the quantity a DBMTrainer update estimates
    (mean field for the first term, persistent chains for the second).
    """
    n_v, n_h1, n_h2 = dbm.sizes
    if n_v + n_h1 + n_h2 > MAX_EXACT_GRADIENT_UNITS:
        raise ValueError(f"the exact gradient lists 2^{n_v + n_h1 + n_h2} states; at most "
                         f"{MAX_EXACT_GRADIENT_UNITS} units in all")
    X = check_visible(X, n_v, np.float64)
    H = all_states(n_h1 + n_h2)
    H1, H2 = H[:, :n_h1], H[:, n_h1:]
    neg_E_h = H1 @ dbm.c1 + H2 @ dbm.c2 + np.einsum("si,si->s", H1 @ dbm.W2, H2)  # the terms without v

    def table(V: np.ndarray) -> np.ndarray:
        """-E(v, h) for each row v and each hidden state h. (len(V), 2^(n_h1 + n_h2))"""
        return (V @ dbm.b)[:, None] + V @ dbm.W1 @ H1.T + neg_E_h[None, :]

    def stats(V: np.ndarray, P: np.ndarray) -> list[np.ndarray]:
        """Expected [v h1^T, h1 h2^T, v, h1, h2] under weights P[row of V, hidden state] summing to 1."""
        p_h = P.sum(axis=0)
        return [V.T @ P @ H1, H1.T @ (p_h[:, None] * H2), P.sum(axis=1) @ V, p_h @ H1, p_h @ H2]

    T = table(X)
    post = np.exp(T - logsumexp(T, axis=1, keepdims=True)) / len(X)  # p(h | v_n) / N
    V_all = all_states(n_v)
    T_all = table(V_all)
    joint = np.exp(T_all - logsumexp(T_all))
    return [d - m for d, m in zip(stats(X, post), stats(V_all, joint))]


def dbn_log_p_v(net: dbn.DBN, V: np.ndarray) -> np.ndarray:
    """log p(v) per row of a one- or two-layer DBN, exactly: the RBM's, or log sum_h1 p2(h1) p(v | h1). (n,)"""
    if net.n_layers == 1:
        return dbn_bound.log_p_v_rbm(net.rbms[0], V)
    if net.n_layers != 2:
        raise ValueError(f"exact log p(v) here is for one or two layers; got {net.n_layers}")
    return dbn_bound.variational_bound(net.rbms[0], net.rbms[1], V).log_p_dbn


def dbn_log_likelihood(net: dbn.DBN, X: np.ndarray) -> float:
    """Mean log p(v) over the rows of X of a one- or two-layer DBN, exactly (`dbn_log_p_v`)."""
    return float(dbn_log_p_v(net, X).mean())


@dataclass
class DBNTwin:
    """A greedy DBN of sizes [n_v, n_h1, n_h2]: layer 1 for ``updates_per_layer``, then layer 2 as long.

    Its ``history`` has the exact log p(v) of the net so far: the layer-1 RBM's while layer 1 trains,
    the two-layer DBN's (top RBM in training) after.
    """

    sizes: list[int]
    X_train: np.ndarray
    settings: TrainSettings
    updates_per_layer: int

    def __post_init__(self) -> None:
        if len(self.sizes) != 3:
            raise ValueError(f"the DBN twin has two hidden layers; got sizes {self.sizes}")
        self.greedy = greedy.GreedyTrainer(self.sizes, self.X_train, self.settings,
                                        updates_per_layer=int(self.updates_per_layer))
        self.history: list[dict[str, float]] = []

    @property
    def step(self) -> int:
        """Updates over both layers."""
        g = self.greedy
        return len(g.frozen) * int(self.updates_per_layer) + (0 if g.trainer is None else g.trainer.step)

    @property
    def diverged(self) -> str | None:
        return self.greedy.diverged

    @property
    def finished(self) -> bool:
        return self.greedy.done or (self.greedy.layer == 1 and self.greedy.trainer.step >= self.updates_per_layer)

    def net(self) -> dbn.DBN:
        """The net so far: the frozen layer(s) and the one in training."""
        return self.greedy.dbn(include_current=True)

    def run(self, budget: Budget) -> Progress:
        done, seconds = 0, 0.0
        g = self.greedy
        while not self.finished and not self.diverged and (budget.updates is None or done < budget.updates):
            p = g.run(budget.capped(None if budget.updates is None else budget.updates - done), with_metrics=False)
            done, seconds = done + p.done, seconds + p.seconds
            if p.finished and g.layer == 0:
                g.next_layer()  # layer 1 has its updates: freeze it, layer 2 trains on its posterior
            if p.done == 0 or (budget.seconds is not None and seconds >= budget.seconds):
                break
        metrics = {"step": self.step, "ll": dbn_log_likelihood(self.net(), self.greedy.X_train)}
        self.history.append(metrics)
        return Progress(self.step, done, seconds, finished=self.finished, diverged=self.diverged, snapshot=metrics)


class Pair(Lockstep):
    """`Lockstep` over [DBMTrainer, DBNTwin], with their common update count as ``step``."""

    @property
    def step(self) -> int:
        return self.trainers[0].step


def side_by_side(X: np.ndarray, sizes: list[int], updates: int, lr: float = 0.05, seed: int = 0,
                 dbn_lr: float | None = None, batch_size: int = 10, n_chains: int = 100,
                 pretrain_updates: int = 0) -> Pair:
    """A DBM and a DBN of the same sizes, trained by the same number of updates: ``updates`` in all
    (the DBN gives each layer half); ``trainers[0]`` the DBM, ``trainers[1]`` the DBN.

    Both learn with persistent chains, momentum 0.5 and batches of ``batch_size``: the DBM by
    mean field and its chains, each layer of the DBN by PCD at ``dbn_lr`` (default ``lr``).
    ``pretrain_updates`` > 0: the DBM starts from greedy pretraining with doubled inputs, that many
    CD-1 updates per layer (`pgmviz.training.dbm_pretrain`), done here and not counted in ``updates``.
    """
    if len(sizes) != 3 or updates < 2:
        raise ValueError(f"need sizes [n_v, n_h1, n_h2] and at least 2 updates; got {sizes}, {updates}")
    X = check_visible(X, sizes[0], np.float64)
    model = (dbm_pretrain.pretrain(X, sizes, pretrain_updates, lr=lr, batch_size=batch_size, seed=seed)
             if pretrain_updates > 0 else DBM.random(*sizes, seed=seed, data=X))
    dbm_trainer = DBMTrainer(model, X, DBMSettings(lr=lr, batch_size=batch_size, n_chains=n_chains, seed=seed),
                             max_updates=int(updates))
    s = TrainSettings(lr=lr if dbn_lr is None else dbn_lr, momentum=0.5, weight_decay=1e-4, batch_size=batch_size,
                      sampler="pcd", n_chains=n_chains, seed=seed)
    twin = DBNTwin(list(sizes), X.astype(np.float32), s, updates_per_layer=int(updates) // 2)
    pair = Pair([dbm_trainer, twin])
    pair.run(Budget(updates=0))  # both histories start with the untrained models' exact log-likelihoods
    return pair
