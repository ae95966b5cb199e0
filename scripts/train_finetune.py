"""Measure the fine-tuning lesson's results table and write assets/finetune/results.json, and the
page's ready-made run (its default setting: the 16x16 column's backprop rows) as ready_made.npz.

    python scripts/train_finetune.py            # about a minute on a 2-core machine

Every row is trained here from the bundled MNIST subset (4,000 training digits, 1,000 held out,
`pgmviz.datasets`) with fixed seeds, by `pgmviz.evaluation.finetune_rows.measure_row`, the function the page's
"re-run a row" button calls, so a re-run on the page gives the same numbers (up to BLAS rounding).
Two columns: 16x16 digits with a 256-200-200 net (the page's live setting) and 28x28 digits with
784-300-300. The lecture's full-MNIST numbers live in `pgmviz.evaluation.finetune_rows.LECTURE`, not here.

Every row also keeps its predicted class for each of the 1,000 held-out digits
("test_predictions", one character per digit), and so do the bundled label-unit nets of each
column ("label_rows", classified here by free energy), so the page can compare any two rows on
the same digits (`pgmviz.evaluation.finetune_rows.paired_comparison`).
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from pgmviz import datasets
from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.models import dbn_io
from pgmviz.training import dbn_pretrain as dbn_pre
from pgmviz.training import finetune as ft
from pgmviz.training import finetune_io as ft_io

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "finetune" / "results.json"
CONFIGS = [ft_rows.TableConfig("mnist16", (200, 200)), ft_rows.TableConfig("mnist", (300, 300), pretrain_epochs=20)]


def measure(cfg: ft_rows.TableConfig, ready_made: bool = False) -> dict:
    """One column of the table; with ``ready_made`` also write the page's ready-made run (the
    pretrained stack and the two backprop rows' nets and histories: the page's default setting)."""
    data = datasets.load(cfg.dataset)
    t0 = time.perf_counter()
    dbn = dbn_pre.pretrain_dbn(data.X_train, cfg.sizes[:-1], cfg.pretraining())
    pre_s = time.perf_counter() - t0
    print(f"{cfg.name}: pretrained in {pre_s:.1f} s", flush=True)
    rows, extras = {}, {}
    for key in ft_rows.ROWS:
        res, extras[key] = ft_rows.measure_row(key, cfg, data, dbn)
        rows[key] = res.as_dict()
        print(f"  {ft_rows.ROWS[key]:<72s} train {res.train_error:6.2%}  held out {res.test_error:6.2%}  "
              f"({res.seconds:.1f} s)", flush=True)
    label_rows = {}
    for key, paths in ft.TABLE_NETS.items():  # the label-unit nets of this column, read-only
        for path in paths:
            try:
                net, meta = dbn_io.load_dbn(path)
            except (OSError, ValueError, KeyError) as e:
                print(f"  {key}: {path.name} unusable ({e}); no paired numbers for it")
                continue
            if meta.get("dataset") != cfg.dataset:
                continue
            pred = net.classify(data.X_test).argmax(axis=1)
            label_rows[key] = {"file": path.name, "test_error": round(float(np.mean(pred != data.y_test)), 5),
                               "test_predictions": ft_rows.predictions_to_text(pred)}
            print(f"  {ft_rows.LABEL_ROWS[key]:<72s} held out {label_rows[key]['test_error']:6.2%} ({path.name})")
    if ready_made:
        meta = {"made_by": "python scripts/train_finetune.py", "config": asdict(cfg),
                "pretrain_seconds": round(pre_s, 2),
                **{name: {"history": extras[key]["history"], "seconds": rows[key]["seconds"]}
                   for name, key in (("pretrained", "dbn_backprop"), ("random", "random_backprop"))}}
        ft_io.save_ready_made(ft_io.READY_MADE, dbn, extras["dbn_backprop"]["net"], extras["random_backprop"]["net"],
                              meta)
        print(f"wrote {ft_io.READY_MADE.relative_to(ROOT)} ({ft_io.READY_MADE.stat().st_size:,} bytes)")
    return {"name": cfg.name, "config": asdict(cfg), "pretrain_seconds": round(pre_s, 2), "rows": rows,
            "label_rows": label_rows}


def main() -> None:
    threadpool_limits(1, "blas")  # these small products ran many times slower with two BLAS threads here
    t0 = time.perf_counter()
    columns = [measure(cfg, ready_made=cfg == ft_rows.TableConfig()) for cfg in CONFIGS]
    out = {
        "made_by": "python scripts/train_finetune.py",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "data": "bundled MNIST subset (assets/mnist_5k.npz): 4,000 training / 1,000 held-out digits, binarised at 0.5",
        "total_seconds": round(time.perf_counter() - t0, 1),
        "columns": columns,
        "measured_by_the_label_nets": list(ft_rows.LABEL_ROWS),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} in {out['total_seconds']} s")


if __name__ == "__main__":
    main()
