"""Negative phases and the Trainer: learning raises the exact likelihood; bad settings are caught."""

import itertools

import numpy as np
import pytest

from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_likelihood_exact
from pgmviz.training.negative import CD, PCD, make_negative_phase
from pgmviz.training.train import Trainer, TrainSettings, pseudo_log_likelihood
from tests.unit.exact import joint, random_rbm, states


def bars_and_stripes_3x3():
    pats = set()
    for bits in itertools.product([0, 1], repeat=3):
        img = np.repeat(np.array(bits)[:, None], 3, 1)
        pats.add(tuple(img.ravel()))
        pats.add(tuple(img.T.ravel()))
    return np.array(sorted(pats), float)


@pytest.mark.parametrize("sampler", ["cd", "pcd"])
def test_learning_raises_the_exact_log_likelihood(sampler):
    X = bars_and_stripes_3x3()  # 14 patterns: the best possible mean log p(v) is -log 14 = -2.64
    r = RBM.random(9, 8, seed=0, data=X, sigma=0.1, dtype=np.float64)
    start = log_likelihood_exact(r, X)
    t = Trainer(r, X, X, TrainSettings(lr=0.1, weight_decay=0, batch_size=14, sampler=sampler, seed=0))
    snap = t.run(2000)
    assert snap.metrics["ll_train"] == pytest.approx(log_likelihood_exact(t.rbm, X))
    assert start < -6 and snap.metrics["ll_train"] > -3.6, (start, snap.metrics["ll_train"])


def test_same_seed_same_training():
    X = bars_and_stripes_3x3()
    runs = []
    for seed in (0, 0, 1):
        r = RBM.random(9, 4, seed=0, data=X)
        t = Trainer(r, X, settings=TrainSettings(batch_size=5, sampler="pcd", seed=seed))
        t.run(50, with_metrics=False)
        runs.append(t.rbm.W)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_one_cd_update_is_the_documented_rule():
    """lr * (<vh>_data - <vh>_recon - wd W) with the negative samples the phase returns."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (4, 5)).astype(float)
    r = random_rbm(rng, 5, 3)
    s = TrainSettings(lr=0.3, momentum=0.0, weight_decay=0.01, batch_size=4, seed=7)
    t = Trainer(r.copy(), X, settings=s)
    # replay the trainer's randomness: the batch order, then the CD draws
    replay = np.random.default_rng(7)
    order = replay.permutation(4)
    V_pos = X[order]
    P_pos = r.p_h_given_v(V_pos)
    V_neg, P_neg = CD(k=1).negative(r, V_pos, P_pos, replay)
    t.update()
    expected_W = r.W + 0.3 * ((V_pos.T @ P_pos - V_neg.T @ P_neg) / 4 - 0.01 * r.W)
    np.testing.assert_allclose(t.rbm.W, expected_W, rtol=1e-12)
    np.testing.assert_allclose(t.rbm.c, r.c + 0.3 * (P_pos.mean(0) - P_neg.mean(0)), rtol=1e-12)


def test_pcd_chains_persist_between_updates():
    X = bars_and_stripes_3x3()
    r = RBM.random(9, 4, seed=0, data=X)
    pcd = PCD(k=1, n_chains=7)
    rng = np.random.default_rng(0)
    V1, _ = pcd.negative(r, X, r.p_h_given_v(X), rng)
    assert V1.shape == (7, 9) and pcd.particles is V1
    V2, _ = pcd.negative(r, X, r.p_h_given_v(X), rng)
    assert pcd.particles is V2 and V2.shape == (7, 9)


def test_divergence_is_caught_and_the_model_kept():
    X = bars_and_stripes_3x3()
    r = RBM.random(9, 8, seed=0, data=X)
    t = Trainer(r, X, settings=TrainSettings(lr=1e6, batch_size=14))
    before = t.rbm.copy()
    snap = t.run(100)
    assert snap.diverged and "learning rate" in snap.diverged
    assert t.rbm.is_finite()
    np.testing.assert_array_equal(t.rbm.W, before.W)
    assert t.run(10).step == snap.step  # a diverged trainer does nothing more


def test_free_energy_gap_grows_with_overfitting():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (60, 16)).astype(float)
    train, test = X[:20], X[20:]
    r = RBM.random(16, 32, seed=0, data=train, dtype=np.float64)
    t = Trainer(r, train, test, TrainSettings(lr=0.1, weight_decay=0, batch_size=10, sampler="pcd"))
    first = t.run(1)
    last = t.run(3000)
    assert last.metrics["free_energy_gap"] > first.metrics["free_energy_gap"] + 1.0
    assert last.metrics["ll_train"] > last.metrics["ll_test"] + 1.0


def test_pseudo_log_likelihood_all_bits_matches_exact_conditionals():
    r = random_rbm(np.random.default_rng(1), 4, 3)
    V, _, P = joint(r)
    p_v = P.sum(axis=1)
    v_idx = 5
    exact = 0.0
    for i in range(4):
        flipped = V[v_idx].copy()
        flipped[i] = 1 - flipped[i]
        j = int(flipped @ (2 ** np.arange(3, -1, -1)))
        exact += np.log(p_v[v_idx] / (p_v[v_idx] + p_v[j]))
    one_bit = [pseudo_log_likelihood(r, V[[v_idx]], bits=np.array([i])) for i in range(4)]
    assert np.mean(one_bit) == pytest.approx(exact, rel=1e-10)


def test_bad_settings_and_data_are_refused():
    with pytest.raises(ValueError, match="lr"):
        TrainSettings(lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        TrainSettings(momentum=1.5)
    with pytest.raises(ValueError, match="unknown negative phase"):
        make_negative_phase("magic")
    with pytest.raises(ValueError, match="shape"):
        Trainer(RBM.random(4, 2), states(5))
    assert isinstance(make_negative_phase("pcd", k=3, n_chains=9, lr=1), PCD)


def test_momentum_step_kernel_matches_numpy_and_flags_non_finite():
    from pgmviz.sampling import kernels

    rng = np.random.default_rng(0)
    # the peak and a bad value at the start, the middle or the end of the 35 weights
    for dtype, where in itertools.product((np.float32, np.float64), [(0, 0), (3, 2), (6, 4)]):
        W, dW, g = (rng.normal(size=(7, 5)).astype(dtype) for _ in range(3))
        W[where] = 50.0  # the largest |W + dW|
        expected_dW = 0.5 * dW + 0.1 * (g - 0.01 * W)
        peak = kernels.momentum_step(W, dW, g, dtype(0.1), dtype(0.5), dtype(0.01))
        np.testing.assert_allclose(dW, expected_dW, rtol=1e-6)
        assert peak == pytest.approx(np.abs(W + expected_dW).max(), rel=1e-6)
        assert peak == pytest.approx(abs(W[where] + expected_dW[where]), rel=1e-6)
        assert peak == np.abs(W + expected_dW).max()  # the same arithmetic, so the same bits
        for bad in (np.nan, -np.nan, np.copysign(np.nan, -1.0), np.inf, -np.inf):
            W_bad = W.copy()
            W_bad[where] = bad
            assert kernels.momentum_step(W_bad, dW.copy(), g, dtype(0.1), dtype(0.5), dtype(0.01)) == np.inf
            g_bad = g.copy()
            g_bad[where] = bad
            assert kernels.momentum_step(W, dW.copy(), g_bad, dtype(0.1), dtype(0.5), dtype(0.01)) == np.inf
        # the largest finite float is a peak, not a divergence (its bits sit just below inf's)
        big = np.full((1, 3), np.finfo(dtype).max, dtype)
        zero = np.zeros_like(big)
        assert kernels.momentum_step(big, zero.copy(), zero, dtype(0.1), dtype(0.0), dtype(0.0)) == np.finfo(dtype).max
        assert kernels.momentum_step(-big, zero.copy(), zero, dtype(0.1), dtype(0.0), dtype(0.0)) == np.finfo(dtype).max


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_momentum_apply_is_the_step_and_its_application_bit_for_bit_and_keeps_the_old_weights(dtype):
    """momentum_apply = momentum_step then W += dW, same bits; grad's buffer ends holding the old W; peak as before."""
    from pgmviz.sampling import kernels

    rng = np.random.default_rng(5)
    W, dW, g = (rng.normal(size=(9, 13)).astype(dtype) for _ in range(3))
    W[4, 7] = -60.0  # the largest |W + dW|
    args = (dtype(0.1), dtype(0.5), dtype(0.01))
    W_ref, dW_ref = W.copy(), dW.copy()
    peak_ref = kernels.momentum_step(W_ref, dW_ref, g, *args)
    W_ref += dW_ref
    W_new, dW_new, g_new = W.copy(), dW.copy(), g.copy()
    peak = kernels.momentum_apply(W_new, dW_new, g_new, *args)
    assert peak == peak_ref == np.abs(W_ref).max()
    assert np.array_equal(W_new, W_ref) and np.array_equal(dW_new, dW_ref) and np.array_equal(g_new, W)
    for bad in (np.nan, np.inf, -np.inf):  # a non-finite step reads inf, and the old weights are still there
        g_bad = g.copy()
        g_bad[2, 3] = bad
        W_bad = W.copy()
        assert kernels.momentum_apply(W_bad, dW.copy(), g_bad, *args) == np.inf
        assert np.array_equal(g_bad, W) and not np.isfinite(W_bad[2, 3])
    with pytest.raises(ValueError, match="C-contiguous"):  # it writes through flat views: a strided W would be lost
        kernels.momentum_apply(W.T, dW.T.copy(), g.T.copy(), *args)


