"""pgmviz.models.boltzmann against exact answers: brute-force sums over every state of tiny models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgmviz.models import boltzmann as bm
from pgmviz.models.rbm import RBM
from pgmviz.sampling import partition

# (n_v, n_h, weight scale): ordinary, strong and very strong weights; the last ones make
# exp(-E) reach e^hundreds, where a naive sum of exp(-E) loses everything to overflow.
CASES = [(1, 1, 1.0), (3, 2, 1.0), (4, 3, 2.0), (2, 5, 0.5), (5, 4, 10.0), (4, 4, 20.0), (6, 4, 15.0)]


def random_rbm(n_v: int, n_h: int, scale: float, seed: int) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, scale, (n_v, n_h)), rng.normal(0, scale, n_v), rng.normal(0, scale, n_h))


def brute_force_states(n: int) -> np.ndarray:
    """All binary vectors of length n by itertools, independent of the library's enumeration."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(2**n, n)


def brute_force_log_Z(rbm: RBM) -> float:
    """log sum_{v,h} exp(-E(v,h)) with E from rbm.energy, shifted by the max so it cannot overflow."""
    X = brute_force_states(rbm.n_v + rbm.n_h)
    neg_E = -rbm.energy(X[:, : rbm.n_v], X[:, rbm.n_v :])
    m = neg_E.max()
    return float(m + np.log(np.exp(neg_E - m).sum()))


@pytest.fixture(params=[(case, seed) for case in CASES for seed in (0, 1)], ids=lambda p: f"{p[0]}-s{p[1]}")
def rbm(request) -> RBM:
    (n_v, n_h, scale), seed = request.param
    return random_rbm(n_v, n_h, scale, seed)


# ------------------------------------------------------------------------------ joint table
def test_joint_table_sums_to_one_and_is_finite(rbm):
    t = bm.joint_table(rbm)
    assert t.n_states == 2 ** (rbm.n_v + rbm.n_h)
    assert np.isfinite(t.p).all() and np.isfinite(t.E).all() and np.isfinite(t.log_Z)
    assert (t.p >= 0).all()
    assert t.p.sum() == pytest.approx(1.0, abs=1e-12)


