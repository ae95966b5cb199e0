"""The top RBM of a labelled DBN: visible layer [h, y] with y one group of softmax label units.

Orientation as in `pgmviz.models.rbm`: ``W`` (n_v, n_h) where the last ``n_labels`` visible units are
the labels. The energy is the RBM's, E(v, h) = -b.v - v.W.h - c.h with v = [h_pen, y], but y is
restricted to the one-hot vectors e_1 .. e_K, so given the top hidden layer h

    p(y = e_k | h) = softmax_k(b_y + W_y h)          (one group: exactly one label is on)
    p(h_pen,i = 1 | h) = sigmoid(b_i + W[i, :].h)    (the rest Bernoulli, as before)

and with the top hidden layer summed out (its free energy)

    F([x, e_k]) = -b_x.x - b_y,k - sum_j softplus(c_j + x.W_x[:, j] + W_y[k, j])
    p(y = e_k | x) = exp(-F([x, e_k])) / sum_k' exp(-F([x, e_k'])) = softmax_k(-F)

exactly: recognition by free energy needs no sampling (Hinton, Osindero & Teh 2006 read the label
after a few Gibbs iterations of the associative memory instead; the free energy is their limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.rbm import RBM, bernoulli
from pgmviz.rng import as_rng
from pgmviz.special import one_hot, sigmoid, softmax, softplus


def sample_one_hot(P: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from the categorical distribution P (rows sum to one), as a one-hot row."""
    u = rng.random((P.shape[0], 1))
    k = (np.cumsum(P, axis=1, dtype=np.float64) < u).sum(axis=1)  # inverse-CDF sampling
    return one_hot(np.minimum(k, P.shape[1] - 1), P.shape[1], P.dtype)


@dataclass
class LabelRBM(RBM):
    """An RBM whose last ``n_labels`` visible units form one softmax group (the label units)."""

    n_labels: int = 10
    numba_gibbs = False  # the label group is drawn as one softmax, which the binary kernel does not do

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.n_labels < self.n_v:
            raise ValueError(f"n_labels must be between 1 and n_v - 1 = {self.n_v - 1}; got {self.n_labels}")

    @classmethod
    def from_rbm(cls, rbm: RBM, n_labels: int) -> "LabelRBM":
        return cls(rbm.W, rbm.b, rbm.c, n_labels)

    def copy(self) -> "LabelRBM":
        return LabelRBM(self.W.copy(), self.b.copy(), self.c.copy(), self.n_labels)

    def astype(self, dtype: type) -> "LabelRBM":
        return LabelRBM(self.W.astype(dtype), self.b.astype(dtype), self.c.astype(dtype), self.n_labels)

    @property
    def n_x(self) -> int:
        """Visible units that are not labels (the penultimate layer of the DBN)."""
        return self.n_v - self.n_labels

    # ------------------------------------------------------------------ conditionals
    def p_v_given_h(self, H: np.ndarray) -> np.ndarray:
        """[sigmoid(b_x + W_x h), softmax(b_y + W_y h)]: Bernoulli means, then the label distribution."""
        A = self._hidden(H) @ self.W.T + self.b  # (n, n_v): input to every visible unit
        K = self.n_labels
        return np.concatenate([sigmoid(A[:, :-K]), softmax(A[:, -K:])], axis=1)

    def sample_v(self, H: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw v ~ p(v | h): Bernoulli units independently, the label group as one one-hot draw."""
        rng = as_rng(rng)
        P = self.p_v_given_h(H)
        K = self.n_labels
        return np.concatenate([bernoulli(P[:, :-K], rng), sample_one_hot(P[:, -K:], rng)], axis=1)

    # ------------------------------------------------------------------ recognition
    def label_free_energies(self, X: np.ndarray) -> np.ndarray:
        """F([x, e_k]) for every row x and every label k. X (n, n_x) -> (n, n_labels)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != self.n_x:
            raise ValueError(f"X must have shape (n, {self.n_x}); got {X.shape}")
        K = self.n_labels
        W = self.W.astype(np.float64)
        b = self.b.astype(np.float64)
        A = X @ W[:-K] + self.c.astype(np.float64)  # (n, n_h): input to h from x alone
        sp = softplus(A[:, None, :] + W[-K:][None, :, :]).sum(axis=2)  # (n, K): label k adds W_y[k]
        return -(X @ b[:-K])[:, None] - b[-K:][None, :] - sp

    def p_y_given_x(self, X: np.ndarray) -> np.ndarray:
        """p(y = e_k | x) = softmax_k(-F([x, e_k])), exact. (n, n_labels)"""
        return softmax(-self.label_free_energies(X))

    def log_p_y_given_x_gradient(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradient of the mean log p(y | x) over rows V = [x, e_y], exactly (no sampling).

        log p(y | x) = -F([x, e_y]) - log sum_k exp(-F([x, e_k])). With o_kj = c_j + x.W_x[:, j] + W_y[k, j]
        and D_kj = (1[k = y] - p(k | x)) sigmoid(o_kj):

            d/dW_x[i, j] = x_i sum_k D_kj    d/dW_y[k, j] = D_kj    d/dc_j = sum_k D_kj
            d/db_y[k] = 1[k = y] - p(k | x)  d/db_x = 0

        (Larochelle & Bengio 2008's discriminative RBM). Returns (dW, db, dc) in the model's dtype.
        """
        V = self._visible(V)
        K = self.n_labels
        X, Y = V[:, :-K], V[:, -K:]
        A = X @ self.W[:-K] + self.c  # (n, n_h)
        O = A[:, None, :] + self.W[-K:][None, :, :]  # (n, K, n_h)
        F = -(X @ self.b[:-K])[:, None] - self.b[-K:][None, :] - softplus(O).sum(axis=2)  # (n, K)
        E = Y - softmax(-F)  # (n, K): 1[k = y] - p(k | x)
        D = E[:, :, None] * sigmoid(O)  # (n, K, n_h)
        n = V.shape[0]
        D_sum = D.sum(axis=1)  # (n, n_h)
        dW = np.vstack([X.T @ D_sum, D.sum(axis=0)]) / n
        db = np.concatenate([np.zeros(self.n_x, dtype=self.dtype), E.mean(axis=0)])
        return dW.astype(self.dtype), db.astype(self.dtype), (D_sum.mean(axis=0)).astype(self.dtype)
