"""Datasets: the bundled MNIST subset, derived views, bars-and-stripes.

Full MNIST from a folder of IDX files is `pgmviz.mnist_idx`; a user's drawn or uploaded digit,
`pgmviz.user_digits`.

Images are rows: a batch of 28x28 digits is ``X`` of shape (n, 784), row-major, white ink on a
black background (MNIST's convention). Raw pixels are ``uint8`` 0..255; everything a model sees
is ``float32`` in [0, 1] (``to_unit``), usually binarised to {0, 1} (``binarize``,
``binarize_stochastic``). Labels ``y`` are ``int64`` digits 0..9.

Every loader checks what it reads and raises ``ValueError`` (or ``FileNotFoundError``) with a
message naming the problem, because its input may be a user's file.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from pgmviz.rng import as_rng

SIDE = 28                 # MNIST images are 28 x 28
N_PIXELS = SIDE * SIDE    # 784
# The bundled data: assets/ next to the package in the repository (and in an editable install),
# pgmviz/assets inside it when pip installed a copy (pyproject.toml ships it there).
_PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = _PACKAGE_DIR / "assets" if (_PACKAGE_DIR / "assets").is_dir() else _PACKAGE_DIR.parent / "assets"
MNIST_SUBSET_PATH = ASSETS_DIR / "mnist_5k.npz"



# ---------------------------------------------------------------------------- bundled MNIST
def load_mnist_subset(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The bundled 5,000 real MNIST digits, 500 per class, in shuffled order.

    Parameters
    ----------
    path : str or Path, optional
        The ``.npz`` to read; defaults to ``assets/mnist_5k.npz`` next to the package.

    Returns
    -------
    X : ndarray of shape (5000, 784), uint8
        Pixel intensities 0..255.
    y : ndarray of shape (5000,), int64
        Digit labels 0..9.
    """
    X, y, _ = _read_subset(path)
    return X, y


