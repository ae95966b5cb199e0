"""Train the independent readers bundled in assets/reader/ (fixed seed; about a minute on 2 cores).

    python scripts/train_reader.py          # reader_28x28.npz and reader_16x16.npz

A reader is a 500-hidden-unit classifier trained on the real training digits only (never on a
model's sample), binarised and grey, each shifted by up to one pixel (`pgmviz.evaluation.reader`). The pages
that show generated digits say what it reads; the tests check its accuracy on the real held-out
digits and the generative models' figures with it.
"""

from __future__ import annotations

import sys

from pgmviz.evaluation.reader import ReaderRecipe, reader_path, save_reader, train_reader

SHAPES = {"28": (28, 28), "16": (16, 16)}


def main(names: list[str]) -> None:
    for name in names or list(SHAPES):
        shape = SHAPES[name]
        reader = train_reader(shape, ReaderRecipe(),
                              progress=lambda e, n: print(f"  {shape[0]}x{shape[1]}: epoch {e}/{n}", flush=True))
        path = reader_path(shape)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_reader(path, reader)
        m = reader.meta
        print(f"{path.name}: held-out accuracy {m['test_accuracy']:.1%} binarised, "
              f"{m['test_accuracy_grey']:.1%} grey; {m['train_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
