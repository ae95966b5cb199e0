"""Fine-tune the bundled labelled DBNs by up-down (contrastive wake-sleep) and write
assets/dbn/<name>_updown.npz beside each.

    python scripts/train_updown.py          # both nets
    python scripts/train_updown.py 16       # only the 16x16 one

Starts from each file of scripts/train_dbn.py (greedy), unties its weights and runs
`pgmviz.training.updown.UpDownTrainer` on the 4,000 training digits with fixed settings and seed (lr 0.02,
PCD-3 in the top RBM with 100 persistent chains and the hybrid log p(y | x) term, 60 epochs); where
the greedy net's top b_x were matched to the data's means (its meta's `finish`: the 28x28 net), the
fine-tuned net's are matched again with the same settings. The
file's meta records the per-epoch history (free-energy classification error on the training and the
1,000 held-out digits; the wake and sleep phases' prediction errors), and the label-clamped drawings
and free samples of the fine-tuned net as the independent reader reads them (`pgmviz.evaluation.census`, the
same settings as scripts/train_dbn.py).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from pgmviz import datasets
from pgmviz.data import ASSETS_DIR
from pgmviz.evaluation import census
from pgmviz.evaluation.reader import bundled_reader
from pgmviz.models import dbn_io
from pgmviz.training import label_balance, updown

NETS = {  # name -> (greedy net, up-down net)
    "28": (ASSETS_DIR / "dbn" / "mnist_labels.npz", ASSETS_DIR / "dbn" / "mnist_labels_updown.npz"),
    "16": (ASSETS_DIR / "dbn" / "mnist16_labels.npz", ASSETS_DIR / "dbn" / "mnist16_labels_updown.npz"),
}
# The top phase as the top RBM was trained (persistent chains, the hybrid log p(y | x) term): the
# paper's CD-3 from the wake states relearns the spurious modes that PCD removed (measured on a
# 784-500-500-2000 net: clamped drawings read right 67% -> 56% after 10 epochs of CD-3 up-down at
# step 0.05, 67% -> 82% with persistent chains and the hybrid term at step 0.02).
SETTINGS = updown.UpDownSettings(lr=0.02, k=3, batch_size=100, weight_decay=1e-5, seed=0, n_persistent=100,
                                 discriminative=3.0)
EPOCHS = 60


def fine_tune(source: Path, out: Path) -> None:
    """Up-down from ``source``; then, if the greedy net's b_x were matched (its meta's ``finish``), the same again."""
    greedy, greedy_meta = dbn_io.load_dbn(source)
    ds = datasets.load(greedy_meta["dataset"])
    t = updown.UpDownTrainer(greedy, ds.X_train, ds.y_train, ds.X_test, ds.y_test, SETTINGS)
    t0 = time.perf_counter()
    for _ in range(EPOCHS // 10):
        t.run(10)
        h = t.history[-1]
        print(f"  epoch {h['epoch']}: training error {h['train error']:.2%}, held out {h['held-out error']:.2%} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    if t.diverged:
        raise SystemExit("up-down diverged; nothing written")
    net, finish_log = t.net, []
    for phase in [{k: v for k, v in p.items() if k != "log"} for p in greedy_meta.get("finish", [])]:
        # up-down's persistent top phase moves b_x again: match them to the data once more, as the greedy net's
        net, log = label_balance.match_visible_biases(net, net.up_pass(ds.X_train)[-1], **phase)
        finish_log.append({**phase, "log": log})
    r = census.judge_label_dbn(net, bundled_reader(tuple(greedy_meta["image_shape"])))
    h0, h = t.history[0], t.history[-1]
    before = greedy_meta.get("reader", {}).get("clamped", {}).get("accuracy", float("nan"))
    print(f"up-down: {t.seconds:.0f} s; held-out error {h0['held-out error']:.1%} -> {h['held-out error']:.1%}; "
          f"clamped drawings read right {before:.1%} -> {r['clamped']['accuracy']:.1%}; free samples "
          f"{r['free']['entropy_bits']:.2f} bits {r['free']['counts']}", flush=True)
    dbn_io.save_dbn(out, net, {
        **{k: greedy_meta[k] for k in ("dataset", "image_shape", "sizes", "n_labels", "n_test", "samplers")
           if k in greedy_meta},
        "title": greedy_meta.get("title", "") + ", up-down fine-tuned",
        "made_by": "python scripts/train_updown.py", "source": source.name,
        "greedy_max_shift": greedy_meta.get("max_shift", 0),  # the greedy stage's data; up-down's are unshifted
        "updown": asdict(SETTINGS), "epochs": EPOCHS, "train_seconds": round(t.seconds, 1), "finish": finish_log,
        "test_error": h["held-out error"], "train_error": h["train error"],
        "greedy_test_error": h0["held-out error"], "greedy_train_error": h0["train error"],
        "history": [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                    for row in t.history],
        "reader": r,
    })
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


def main() -> None:
    from threadpoolctl import threadpool_limits
    threadpool_limits(1, "blas")  # the server's setting (pgmviz.ui.layout); two threads were slower here
    for name in sys.argv[1:] or list(NETS):
        if name not in NETS:
            raise SystemExit(f"unknown net {name!r}; choose from {list(NETS)}")
        fine_tune(*NETS[name])


if __name__ == "__main__":
    main()