def test_joint_table_matches_brute_force(rbm):
    t = bm.joint_table(rbm)
    X = brute_force_states(rbm.n_v + rbm.n_h)
    np.testing.assert_array_equal(np.hstack([t.V, t.H]), X)  # same state order as itertools.product
    E = rbm.energy(X[:, : rbm.n_v], X[:, rbm.n_v :])
    np.testing.assert_allclose(t.E, E, rtol=1e-12, atol=1e-12)
    log_Z = brute_force_log_Z(rbm)
    assert t.log_Z == pytest.approx(log_Z, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(t.p, np.exp(-E - log_Z), rtol=1e-10, atol=1e-300)


def test_Z_is_the_plain_sum_of_boltzmann_weights_when_it_fits_in_float64():
    rbm = random_rbm(3, 2, 1.0, seed=4)
    t = bm.joint_table(rbm)
    X = brute_force_states(5)
    Z = np.exp(-rbm.energy(X[:, :3], X[:, 3:])).sum()  # no tricks needed at this scale
    assert t.Z == pytest.approx(Z, rel=1e-12)
    np.testing.assert_allclose(t.weight, np.exp(-t.E))
    np.testing.assert_allclose(t.p, t.weight / Z, rtol=1e-12)


def test_Z_reported_as_none_when_it_overflows_but_probabilities_survive():
    # All couplings +100: the all-ones state has -E = 100 * 4 * 4 + biases, far beyond e^709.
    rbm = RBM(np.full((4, 4), 100.0), np.zeros(4), np.zeros(4))
    t = bm.joint_table(rbm)
    assert t.Z is None
    assert t.log_Z == pytest.approx(1600.0, abs=1e-9)  # one state dominates completely
    assert np.isinf(t.weight).any()
    assert t.p.sum() == pytest.approx(1.0, abs=1e-12)
    assert t.p[-1] == pytest.approx(1.0)


def test_zero_model_is_uniform():
    rbm = RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    t = bm.joint_table(rbm)
    np.testing.assert_allclose(t.p, 1 / 32)
    assert t.Z == pytest.approx(32.0)
    assert t.log_Z == pytest.approx(5 * np.log(2))


def test_log_Z_matches_partition_module(rbm):
    assert bm.joint_table(rbm).log_Z == pytest.approx(partition.log_Z_exact(rbm), rel=1e-10, abs=1e-10)


def test_float32_rbm_is_tabulated_in_float64():
    rbm = random_rbm(3, 3, 1.0, seed=2).astype(np.float32)
    t = bm.joint_table(rbm)
    assert t.p.dtype == np.float64 and t.E.dtype == np.float64
    assert t.p.sum() == pytest.approx(1.0, abs=1e-12)


def test_too_many_units_refused():
    with pytest.raises(ValueError, match="too many"):
        bm.joint_table(RBM(np.zeros((10, 7)), np.zeros(10), np.zeros(7)))


# ------------------------------------------------------------------------------ marginal p(v)
def test_marginal_equals_exp_minus_free_energy_over_Z(rbm):
    m = bm.marginal_v(rbm)
    assert m.p.shape == (2**rbm.n_v,)
    assert m.p.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(m.p, m.p_from_F, rtol=1e-9, atol=1e-300)
    assert m.max_abs_diff < 1e-12
    # F(v) = -log sum_h exp(-E(v, h)), by brute force over h
    H = brute_force_states(rbm.n_h)
    for k, v in enumerate(m.V):
        neg_E = -rbm.energy(np.tile(v, (len(H), 1)), H)
        top = neg_E.max()
        F = -(top + np.log(np.exp(neg_E - top).sum()))
        assert m.F[k] == pytest.approx(F, rel=1e-10, abs=1e-10)


def test_marginal_matches_partition_log_p_v_all(rbm):
    np.testing.assert_allclose(np.log(bm.marginal_v(rbm).p), partition.log_p_v_all(rbm), rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------ QUBO form
def test_qubo_layout():
    W = np.array([[1.0, -2.0], [3.0, 4.0], [0.5, -0.5]])
    rbm = RBM(W, np.array([0.1, 0.2, 0.3]), np.array([-1.0, -2.0]))
    Q = bm.qubo_from_rbm(rbm)
    assert Q.shape == (5, 5)
    np.testing.assert_array_equal(np.diag(Q), [0.1, 0.2, 0.3, -1.0, -2.0])
    np.testing.assert_array_equal(Q[:3, 3:], W)
    assert not np.any(np.tril(Q, -1))  # upper triangular: each coupling stored once
    assert not np.any(np.triu(Q[:3, :3], 1)) and not np.any(np.triu(Q[3:, 3:], 1))  # no lateral terms
    W2, b2, c2, L_vv, L_hh = bm.split_qubo(Q, 3)
    np.testing.assert_array_equal(W2, W)
    back = bm.rbm_from_qubo(Q, 3)
    np.testing.assert_array_equal(back.W, W)
    np.testing.assert_array_equal(back.b, rbm.b)
    np.testing.assert_array_equal(back.c, rbm.c)


def test_qubo_energy_equals_rbm_energy_on_all_states(rbm):
    Q = bm.qubo_from_rbm(rbm)
    X = brute_force_states(rbm.n_v + rbm.n_h)
    E_rbm = rbm.energy(X[:, : rbm.n_v], X[:, rbm.n_v :])
    np.testing.assert_allclose(bm.qubo_energy(Q, X), E_rbm, rtol=1e-12, atol=1e-9)


def test_qubo_diagonal_acts_as_bias_because_x_squared_is_x():
    Q = np.array([[-3.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(bm.qubo_energy(Q, brute_force_states(2)), [0.0, -2.0, 3.0, 1.0])


def test_qubo_energy_by_explicit_double_sum():
    rng = np.random.default_rng(7)
    Q = np.triu(rng.normal(size=(5, 5)))
    for x in brute_force_states(5):
        E = -sum(x[i] * Q[i, j] * x[j] for i in range(5) for j in range(i, 5))
        assert bm.qubo_energy(Q, x)[0] == pytest.approx(E, abs=1e-12)


def test_qubo_rejects_lower_triangle_and_nonfinite():
    with pytest.raises(ValueError, match="upper triangular"):
        bm.qubo_energy(np.ones((2, 2)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="NaN"):
        bm.qubo_energy(np.array([[np.nan]]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="square"):
        bm.check_qubo(np.zeros((2, 3)))


def test_rbm_from_qubo_refuses_lateral_couplings():
    Q = bm.add_lateral(bm.qubo_from_rbm(random_rbm(2, 2, 1.0, 0)), 2, hh=np.array([[0, 1.0], [1.0, 0]]))
    with pytest.raises(ValueError, match="not an RBM"):
        bm.rbm_from_qubo(Q, 2)


# ------------------------------------------------------------------------------ lateral couplings
def test_add_lateral_places_couplings_in_the_layer_blocks():
    rbm = random_rbm(3, 3, 1.0, seed=1)
    Q = bm.qubo_from_rbm(rbm)
    hh = np.array([[0, 1.5, 0], [1.5, 0, -2.0], [0, -2.0, 0]])  # symmetric form
    vv = np.triu(np.ones((3, 3)), 1) * 0.25  # upper-triangular form
    Q2 = bm.add_lateral(Q, 3, hh=hh, vv=vv)
    W, b, c, L_vv, L_hh = bm.split_qubo(Q2, 3)
    np.testing.assert_array_equal(L_hh, np.triu(hh, 1))
    np.testing.assert_array_equal(L_vv, vv)
    np.testing.assert_array_equal(W, rbm.W)
    np.testing.assert_array_equal(np.diag(Q2), np.diag(Q))
    # energy gains exactly -sum_{j<k} L_jk h_j h_k - sum_{i<k} L_ik v_i v_k
    X = brute_force_states(6)
    V, H = X[:, :3], X[:, 3:]
    extra = -np.einsum("ni,ij,nj->n", H, np.triu(hh, 1), H) - np.einsum("ni,ij,nj->n", V, vv, V)
    np.testing.assert_allclose(bm.qubo_energy(Q2, X), rbm.energy(V, H) + extra, atol=1e-12)
    # replacing, not accumulating
    Q3 = bm.add_lateral(Q2, 3, hh=np.zeros((3, 3)))
    assert not np.any(bm.split_qubo(Q3, 3)[4])


@pytest.mark.parametrize(
    "L, match",
    [
        (np.eye(2), "zero diagonal"),
        (np.array([[0, 1.0], [2.0, 0]]), "symmetric"),
        (np.zeros((3, 3)), "shape"),
        (np.array([[0, np.inf], [0, 0]]), "NaN or infinite"),
    ],
)
def test_add_lateral_rejects_bad_couplings(L, match):
    Q = bm.qubo_from_rbm(random_rbm(2, 2, 1.0, 0))
    with pytest.raises(ValueError, match=match):
        bm.add_lateral(Q, 2, hh=L)


def test_state_index_and_label_round_trip():
    X = bm.all_states(4)
    for k, x in enumerate(X):
        assert bm.state_index(x) == k
        assert bm.state_label(x) == format(k, "04b")
