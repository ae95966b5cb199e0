"""pgmviz.models.crf against brute force: forward-backward's log Z, marginals and pairwise marginals
equal the sums over all K^T labelings, Viterbi the enumerated argmax, and every gradient (unary,
transition, start, the net's weights through backprop) central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.models import crf
from pgmviz.special import log_softmax, softmax


def random_chain(n: int, T: int, K: int, seed: int, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (n, T, K)), rng.normal(0, scale, (K, K)), rng.normal(0, scale, K)


@pytest.mark.parametrize("T,K", [(1, 3), (2, 2), (3, 3), (5, 3), (4, 4)])
def test_forward_backward_equals_enumeration(T, K):
    U, A, s = random_chain(3, T, K, seed=T * 10 + K)
    inf = crf.forward_backward(U, A, s)
    for n in range(len(U)):
        Ys, log_p = crf.enumerate_chain(U[n], A, s)
        p = np.exp(log_p)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        scores = crf.score(np.broadcast_to(U[n], (len(Ys), T, K)), A, s, Ys)
        assert inf.log_Z[n] == pytest.approx(logsumexp(scores), abs=1e-10)
        mu = np.array([[p[Ys[:, t] == k].sum() for k in range(K)] for t in range(T)])
        np.testing.assert_allclose(inf.mu[n], mu, atol=1e-12)
        xi = np.array([[[p[(Ys[:, t] == j) & (Ys[:, t + 1] == k)].sum() for k in range(K)] for j in range(K)]
                       for t in range(T - 1)]).reshape(T - 1, K, K)
        np.testing.assert_allclose(inf.xi[n], xi, atol=1e-12)
    np.testing.assert_allclose(crf.log_partition(U, A, s), inf.log_Z)


def test_marginals_are_consistent_and_survive_large_scores():
    U, A, s = random_chain(2, 6, 4, seed=3, scale=300.0)  # exp would overflow outside log space
    inf = crf.forward_backward(U, A, s)
    assert np.isfinite(inf.log_Z).all()
    np.testing.assert_allclose(inf.mu.sum(axis=2), 1.0, atol=1e-9)
    np.testing.assert_allclose(inf.xi.sum(axis=3), inf.mu[:, :-1], atol=1e-9)  # sum over y_t+1
    np.testing.assert_allclose(inf.xi.sum(axis=2), inf.mu[:, 1:], atol=1e-9)  # sum over y_t


@pytest.mark.parametrize("T,K", [(1, 4), (3, 3), (6, 3), (5, 4)])
def test_viterbi_is_the_enumerated_argmax(T, K):
    U, A, s = random_chain(4, T, K, seed=T + 7 * K)
    Y, best = crf.viterbi(U, A, s)
    for n in range(len(U)):
        Ys, log_p = crf.enumerate_chain(U[n], A, s)
        np.testing.assert_array_equal(Y[n], Ys[np.argmax(log_p)])
        assert best[n] == pytest.approx(crf.score(U[n:n + 1], A, s, Y[n:n + 1])[0])


def central_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def test_chain_gradients_equal_finite_differences():
    U, A, s = random_chain(3, 4, 3, seed=11, scale=1.0)
    Y = np.random.default_rng(1).integers(0, 3, (3, 4))
    ll, dU, dA, ds = crf.gradients(U, A, s, Y)

    def f() -> float:
        return float(crf.log_likelihood(U, A, s, Y).sum())

    assert ll == pytest.approx(f())
    for analytic, x in ((dU, U), (dA, A), (ds, s)):
        np.testing.assert_allclose(analytic, central_difference(f, x), rtol=1e-6, atol=1e-8)


def tiny_hybrid(transitions: bool, n_hidden: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    model = crf.NeuralCRF.random(5, n_hidden, 3, transitions, rng=seed)
    model.A[...] = rng.normal(0, 1, (3, 3)) if transitions else 0.0
    model.s[...] = rng.normal(0, 1, 3) if transitions else 0.0
    model.net.bs = [rng.normal(0, 0.5, b.shape) for b in model.net.bs]
    X = rng.random((2, 4, 5))
    Y = rng.integers(0, 3, (2, 4))
    return model, X, Y


@pytest.mark.parametrize("transitions", [True, False])
@pytest.mark.parametrize("n_hidden", [0, 4])
@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_hybrid_gradient_reaches_the_net_as_finite_differences_say(transitions, n_hidden, decay):
    model, X, Y = tiny_hybrid(transitions, n_hidden)
    loss, grads = model.loss_and_gradients(X, Y, decay)
    assert loss == pytest.approx(model.loss(X, Y, decay))
    params = model.parameters()
    assert set(grads) == set(params)
    assert ("A" in params) is transitions
    for name, p in params.items():
        numeric = central_difference(lambda: model.loss(X, Y, decay), p)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)
        assert np.abs(numeric).max() > 1e-4, name  # every parameter matters: the check can fail


def test_the_net_alone_is_a_chain_without_transitions():
    model, X, Y = tiny_hybrid(transitions=False)
    U, _ = model.unary(X)
    np.testing.assert_allclose(model.marginals(X), softmax(U, axis=2), atol=1e-12)
    np.testing.assert_array_equal(model.decode(X), U.argmax(axis=2))
    per_position = np.take_along_axis(log_softmax(U, axis=2), Y[:, :, None], axis=2)[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(model.log_likelihood(X, Y), per_position)
    np.testing.assert_allclose(crf.log_likelihood(U, np.zeros((3, 3)), np.zeros(3), Y), per_position)


def test_same_seed_same_initial_net_with_or_without_transitions():
    a = crf.NeuralCRF.random(25, 8, 4, True, rng=3)
    b = crf.NeuralCRF.random(25, 8, 4, False, rng=3)
    for x, y in zip(a.net.Ws + a.net.bs, b.net.Ws + b.net.bs):
        np.testing.assert_array_equal(x, y)
    c = a.copy(transitions=False)
    c.net.Ws[0][0, 0] += 1.0
    assert a.net.Ws[0][0, 0] != c.net.Ws[0][0, 0] and not c.transitions  # a copy, not a view


def test_bad_shapes_and_labels_are_refused_with_a_message():
    U, A, s = random_chain(2, 3, 3, seed=0)
    with pytest.raises(ValueError, match="A must be"):
        crf.forward_backward(U, A[:2], s)
    with pytest.raises(ValueError, match="unary scores"):
        crf.forward_backward(U[0], A, s)
    with pytest.raises(ValueError, match="labels Y"):
        crf.log_likelihood(U, A, s, np.full((2, 3), 3))
    with pytest.raises(ValueError, match="labels Y"):
        crf.log_likelihood(U, A, s, np.zeros((2, 3)))  # floats are not labels
    with pytest.raises(ValueError, match="too many"):
        crf.all_labelings(30, 4)
    model = crf.NeuralCRF.random(5, 2, 3)
    with pytest.raises(ValueError, match="inputs must be"):
        model.unary(np.zeros((2, 4, 6)))
