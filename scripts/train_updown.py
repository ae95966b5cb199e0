"""Fine-tune the bundled labelled DBNs by up-down (contrastive wake-sleep) and write
assets/dbn/<name>_updown.npz beside each.

    python scripts/train_updown.py          # both nets: about three minutes on a 2-core machine
    python scripts/train_updown.py 16       # only the 16x16 one

Starts from each file of scripts/train_dbn.py (greedy, CD-1), unties its weights and runs `pgmviz.updown.UpDownTrainer` on the 4,000 training digits with fixed
settings and seed (chosen before looking at held-out numbers: lr 0.05, CD-3 in the top RBM,
100 epochs). The file's meta records the per-epoch history (free-energy classification error on
the training and the 1,000 held-out digits; the wake and sleep phases' prediction errors), and
how recognisable the label-clamped drawings of the greedy and of the fine-tuned net are to an
independent judge (logistic regression on raw pixels, fitted to the training digits).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgmviz import datasets, dbn, updown  # noqa: E402
from pgmviz import finetune as ft  # noqa: E402

NETS = {  # name -> (greedy net, up-down net)
    "28": (ROOT / "assets" / "dbn" / "mnist_784x300x300x600_labels.npz",
           ROOT / "assets" / "dbn" / "mnist_784x300x300x600_labels_updown.npz"),
    "16": (ROOT / "assets" / "dbn" / "mnist16_256x200x200x400_labels.npz",
           ROOT / "assets" / "dbn" / "mnist16_256x200x200x400_labels_updown.npz"),
}
SETTINGS = updown.UpDownSettings(lr=0.05, k=3, batch_size=100, weight_decay=1e-5, seed=0)
EPOCHS = 100
JUDGE = {"n_per_label": 30, "T": 500, "rng": 1}  # 300 drawings, 500 top-level Gibbs steps each


def fine_tune(source: Path, out: Path) -> None:
    greedy, greedy_meta = dbn.load_dbn(source)
    ds = datasets.load(greedy_meta["dataset"])
    judge_net = ft.fit_logistic(ds.X_train, ds.y_train, 1e-3)
    judge = judge_net.predict
    judge_error = judge_net.error_rate(ds.X_test, ds.y_test)
    agree_greedy = updown.clamped_agreement(greedy, judge, **JUDGE)
    print(f"judge (logistic regression on pixels): held-out error {judge_error:.1%}; "
          f"greedy net's clamped drawings read correctly: {agree_greedy:.1%}", flush=True)
    t = updown.UpDownTrainer(greedy, ds.X_train, ds.y_train, ds.X_test, ds.y_test, SETTINGS)
    t0 = time.perf_counter()
    for _ in range(EPOCHS // 10):
        t.run(10)
        h = t.history[-1]
        print(f"  epoch {h['epoch']}: training error {h['train error']:.2%}, held out {h['held-out error']:.2%} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    if t.diverged:
        raise SystemExit("up-down diverged; nothing written")
    agree = updown.clamped_agreement(t.net, judge, **JUDGE)
    h0, h = t.history[0], t.history[-1]
    print(f"up-down: {t.seconds:.0f} s; held-out error {h0['held-out error']:.1%} -> {h['held-out error']:.1%}; "
          f"clamped drawings read correctly {agree_greedy:.1%} -> {agree:.1%}")
    dbn.save_dbn(out, t.net, {
        **{k: greedy_meta[k] for k in ("dataset", "image_shape", "sizes", "n_labels", "n_test") if k in greedy_meta},
        "title": greedy_meta.get("title", "") + ", up-down fine-tuned",
        "made_by": "python scripts/train_updown.py", "source": source.name,
        "updown": asdict(SETTINGS), "epochs": EPOCHS, "train_seconds": round(t.seconds, 1),
        "test_error": h["held-out error"], "train_error": h["train error"],
        "greedy_test_error": h0["held-out error"], "greedy_train_error": h0["train error"],
        "history": [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                    for row in t.history],
        "judge": {"what": "logistic regression on raw pixels (pgmviz.finetune.fit_logistic, decay 1e-3)",
                  "test_error": judge_error, **JUDGE, "greedy": agree_greedy, "updown": agree},
    })
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size:,} bytes)")


def main() -> None:
    from threadpoolctl import threadpool_limits
    threadpool_limits(1, "blas")  # the server's setting (pgmviz.ui.layout); two threads were slower here
    for name in sys.argv[1:] or list(NETS):
        if name not in NETS:
            raise SystemExit(f"unknown net {name!r}; choose from {list(NETS)}")
        fine_tune(*NETS[name])


if __name__ == "__main__":
    main()
