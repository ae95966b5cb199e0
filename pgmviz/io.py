"""Saving and loading models as ``.npz`` files: plain arrays and a JSON string, never pickle.

`read_npz` is the one reader under every model format (RBMs here, DBNs, autoencoders, VAEs, the
fine-tuning run): it opens the archive with ``allow_pickle=False`` and turns every way a file can
be malformed into a ValueError naming the problem; each format then checks its own arrays.

An RBM file holds ``W``, ``b``, ``c``, ``hidden_units`` (the unit type as a 0-d string: "bernoulli",
or "linear" for a `LinearHiddenRBM`; files without it are binary) and ``meta``: a JSON object
(training settings, data set, step, anything the caller adds) stored as a 0-d unicode array.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pgmviz.models.rbm import RBM, LinearHiddenRBM

FORMAT = "pgmviz-rbm-1"
MAX_FILE_BYTES = 200 * 2**20
RBM_CLASSES = {"bernoulli": RBM, "linear": LinearHiddenRBM}  # hidden unit type -> the class that reads it back


def save_model(target: str | Path | BinaryIO, rbm: RBM, meta: dict | None = None) -> None:
    """Write ``rbm`` and a JSON-able ``meta`` dict to a path or a binary file object.

    Only the RBMs whose whole state is W, b, c and the hidden unit type (`RBM_CLASSES`): a
    GaussianRBM's sigma or a LabelRBM's label group would be lost, so they are refused.
    """
    if type(rbm) not in RBM_CLASSES.values():
        raise ValueError(f"an RBM file stores {', '.join(c.__name__ for c in RBM_CLASSES.values())}; "
                         f"got a {type(rbm).__name__}, whose other parameters it would lose")
    meta = {"format": FORMAT, **(meta or {})}
    np.savez_compressed(target, W=rbm.W, b=rbm.b, c=rbm.c, hidden_units=np.array(rbm.hidden_units),
                        meta=np.array(json.dumps(meta, default=_jsonable)))


def model_bytes(rbm: RBM, meta: dict | None = None) -> bytes:
    """The ``.npz`` file as bytes (for a download button)."""
    buf = io.BytesIO()
    save_model(buf, rbm, meta)
    return buf.getvalue()


def read_npz(source: str | Path | BinaryIO | bytes, kind: str = "model",
             names: Iterable[str] | None = None) -> tuple[dict[str, np.ndarray], dict | None]:
    """The arrays of an ``.npz`` file and its JSON ``meta`` object, read with ``allow_pickle=False``.

    Parameters
    ----------
    source : path, binary file object or the file's bytes
    kind : what the file should be, for the messages ("autoencoder", "pgmviz DBN", ...)
    names : read only these arrays (and ``meta``); all of them by default

    Returns
    -------
    arrays : dict of name -> ndarray, without ``meta``
    meta : the decoded JSON object, or None if the file has no ``meta`` array

    Raises
    ------
    ValueError
        For a missing or unreadable file, one that is not a zip archive of arrays (a pickle, a lone
        .npy), pickled objects inside, a corrupt or truncated member, more than MAX_FILE_BYTES of
        arrays, or a ``meta`` that is not one string holding a JSON object.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > MAX_FILE_BYTES:
            raise ValueError(f"{kind} file is too large ({len(source) / 2**20:.0f} MB; "
                             f"at most {MAX_FILE_BYTES // 2**20} MB)")
        source = io.BytesIO(source)
    try:
        f = np.load(source, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"{kind} file not found: {source}") from None
    except ValueError as e:  # NumPy took it for a pickle, which allow_pickle=False refuses
        raise ValueError(f"not a readable .npz {kind} file: not a zip archive of plain arrays ({e})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"not a readable .npz {kind} file ({type(e).__name__}: {e})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ValueError(f"not a {kind} file: a single .npy array, not an .npz archive")
    wanted = None if names is None else {*names, "meta"}
    with f:
        # the sizes the archive declares, checked before anything is inflated
        if sum(info.file_size for info in f.zip.infolist()) > MAX_FILE_BYTES:
            raise ValueError(f"{kind} file: more than {MAX_FILE_BYTES // 2**20} MB of arrays")
        try:
            arrays = {k: f[k] for k in f.files if wanted is None or k in wanted}
        except ValueError as e:  # "Object arrays cannot be loaded when allow_pickle=False"
            raise ValueError(f"not a valid {kind} file: {e}") from None
        except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(f"not a readable .npz {kind} file ({type(e).__name__}: {e})") from None
    if "meta" not in arrays:
        return arrays, None
    m = arrays.pop("meta")
    if m.shape != () or m.dtype.kind != "U":
        raise ValueError(f"{kind} file: meta must be one JSON string; got {m.dtype} of shape {m.shape}")
    try:
        meta = json.loads(str(m))
    except json.JSONDecodeError as e:
        raise ValueError(f"{kind} file: meta is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{kind} file: meta must be a JSON object")
    return arrays, meta


def check_float_arrays(arrays: dict[str, np.ndarray], names: Iterable[str], kind: str = "model") -> None:
    """ValueError unless every named array is present, floating point and finite."""
    names = list(names)
    missing = [k for k in names if k not in arrays]
    if missing:
        raise ValueError(f"not a {kind} file: missing array(s) {', '.join(missing)}")
    for name in names:
        x = arrays[name]
        if x.dtype.kind != "f":
            raise ValueError(f"{kind} file: array {name} must be floating point; got {x.dtype}")
        if not np.isfinite(x).all():
            raise ValueError(f"{kind} file: array {name} contains NaN or infinite values")


def check_int_scalar(arrays: dict[str, np.ndarray], name: str, kind: str = "model") -> int:
    """The integer stored as 0-d array ``name``; ValueError if it is missing or not one integer."""
    if name not in arrays:
        raise ValueError(f"not a {kind} file: no array {name!r}")
    x = arrays[name]
    if x.shape != () or x.dtype.kind not in "iu":
        raise ValueError(f"{kind} file: {name} must be one integer; got {x.dtype} of shape {x.shape}")
    return int(x)


def load_model(source: str | Path | BinaryIO | bytes) -> tuple[RBM, dict]:
    """Read a model saved by `save_model`; raise ValueError naming what is wrong with a bad file."""
    arrays, meta = read_npz(source, "pgmviz model")
    if not arrays:
        raise ValueError("not a pgmviz model file: no arrays found")
    check_float_arrays(arrays, ("W", "b", "c"), "pgmviz model")
    units = arrays.get("hidden_units", np.array("bernoulli"))  # files written before the unit type was stored
    if units.shape != () or units.dtype.kind != "U" or str(units) not in RBM_CLASSES:
        raise ValueError(f"pgmviz model file: hidden_units must be one of {', '.join(RBM_CLASSES)}; got {units!r}")
    rbm = RBM_CLASSES[str(units)](arrays["W"], arrays["b"], arrays["c"])  # validates the shapes against each other
    return rbm, meta or {}


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in model metadata")
