"""Exact log Z and log-likelihood against brute-force enumeration of all (v, h)."""

import numpy as np
import pytest

from pgmviz.models.rbm import RBM
from pgmviz.sampling import kernels
from pgmviz.sampling.partition import all_states, exact_feasible, log_likelihood_exact, log_Z_exact
from tests.unit.exact import joint, log_Z, random_rbm


@pytest.mark.parametrize(
    "n_v, n_h, scale",
    [(5, 3, 1.0), (3, 6, 1.0), (8, 12, 2.0), (12, 5, 10.0), (6, 11, 25.0), (10, 10, 0.01), (1, 1, 1.0)],
)
def test_log_Z_matches_brute_force(n_v, n_h, scale):
    r = random_rbm(np.random.default_rng(n_v * 100 + n_h), n_v, n_h, scale)
    assert log_Z_exact(r) == pytest.approx(log_Z(r), rel=1e-12, abs=1e-9)


def test_log_Z_with_huge_weights_uses_the_safe_path():
    """Weights of size 200: activations swing by thousands within a block; still exact."""
    r = random_rbm(np.random.default_rng(0), 7, 12, 200.0)
    assert log_Z_exact(r) == pytest.approx(log_Z(r), rel=1e-12)


def test_both_kernels_agree_on_a_digit_sized_model():
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.5, (784, 13))
    b, c = rng.normal(0, 1, 784), rng.normal(0, 1, 13)
    Wt = np.ascontiguousarray(W.T)
    fast = kernels.log_Z_gray(Wt, b, c, 10)
    slow = kernels.log_Z_softplus(Wt, b, c, 10)
    assert fast == pytest.approx(slow, rel=1e-12)
    # The layers are interchangeable: enumerating v of the transposed model is the same sum.
    small = RBM(W[:12, :9], b[:12], c[:9])
    assert log_Z_exact(small) == pytest.approx(log_Z_exact(RBM(small.W.T, small.c, small.b)), rel=1e-12)


def test_log_likelihood_is_mean_log_p_v():
    r = random_rbm(np.random.default_rng(2), 5, 4, 2.0)
    V, _, P = joint(r)
    p_v = P.sum(axis=1)
    rows = [3, 7, 7, 30]
    assert log_likelihood_exact(r, V[rows]) == pytest.approx(np.log(p_v[rows]).mean(), rel=1e-12)


def test_log_likelihood_gradient_is_data_minus_model_statistics():
    """Finite differences of the exact mean log-likelihood vs <v h>_data - <v h>_model."""
    r = random_rbm(np.random.default_rng(3), 4, 3, 1.0)
    data = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 0]], float)
    V, H, P = joint(r)
    model_vh = V.T @ P @ H
    data_vh = data.T @ r.p_h_given_v(data) / len(data)
    grad = data_vh - model_vh
    eps = 1e-6
    fd = np.zeros_like(r.W)
    for i in range(4):
        for j in range(3):
            up, down = r.copy(), r.copy()
            up.W[i, j] += eps
            down.W[i, j] -= eps
            fd[i, j] = (log_likelihood_exact(up, data) - log_likelihood_exact(down, data)) / (2 * eps)
    np.testing.assert_allclose(fd, grad, atol=1e-7)


def test_all_states_order_and_limits():
    S = all_states(3)
    assert S.shape == (8, 3) and S[1].tolist() == [0, 0, 1] and S[4].tolist() == [1, 0, 0]
    with pytest.raises(ValueError):
        all_states(40)


def test_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="AIS"):
        log_Z_exact(RBM(np.zeros((30, 30)), np.zeros(30), np.zeros(30)))
    bad = RBM.random(4, 3)
    bad.W[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        log_Z_exact(bad)
    assert exact_feasible(RBM.random(784, 20)) and not exact_feasible(RBM.random(784, 500))


def test_log_Z_of_zero_model_is_n_log_2():
    r = RBM(np.zeros((784, 20)), np.zeros(784), np.zeros(20))
    assert log_Z_exact(r) == pytest.approx(804 * np.log(2), rel=1e-13)


def test_exact_log_Z_from_many_threads_at_once():
    """Streamlit runs each session in a thread; parallel kernels must not collide (the workqueue
    layer would abort the process), and every caller gets the same exact answer."""
    from concurrent.futures import ThreadPoolExecutor

    r = random_rbm(np.random.default_rng(9), 200, 16, 0.3)
    expected = log_Z_exact(r)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: log_Z_exact(r), range(8)))
    assert results == pytest.approx([expected] * 8, rel=1e-13)
