"""pgmviz.models.unroll against exact answers on tiny RBMs: the tied directed net and block Gibbs give
the same distribution (and the same samples), it approaches the RBM's p(v), and the tied prior is
complementary (factorial posterior) while an untied one is not."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.models import sbn, unroll
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_p_v_all


def tiny_rbm(seed: int = 0, n_v: int = 3, n_h: int = 2, scale: float = 1.5) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, scale, (n_v, n_h)), rng.normal(0, 1, n_v), rng.normal(0, 1, n_h))


def brute_p_v(rbm: RBM) -> np.ndarray:
    """p(v) by summing exp(-E(v, h)) over every joint state with plain loops."""
    n_v, n_h = rbm.W.shape
    w = np.zeros(2 ** n_v)
    for i, v in enumerate(itertools.product((0, 1), repeat=n_v)):
        for h in itertools.product((0, 1), repeat=n_h):
            e = -sum(rbm.b[a] * v[a] for a in range(n_v)) - sum(rbm.c[j] * h[j] for j in range(n_h)) \
                - sum(v[a] * rbm.W[a, j] * h[j] for a in range(n_v) for j in range(n_h))
            w[i] += math.exp(-e)
    return w / w.sum()


def brute_gibbs_step(rbm: RBM, p: np.ndarray) -> np.ndarray:
    """One block-Gibbs step v -> h -> v on a distribution, with plain loops over states."""
    n_v, n_h = rbm.W.shape
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    V = list(itertools.product((0, 1), repeat=n_v))
    H = list(itertools.product((0, 1), repeat=n_h))
    out = np.zeros(len(V))
    for a, v in enumerate(V):
        for h in H:
            p_h = math.prod(sig(rbm.c[j] + sum(v[i] * rbm.W[i, j] for i in range(n_v))) if h[j]
                            else sig(-(rbm.c[j] + sum(v[i] * rbm.W[i, j] for i in range(n_v))))
                            for j in range(n_h))
            for b_, v2 in enumerate(V):
                p_v = math.prod(sig(rbm.b[i] + sum(rbm.W[i, j] * h[j] for j in range(n_h))) if v2[i]
                                else sig(-(rbm.b[i] + sum(rbm.W[i, j] * h[j] for j in range(n_h))))
                                for i in range(n_v))
                out[b_] += p[a] * p_h * p_v
    return out


@pytest.fixture(scope="module")
def rbm() -> RBM:
    return tiny_rbm()


def test_unrolled_net_structure(rbm):
    net = unroll.unrolled_net(rbm, 3)
    assert net.names == ["v0", "h0", "v1", "h1", "v2", "h2", "v3"]
    assert net.sizes == [3, 2, 3, 2, 3, 2, 3]
    for k in range(3):
        assert np.array_equal(net.weights[2 * k], rbm.W)  # h_k -> v_k
        assert np.array_equal(net.weights[2 * k + 1], rbm.W.T)  # v_{k+1} -> h_k
    assert np.allclose(net.top_prior, brute_p_v(rbm), atol=1e-14)
    assert rbm.W.dtype == np.float64 and unroll.unrolled_net(rbm, 0).sizes == [3]


@pytest.mark.parametrize("start", ["point", "uniform"])
def test_k_layers_equal_k_gibbs_steps_exactly(rbm, start):
    p0 = unroll.point_mass(np.array([1, 0, 1])) if start == "point" else np.full(8, 1 / 8)
    K = 6
    net_dist = unroll.unrolled_distributions(rbm, p0, K)
    gibbs = unroll.gibbs_distributions(rbm, p0, K)
    assert np.abs(net_dist - gibbs).max() < 1e-14
    # and both agree with a Gibbs step written out as loops over states
    p = p0
    for k in range(3):
        assert np.allclose(gibbs[k], p, atol=1e-14)
        p = brute_gibbs_step(rbm, p)


def test_k_layers_equal_the_full_joint_enumeration(rbm):
    """The v_0 marginal of the 2-level net by summing its joint over every hidden layer."""
    p0 = unroll.point_mass(np.array([0, 1, 1]))
    net = unroll.unrolled_net(rbm, 2, top=p0)
    p_v0 = np.array([math.exp(net.log_p_v(np.array(v))) for v in itertools.product((0, 1), repeat=3)])
    assert np.allclose(p_v0, unroll.gibbs_distributions(rbm, p0, 2)[2], atol=1e-14)


def test_same_draws_same_states(rbm):
    start = np.array([[1, 1, 0]] * 4 + [[0, 0, 0]] * 4, dtype=float)
    down = unroll.ancestral_pass(rbm, start, 5, rng=7)
    chain = unroll.gibbs_pass(rbm, start, 5, rng=7)
    assert len(down) == len(chain) == 11
    assert all(np.array_equal(a, b) for a, b in zip(down, chain))
    kept = unroll.generate_down(rbm, start, 5, keep=[0, 2, 5], rng=7)
    assert np.array_equal(kept[2][0], chain[4]) and np.array_equal(kept[5][0], chain[10])


def test_tv_to_p_v_falls_with_k(rbm):
    p_v = unroll.equilibrium_v(rbm)
    assert np.allclose(p_v, brute_p_v(rbm), atol=1e-14)
    assert np.allclose(p_v, np.exp(log_p_v_all(rbm)), atol=1e-14)  # the partition module agrees
    tv = unroll.tv_distance(unroll.gibbs_distributions(rbm, unroll.point_mass(np.array([1, 1, 1])), 25), p_v)
    assert tv[0] > 0.5 and tv[-1] < 1e-3
    assert np.all(np.diff(tv) <= 1e-15)  # a Markov chain never moves away from its equilibrium in TV
    # with the RBM's own p(v) on top, every layer is at equilibrium
    at_eq = unroll.unrolled_distributions(rbm, p_v, 4)
    assert np.abs(at_eq - p_v).max() < 1e-14


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tied_posterior_is_the_factorial_sigmoid(seed):
    r = tiny_rbm(seed, n_v=4, n_h=3, scale=2.0)
    for v0 in itertools.product((0, 1), repeat=4):
        v0 = np.array(v0)
        post = unroll.posterior_h0(r, v0)
        assert np.abs(post - unroll.factorial_posterior(r, v0)).max() < 1e-12
        assert sbn.kl_to_factorial(post, 3) < 1e-12
        assert np.allclose(sbn.marginals(post, 3), 1 / (1 + np.exp(-(r.c + v0 @ r.W))), atol=1e-12)
    assert np.allclose(unroll.prior_h0(r), unroll.equilibrium_h(r), atol=1e-14)


def test_untied_posterior_is_not_factorial():
    r = tiny_rbm(1, n_v=4, n_h=3, scale=2.0)
    v0 = np.array([1, 0, 1, 1])
    d = unroll.perturbation(r.W.shape, seed=0)
    kls = [sbn.kl_to_factorial(unroll.posterior_h0(r, v0, W_above=r.W + e * d), 3) for e in (0.0, 0.5, 2.0)]
    assert kls[0] < 1e-12 < 1e-4 < kls[1] and kls[2] > 1e-3
    untied = unroll.posterior_h0(r, v0, W_above=r.W + 2.0 * d)
    assert np.abs(untied - unroll.factorial_posterior(r, v0)).max() > 1e-3
    # the prior over h0 is the h-marginal of the RBM the layers above are tied to, whatever K
    other = RBM(r.W + 2.0 * d, r.b, r.c)
    for K in (1, 3):
        assert np.allclose(unroll.prior_h0(r, W_above=other.W, K=K), unroll.equilibrium_h(other), atol=1e-14)


def test_slack_of_the_factorial_bound_is_kl():
    """log p(v0) - [E_q log p(v0, h0) + H(q)] = KL(q || p(h0|v0)) with q = sigmoid(c + v0 W): zero when
    tied, positive once the weights above h0 are untied."""
    from pgmviz.models.bm_posterior import kl

    r = tiny_rbm(2, n_v=4, n_h=3, scale=2.0)
    v0 = np.array([0, 1, 1, 0])
    q = unroll.factorial_posterior(r, v0)
    d = unroll.perturbation(r.W.shape, seed=3)
    for eps in (0.0, 1.5):
        net = unroll.unrolled_net(r, 1, W_above=r.W + eps * d)
        log_prior = np.log(net.layer_marginals()[1])
        log_lik = net.log_conditional_table(0)[:, sbn.state_index(v0)[0]]
        log_p_v0 = np.log(np.exp(log_prior + log_lik).sum())
        bound = q @ (log_prior + log_lik) - q @ np.log(q)
        slack = kl(q, unroll.posterior_h0(r, v0, W_above=r.W + eps * d, K=1))
        assert log_p_v0 - bound == pytest.approx(slack, abs=1e-12)
        assert (slack < 1e-12) if eps == 0 else (slack > 1e-3)


# ---------------------------------------------------------------------------- the tied learning rule
def brute_log_lik(rbm: RBM, p0: np.ndarray) -> float:
    """sum_v p0(v) log p(v), with p(v) from `brute_p_v` (plain loops)."""
    return float(p0 @ np.log(brute_p_v(rbm)))


def spread_data(n_v: int, seed: int = 3) -> np.ndarray:
    """A data distribution over a few visible states (not a single point)."""
    p = np.random.default_rng(seed).random(2 ** n_v) ** 4
    return p / p.sum()


def test_each_layer_term_is_that_layers_directed_gradient(rbm):
    """The term of layer l is d log p(v0)/d W_l of the unrolled net with W_l untied from the rest
    (SBN.log_p_v_gradient over the exact posterior of every layer above v0)."""
    v0 = np.array([1.0, 0.0, 1.0])
    K = 2
    tele = unroll.tied_learning_rule(rbm, unroll.point_mass(v0), K)
    grads = unroll.unrolled_net(rbm, K).log_p_v_gradient(v0)  # top = the RBM's equilibrium
    assert len(grads) == len(tele.layers) == 2 * K
    assert tele.names == ["v0", "h0", "v1", "h1"]
    for l, (g, term) in enumerate(zip(grads, tele.layers)):
        np.testing.assert_allclose(term.W, g if l % 2 == 0 else g.T, atol=1e-12)


@pytest.mark.parametrize("data", ["point", "spread"])
def test_partial_sums_telescope_to_cd_k(data):
    r = tiny_rbm(seed=4, n_v=4, n_h=3, scale=2.0)
    p0 = unroll.point_mass(np.array([0, 1, 1, 0])) if data == "point" else spread_data(4)
    tele = unroll.tied_learning_rule(r, p0, 12)
    assert len(tele.partial) == len(tele.cd) == 13
    for k, (part, cd) in enumerate(zip(tele.partial, tele.cd)):
        assert (part - cd).norm < 1e-12, k
    # and the terms are not zero: the telescoping is a cancellation, not a triviality
    assert all(t.norm > 1e-6 for t in tele.layers[:6])


def test_all_terms_sum_to_the_likelihood_gradient():
    r = tiny_rbm(seed=1, n_v=3, n_h=2, scale=1.5)
    p0 = spread_data(3, seed=5)
    tele = unroll.tied_learning_rule(r, p0, 200)
    gaps = tele.gaps()
    assert gaps[1] > 1e-3  # CD-1 is not the gradient
    assert np.all(np.diff(gaps[:20]) < 0) and gaps[-1] < 1e-10
    # the limit, against finite differences of sum_v p0(v) log p(v) with brute-force p(v)
    eps = 1e-6
    for i, j in [(0, 0), (2, 1)]:
        up, down = r.copy(), r.copy()
        up.W[i, j] += eps
        down.W[i, j] -= eps
        fd = (brute_log_lik(up, p0) - brute_log_lik(down, p0)) / (2 * eps)
        assert abs(tele.partial[-1].W[i, j] - fd) < 1e-6
    for i in range(3):
        up, down = r.copy(), r.copy()
        up.b[i] += eps
        down.b[i] -= eps
        assert abs(tele.partial[-1].b[i] - (brute_log_lik(up, p0) - brute_log_lik(down, p0)) / (2 * eps)) < 1e-6


def test_sampled_cd_k_matches_the_k_term_partial_sum():
    from pgmviz.training.gradients import cd_expected_update

    r = tiny_rbm(seed=5, n_v=4, n_h=3, scale=3.0)  # CD-1 and CD-3 miss the gradient by 0.72 and 0.29
    v0 = np.array([0.0, 1.0, 1.0, 0.0])
    tele = unroll.tied_learning_rule(r, unroll.point_mass(v0), 3)
    for k in (1, 3):
        est = cd_expected_update(r, v0[None, :], k=k, n_chains=40_000, rng=k)
        # each entry is a mean of 40,000 terms in [-1, 1]: noise about 0.005
        assert np.abs((est.update - tele.partial[k]).flat()).max() < 0.03
        # and the check can tell CD-k from the gradient it truncates
        assert np.abs((est.update - tele.exact).flat()).max() > 0.1


def test_cd_is_minus_the_objective_gradient_with_p_k_frozen():
    r = tiny_rbm(seed=2, n_v=3, n_h=2, scale=2.0)
    p0 = unroll.point_mass(np.array([1, 1, 0]))
    tele = unroll.tied_learning_rule(r, p0, 2)
    for k in (1, 2):
        frozen = unroll.cd_objective_gradient(r, p0, k, freeze_p_k=True)
        assert (frozen - tele.cd[k]).norm < 1e-7
        full = unroll.cd_objective_gradient(r, p0, k)
        assert (full - tele.cd[k]).norm > 1e-4  # the dropped term is there, if small
        assert unroll.cd_objective(r, p0, k) >= 0.0


def test_tied_learning_rule_refuses_bad_input(rbm):
    with pytest.raises(ValueError):
        unroll.tied_learning_rule(rbm, np.ones(8), 2)
    with pytest.raises(ValueError):
        unroll.tied_learning_rule(rbm, np.full(4, 0.25), 2)
    with pytest.raises(ValueError):
        unroll.tied_learning_rule(rbm, np.full(8, 1 / 8), 0)