def mnist_split(
    path: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bundled subset split by its stored ``test_idx``: 4,000 train, 1,000 test digits.

    The split is stratified (400 train and 100 test digits per class) and fixed in the asset,
    so every page holds out the same digits.

    Returns
    -------
    X_train : ndarray of shape (4000, 784), uint8
    y_train : ndarray of shape (4000,), int64
    X_test : ndarray of shape (1000, 784), uint8
    y_test : ndarray of shape (1000,), int64
    """
    X, y, test_idx = _read_subset(path)
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test_idx] = True
    return X[~is_test], y[~is_test], X[is_test], y[is_test]


def _read_subset(path: str | Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = MNIST_SUBSET_PATH if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"MNIST subset not found at {path}; rebuild it with `python scripts/make_mnist_asset.py`"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"X", "y", "test_idx"} - set(f.files)
            if missing:
                raise ValueError(f"{path.name}: missing arrays {sorted(missing)}; found {f.files}")
            X, y, test_idx = f["X"], f["y"], f["test_idx"]
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f"{path.name} is not a readable .npz file: {e}") from e
    if X.dtype != np.uint8 or X.shape != (5000, N_PIXELS):
        raise ValueError(f"{path.name}: X must be uint8 (5000, {N_PIXELS}); got {X.dtype} {X.shape}")
    if y.shape != (5000,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{path.name}: y must be integer (5000,); got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"{path.name}: labels must be 0..9; got {y.min()}..{y.max()}")
    if not np.issubdtype(test_idx.dtype, np.integer) or test_idx.ndim != 1:
        raise ValueError(f"{path.name}: test_idx must be a 1-D integer array; got {test_idx.dtype} {test_idx.shape}")
    if len(test_idx) and (test_idx.min() < 0 or test_idx.max() >= len(y)):
        raise ValueError(f"{path.name}: test_idx has indices outside 0..{len(y) - 1}")
    if len(np.unique(test_idx)) != len(test_idx):
        raise ValueError(f"{path.name}: test_idx has repeated indices")
    return X, y.astype(np.int64), test_idx.astype(np.int64)


# ---------------------------------------------------------------------------- derived views
def to_unit(X: np.ndarray) -> np.ndarray:
    """Pixel intensities as float32 in [0, 1]: uint8 / 255; floats in [0, 1] pass through (copied).

    Parameters
    ----------
    X : ndarray, uint8 (0..255), bool, or float (0..1)

    Returns
    -------
    ndarray of the same shape, float32 in [0, 1]
    """
    X = np.asarray(X)
    if X.dtype == np.uint8:
        return X.astype(np.float32) / np.float32(255)
    if X.dtype == np.bool_:
        return X.astype(np.float32)
    if np.issubdtype(X.dtype, np.floating):
        if X.size and not np.isfinite(X).all():
            raise ValueError("pixel values contain NaN or infinity")
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(f"float pixel values must lie in [0, 1]; got {X.min():g}..{X.max():g}")
        return X.astype(np.float32)  # astype copies, so callers may modify the result
    raise ValueError(f"pixels must be uint8 (0..255) or float (0..1); got dtype {X.dtype}")


def binarize(X: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """v_i = 1 if intensity_i > threshold else 0 (intensity in [0, 1]); float32 {0, 1}.

    For uint8 input the default threshold 0.5 turns on pixels >= 128.
    """
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1); got {threshold}")
    return (to_unit(X) > threshold).astype(np.float32)


def binarize_stochastic(X: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
    """v_i ~ Bernoulli(intensity_i): each pixel on with probability equal to its intensity.

    Parameters
    ----------
    X : ndarray, uint8 (0..255) or float (0..1)
    rng : int seed, numpy Generator or None
        The same seed gives the same binary images.

    Returns
    -------
    ndarray of the same shape, float32 {0, 1}
    """
    P = to_unit(X)
    return (as_rng(rng).random(P.shape, dtype=np.float32) < P).astype(np.float32)


@lru_cache(maxsize=None)
def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """A (n_out, n_in): A[i, j] = overlap of output cell i with input pixel j, over cell width.

    Output cell i covers [i, i+1) * n_in / n_out in input pixel units, so each row sums to 1
    (a constant image stays constant) and each column to n_out / n_in (the mean is kept).
    """
    width = n_in / n_out
    lo = np.arange(n_out)[:, None] * width              # (n_out, 1) cell starts
    j = np.arange(n_in)[None, :]                        # (1, n_in) pixel starts
    overlap = np.clip(np.minimum(lo + width, j + 1) - np.maximum(lo, j), 0, None)
    A = overlap / width
    A.setflags(write=False)
    return A


def downsample(X: np.ndarray, size: int = 16) -> np.ndarray:
    """Shrink 28x28 images to size x size by exact area averaging; float32 in [0, 1].

    Each output pixel is the mean of the input over its square, pixels cut by the square's
    edge counting in proportion to the area inside (28 is not a multiple of 16, so plain
    block means would not do). Used for the classic "50 features on 16x16 images of 2s".

    Parameters
    ----------
    X : ndarray of shape (n, 784) or (784,), uint8 (0..255) or float (0..1)
    size : int, 1..28

    Returns
    -------
    ndarray of shape (n, size * size) or (size * size,), float32
    """
    if not isinstance(size, (int, np.integer)) or not 1 <= size <= SIDE:
        raise ValueError(f"size must be an integer from 1 to {SIDE}; got {size!r}")
    X = to_unit(X)
    if X.shape[-1:] != (N_PIXELS,) or X.ndim > 2:
        raise ValueError(f"expected images of shape (n, {N_PIXELS}) or ({N_PIXELS},); got {X.shape}")
    A = _area_matrix(SIDE, int(size))
    imgs = X.reshape(-1, SIDE, SIDE).astype(np.float64)  # (n, 28, 28)
    small = A @ imgs @ A.T                                # (n, size, size)
    out = np.clip(small, 0, 1).astype(np.float32).reshape(-1, size * size)
    return out[0] if X.ndim == 1 else out


def shift(X: np.ndarray, image_shape: tuple[int, int], dx: int, dy: int) -> np.ndarray:
    """Images moved by (dx, dy) pixels (right and down positive), the uncovered border filled with 0.

    Parameters
    ----------
    X : ndarray of shape (n, rows * cols)
    image_shape : (rows, cols)
    dx, dy : int
        Columns to the right and rows down; negative moves left and up.

    Returns
    -------
    ndarray of the same shape and dtype as X
    """
    rows, cols = image_shape
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != rows * cols:
        raise ValueError(f"expected images of shape (n, {rows * cols}); got {X.shape}")
    if abs(dx) >= cols or abs(dy) >= rows:
        raise ValueError(f"a shift of ({dx}, {dy}) moves a {rows}x{cols} image out of its frame")
    src = X.reshape(-1, rows, cols)
    out = np.zeros_like(src)
    out[:, max(dy, 0):rows + min(dy, 0), max(dx, 0):cols + min(dx, 0)] = \
        src[:, max(-dy, 0):rows + min(-dy, 0), max(-dx, 0):cols + min(-dx, 0)]
    return out.reshape(X.shape)


def shifted_copies(X: np.ndarray, y: np.ndarray, image_shape: tuple[int, int],
                   max_shift: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Augment a training set with every shift of up to ``max_shift`` pixels in x and y.

    Small shifts keep a digit's class, so a model sees (2 m + 1)^2 times as many examples of each
    stroke; the unshifted images come first. Returns (X_aug, y_aug) with (2 m + 1)^2 n rows.
    """
    if not 0 <= int(max_shift) <= 4:
        raise ValueError(f"max_shift must be 0..4 pixels; got {max_shift}")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X and y need the same number of rows; got {len(X)} and {len(y)}")
    m = int(max_shift)
    moves = [(0, 0)] + [(dx, dy) for dy in range(-m, m + 1) for dx in range(-m, m + 1) if (dx, dy) != (0, 0)]
    return (np.vstack([shift(X, image_shape, dx, dy) for dx, dy in moves]),
            np.concatenate([y] * len(moves)))


def only_class(X: np.ndarray, y: np.ndarray, digit: int) -> np.ndarray:
    """The rows of X whose label is ``digit`` (e.g. only the 2s)."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y need the same number of rows; got {len(X)} and {len(y)}")
    if digit not in set(np.unique(y).tolist()):
        raise ValueError(f"no rows with label {digit!r}; labels present: {np.unique(y).tolist()}")
    return X[y == digit]


def bars_and_stripes(n: int) -> np.ndarray:
    """All 2^(n+1) - 2 distinct n x n bars-and-stripes images, float32 of shape (2^(n+1) - 2, n*n).

    An image is "stripes" (every row all on or all off: 2^n choices) or "bars" (every column
    all on or all off: 2^n choices); the all-off and all-on images are both, counted once.
    Stripes come first, in binary order of the row pattern, then the bars that are not stripes.
    """
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= 12:
        raise ValueError(f"n must be an integer from 1 to 12; got {n!r}")
    n = int(n)
    patterns = (np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1   # (2^n, n) binary counts
    stripes = np.repeat(patterns[:, :, None], n, axis=2)               # (2^n, n, n) rows constant
    bars = stripes.transpose(0, 2, 1)[1:-1]                            # columns constant, minus all-off/on
    return np.concatenate([stripes, bars]).reshape(-1, n * n).astype(np.float32)
