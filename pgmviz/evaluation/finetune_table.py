"""The fine-tuning lesson's results table and its reading: one row per method with our held-out errors
per column and the lecture's full-MNIST number, each row's verdict against the pretrained net, and
where our order of the rows agrees with the lecture's.

Columns are the ``columns`` of assets/finetune/results.json (scripts/train_finetune.py); the paired
comparisons are `pgmviz.evaluation.finetune_rows.compare_to`'s.
"""

from __future__ import annotations

import numpy as np

from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.training import finetune as ft

RERUN = "re-run here"
LECTURE_COL = "lecture, full MNIST"
LECTURE_ROWS = ("dbn_labels_updown", "random_backprop_long", "knn")  # the rows whose order the lesson checks


def pct(x: float | None) -> str:
    """An error rate as the table prints it: one decimal of a percent, a dash when there is none."""
    return "—" if x is None else f"{100 * x:.1f}%"


def _lecture(key: str) -> str:
    return f"{ft_rows.LECTURE[key][1]}%" if key in ft_rows.LECTURE else "—"


def results_rows(columns: list[dict], reruns: dict[str, dict]) -> list[dict]:
    """The table's rows: method, "ours, <column>" per column, the re-run here (if any), the lecture's number.

    The label-unit rows are read from their bundled nets (`ft.label_dbn_result`), one per column's data set.
    """
    rows = []
    for key, title in ft_rows.ROWS.items():
        row = {"method": title, **{"ours, " + c["name"]: pct(c["rows"][key]["test_error"]) for c in columns}}
        mine = reruns.get(key)
        rows.append({**row, RERUN: pct(mine["test_error"]) if mine else "", LECTURE_COL: _lecture(key)})
    for key, title in ft_rows.LABEL_ROWS.items():
        measured = {m["dataset"]: m for m in map(ft.label_dbn_result, ft.TABLE_NETS[key]) if m is not None}
        row = {"method": title, RERUN: "", LECTURE_COL: _lecture(key)}
        for c in columns:
            m = measured.get(c["config"]["dataset"])
            row["ours, " + c["name"]] = (f"{pct(m['test_error'])} ({'-'.join(map(str, m['sizes']))}+10)"
                                         if m is not None else "—")
        rows.append(row)
    rows.append({"method": ft_rows.LECTURE["svm"][0], **{"ours, " + c["name"]: "—" for c in columns}, RERUN: "",
                 LECTURE_COL: _lecture("svm")})
    return rows


def verdict(pc: ft_rows.Paired) -> str:
    """"worse" or "better" than the base when the paired interval excludes zero, else "within noise"."""
    return ("worse" if pc.difference > 0 else "better") if pc.clear else "within noise"


def verdicts(comp: dict[str, ft_rows.Paired]) -> dict[str, list[str]]:
    """The rows clearly better than the base, clearly worse, or within the digits' noise."""
    out = {"better": [], "worse": [], "within noise": []}
    for key, pc in comp.items():
        out[verdict(pc)].append(key)
    return out


def lecture_order(comp: dict[str, ft_rows.Paired]) -> list[tuple[str, ft_rows.Paired, str]]:
    """(row, comparison, reading) for the rows the lecture also ranks against the pretrained net: "as in the
    lecture" (worse than it, as there), "the other way round from the lecture", or "a difference within the noise"."""
    out = []
    for key in LECTURE_ROWS:
        pc = comp.get(key)
        if pc is None or key not in ft_rows.LECTURE:
            continue
        agree = "as in the lecture" if pc.difference > 0 else "the other way round from the lecture"
        out.append((key, pc, agree if pc.clear else "a difference within the noise"))
    return out


def change_gain(before: np.ndarray, after: np.ndarray, n_filters: int) -> float:
    """How much stronger to draw after - before so that it spans the first filters' own range:
    max |before| / max |after - before| over the first ``n_filters`` columns."""
    delta = after[:, :n_filters] - before[:, :n_filters]
    return float(np.abs(before[:, :n_filters]).max() / max(np.abs(delta).max(), 1e-12))


def paired_rows(comp: dict[str, ft_rows.Paired], titles: dict[str, str]) -> list[dict]:
    """One row per method compared with the base on the same digits: errors, difference with its 95% interval,
    the discordant digits, McNemar's p and the verdict."""
    return [{"method": titles[key], "error": pct(pc.error_a), f"minus {pct(pc.error_b)}": f"{100 * pc.difference:+.1f}",
             "95% interval (points)": f"{100 * pc.low:+.1f} to {100 * pc.high:+.1f}",
             "only this row wrong": pc.only_a, "only the pretrained net wrong": pc.only_b,
             "McNemar p": f"{pc.p_value:.2g}", "verdict": verdict(pc)} for key, pc in comp.items()]
