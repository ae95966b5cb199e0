"""The named training sets: shapes, binary values, fixed held-out split, the 2s-only view."""

import struct

import numpy as np
import pytest

from pgmviz import data, datasets


@pytest.mark.parametrize("key", sorted(datasets.DATASETS))
def test_every_dataset_is_binary_and_shaped_for_its_images(key):
    d = datasets.load(key)
    assert d.X_train.dtype == np.float32 and set(np.unique(d.X_train)) <= {0.0, 1.0}
    assert d.X_train.shape[1] == d.image_shape[0] * d.image_shape[1] == d.n_v
    assert d.X_test.shape[1] == d.n_v and len(d.y_train) == len(d.X_train)


def test_mnist_split_sizes_and_disjointness():
    d = datasets.load("mnist")
    assert d.X_train.shape == (4000, 784) and d.X_test.shape == (1000, 784)
    assert np.bincount(d.y_test).tolist() == [100] * 10
    train_rows = {r.tobytes() for r in d.X_train}
    assert sum(r.tobytes() in train_rows for r in d.X_test) < 5  # (a few binarised digits may coincide)


def test_only_twos():
    d = datasets.load("mnist16_2")
    assert set(d.y_train) == {2} and set(d.y_test) == {2}
    assert d.X_train.shape == (400, 256)


def test_bars_and_stripes_note_states_the_best_likelihood():
    d = datasets.load("bars4")
    assert len(d.X_train) == 30 and f"{-np.log(30):.3f}" in d.note


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown data set"):
        datasets.load("cifar")


# ---------------------------------------------------------------------------- full MNIST from IDX files
def _write_idx(folder, images: np.ndarray, labels: np.ndarray, split: str) -> None:
    """The two IDX files of one split (``train`` or ``t10k``): magic 0 0 8 ndim, big-endian sizes, bytes."""
    for stem, arr in ((f"{split}-images-idx3-ubyte", images), (f"{split}-labels-idx1-ubyte", labels)):
        arr = np.asarray(arr, dtype=np.uint8)
        header = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
        (folder / stem).write_bytes(header + arr.tobytes())


@pytest.fixture
def tiny_mnist(tmp_path):
    """A folder of the four standard MNIST files holding 40 training and 20 test digits."""
    rng = np.random.default_rng(5)
    parts = {"train": (rng.integers(0, 256, (40, 28, 28)), np.arange(40) % 10),
             "t10k": (rng.integers(0, 256, (20, 28, 28)), np.arange(20) % 10)}
    for split, (images, labels) in parts.items():
        _write_idx(tmp_path, images, labels, split)
    return tmp_path, parts


def test_mnist_dir_setting_makes_the_mnist_sets_use_the_idx_files(tiny_mnist, monkeypatch):
    folder, parts = tiny_mnist
    monkeypatch.setenv(datasets.MNIST_DIR_ENV, str(folder))
    (img_tr, lab_tr), (img_te, lab_te) = parts["train"], parts["t10k"]
    d = datasets.load("mnist")
    np.testing.assert_array_equal(d.X_train, data.binarize(img_tr.reshape(40, 784).astype(np.uint8)))
    np.testing.assert_array_equal(d.X_test, data.binarize(img_te.reshape(20, 784).astype(np.uint8)))
    np.testing.assert_array_equal(d.y_train, lab_tr)
    np.testing.assert_array_equal(d.y_test, lab_te)
    assert d.note.startswith("40 training and 20 held-out") and str(folder) in d.note
    d16 = datasets.load("mnist16")
    assert d16.X_train.shape == (40, 256) and d16.X_test.shape == (20, 256)
    np.testing.assert_array_equal(d16.X_test, data.binarize(data.downsample(img_te.reshape(20, 784).astype(np.uint8))))
    twos = datasets.load("mnist16_2")
    assert twos.X_train.shape == (4, 256) and set(twos.y_train) == {2} and set(twos.y_test) == {2}


def test_without_the_setting_the_bundled_subset_is_used(tiny_mnist, monkeypatch):
    monkeypatch.setenv(datasets.MNIST_DIR_ENV, str(tiny_mnist[0]))
    assert datasets.load("mnist").X_train.shape == (40, 784)
    monkeypatch.delenv(datasets.MNIST_DIR_ENV)
    assert datasets.load("mnist").X_train.shape == (4000, 784)
    monkeypatch.setenv(datasets.MNIST_DIR_ENV, "  ")  # blank: as if unset
    assert datasets.load("mnist16").X_train.shape == (4000, 256)


def test_a_bad_mnist_dir_is_an_error_naming_the_setting(tiny_mnist, tmp_path_factory, monkeypatch):
    empty = tmp_path_factory.mktemp("empty")
    monkeypatch.setenv(datasets.MNIST_DIR_ENV, str(empty))
    with pytest.raises(ValueError, match=f"{datasets.MNIST_DIR_ENV}=.*train-images-idx3-ubyte"):
        datasets.load("mnist")
    folder, _ = tiny_mnist
    # 5 labels declared, 1 given
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05\x01")
    monkeypatch.setenv(datasets.MNIST_DIR_ENV, str(folder))
    with pytest.raises(ValueError, match="truncated"):
        datasets.load("mnist")


def test_for_model_prefers_the_files_word_then_guesses_from_the_size():
    from pgmviz.datasets import for_model

    assert for_model(784, {"dataset": "mnist16_2"}) == "mnist16_2"
    assert for_model(784, {}) == "mnist" and for_model(256, None) == "mnist16"
    assert for_model(100, {"title": "no data set"}) is None
