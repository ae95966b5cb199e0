"""The deep Boltzmann machine (pgmviz.models.dbm), its training (pgmviz.training.dbm_train) and the
DBM-vs-DBN comparisons (pgmviz.evaluation.dbm_vs_dbn) against brute-force enumeration in numpy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz import datasets
from pgmviz.evaluation import dbm_vs_dbn as cmp
from pgmviz.models.dbm import DBM
from pgmviz.models.dbn import DBN
from pgmviz.models.rbm import RBM
from pgmviz.training.dbm_pretrain import cd1_doubled, compose, pretrain
from pgmviz.training.dbm_train import DBMSettings, DBMTrainer, DBNTwin, dbn_log_p_v, exact_gradient, side_by_side
from pgmviz.training.protocol import Budget
from pgmviz.training.train import TrainSettings


def states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def random_dbm(seed: int = 0, sizes=(4, 3, 2), scale: float = 1.0) -> DBM:
    rng = np.random.default_rng(seed)
    n_v, n_h1, n_h2 = sizes
    return DBM(rng.normal(0, scale, (n_v, n_h1)), rng.normal(0, scale, (n_h1, n_h2)), rng.normal(0, scale, n_v),
               rng.normal(0, scale, n_h1), rng.normal(0, scale, n_h2))


def neg_energy_cube(m: DBM) -> np.ndarray:
    """-E[v, h1, h2] for every joint state, from the energy written out here (not the library's)."""
    V, H1, H2 = states(m.sizes[0]), states(m.sizes[1]), states(m.sizes[2])
    return ((V @ m.b)[:, None, None] + (H1 @ m.c1)[None, :, None] + (H2 @ m.c2)[None, None, :]
            + (V @ m.W1 @ H1.T)[:, :, None] + (H1 @ m.W2 @ H2.T)[None, :, :])


def test_energy_is_the_formula_and_the_bipartite_rbms():
    m = random_dbm(1)
    cube = neg_energy_cube(m)
    V, H1, H2 = states(4), states(3), states(2)
    idx = [(a, j, k) for a in range(16) for j in range(8) for k in range(4)]
    Vs, H1s, H2s = (np.array([S[t[i]] for t in idx]) for i, S in enumerate((V, H1, H2)))
    want = np.array([-cube[t] for t in idx])
    assert np.allclose(m.energy(Vs, H1s, H2s), want)
    assert np.allclose(m.as_rbm().energy(np.hstack([Vs, H2s]), H1s), want)  # odd layers vs even layers


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_log_likelihood_equals_brute_force(seed):
    m = random_dbm(seed, sizes=(5, 3, 4), scale=1.5)
    cube = neg_energy_cube(m)
    log_Z = logsumexp(cube)
    assert m.log_Z() == pytest.approx(log_Z, abs=1e-10)
    log_p_v = logsumexp(cube, axis=(1, 2)) - log_Z
    assert np.allclose(m.log_p_v(states(5)), log_p_v, atol=1e-10)
    assert np.exp(m.log_p_v(states(5))).sum() == pytest.approx(1.0, abs=1e-10)
    X = states(5)[[0, 3, 3, 17, 31]]
    assert m.log_likelihood(X) == pytest.approx(log_p_v[[0, 3, 3, 17, 31]].mean(), abs=1e-10)


def test_exact_posterior_over_h1_equals_brute_force_and_depends_on_W2():
    m = random_dbm(3, scale=1.5)
    cube = neg_energy_cube(m)
    joint_v_h1 = logsumexp(cube, axis=2)  # h2 summed out
    want = np.exp(joint_v_h1 - logsumexp(joint_v_h1, axis=1, keepdims=True))  # (2^n_v, 2^n_h1)
    assert np.allclose(m.posterior_h1_table(states(4)), want, atol=1e-12)
    assert np.allclose(m.p_h1_given_v(states(4)), want @ states(3), atol=1e-12)
    # another layer above: the DBM's posterior moves; with none, it is the factorial sigmoid(c1 + v W1)
    other = m.with_W2(np.random.default_rng(9).normal(0, 1.5, m.W2.shape))
    assert np.abs(other.p_h1_given_v(states(4)) - m.p_h1_given_v(states(4))).max() > 0.05
    cut = m.with_W2(0 * m.W2)
    assert np.allclose(cut.p_h1_given_v(states(4)), 1 / (1 + np.exp(-(states(4) @ m.W1 + m.c1))), atol=1e-12)


def test_dbn_recognition_does_not_depend_on_the_layer_above():
    rng = np.random.default_rng(4)
    r1 = RBM(rng.normal(0, 1, (4, 3)), rng.normal(0, 1, 4), rng.normal(0, 1, 3))
    r2, r2b = (RBM(rng.normal(0, 2, (3, 2)), rng.normal(0, 1, 3), rng.normal(0, 1, 2)) for _ in range(2))
    V = states(4)
    assert np.array_equal(DBN([r1, r2]).up_pass(V)[1], DBN([r1, r2b]).up_pass(V)[1])
    m = random_dbm(5, scale=1.5)
    scan = cmp.h1_posterior_vs_scale(m, DBN([r1, r2]), V[5], np.linspace(0, 2, 5))
    assert scan.dbn_range == 0.0 and scan.dbm_range > 0.05
    assert np.allclose(scan.dbm[2], m.p_h1_given_v(V[5])[0])  # s = 1: the DBM as it is
    assert np.allclose(scan.dbm[0], 1 / (1 + np.exp(-(V[5] @ m.W1 + m.c1))))  # s = 0: nothing from above
    # the DBN's true posterior p(h1 | v) ∝ p2(h1) p(v | h1) does depend on the top RBM, brute force at s = 1:
    H1, H2 = states(3), states(2)
    log_p2 = logsumexp((H1 @ r2.b)[:, None] + H1 @ r2.W @ H2.T + (H2 @ r2.c)[None, :], axis=1)
    p_v_h1 = np.prod(np.where(V[5] == 1, 1 / (1 + np.exp(-(H1 @ r1.W.T + r1.b))),
                              1 / (1 + np.exp(H1 @ r1.W.T + r1.b))), axis=1)
    post = np.exp(log_p2) * p_v_h1
    assert np.allclose(scan.dbn_exact[2], post / post.sum() @ H1)
    assert scan.dbn_exact_range > 0.05


def test_mean_field_reaches_a_fixed_point_of_its_equations():
    m = random_dbm(6, sizes=(6, 4, 3), scale=1.0)
    V = states(6)[::7]
    mf = m.mean_field(V, n_iter=500, tol=1e-12)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    assert np.allclose(mf.mu1, sig(m.c1 + V @ m.W1 + mf.mu2 @ m.W2.T), atol=1e-10)
    assert np.allclose(mf.mu2, sig(m.c2 + mf.mu1 @ m.W2), atol=1e-10)
    assert mf.moved <= 1e-12 and mf.iterations < 500
    # weak couplings: mean field's mu1 is close to the exact marginals
    weak = random_dbm(7, sizes=(6, 4, 3), scale=0.1)
    assert np.abs(weak.mean_field(V).mu1 - weak.p_h1_given_v(V)).max() < 1e-3


def test_gibbs_over_all_layers_samples_the_model():
    m = random_dbm(8, sizes=(3, 2, 2), scale=1.0)
    V, _, H2 = m.gibbs(np.zeros((2000, 3)), np.zeros((2000, 2)), k=30, rng=0)
    counts = np.bincount((V @ [4, 2, 1]).astype(int), minlength=8) / 2000
    exact = np.exp(m.log_p_v(states(3)))
    assert 0.5 * np.abs(counts - exact).sum() < 0.04  # TV; 2000 chains: sampling error about 0.02
    pics, H1, H2 = m.sample(5, 3, rng=1)
    assert pics.shape == (5, 3) and H1.shape == (5, 2) and set(np.unique(H2)) <= {0.0, 1.0}


def test_dbn_log_p_v_equals_brute_force():
    rng = np.random.default_rng(10)
    r1 = RBM(rng.normal(0, 1, (4, 3)), rng.normal(0, 1, 4), rng.normal(0, 1, 3))
    r2 = RBM(rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3), rng.normal(0, 1, 2))
    H1, H2, V = states(3), states(2), states(4)
    log_p2 = logsumexp((H1 @ r2.b)[:, None] + H1 @ r2.W @ H2.T + (H2 @ r2.c)[None, :], axis=1)
    log_p2 -= logsumexp(log_p2)
    A = H1 @ r1.W.T + r1.b  # (2^3, 4)
    log_lik = V @ np.log(1 / (1 + np.exp(-A))).T + (1 - V) @ np.log(1 / (1 + np.exp(A))).T
    want = logsumexp(log_lik + log_p2[None, :], axis=1)
    assert np.allclose(dbn_log_p_v(DBN([r1, r2]), V), want, atol=1e-10)
    assert cmp.data_mass(DBN([r1, r2]), V) == pytest.approx(1.0, abs=1e-10)
    assert cmp.data_mass(random_dbm(1), states(4)) == pytest.approx(1.0, abs=1e-10)
    m = random_dbm(1)
    assert cmp.data_mass(m, states(4)[[0, 2, 2]]) == pytest.approx(np.exp(m.log_p_v(states(4)[[0, 2]])).sum())


