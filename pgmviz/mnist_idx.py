"""Full MNIST from a folder of the four standard IDX files (raw or gzipped), checked as it is read.

Every problem with a folder or a file (missing, truncated, wrong magic number, sizes that do not
agree, too large once decompressed) is a ``ValueError`` or ``FileNotFoundError`` naming it.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from pgmviz.data import N_PIXELS, SIDE

MAX_IDX_BYTES = 256 * 2**20     # one decompressed IDX file (full MNIST train images: 47 MB)


_IDX_FILES = {
    "train_images": ("train-images", "idx3-ubyte"),
    "train_labels": ("train-labels", "idx1-ubyte"),
    "test_images": ("t10k-images", "idx3-ubyte"),
    "test_labels": ("t10k-labels", "idx1-ubyte"),
}


def load_idx_dir(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Full MNIST from a folder holding the four standard IDX files (70,000 digits for the real set).

    Looks for ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each raw or ``.gz``, also with
    a dot before ``idx`` (``train-images.idx3-ubyte``). Counts are not fixed, so a smaller
    set in the same format loads too.

    Returns
    -------
    X_train : ndarray of shape (n_train, 784), uint8
    y_train : ndarray of shape (n_train,), int64
    X_test : ndarray of shape (n_test, 784), uint8
    y_test : ndarray of shape (n_test,), int64
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    arrays = {key: _read_idx(_find_idx(folder, *parts)) for key, parts in _IDX_FILES.items()}
    out = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
            raise ValueError(f"{split} images must be 28x28 (an idx3 file); got dimensions {images.shape}")
        if labels.ndim != 1:
            raise ValueError(f"{split} labels must be an idx1 file; got dimensions {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
        if labels.size and labels.max() > 9:
            raise ValueError(f"{split} labels must be digits 0..9; found {labels.max()}")
        out += [images.reshape(len(images), N_PIXELS), labels.astype(np.int64)]
    return tuple(out)


def _find_idx(folder: Path, stem: str, kind: str) -> Path:
    names = [f"{stem}{sep}{kind}{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {names[0]} (also tried {', '.join(names[1:])})")


def _read_idx(path: Path) -> np.ndarray:
    """Parse one IDX file (raw or gzip): magic 0x0000 08 ndim, ndim big-endian uint32 sizes, bytes."""
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"  # trust the content, not the file name
        with (gzip.open if gzipped else open)(path, "rb") as f:
            data = f.read(MAX_IDX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise ValueError(f"{path.name}: cannot read, corrupt or truncated gzip ({e})") from e
    if len(data) > MAX_IDX_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_IDX_BYTES // 2**20} MB; not an MNIST file")
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError(f"{path.name}: bad magic number {data[:4].hex() or '(empty file)'}; not an IDX file")
    if data[2] != 0x08:
        raise ValueError(f"{path.name}: element type 0x{data[2]:02x}; only unsigned bytes (0x08) are MNIST")
    ndim = data[3]
    if ndim not in (1, 3):
        raise ValueError(f"{path.name}: {ndim} dimensions; MNIST uses 1 (labels) or 3 (images)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path.name}: truncated header")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims))
    if len(data) - header != expected:
        raise ValueError(
            f"{path.name}: header declares {dims} = {expected:,} bytes of data but the file has "
            f"{len(data) - header:,} (truncated or corrupt)"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()
