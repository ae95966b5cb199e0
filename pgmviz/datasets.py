"""The named training sets the lessons offer, each ready to train on (binary, rows = images).

Every set has a fixed train/held-out split, so metrics on one page agree with another's. The
MNIST sets come from the bundled 5,000-digit subset (4,000 train, 1,000 held out), or, when the
environment variable ``PGMVIZ_MNIST_DIR`` names a folder holding the four standard MNIST IDX
files, from all 70,000 digits (60,000 train, 10,000 held out; `pgmviz.mnist_idx.load_idx_dir`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pgmviz import data, mnist_idx

MNIST_DIR_ENV = "PGMVIZ_MNIST_DIR"


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


def mnist_source() -> tuple[tuple[np.ndarray, ...], str]:
    """(X_train, y_train, X_test, y_test) of uint8 digits, and "" or " (full MNIST from <folder>)".

    The bundled subset, or full MNIST from the folder named by ``PGMVIZ_MNIST_DIR`` when it is
    set (read once per folder). A folder without the four IDX files raises an error naming it.
    """
    folder = os.environ.get(MNIST_DIR_ENV, "").strip()
    if not folder:
        return data.mnist_split(), ""
    try:
        return _idx_split(str(Path(folder).expanduser().resolve())), f" (full MNIST from {folder})"
    except (FileNotFoundError, ValueError) as e:
        raise ValueError(f"{MNIST_DIR_ENV}={folder}: {e}") from e


@lru_cache(maxsize=1)
def _idx_split(folder: str) -> tuple[np.ndarray, ...]:
    arrays = mnist_idx.load_idx_dir(folder)
    for a in arrays:
        a.setflags(write=False)  # shared by every caller: read-only
    return arrays


# The data set a model of n_v pixels was most likely trained on, when its file does not say.
BY_SIZE = {784: "mnist", 256: "mnist16"}


def for_model(n_v: int, meta: dict | None = None) -> str | None:
    """The data set a model was trained on: its file's ``meta["dataset"]``, else a guess from its n_v, else None."""
    return (meta or {}).get("dataset") or BY_SIZE.get(int(n_v))


def load(key: str) -> Dataset:
    """Build the named data set from MNIST (bundled subset or ``PGMVIZ_MNIST_DIR``) or from code."""
    if key in ("mnist", "mnist16", "mnist16_2"):
        (Xtr, ytr, Xte, yte), source = mnist_source()
        if key == "mnist":
            return Dataset(key, DATASETS[key], data.binarize(Xtr), ytr, data.binarize(Xte), yte, (28, 28),
                           f"{len(Xtr):,} training and {len(Xte):,} held-out real MNIST digits{source}, "
                           "thresholded at 0.5")
        Xtr, Xte = data.binarize(data.downsample(Xtr, 16)), data.binarize(data.downsample(Xte, 16))
        if key == "mnist16_2":
            Xtr, ytr = Xtr[ytr == 2], ytr[ytr == 2]
            Xte, yte = Xte[yte == 2], yte[yte == 2]
            what = "2s"
        else:
            what = "digits"
        note = f"{len(Xtr):,} training and {len(Xte):,} held-out {what}{source}, averaged down to 16x16 and thresholded"
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
