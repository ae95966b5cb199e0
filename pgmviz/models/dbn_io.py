"""The DBN file format ``pgmviz-dbn-1``: ``W0, b0, c0, W1, ...`` (+ ``G0, g0, ...`` untied), ``n_labels``, JSON meta.

Plain ``.npz`` arrays written with `numpy.savez_compressed` and read through `pgmviz.io.read_npz`
(``allow_pickle=False``); every array is checked before a `pgmviz.models.dbn.DBN` is built from it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from pgmviz.io import check_float_arrays, check_int_scalar, read_npz
from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM

DBN_FORMAT = "pgmviz-dbn-1"


def save_dbn(target: str | Path | io.IOBase, net: DBN, meta: dict | None = None) -> None:
    """Write a DBN as ``.npz``: ``W0, b0, c0, W1, ...``, ``n_labels`` and a JSON ``meta``; no pickle."""
    net._need_layers()
    arrays = {}
    for l, r in enumerate(net.rbms):
        arrays.update({f"W{l}": r.W, f"b{l}": r.b, f"c{l}": r.c})
    if not net.tied:  # untied generative weights of the directed layers
        for l, (G, b) in enumerate(net.generative_weights):
            arrays.update({f"G{l}": G, f"g{l}": b})
    meta = {"format": DBN_FORMAT, "sizes": net.sizes, **(meta or {})}
    np.savez_compressed(target, n_layers=np.array(net.n_layers), n_labels=np.array(net.n_labels),
                        meta=np.array(json.dumps(meta, default=lambda x: x.item() if isinstance(x, np.generic)
                                                 else x.tolist())), **arrays)


def load_dbn(source: str | Path | io.IOBase | bytes) -> tuple[DBN, dict]:
    """Read a DBN saved by `save_dbn` (``allow_pickle=False``); ValueError names what is wrong."""
    kind = "pgmviz DBN"
    a, meta = read_npz(source, kind)
    if meta is None:
        raise ValueError(f"not a {kind} file: no meta")
    n_layers, n_labels = check_int_scalar(a, "n_layers", kind), check_int_scalar(a, "n_labels", kind)
    if n_layers < 1:
        raise ValueError(f"{kind} file: n_layers must be at least 1; got {n_layers}")
    names = [f"{p}{l}" for l in range(n_layers) for p in "Wbc"]
    if "G0" in a:
        names += [f"{p}{l}" for l in range(n_layers - 1) for p in "Gg"]
    check_float_arrays(a, names, kind)
    rbms: list[RBM] = [RBM(a[f"W{l}"], a[f"b{l}"], a[f"c{l}"]) for l in range(n_layers)]
    gen = [(a[f"G{l}"], a[f"g{l}"]) for l in range(n_layers - 1)] if "G0" in a else None
    if n_labels:
        rbms[-1] = LabelRBM.from_rbm(rbms[-1], n_labels)
    return DBN(rbms, gen), meta