def test_fraction_in():
    X = np.array([[0, 1], [1, 1]], dtype=float)
    assert cmp.fraction_in(np.array([[0, 1], [0, 0], [1, 1], [1, 1]]), X) == 0.75


@pytest.mark.slow
def test_training_raises_the_exact_log_likelihood():
    X = datasets.load("bars3").X_train
    t = DBMTrainer(DBM.random(9, 6, 4, seed=0, data=X), X, DBMSettings(lr=0.1, batch_size=7, n_chains=50))
    before = t.run(Budget(updates=0)).snapshot.metrics["ll"]  # -6.2 nats; the best is -log 14 = -2.64
    after = t.run(Budget(updates=2000)).snapshot.metrics["ll"]  # measured -3.65 (seed 1: -4.66)
    assert t.step == 2000 and after > before + 1.5, (before, after)


def test_side_by_side_gives_both_the_same_updates():
    X = datasets.load("bars3").X_train
    pair = side_by_side(X, [9, 5, 3], updates=40, seed=1)
    dbm_t, twin = pair.trainers
    assert [h["step"] for h in twin.history] == [h["step"] for h in dbm_t.history] == [0]  # the untrained pair
    pair.run(Budget(updates=25))
    assert dbm_t.step == twin.step == 25 and twin.greedy.layer == 1  # layer 1 had its 20, layer 2 has 5
    p = pair.run(Budget(updates=100))
    assert p.finished and dbm_t.step == twin.step == pair.step == 40
    assert twin.history[-1]["ll"] == pytest.approx(dbn_log_p_v(twin.net(), X).mean())
    assert dbm_t.history[-1]["ll"] == pytest.approx(dbm_t.dbm.log_likelihood(X))


