"""The pretrained models in assets/models: they load, say what they are, and learnt something.

"Learnt something" is checked against an untrained model of the same size (practical-guide
initialisation, so it already knows the pixel marginals): a trained model must reconstruct
held-out digits of its own data set better, and the small model must have a higher exact
held-out log-likelihood. Both checks fail for a model that was saved before training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.io import load_model
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_Z_exact
from pgmviz.training.train import reconstruction_error

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"

# file stem -> (title, data set key, n_v, n_h, image shape, sampler)
EXPECTED = {
    "mnist_784x500_cd1": ("MNIST 784x500 CD-1", "mnist", 784, 500, [28, 28], "cd"),
    "mnist_784x500_pcd1": ("MNIST 784x500 PCD-1", "mnist", 784, 500, [28, 28], "pcd"),
    "mnist_784x500_pa1": ("MNIST 784x500 PA-1", "mnist", 784, 500, [28, 28], "pa"),
    "mnist16_2_256x50_cd1": ("Only 2s 16x16, 256x50 CD-1", "mnist16_2", 256, 50, [16, 16], "cd"),
    "mnist_784x20_cd1": ("MNIST 784x20 CD-1", "mnist", 784, 20, [28, 28], "cd"),
}
META_KEYS = {"title", "dataset", "image_shape", "sampler", "k", "lr", "momentum", "weight_decay",
             "batch_size", "epochs", "step", "seed", "metrics", "train_seconds"}
MAX_TOTAL_BYTES = 8 * 2**20


@pytest.fixture(scope="module")
def data():
    return {key: datasets.load(key) for key in {e[1] for e in EXPECTED.values()}}


def _load(stem: str) -> tuple[RBM, dict]:
    return load_model(MODELS_DIR / f"{stem}.npz")


def test_the_documented_models_are_bundled_and_small():
    files = sorted(MODELS_DIR.glob("*.npz"))
    assert set(EXPECTED) <= {f.stem for f in files}
    assert sum(f.stat().st_size for f in files) < MAX_TOTAL_BYTES
    readme = (MODELS_DIR.parent / "README.md").read_text()
    for f in files:  # any model bundled later must be documented too
        assert f.name in readme, f"assets/README.md does not document models/{f.name}"


@pytest.mark.parametrize("path", sorted(MODELS_DIR.glob("*.npz")), ids=lambda p: p.stem)
def test_every_bundled_model_loads_finite_with_a_title(path):
    rbm, meta = load_model(path)
    assert rbm.is_finite()
    assert meta.get("title")
    assert meta.get("image_shape") and meta["image_shape"][0] * meta["image_shape"][1] == rbm.n_v


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_model_loads_with_documented_shapes_and_meta(stem):
    rbm, meta = _load(stem)
    title, key, n_v, n_h, shape, sampler = EXPECTED[stem]
    assert (rbm.n_v, rbm.n_h) == (n_v, n_h)
    assert rbm.dtype == np.float32
    assert rbm.is_finite()
    assert META_KEYS <= set(meta), f"missing meta: {META_KEYS - set(meta)}"
    assert meta["title"] == title
    assert meta["dataset"] == key and key in datasets.DATASETS
    assert meta["image_shape"] == shape and shape[0] * shape[1] == n_v
    assert meta["sampler"] == sampler and meta["k"] == 1
    assert meta["step"] > 0 and meta["epochs"] > 0
    assert all(np.isfinite(v) for v in meta["metrics"].values())
    assert {"recon_error", "recon_error_test", "pseudo_ll"} <= set(meta["metrics"])


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_model_reconstructs_held_out_digits_better_than_untrained(stem, data):
    rbm, meta = _load(stem)
    ds = data[meta["dataset"]]
    untrained = RBM.random(rbm.n_v, rbm.n_h, seed=0, data=ds.X_train)
    trained_err = reconstruction_error(rbm, ds.X_test)
    untrained_err = reconstruction_error(untrained, ds.X_test)
    # a clear margin, not a tie: every bundled model at least a quarter better
    assert trained_err < 0.75 * untrained_err, (trained_err, untrained_err)
    # and the recorded number is the one a student recomputes
    assert trained_err == pytest.approx(meta["metrics"]["recon_error_test"], rel=1e-4)


def test_small_model_exact_held_out_log_likelihood_beats_untrained(data):
    rbm, meta = _load("mnist_784x20_cd1")
    X_test = data["mnist"].X_test

    def mean_ll(model: RBM) -> float:
        model = model.astype(np.float64)
        return float(-model.free_energy(X_test).mean() - log_Z_exact(model))

    trained = mean_ll(rbm)
    untrained = mean_ll(RBM.random(784, 20, seed=0, data=data["mnist"].X_train))
    assert np.isfinite(trained)
    assert trained > untrained + 10, (trained, untrained)  # nats per digit
    # the script recorded it on the first 500 held-out digits
    sub = rbm.astype(np.float64)
    recorded = float(-sub.free_energy(X_test[:500]).mean() - log_Z_exact(sub))
    assert recorded == pytest.approx(meta["metrics"]["ll_test"], abs=1e-3)
