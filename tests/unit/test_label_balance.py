"""Finishing a top RBM's visible biases, against exact expectations of a top RBM small enough to enumerate."""

import numpy as np
import pytest

from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.special import softmax
from pgmviz.training.label_balance import balance_label_biases, free_chain_means, match_visible_biases

K = 3


def exact_means(net: DBN) -> tuple[np.ndarray, np.ndarray]:
    """(E_model[x], p_model(y)): p(x, y) = exp(-F([x, e_y])) / Z with every x of the top RBM enumerated."""
    top = net.rbms[-1]
    X = all_states(top.n_x)
    F = top.label_free_energies(X)  # (2^n_x, K)
    P = softmax(-F.ravel()).reshape(F.shape)
    return P.sum(axis=1) @ X, P.sum(axis=0)


@pytest.fixture
def net():
    rng = np.random.default_rng(0)
    bottom = RBM(rng.normal(0, 0.5, (5, 3)), np.zeros(5), np.zeros(3))
    top = LabelRBM(rng.normal(0, 1.0, (6, 4)), np.r_[rng.normal(0, 0.5, 3), 2.0, 0.0, -2.0], np.zeros(4), K)
    return DBN([bottom, top])


def test_the_free_chains_estimate_the_exact_means(net):
    m = free_chain_means(net, n_chains=400, n_steps=300, burn=50, rng=1)
    mx, py = exact_means(net)
    assert py.max() - py.min() > 0.5  # the label biases 2, 0, -2 make it far from even
    np.testing.assert_allclose(m[:-K], mx, atol=0.02)
    np.testing.assert_allclose(m[-K:], py, atol=0.02)


def test_label_balancing_moves_the_label_marginal_to_the_data_and_nothing_else(net):
    p_data = np.array([0.2, 0.3, 0.5])
    before = net.rbms[-1].copy()
    out, log = balance_label_biases(net, p_data, rounds=4, n_chains=400, n_steps=300, burn=50, seed=2)
    assert np.abs(exact_means(net)[1] - p_data).max() > 0.3  # where it started (the input is not changed)
    np.testing.assert_allclose(exact_means(out)[1], p_data, atol=0.03)
    top = out.rbms[-1]
    np.testing.assert_array_equal(top.W, before.W)
    np.testing.assert_array_equal(top.c, before.c)
    np.testing.assert_array_equal(top.b[:-K], before.b[:-K])
    np.testing.assert_array_equal(out.rbms[0].W, net.rbms[0].W)
    assert len(log) == 4 and log[0]["label_bits"] < log[-1]["label_bits"]


def test_visible_matching_moves_the_means_to_the_data_and_leaves_recognition_exactly(net):
    x_data = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]], dtype=float)  # means 0.5, 0.5, 0.75
    out, log = match_visible_biases(net, x_data, rounds=30, step=1.0, n_chains=400, n_steps=200, burn=50)
    mx_before, mx_after = exact_means(net)[0], exact_means(out)[0]
    target = x_data.mean(axis=0)
    assert np.abs(mx_before - target).max() > 0.1
    np.testing.assert_allclose(mx_after, target, atol=0.03)
    assert log[-1]["gap"] < log[0]["gap"]
    X = all_states(3)
    np.testing.assert_allclose(out.rbms[-1].p_y_given_x(X), net.rbms[-1].p_y_given_x(X), rtol=1e-12)
    np.testing.assert_array_equal(out.rbms[-1].b[-K:], net.rbms[-1].b[-K:])


def test_clamped_conditionals_do_not_depend_on_the_label_biases(net):
    out, _ = balance_label_biases(net, np.full(K, 1 / K), rounds=1, n_chains=50, n_steps=20, burn=0)
    V = np.hstack([all_states(3), np.tile(np.eye(K)[1], (8, 1))])
    np.testing.assert_allclose(out.rbms[-1].p_h_given_v(V), net.rbms[-1].p_h_given_v(V))


@pytest.mark.parametrize("p_data", [[0.5, 0.5], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2]])
def test_bad_label_frequencies_are_refused(net, p_data):
    with pytest.raises(ValueError, match="p_data"):
        balance_label_biases(net, np.array(p_data))


def test_bad_settings_are_refused(net):
    with pytest.raises(ValueError, match="x_data"):
        match_visible_biases(net, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="step"):
        match_visible_biases(net, np.zeros((4, 3)), step=2.0)
    with pytest.raises(ValueError, match="burn"):
        free_chain_means(net, n_steps=10, burn=10)
