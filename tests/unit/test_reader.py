"""The independent reader (pgmviz.evaluation.reader): trained on real digits only, it must read real held-out
digits right at least 93% of the time, and its file format must reject anything malformed."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from pgmviz import data
from pgmviz.evaluation.reader import (
    FORMAT,
    RECIPES,
    Reader,
    ReaderRecipe,
    agreement,
    bundled_reader,
    class_counts,
    class_entropy,
    load_reader,
    reader_path,
    recipe_for,
    save_reader,
    train_reader,
    training_views,
)

SHAPES = [(28, 28), (16, 16)]
# The issue asks 93%; the bundled readers are guarded where they stand (28x28 96.3%, 16x16 94.5%).
FLOORS = {(28, 28): 0.96, (16, 16): 0.94}


@pytest.mark.parametrize("shape", SHAPES, ids=["28x28", "16x16"])
def test_bundled_reader_reads_real_held_out_digits(shape):
    assert reader_path(shape).exists(), f"missing {reader_path(shape)}: run scripts/train_reader.py"
    reader = bundled_reader(shape)
    _, _, G_test, y_test = training_views(shape)
    B_test = (G_test > 0.5).astype(np.float32)
    accuracy = float((reader.read(B_test) == y_test).mean())
    assert accuracy >= FLOORS[shape] >= 0.93
    # the file was made by the recipe the script uses for this size
    assert reader.meta["recipe"] == RECIPES[shape].__dict__ == recipe_for(shape).__dict__
    assert reader.net.sizes == [shape[0] * shape[1], recipe_for(shape).hidden, 10]
    assert accuracy == pytest.approx(reader.test_accuracy, abs=1e-9)  # the figure the pages quote
    assert float((reader.read(G_test) == y_test).mean()) >= 0.93  # it reads grey levels too
    assert "never a model's sample" in reader.meta["trained_on"]


def test_recipe_for_refuses_sizes_without_a_reader():
    assert recipe_for((16, 16)).hidden == 800 and recipe_for((28, 28)).hidden == 500
    with pytest.raises(ValueError, match="28x28 and 16x16"):
        recipe_for((8, 8))


def test_class_entropy_is_exact():
    assert class_entropy(np.repeat(np.arange(10), 3)) == pytest.approx(math.log2(10))
    assert class_entropy(np.full(7, 4)) == 0.0
    assert class_entropy(np.array([1, 1, 2, 2])) == pytest.approx(1.0)
    assert class_entropy(np.array([0, 0, 0, 1])) == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    np.testing.assert_array_equal(class_counts([3, 3, 9]), [0, 0, 0, 2, 0, 0, 0, 0, 0, 1])
    with pytest.raises(ValueError):
        class_entropy(np.array([], dtype=int))


def test_agreement_counts_per_class():
    intended = np.array([0, 0, 1, 1, 1, 9])
    read = np.array([0, 5, 1, 1, 7, 9])
    a = agreement(read, intended)
    np.testing.assert_array_equal(a[0], [2, 1])
    np.testing.assert_array_equal(a[1], [3, 2])
    np.testing.assert_array_equal(a[9], [1, 1])
    assert a[:, 0].sum() == 6 and a[:, 1].sum() == 4
    with pytest.raises(ValueError):
        agreement(read[:3], intended)


def test_a_small_reader_trains_end_to_end_and_round_trips(tmp_path):
    # The script's code path with a tiny recipe: it must learn (far above 10% chance) and save/load exactly.
    reader = train_reader((16, 16), ReaderRecipe(hidden=16, epochs=1, max_shift=0))
    assert reader.test_accuracy > 0.6
    path = tmp_path / "r.npz"
    save_reader(path, reader)
    again = load_reader(path)
    X = data.downsample(data.mnist_split()[2][:50], 16)
    np.testing.assert_array_equal(again.proba(X), reader.proba(X))
    assert again.meta == json.loads(json.dumps(reader.meta))
    with pytest.raises(ValueError, match="16x16"):
        reader.read(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="NaN"):
        reader.read(np.full((1, 256), np.nan))


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_malformed_reader_files_are_refused():
    good = bundled_reader((16, 16))
    meta = np.array(json.dumps(good.meta))
    W0, b0, W1, b1 = good.net.Ws[0], good.net.bs[0], good.net.Ws[1], good.net.bs[1]
    with pytest.raises(ValueError):
        load_reader(b"not a zip file")
    with pytest.raises(ValueError):
        load_reader(_npz(W0=W0, b0=b0, W1=W1, b1=b1))  # no meta
    with pytest.raises(ValueError, match="format"):
        load_reader(_npz(W0=W0, b0=b0, W1=W1, b1=b1, meta=np.array(json.dumps({**good.meta, "format": "x"}))))
    with pytest.raises(ValueError):
        load_reader(_npz(W0=W0, b0=b0, W1=W1, meta=meta))  # a bias missing
    with pytest.raises(ValueError, match="finite"):
        load_reader(_npz(W0=np.full_like(W0, np.nan), b0=b0, W1=W1, b1=b1, meta=meta))
    with pytest.raises(ValueError):
        load_reader(_npz(W0=W0, b0=b0, W1=W1, b1=b1, meta=np.array([{"format": FORMAT}], dtype=object)))
    with pytest.raises(ValueError):  # weights of the wrong size for the image shape
        Reader(good.net, (28, 28), good.meta)
