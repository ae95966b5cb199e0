"""pgmviz.models.expfam against brute force: curvatures by finite differences of log-probabilities summed
with plain loops over every state, the Gaussian prior against scipy's density."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import norm

from pgmviz.models import boltzmann as bm
from pgmviz.models import expfam
from pgmviz.models.rbm import RBM
from tests.unit.test_boltzmann import CASES, brute_force_states, random_rbm


def tiny(seed: int = 0, n_v: int = 3, n_h: int = 2, scale: float = 2.0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.standard_normal((n_v, n_h)), rng.standard_normal(n_v), rng.standard_normal(n_h))


def brute_log_p(r: RBM, marginal: bool) -> np.ndarray:
    """log p(v, h) for every (v, h) (v slowest), or log p(v) for every v, by loops over exp(-E)."""
    n_v, n_h = r.W.shape
    w = {}
    for v in itertools.product((0, 1), repeat=n_v):
        for h in itertools.product((0, 1), repeat=n_h):
            w[v, h] = math.exp(sum(r.b[i] * v[i] for i in range(n_v)) + sum(r.c[j] * h[j] for j in range(n_h))
                               + sum(v[i] * r.W[i, j] * h[j] for i in range(n_v) for j in range(n_h)))
    Z = sum(w.values())
    if marginal:
        return np.array([math.log(sum(w[v, h] for h in itertools.product((0, 1), repeat=n_h)) / Z)
                         for v in itertools.product((0, 1), repeat=n_v)])
    return np.array([math.log(x / Z) for x in w.values()])


def second_difference_in_c(r: RBM, j: int, marginal: bool, d: float = 1e-3) -> np.ndarray:
    out = []
    for s in (d, 0.0, -d):
        c = r.c.copy()
        c[j] += s
        out.append(brute_log_p(RBM(r.W, r.b, c), marginal))
    return (out[0] - 2 * out[1] + out[2]) / d ** 2


def test_the_joint_has_one_curvature_the_marginal_many():
    r = tiny()
    joint, marg = expfam.joint_curvature(r), expfam.marginal_curvature(r)
    for j in range(2):
        np.testing.assert_allclose(joint[:, j], second_difference_in_c(r, j, False), atol=1e-5)
        np.testing.assert_allclose(marg[:, j], second_difference_in_c(r, j, True), atol=1e-5)
    assert np.all(expfam.spread(joint) < 1e-6)  # an exponential family in (b, c, W)
    assert np.all(expfam.spread(marg) > 1e-2)  # the softplus bends: not one
    np.testing.assert_allclose(joint[0], -expfam.hidden_variance(r), atol=1e-6)
    # without weights v says nothing about h, the softplus is flat along every v and the spread vanishes
    flat = RBM(np.zeros((3, 2)), r.b, r.c)
    assert np.all(expfam.spread(expfam.marginal_curvature(flat)) < 1e-12)


def test_a_directed_layer_bends_with_the_layer_above():
    r = tiny(seed=1)
    curv = expfam.directed_curvature(r.W, r.b)  # v (3 units) below h (2 units)
    d = 1e-4
    for k, h in enumerate(itertools.product((0, 1), repeat=2)):
        for i in range(3):
            def log_p(bi: float) -> float:  # log p(v_i = 1 | h) of one sigmoid unit, written out
                a = bi + sum(r.W[i, j] * h[j] for j in range(2))
                return a - math.log1p(math.exp(a))
            fd = (log_p(r.b[i] + d) - 2 * log_p(r.b[i]) + log_p(r.b[i] - d)) / d ** 2
            assert curv[k, i] == pytest.approx(fd, abs=1e-4)
    assert np.all(expfam.spread(curv) > 1e-3)


def test_a_feed_forward_unit_normalises_over_y_only():
    r = tiny(seed=2)
    per_x, over_x = expfam.conditional_sums(r, j=1)
    np.testing.assert_allclose(per_x, 1.0)
    brute = sum(1 / (1 + math.exp(-(r.c[1] + sum(x[i] * r.W[i, 1] for i in range(3)))))
                for x in itertools.product((0, 1), repeat=3))
    assert over_x == pytest.approx(brute, rel=1e-12) and abs(over_x - 1.0) > 0.1


def test_weight_decay_is_a_gaussian_log_prior():
    lam = 2e-4
    sums = set()
    for seed in range(3):
        W = tiny(seed=seed).W
        penalty, log_prior, total = expfam.weight_decay_as_prior(W, lam)
        assert penalty == pytest.approx(lam / 2 * (W ** 2).sum(), rel=1e-12)
        assert log_prior == pytest.approx(norm.logpdf(W, scale=1 / math.sqrt(lam)).sum(), rel=1e-12)
        sums.add(round(total, 9))
    assert len(sums) == 1  # the same constant for every W: minimising the penalty maximises the prior
    with pytest.raises(ValueError):
        expfam.weight_decay_as_prior(W, 0.0)


@pytest.mark.parametrize("n_v, n_h", [(1, 1), (3, 2), (2, 4)])
def test_factor_terms_are_the_energy_term_by_term(n_v, n_h):
    """Each log potential by hand (b_i v_i, c_j h_j, W_ij v_i h_j), their sum -E, the product exp(-E)."""
    r = tiny(1, n_v, n_h)
    for v in itertools.product((0, 1), repeat=n_v):
        for h in itertools.product((0, 1), repeat=n_h):
            t = expfam.factor_terms(r, np.array(v, float), np.array(h, float))
            by_hand = ([r.b[i] * v[i] for i in range(n_v)] + [r.c[j] * h[j] for j in range(n_h)]
                       + [r.W[i, j] * v[i] * h[j] for j in range(n_h) for i in range(n_v)])  # vec(W): columns
            np.testing.assert_allclose(t.log_potentials, by_hand, atol=1e-12)
            np.testing.assert_allclose(t.theta * t.T, by_hand, atol=1e-12)
            assert t.names[n_v + n_h] == "W11 · v1h1" and t.names[-1] == f"W{n_v}{n_h} · v{n_v}h{n_h}"
            minus_E = float(np.dot(r.b, v) + np.dot(r.c, h) + np.array(v) @ r.W @ np.array(h))
            assert t.inner == pytest.approx(minus_E, abs=1e-12)
            assert t.product == pytest.approx(math.exp(minus_E), rel=1e-12)


def test_the_product_of_potentials_overflows_to_inf_not_an_error():
    r = RBM(np.full((1, 1), 400.0), np.full(1, 400.0), np.full(1, 0.0))
    assert expfam.factor_terms(r, np.ones(1), np.ones(1)).product == math.inf


def test_most_varying_picks_the_column_with_the_largest_spread():
    curv = np.array([[1.0, -2.0, 5.0], [1.0, 3.0, 5.0], [1.0, 0.5, 5.0 + 1e-9]])
    x = expfam.most_varying(curv)
    assert (x.j, x.lowest, x.highest, x.spread, x.is_family) == (1, -2.0, 3.0, 5.0, False)
    flat = expfam.most_varying(curv[:, [0, 2]])
    assert flat.j == 1 and flat.is_family  # a spread of 1e-9 is one curvature for every state
    joint = expfam.most_varying(expfam.joint_curvature(tiny()))
    assert joint.is_family  # the RBM joint is an exponential family in (b, c, W)
    assert not expfam.most_varying(expfam.marginal_curvature(tiny())).is_family


# ------------------------------------------------------------------------------ the RBM's reading
@pytest.fixture(params=[(case, seed) for case in CASES for seed in (0, 1)], ids=lambda p: f"{p[0]}-s{p[1]}")
def rbm(request) -> RBM:
    (n_v, n_h, scale), seed = request.param
    return random_rbm(n_v, n_h, scale, seed)


def test_exponential_family_identity(rbm):
    X = brute_force_states(rbm.n_v + rbm.n_h)
    V, H = X[:, : rbm.n_v], X[:, rbm.n_v :]
    E = rbm.energy(V, H)
    # vector form: -E = <theta, T(x)> with theta = [b, c, vec(W)]
    T = expfam.statistics_vector(V, H)
    theta = expfam.theta_vector(rbm)
    assert T.shape == (len(X), rbm.n_v + rbm.n_h + rbm.n_v * rbm.n_h)
    np.testing.assert_allclose(T @ theta, -E, rtol=1e-12, atol=1e-9)
    # structured form, one state at a time
    b, c, W = expfam.natural_parameters(rbm)
    for v, h, e in zip(V[:16], H[:16], E[:16]):
        tv, th, tvh = expfam.sufficient_statistics(v, h)
        np.testing.assert_array_equal(tvh, np.outer(v, h))
        assert b @ tv + c @ th + np.sum(W * tvh) == pytest.approx(-e, abs=1e-9)
    # log p(x) = <theta, T(x)> - A(theta), A = log Z
    t = bm.joint_table(rbm)
    np.testing.assert_allclose(T @ theta - t.log_Z, np.log(t.p), rtol=1e-9, atol=1e-9)


def test_vec_stacks_columns_like_the_lecture():
    rbm = RBM(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5.0, 6.0]), np.array([7.0, 8.0]))
    np.testing.assert_array_equal(expfam.theta_vector(rbm), [5, 6, 7, 8, 1, 3, 2, 4])


def test_mrf_potentials_multiply_to_boltzmann_weight(rbm):
    X = brute_force_states(rbm.n_v + rbm.n_h)
    for x in X[:: max(1, len(X) // 16)]:
        v, h = x[: rbm.n_v], x[rbm.n_v :]
        node_v, node_h, edge = expfam.log_potentials(rbm, v, h)
        np.testing.assert_array_equal(edge[v == 0], 0.0)  # an edge potential is 1 unless both ends are on
        total = node_v.sum() + node_h.sum() + edge.sum()
        assert total == pytest.approx(-rbm.energy(v, h)[0], abs=1e-9)
