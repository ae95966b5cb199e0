"""The fine-tuning page's ready-made run as a file: the pretrained RBMs and both trained nets, plain ``.npz``.

`save_ready_made` writes arrays and a JSON ``meta``; `load_ready_made` reads them with
``allow_pickle=False`` and checks that the stack and the nets fit together.
"""

from __future__ import annotations

import json

import numpy as np

from pgmviz.data import ASSETS_DIR
from pgmviz.io import check_float_arrays, read_npz
from pgmviz.models.rbm import RBM
from pgmviz.training.finetune import Classifier

READY_MADE = ASSETS_DIR / "finetune" / "ready_made.npz"
_NETS = ("stack", "pretrained", "random")  # the array-name prefixes of `save_ready_made`


def save_ready_made(target, stack: list[RBM], pretrained: Classifier, random: Classifier, meta: dict) -> None:
    """The page's ready-made run as plain ``.npz`` arrays (no pickle): the pretrained RBMs, the net
    fine-tuned from them and the net trained from random weights, with ``meta`` (histories ...) as JSON."""
    arrays = {}
    for l, r in enumerate(stack):
        arrays.update({f"stack_W{l}": r.W, f"stack_b{l}": r.b, f"stack_c{l}": r.c})
    for name, net in (("pretrained", pretrained), ("random", random)):
        for l, (W, b) in enumerate(zip(net.Ws, net.bs)):
            arrays.update({f"{name}_W{l}": W, f"{name}_b{l}": b})
    np.savez_compressed(target, meta=np.array(json.dumps(meta)), **arrays)


def load_ready_made(source=None) -> tuple[list[RBM], Classifier, Classifier, dict]:
    """(stack, fine-tuned net, random-start net, meta) from `save_ready_made`'s file (default: the
    bundled one); ValueError if unusable."""
    kind = "ready-made fine-tuning"
    a, meta = read_npz(READY_MADE if source is None else source, kind)
    if meta is None:
        raise ValueError(f"not a {kind} file: no meta")

    def count(prefix: str) -> int:
        return sum(1 for k in a if k.startswith(prefix + "_W"))

    names = [f"stack_{p}{l}" for l in range(count("stack")) for p in "Wbc"]
    names += [f"{n}_{p}{l}" for n in _NETS[1:] for l in range(count(n)) for p in "Wb"]
    check_float_arrays(a, names, kind)
    try:
        stack = [RBM(a[f"stack_W{l}"], a[f"stack_b{l}"], a[f"stack_c{l}"]) for l in range(count("stack"))]
        nets = [Classifier([a[f"{n}_W{l}"] for l in range(count(n))], [a[f"{n}_b{l}"] for l in range(count(n))])
                for n in _NETS[1:]]
    except ValueError as e:  # shapes that do not chain
        raise ValueError(f"not a usable {kind} file ({e})") from None
    if not stack or nets[0].sizes != nets[1].sizes or nets[0].sizes[:-1] != [stack[0].n_v] + [r.n_h for r in stack]:
        raise ValueError("the ready-made file's stack and nets do not fit together")
    return stack, nets[0], nets[1], meta
