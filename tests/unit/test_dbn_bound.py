"""The variational bound of a two-layer DBN (pgmviz.evaluation.dbn_bound) against brute-force enumeration,
and the greedy lesson's experiment (pgmviz.evaluation.greedy_bound): training layer 2 raises it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.datasets import load
from pgmviz.evaluation import dbn_bound, greedy_bound
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states


def random_rbm(n_v: int, n_h: int, seed: int, scale: float = 1.0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))



# ------------------------------------------------------------------ the variational bound
def brute_force_bound(rbm1: RBM, rbm2: RBM, v: np.ndarray) -> tuple[float, float, float]:
    """(log p1(v), bound, log p_dbn(v)) for one v, every sum written out over all states."""
    V, H = all_states(rbm1.n_v), all_states(rbm1.n_h)
    r1, r2 = rbm1.astype(np.float64), rbm2.astype(np.float64)
    E1 = -(V @ r1.b)[:, None] - V @ r1.W @ H.T - (H @ r1.c)[None, :]  # (2^n_v, 2^n_h)
    log_Z1 = logsumexp(-E1)
    i = int((v.astype(int) << np.arange(rbm1.n_v - 1, -1, -1)).sum())
    log_p1 = logsumexp(-E1[i]) - log_Z1
    H2 = all_states(rbm2.n_h)
    E2 = -(H @ r2.b)[:, None] - H @ r2.W @ H2.T - (H2 @ r2.c)[None, :]
    log_p2 = logsumexp(-E2, axis=1) - logsumexp(-E2)  # (2^n_h,) marginal over rbm2's visible layer
    P_v_h = 1 / (1 + np.exp(-(H @ r1.W.T + r1.b)))  # (2^n_h, n_v)
    log_lik = np.log(np.where(v > 0, P_v_h, 1 - P_v_h)).sum(axis=1)
    q = 1 / (1 + np.exp(-(v @ r1.W + r1.c)))
    Q = np.prod(np.where(H > 0, q, 1 - q), axis=1)
    bound = float(np.sum(Q * (log_p2 + log_lik)) - np.sum(Q * np.log(Q)))
    return float(log_p1), bound, float(logsumexp(log_p2 + log_lik))


def test_bound_matches_brute_force_for_any_second_rbm():
    rbm1, rbm2 = random_rbm(6, 4, 5), random_rbm(4, 5, 6)
    V = all_states(6)[::7]
    B = dbn_bound.variational_bound(rbm1, rbm2, V)
    for k, v in enumerate(V):
        log_p1, bound, log_p_dbn = brute_force_bound(rbm1, rbm2, v)
        assert B.log_p_rbm1[k] == pytest.approx(log_p1, abs=1e-10)
        assert B.bound[k] == pytest.approx(bound, abs=1e-10)
        assert B.log_p_dbn[k] == pytest.approx(log_p_dbn, abs=1e-10)
    assert (B.bound <= B.log_p_dbn + 1e-12).all()  # a lower bound on the two-layer model's log p(v)


def test_bound_is_tight_when_the_second_rbm_is_the_transpose():
    rbm1 = random_rbm(12, 8, 7, scale=1.5)
    V = all_states(12)[::37]
    B = dbn_bound.variational_bound(rbm1, dbn_bound.transpose(rbm1), V)
    np.testing.assert_allclose(B.bound, B.log_p_rbm1, rtol=0, atol=1e-10)
    np.testing.assert_allclose(B.log_p_dbn, B.log_p_rbm1, rtol=0, atol=1e-10)
    # and log p1(v) itself is right: the exact p(v) sums to one over all 2^12 states
    all_log_p = dbn_bound.variational_bound(rbm1, dbn_bound.transpose(rbm1), all_states(12)).log_p_rbm1
    assert logsumexp(all_log_p) == pytest.approx(0.0, abs=1e-10)


def test_best_prior_bound_is_the_bound_with_the_aggregated_posterior_as_prior():
    rng = np.random.default_rng(0)
    X = (rng.random((12, 5)) < 0.5).astype(float)
    r1 = RBM.random(5, 3, seed=1, sigma=1.0, dtype=np.float64)
    q = dbn_bound.aggregated_posterior(r1, X)
    assert q.sum() == pytest.approx(1.0)
    # brute force: the bound's terms with log p2 replaced by log q, row by row
    Q = dbn_bound.posterior_table(r1, X)
    want = np.mean([Q[n] @ (np.log(q) + dbn_bound.log_p_v_given_h_all(r1, X[n:n + 1])[0]) - Q[n] @ np.log(Q[n])
                    for n in range(len(X))])
    assert dbn_bound.best_prior_bound(r1, X) == pytest.approx(want, abs=1e-9)


def test_training_the_second_layer_raises_the_bound_above_the_one_layer_likelihood():
    X = load("bars4").X_train  # 16 visible units: every state can be listed
    run = greedy_bound.bound_experiment(X, n_h=8, steps1=2000, steps2=600, every=200, rng=0)
    first, last = run.history[0], run.history[-1]
    assert first["bound"] == pytest.approx(first["log_p_rbm1"], abs=1e-10)  # transposed start: tight
    assert last["bound"] > last["log_p_rbm1"] + 0.5  # each added layer improves the bound
    assert last["log_p_dbn"] >= last["bound"]
    assert run.steps == [0, 200, 400, 600]


def test_exact_rule_raises_the_bound_at_every_checkpoint():
    """The guarantee's conditions: W2 starts at W1^T (bound tight) and RBM 2 improves its
    likelihood of the aggregated posterior (here: exact gradient ascent)."""
    X = load("bars4").X_train
    exact_run = greedy_bound.bound_experiment(X, n_h=8, steps1=2000, steps2=200, every=20, rng=0, rule="exact")
    first, last = exact_run.history[0], exact_run.history[-1]
    assert first["bound"] == pytest.approx(first["log_p_rbm1"], abs=1e-9)
    assert greedy_bound.falls(exact_run.history) == 0 and last["bound"] > first["bound"] + 0.1
    # the count is of real falls: a made-up history with two drops gives 2
    assert greedy_bound.falls([{"bound": b} for b in (1.0, 0.5, 0.7, 0.6, 0.9)]) == 2
    # no RBM 2 can beat p2 = aggregated posterior, and that ceiling is above where the run got to
    ceiling = dbn_bound.best_prior_bound(exact_run.rbm1, X)
    assert last["bound"] <= ceiling + 1e-9
    B = dbn_bound.variational_bound(exact_run.rbm1, exact_run.rbm2, X)
    assert B.means()["bound"] == pytest.approx(last["bound"])
    with pytest.raises(ValueError):
        greedy_bound.bound_experiment(X, n_h=8, steps2=10, rule="newton")
