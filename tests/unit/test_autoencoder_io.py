"""Deep-autoencoder files: save/load round trips, bad files are ValueErrors, and the bundled nets
(assets/autoencoder/, scripts/train_autoencoder.py) are what their meta says and beat PCA."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from pgmviz import data
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_io as ae_io
from pgmviz.nets import autoencoder_recipe as ae_recipe
from pgmviz.nets.pca import PCA, squared_error

BUNDLED = Path(__file__).resolve().parents[2] / "assets" / "autoencoder"
R = ae_recipe.READY_MADE


pytestmark = pytest.mark.usefixtures("one_blas_thread")  # tests/unit/conftest.py


@pytest.fixture(scope="module")
def digits16():
    Xtr, _, Xte, _ = data.mnist_split()
    return data.downsample(Xtr, R.side), data.downsample(Xte, R.side)


def small_net(dtype=np.float32) -> ae.Autoencoder:
    net = ae.random_autoencoder([12, 5, 3], rng=1, dtype=dtype)
    for k, b in enumerate(net.bs):
        b[:] = np.arange(len(b)) * 0.1 - k  # not all zeros, so a lost bias would show
    return net


def saved(net: ae.Autoencoder, meta: dict | None = None) -> bytes:
    buf = io.BytesIO()
    ae_io.save_autoencoder(buf, net, meta)
    return buf.getvalue()


def arrays_of(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_is_exact(tmp_path, dtype):
    net = small_net(dtype)
    meta = {"title": "tiny", "history": [{"epoch": 0, "held-out squared error": 1.25}], "seed": np.int64(3)}
    path = tmp_path / "net.npz"
    ae_io.save_autoencoder(path, net, meta)
    got, got_meta = ae_io.load_autoencoder(path)
    assert got.acts == net.acts and got.code_layer == net.code_layer and got.sizes == net.sizes
    for a, b in zip(got.Ws + got.bs, net.Ws + net.bs):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert got_meta == {"title": "tiny", "history": meta["history"], "seed": 3, "format": ae_io.FORMAT,
                        "sizes": [12, 5, 3, 5, 12]}
    X = np.random.default_rng(0).random((4, 12))
    np.testing.assert_array_equal(got.reconstruct(X), net.reconstruct(X))
    got2, _ = ae_io.load_autoencoder(path.read_bytes())  # bytes, as from an upload
    np.testing.assert_array_equal(got2.Ws[1], net.Ws[1])


def test_round_trip_of_an_unrolled_net_keeps_the_linear_code(digits16):
    Xtr, _ = digits16
    *_, last = ae.pretrain(Xtr[:100], [256, 8, 2], ae.pretraining(1, 0))
    net = ae.unroll(last.stack)
    got, _ = ae_io.load_autoencoder(saved(net))
    assert got.acts == ["sigmoid", "linear", "sigmoid", "sigmoid"] and got.code_layer == 1
    np.testing.assert_array_equal(got.encode(Xtr[:5]), net.encode(Xtr[:5]))


def test_the_file_is_plain_arrays_no_pickle():
    a = arrays_of(saved(small_net()))
    assert sorted(a) == ["W0", "W1", "W2", "W3", "acts", "b0", "b1", "b2", "b3", "code_layer", "meta", "n_layers"]
    assert all(x.dtype != object for x in a.values())


# ---------------------------------------------------------------------------- bad files
def corrupt(change) -> bytes:
    """A valid file's arrays, changed by ``change(arrays)``, written again as .npz."""
    a = arrays_of(saved(small_net()))
    change(a)
    return npz(**a)


def _set(key, value):
    return lambda a: a.__setitem__(key, value)


