"""Model files: round trip, and every kind of bad file refused with a clear ValueError."""

import io

import numpy as np
import pytest

from pgmviz import io as io_
from pgmviz.io import load_model, model_bytes, save_model
from pgmviz.models.grbm import GaussianRBM
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM, LinearHiddenRBM


def test_round_trip_keeps_parameters_and_settings(tmp_path):
    r = RBM.random(6, 4, seed=3, sigma=0.5)
    path = tmp_path / "m.npz"
    save_model(path, r, {"lr": np.float32(0.1), "sampler": "pcd", "step": 12})
    r2, meta = load_model(path)
    np.testing.assert_array_equal(r2.W, r.W)
    np.testing.assert_array_equal(r2.c, r.c)
    assert r2.W.dtype == np.float32
    assert meta["sampler"] == "pcd" and meta["step"] == 12 and meta["lr"] == pytest.approx(0.1)
    r3, _ = load_model(model_bytes(r))
    np.testing.assert_array_equal(r3.b, r.b)


def test_unit_type_survives_the_round_trip():
    """A LinearHiddenRBM comes back linear (its own free energy); old files without the type are binary."""
    r = LinearHiddenRBM.random(6, 4, seed=1)
    r2, _ = load_model(model_bytes(r))
    assert type(r2) is LinearHiddenRBM
    V = np.eye(6)
    np.testing.assert_allclose(r2.free_energy(V), r.free_energy(V))
    assert type(load_model(model_bytes(RBM.random(6, 4)))[0]) is RBM
    old = _npz(W=r.W, b=r.b, c=r.c)
    assert type(load_model(old)[0]) is RBM
    with pytest.raises(ValueError, match="hidden_units must be one of"):
        load_model(_npz(W=r.W, b=r.b, c=r.c, hidden_units=np.array("gaussian")))


@pytest.mark.parametrize("model", [GaussianRBM.random(6, 4), LabelRBM.from_rbm(RBM.random(6, 4), 2)])
def test_models_an_rbm_file_cannot_hold_are_refused(model):
    with pytest.raises(ValueError, match="would lose"):
        model_bytes(model)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"this is not a zip file", "not a"),
        (_npz(W=np.zeros((3, 2)), b=np.zeros(3)), "missing array"),
        (_npz(W=np.zeros((3, 2)), b=np.zeros(4), c=np.zeros(2)), "b must have shape"),
        (_npz(W=np.full((3, 2), np.nan), b=np.zeros(3), c=np.zeros(2)), "NaN"),
        (_npz(W=np.zeros((3, 2), int), b=np.zeros(3), c=np.zeros(2)), "floating"),
        (_npz(W=np.array([{"evil": 1}], dtype=object), b=np.zeros(3), c=np.zeros(2)), "not a valid"),
        (_npz(W=np.zeros((3, 2)), b=np.zeros(3), c=np.zeros(2), meta=np.array("{nope")), "JSON"),
    ],
)
def test_bad_model_files_are_refused(payload, message):
    with pytest.raises(ValueError, match=message):
        load_model(payload)


