"""scripts/train_dbn.py end to end on a tiny net: fixed seeds give the same file, and `Layer.resample` (RBM 2
on fresh binary samples of p(h1 | v), the bundled 16x16 recipe) changes RBM 2 only."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pgmviz.models import dbn_io

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_blas_thread")]
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_dbn.py"


@pytest.fixture(scope="module")
def td():
    spec = importlib.util.spec_from_file_location("train_dbn_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def tiny(td, out: Path, resample: bool):
    lower = (td.Layer("cd", 0.05, 2, lr_floor=1.0, seed=1, k=2),
             td.Layer("cd", 0.05, 2, lr_floor=1.0, seed=2, k=2, resample=resample))
    return td.Net("mnist16", (256, 12, 12, 16), lower + (replace(td.TOP16, epochs=2),), out)


def train(td, monkeypatch, spec):
    monkeypatch.setitem(td.NETS, "tiny", spec)
    td.train("tiny")
    return dbn_io.load_dbn(spec.out)


def test_the_script_reproduces_its_file_and_resample_changes_rbm_2_only(td, tmp_path, monkeypatch):
    (a, meta_a), (b, _) = (train(td, monkeypatch, tiny(td, tmp_path / f"{n}.npz", True)) for n in ("a", "b"))
    for ra, rb in zip(a.rbms, b.rbms):
        for x, y in ((ra.W, rb.W), (ra.b, rb.b), (ra.c, rb.c)):
            np.testing.assert_array_equal(x, y)
    assert [layer["resample"] for layer in meta_a["layers"]] == [False, True, False]
    assert 0.0 <= meta_a["reader"]["clamped"]["accuracy"] <= 1.0 and meta_a["sizes"] == [256, 12, 12, 16]
    plain, _ = train(td, monkeypatch, tiny(td, tmp_path / "plain.npz", False))
    np.testing.assert_array_equal(plain.rbms[0].W, a.rbms[0].W)  # RBM 1 never sees the option
    assert not np.allclose(plain.rbms[1].W, a.rbms[1].W)


def test_the_labelled_top_refuses_resampled_states(td, tmp_path, monkeypatch):
    spec = tiny(td, tmp_path / "top.npz", False)
    spec = replace(spec, layers=spec.layers[:2] + (replace(spec.layers[2], resample=True),))
    with pytest.raises(SystemExit, match="labelled top"):
        train(td, monkeypatch, spec)
    assert not spec.out.exists()
