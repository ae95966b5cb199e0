"""The named training sets: shapes, binary values, fixed held-out split, the 2s-only view."""

import numpy as np
import pytest

from pgmviz import datasets


@pytest.mark.parametrize("key", sorted(datasets.DATASETS))
def test_every_dataset_is_binary_and_shaped_for_its_images(key):
    d = datasets.load(key)
    assert d.X_train.dtype == np.float32 and set(np.unique(d.X_train)) <= {0.0, 1.0}
    assert d.X_train.shape[1] == d.image_shape[0] * d.image_shape[1] == d.n_v
    assert d.X_test.shape[1] == d.n_v and len(d.y_train) == len(d.X_train)


def test_mnist_split_sizes_and_disjointness():
    d = datasets.load("mnist")
    assert d.X_train.shape == (4000, 784) and d.X_test.shape == (1000, 784)
    assert np.bincount(d.y_test).tolist() == [100] * 10
    train_rows = {r.tobytes() for r in d.X_train}
    assert sum(r.tobytes() in train_rows for r in d.X_test) < 5  # (a few binarised digits may coincide)


def test_only_twos():
    d = datasets.load("mnist16_2")
    assert set(d.y_train) == {2} and set(d.y_test) == {2}
    assert d.X_train.shape == (400, 256)


def test_bars_and_stripes_note_states_the_best_likelihood():
    d = datasets.load("bars4")
    assert len(d.X_train) == 30 and f"{-np.log(30):.3f}" in d.note


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown data set"):
        datasets.load("cifar")
