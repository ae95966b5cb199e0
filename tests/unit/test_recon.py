"""pgmviz.evaluation.recon: reconstruction chains, per-class errors, and the drawn-digit path of the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pgmviz import data, datasets, user_digits
from pgmviz.evaluation import recon
from pgmviz.io import load_model
from pgmviz.models.rbm import RBM
from pgmviz.training.train import reconstruction_error

MODELS = Path(__file__).resolve().parents[2] / "assets" / "models"


@pytest.fixture(scope="module")
def small_rbm():
    return RBM.random(12, 5, seed=3, sigma=1.0, dtype=np.float64)


# --- which data set a model is shown ----------------------------------------------------------


@pytest.mark.parametrize("n_v, key, expected", [
    (784, "mnist", "mnist"),
    (256, "mnist16_2", "mnist16"),   # a model of 2s is shown every digit
    (256, "mnist16", "mnist16"),
    (784, None, "mnist"),            # unknown training set: by size
    (256, "somewhere", "mnist16"),
    (784, "mnist16_2", "mnist"),     # a meta that does not fit the model: by size
    (16, "bars4", "bars4"),
    (100, None, None),               # matches nothing
    (100, "mnist", None),
])
def test_show_set_for(n_v, key, expected):
    assert recon.show_set_for(n_v, key) == expected


def test_trained_classes():
    assert recon.trained_classes("mnist16_2") == (2,)
    assert recon.trained_classes("mnist") is None
    assert recon.trained_classes(None) is None


# --- rounds ------------------------------------------------------------------------------------


def test_rounds_shapes_binary_samples_and_reproducible(small_rbm):
    v = (np.arange(12) % 2).astype(float)
    r = recon.reconstruction_rounds(small_rbm, v, n_rounds=4, rng=7)
    assert r.V.shape == (5, 12) and r.P_h.shape == (4, 5) and r.H.shape == (4, 5) and r.P_v.shape == (4, 12)
    assert r.n_rounds == 4
    np.testing.assert_array_equal(r.V[0], v)
    assert set(np.unique(r.H)) <= {0, 1} and set(np.unique(r.V[1:])) <= {0, 1}
    # every round applies the model's conditionals to the previous state
    for t in range(4):
        np.testing.assert_allclose(r.P_h[t], small_rbm.p_h_given_v(r.V[t])[0])
        np.testing.assert_allclose(r.P_v[t], small_rbm.p_v_given_h(r.H[t])[0])
    again = recon.reconstruction_rounds(small_rbm, v, n_rounds=4, rng=7)
    np.testing.assert_array_equal(r.H, again.H)
    np.testing.assert_array_equal(r.V, again.V)
    np.testing.assert_allclose(r.squared_errors(), ((r.P_v - v) ** 2).sum(axis=1))


def test_rounds_validate(small_rbm):
    with pytest.raises(ValueError, match="n_rounds"):
        recon.reconstruction_rounds(small_rbm, np.zeros(12), n_rounds=0)
    with pytest.raises(ValueError, match="pixels"):
        recon.reconstruction_rounds(small_rbm, np.zeros(10))


def test_first_round_h_is_distributed_as_p_h_given_v(small_rbm):
    """Over many seeds the sampled h_0 averages to p(h|v) (statistical, fixed seeds)."""
    v = np.ones(12)
    H = np.array([recon.reconstruction_rounds(small_rbm, v, 1, rng=s).H[0] for s in range(4000)])
    p = small_rbm.p_h_given_v(v)[0]
    np.testing.assert_allclose(H.mean(axis=0), p, atol=4 * np.sqrt(0.25 / 4000))


# --- per-class errors --------------------------------------------------------------------------


def test_class_errors_against_a_direct_computation(small_rbm):
    rng = np.random.default_rng(0)
    X = (rng.random((30, 12)) < 0.4).astype(float)
    y = np.repeat([0, 3, 5], 10)
    ce = recon.class_errors(small_rbm, X, y)
    np.testing.assert_array_equal(ce.classes, [0, 3, 5])
    np.testing.assert_array_equal(ce.counts, [10, 10, 10])
    for k, c in enumerate([0, 3, 5]):
        Xc = X[y == c]
        assert ce.mse[k] == pytest.approx(reconstruction_error(small_rbm, Xc))
        sq = ((Xc - small_rbm.reconstruct(Xc)) ** 2).sum()
        assert ce.per_ink[k] == pytest.approx(sq / Xc.sum())
    with pytest.raises(ValueError, match="rows"):
        recon.class_errors(small_rbm, X, y[:5])


def test_model_of_twos_reconstructs_twos_best_per_ink():
    """The slides' claim on the bundled model: held-out 2s come back best; other digits worse."""
    rbm, meta = load_model(MODELS / "mnist16_2_256x50_cd1.npz")
    ds = datasets.load(recon.show_set_for(rbm.n_v, meta["dataset"]))
    ce = recon.class_errors(rbm, ds.X_test, ds.y_test)
    two = int(np.flatnonzero(ce.classes == 2)[0])
    assert np.argmin(ce.per_ink) == two
    others = np.delete(ce.per_ink, two)
    assert others.mean() > 1.5 * ce.per_ink[two]


