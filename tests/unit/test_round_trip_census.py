"""census.round_trip_census: real digits up a DBN and down again, read by the independent reader.

Exact cases: lower layers that copy their input (W = a I, biases -a/2, so p(h_j = 1 | v) = sigmoid(+-a/2)
is 0 or 1 to float precision) give the digits back, so the reader reads them as it reads the digits
themselves; layers with no weights give every digit the same picture, read as one class.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.evaluation.census import round_trip_census
from pgmviz.evaluation.reader import bundled_reader
from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM

N = 256  # 16x16 pixels


def copying_rbm(n_extra_visible: int = 0, a: float = 40.0) -> RBM:
    W = np.vstack([a * np.eye(N), np.zeros((n_extra_visible, N))]).astype(np.float32)
    return RBM(W, np.full(N + n_extra_visible, -a / 2, np.float32), np.full(N, -a / 2, np.float32))


@pytest.fixture(scope="module")
def digits():
    ds = datasets.load("mnist16")
    return ds.X_test[:200], ds.y_test[:200], bundled_reader((16, 16))


@pytest.mark.parametrize("labelled", [False, True], ids=["plain", "labels"])
def test_layers_that_copy_give_the_digits_back(digits, labelled):
    X, y, reader = digits
    top = LabelRBM.from_rbm(copying_rbm(10), 10) if labelled else copying_rbm()
    net = DBN([copying_rbm(), copying_rbm(), top])
    c = round_trip_census(net, reader, X, y, seed=3)
    assert c.images.shape == X.shape
    np.testing.assert_allclose(c.images, X, atol=1e-6)
    np.testing.assert_array_equal(c.read, reader.read(X))
    assert c.accuracy == pytest.approx(float((reader.read(X) == y).mean()))


def test_layers_without_weights_draw_one_picture_for_every_digit(digits):
    X, y, reader = digits
    blank = RBM(np.zeros((N, N), np.float32), np.zeros(N, np.float32), np.zeros(N, np.float32))
    c = round_trip_census(DBN([blank, blank]), reader, X, y)
    np.testing.assert_allclose(c.images, 0.5)  # p(v | h) = sigmoid(0) whatever h is
    assert (c.counts > 0).sum() == 1 and c.accuracy == pytest.approx(float((y == c.read[0]).mean()))


def test_the_seed_fixes_the_pictures(digits):
    X, y, reader = digits
    soft = RBM.random(N, 64, seed=0, data=X)
    net = DBN([soft, RBM.random(64, 32, seed=1)])
    a, b, other = (round_trip_census(net, reader, X, y, seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, other.images)
