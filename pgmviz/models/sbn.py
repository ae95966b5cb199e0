"""Sigmoid belief nets (Neal 1992): layers of stochastic binary units wired top-down.

Orientation, the same as ``RBM.W`` (n_v, n_h): layer 0 is the bottom (visible) layer and layer L
the top. ``weights[l]`` has shape (n_l, n_{l+1}) and carries layer l+1 *down* to layer l:

    p(x_l,i = 1 | x_{l+1}) = sigmoid(b_l,i + W_l[i, :] . x_{l+1})     i.e. sigmoid(x_{l+1} @ W_l.T + b_l)
    p(x_L,i = 1)           = sigmoid(b_L,i)                          the top units are independent
    p(x_0, ..., x_L)       = p(x_L) prod_{l<L} p(x_l | x_{l+1})

Instead of independent top units the top layer may carry an explicit prior table ``top_prior``
over its 2^n_L states, e.g. the equilibrium distribution of an RBM: that is the hybrid of a deep
belief net (an undirected model on top of directed layers), and what `pgmviz.models.unroll` builds.

Generating is easy (ancestral sampling: top layer first, then each layer given the one above).
Inference is hard: the posterior over a hidden layer given the layer below does not factorise,
because causes that compete to explain the same evidence become dependent ("explaining away").
Everything exact here enumerates states, so it is for the small nets of a lesson: tables over a
layer are ordered as ``pgmviz.sampling.partition.all_states`` (row k = bits of k, unit 0 most significant).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.boltzmann import kl, product_of_marginals
from pgmviz.models.rbm import bernoulli
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.special import log_sigmoid, sigmoid

# Enumerating the joint over every hidden unit at once: 2^20 rows of log-probabilities is 8 MB.
MAX_ENUM_UNITS = 20
# Conditional tables between two layers have 2^(n_l + n_{l+1}) entries.
MAX_TABLE_UNITS = 22


@dataclass
class SBN:
    """A layered sigmoid belief net; ``weights[l]`` (n_l, n_{l+1}) points down from layer l+1 to l.

    Parameters
    ----------
    weights : list of L arrays, ``weights[l]`` of shape (n_l, n_{l+1})
    biases : list of L + 1 arrays, ``biases[l]`` of shape (n_l,); ``biases[L]`` gives the top
        layer's prior sigmoid(b_L) unless ``top_prior`` is set
    top_prior : ndarray of shape (2^n_L,), optional
        An explicit distribution over the top layer's states (``all_states`` order).
    names : list of L + 1 str, optional
        Layer names for drawing ("v0", "h0", ...); default "x0", "x1", ...
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    top_prior: np.ndarray | None = None
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.weights = [np.atleast_2d(np.asarray(W, dtype=np.float64)) for W in self.weights]
        self.biases = [np.atleast_1d(np.asarray(b, dtype=np.float64)) for b in self.biases]
        if len(self.biases) != len(self.weights) + 1:
            raise ValueError(f"need one bias vector per layer: {len(self.weights)} weight matrices "
                             f"but {len(self.biases)} bias vectors")
        for l, W in enumerate(self.weights):
            want = (self.biases[l].shape[0], self.biases[l + 1].shape[0])
            if W.shape != want:
                raise ValueError(f"weights[{l}] must have shape (n_{l}, n_{l + 1}) = {want}; got {W.shape}")
        if self.top_prior is not None:
            p = np.asarray(self.top_prior, dtype=np.float64)
            if p.shape != (2 ** self.sizes[-1],) or (p < 0).any() or not np.isclose(p.sum(), 1.0):
                raise ValueError(f"top_prior must be a distribution over the 2^{self.sizes[-1]} top states")
            self.top_prior = p
        if not self.names:
            self.names = [f"x{l}" for l in range(self.n_layers)]
        if len(self.names) != self.n_layers:
            raise ValueError(f"need {self.n_layers} layer names; got {len(self.names)}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def random(cls, sizes: list[int], weight_scale: float = 1.0, bias_scale: float = 1.0,
               seed: int | np.random.Generator | None = 0) -> "SBN":
        """W ~ weight_scale * N(0, 1), b ~ bias_scale * N(0, 1); ``sizes`` bottom to top.

        The standard normals are drawn first, so one seed gives the same pattern of weights at
        every scale: a slider on ``weight_scale`` only stretches it.
        """
        rng = as_rng(seed)
        Z_w = [rng.standard_normal((sizes[l], sizes[l + 1])) for l in range(len(sizes) - 1)]
        Z_b = [rng.standard_normal(n) for n in sizes]
        return cls([weight_scale * Z for Z in Z_w], [bias_scale * Z for Z in Z_b])

    # ------------------------------------------------------------------ shapes
    @property
    def n_layers(self) -> int:
        return len(self.biases)

    @property
    def sizes(self) -> list[int]:
        """Units per layer, bottom (visible) first."""
        return [b.shape[0] for b in self.biases]

    # ------------------------------------------------------------------ conditionals
    def p_layer_given_above(self, l: int, X_above: np.ndarray) -> np.ndarray:
        """p(x_l,i = 1 | x_{l+1}) = sigmoid(x_{l+1} @ W_l.T + b_l). X_above (n, n_{l+1}) -> (n, n_l)."""
        return sigmoid(self._input(l, X_above))

    def log_conditional_table(self, l: int) -> np.ndarray:
        """log p(x_l = x | x_{l+1} = a) for every pair of states: (2^{n_{l+1}}, 2^{n_l}), rows sum to 1 in p."""
        n_l, n_a = self.sizes[l], self.sizes[l + 1]
        if n_l + n_a > MAX_TABLE_UNITS:
            raise ValueError(f"a table over 2^{n_l + n_a} state pairs is too big to enumerate")
        Z = self._input(l, all_states(n_a))  # (2^n_a, n_l): input to layer l from each state above
        X = all_states(n_l)  # (2^n_l, n_l)
        # log p(x | a) = sum_i x_i log s(z_ai) + (1 - x_i) log s(-z_ai)
        return log_sigmoid(Z) @ X.T + log_sigmoid(-Z) @ (1.0 - X).T

    def log_top_prior(self) -> np.ndarray:
        """log p(x_L) for every top state, (2^n_L,)."""
        if self.top_prior is not None:
            with np.errstate(divide="ignore"):
                return np.log(self.top_prior)
        X = all_states(self.sizes[-1])
        b = self.biases[-1]
        return X @ log_sigmoid(b) + (1.0 - X) @ log_sigmoid(-b)

    def log_prob_layer(self, l: int, X: np.ndarray, X_above: np.ndarray | None) -> np.ndarray:
        """log p(x_l | x_{l+1}) row by row (the top layer's prior when l = L). -> (n,)"""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if l == self.n_layers - 1:
            if self.top_prior is not None:
                return self.log_top_prior()[_index(X)]
            Z = np.broadcast_to(self.biases[-1], X.shape)
        else:
            Z = self._input(l, X_above)
        return (X * log_sigmoid(Z) + (1.0 - X) * log_sigmoid(-Z)).sum(axis=1)

    def log_joint(self, layers: list[np.ndarray]) -> np.ndarray:
        """log p(x_0, ..., x_L) = log p(x_L) + sum_l log p(x_l | x_{l+1}), one value per row. -> (n,)"""
        if len(layers) != self.n_layers:
            raise ValueError(f"need {self.n_layers} layers of states; got {len(layers)}")
        out = self.log_prob_layer(self.n_layers - 1, layers[-1], None)
        for l in range(self.n_layers - 1):
            out = out + self.log_prob_layer(l, layers[l], layers[l + 1])
        return out

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int = 1, rng: int | np.random.Generator | None = None,
               top: np.ndarray | None = None) -> list[np.ndarray]:
        """Ancestral sampling: draw the top layer, then each layer given the one above.

        ``top`` (n, n_L) fixes the top states instead of drawing them. Returns the layers bottom
        first, ``[X_0, ..., X_L]``, each (n, n_l) float64 of 0/1. The draws happen top-down, one
        ``rng.random`` call per layer, so the same Generator gives the same states.
        """
        rng = as_rng(rng)
        L = self.n_layers - 1
        if top is not None:
            X = np.atleast_2d(np.asarray(top, dtype=np.float64))
            if X.shape[1] != self.sizes[L]:
                raise ValueError(f"top states must have {self.sizes[L]} columns; got {X.shape}")
        elif self.top_prior is not None:
            X = all_states(self.sizes[L])[rng.choice(2 ** self.sizes[L], size=n, p=self.top_prior)]
        else:
            X = bernoulli(np.broadcast_to(sigmoid(self.biases[L]), (n, self.sizes[L])).copy(), rng)
        layers = [X]
        for l in range(L - 1, -1, -1):
            layers.append(bernoulli(self.p_layer_given_above(l, layers[-1]), rng))
        return layers[::-1]

    # ------------------------------------------------------------------ exact distributions
    def layer_marginals(self) -> list[np.ndarray]:
        """p(x_l) for every layer, by pushing the top prior down: p(x_l) = sum_a p(x_{l+1}=a) p(x_l | a).

        Exact because each layer depends only on the layer directly above it (a Markov chain of
        layers). Returns ``[p_0, ..., p_L]``, ``p_l`` of shape (2^n_l,).
        """
        p = np.exp(self.log_top_prior())
        out = [p]
        for l in range(self.n_layers - 2, -1, -1):
            p = p @ np.exp(self.log_conditional_table(l))
            out.append(p)
        return out[::-1]

    def log_p_v_all(self) -> np.ndarray:
        """log p(x_0) for every visible state, (2^n_0,), by pushing the prior down."""
        with np.errstate(divide="ignore"):
            return np.log(self.layer_marginals()[0])

    def posterior(self, v: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The exact posterior over all hidden layers given visible v, by enumerating them jointly.

        Returns ``(hidden, p)``: ``hidden`` is the list of layers 1..L, each (S, n_l), listing all
        S = 2^(n_1 + ... + n_L) hidden configurations (layer 1 varying slowest), and ``p`` (S,)
        is p(x_1, ..., x_L | v). Feasible for at most ``MAX_ENUM_UNITS`` hidden units in all.
        """
        log_p, hidden = self._log_joint_with(v)
        return hidden, np.exp(log_p - logsumexp(log_p))

    def log_p_v(self, v: np.ndarray) -> float:
        """log p(v) = logsumexp over every hidden configuration of log p(v, hidden)."""
        log_p, _ = self._log_joint_with(v)
        return float(logsumexp(log_p))

    def posterior_layer(self, v: np.ndarray, layer: int = 1) -> np.ndarray:
        """p(x_layer | v) over the 2^n_layer states of one hidden layer, exactly.

        For the first hidden layer this is Bayes' rule with the layers above summed out:
        p(x_1 | v) is proportional to p(x_1) p(v | x_1), where the prior p(x_1) is the marginal the
        layers above generate (`layer_marginals`). Deeper layers marginalise `posterior`.
        """
        v = self._visible(v)
        if layer == 1:
            with np.errstate(divide="ignore"):
                log_prior = np.log(self.layer_marginals()[1])
            log_lik = self.log_conditional_table(0)[:, _index(v)[0]]  # p(v | x_1) for every x_1
            log_p = log_prior + log_lik
            return np.exp(log_p - logsumexp(log_p))
        if not 1 <= layer < self.n_layers:
            raise ValueError(f"layer must be a hidden layer, 1..{self.n_layers - 1}; got {layer}")
        hidden, p = self.posterior(v)
        out = np.zeros(2 ** self.sizes[layer])
        np.add.at(out, _index(hidden[layer - 1]), p)
        return out

    def log_p_v_gradient(self, v: np.ndarray) -> list[np.ndarray]:
        """d log p(v) / d W_l = E_{p(hidden | v)}[(x_l - p_l) x_{l+1}^T], p_l = sigmoid(x_{l+1} W_l^T + b_l).

        The directed net's maximum-likelihood rule: every conditional is normalised (Z = 1), so
        there is no negative phase; the hard part is the posterior it is averaged over, computed
        here exactly by enumeration (explaining away makes it non-factorial). One array per
        weight matrix, shaped like ``weights[l]``.
        """
        v = self._visible(v)
        hidden, p = self.posterior(v)
        layers = [np.broadcast_to(v, (p.shape[0], v.shape[1])), *hidden]
        grads = []
        for l in range(self.n_layers - 1):
            err = layers[l] - self.p_layer_given_above(l, layers[l + 1])  # (S, n_l): s_i - p_i
            grads.append((err * p[:, None]).T @ layers[l + 1])  # sum_S p(S|v) (s_i - p_i) s_j
        return grads

    # ------------------------------------------------------------------ helpers
    def _input(self, l: int, X_above: np.ndarray) -> np.ndarray:
        X_above = np.atleast_2d(np.asarray(X_above, dtype=np.float64))
        if X_above.shape[1] != self.sizes[l + 1]:
            raise ValueError(f"states of layer {l + 1} must have {self.sizes[l + 1]} columns; got {X_above.shape}")
        return X_above @ self.weights[l].T + self.biases[l]

    def _visible(self, v: np.ndarray) -> np.ndarray:
        v = np.atleast_2d(np.asarray(v, dtype=np.float64))
        if v.shape != (1, self.sizes[0]) or not np.isin(v, (0.0, 1.0)).all():
            raise ValueError(f"v must be one binary vector of length {self.sizes[0]}; got {v.tolist()}")
        return v

    def _log_joint_with(self, v: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        v = self._visible(v)
        n_hidden = sum(self.sizes[1:])
        if n_hidden > MAX_ENUM_UNITS:
            raise ValueError(f"enumerating 2^{n_hidden} hidden configurations is too much "
                             f"(at most 2^{MAX_ENUM_UNITS})")
        H = all_states(n_hidden)
        cuts = np.cumsum(self.sizes[1:])[:-1]
        hidden = np.split(H, cuts, axis=1)
        V = np.broadcast_to(v, (H.shape[0], v.shape[1]))
        return self.log_joint([V, *hidden]), hidden


def _index(X: np.ndarray) -> np.ndarray:
    """Row k of ``all_states(n)`` for each binary row of X: k = sum_i x_i 2^(n-1-i). -> (m,) int"""
    X = np.atleast_2d(np.asarray(X))
    n = X.shape[1]
    return (X.round().astype(np.int64) << np.arange(n - 1, -1, -1)).sum(axis=1)


def state_index(X: np.ndarray) -> np.ndarray:
    """Public name of `_index`: the ``all_states`` row of each binary row of X."""
    return _index(X)


def kl_to_factorial(p: np.ndarray, n: int) -> float:
    """KL(p || q) where q = prod_j p(x_j) is the product of p's own one-unit marginals, in nats.

    Zero exactly when the n units are independent under p: how far a posterior is from the
    factorial form that makes inference "one multiplication by W^T".
    """
    return kl(p, product_of_marginals(p, n))


def marginals(p: np.ndarray, n: int) -> np.ndarray:
    """p(x_j = 1) for each of the n units, from a table over their 2^n states."""
    return np.asarray(p, dtype=np.float64) @ all_states(n)


def factorial_table(m: np.ndarray) -> np.ndarray:
    """prod_j m_j^x_j (1 - m_j)^(1 - x_j) for every state x: the table of independent units with means m."""
    m = np.asarray(m, dtype=np.float64)
    X = all_states(m.shape[0])
    # a product, not exp(X @ log m + ...): a mean of exactly 0 or 1 would give 0 * log 0 = NaN there
    return np.prod(np.where(X == 1.0, m, 1.0 - m), axis=1)


# ------------------------------------------------------------------------ factorial approximations
LOG_FLOOR = -700.0  # log of a table entry that underflowed to 0 (exp(-700) ~ 1e-304)


def log_table(p: np.ndarray) -> np.ndarray:
    """log p with underflowed zeros floored at LOG_FLOOR, so expectations of log p stay finite."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(np.asarray(p, dtype=np.float64)), LOG_FLOOR)


def reverse_kl(q: np.ndarray, log_p: np.ndarray) -> float:
    """KL(q || p) = sum_x q(x) (log q(x) - log p(x)) in nats, with 0 log 0 = 0; log_p normalised."""
    q = np.asarray(q, dtype=np.float64)
    on = q > 0
    return float(np.sum(q[on] * (np.log(q[on]) - log_p[on])))


@dataclass
class MeanField:
    """A factorial q(x) = prod_j q_j^x_j (1 - q_j)^(1 - x_j) fitted to p by minimising KL(q || p).

    means : (n,) q_j = q(x_j = 1);  q : (2^n,) the table it defines;  kl : KL(q || p), nats
    start : (n,) the means it started from;  sweeps : coordinate sweeps until it stopped moving
    """

    means: np.ndarray
    q: np.ndarray
    kl: float
    start: np.ndarray
    sweeps: int


def mean_field(p: np.ndarray, n: int, start: np.ndarray | None = None, max_sweeps: int = 500,
               tol: float = 1e-12) -> MeanField:
    """Naive mean field: logit q_j = E_{q_-j}[log p(x_j = 1, x_-j) - log p(x_j = 0, x_-j)], unit by unit.

    Each update is the exact minimiser of KL(q || p) over q_j with the other units fixed, so
    KL(q || p) never rises; it stops at a local minimum, which depends on ``start`` (default all
    0.5). ``p`` is a table over the 2^n states in ``all_states`` order.
    """
    log_p = log_table(p) - float(logsumexp(log_table(p)))
    X = all_states(n)
    m = np.full(n, 0.5) if start is None else np.clip(np.asarray(start, dtype=np.float64), 1e-12, 1 - 1e-12)
    start_m = m.copy()
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        old = m.copy()
        for j in range(n):
            on, off = X[:, j] == 1, X[:, j] == 0  # partners: row k with bit j set, row k - 2^(n-1-j)
            rest = np.delete(X[on], j, axis=1)  # the other units' states, same order in both halves
            m_rest = np.delete(m, j)
            w = np.prod(np.where(rest == 1, m_rest, 1.0 - m_rest), axis=1)  # q_-j(x_-j)
            logit = float(w @ (log_p[on] - log_p[off]))
            m[j] = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        if np.max(np.abs(m - old)) < tol:
            break
    q = factorial_table(np.clip(m, 0.0, 1.0))
    return MeanField(means=m, q=q, kl=reverse_kl(q, log_p), start=start_m, sweeps=sweeps)


def best_mean_field(p: np.ndarray, n: int) -> tuple[MeanField, list[MeanField]]:
    """Mean field from the centre (all 0.5) and from every corner softened to 0.75 / 0.25.

    Returns (the run with the lowest KL(q || p), all runs): KL(q || p) has several local minima
    when p has several modes, so the start decides which mode q settles on.
    """
    starts = [np.full(n, 0.5)] + [0.25 + 0.5 * x for x in all_states(n)]
    runs = [mean_field(p, n, s) for s in starts]
    return min(runs, key=lambda r: r.kl), runs


# ------------------------------------------------------------------------ explaining away
CAUSES = ("truck hits house", "earthquake")
EFFECT = "house jumps"


def explaining_away_net(b_truck: float = -10.0, b_quake: float = -10.0, b_house: float = -20.0,
                        w_truck: float = 20.0, w_quake: float = 20.0) -> SBN:
    """Pearl's two causes and one effect as a two-layer SBN (defaults: the lecture's numbers).

    Top layer x_1 = [truck, quake], each rare on its own (sigmoid(-10) ~ 4.5e-5); bottom layer
    x_0 = [house jumps], with p(jump | truck, quake) = sigmoid(b_house + w_truck truck + w_quake quake):
    about 2e-9 with no cause, 1/2 with one, about 1 with both.
    """
    return SBN(weights=[np.array([[w_truck, w_quake]])],
               biases=[np.array([b_house]), np.array([b_truck, b_quake])],
               names=[EFFECT, "causes"])


@dataclass
class ExplainingAway:
    """The numbers of the explaining-away lesson, all exact.

    prior, posterior : (2, 2) tables p(truck, quake) and p(truck, quake | house = jump),
        indexed [truck, quake]
    p_truck, p_quake : posterior marginals p(truck = 1 | jump), p(quake = 1 | jump)
    p_truck_given_quake : p(truck = 1 | jump, quake = 1): the truck after we learn of the earthquake
    kl : KL(posterior || product of its marginals), nats
    """

    prior: np.ndarray
    posterior: np.ndarray
    p_truck: float
    p_quake: float
    p_truck_given_quake: float
    p_truck_given_no_quake: float
    kl: float
    log_p_jump: float


def explaining_away(net: SBN, jump: int = 1) -> ExplainingAway:
    """Prior and posterior over the two causes of `explaining_away_net` given the house's state."""
    prior = np.exp(net.log_top_prior()).reshape(2, 2)
    post = net.posterior_layer(np.array([jump]), 1)
    P = post.reshape(2, 2)  # [truck, quake]; row index = truck because unit 0 is most significant
    p_quake, p_no_quake = P[:, 1].sum(), P[:, 0].sum()
    return ExplainingAway(
        prior=prior, posterior=P,
        p_truck=float(P[1, :].sum()), p_quake=float(p_quake),
        p_truck_given_quake=float(P[1, 1] / p_quake) if p_quake > 0 else float("nan"),
        p_truck_given_no_quake=float(P[1, 0] / p_no_quake) if p_no_quake > 0 else float("nan"),
        kl=kl_to_factorial(post, 2),
        log_p_jump=net.log_p_v(np.array([jump])),
    )


# ------------------------------------------------------------------------ Gibbs sampling
def gibbs_logit(net: SBN, layers: list[np.ndarray], l: int, j: int) -> np.ndarray:
    """log p(x_l,j = 1 | rest) - log p(x_l,j = 0 | rest), from the unit's Markov blanket.

    p(s = x | rest) is proportional to p(s = x | parents) prod_{children} p(child | its parents, s = x):
    only layer l's own term (the unit's prior given the layer above) and layer l-1's (its
    children, given s and their other parents in layer l) change with s; every other factor of
    the joint cancels. ``layers`` lists the states of every layer bottom first, each (n, n_l). -> (n,)
    """
    if not 1 <= l < net.n_layers:
        raise ValueError(f"l must be a hidden layer, 1..{net.n_layers - 1}; got {l}")
    on, off = layers[l].copy(), layers[l].copy()
    on[:, j], off[:, j] = 1.0, 0.0
    above = layers[l + 1] if l + 1 < net.n_layers else None
    logit = net.log_prob_layer(l, on, above) - net.log_prob_layer(l, off, above)  # the unit's own prior
    return logit + net.log_prob_layer(l - 1, layers[l - 1], on) - net.log_prob_layer(l - 1, layers[l - 1], off)


@dataclass
class GibbsRun:
    """Gibbs sampling of the hidden layers given v, one unit at a time, in ``n_chains`` chains.

    estimates : (n_sweeps, 2^n_layer) the running estimate of p(x_layer | v) after each sweep: the
        fraction of all (chain, sweep) states so far in each state of ``layer``
    moves : (n_sweeps,) how many chains changed their state of ``layer`` in that sweep
    final : the chains' last states, one array per layer (bottom first)
    """

    estimates: np.ndarray
    moves: np.ndarray
    final: list[np.ndarray]
    layer: int

    def tv_to(self, p: np.ndarray) -> np.ndarray:
        """Total variation between the running estimate and a table p, after each sweep."""
        return 0.5 * np.abs(self.estimates - np.asarray(p)[None, :]).sum(axis=1)


def gibbs_posterior(net: SBN, v: np.ndarray, n_sweeps: int = 1000, n_chains: int = 10,
                    rng: int | np.random.Generator | None = 0, start: str | list[np.ndarray] = "uniform",
                    layer: int = 1) -> GibbsRun:
    """Sample p(hidden | v) by Gibbs sampling: each sweep visits every hidden unit, bottom layer first,
    and draws it from its conditional given its Markov blanket (`gibbs_logit`).

    start : "uniform" (every hidden unit a fair coin), "off" (all zero), or a list of hidden-layer
        states, each (n_chains, n_l), layers 1..L.
    """
    v = net._visible(v)
    if n_sweeps < 1 or n_chains < 1:
        raise ValueError(f"need at least one sweep and one chain; got {n_sweeps}, {n_chains}")
    if not 1 <= layer < net.n_layers:
        raise ValueError(f"layer must be a hidden layer, 1..{net.n_layers - 1}; got {layer}")
    rng = as_rng(rng)
    sizes = net.sizes
    if isinstance(start, str):
        if start not in ("uniform", "off"):
            raise ValueError(f"start must be 'uniform', 'off' or a list of states; got {start!r}")
        hidden = [(rng.random((n_chains, n)) < 0.5).astype(np.float64) if start == "uniform"
                  else np.zeros((n_chains, n)) for n in sizes[1:]]
    else:
        hidden = [np.array(np.broadcast_to(np.asarray(x, dtype=np.float64), (n_chains, n)))
                  for x, n in zip(start, sizes[1:])]
        if len(hidden) != net.n_layers - 1:
            raise ValueError(f"start needs {net.n_layers - 1} hidden layers of states")
    layers = [np.repeat(v, n_chains, axis=0), *hidden]
    counts = np.zeros(2 ** sizes[layer])
    estimates, moves = np.empty((n_sweeps, counts.size)), np.empty(n_sweeps, dtype=np.int64)
    before = _index(layers[layer])
    for s in range(n_sweeps):
        for l in range(1, net.n_layers):
            for j in range(sizes[l]):
                p_on = sigmoid(gibbs_logit(net, layers, l, j))
                layers[l][:, j] = (rng.random(n_chains) < p_on).astype(np.float64)
        now = _index(layers[layer])
        moves[s] = int((now != before).sum())
        before = now
        np.add.at(counts, now, 1.0)
        estimates[s] = counts / counts.sum()
    return GibbsRun(estimates, moves, layers[1:], layer)
