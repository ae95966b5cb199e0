"""An independent reader of digit pictures: a classifier trained on real digits only.

Generated digits (an RBM's fantasies, a DBN's label-clamped drawings) are judged by a reader
that has never seen a model's sample, never by the model that drew them (a net grading its own
drawings with its own label units is circular). The reader is a one-hidden-layer net
(`pgmviz.training.finetune.Classifier`, sigmoid hidden units, softmax output) trained by backprop on the
bundled training digits, each binarised at 0.5 and also as grey levels (so it reads both a binary
sample and the probabilities p(v | h)), and each shifted by up to one pixel (9 copies).

Its figures on a set of pictures:

    counts_k = #{pictures read as k},   entropy = -sum_k p_k log2 p_k  with p_k = counts_k / n

(log2 10 = 3.32 bits when all ten classes are read equally often, 0 when one class takes all).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pgmviz import data
from pgmviz.io import check_float_arrays, read_npz
from pgmviz.training.finetune import BackpropSettings, BackpropTrainer, Classifier, random_classifier

N_CLASSES = 10
ASSETS = data.ASSETS_DIR / "reader"
FORMAT = "pgmviz-reader-1"


@dataclass(frozen=True)
class ReaderRecipe:
    """How a reader is trained (the bundled ones: `RECIPES`)."""

    hidden: int = 500
    epochs: int = 15
    lr: float = 0.05  # falls linearly to lr_final over the epochs
    lr_final: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 1e-4
    batch_size: int = 100
    max_shift: int = 1
    seed: int = 0


# The bundled readers' recipes. At 16x16 a 500-unit reader read 93.2% of the real held-out digits,
# an 800-unit one 94.5% (same data, epochs and seed); at 28x28 the 500-unit reader reads 96.3%.
RECIPES = {(28, 28): ReaderRecipe(), (16, 16): ReaderRecipe(hidden=800)}


def recipe_for(image_shape: tuple[int, int]) -> ReaderRecipe:
    """The recipe of the bundled reader of this picture size (`RECIPES`)."""
    shape = (int(image_shape[0]), int(image_shape[1]))
    if shape not in RECIPES:
        raise ValueError(f"readers exist for 28x28 and 16x16 digits; got {image_shape}")
    return RECIPES[shape]


@dataclass
class Reader:
    """A digit classifier for images of ``image_shape``; ``meta`` says how it was made and how good it is."""

    net: Classifier
    image_shape: tuple[int, int]
    meta: dict

    def __post_init__(self) -> None:
        n = self.image_shape[0] * self.image_shape[1]
        if self.net.sizes[0] != n or self.net.sizes[-1] != N_CLASSES:
            raise ValueError(f"a reader of {self.image_shape} images needs sizes [{n}, ..., {N_CLASSES}]; "
                             f"got {self.net.sizes}")

    def proba(self, images: np.ndarray) -> np.ndarray:
        """p(class | picture) for each row (pixels in [0, 1]). (n, 10)"""
        return self.net.predict_proba(self._check(images))

    def read(self, images: np.ndarray) -> np.ndarray:
        """The class each picture is read as. (n,)"""
        return self.net.predict(self._check(images))

    @property
    def test_accuracy(self) -> float:
        """Fraction of the real held-out digits (binarised) it reads right, measured when it was made."""
        return float(self.meta["test_accuracy"])

    def _check(self, images: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(images, dtype=np.float32))
        n = self.image_shape[0] * self.image_shape[1]
        if X.ndim != 2 or X.shape[1] != n:
            raise ValueError(f"the reader reads {self.image_shape[0]}x{self.image_shape[1]} pictures "
                             f"(rows of {n} pixels); got shape {X.shape}")
        if X.size and not np.isfinite(X).all():
            raise ValueError("pictures contain NaN or infinite values")
        return X


# ---------------------------------------------------------------------------- training
def training_views(image_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(grey train, y train, grey held-out, y held-out) of the bundled split at ``image_shape``."""
    Xtr, ytr, Xte, yte = data.mnist_split()
    if tuple(image_shape) == (28, 28):
        return data.to_unit(Xtr), ytr, data.to_unit(Xte), yte
    if tuple(image_shape) == (16, 16):
        return data.downsample(Xtr, 16), ytr, data.downsample(Xte, 16), yte
    raise ValueError(f"readers exist for 28x28 and 16x16 digits; got {image_shape}")


