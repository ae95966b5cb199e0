"""Reconstruction v -> h -> v: what a trained RBM gives back, digit by digit and class by class.

One round sends an image up and back down:

    p(h|v) = sigmoid(c + v.W)      h ~ Bernoulli(p(h|v))      p(v|h) = sigmoid(b + W.h)

and the next round starts from v' ~ Bernoulli(p(v|h)), so repeating rounds is block Gibbs
sampling: the chain drifts from the image shown toward what the model believes an image is.
A model trained only on 2s has features for the strokes of a 2, so any image it reconstructs
comes back 2-like (Hinton's slides: "the network tries to see every image as a 2").

Errors are squared differences between v and its mean-field reconstruction p(v | p(h|v)), the
number the trainer reports (``pgmviz.training.train.reconstruction_error``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.rbm import RBM, bernoulli
from pgmviz.rng import as_rng

# The data set whose held-out digits a model of each training set is shown. A model of only 2s
# is shown all ten digits at its size: the unfamiliar ones are the point.
SHOW_SET = {"mnist": "mnist", "mnist16": "mnist16", "mnist16_2": "mnist16", "bars4": "bars4", "bars3": "bars3"}
# Without (or with an unknown) training-set key, the visible size decides.
SHOW_SET_BY_SIZE = {784: "mnist", 256: "mnist16", 16: "bars4", 9: "bars3"}
DIGIT_SETS = {"mnist": 28, "mnist16": 16}  # sets of handwritten digits -> image side
TRAINED_CLASSES = {"mnist16_2": (2,)}  # training sets holding only some digit classes


def show_set_for(n_v: int, dataset: str | None = None) -> str | None:
    """The data set (a ``pgmviz.datasets`` key) to reconstruct with a model of ``n_v`` visible units.

    The model's own training set decides when it is known and fits (a model of only 2s gets all
    the 16x16 digits); otherwise the visible size; None when no bundled set has ``n_v`` pixels.
    """
    key = SHOW_SET.get(dataset or "")
    if key is not None and _set_size(key) == n_v:
        return key
    return SHOW_SET_BY_SIZE.get(int(n_v))


def _set_size(key: str) -> int:
    return {"mnist": 784, "mnist16": 256, "bars4": 16, "bars3": 9}[key]


def trained_classes(dataset: str | None) -> tuple[int, ...] | None:
    """Digit classes the model saw in training: (2,) for the only-2s set, None for "all of them"."""
    return TRAINED_CLASSES.get(dataset or "")


@dataclass
class Rounds:
    """A reconstruction chain of ``n`` rounds from one image. Row t is round t (0-based).

    V   : ndarray of shape (n + 1, n_v)  v_0 (the image) and v_t ~ p(v | h_{t-1}) after it
    P_h : ndarray of shape (n, n_h)      p(h | v_t)
    H   : ndarray of shape (n, n_h)      h_t ~ p(h | v_t), binary
    P_v : ndarray of shape (n, n_v)      p(v | h_t): the reconstruction shown for round t
    """

    V: np.ndarray
    P_h: np.ndarray
    H: np.ndarray
    P_v: np.ndarray

    @property
    def n_rounds(self) -> int:
        return self.P_h.shape[0]

    def squared_errors(self) -> np.ndarray:
        """sum_i (v_0,i - p(v_i | h_t))^2 for every round t: how far each reconstruction is from the image."""
        return ((self.P_v - self.V[0]) ** 2).sum(axis=1)


def reconstruction_rounds(rbm: RBM, v: np.ndarray, n_rounds: int = 1,
                          rng: int | np.random.Generator | None = None) -> Rounds:
    """Run v -> h -> v ``n_rounds`` times from one image ``v`` (n_v,), sampling h and the next v.

    The first round is the reconstruction of the slides: the image drives binary features h_0
    and p(v | h_0) is drawn. Later rounds start from a binary v sampled from the previous
    p(v | h), so the chain is block Gibbs sampling. The same seed gives the same chain.
    """
    if n_rounds < 1:
        raise ValueError(f"n_rounds must be at least 1; got {n_rounds}")
    rng = as_rng(rng)
    v = np.asarray(v, dtype=rbm.dtype).reshape(1, -1)
    if v.shape[1] != rbm.n_v:
        raise ValueError(f"the image has {v.shape[1]} pixels but the model has {rbm.n_v} visible units")
    V = [v[0]]
    P_h, H, P_v = [], [], []
    for _ in range(n_rounds):
        p_h = rbm.p_h_given_v(v)           # (1, n_h)
        h = bernoulli(p_h, rng)
        p_v = rbm.p_v_given_h(h)           # (1, n_v)
        v = bernoulli(p_v, rng)            # the next round starts from a sampled binary image
        P_h.append(p_h[0]), H.append(h[0]), P_v.append(p_v[0]), V.append(v[0])
    return Rounds(np.array(V), np.array(P_h), np.array(H), np.array(P_v))


@dataclass
class ClassErrors:
    """Reconstruction error of held-out images, class by class.

    classes : ndarray of shape (k,)   the labels present
    counts  : ndarray of shape (k,)   images per class
    mse     : ndarray of shape (k,)   mean over images and pixels of (v - p(v | p(h|v)))^2
    per_ink : ndarray of shape (k,)   total squared error / total ink (pixels on in v): error per
                                      inked pixel, so thin digits (1s) are not "good" just for
                                      having less ink to get wrong
    """

    classes: np.ndarray
    counts: np.ndarray
    mse: np.ndarray
    per_ink: np.ndarray


def class_errors(rbm: RBM, X: np.ndarray, y: np.ndarray) -> ClassErrors:
    """Mean-field reconstruction error of the rows of X (n, n_v), grouped by label y (n,)."""
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y need the same number of rows; got {len(X)} and {len(y)}")
    sq = (X - rbm.reconstruct(X)) ** 2     # (n, n_v)
    per_image = sq.sum(axis=1, dtype=np.float64)
    ink = X.sum(axis=1, dtype=np.float64)
    classes = np.unique(y)
    counts = np.array([(y == c).sum() for c in classes])
    mse = np.array([per_image[y == c].sum() / ((y == c).sum() * X.shape[1]) for c in classes])
    per_ink = np.array([per_image[y == c].sum() / max(ink[y == c].sum(), 1.0) for c in classes])
    return ClassErrors(classes, counts, mse, per_ink)


def unfamiliar_ratio(errors: ClassErrors, trained: tuple[int, ...] | None) -> float | None:
    """mean_k per_ink_k over unfamiliar classes / the same over the trained ones (None without both kinds)."""
    if not trained:
        return None
    seen = np.isin(errors.classes, trained)
    if seen.all() or not seen.any():
        return None
    return float(errors.per_ink[~seen].mean() / errors.per_ink[seen].mean())


def class_examples(X: np.ndarray, y: np.ndarray, per_class: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The first ``per_class`` rows of every label, ordered by label then position: (rows, labels)."""
    idx = [np.flatnonzero(y == c)[:per_class] for c in np.unique(y)]
    idx = np.concatenate(idx) if idx else np.zeros(0, dtype=int)
    return X[idx], y[idx]


def hidden_grid(p: np.ndarray, n_cols: int | None = None) -> np.ndarray:
    """Hidden-unit values (n_h,) laid out row by row in a (rows, n_cols) grid, NaN where none.

    ``n_cols`` defaults to a near-square layout twice as wide as tall, so it sits beside an image.
    """
    p = np.asarray(p, dtype=np.float64).ravel()
    n = p.size
    if n_cols is None:
        n_cols = int(np.ceil(np.sqrt(2 * n)))
    n_rows = int(np.ceil(n / n_cols))
    grid = np.full(n_rows * n_cols, np.nan)
    grid[:n] = p
    return grid.reshape(n_rows, n_cols)
