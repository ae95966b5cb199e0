"""Autoencoder files: ``.npz`` of plain arrays and a JSON ``meta``, read with ``allow_pickle=False``.

`save_autoencoder` writes ``W0, b0, W1, ...``, ``acts``, ``code_layer``, ``n_layers``; `load_autoencoder`
checks every one and raises a ValueError naming what is wrong with a bad file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pgmviz.io import check_int_scalar, read_npz
from pgmviz.nets.autoencoder import Autoencoder

FORMAT = "pgmviz-autoencoder-1"
ACTIVATIONS = ("sigmoid", "linear")


def asset_name(sizes: list[int]) -> str:
    """File name of a bundled net with encoder sizes [n_in, ..., code]: ``autoencoder_256-128-64-6.npz``."""
    return "autoencoder_" + "-".join(map(str, sizes)) + ".npz"


def save_autoencoder(target: str | Path | BinaryIO, net: Autoencoder, meta: dict | None = None) -> None:
    """Write ``net`` as ``.npz``: ``W0, b0, W1, ...``, ``acts``, ``code_layer``, ``n_layers`` and a JSON ``meta``.

    Plain arrays and a JSON string, so `load_autoencoder` reads it with ``allow_pickle=False``.
    """
    arrays = {}
    for k, (W, b) in enumerate(zip(net.Ws, net.bs)):
        arrays.update({f"W{k}": W, f"b{k}": b})
    meta = {**(meta or {}), "format": FORMAT, "sizes": net.sizes}
    np.savez_compressed(target, n_layers=np.array(len(net.Ws)), code_layer=np.array(net.code_layer),
                        acts=np.array(net.acts, dtype=str), meta=np.array(json.dumps(meta, default=_jsonable)),
                        **arrays)


def load_autoencoder(source: str | Path | BinaryIO | bytes) -> tuple[Autoencoder, dict]:
    """Read a net saved by `save_autoencoder`: (net, meta). Any bad file raises ValueError saying what is wrong."""
    a, meta = read_npz(source, "autoencoder")
    for key in ("n_layers", "code_layer", "acts"):
        if key not in a:
            raise ValueError(f"not an autoencoder file: no array {key!r} (has {', '.join(sorted(a)) or 'none'})")
    if meta is None:
        raise ValueError("not an autoencoder file: no array 'meta'")
    n = check_int_scalar(a, "n_layers", "autoencoder")
    if n < 2:
        raise ValueError(f"autoencoder file: n_layers must be at least 2; got {n}")
    expected = {"n_layers", "code_layer", "acts"} | {f"{p}{k}" for k in range(n) for p in "Wb"}
    if set(a) != expected:
        missing, extra = sorted(expected - set(a)), sorted(set(a) - expected)
        raise ValueError("autoencoder file: wrong arrays" + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unexpected {', '.join(extra)}" if extra else ""))
    code_layer = check_int_scalar(a, "code_layer", "autoencoder")
    if not 0 <= code_layer < n - 1:
        raise ValueError(f"autoencoder file: code_layer must be in 0..{n - 2}; got {code_layer}")
    acts = a["acts"]
    if acts.dtype.kind != "U" or acts.shape != (n,):
        raise ValueError(f"autoencoder file: acts must be {n} strings; got {acts.dtype} of shape {acts.shape}")
    acts = [str(x) for x in acts]
    if not set(acts) <= set(ACTIVATIONS):
        raise ValueError(f"autoencoder file: activations must be among {ACTIVATIONS}; got {acts}")
    if acts[-1] != "sigmoid":
        raise ValueError("autoencoder file: the output layer must be sigmoid (pixels in [0, 1])")
    Ws, bs = [a[f"W{k}"] for k in range(n)], [a[f"b{k}"] for k in range(n)]
    for k, (W, b) in enumerate(zip(Ws, bs)):
        for name, x, ndim in ((f"W{k}", W, 2), (f"b{k}", b, 1)):
            if x.ndim != ndim or x.dtype.kind != "f":
                raise ValueError(f"autoencoder file: {name} must be a {ndim}-D float array; "
                                 f"got {x.dtype} of shape {x.shape}")
            if x.dtype != Ws[0].dtype:
                raise ValueError(f"autoencoder file: {name} is {x.dtype}, W0 {Ws[0].dtype}; one dtype throughout")
            if not np.isfinite(x).all():
                raise ValueError(f"autoencoder file: {name} contains NaN or infinite values")
        if b.shape != (W.shape[1],):
            raise ValueError(f"autoencoder file: b{k} has shape {b.shape}; W{k} {W.shape} needs ({W.shape[1]},)")
        if k and W.shape[0] != Ws[k - 1].shape[1]:
            raise ValueError(f"autoencoder file: W{k} has shape {W.shape}, but layer {k - 1} has "
                             f"{Ws[k - 1].shape[1]} outputs")
    if Ws[-1].shape[1] != Ws[0].shape[0]:
        raise ValueError(f"autoencoder file: {Ws[-1].shape[1]} outputs for {Ws[0].shape[0]} inputs")
    if meta.get("format") != FORMAT:
        raise ValueError(f"autoencoder file: format {meta.get('format')!r}, expected {FORMAT!r}")
    return Autoencoder(Ws, bs, acts, code_layer), meta


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in autoencoder metadata")