def train_reader(image_shape: tuple[int, int], recipe: ReaderRecipe | None = None,
                 progress=None) -> Reader:
    """Train a reader on the real training digits only (binarised and grey, shifted by up to one pixel);
    default recipe: the bundled one for this size (`recipe_for`)."""
    recipe = recipe or recipe_for(image_shape)
    G, y, G_test, y_test = training_views(image_shape)
    B = (G > 0.5).astype(np.float32)
    X, Y = data.shifted_copies(np.vstack([B, G]), np.concatenate([y, y]), image_shape, recipe.max_shift)
    net = random_classifier([G.shape[1], recipe.hidden, N_CLASSES], recipe.seed)
    settings = BackpropSettings(lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay,
                                batch_size=recipe.batch_size, seed=recipe.seed)
    trainer = BackpropTrainer(net, X, Y, settings=settings)
    for epoch in range(recipe.epochs):
        trainer.run(1)
        # linear decay: large steps find the basin, small ones settle in it
        trainer.settings.lr = recipe.lr + (recipe.lr_final - recipe.lr) * (epoch + 1) / recipe.epochs
        if progress is not None:
            progress(epoch + 1, recipe.epochs)
    B_test = (G_test > 0.5).astype(np.float32)
    meta = {
        "format": FORMAT, "image_shape": list(image_shape), "recipe": recipe.__dict__,
        "trained_on": "the 4,000 real training digits of assets/mnist_5k.npz, binarised at 0.5 and grey, "
                      "each shifted by up to one pixel; never a model's sample",
        "test_accuracy": 1.0 - net.error_rate(B_test, y_test),
        "test_accuracy_grey": 1.0 - net.error_rate(G_test, y_test),
        "n_test": int(len(y_test)), "train_seconds": round(trainer.seconds, 1),
    }
    return Reader(net, tuple(image_shape), meta)


# ---------------------------------------------------------------------------- files
def reader_path(image_shape: tuple[int, int]):
    """assets/reader/reader_<rows>x<cols>.npz (a pathlib.Path)."""
    return ASSETS / f"reader_{image_shape[0]}x{image_shape[1]}.npz"


def save_reader(target, reader: Reader) -> None:
    """Write the reader as .npz: W0, b0, W1, b1 (float32) and a JSON ``meta``; no pickle."""
    arrays = {}
    for l, (W, b) in enumerate(zip(reader.net.Ws, reader.net.bs)):
        arrays[f"W{l}"], arrays[f"b{l}"] = W.astype(np.float32), b.astype(np.float32)
    np.savez_compressed(target, meta=np.array(json.dumps(reader.meta)), **arrays)


def load_reader(source) -> Reader:
    """Read a file written by `save_reader` (through `pgmviz.io.read_npz`); every malformed file raises ValueError."""
    arrays, meta = read_npz(source, kind="pgmviz reader")
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if fmt != FORMAT:
        raise ValueError(f"not a pgmviz reader file (format {fmt!r}, expected {FORMAT!r})")
    n_layers = len(arrays) // 2
    names = [f"{p}{l}" for l in range(n_layers) for p in ("W", "b")]
    check_float_arrays(arrays, names, kind="pgmviz reader")
    shape = meta.get("image_shape")
    if not (isinstance(shape, list) and len(shape) == 2 and "test_accuracy" in meta):
        raise ValueError("reader metadata lacks image_shape or test_accuracy")
    return Reader(Classifier([arrays[f"W{l}"] for l in range(n_layers)], [arrays[f"b{l}"] for l in range(n_layers)]),
                  (int(shape[0]), int(shape[1])), meta)


@lru_cache(maxsize=2)
def bundled_reader(image_shape: tuple[int, int]) -> Reader:
    """The reader bundled in assets/reader/ for 28x28 or 16x16 pictures (read once per process)."""
    return load_reader(reader_path(tuple(image_shape)))


def reader_for(image_shape) -> Reader | None:
    """The bundled reader for pictures of this shape, or None where there is none (or it cannot be read)."""
    shape = (int(image_shape[0]), int(image_shape[1]))
    if shape not in ((28, 28), (16, 16)) or not reader_path(shape).exists():
        return None
    try:
        return bundled_reader(shape)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- what it reads
def class_counts(labels: np.ndarray) -> np.ndarray:
    """How many pictures were read as each class 0..9. (10,)"""
    return np.bincount(np.asarray(labels, dtype=np.int64).ravel(), minlength=N_CLASSES)[:N_CLASSES]


def class_entropy(labels: np.ndarray) -> float:
    """-sum_k p_k log2 p_k of the classes read, in bits (log2 10 = 3.32 for all ten equally)."""
    counts = class_counts(labels)
    if counts.sum() == 0:
        raise ValueError("no pictures were read")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0: -0.0 -> 0.0 when one class takes all


def agreement(labels: np.ndarray, intended: np.ndarray) -> np.ndarray:
    """Per class k: (pictures meant as k, of those read as k). (10, 2) integers."""
    labels, intended = np.asarray(labels).ravel(), np.asarray(intended).ravel()
    if labels.shape != intended.shape:
        raise ValueError(f"need one intended class per picture; got {intended.shape} and {labels.shape}")
    out = np.zeros((N_CLASSES, 2), dtype=np.int64)
    for k in range(N_CLASSES):
        meant = intended == k
        out[k] = meant.sum(), (labels[meant] == k).sum()
    return out
