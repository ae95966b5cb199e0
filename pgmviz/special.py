"""The special functions every model here uses, written once: sigmoid, softplus, softmax, one-hot.

Each keeps the floating dtype of its input (float32 batches stay float32; integers, booleans and
lists become float64) and is stable for large |x|. The Numba kernels keep scalar copies of their
own (`pgmviz.sampling.kernels`): a kernel cannot call these array functions.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) = 1 / (1 + exp(-x)), in the dtype of x.

    NumPy's vectorised exp makes this about 4x faster than scipy's expit on float32 batches
    (it is most of the non-BLAS time of a CD update); exp(-x) overflowing to inf for very
    negative x gives the right limit, 0, with full relative precision elsewhere.
    """
    x = _float(x)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)), without overflow for large |x|."""
    x = _float(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log sigmoid(x) = -softplus(-x), without overflow (sigmoid(-40) is not rounded to 0)."""
    return -softplus(-_float(x))


def softmax(A: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(a)_k = exp(a_k) / sum_j exp(a_j) along ``axis``, shifted by the maximum so exp never overflows."""
    A = _float(A)
    A = A - A.max(axis=axis, keepdims=True)
    E = np.exp(A)
    return E / E.sum(axis=axis, keepdims=True)


def log_softmax(A: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(a)_k = a_k - logsumexp(a) along ``axis``."""
    A = _float(A)
    m = A.max(axis=axis, keepdims=True)
    return A - m - np.log(np.exp(A - m).sum(axis=axis, keepdims=True))


def one_hot(y: np.ndarray, n_classes: int, dtype: type = np.float32) -> np.ndarray:
    """Rows e_{y_n}: T[n, k] = 1 if y_n == k; (n,) integer labels -> (n, n_classes)."""
    y = np.asarray(y).astype(np.int64).ravel()
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}; got range [{y.min()}, {y.max()}]")
    out = np.zeros((y.size, n_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out


def bernoulli_entropy(q: np.ndarray) -> np.ndarray:
    """H(Q) = -sum_j [q_j log q_j + (1 - q_j) log(1 - q_j)] of a factorial Q, per row (nats; 0 log 0 = 0)."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(q > 0, q * np.log(q), 0.0) + np.where(q < 1, (1 - q) * np.log1p(-q), 0.0)
    return -t.sum(axis=1)


def _float(x) -> np.ndarray:
    """x as an array of its own floating dtype, or float64 (an unsigned -x would wrap around)."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
