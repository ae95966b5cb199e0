"""Saving and loading models as ``.npz`` files: plain arrays and a JSON string, never pickle.

A file holds ``W``, ``b``, ``c`` and ``meta``: a JSON object (training settings, data set, step,
anything the caller adds) stored as a 0-d unicode array, which ``np.load`` reads with
``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pgmviz.rbm import RBM

FORMAT = "pgmviz-rbm-1"
MAX_FILE_BYTES = 200 * 2**20


def save_model(target: str | Path | BinaryIO, rbm: RBM, meta: dict | None = None) -> None:
    """Write ``rbm`` and a JSON-able ``meta`` dict to a path or a binary file object."""
    meta = {"format": FORMAT, **(meta or {})}
    np.savez_compressed(target, W=rbm.W, b=rbm.b, c=rbm.c, meta=np.array(json.dumps(meta, default=_jsonable)))


def model_bytes(rbm: RBM, meta: dict | None = None) -> bytes:
    """The ``.npz`` file as bytes (for a download button)."""
    buf = io.BytesIO()
    save_model(buf, rbm, meta)
    return buf.getvalue()


def load_model(source: str | Path | BinaryIO | bytes) -> tuple[RBM, dict]:
    """Read a model saved by `save_model`; raise ValueError naming what is wrong with a bad file."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_FILE_BYTES:
            raise ValueError(f"model file is too large ({len(source) / 2**20:.0f} MB; at most {MAX_FILE_BYTES // 2**20} MB)")
        source = io.BytesIO(source)
    try:
        with np.load(source, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except ValueError as e:  # includes "Object arrays cannot be loaded when allow_pickle=False"
        raise ValueError(f"not a valid pgmviz model file: {e}") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise ValueError(f"not a readable .npz model file ({type(e).__name__}: {e})") from None
    if not isinstance(arrays, dict) or not arrays:
        raise ValueError("not a pgmviz model file: no arrays found")
    missing = [k for k in ("W", "b", "c") if k not in arrays]
    if missing:
        raise ValueError(f"not a pgmviz model file: missing array(s) {', '.join(missing)}")
    W, b, c = arrays["W"], arrays["b"], arrays["c"]
    for name, x in (("W", W), ("b", b), ("c", c)):
        if x.dtype.kind != "f":
            raise ValueError(f"model array {name} must be floating point; got {x.dtype}")
        if not np.isfinite(x).all():
            raise ValueError(f"model array {name} contains NaN or infinite values")
    rbm = RBM(W, b, c)  # validates the shapes against each other
    meta: dict = {}
    if "meta" in arrays:
        try:
            meta = json.loads(str(arrays["meta"]))
        except json.JSONDecodeError as e:
            raise ValueError(f"model metadata is not valid JSON: {e}") from None
        if not isinstance(meta, dict):
            raise ValueError("model metadata must be a JSON object")
    return rbm, meta


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in model metadata")
