"""pgmviz.training.finetune_io: the ready-made run round-trips, bad files are refused, the bundled run is its recipe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from pgmviz import datasets
from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.models.rbm import RBM
from pgmviz.training import dbn_pretrain as dbn_pre
from pgmviz.training import finetune as ft
from pgmviz.training import finetune_io as ft_io

RESULTS = Path(__file__).resolve().parents[2] / "assets" / "finetune" / "results.json"


def test_ready_made_file_round_trip_and_bad_files(tmp_path):
    rng = np.random.default_rng(0)
    stack = [RBM(rng.normal(size=(6, 4)), rng.normal(size=6), rng.normal(size=4)),
             RBM(rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3))]
    pre, rand = ft.random_classifier([6, 4, 3, 10], rng=1), ft.random_classifier([6, 4, 3, 10], rng=2)
    path = tmp_path / "run.npz"
    ft_io.save_ready_made(path, stack, pre, rand, {"note": "x"})
    s2, p2, r2, meta = ft_io.load_ready_made(path)
    assert meta == {"note": "x"} and len(s2) == 2
    for a, b in zip(s2, stack):
        for x, y in ((a.W, b.W), (a.b, b.b), (a.c, b.c)):
            np.testing.assert_array_equal(x, y)
    for a, b in ((p2, pre), (r2, rand)):
        for x, y in zip(a.Ws + a.bs, b.Ws + b.bs):
            np.testing.assert_array_equal(x, y)
    bad = tmp_path / "bad.npz"
    for content in (b"not a zip", b""):
        bad.write_bytes(content)
        with pytest.raises(ValueError, match="ready-made"):
            ft_io.load_ready_made(bad)
    with pytest.raises(ValueError, match="ready-made"):
        ft_io.load_ready_made(tmp_path / "missing.npz")
    ft_io.save_ready_made(path, stack[:1], pre, rand, {})  # a stack that does not fit the nets
    with pytest.raises(ValueError, match="do not fit"):
        ft_io.load_ready_made(path)


def test_bundled_ready_made_run_is_the_recipe_and_its_histories_are_its_nets():
    cfg = ft_rows.TableConfig()
    stack, pre, rand, meta = ft_io.load_ready_made()
    d = datasets.load(cfg.dataset)
    for name, net in (("pretrained", pre), ("random", rand)):
        last = meta[name]["history"][-1]
        assert last["epoch"] == cfg.finetune_epochs
        assert net.error_rate(d.X_test, d.y_test) == pytest.approx(last["held-out error"], abs=1e-12)
    # the numbers the page shows are the results table's 16x16 backprop rows
    col = json.loads(RESULTS.read_text())["columns"][0]
    assert meta["pretrained"]["history"][-1]["held-out error"] == col["rows"]["dbn_backprop"]["test_error"]
    assert meta["random"]["history"][-1]["held-out error"] == col["rows"]["random_backprop"]["test_error"]
    with threadpool_limits(1, "blas"):  # the script's setting: the same rounding, the same bits
        again = dbn_pre.pretrain_dbn(d.X_train, cfg.sizes[:-1], cfg.pretraining())
    for a, b in zip(again, stack):
        np.testing.assert_allclose(a.W, b.W, atol=1e-4)
