"""The full Boltzmann machine's learning rule against exact answers: brute-force sums over every
state, finite differences of the exact log-likelihood, long Gibbs runs with fixed seeds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz import data
from pgmviz.models.boltzmann import qubo_energy, qubo_from_rbm
from pgmviz.models.rbm import RBM
from pgmviz.sampling import bm_gibbs
from pgmviz.sampling.partition import all_states, log_likelihood_exact
from pgmviz.training import bm_checks, bm_learning, gradients
from pgmviz.training.bm_learning import BMSettings, BMTrainer, connectivity
from pgmviz.training.bm_vs_rbm import Duel, DuelSettings, bm_cost
from pgmviz.training.protocol import Budget


def random_qubo(N: int, scale: float, seed: int) -> np.ndarray:
    return np.triu(np.random.default_rng(seed).normal(0, scale, (N, N)))


def brute_states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def brute_log_p_v(Q: np.ndarray, n_v: int, v: np.ndarray, T: float) -> float:
    """log sum_h exp(-E(v,h)/T) - log sum_x exp(-E(x)/T), E(x) = -x^T Q x summed term by term."""
    N = Q.shape[0]
    def neg_E(x):  # noqa: E306
        return sum(Q[i, j] * x[i] * x[j] for i in range(N) for j in range(i, N)) / T
    joint = [neg_E(x) for x in brute_states(N)]
    clamped = [neg_E(np.concatenate([v, h])) for h in brute_states(N - n_v)]
    return float(logsumexp(clamped) - logsumexp(joint))


V_SMALL = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 1]], dtype=float)  # a repeated row on purpose


@pytest.mark.parametrize("T", [1.0, 2.5])
def test_log_likelihood_is_the_brute_force_sum(T):
    Q = random_qubo(5, 1.0, 0)
    expected = np.mean([brute_log_p_v(Q, 3, v, T) for v in V_SMALL])
    assert bm_learning.log_likelihood(Q, 3, V_SMALL, T) == pytest.approx(expected, abs=1e-10)


def test_log_likelihood_of_an_rbm_is_the_partition_modules():
    rbm = RBM.random(9, 3, seed=1, sigma=1.0, dtype=np.float64)
    X = data.bars_and_stripes(3)
    assert bm_learning.log_likelihood(qubo_from_rbm(rbm), 9, X) == pytest.approx(log_likelihood_exact(rbm, X),
                                                                                  abs=1e-9)


@pytest.mark.parametrize("T", [1.0, 0.7, 3.0])
def test_exact_gradient_is_the_finite_difference_of_the_exact_log_likelihood(T):
    Q, n_v, eps = random_qubo(5, 0.8, 2), 3, 1e-6
    G = bm_learning.exact_gradient(Q, n_v, V_SMALL, T)
    fd = np.zeros_like(Q)
    for i, j in zip(*np.triu_indices(5)):
        d = np.zeros_like(Q)
        d[i, j] = eps
        fd[i, j] = (bm_learning.log_likelihood(Q + d, n_v, V_SMALL, T)
                    - bm_learning.log_likelihood(Q - d, n_v, V_SMALL, T)) / (2 * eps)
    assert np.abs(G).max() > 0.01
    np.testing.assert_allclose(G, fd, atol=1e-7)
    assert not np.any(np.tril(G, -1))


def test_restricted_mask_gives_the_rbm_gradient():
    rbm = RBM.random(4, 3, seed=3, sigma=1.0, dtype=np.float64)
    V = data.bars_and_stripes(2)
    G = bm_learning.exact_gradient(qubo_from_rbm(rbm), 4, V, mask=connectivity(4, 3, "rbm"))
    g = gradients.exact_gradient(rbm, V)
    np.testing.assert_allclose(G[:4, 4:], g.W, atol=1e-12)
    np.testing.assert_allclose(np.diag(G), np.concatenate([g.b, g.c]), atol=1e-12)
    assert not np.any(np.triu(G[:4, :4], 1)) and not np.any(np.triu(G[4:, 4:], 1))


def test_connectivity_masks():
    full, semi, rbm = (connectivity(2, 2, k) for k in ("full", "semi", "rbm"))
    assert full.sum() == 10 and semi.sum() == 9 and rbm.sum() == 8  # 4 biases + 6, 5, 4 couplings
    assert rbm[0, 2] and not rbm[0, 1] and not semi[2, 3] and semi[0, 1]
    with pytest.raises(ValueError, match="unknown connectivity"):
        connectivity(2, 2, "dense")


@pytest.mark.parametrize("n_v", [0, 2, 5])
def test_the_block_energy_table_is_every_states_energy(n_v):
    Q = random_qubo(5, 1.5, 13)
    E = qubo_energy(Q, all_states(5)).reshape(2**n_v, 2 ** (5 - n_v))  # v is the slow index
    np.testing.assert_allclose(bm_gibbs.neg_energy_table(Q, n_v), -E, atol=1e-12)


@pytest.mark.parametrize("T", [0.5, 1.0, 4.0])
def test_p_T_is_proportional_to_exp_minus_E_over_T(T):
    Q = random_qubo(4, 1.5, 4)
    X = brute_states(4)
    neg_E = np.array([x @ Q @ x for x in X]) / T
    np.testing.assert_allclose(bm_gibbs.log_p_T(Q, T), neg_E - logsumexp(neg_E), atol=1e-12)
    # temperature scales the energy: p_T of Q is p_1 of Q / T, and p_T = p_1^(1/T) renormalised
    np.testing.assert_allclose(bm_gibbs.log_p_T(Q, T), bm_gibbs.log_p_T(Q / T, 1.0), atol=1e-12)
    p1 = bm_gibbs.log_p_T(Q, 1.0) / T
    np.testing.assert_allclose(bm_gibbs.log_p_T(Q, T), p1 - logsumexp(p1), atol=1e-12)


def test_p_T_flattens_as_T_rises():
    Q = random_qubo(4, 2.0, 5)
    entropy = [-(np.exp(lp) * lp).sum() for lp in (bm_gibbs.log_p_T(Q, T) for T in (0.5, 1, 2, 8, 1000))]
    assert np.all(np.diff(entropy) > 0) and entropy[-1] == pytest.approx(4 * np.log(2), abs=1e-3)


@pytest.mark.parametrize("T", [0.8, 1.0, 3.0])
def test_gibbs_at_T_samples_p_T(T):
    Q = random_qubo(4, 1.2, 6)
    run = bm_gibbs.gibbs_sweeps(Q, np.zeros((20_000, 4)), 30, T, rng=7)
    p = np.exp(bm_gibbs.log_p_T(Q, T))
    assert bm_gibbs.total_variation(bm_gibbs.histogram(run.X), p) < 0.02  # sampling noise ~ 0.01 here
    assert run.unit_updates == 20_000 * 4 * 30


def test_clamped_chains_sample_the_exact_conditional_which_does_not_factorise():
    Q = random_qubo(6, 0.5, 8)  # 3 visible, 3 hidden, with strong hidden-hidden couplings:
    Q[3, 4], Q[3, 5], Q[4, 5] = 3.0, -3.0, 2.0
    check = bm_checks.conditional_check(Q, 3, np.array([1.0, 0.0, 1.0]), sweeps=30, n_chains=20_000, rng=9)
    assert check.tv < 0.02 and check.exact.sum() == pytest.approx(1.0)
    assert check.kl_factorial > 0.01
    Q_rbm = np.where(connectivity(3, 3, "rbm"), Q, 0.0)
    assert bm_checks.conditional_check(Q_rbm, 3, np.array([1.0, 0.0, 1.0]), 5, 100).kl_factorial < 1e-12


def test_sampled_gradient_converges_to_the_exact_one():
    Q, n_v = random_qubo(5, 0.7, 10), 3
    G = bm_learning.exact_gradient(Q, n_v, V_SMALL)

    def error(repeats: int, n_free: int, seed: int) -> float:
        V = np.repeat(V_SMALL, repeats, axis=0)  # the same data distribution, more clamped chains
        stats = bm_learning.sampled_statistics(Q, n_v, V, sweeps=20, n_free=n_free, rng=seed)
        return float(np.linalg.norm(stats.gradient() - G))

    small = np.mean([error(10, 40, s) for s in range(5)])
    large = np.mean([error(1000, 4000, s) for s in range(5)])
    assert large < 0.05 * np.linalg.norm(G) * 5 and large < small / 5  # 100x the chains: about 10x closer


def test_gradient_check_reports_both():
    Q = random_qubo(5, 0.7, 11)
    c = bm_checks.gradient_check(Q, 3, V_SMALL, sweeps=10, n_free=2000, rng=0)
    assert c.exact_norm == pytest.approx(np.linalg.norm(bm_learning.exact_gradient(Q, 3, V_SMALL)))
    assert c.cosine > 0.8 and c.error_norm == pytest.approx(np.linalg.norm(c.sampled - c.exact))


def test_temperature_check_matches_p_T_and_differs_from_the_model():
    Q = random_qubo(5, 2.0, 12)
    c = bm_checks.temperature_check(Q, 3, 3.0, sweeps=20, n_chains=20_000, patterns=V_SMALL, rng=1)
    np.testing.assert_allclose(c.exact, bm_gibbs.p_T_visible(Q, 3, 3.0))
    assert c.tv < 0.02 and c.tv_to_model > 0.1
    idx = np.unique(bm_gibbs.state_indices(V_SMALL))
    assert c.mass_on["exact"] == pytest.approx(c.exact[idx].sum())


@pytest.mark.parametrize("exact", [True, False])
def test_training_raises_the_exact_log_likelihood(exact):
    X = data.bars_and_stripes(3)
    rbm0 = RBM.random(9, 2, seed=0, data=X, sigma=0.1, dtype=np.float64)
    t = BMTrainer(qubo_from_rbm(rbm0), 9, X, BMSettings(lr=0.1, exact=exact, sweeps=3, n_free=30), record_every=50)
    p = t.run(Budget(updates=300))
    assert p.done == 300 and t.step == 300 and p.diverged is None
    ll = [r["ll"] for r in t.history]
    assert len(ll) == 7 and ll[-1] > ll[0] + 1.0
    assert np.any(np.triu(t.Q[:9, :9], 1)) and np.any(np.triu(t.Q[9:, 9:], 1))  # lateral couplings learnt
    assert t.unit_updates == (0 if exact else 300 * bm_cost(9, 2, 14, 30, 3).sampled_units)


def test_a_wild_rate_diverges_and_keeps_the_last_good_parameters():
    X = data.bars_and_stripes(2)
    t = BMTrainer(random_qubo(6, 0.1, 0), 4, X, BMSettings(lr=1e7, exact=True, max_abs=1e3, batch_size=6))
    p = t.run(Budget(updates=50))
    assert p.diverged and "lower the learning rate" in p.diverged and p.done < 50
    assert np.isfinite(t.Q).all() and np.abs(t.Q).max() <= 1e3
    assert t.run(Budget(updates=5)).done == 0


def test_bad_input_raises_clear_errors():
    Q = random_qubo(5, 1.0, 0)
    with pytest.raises(ValueError, match="binary"):
        bm_learning.log_likelihood(Q, 3, np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="temperature"):
        bm_gibbs.log_p_T(Q, 0.0)
    with pytest.raises(ValueError, match="temperature"):
        bm_learning.exact_gradient(Q, 3, V_SMALL, float("nan"))
    with pytest.raises(ValueError, match="invalid settings"):
        BMSettings(lr=-1)
    with pytest.raises(ValueError, match="hidden units"):
        DuelSettings(n_hidden=20)


def test_duel_trains_both_in_lockstep_and_counts_costs():
    X = data.bars_and_stripes(3)
    duel = Duel(DuelSettings(n_hidden=2, sweeps=2, n_free=20), X, record_every=25)
    p = duel.run(Budget(updates=100))
    assert p.done == 100 and duel.bm.step == duel.exact.step == duel.rbm.step == 100
    c = duel.curves()
    assert c["step"] == [0, 25, 50, 75, 100]
    assert c["ll_bm"][0] == pytest.approx(c["ll_rbm"][0], abs=1e-9) == c["ll_exact"][0]  # the same start
    # the exact-gradient twin follows the exact rule, update by update
    twin = BMTrainer(qubo_from_rbm(RBM.random(9, 2, seed=0, data=X, sigma=0.1, dtype=np.float64)), 9, X,
                     BMSettings(lr=0.1, momentum=0.5, exact=True, batch_size=14))
    twin.run(Budget(updates=100))
    np.testing.assert_allclose(duel.exact.Q, twin.Q, atol=1e-12)
    assert c["ll_exact"][-1] > c["ll_exact"][0] + 1.0
    assert c["ll_rbm"][-1] == pytest.approx(log_likelihood_exact(duel.rbm.rbm, X))
    assert duel.bm.unit_updates == 100 * duel.costs["bm"].sampled_units
    assert duel.costs["rbm"].sequential_steps == 4 and duel.costs["bm"].sequential_steps == 2 * 11
    assert duel.costs["exact"].sampled_units == 0 and duel.costs["exact"].multiply_adds == 2**11 * (66 + 242)
