"""The restricted Boltzmann machine: energy, free energy, conditionals and block Gibbs sampling.

Orientation, fixed once for all of pgmviz: ``W`` has shape (n_v, n_h), so ``v @ W`` is the input
to the hidden layer and ``h @ W.T`` the input to the visible layer. Batches are rows.

    E(v, h)   = -b.v - v.W.h - c.h                     p(v, h) = exp(-E(v, h)) / Z
    F(v)      = -b.v - sum_j softplus(c_j + v.W[:, j])  p(v)    = exp(-F(v)) / Z
    p(h_j=1|v) = sigmoid(c_j + v.W[:, j])               p(v_i=1|h) = sigmoid(b_i + W[i, :].h)

Because the graph is bipartite, each layer is conditionally independent given the other, so a
whole layer is sampled at once ("block" Gibbs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.rng import as_rng, kernel_seed
from pgmviz.special import sigmoid, softplus  # also importable from here, as before

# A model this small is cheaper to sample with a per-chain Numba loop than with BLAS calls.
SMALL_MODEL_SIZE = 4096  # n_v * n_h


@dataclass
class RBM:
    """A binary-binary RBM with parameters ``W`` (n_v, n_h), ``b`` (n_v,), ``c`` (n_h,).

    The methods `pgmviz.training.train.Trainer` calls (``check_data``, ``p_h_given_v``, ``draw_h``,
    ``sample_v``, ``visible_statistics``, ``extra_gradients``, ``reconstruct``, ``free_energy``) are the
    whole contract: `LinearHiddenRBM` and `pgmviz.models.grbm.GaussianRBM` change the unit types by
    overriding them, and the one Trainer trains all three.
    """

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray

    visible_units = "bernoulli"  # the unit types (class attributes, not fields): what Trainer may measure
    hidden_units = "bernoulli"
    numba_gibbs = True  # small models' block Gibbs in the Numba kernel (binary units only; subclasses turn it off)

    def __post_init__(self) -> None:
        W, b, c = (np.asarray(x) for x in (self.W, self.b, self.c))
        if W.ndim != 2:
            raise ValueError(f"W must be 2-D (n_v, n_h); got shape {W.shape}")
        n_v, n_h = W.shape
        if b.shape != (n_v,):
            raise ValueError(f"b must have shape ({n_v},) to match W {W.shape}; got {b.shape}")
        if c.shape != (n_h,):
            raise ValueError(f"c must have shape ({n_h},) to match W {W.shape}; got {c.shape}")
        dtype = W.dtype if W.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        self.W, self.b, self.c = (np.ascontiguousarray(x, dtype=dtype) for x in (W, b, c))

    # ------------------------------------------------------------------ construction
    @classmethod
    def random(
        cls,
        n_v: int,
        n_h: int,
        seed: int | np.random.Generator | None = 0,
        data: np.ndarray | None = None,
        sigma: float = 0.01,
        dtype: type = np.float32,
    ) -> "RBM":
        """Practical-guide initialisation (Hinton 2010, section 8).

        W ~ N(0, sigma^2); c = 0; b_i = log(p_i / (1 - p_i)) where p_i is the fraction of
        training vectors with v_i on (b = 0 without data). Starting b at the data's log-odds
        means the hidden units do not first have to learn the pixel marginals.
        """
        if n_v < 1 or n_h < 1:
            raise ValueError(f"an RBM needs at least one unit per layer; got n_v={n_v}, n_h={n_h}")
        rng = as_rng(seed)
        W = rng.normal(0.0, sigma, size=(n_v, n_h))
        b = np.zeros(n_v)
        if data is not None:
            data = check_visible(data, n_v)
            p = np.clip(data.mean(axis=0, dtype=np.float64), 1e-3, 1 - 1e-3)
            b = np.log(p / (1 - p))
        return cls(W.astype(dtype), b.astype(dtype), np.zeros(n_h, dtype=dtype))

    def copy(self) -> "RBM":
        return RBM(self.W.copy(), self.b.copy(), self.c.copy())

    def astype(self, dtype: type) -> "RBM":
        return RBM(self.W.astype(dtype), self.b.astype(dtype), self.c.astype(dtype))

    @property
    def n_v(self) -> int:
        return self.W.shape[0]

    @property
    def n_h(self) -> int:
        return self.W.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.W.dtype

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.W).all() and np.isfinite(self.b).all() and np.isfinite(self.c).all())

    # ------------------------------------------------------------------ energies
    def energy(self, V: np.ndarray, H: np.ndarray) -> np.ndarray:
        """E(v, h) = -b.v - v.W.h - c.h, one value per row. V (n, n_v), H (n, n_h) -> (n,)."""
        V = self._visible(V)
        H = self._hidden(H)
        if V.shape[0] != H.shape[0]:
            raise ValueError(f"V and H need the same number of rows; got {V.shape[0]} and {H.shape[0]}")
        return -(V @ self.b) - np.einsum("ni,ni->n", V @ self.W, H) - H @ self.c

    def free_energy(self, V: np.ndarray) -> np.ndarray:
        """F(v) = -b.v - sum_j softplus(c_j + v.W[:, j]), so p(v) = exp(-F(v)) / Z. (n,)"""
        V = self._visible(V)
        return -(V @ self.b) - softplus(V @ self.W + self.c).sum(axis=1)

    # ------------------------------------------------------------------ conditionals
    def p_h_given_v(self, V: np.ndarray) -> np.ndarray:
        """p(h_j = 1 | v) = sigmoid(c_j + v.W[:, j]). V (n, n_v) -> (n, n_h)."""
        return sigmoid(self._visible(V) @ self.W + self.c)

    def p_v_given_h(self, H: np.ndarray) -> np.ndarray:
        """p(v_i = 1 | h) = sigmoid(b_i + W[i, :].h). H (n, n_h) -> (n, n_v)."""
        return sigmoid(self._hidden(H) @ self.W.T + self.b)

    def sample_h(self, V: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw h ~ p(h | v), one binary row per row of V."""
        return self.draw_h(self.p_h_given_v(V), as_rng(rng))

    def draw_h(self, P_h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """h ~ p(h | v) given its mean P_h = E[h | v]: here Bernoulli(P_h)."""
        return bernoulli(P_h, rng)

    def sample_v(self, H: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw v ~ p(v | h), one binary row per row of H."""
        return bernoulli(self.p_v_given_h(H), as_rng(rng))

    # ------------------------------------------------------------------ sampling
    def gibbs(
        self, V: np.ndarray, k: int = 1, rng: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run k block-Gibbs steps v -> h -> v from each row of V.

        Returns ``(v_k, h_k)``: the chains' last visible states and hidden states drawn from
        p(h | v_k). One step is h ~ p(h|v) then v ~ p(v|h); with k = 0 only h is drawn.
        """
        V = self._visible(V)
        if k < 0:
            raise ValueError(f"k must be >= 0; got {k}")
        rng = as_rng(rng)
        if self.numba_gibbs and self.n_v * self.n_h <= SMALL_MODEL_SIZE:
            from pgmviz.sampling.kernels import gibbs_chains

            return gibbs_chains(self.W, self.b, self.c, V, k, kernel_seed(rng))
        H = self.sample_h(V, rng)
        for _ in range(k):
            V = self.sample_v(H, rng)
            H = self.sample_h(V, rng)
        return V, H

    def reconstruct(self, V: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Reconstruction p(v | h) with h = p(h | v) (mean field), or h sampled when rng is given."""
        P_h = self.p_h_given_v(V)
        H = P_h if rng is None else self.draw_h(P_h, as_rng(rng))
        return self.p_v_given_h(H)

    # ------------------------------------------------------------------ what Trainer needs
    def check_data(self, V: np.ndarray) -> np.ndarray:
        """Training data for this model, validated: rows of n_v values in [0, 1], in the model's dtype."""
        return self._visible(V)

    def visible_statistics(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(s_W, s_b): -dE/dW = s_W(v)^T h and -dE/db = s_b(v). Both are v itself for binary visible units."""
        return V, V

    def extra_gradients(self, V_pos, P_pos, V_neg, P_neg, w) -> dict[str, np.ndarray]:
        """Gradients of parameters beyond W, b, c (a GRBM's log sigma); an RBM has none."""
        return {}

    def apply_extra(self, steps: dict[str, np.ndarray]) -> None:
        """Add the momentum steps of the extra parameters (none here)."""

    # ------------------------------------------------------------------ validation
    def _visible(self, V: np.ndarray) -> np.ndarray:
        return check_visible(V, self.n_v, self.dtype)

    def _hidden(self, H: np.ndarray) -> np.ndarray:
        H = np.atleast_2d(np.asarray(H))
        if H.ndim != 2 or H.shape[1] != self.n_h:
            raise ValueError(f"hidden states must have shape (n, {self.n_h}); got {H.shape}")
        return H.astype(self.dtype, copy=False)


class LinearHiddenRBM(RBM):
    """Binary visible units, linear (unit-variance Gaussian) hidden units: h = c + v.W + N(0, 1).

    The code layer of Hinton & Salakhutdinov's (2006) autoencoder. With E(v, h) = -b.v - v.W.h - c.h + h.h / 2,

        p(h_j | v) = Normal(c_j + v.W[:, j], 1)     p(v_i = 1 | h) = sigmoid(b_i + W[i, :].h)
        F(v)      = -b.v - sum_j (c_j + v.W[:, j])^2 / 2 - (n_h / 2) log(2 pi)

    ``p_h_given_v`` returns the mean E[h | v] (what the gradient's statistics need); ``draw_h`` adds the noise.
    """

    hidden_units = "linear"
    numba_gibbs = False

    def copy(self) -> "LinearHiddenRBM":
        return LinearHiddenRBM(self.W.copy(), self.b.copy(), self.c.copy())

    def astype(self, dtype: type) -> "LinearHiddenRBM":
        return LinearHiddenRBM(self.W.astype(dtype), self.b.astype(dtype), self.c.astype(dtype))

    def energy(self, V: np.ndarray, H: np.ndarray) -> np.ndarray:
        """E(v, h) = -b.v - v.W.h - c.h + h.h / 2. (n,)"""
        H = self._hidden(H)
        return super().energy(V, H) + 0.5 * (H**2).sum(axis=1)

    def free_energy(self, V: np.ndarray) -> np.ndarray:
        """F(v) = -b.v - sum_j (c_j + v.W[:, j])^2 / 2 - (n_h / 2) log(2 pi): the Gaussian integral over h. (n,)"""
        V = self._visible(V)
        A = V @ self.W + self.c
        return -(V @ self.b) - 0.5 * (A**2).sum(axis=1) - 0.5 * self.n_h * np.log(2 * np.pi)

    def p_h_given_v(self, V: np.ndarray) -> np.ndarray:
        """E[h | v] = c + v.W (the mean of the unit-variance Gaussian). V (n, n_v) -> (n, n_h)."""
        return self._visible(V) @ self.W + self.c

    def draw_h(self, P_h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """h = E[h | v] + N(0, 1), in the mean's dtype."""
        return P_h + rng.standard_normal(P_h.shape, dtype=P_h.dtype if P_h.dtype == np.float32 else np.float64)


def bernoulli(P: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Binary samples with P(x = 1) = P, in P's dtype."""
    return (rng.random(P.shape, dtype=P.dtype if P.dtype == np.float32 else np.float64) < P).astype(P.dtype)


def check_visible(V: np.ndarray, n_v: int, dtype: type = np.float64) -> np.ndarray:
    """Validate a batch of visible vectors: shape (n, n_v), finite, values in [0, 1]."""
    V = np.atleast_2d(np.asarray(V))
    if V.ndim != 2 or V.shape[1] != n_v:
        raise ValueError(f"visible data must have shape (n, {n_v}); got {V.shape}")
    if V.dtype.kind not in "biuf":
        raise ValueError(f"visible data must be numeric; got dtype {V.dtype}")
    V = V.astype(dtype, copy=False)
    if V.size:
        if not np.isfinite(V).all():
            raise ValueError("visible data contains NaN or infinite values")
        lo, hi = V.min(), V.max()
        if lo < 0 or hi > 1:
            raise ValueError(f"visible data must lie in [0, 1] (binary or probabilities); got range [{lo}, {hi}]")
    return V
