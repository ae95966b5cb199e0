"""Train the independent readers bundled in assets/reader/ (fixed seed; about a minute on 2 cores).

    python scripts/train_reader.py          # reader_28x28.npz and reader_16x16.npz

A reader is a one-hidden-layer classifier (500 units at 28x28, 800 at 16x16:
`pgmviz.evaluation.reader.RECIPES`) trained on the real training digits only (never on a model's
sample), binarised and grey, each shifted by up to one pixel. The pages
that show generated digits say what it reads; the tests check its accuracy on the real held-out
digits and the generative models' figures with it.
"""

from __future__ import annotations

import sys

from pgmviz.evaluation.reader import reader_path, recipe_for, save_reader, train_reader

SHAPES = {"28": (28, 28), "16": (16, 16)}


def main(names: list[str]) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, "blas")  # one BLAS thread, as the other scripts: the same seed gives the same file
    for name in names or list(SHAPES):
        shape = SHAPES[name]
        reader = train_reader(shape, recipe_for(shape),
                              progress=lambda e, n: print(f"  {shape[0]}x{shape[1]}: epoch {e}/{n}", flush=True))
        path = reader_path(shape)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_reader(path, reader)
        m = reader.meta
        print(f"{path.name}: held-out accuracy {m['test_accuracy']:.1%} binarised, "
              f"{m['test_accuracy_grey']:.1%} grey; {m['train_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
