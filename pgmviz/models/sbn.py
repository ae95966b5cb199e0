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

Elsewhere: sampling the posterior one unit at a time, `pgmviz.sampling.sbn_gibbs`; factorial (mean-field)
approximations of a table, `pgmviz.inference.table_meanfield`; the explaining-away lesson's net and numbers,
`pgmviz.inference.explaining_away`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.bm_posterior import kl, product_of_marginals
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
