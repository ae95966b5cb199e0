"""Model files: round trip, and every kind of bad file refused with a clear ValueError."""

import io

import numpy as np
import pytest

from pgmviz.io import load_model, model_bytes, save_model
from pgmviz.rbm import RBM


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
