"""Recognition read out: the confusion matrix C[t, r] = #{n : y_n = t, ŷ_n = r}, its largest mistakes, and
how many drawings per frame a reader reads as the label they were drawn for (the Generate lesson's numbers)."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """C[t, r] = how many examples of class t were recognised as r. (n_classes, n_classes) ints."""
    conf = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(conf, (np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)), 1)
    return conf


def top_confusions(conf: np.ndarray, n: int = 3) -> list[tuple[int, int, int]]:
    """The ``n`` largest off-diagonal entries as (true, read as, count), largest first."""
    off = conf - np.diag(np.diag(conf))
    order = np.argsort(off, axis=None)[::-1][:n]  # the order the page always used
    return [(int(t), int(r), int(off[t, r])) for t, r in zip(*np.unravel_index(order, off.shape))]


def confusions_sentence(conf: np.ndarray, n: int = 3) -> str:
    return ", ".join(f"{t} read as {r} ({k} times)" for t, r, k in top_confusions(conf, n))


def reads_per_frame(reader, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per frame f of images (n_frames, n, n_v): how many of the n drawings ``reader`` reads as ``labels``."""
    return np.array([int((reader.read(images[f]) == labels).sum()) for f in range(len(images))])