BAD = {
    "not a zip": b"this is not an npz file",
    "empty": b"",
    "truncated": saved(small_net())[:200],
    "a lone .npy": (lambda: (buf := io.BytesIO(), np.save(buf, np.zeros(3)), buf.getvalue())[2])(),
    "an RBM file": npz(W=np.zeros((3, 2)), b=np.zeros(3), c=np.zeros(2), meta=np.array("{}")),
    "missing W1": corrupt(lambda a: a.pop("W1")),
    "missing meta": corrupt(lambda a: a.pop("meta")),
    "extra array": corrupt(_set("W9", np.zeros((2, 2), np.float32))),
    "n_layers too many": corrupt(_set("n_layers", np.array(5))),
    "n_layers not an integer": corrupt(_set("n_layers", np.array(4.0))),
    "bias of the wrong length": corrupt(_set("b1", np.zeros(4, np.float32))),
    "layers that do not chain": corrupt(_set("W2", np.zeros((4, 5), np.float32))),
    "output size not the input size": corrupt(lambda a: (a.__setitem__("W3", np.zeros((5, 11), np.float32)),
                                                         a.__setitem__("b3", np.zeros(11, np.float32)))),
    "W not 2-D": corrupt(_set("W0", np.zeros(60, np.float32))),
    "integer weights": corrupt(_set("W0", np.zeros((12, 5), np.int32))),
    "mixed dtypes": corrupt(_set("b0", np.zeros(5, np.float64))),
    "NaN weight": corrupt(lambda a: a["W1"].__setitem__((0, 0), np.nan)),
    "unknown activation": corrupt(_set("acts", np.array(["sigmoid", "linear", "relu", "sigmoid"]))),
    "too few activations": corrupt(_set("acts", np.array(["sigmoid", "linear", "sigmoid"]))),
    "linear output": corrupt(_set("acts", np.array(["sigmoid", "linear", "sigmoid", "linear"]))),
    "code layer out of range": corrupt(_set("code_layer", np.array(3))),
    "meta not JSON": corrupt(_set("meta", np.array("{not json"))),
    "meta not an object": corrupt(_set("meta", np.array("[1, 2]"))),
    "meta of another format": corrupt(_set("meta", np.array(json.dumps({"format": "pgmviz-rbm-1"})))),
    "meta not a string": corrupt(_set("meta", np.zeros(2))),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_raise_value_error(name):
    with pytest.raises(ValueError, match="autoencoder|npz"):
        ae_io.load_autoencoder(BAD[name])


def test_object_arrays_are_refused_not_unpickled():
    buf = io.BytesIO()
    np.savez(buf, **arrays_of(saved(small_net())) | {"W0": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(ValueError):
        ae_io.load_autoencoder(buf.getvalue())


def test_missing_file_and_folder_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        ae_io.load_autoencoder(tmp_path / "nope.npz")
    with pytest.raises(ValueError):
        ae_io.load_autoencoder(tmp_path)


# ---------------------------------------------------------------------------- the bundled nets
def bundled(code: int) -> tuple[ae.Autoencoder, dict]:
    return ae_io.load_autoencoder(BUNDLED / ae_io.asset_name(R.sizes(code)))


def test_bundled_files_are_there_small_and_float32():
    files = sorted(BUNDLED.glob("*.npz"))
    assert [f.name for f in files] == sorted(ae_io.asset_name(R.sizes(c)) for c in R.code_sizes)
    assert sum(f.stat().st_size for f in files) < 3 * 2**20
    readme = (BUNDLED.parent / "README.md").read_text()
    for f in files:
        assert f"`{f.name}`" in readme, f"assets/README.md does not document autoencoder/{f.name}"
    for code in R.code_sizes:
        net, meta = bundled(code)
        assert all(p.dtype == np.float32 for p in net.Ws + net.bs)
        assert net.sizes == R.sizes(code) + list(R.hidden[::-1]) + [R.side**2]
        assert meta["recipe"] == {"hidden": list(R.hidden), "code": code, "pre_epochs": R.pre_epochs,
                                  "ft_epochs": R.ft_epochs, "seed": R.seed}
        assert [row[:2] for row in meta["pretrain_log"]] == [
            [k, e] for k in range(len(R.hidden) + 1) for e in range(1, R.pre_epochs + 1)]
        assert [h["epoch"] for h in meta["history"]] == list(range(R.ft_epochs + 1))
        assert [h["epoch"] for h in meta["random_history"]] == list(range(R.ft_epochs + 1))
        assert meta["pretrain_seconds"] > 0 and meta["finetune_seconds"] > 0


@pytest.mark.parametrize("code", R.code_sizes)
def test_bundled_held_out_error_is_the_meta_value_and_beats_pca(code, digits16):
    Xtr, Xte = digits16
    net, meta = bundled(code)
    err = squared_error(Xte, net.reconstruct(Xte))
    assert err == pytest.approx(meta["test_squared_error"], rel=1e-5)
    assert err == pytest.approx(meta["history"][-1]["held-out squared error"], rel=1e-5)
    assert squared_error(Xtr, net.reconstruct(Xtr)) == pytest.approx(meta["train_squared_error"], rel=1e-5)
    pca_err = squared_error(Xte, PCA.fit(Xtr, code).reconstruct(Xte))  # the page's baseline
    assert pca_err == pytest.approx(meta["pca_test_squared_error"], rel=1e-9)
    assert err < pca_err
    assert err < meta["random_history"][-1]["held-out squared error"]  # pretraining helps at every size


def test_the_recipe_remakes_the_bundled_net(digits16):
    """scripts/train_autoencoder.py's computation, redone for code size 2: the same numbers up to BLAS rounding
    (bit for bit with the same NumPy/BLAS kernels; 2 BLAS threads instead of 1 moved the final error by 0.3%,
    and OpenBLAS's AVX-512 kernels (SkylakeX) instead of the AMD machine's that made the file moved a few
    pretraining errors by up to 0.6%)."""
    Xtr, Xte = digits16
    _, meta = bundled(2)
    sizes = R.sizes(2)
    run = ae_recipe.pretrain_and_finetune(Xtr, Xte, sizes, R.pre_epochs, R.ft_epochs, R.seed)
    np.testing.assert_allclose(np.array(run["pretrain_log"]), np.array(meta["pretrain_log"]), rtol=1e-2)
    got = [h["held-out squared error"] for h in run["history"]]
    np.testing.assert_allclose(got, [h["held-out squared error"] for h in meta["history"]], rtol=1e-2)
    control = ae_recipe.finetune_from_random(Xtr, Xte, sizes, R.ft_epochs, R.seed)
    np.testing.assert_allclose([h["held-out squared error"] for h in control["history"]],
                               [h["held-out squared error"] for h in meta["random_history"]], rtol=1e-2)
