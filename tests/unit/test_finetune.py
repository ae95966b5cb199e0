"""pgmviz.training.finetune: backprop gradients against finite differences, logistic regression on a
separable toy set, and the lecture's claim at a small size: a pretrained DBN fine-tuned by backprop
beats logistic regression on the RBM's features, on the held-out digits (fixed seed, about a second).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from pgmviz import datasets
from pgmviz.models.rbm import RBM
from pgmviz.training import finetune as ft

RESULTS = Path(__file__).resolve().parents[2] / "assets" / "finetune" / "results.json"


def _tiny(seed: int = 0, sizes=(5, 4, 3, 3)):
    rng = np.random.default_rng(seed)
    net = ft.random_classifier(list(sizes), rng=rng, dtype=np.float64)
    net.bs = [rng.normal(0, 0.5, b.shape) for b in net.bs]
    X = rng.random((7, sizes[0]))
    y = rng.integers(0, sizes[-1], 7)
    return net, X, y


@pytest.mark.parametrize("sizes", [(5, 3), (5, 4, 3), (5, 4, 3, 3)])
@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_backprop_gradients_equal_finite_differences(sizes, decay):
    net, X, y = _tiny(1, sizes)
    loss, gW, gb = net.gradients(X, y, decay)
    assert loss == pytest.approx(net.loss(X, y, decay))
    nW, nb = ft.numerical_gradients(net, X, y, decay)
    for a, b in zip(gW + gb, nW + nb):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_softmax_and_cross_entropy():
    Z = np.array([[0.0, 0.0], [1000.0, 0.0]])
    np.testing.assert_allclose(ft.softmax(Z), [[0.5, 0.5], [1.0, 0.0]])
    assert ft.cross_entropy(Z, np.array([0, 0])) == pytest.approx(np.log(2) / 2)


def test_logistic_regression_separates_a_separable_toy_set():
    rng = np.random.default_rng(0)
    centres = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    y = np.repeat(np.arange(3), 40)
    X = centres[y] + rng.normal(0, 0.7, (len(y), 2))
    net = ft.fit_logistic(X, y, weight_decay=1e-4, n_classes=3)
    assert net.error_rate(X, y) == 0.0
    assert net.sizes == [2, 3]


def test_unrolled_net_keeps_the_recognition_weights_and_starts_at_the_logistic_regression():
    rng = np.random.default_rng(0)
    rbms = [RBM.random(6, 4, seed=1), RBM.random(4, 3, seed=2)]
    for r in rbms:
        r.c[:] = rng.normal(size=r.c.shape)
    X = (rng.random((20, 6)) < 0.5).astype(np.float32)
    y = rng.integers(0, 10, 20)
    H = ft.up_pass(rbms, X)[-1]
    top = ft.fit_logistic(H, y)
    net = ft.from_dbn(rbms, top)
    assert net.sizes == [6, 4, 3, 10]
    np.testing.assert_array_equal(net.Ws[0], rbms[0].W)
    np.testing.assert_array_equal(net.bs[1], rbms[1].c)
    np.testing.assert_allclose(net.features(X), H, rtol=1e-6)
    np.testing.assert_array_equal(net.predict(X), top.predict(H))
    net.Ws[0] += 1.0  # the classifier owns its weights: fine-tuning leaves the RBMs alone
    assert not np.allclose(net.Ws[0], rbms[0].W)


def test_trainer_lowers_the_loss_and_continues_in_slices():
    rng = np.random.default_rng(0)
    X = rng.random((60, 5)).astype(np.float32)
    y = (X[:, 0] > X[:, 1]).astype(int)
    for opt in ("momentum", "adam"):
        tr = ft.BackpropTrainer(ft.random_classifier([5, 8, 2], 0), X, y,
                                settings=ft.BackpropSettings(lr=0.05 if opt == "momentum" else 0.01,
                                                             optimiser=opt, batch_size=10))
        tr.run(2)
        tr.run(3)
        assert tr.epoch == 5 and len(tr.history) == 6
        assert tr.history[-1]["train loss"] < tr.history[0]["train loss"]


def test_finetuned_dbn_beats_logistic_regression_on_rbm_features():
    """The lecture's point at a small size (16x16 digits, 256-100-100, 5 + 8 epochs): measured
    over seeds 0-3 the fine-tuned error was 7.6-8.4% against 10.0-10.6% for the RBM features."""
    d = datasets.load("mnist16")
    cfg = ft.TableConfig("mnist16", (100, 100), pretrain_epochs=5, finetune_epochs=8, seed=0)
    with threadpool_limits(1, "blas"):  # small products: two BLAS threads were 10-20x slower here
        dbn = ft.pretrain_dbn(d.X_train, cfg.sizes[:-1], cfg.pretraining())
        rbm_row, _ = ft.measure_row("logistic_rbm", cfg, d, dbn)
        ft_row, extras = ft.measure_row("dbn_backprop", cfg, d, dbn)
    assert ft_row.test_error < rbm_row.test_error - 0.01
    hist = extras["history"]
    assert hist[-1]["held-out error"] < hist[0]["held-out error"]  # backprop improved on its starting point
    # it slightly modifies the features: the first-layer weights move by a small fraction
    change = ft.first_layer_change(dbn[0].W, extras["net"].Ws[0])
    assert 0 < change < 0.5


def test_bundled_results_have_every_row_and_leave_room_for_the_label_rows():
    res = json.loads(RESULTS.read_text())
    assert res["measured_by_the_label_nets"] == list(ft.LABEL_ROWS)
    for col in res["columns"]:
        assert set(col["rows"]) == set(ft.ROWS)
        rows = col["rows"]
        assert rows["dbn_backprop"]["test_error"] < rows["logistic_rbm"]["test_error"]
        assert rows["dbn_backprop"]["test_error"] < rows["random_backprop"]["test_error"]


def test_bundled_predictions_give_the_bundled_errors_and_the_paired_numbers_follow():
    """Each stored row's per-digit predictions reproduce its held-out error; the paired comparison
    of two rows is computed from them (difference inside its interval, discordant counts by hand)."""
    res = json.loads(RESULTS.read_text())
    for col in res["columns"]:
        y = datasets.load(col["config"]["dataset"]).y_test
        preds = ft.column_predictions(col)
        assert set(ft.ROWS) <= set(preds)
        for key, row in {**col["rows"], **col["label_rows"]}.items():
            assert np.mean(preds[key] != y) == pytest.approx(row["test_error"], abs=1e-9), key
        comp = ft.compare_to(col, y)
        knn = comp["knn"]
        assert knn.only_a == int(((preds["knn"] != y) & (preds["dbn_backprop"] == y)).sum())
        assert knn.low <= knn.difference <= knn.high


def test_knn_against_a_loop():
    rng = np.random.default_rng(0)
    R = (rng.random((40, 6)) < 0.5).astype(float)
    y = rng.integers(0, 10, 40)
    X = (rng.random((15, 6)) < 0.5).astype(float)
    got = ft.knn_predict(R, y, X, k=3)
    for x, g in zip(X, got):
        d = ((R - x) ** 2).sum(axis=1)
        order = np.argsort(d, kind="stable")[:3]
        votes = np.bincount(y[order], minlength=10)
        winners = [c for c in y[order] if votes[c] == votes.max()]
        assert g == winners[0]  # ties go to the class of the nearest neighbour among the tied
    loo = ft.knn_predict(R, y, R, k=1, leave_one_out=True)
    for i in range(len(R)):
        d = ((R - R[i]) ** 2).sum(axis=1)
        d[i] = np.inf
        assert loo[i] == y[np.argsort(d, kind="stable")[0]]
    with pytest.raises(ValueError):
        ft.knn_predict(R, y, X, k=0)


def test_paired_comparison_by_hand():
    y = np.zeros(100, dtype=int)
    a = y.copy()
    b = y.copy()
    a[:12] = 1  # a wrong on 12 digits
    b[8:14] = 1  # b wrong on 6 digits, 4 of them shared with a
    pc = ft.paired_comparison(a, b, y)
    assert (pc.error_a, pc.error_b, pc.only_a, pc.only_b) == (0.12, 0.06, 8, 2)
    from scipy.stats import binomtest

    assert pc.p_value == pytest.approx(binomtest(8, 10, 0.5).pvalue)
    assert pc.low <= 0.06 <= pc.high
    assert not ft.paired_comparison(a, a, y).clear
    assert ft.predictions_from_text(ft.predictions_to_text(a)).tolist() == a.tolist()
    with pytest.raises(ValueError):
        ft.predictions_from_text("12a")


def test_label_dbn_result_reads_only_the_meta(tmp_path):
    meta = {"test_error": 0.04, "train_error": 0.02, "sizes": [4, 3], "dataset": "mnist"}
    np.savez(tmp_path / "net.npz", meta=np.array(json.dumps(meta)), W0=np.zeros((4, 3)))
    assert ft.label_dbn_result(tmp_path / "net.npz") == meta
    assert ft.label_dbn_result(tmp_path / "missing.npz") is None


# ------------------------------------------------------------------ the page's bundled ready-made run
def test_ready_made_file_round_trip_and_bad_files(tmp_path):
    rng = np.random.default_rng(0)
    stack = [RBM(rng.normal(size=(6, 4)), rng.normal(size=6), rng.normal(size=4)),
             RBM(rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3))]
    pre, rand = ft.random_classifier([6, 4, 3, 10], rng=1), ft.random_classifier([6, 4, 3, 10], rng=2)
    path = tmp_path / "run.npz"
    ft.save_ready_made(path, stack, pre, rand, {"note": "x"})
    s2, p2, r2, meta = ft.load_ready_made(path)
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
            ft.load_ready_made(bad)
    with pytest.raises(ValueError, match="ready-made"):
        ft.load_ready_made(tmp_path / "missing.npz")
    ft.save_ready_made(path, stack[:1], pre, rand, {})  # a stack that does not fit the nets
    with pytest.raises(ValueError, match="do not fit"):
        ft.load_ready_made(path)


def test_bundled_ready_made_run_is_the_recipe_and_its_histories_are_its_nets():
    cfg = ft.TableConfig()
    stack, pre, rand, meta = ft.load_ready_made()
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
        again = ft.pretrain_dbn(d.X_train, cfg.sizes[:-1], cfg.pretraining())
    for a, b in zip(again, stack):
        np.testing.assert_allclose(a.W, b.W, atol=1e-4)
