"""Deep belief nets: greedy stacking hands the aggregated posterior up, generation runs top-down,
and the variational bound is checked against brute-force enumeration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.datasets import load
from pgmviz.models import dbn
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.training.train import TrainSettings

FAST = TrainSettings(lr=0.1, momentum=0.5, batch_size=20, seed=0)


def random_rbm(n_v: int, n_h: int, seed: int, scale: float = 1.0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))


@pytest.fixture(scope="module")
def X_small() -> np.ndarray:
    return (np.random.default_rng(0).random((60, 12)) < 0.3).astype(np.float32)


# ------------------------------------------------------------------ greedy stacking
def test_layer_two_trains_on_the_layer_one_posterior_not_the_data(X_small):
    g = dbn.GreedyTrainer([12, 6, 4], X_small, FAST, propagate="probabilities")
    g.run(30, with_metrics=False)
    rbm1 = g.trainer.rbm.copy()
    g.next_layer()
    assert g.layer == 1 and g.trainer.rbm.n_v == 6
    np.testing.assert_allclose(g.layer_data(1), rbm1.p_h_given_v(X_small), rtol=1e-6)
    np.testing.assert_allclose(g.trainer.X_train, rbm1.p_h_given_v(X_small), rtol=1e-6)  # what it trains on
    np.testing.assert_array_equal(g.frozen[0].W, rbm1.W)  # layer 1 is frozen as it was


def test_sampled_propagation_hands_up_binary_states(X_small):
    g = dbn.GreedyTrainer([12, 6, 4], X_small, FAST, propagate="samples")
    g.run(10, with_metrics=False)
    g.next_layer()
    H = g.layer_data(1)
    assert set(np.unique(H)) <= {0.0, 1.0}
    P = g.frozen[0].p_h_given_v(X_small)
    assert np.all(H[P < 1e-6] == 0) and np.all(H[P > 1 - 1e-6] == 1)


def test_train_all_reports_progress_and_builds_the_stack(X_small):
    seen = []
    g = dbn.GreedyTrainer([12, 6, 4], X_small, FAST)
    net = g.train_all([40, 20], slice_updates=20, progress=lambda l, snap: seen.append((l, snap.step)))
    assert seen == [(0, 20), (0, 40), (1, 20)]
    assert g.done and net.sizes == [12, 6, 4] and len(g.seconds) == 2


def test_up_pass_and_generation_shapes():
    net = dbn.DBN([random_rbm(12, 6, 1), random_rbm(6, 5, 2), random_rbm(5, 3, 3)])
    layers = net.up_pass(np.ones((7, 12)))
    assert [x.shape for x in layers] == [(7, 12), (7, 6), (7, 5), (7, 3)]
    np.testing.assert_allclose(layers[1], net.rbms[0].p_h_given_v(np.ones((7, 12))))
    gen = net.generate(T=5, n=9, rng=0)
    assert [x.shape for x in gen] == [(9, 12), (9, 6), (9, 5), (9, 3)]
    assert ((gen[0] > 0) & (gen[0] < 1)).all()  # the data layer as probabilities p(v|h1)
    assert set(np.unique(gen[1])) <= {0.0, 1.0}
    np.testing.assert_array_equal(net.generate(5, 9, rng=4)[0], net.generate(5, 9, rng=4)[0])
    with pytest.raises(ValueError):
        dbn.DBN([random_rbm(12, 6, 1), random_rbm(5, 3, 3)])


def test_generation_is_the_top_down_pass_of_the_top_rbm_samples():
    net = dbn.DBN([random_rbm(8, 4, 1), random_rbm(4, 3, 2)])
    gen = net.generate(T=0, n=5, rng=0)
    np.testing.assert_allclose(gen[0], net.rbms[0].p_v_given_h(gen[1]))  # p(v | h1) of the bottom RBM


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
    B = dbn.variational_bound(rbm1, rbm2, V)
    for k, v in enumerate(V):
        log_p1, bound, log_p_dbn = brute_force_bound(rbm1, rbm2, v)
        assert B.log_p_rbm1[k] == pytest.approx(log_p1, abs=1e-10)
        assert B.bound[k] == pytest.approx(bound, abs=1e-10)
        assert B.log_p_dbn[k] == pytest.approx(log_p_dbn, abs=1e-10)
    assert (B.bound <= B.log_p_dbn + 1e-12).all()  # a lower bound on the two-layer model's log p(v)


def test_bound_is_tight_when_the_second_rbm_is_the_transpose():
    rbm1 = random_rbm(12, 8, 7, scale=1.5)
    V = all_states(12)[::37]
    B = dbn.variational_bound(rbm1, dbn.transpose(rbm1), V)
    np.testing.assert_allclose(B.bound, B.log_p_rbm1, rtol=0, atol=1e-10)
    np.testing.assert_allclose(B.log_p_dbn, B.log_p_rbm1, rtol=0, atol=1e-10)
    # and log p1(v) itself is right: the exact p(v) sums to one over all 2^12 states
    all_log_p = dbn.variational_bound(rbm1, dbn.transpose(rbm1), all_states(12)).log_p_rbm1
    assert logsumexp(all_log_p) == pytest.approx(0.0, abs=1e-10)


def test_training_the_second_layer_raises_the_bound_above_the_one_layer_likelihood():
    X = load("bars4").X_train  # 16 visible units: every state can be listed
    run = dbn.bound_experiment(X, n_h=8, steps1=2000, steps2=600, every=200, rng=0)
    first, last = run.history[0], run.history[-1]
    assert first["bound"] == pytest.approx(first["log_p_rbm1"], abs=1e-10)  # transposed start: tight
    assert last["bound"] > last["log_p_rbm1"] + 0.5  # each added layer improves the bound
    assert last["log_p_dbn"] >= last["bound"]
    assert run.steps == [0, 200, 400, 600]


def test_exact_rule_raises_the_bound_at_every_checkpoint():
    """The guarantee's conditions: W2 starts at W1^T (bound tight) and RBM 2 improves its
    likelihood of the aggregated posterior (here: exact gradient ascent)."""
    X = load("bars4").X_train
    exact_run = dbn.bound_experiment(X, n_h=8, steps1=2000, steps2=200, every=20, rng=0, rule="exact")
    first, last = exact_run.history[0], exact_run.history[-1]
    assert first["bound"] == pytest.approx(first["log_p_rbm1"], abs=1e-9)
    assert dbn.falls(exact_run.history) == 0 and last["bound"] > first["bound"] + 0.1
    # the count is of real falls: a made-up history with two drops gives 2
    assert dbn.falls([{"bound": b} for b in (1.0, 0.5, 0.7, 0.6, 0.9)]) == 2
    # no RBM 2 can beat p2 = aggregated posterior, and that ceiling is above where the run got to
    ceiling = dbn.best_prior_bound(exact_run.rbm1, X)
    assert last["bound"] <= ceiling + 1e-9
    assert dbn.variational_bound(exact_run.rbm1, exact_run.rbm2, X).means()["bound"] == pytest.approx(last["bound"])
    with pytest.raises(ValueError):
        dbn.bound_experiment(X, n_h=8, steps2=10, rule="newton")


def test_best_prior_bound_is_the_bound_with_the_aggregated_posterior_as_prior():
    rng = np.random.default_rng(0)
    X = (rng.random((12, 5)) < 0.5).astype(float)
    r1 = RBM.random(5, 3, seed=1, sigma=1.0, dtype=np.float64)
    q = dbn.aggregated_posterior(r1, X)
    assert q.sum() == pytest.approx(1.0)
    # brute force: the bound's terms with log p2 replaced by log q, row by row
    Q = dbn.posterior_table(r1, X)
    want = np.mean([Q[n] @ (np.log(q) + dbn.log_p_v_given_h_all(r1, X[n:n + 1])[0]) - Q[n] @ np.log(Q[n])
                    for n in range(len(X))])
    assert dbn.best_prior_bound(r1, X) == pytest.approx(want, abs=1e-9)


def test_a_falling_rate_falls_over_each_layers_updates(X_small):
    from pgmviz.training.protocol import Budget

    falling = TrainSettings(lr=0.1, momentum=0.5, batch_size=20, seed=0, sampler="pcd", lr_floor=0.02)
    g = dbn.GreedyTrainer([12, 6, 4], X_small, [FAST, falling], updates_per_layer=[20, 40])
    assert g.run(Budget(updates=20)).finished and g.trainer.lr_now == 0.1  # layer 1: constant rate
    g.next_layer()
    g.run(Budget(updates=10))
    assert g.trainer.planned_updates == 40 and g.trainer.lr_now == pytest.approx(0.1 * 30 / 40)
    g.updates_per_layer = [20, 20]  # the plan can change mid-layer (a page's control): the rate follows it
    g.run(Budget(updates=5))
    assert g.trainer.lr_now == pytest.approx(0.1 * 5 / 20)
    assert g.run(Budget(updates=100)).finished and g.trainer.lr_now == pytest.approx(0.1 * 0.02)
