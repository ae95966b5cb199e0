"""pgmviz.evaluation.finetune_table: the fine-tuning lesson's table rows and readings, on made-up columns."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.evaluation import finetune_table as tab


def paired(diff: float, clear: bool) -> ft_rows.Paired:
    low, high = (diff - 0.01, diff + 0.01) if clear else (-0.01, 0.01)
    return ft_rows.Paired(error_a=0.05 + diff, error_b=0.05, low=low, high=high, only_a=10, only_b=3,
                     p_value=0.001 if clear else 0.5)


def test_pct():
    assert tab.pct(None) == "—" and tab.pct(0.0345) == "3.5%" and tab.pct(0.0) == "0.0%"


def test_results_rows_carry_every_column_the_rerun_and_the_lecture():
    column = {"name": "16x16", "config": {"dataset": "no such set"},
              "rows": {key: {"test_error": 0.01 * (i + 1)} for i, key in enumerate(ft_rows.ROWS)}}
    rows = tab.results_rows([column], {"knn": {"test_error": 0.2}})
    by_method = {r["method"]: r for r in rows}
    assert len(rows) == len(ft_rows.ROWS) + len(ft_rows.LABEL_ROWS) + 1  # + the lecture's SVM
    knn = by_method[ft_rows.ROWS["knn"]]
    assert knn["ours, 16x16"] == "1.0%" and knn[tab.RERUN] == "20.0%" and knn[tab.LECTURE_COL] == "3.3%"
    assert by_method[ft_rows.ROWS["logistic_pixels"]][tab.LECTURE_COL] == "—"
    for title in ft_rows.LABEL_ROWS.values():  # no bundled net for this column's data set: a dash, not a number
        assert by_method[title]["ours, 16x16"] == "—"
    assert by_method[ft_rows.LECTURE["svm"][0]][tab.LECTURE_COL] == "1.4%"


def test_verdicts_and_the_lecture_order():
    comp = {"knn": paired(0.02, True), "random_backprop_long": paired(-0.02, True),
            "dbn_labels_updown": paired(0.005, False), "logistic_pixels": paired(0.03, True)}
    assert tab.verdicts(comp) == {"better": ["random_backprop_long"], "worse": ["knn", "logistic_pixels"],
                                  "within noise": ["dbn_labels_updown"]}
    order = {key: reading for key, _, reading in tab.lecture_order(comp)}
    assert order == {"knn": "as in the lecture", "random_backprop_long": "the other way round from the lecture",
                     "dbn_labels_updown": "a difference within the noise"}


def test_change_gain():
    before = np.array([[1.0, -4.0, 100.0], [2.0, 0.5, 0.0]])
    after = before + np.array([[0.5, 0.0, 50.0], [0.0, -0.25, 0.0]])
    assert tab.change_gain(before, after, 2) == pytest.approx(4.0 / 0.5)
    assert tab.change_gain(before, before, 2) == pytest.approx(4.0 / 1e-12)


def test_paired_rows():
    (row,) = tab.paired_rows({"knn": paired(0.02, True)}, {"knn": "kNN"})
    assert row == {"method": "kNN", "error": "7.0%", "minus 5.0%": "+2.0", "95% interval (points)": "+1.0 to +3.0",
                   "only this row wrong": 10, "only the pretrained net wrong": 3, "McNemar p": "0.001",
                   "verdict": "worse"}