def test_truncated_file_is_refused(tmp_path):
    data = model_bytes(RBM.random(20, 10))
    with pytest.raises(ValueError):
        load_model(data[: len(data) // 2])


# ---------------------------------------------------------------------------- the one .npz reader
def test_read_npz_returns_arrays_and_meta_and_reads_only_the_names_asked_for(tmp_path):
    data = _npz(W=np.ones((2, 2)), b=np.zeros(2), meta=np.array('{"a": 1}'))
    arrays, meta = io_.read_npz(data, "thing")
    assert set(arrays) == {"W", "b"} and meta == {"a": 1}
    arrays, meta = io_.read_npz(data, "thing", names=["b"])
    assert set(arrays) == {"b"} and meta == {"a": 1}
    assert io_.read_npz(_npz(W=np.ones(2)))[1] is None  # no meta: None, the format decides


@pytest.mark.parametrize("payload, message", [
    (b"", "not a readable .npz thing file"),
    (_npz(W=np.ones(3))[:40], "not a readable .npz thing file"),
    ((lambda: (buf := io.BytesIO(), np.save(buf, np.zeros(3)), buf.getvalue())[2])(), "single .npy"),
    (_npz(W=np.array([{"x": 1}], dtype=object)), "not a valid thing file"),
    (_npz(meta=np.zeros(2)), "meta must be one JSON string"),
    (_npz(meta=np.array("[1, 2]")), "meta must be a JSON object"),
    (_npz(meta=np.array("{oops")), "meta is not valid JSON"),
])
def test_read_npz_refuses_every_malformed_file_with_a_value_error(payload, message):
    with pytest.raises(ValueError, match=message):
        io_.read_npz(payload, "thing")


def test_read_npz_refuses_missing_files_and_archives_that_inflate_too_far(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="thing file not found"):
        io_.read_npz(tmp_path / "nope.npz", "thing")
    with pytest.raises(ValueError):
        io_.read_npz(tmp_path, "thing")  # a folder
    buf = io.BytesIO()
    np.savez_compressed(buf, W=np.zeros(20_000))  # 160 kB of zeros in a tiny compressed file
    big = buf.getvalue()
    monkeypatch.setattr(io_, "MAX_FILE_BYTES", 100_000)
    assert len(big) < 100_000
    with pytest.raises(ValueError, match="more than 0 MB of arrays"):
        io_.read_npz(big, "thing")


def _vae_bytes(change=None) -> bytes:
    from pgmviz.models.vae import PARAMS, VAE, VAEConfig

    vae = VAE(VAEConfig(n_x=6, n_hidden=4, n_z=2))
    buf = io.BytesIO()
    vae.save(buf, {"title": "t"})
    a = dict(np.load(io.BytesIO(buf.getvalue()), allow_pickle=False))
    assert set(a) == {"meta", *PARAMS}
    if change:
        change(a)
    return _npz(**a)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("W4"), r"missing array\(s\) W4"),
    (lambda a: a.pop("meta"), "needs meta and"),
    (lambda a: a.__setitem__("meta", np.array("{not json")), "JSON"),
    (lambda a: a.__setitem__("meta", np.array('{"config": {"n_x": 6, "colour": 1}}')), "config"),
    (lambda a: a.__setitem__("b4", np.zeros(7, np.float32)), "b4 has shape"),
    (lambda a: a["W1"].__setitem__((0, 0), np.nan), "NaN"),
    (lambda a: a.__setitem__("W1", np.zeros((6, 4), np.int32)), "floating point"),
    (lambda a: a.__setitem__("W1", np.array([{"x": 1}], dtype=object)), "not a valid"),
])
def test_every_malformed_vae_file_is_a_value_error(change, message):
    from pgmviz.models.vae import VAE

    VAE.load(_vae_bytes())  # the unchanged file loads
    with pytest.raises(ValueError, match=message):
        VAE.load(_vae_bytes(change))
    with pytest.raises(ValueError):
        VAE.load(_vae_bytes()[:300])  # truncated: was a zipfile error


def _dbn_bytes(change=None) -> bytes:
    from pgmviz.models import dbn, dbn_io

    net = dbn.DBN([RBM.random(6, 4, seed=1), RBM.random(4, 3, seed=2)])
    buf = io.BytesIO()
    dbn_io.save_dbn(buf, net, {"title": "t"})
    a = dict(np.load(io.BytesIO(buf.getvalue()), allow_pickle=False))
    if change:
        change(a)
    return _npz(**a)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("n_layers"), "n_layers"),
    (lambda a: a.__setitem__("n_layers", np.array(2.0)), "one integer"),
    (lambda a: a.__setitem__("n_layers", np.array(3)), "missing array"),
    (lambda a: a.pop("meta"), "no meta"),
    (lambda a: a.__setitem__("meta", np.array("{")), "JSON"),
    (lambda a: a["W1"].__setitem__((0, 0), np.inf), "NaN or infinite"),
    (lambda a: a.__setitem__("c1", np.zeros(5)), "c must have shape"),
])
def test_every_malformed_dbn_file_is_a_value_error(change, message):
    from pgmviz.models import dbn_io

    assert dbn_io.load_dbn(_dbn_bytes())[0].sizes == [6, 4, 3]
    with pytest.raises(ValueError, match=message):
        dbn_io.load_dbn(_dbn_bytes(change))