def test_a_seven_comes_back_more_like_a_two():
    """Reconstructing a 7 with the model of 2s moves it toward the mean 2 (away from the mean 7)."""
    rbm, _ = load_model(MODELS / "mnist16_2_256x50_cd1.npz")
    ds = datasets.load("mnist16")
    sevens = ds.X_test[ds.y_test == 7]
    mean2, mean7 = ds.X_train[ds.y_train == 2].mean(0), ds.X_train[ds.y_train == 7].mean(0)
    R = rbm.reconstruct(sevens)

    def closer_to_two(X):  # > 0 when nearer the mean 2 than the mean 7
        return ((X - mean7) ** 2).sum(1) - ((X - mean2) ** 2).sum(1)

    assert closer_to_two(R).mean() > closer_to_two(sevens).mean()


def test_class_examples_orders_by_label():
    X = np.arange(12).reshape(6, 2)
    y = np.array([1, 0, 1, 0, 2, 2])
    rows, labels = recon.class_examples(X, y, per_class=2)
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(rows[:, 0], [2, 6, 0, 4, 8, 10])


def test_hidden_grid():
    g = recon.hidden_grid(np.arange(50) / 50)
    assert g.shape == (5, 10)
    assert not np.isnan(g).any()
    g = recon.hidden_grid(np.ones(500))
    assert g.shape[0] * g.shape[1] >= 500 and np.isnan(g).sum() == g.size - 500
    assert recon.hidden_grid(np.ones(7), n_cols=3).shape == (3, 3)


# --- the drawn-digit path (AppTest cannot drive the canvas) ------------------------------------


def _canvas(stroke) -> np.ndarray:
    """A 280x280 RGBA canvas like st_canvas returns: opaque black with white strokes."""
    img = np.zeros((280, 280, 4), dtype=np.uint8)
    img[..., 3] = 255
    stroke(img)
    return img


def _draw_one(img):
    img[40:240, 130:150, :3] = 255  # a vertical bar


def test_drawn_canvas_becomes_an_mnist_style_digit():
    x = user_digits.digit_from_array(_canvas(_draw_one))
    assert x.shape == (784,) and x.dtype == np.float32
    img = x.reshape(28, 28)
    assert 0 <= x.min() and x.max() <= 1
    assert img[:4].max() == 0 and img[-4:].max() == 0       # 20-pixel box: a margin of 4 each way
    rows = np.flatnonzero(img.max(axis=1) > 0.5)
    assert rows[-1] - rows[0] + 1 in (19, 20, 21)            # the long side scaled to 20 px
    cols = np.flatnonzero(img.sum(axis=0) > 0)
    assert abs(cols.mean() - 13.5) <= 1.5                    # centred


def test_drawn_digit_for_a_16x16_model():
    x16 = data.binarize(data.downsample(user_digits.digit_from_array(_canvas(_draw_one)), 16))
    assert x16.shape == (256,) and set(np.unique(x16)) <= {0.0, 1.0}
    rbm, _ = load_model(MODELS / "mnist16_2_256x50_cd1.npz")
    r = recon.reconstruction_rounds(rbm, x16, n_rounds=3, rng=0)
    assert np.isfinite(r.P_v).all() and r.P_v.shape == (3, 256)


def test_empty_canvas_is_a_clear_error():
    with pytest.raises(ValueError, match="no digit"):
        user_digits.digit_from_array(_canvas(lambda img: None))


def test_non_image_upload_is_a_clear_error():
    with pytest.raises(ValueError):
        user_digits.load_image(b"this is not a picture")


def test_unfamiliar_ratio_is_the_mean_untrained_error_over_the_trained_one():
    ce = recon.ClassErrors(np.array([0, 1, 2]), np.array([5, 5, 5]), np.zeros(3), np.array([0.3, 0.5, 0.2]))
    assert recon.unfamiliar_ratio(ce, (2,)) == pytest.approx(0.4 / 0.2)
    assert recon.unfamiliar_ratio(ce, (1, 2)) == pytest.approx(0.3 / 0.35)
    assert recon.unfamiliar_ratio(ce, None) is None          # trained on every class
    assert recon.unfamiliar_ratio(ce, (0, 1, 2)) is None     # nothing unfamiliar to compare
    assert recon.unfamiliar_ratio(ce, (7,)) is None          # the trained class is not among these
