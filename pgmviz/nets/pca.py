"""PCA, the linear baseline of the autoencoder lesson, and the errors both are judged by.

`PCA` by the SVD of the centred data (code = (x - mean) V_k); `squared_error` per image as
Hinton & Salakhutdinov (2006) report it, sum_i (x_i - x_hat_i)^2 averaged over images;
`compare_with_pca` at the same code size; `pca_error_curve` for every k from one SVD;
`knn_agreement` of a 2-D map's neighbourhoods with the classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pgmviz.nets.autoencoder import Autoencoder


@dataclass
class PCA:
    """Principal components by the SVD of the centred training data: code = (x - mean) V_k."""

    mean: np.ndarray  # (n_v,)
    components: np.ndarray  # (k, n_v), orthonormal rows, largest variance first

    @classmethod
    def fit(cls, X: np.ndarray, k: int) -> "PCA":
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
        return cls(mean, Vt[:k])

    def encode(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.mean) @ self.components.T

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        return self.encode(X) @ self.components + self.mean


def squared_error(X: np.ndarray, R: np.ndarray) -> float:
    """Squared error per image: sum_i (x_i - r_i)^2, averaged over rows."""
    return float(((np.asarray(X, dtype=np.float64) - np.asarray(R, dtype=np.float64)) ** 2).sum(axis=1).mean())


@dataclass
class Comparison:
    code_size: int
    ae_train: float
    ae_test: float
    pca_train: float
    pca_test: float


def compare_with_pca(net: Autoencoder, X_train: np.ndarray, X_test: np.ndarray, pca: PCA | None = None) -> Comparison:
    """Squared error per image of the autoencoder and of PCA with the same code size, train and held out."""
    pca = pca or PCA.fit(X_train, net.code_size)
    return Comparison(net.code_size, squared_error(X_train, net.reconstruct(X_train)),
                      squared_error(X_test, net.reconstruct(X_test)),
                      squared_error(X_train, pca.reconstruct(X_train)), squared_error(X_test, pca.reconstruct(X_test)))


def pca_error_curve(X_train: np.ndarray, X_test: np.ndarray, k_max: int) -> np.ndarray:
    """Held-out squared error per image of PCA with k = 1 .. k_max components. (k_max,)

    With orthonormal components the error left after k of them is |x - mean|^2 minus the
    squared projections on the first k, so one SVD gives every k.
    """
    pca = PCA.fit(X_train, k_max)
    Xc = np.asarray(X_test, dtype=np.float64) - pca.mean
    proj2 = ((Xc @ pca.components.T) ** 2).mean(axis=0)  # (k_max,): mean squared projection
    return float((Xc**2).sum(axis=1).mean()) - np.cumsum(proj2)


def knn_agreement(codes: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Fraction of points whose k nearest other points (Euclidean, in the code space) vote their class.

    A plain measure of how well a map keeps classes apart: 1 = every neighbourhood is pure.
    Ties go to the smallest label.
    """
    Z = np.asarray(codes, dtype=np.float64)
    y = np.asarray(y)
    d2 = (Z**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * Z @ Z.T  # (n, n)
    np.fill_diagonal(d2, np.inf)  # leave each point out of its own vote
    nn = np.argpartition(d2, k, axis=1)[:, :k]  # (n, k)
    votes = np.zeros((len(Z), int(y.max()) + 1))
    np.add.at(votes, (np.repeat(np.arange(len(Z)), k), y[nn].ravel()), 1)
    return float((votes.argmax(axis=1) == y).mean())
