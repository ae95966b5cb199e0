"""pgmviz.special against direct float64 formulas: values, stability at large |x|, dtypes, and the
old import paths still reaching the one copy."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz import special

X = np.array([-800.0, -40.0, -3.0, -1e-9, 0.0, 2.5, 40.0, 800.0])


def test_sigmoid_and_softplus_match_the_formulas_and_never_overflow():
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(special.sigmoid(X), 1 / (1 + np.exp(-X)), rtol=1e-15, atol=0)
    np.testing.assert_allclose(special.softplus(X), np.logaddexp(0.0, X), rtol=1e-15, atol=0)
    assert special.softplus(800.0) == 800.0 and special.sigmoid(0) == 0.5
    # log sigmoid(-40) = -40 - log(1 + e^-40): exact where log(sigmoid(-40)) would already round
    assert special.log_sigmoid(-40.0) == pytest.approx(-40.0 - np.log1p(np.exp(-40.0)), rel=1e-15)
    assert special.log_sigmoid(-800.0) == -800.0 and special.log_sigmoid(800.0) == 0.0


def test_softmax_and_log_softmax():
    rng = np.random.default_rng(0)
    A = rng.normal(0, 5, (6, 4))
    P = special.softmax(A)
    np.testing.assert_allclose(P, np.exp(A) / np.exp(A).sum(axis=1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(special.log_softmax(A), np.log(P), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(special.softmax(A + 1000.0), P, rtol=1e-12)  # no overflow: shifted by the max
    np.testing.assert_allclose(special.softmax(A.T, axis=0), P.T, rtol=1e-15)
    np.testing.assert_allclose(special.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


def test_one_hot_and_its_range_check():
    T = special.one_hot([2, 0, 1], 3)
    np.testing.assert_array_equal(T, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert T.dtype == np.float32 and special.one_hot([1], 2, np.float64).dtype == np.float64
    for bad in ([3], [-1]):
        with pytest.raises(ValueError, match="labels must lie in 0..2"):
            special.one_hot(bad, 3)


@pytest.mark.parametrize("fn", [special.sigmoid, special.softplus, special.log_sigmoid, special.softmax,
                                special.log_softmax])
def test_dtypes_float32_kept_integers_and_unsigned_made_float64(fn):
    assert fn(np.zeros((2, 3), np.float32)).dtype == np.float32
    out = fn(np.array([[0, 1, 250]], np.uint8))  # -x of an unsigned array would wrap around
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, fn(np.array([[0.0, 1.0, 250.0]])))


def test_the_old_names_are_the_one_copy():
    from pgmviz.models import labels, rbm, sbn, vae
    from pgmviz.nets import autoencoder, losses, mlp
    from pgmviz.training import finetune

    assert rbm.sigmoid is mlp.sigmoid is vae.sigmoid is autoencoder.sigmoid is finetune.sigmoid is special.sigmoid
    assert rbm.softplus is losses.softplus is vae.softplus is special.softplus
    assert labels.softmax is finetune.softmax is special.softmax and finetune.log_softmax is special.log_softmax
    assert labels.one_hot is finetune.one_hot is special.one_hot and sbn.log_sigmoid is special.log_sigmoid


def test_bernoulli_entropy_is_the_sum_over_units_and_zero_at_the_corners():
    q = np.array([[0.5, 0.5], [0.0, 1.0], [0.2, 0.9]])
    h = lambda p: -(p * np.log(p) + (1 - p) * np.log(1 - p))  # noqa: E731
    np.testing.assert_allclose(special.bernoulli_entropy(q), [2 * np.log(2), 0.0, h(0.2) + h(0.9)], rtol=1e-12)
