"""Train the bundled labelled deep belief nets: 784-300-300 with 10 softmax label units beside the
second hidden layer and 600 units on top (the lecture's 784-500-500-2000 + 10, scaled down), and
the same shape for 16x16 digits, 256-200-200 + 10 labels with 400 on top.

    python scripts/train_dbn.py            # both: assets/dbn/mnist_784x300x300x600_labels.npz
    python scripts/train_dbn.py 16         #       and assets/dbn/mnist16_256x200x200x400_labels.npz

Fixed seeds. Data: the 4,000 training digits of the bundled MNIST subset (thresholded at 0.5).
Greedy, as in the lecture: RBM 1 on pixels, RBM 2 on p(h1 | v), the top RBM on
[p(h2 | h1), one-hot label]. The held-out error of free-energy classification (p(y | v) =
softmax(-F([h2, e_y])) after a mean-field up-pass) on the 1,000 held-out digits is printed and
stored in the file's metadata, as are the training seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgmviz import datasets, dbn  # noqa: E402
from pgmviz.train import TrainSettings  # noqa: E402

NETS = {  # name -> (data set, sizes, updates per layer, output file)
    "28": ("mnist", [784, 300, 300, 600], [2400, 2400, 3200],
           ROOT / "assets" / "dbn" / "mnist_784x300x300x600_labels.npz"),
    "16": ("mnist16", [256, 200, 200, 400], [2400, 2400, 3200],
           ROOT / "assets" / "dbn" / "mnist16_256x200x200x400_labels.npz"),
}  # mini-batches of 100: 60, 60 and 80 epochs of the 4,000 digits


def settings(seed: int, lr: float) -> TrainSettings:
    return TrainSettings(lr=lr, momentum=0.9, weight_decay=2e-4, batch_size=100, sampler="cd", k=1, seed=seed)


def train(name: str) -> None:
    dataset, sizes, updates, out = NETS[name]
    ds = datasets.load(dataset)
    t0 = time.perf_counter()
    g = dbn.GreedyTrainer(sizes, ds.X_train, [settings(1, 0.05), settings(2, 0.05), settings(3, 0.05)],
                          X_test=ds.X_test, labels=ds.y_train, n_labels=10, labels_test=ds.y_test)

    def progress(layer: int, snap) -> None:
        if snap.step % 800 == 0:
            print(f"  layer {layer + 1}: update {snap.step}, {time.perf_counter() - t0:.0f} s", flush=True)

    net = g.train_all(updates, slice_updates=200, progress=progress)
    seconds = time.perf_counter() - t0
    p_test = net.classify(ds.X_test)
    p_train = net.classify(ds.X_train)
    err_test = float((p_test.argmax(axis=1) != ds.y_test).mean())
    err_train = float((p_train.argmax(axis=1) != ds.y_train).mean())
    print(f"{'-'.join(map(str, sizes))}+10: trained in {seconds:.0f} s; free-energy classification error: "
          f"held-out {100 * err_test:.1f}% ({int(round(err_test * len(ds.y_test)))} of {len(ds.y_test)}), "
          f"training {100 * err_train:.1f}%")
    out.parent.mkdir(parents=True, exist_ok=True)
    side = int(round(sizes[0] ** 0.5))
    dbn.save_dbn(out, net, {
        "title": f"Digits {side}x{side}, {'-'.join(map(str, sizes))} + 10 labels",
        "dataset": dataset, "image_shape": [side, side], "sizes": sizes, "n_labels": 10,
        "updates": updates, "sampler": "cd", "k": 1, "lr": 0.05, "momentum": 0.9, "weight_decay": 2e-4,
        "batch_size": 100, "seeds": [1, 2, 3], "propagate": "probabilities",
        "train_seconds": round(seconds, 1), "test_error": err_test, "train_error": err_train,
        "n_test": len(ds.y_test),
    })
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size:,} bytes)")


def main() -> None:
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=2, user_api="blas")
    except ImportError:
        pass
    names = sys.argv[1:] or list(NETS)
    for name in names:
        if name not in NETS:
            raise SystemExit(f"unknown net {name!r}; choose from {list(NETS)}")
        train(name)


if __name__ == "__main__":
    main()
