"""The named training sets the lessons offer, each ready to train on (binary, rows = images).

Every set has a fixed train/held-out split, so metrics on one page agree with another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz import data


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    X_train: np.ndarray  # float32 in {0, 1}, (n, n_v)
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    note: str

    @property
    def n_v(self) -> int:
        return self.X_train.shape[1]


DATASETS = {
    "mnist": "MNIST digits, 28x28 (all classes)",
    "mnist16_2": "Only 2s, 16x16 (Hinton's 50-feature demo)",
    "mnist16": "MNIST digits, 16x16 (all classes)",
    "bars4": "Bars and stripes, 4x4 (exact likelihood)",
    "bars3": "Bars and stripes, 3x3 (exact likelihood)",
}


def load(key: str) -> Dataset:
    """Build the named data set from the bundled MNIST subset or from code."""
    if key == "mnist":
        Xtr, ytr, Xte, yte = data.mnist_split()
        return Dataset(key, DATASETS[key], data.binarize(Xtr), ytr, data.binarize(Xte), yte, (28, 28),
                       "4,000 training and 1,000 held-out real MNIST digits, thresholded at 0.5")
    if key in ("mnist16", "mnist16_2"):
        Xtr, ytr, Xte, yte = data.mnist_split()
        Xtr, Xte = data.binarize(data.downsample(Xtr, 16)), data.binarize(data.downsample(Xte, 16))
        if key == "mnist16_2":
            Xtr, ytr = Xtr[ytr == 2], ytr[ytr == 2]
            Xte, yte = Xte[yte == 2], yte[yte == 2]
            note = "400 training and 100 held-out 2s, averaged down to 16x16 and thresholded"
        else:
            note = "4,000 training and 1,000 held-out digits, averaged down to 16x16 and thresholded"
        return Dataset(key, DATASETS[key], Xtr, ytr, Xte, yte, (16, 16), note)
    if key in ("bars3", "bars4"):
        n = int(key[-1])
        X = data.bars_and_stripes(n)
        y = np.zeros(len(X), dtype=np.int64)
        # Every pattern is both "train" and "held out": the point of this set is the exact
        # likelihood of the whole (uniform) distribution, whose best value is -log(#patterns).
        return Dataset(key, DATASETS[key], X, y, X, y, (n, n),
                       f"all {len(X)} {n}x{n} bars-and-stripes patterns; the best possible mean log p(v) is "
                       f"-log {len(X)} = {-np.log(len(X)):.3f} nats")
    raise ValueError(f"unknown data set {key!r}; choose one of {sorted(DATASETS)}")
