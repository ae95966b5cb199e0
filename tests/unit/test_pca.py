"""PCA, the autoencoder lesson's linear baseline: exact against eigenvalues, the error curve, k-NN agreement."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz import data
from pgmviz.nets.pca import PCA, knn_agreement, pca_error_curve, squared_error


@pytest.fixture(scope="module")
def digits16():
    Xtr, _, Xte, _ = data.mnist_split()
    return data.downsample(Xtr[:1000], 16), data.downsample(Xte[:500], 16)


def test_pca_is_the_best_linear_reconstruction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    pca = PCA.fit(X, 2)
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(2), atol=1e-10)
    err = squared_error(X, pca.reconstruct(X))
    # the error left is the sum of the discarded eigenvalues of the covariance (times n / n)
    ev = np.sort(np.linalg.eigvalsh(np.cov(X.T, bias=True)))[::-1]
    assert err == pytest.approx(ev[2:].sum(), rel=1e-8)
    assert squared_error(X, PCA.fit(X, 6).reconstruct(X)) == pytest.approx(0, abs=1e-18)


def test_pca_error_curve_matches_pca_at_each_k(digits16):
    Xtr, Xte = digits16
    curve = pca_error_curve(Xtr, Xte, 5)
    for k in (1, 3, 5):
        assert curve[k - 1] == pytest.approx(squared_error(Xte, PCA.fit(Xtr, k).reconstruct(Xte)), rel=1e-9)
    assert (np.diff(curve) < 0).all()


def test_knn_agreement_on_separated_and_mixed_clusters():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 50)
    apart = np.array([[0, 0], [10, 0], [0, 10]])[y] + rng.normal(0, 0.5, (150, 2))
    assert knn_agreement(apart, y) == 1.0
    assert knn_agreement(rng.normal(size=(150, 2)), y) < 0.6
