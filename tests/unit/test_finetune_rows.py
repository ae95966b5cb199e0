"""pgmviz.evaluation.finetune_rows: the bundled table agrees with its predictions; k-NN and the paired test by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.evaluation import finetune_rows as ft_rows

RESULTS = Path(__file__).resolve().parents[2] / "assets" / "finetune" / "results.json"


def test_bundled_results_have_every_row_and_leave_room_for_the_label_rows():
    res = json.loads(RESULTS.read_text())
    assert res["measured_by_the_label_nets"] == list(ft_rows.LABEL_ROWS)
    for col in res["columns"]:
        assert set(col["rows"]) == set(ft_rows.ROWS)
        rows = col["rows"]
        assert rows["dbn_backprop"]["test_error"] < rows["logistic_rbm"]["test_error"]
        assert rows["dbn_backprop"]["test_error"] < rows["random_backprop"]["test_error"]


def test_bundled_predictions_give_the_bundled_errors_and_the_paired_numbers_follow():
    """Each stored row's per-digit predictions reproduce its held-out error; the paired comparison
    of two rows is computed from them (difference inside its interval, discordant counts by hand)."""
    res = json.loads(RESULTS.read_text())
    for col in res["columns"]:
        y = datasets.load(col["config"]["dataset"]).y_test
        preds = ft_rows.column_predictions(col)
        assert set(ft_rows.ROWS) <= set(preds)
        for key, row in {**col["rows"], **col["label_rows"]}.items():
            assert np.mean(preds[key] != y) == pytest.approx(row["test_error"], abs=1e-9), key
        comp = ft_rows.compare_to(col, y)
        knn = comp["knn"]
        assert knn.only_a == int(((preds["knn"] != y) & (preds["dbn_backprop"] == y)).sum())
        assert knn.low <= knn.difference <= knn.high


def test_knn_against_a_loop():
    rng = np.random.default_rng(0)
    R = (rng.random((40, 6)) < 0.5).astype(float)
    y = rng.integers(0, 10, 40)
    X = (rng.random((15, 6)) < 0.5).astype(float)
    got = ft_rows.knn_predict(R, y, X, k=3)
    for x, g in zip(X, got):
        d = ((R - x) ** 2).sum(axis=1)
        order = np.argsort(d, kind="stable")[:3]
        votes = np.bincount(y[order], minlength=10)
        winners = [c for c in y[order] if votes[c] == votes.max()]
        assert g == winners[0]  # ties go to the class of the nearest neighbour among the tied
    loo = ft_rows.knn_predict(R, y, R, k=1, leave_one_out=True)
    for i in range(len(R)):
        d = ((R - R[i]) ** 2).sum(axis=1)
        d[i] = np.inf
        assert loo[i] == y[np.argsort(d, kind="stable")[0]]
    with pytest.raises(ValueError):
        ft_rows.knn_predict(R, y, X, k=0)


def test_paired_comparison_by_hand():
    y = np.zeros(100, dtype=int)
    a = y.copy()
    b = y.copy()
    a[:12] = 1  # a wrong on 12 digits
    b[8:14] = 1  # b wrong on 6 digits, 4 of them shared with a
    pc = ft_rows.paired_comparison(a, b, y)
    assert (pc.error_a, pc.error_b, pc.only_a, pc.only_b) == (0.12, 0.06, 8, 2)
    from scipy.stats import binomtest

    assert pc.p_value == pytest.approx(binomtest(8, 10, 0.5).pvalue)
    assert pc.low <= 0.06 <= pc.high
    assert not ft_rows.paired_comparison(a, a, y).clear
    assert ft_rows.predictions_from_text(ft_rows.predictions_to_text(a)).tolist() == a.tolist()
    with pytest.raises(ValueError):
        ft_rows.predictions_from_text("12a")