def test_a_wild_learning_rate_diverges_and_keeps_the_model():
    X = datasets.load("bars3").X_train
    t = DBMTrainer(DBM.random(9, 5, 3, seed=0, data=X), X, DBMSettings(lr=1e6, momentum=0.0, batch_size=14))
    before = t.dbm.copy()
    t.run(Budget(updates=50))
    assert t.diverged and "lower the learning rate" in t.diverged
    assert t.dbm.is_finite() and np.isfinite(t.dbm.log_likelihood(X))
    assert t.step < 50 and (t.step > 0 or np.array_equal(before.W1, t.dbm.W1))


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="W2 must have shape"):
        DBM(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros(3), np.zeros(2), np.zeros(2))
    m = random_dbm(0)
    with pytest.raises(ValueError, match="visible data"):
        m.log_p_v(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="at most 16"):
        DBM.random(3, 2, 20).log_p_v(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="invalid DBM settings"):
        DBMSettings(lr=-1)
    with pytest.raises(ValueError, match="two hidden layers"):
        DBNTwin([4, 3], np.zeros((2, 4)), TrainSettings(), 10)


def test_draw_samples_are_seeded_binary_draws_of_their_pictures():
    X = datasets.load("bars3").X_train
    pair = side_by_side(X, [9, 5, 3], updates=40, seed=1)
    pair.run(Budget(updates=40))
    model, net = pair.trainers[0].dbm, pair.trainers[1].net()
    a, b = cmp.draw_samples(model, net, 50, 5, rng=3), cmp.draw_samples(model, net, 50, 5, rng=3)
    assert np.array_equal(a.dbm_binary, b.dbm_binary) and np.array_equal(a.dbn_pictures, b.dbn_pictures)
    for pics, binary in ((a.dbm_pictures, a.dbm_binary), (a.dbn_pictures, a.dbn_binary)):
        assert pics.shape == binary.shape == (50, 9) and set(np.unique(binary)) <= {0.0, 1.0}
        assert ((pics > 0) & (pics < 1)).all()  # means p(v | h1), not states


