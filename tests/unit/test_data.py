"""pgmviz.data: the bundled MNIST asset, derived views, bars-and-stripes, IDX files, uploads."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz import data
from pgmviz.data import (
    bars_and_stripes,
    binarize,
    binarize_stochastic,
    downsample,
    load_mnist_subset,
    mnist_split,
    only_class,
    to_unit,
)


# ---------------------------------------------------------------------------- bundled MNIST
@pytest.fixture(scope="module")
def mnist():
    return load_mnist_subset()


def test_subset_shapes_and_500_per_class(mnist):
    X, y = mnist
    assert X.shape == (5000, 784) and X.dtype == np.uint8
    assert y.shape == (5000,)
    assert np.bincount(y, minlength=10).tolist() == [500] * 10
    assert X.max() == 255 and X.min() == 0


def test_subset_is_shuffled_not_sorted(mnist):
    _, y = mnist
    assert not np.all(np.diff(y) >= 0)
    # every block of 500 rows holds most digits; a sorted file would give one digit per block
    for start in range(0, 5000, 500):
        assert len(np.unique(y[start:start + 500])) == 10


def test_subset_digits_look_like_mnist(mnist):
    X, _ = mnist
    imgs = X.reshape(-1, 28, 28).astype(float)
    # white ink on black: borders dark, centre bright on average
    assert imgs[:, 0, :].mean() < 1 and imgs[:, :, 0].mean() < 1
    assert imgs[:, 10:18, 10:18].mean() > 60


def test_loader_does_not_depend_on_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, _ = load_mnist_subset()
    assert X.shape == (5000, 784)


def test_split_stratified_disjoint_and_covering(mnist):
    X, y = mnist
    X_tr, y_tr, X_te, y_te = mnist_split()
    assert X_tr.shape == (4000, 784) and X_te.shape == (1000, 784)
    assert np.bincount(y_te, minlength=10).tolist() == [100] * 10
    assert np.bincount(y_tr, minlength=10).tolist() == [400] * 10
    with np.load(data.MNIST_SUBSET_PATH) as f:
        test_idx = f["test_idx"]
    assert len(np.unique(test_idx)) == 1000
    assert np.array_equal(X_te, X[np.sort(test_idx)])
    # disjoint and together the whole set, by content (the 5,000 images are all different)
    tr, te = {r.tobytes() for r in X_tr}, {r.tobytes() for r in X_te}
    assert len(tr) == 4000 and len(te) == 1000
    assert not tr & te
    assert tr | te == {r.tobytes() for r in X}


def test_split_is_the_same_every_call():
    a, b = mnist_split(), mnist_split()
    assert all(np.array_equal(u, v) for u, v in zip(a, b))


def test_asset_file_validation(tmp_path, mnist):
    X, y = mnist
    bad = tmp_path / "bad.npz"
    np.savez(bad, X=X, y=y)  # no test_idx
    with pytest.raises(ValueError, match="test_idx"):
        load_mnist_subset(bad)
    np.savez(bad, X=X.astype(np.float32), y=y, test_idx=np.arange(10))
    with pytest.raises(ValueError, match="uint8"):
        load_mnist_subset(bad)
    yy = y.copy()
    yy[0] = 12
    np.savez(bad, X=X, y=yy, test_idx=np.arange(10))
    with pytest.raises(ValueError, match="0..9"):
        load_mnist_subset(bad)
    np.savez(bad, X=X, y=y, test_idx=np.array([1, 1]))
    with pytest.raises(ValueError, match="repeated"):
        mnist_split(bad)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError):
        load_mnist_subset(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError, match="make_mnist_asset"):
        load_mnist_subset(tmp_path / "missing.npz")


# ---------------------------------------------------------------------------- derived views
def test_to_unit_and_binarize_values():
    X = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    U = to_unit(X)
    assert U.dtype == np.float32 and U[0, 0] == 0 and U[0, 3] == 1
    B = binarize(X)
    assert B.dtype == np.float32 and B.tolist() == [[0, 0, 1, 1]]
    assert binarize(np.array([0.2, 0.6, 0.9]), threshold=0.7).tolist() == [0, 0, 1]
    with pytest.raises(ValueError):
        to_unit(np.array([0.5, 1.5]))
    with pytest.raises(ValueError):
        to_unit(np.array([0.5, np.nan]))
    with pytest.raises(ValueError):
        binarize(X, threshold=1.0)


def test_binarize_on_real_digits(mnist):
    B = binarize(mnist[0][:100])
    assert set(np.unique(B).tolist()) == {0.0, 1.0}
    assert 0.05 < B.mean() < 0.25  # MNIST digits cover roughly 10-20% of the field


def test_binarize_stochastic_probabilities_and_seed():
    P = np.full((20000, 3), [0.0, 0.3, 1.0], dtype=np.float32)
    S = binarize_stochastic(P, rng=0)
    assert S.dtype == np.float32 and set(np.unique(S).tolist()) <= {0.0, 1.0}
    m = S.mean(axis=0)
    assert m[0] == 0 and m[2] == 1
    assert abs(m[1] - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20000)
    assert np.array_equal(S, binarize_stochastic(P, rng=0))
    assert np.array_equal(S, binarize_stochastic(P, rng=np.random.default_rng(0)))
    assert not np.array_equal(S, binarize_stochastic(P, rng=1))
    u8 = np.full((1, 4), 255, dtype=np.uint8)
    assert binarize_stochastic(u8, 3).tolist() == [[1, 1, 1, 1]]


def test_downsample_constant_image_stays_constant():
    X = np.full((2, 784), 0.37, dtype=np.float32)
    for size in (16, 14, 10, 7, 1):
        D = downsample(X, size)
        assert D.shape == (2, size * size) and D.dtype == np.float32
        np.testing.assert_allclose(D, 0.37, rtol=0, atol=1e-6)


def test_downsample_block_pattern_is_exact():
    # 2x2 blocks of distinct values -> 14x14 gives each block's value exactly
    blocks = np.arange(14 * 14, dtype=np.float64).reshape(14, 14) / 195
    img = np.kron(blocks, np.ones((2, 2)))
    np.testing.assert_allclose(downsample(img.ravel(), 14).reshape(14, 14), blocks, atol=1e-6)
    # halves: 28/16 = 1.75 px per cell, and cell 8 starts exactly at pixel 14
    half = np.zeros((28, 28))
    half[:, :14] = 1
    D = downsample(half.ravel(), 16).reshape(16, 16)
    assert np.array_equal(D[:, :8], np.ones((16, 8))) and np.array_equal(D[:, 8:], np.zeros((16, 8)))
    # one bright pixel at (0, 1) = columns [1, 2): cell 0 covers [0, 1.75) so gets 0.75 / 1.75^2 of it
    dot = np.zeros((28, 28))
    dot[0, 1] = 1
    D = downsample(dot.ravel(), 16).reshape(16, 16)
    np.testing.assert_allclose(D[0, :2], [0.75 / 1.75**2, 0.25 / 1.75**2], atol=1e-7)
    assert D.sum() * 1.75**2 == pytest.approx(1.0)


def test_downsample_matches_supersampled_reference(mnist):
    # exact reference: split every pixel into 16x16 subpixels (448 = 16 * 28 subpixels a side),
    # then each 16x16 output cell is the plain mean of a 28x28 block of subpixels
    X = mnist[0][:20]
    D = downsample(X, 16)
    fine = np.kron(to_unit(X).reshape(20, 28, 28), np.ones((1, 16, 16)))     # (20, 448, 448)
    ref = fine.reshape(20, 16, 28, 16, 28).mean(axis=(2, 4)).reshape(20, 256)
    np.testing.assert_allclose(D, ref, atol=1e-6)
    np.testing.assert_allclose(D.mean(axis=1), to_unit(X).mean(axis=1), atol=1e-6)  # mean kept
    assert downsample(X[0], 16).shape == (256,)
    with pytest.raises(ValueError):
        downsample(X, 29)
    with pytest.raises(ValueError):
        downsample(np.zeros((3, 100)), 16)


def test_only_class(mnist):
    X, y = mnist
    twos = only_class(X, y, 2)
    assert twos.shape == (500, 784)
    assert np.array_equal(twos, X[y == 2])
    with pytest.raises(ValueError):
        only_class(X, y, 11)
    with pytest.raises(ValueError):
        only_class(X[:10], y, 2)


# ---------------------------------------------------------------------------- bars and stripes
def _is_bars_or_stripes(img: np.ndarray) -> bool:
    rows_const = np.all(img == img[:, :1], axis=1).all()
    cols_const = np.all(img == img[:1, :], axis=0).all()
    return bool(rows_const or cols_const)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_bars_and_stripes_counts_and_validity(n):
    B = bars_and_stripes(n)
    assert B.shape == (2 ** (n + 1) - 2, n * n) and B.dtype == np.float32
    assert set(np.unique(B).tolist()) <= {0.0, 1.0}
    assert len({row.tobytes() for row in B}) == len(B)  # all distinct
    assert all(_is_bars_or_stripes(row.reshape(n, n)) for row in B)


def test_bars_and_stripes_3_is_complete():
    B = bars_and_stripes(3)
    assert len(B) == 14
    # brute force: of all 2^9 binary 3x3 images exactly 14 are bars or stripes
    everything = (np.arange(512)[:, None] >> np.arange(9)) & 1
    valid = {img.astype(np.float32).tobytes() for img in everything if _is_bars_or_stripes(img.reshape(3, 3))}
    assert {row.tobytes() for row in B} == valid
    with pytest.raises(ValueError):
        bars_and_stripes(0)
