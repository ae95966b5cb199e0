"""Deep Boltzmann machines (Salakhutdinov & Hinton 2009): two hidden layers, every connection undirected.

Orientation as in `pgmviz.models.rbm`: ``W1`` (n_v, n_h1) joins v and h1, ``W2`` (n_h1, n_h2) joins
h1 and h2; biases ``b`` (n_v), ``c1`` (n_h1), ``c2`` (n_h2). Batches are rows.

    E(v, h1, h2) = -b.v - c1.h1 - c2.h2 - v.W1.h1 - h1.W2.h2          p(v, h1, h2) = exp(-E) / Z

    p(h1_j = 1 | v, h2) = sigmoid(c1_j + v.W1[:, j] + W2[j, :].h2)      from below AND from above
    p(v_i = 1 | h1)     = sigmoid(b_i + W1[i, :].h1)
    p(h2_k = 1 | h1)    = sigmoid(c2_k + h1.W2[:, k])

The graph is bipartite between the odd layer h1 and the even layers [v, h2], so a DBM is an RBM
whose one side is x = [v, h2] and whose other side is h1, with weights [[W1], [W2^T]] (`as_rbm`).
Gibbs sampling over all layers is block Gibbs in that RBM (h1 | v, h2, then v, h2 | h1), and log Z
is that RBM's (`pgmviz.sampling.partition.log_Z_exact`, enumerating the smaller side).

The posterior over h1 sums h2 out in closed form,

    p(h1 | v) ∝ exp(c1.h1 + v.W1.h1) prod_k (1 + exp(c2_k + h1.W2[:, k]))

and the product, the layer above, is what makes it depend on W2 and not factorise. A DBN's
bottom-up recognition q(h1 | v) = sigmoid(c1 + v W1) has no such term. Mean field approximates the
posterior by a factorial q(h1) q(h2) whose means solve the fixed-point equations (`mean_field`)

    mu1 = sigmoid(c1 + v W1 + mu2 W2^T),        mu2 = sigmoid(c2 + mu1 W2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import MAX_EXACT_UNITS, all_states, log_Z_exact
from pgmviz.special import sigmoid, softplus

MAX_ENUM_HIDDEN = 16  # p(v) lists the 2^n_h2 states of h2 and p(h1 | v) the 2^n_h1 states of h1, per row


@dataclass
class DBM:
    """A two-hidden-layer DBM with ``W1`` (n_v, n_h1), ``W2`` (n_h1, n_h2), ``b``, ``c1``, ``c2``."""

    W1: np.ndarray
    W2: np.ndarray
    b: np.ndarray
    c1: np.ndarray
    c2: np.ndarray

    def __post_init__(self) -> None:
        W1, W2, b, c1, c2 = (np.asarray(x, dtype=np.float64) for x in (self.W1, self.W2, self.b, self.c1, self.c2))
        if W1.ndim != 2 or W2.ndim != 2:
            raise ValueError(f"W1 and W2 must be 2-D; got shapes {W1.shape} and {W2.shape}")
        n_v, n_h1 = W1.shape
        want = {"W2": ((n_h1, W2.shape[1]), W2.shape), "b": ((n_v,), b.shape), "c1": ((n_h1,), c1.shape),
                "c2": ((W2.shape[1],), c2.shape)}
        bad = [f"{k} must have shape {w} to match W1 {W1.shape}; got {g}" for k, (w, g) in want.items() if w != g]
        if bad:
            raise ValueError("; ".join(bad))
        self.W1, self.W2, self.b, self.c1, self.c2 = (np.ascontiguousarray(x) for x in (W1, W2, b, c1, c2))

    @classmethod
    def random(cls, n_v: int, n_h1: int, n_h2: int, seed: int | np.random.Generator | None = 0,
               data: np.ndarray | None = None, sigma: float = 0.01) -> "DBM":
        """W ~ N(0, sigma^2), hidden biases 0, b = the data's log-odds (as `RBM.random`)."""
        if min(n_v, n_h1, n_h2) < 1:
            raise ValueError(f"a DBM needs at least one unit per layer; got {n_v}, {n_h1}, {n_h2}")
        rng = as_rng(seed)
        b = RBM.random(n_v, 1, seed=rng, data=data, dtype=np.float64).b
        return cls(rng.normal(0, sigma, (n_v, n_h1)), rng.normal(0, sigma, (n_h1, n_h2)), b,
                   np.zeros(n_h1), np.zeros(n_h2))

    def copy(self) -> "DBM":
        return DBM(self.W1.copy(), self.W2.copy(), self.b.copy(), self.c1.copy(), self.c2.copy())

    @property
    def sizes(self) -> list[int]:
        """[n_v, n_h1, n_h2]."""
        return [self.W1.shape[0], self.W1.shape[1], self.W2.shape[1]]

    @property
    def params(self) -> list[np.ndarray]:
        return [self.W1, self.W2, self.b, self.c1, self.c2]

    def is_finite(self) -> bool:
        return all(bool(np.isfinite(p).all()) for p in self.params)

    def with_W2(self, W2: np.ndarray) -> "DBM":
        """The same DBM with another layer above (e.g. ``0 * W2``: the top layer cut off)."""
        return DBM(self.W1, W2, self.b, self.c1, self.c2)

    # ------------------------------------------------------------------ energy, the bipartite view
    def energy(self, V: np.ndarray, H1: np.ndarray, H2: np.ndarray) -> np.ndarray:
        """E(v, h1, h2) = -b.v - c1.h1 - c2.h2 - v.W1.h1 - h1.W2.h2, one value per row. (n,)"""
        V, H1, H2 = self._v(V), self._layer(H1, 1), self._layer(H2, 2)
        return (-(V @ self.b) - H1 @ self.c1 - H2 @ self.c2
                - np.einsum("ni,ni->n", V @ self.W1, H1) - np.einsum("ni,ni->n", H1 @ self.W2, H2))

    def as_rbm(self) -> RBM:
        """The RBM between x = [v, h2] and h1: W = [[W1], [W2^T]] (n_v + n_h2, n_h1), b = [b, c2], c = c1."""
        return RBM(np.vstack([self.W1, self.W2.T]), np.concatenate([self.b, self.c2]), self.c1.copy())

    # ------------------------------------------------------------------ exact, for tiny models
    def log_Z(self) -> float:
        """log Z = log sum_{v,h1,h2} exp(-E): the bipartite RBM's, exactly (2^min(n_h1, n_v + n_h2) terms)."""
        if not self.is_finite():
            raise ValueError("the DBM has NaN or infinite parameters; log Z is undefined")
        return log_Z_exact(self.as_rbm())

    def log_p_v(self, V: np.ndarray, log_Z: float | None = None) -> np.ndarray:
        """log p(v) = logsumexp_h2 [-F([v, h2])] - log Z, F the bipartite RBM's free energy. (n,)"""
        V = self._v(V)
        n_h2 = self.sizes[2]
        _check_enum(n_h2, "h2")
        H2 = all_states(n_h2)  # (2^n_h2, n_h2)
        rbm = self.as_rbm()
        X = np.hstack([np.repeat(V, len(H2), axis=0), np.tile(H2, (len(V), 1))])  # rows (v, h2), h2 fastest
        neg_F = -rbm.free_energy(X).reshape(len(V), len(H2))
        return logsumexp(neg_F, axis=1) - (self.log_Z() if log_Z is None else log_Z)

    def log_likelihood(self, V: np.ndarray, log_Z: float | None = None) -> float:
        """Mean log p(v) over the rows of V, exactly, in nats."""
        return float(self.log_p_v(V, log_Z).mean())

    def posterior_h1_table(self, V: np.ndarray) -> np.ndarray:
        """p(h1 | v) ∝ exp(c1.h1 + v.W1.h1) prod_k (1 + exp(c2_k + h1.W2[:, k])), every h1. (n, 2^n_h1)"""
        V = self._v(V)
        _check_enum(self.sizes[1], "h1")
        H1 = all_states(self.sizes[1])
        log_p = V @ self.W1 @ H1.T + (H1 @ self.c1 + softplus(H1 @ self.W2 + self.c2).sum(axis=1))[None, :]
        return np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))

    def p_h1_given_v(self, V: np.ndarray) -> np.ndarray:
        """The exact marginals p(h1_j = 1 | v), h2 summed out. (n, n_h1)"""
        return self.posterior_h1_table(V) @ all_states(self.sizes[1])

    # ------------------------------------------------------------------ conditionals and mean field
    def p_h1_given(self, V: np.ndarray, H2: np.ndarray) -> np.ndarray:
        """p(h1_j = 1 | v, h2) = sigmoid(c1_j + v.W1[:, j] + W2[j, :].h2); means for V, H2 work alike."""
        return sigmoid(np.asarray(V, dtype=np.float64) @ self.W1 + np.asarray(H2, dtype=np.float64) @ self.W2.T
                       + self.c1)

    def p_v_given_h1(self, H1: np.ndarray) -> np.ndarray:
        """p(v_i = 1 | h1) = sigmoid(b_i + W1[i, :].h1). (n, n_v)"""
        return sigmoid(np.asarray(H1, dtype=np.float64) @ self.W1.T + self.b)

    def p_h2_given_h1(self, H1: np.ndarray) -> np.ndarray:
        """p(h2_k = 1 | h1) = sigmoid(c2_k + h1.W2[:, k]). (n, n_h2)"""
        return sigmoid(np.asarray(H1, dtype=np.float64) @ self.W2 + self.c2)

    def mean_field(self, V: np.ndarray, n_iter: int = 50, tol: float = 1e-6,
                   start: tuple[np.ndarray, np.ndarray] | None = None) -> "MeanField":
        """Iterate mu1 = sigmoid(c1 + v W1 + mu2 W2^T), mu2 = sigmoid(c2 + mu1 W2) to a fixed point.

        Starts from the bottom-up pass (mu2 = 0 for the first mu1) unless ``start`` = (mu1, mu2) is
        given (the persistent guesses of training); stops when no mean moves by more than ``tol``.
        """
        V = self._v(V)
        if start is None:
            mu1 = sigmoid(V @ self.W1 + self.c1)
            mu2 = self.p_h2_given_h1(mu1)
        else:
            mu1, mu2 = (np.array(m, dtype=np.float64) for m in start)
        moved, it = np.inf, 0
        for it in range(1, int(n_iter) + 1):
            new1 = self.p_h1_given(V, mu2)
            new2 = self.p_h2_given_h1(new1)
            moved = max(float(np.abs(new1 - mu1).max(initial=0.0)), float(np.abs(new2 - mu2).max(initial=0.0)))
            mu1, mu2 = new1, new2
            if moved <= tol:
                break
        return MeanField(mu1, mu2, it, moved)

    # ------------------------------------------------------------------ sampling
    def gibbs(self, V: np.ndarray, H2: np.ndarray, k: int = 1, rng: int | np.random.Generator | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """k sweeps over all layers from (v, h2): h1 ~ p(h1 | v, h2), then v ~ p(v | h1) and h2 ~ p(h2 | h1).

        Returns (V, H1, H2) after the last sweep, with H1 drawn given the final (v, h2); k = 0 draws H1 only.
        It is block Gibbs in the bipartite RBM `as_rbm` (a Numba kernel for small models).
        """
        X = np.hstack([self._v(V), self._layer(H2, 2)])
        X, H1 = self.as_rbm().gibbs(X, k, rng)
        n_v = self.sizes[0]
        return X[:, :n_v], H1, X[:, n_v:]

    def sample(self, n: int, sweeps: int, rng: int | np.random.Generator | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``sweeps`` Gibbs sweeps from random bits: (p(v | h1), H1, H2) of n chains; pictures are the means."""
        if n < 1 or sweeps < 0:
            raise ValueError(f"need n >= 1 and sweeps >= 0; got n={n}, sweeps={sweeps}")
        rng = as_rng(rng)
        n_v, _, n_h2 = self.sizes
        V0, H2 = bernoulli(np.full((n, n_v), 0.5), rng), bernoulli(np.full((n, n_h2), 0.5), rng)
        _, H1, H2 = self.gibbs(V0, H2, sweeps, rng)
        return self.p_v_given_h1(H1), H1, H2

    # ------------------------------------------------------------------ validation
    def _v(self, V: np.ndarray) -> np.ndarray:
        return check_visible(V, self.sizes[0], np.float64)

    def _layer(self, H: np.ndarray, layer: int) -> np.ndarray:
        H = np.atleast_2d(np.asarray(H, dtype=np.float64))
        if H.ndim != 2 or H.shape[1] != self.sizes[layer]:
            raise ValueError(f"h{layer} states must have shape (n, {self.sizes[layer]}); got {H.shape}")
        return H


@dataclass
class MeanField:
    """The mean-field posterior q(h1) q(h2) of each row: its means, and how the iteration ended."""

    mu1: np.ndarray  # (n, n_h1)
    mu2: np.ndarray  # (n, n_h2)
    iterations: int
    moved: float  # the largest change of a mean in the last iteration


def _check_enum(n: int, name: str) -> None:
    if n > min(MAX_ENUM_HIDDEN, MAX_EXACT_UNITS):
        raise ValueError(f"exact sums list the 2^{n} states of {name}; at most {MAX_ENUM_HIDDEN} units")