def test_composed_dbm_averages_the_two_doubled_modules_inputs_to_h1():
    rng = np.random.default_rng(11)
    bottom = RBM(rng.normal(0, 1, (4, 3)), rng.normal(0, 1, 4), rng.normal(0, 1, 3))
    top = RBM(rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3), rng.normal(0, 1, 2))
    m = compose(bottom, top)
    V, H2 = states(4), rng.integers(0, 2, (16, 2)).astype(float)
    bottom_in = bottom.c + 2 * V @ bottom.W  # what the bottom module's doubled up-pass gave h1
    top_in = top.b + 2 * H2 @ top.W.T  # what the top module's doubled down-pass gave h1
    assert np.allclose(m.p_h1_given(V, H2), 1 / (1 + np.exp(-(bottom_in + top_in) / 2)))
    assert np.allclose(m.p_v_given_h1(H2[:, :1] @ np.ones((1, 3))), bottom.p_v_given_h(H2[:, :1] @ np.ones((1, 3))))
    assert np.allclose(m.p_h2_given_h1(states(3)), top.p_h_given_v(states(3)))
    with pytest.raises(ValueError, match="hidden units"):
        compose(bottom, RBM(np.zeros((2, 2)), np.zeros(2), np.zeros(2)))


def test_cd1_doubled_uses_the_doubled_input_it_is_given():
    X = datasets.load("bars3").X_train
    r0 = RBM(np.full((9, 2), 0.1), np.zeros(9), np.zeros(2))
    a = cd1_doubled(r0.copy(), X, 1, up=2.0, down=1.0, lr=1.0, momentum=0.0, batch_size=14, rng=0)
    # one full-batch step, written out: positive p(h|v) = sigmoid(2 v W); reconstruction from a sample of it
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 14, size=14)
    V = X[idx].astype(float)
    P = 1 / (1 + np.exp(-(2 * V @ r0.W)))
    Vn = 1 / (1 + np.exp(-((rng.random(P.shape) < P) @ r0.W.T)))
    Pn = 1 / (1 + np.exp(-(2 * Vn @ r0.W)))
    assert np.allclose(a.W, r0.W + (V.T @ P - Vn.T @ Pn) / 14)


@pytest.mark.slow
def test_pretraining_starts_the_dbm_higher_than_random_weights():
    X = datasets.load("bars3").X_train
    lls = [pretrain(X, [9, 6, 4], 1000, seed=s).log_likelihood(X) for s in (0, 1)]  # measured -4.96, -4.66
    random_start = DBM.random(9, 6, 4, seed=0, data=X).log_likelihood(X)  # -6.24: the pixels' marginals only
    assert min(lls) > random_start + 0.8, (lls, random_start)
    pair = side_by_side(X, [9, 6, 4], updates=10, pretrain_updates=1000, seed=0)
    assert pair.trainers[0].history[0]["ll"] == pytest.approx(lls[0])


def test_exact_gradient_equals_finite_differences_of_the_exact_log_likelihood():
    m = random_dbm(12, sizes=(4, 3, 2), scale=0.8)
    X = states(4)[[1, 5, 5, 9, 14]]
    grads = exact_gradient(m, X)
    eps = 1e-6
    for p, g in zip(m.params, grads):
        fd = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = m.log_likelihood(X)
            p[idx] = old - eps
            down = m.log_likelihood(X)
            p[idx] = old
            fd[idx] = (up - down) / (2 * eps)
        assert np.allclose(g, fd, atol=1e-7), (g, fd)


def test_the_trainer_s_update_estimates_the_exact_gradient():
    """Weak couplings: mean field is nearly exact (its neglected h1-h2 covariance is about |W2| / 16), and
    50,000 persistent chains after 30 sweeps are nearly at equilibrium (noise about 0.5 / sqrt(50,000))."""
    m = random_dbm(13, sizes=(4, 3, 2), scale=0.1)
    X = states(4)[[2, 7, 7, 11]]
    estimate = DBMTrainer(m, X, DBMSettings(n_chains=50_000, k=30, mean_field_iters=50, seed=0)).gradient(X)
    exact = exact_gradient(m, X)
    assert max(np.abs(e).max() for e in exact) > 0.1  # a gradient worth estimating
    for g, e in zip(exact, estimate):
        assert np.abs(g - e).max() < 0.015, (g, e)  # measured, seeds 0-3: W2 0.011 (mean field's bias), rest < 0.005