def test_a_falling_rate_follows_the_documented_schedule():
    s = TrainSettings(lr=0.1, lr_floor=0.02)
    assert s.lr_at(0, 1000) == 0.1 and s.lr_at(500, 1000) == pytest.approx(0.05)
    assert s.lr_at(990, 1000) == pytest.approx(0.002)  # 1 - 0.99 is below the floor: 2% of lr
    assert s.lr_at(990) == 0.1 and TrainSettings(lr=0.1).lr_at(990, 1000) == 0.1  # no plan / no floor: constant
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="lr_floor"):
            TrainSettings(lr_floor=bad)


def test_a_falling_rate_is_the_rate_each_update_uses():
    """Two updates planned, floor 0.5: the second step is the constant-rate step at half the rate."""
    X = bars_and_stripes_3x3()
    r = RBM.random(9, 4, seed=0, data=X, dtype=np.float64)
    base = dict(lr=0.1, momentum=0.0, weight_decay=0, batch_size=7, sampler="pcd", seed=0)
    falling = Trainer(r.copy(), X, settings=TrainSettings(**base, lr_floor=0.5), planned_updates=2)
    by_hand = Trainer(r.copy(), X, settings=TrainSettings(**base))
    assert falling.lr_now == 0.1
    falling.run(1), by_hand.run(1)
    np.testing.assert_array_equal(falling.rbm.W, by_hand.rbm.W)
    assert falling.lr_now == pytest.approx(0.05)
    by_hand.settings.lr = 0.05
    falling.run(1), by_hand.run(1)
    np.testing.assert_allclose(falling.rbm.W, by_hand.rbm.W, rtol=0, atol=1e-15)
    constant = Trainer(r.copy(), X, settings=TrainSettings(**base))
    constant.run(2)
    assert np.abs(constant.rbm.W - falling.rbm.W).max() > 1e-6  # the schedule changed the second step
