"""pgmviz.mnist_idx: IDX folders round-trip (raw, gzipped, dotted names); missing and corrupt files are named."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from pgmviz.mnist_idx import load_idx_dir


def _idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    return struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _write_idx_dir(folder, rng, n_train=7, n_test=3, gz=False, dot=False):
    folder.mkdir(exist_ok=True)
    arrays = {
        "train-images": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels": rng.integers(0, 10, n_train),
        "t10k-images": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels": rng.integers(0, 10, n_test),
    }
    for stem, arr in arrays.items():
        kind = "idx3-ubyte" if arr.ndim == 3 else "idx1-ubyte"
        name = f"{stem}{'.' if dot else '-'}{kind}"
        payload = _idx_bytes(arr)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)
    return arrays


@pytest.mark.parametrize("gz,dot", [(False, False), (True, False), (False, True), (True, True)])
def test_idx_round_trip(tmp_path, gz, dot):
    arrays = _write_idx_dir(tmp_path / "mnist", np.random.default_rng(1), gz=gz, dot=dot)
    X_tr, y_tr, X_te, y_te = load_idx_dir(tmp_path / "mnist")
    assert X_tr.dtype == np.uint8 and X_tr.shape == (7, 784) and X_te.shape == (3, 784)
    assert np.array_equal(X_tr, arrays["train-images"].reshape(7, 784))
    assert np.array_equal(y_tr, arrays["train-labels"])
    assert np.array_equal(X_te, arrays["t10k-images"].reshape(3, 784))
    assert np.array_equal(y_te, arrays["t10k-labels"])


def test_idx_missing_file_is_named(tmp_path):
    folder = tmp_path / "mnist"
    _write_idx_dir(folder, np.random.default_rng(2))
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_idx_dir(folder)
    with pytest.raises(FileNotFoundError):
        load_idx_dir(tmp_path / "nowhere")


def _corrupt(folder, name, payload):
    (folder / name).write_bytes(payload)
    with pytest.raises(ValueError) as err:
        load_idx_dir(folder)
    return str(err.value)


def test_idx_corrupt_files(tmp_path):
    folder = tmp_path / "mnist"
    arrays = _write_idx_dir(folder, np.random.default_rng(3))
    good = _idx_bytes(arrays["train-images"])
    assert "magic" in _corrupt(folder, "train-images-idx3-ubyte", b"\x12\x34" + good[2:])
    assert "truncated" in _corrupt(folder, "train-images-idx3-ubyte", good[:-5])
    assert "0x0d" in _corrupt(folder, "train-images-idx3-ubyte", good[:2] + b"\x0d" + good[3:])
    assert "magic" in _corrupt(folder, "train-images-idx3-ubyte", b"")
    # truncated gzip stream
    (folder / "train-images-idx3-ubyte").unlink()
    assert "gzip" in _corrupt(folder, "train-images-idx3-ubyte.gz", gzip.compress(good)[:-30])
    (folder / "train-images-idx3-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte").write_bytes(good)
    # labels out of range, counts disagreeing, images not 28x28
    assert "0..9" in _corrupt(folder, "train-labels-idx1-ubyte", _idx_bytes(np.full(7, 10)))
    assert "labels" in _corrupt(folder, "train-labels-idx1-ubyte", _idx_bytes(np.zeros(6)))
    (folder / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(arrays["train-labels"]))
    assert "28x28" in _corrupt(folder, "train-images-idx3-ubyte", _idx_bytes(np.zeros((7, 28, 27))))
