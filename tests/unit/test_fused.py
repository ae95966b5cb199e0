"""The fused CD/PCD kernel: its exp and sigmoid, its stream replayed, its draws against numpy and exact expectations."""

import numpy as np
import pytest
from scipy import stats

from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM
from pgmviz.sampling import fused
from pgmviz.sampling.fused import DRAW_ONLY, PROB_ONLY, SAMPLE, FusedDraws, fused_layer
from pgmviz.sampling.partition import all_states, log_likelihood_exact, log_p_v_all
from pgmviz.training.negative import CD, NEGATIVE_PHASES
from pgmviz.training.train import Trainer, TrainSettings, stream_for


def _run(X, bias, mode=SAMPLE, seed=3, call=0, parallel=False):
    P, S = np.empty_like(X), np.empty_like(X)
    fused_layer(X, bias, P, S, seed, call, mode, parallel)
    return P, S


def test_sigmoid_within_a_few_float32_ulps_of_float64():
    x = np.linspace(-90, 90, 400_000).astype(np.float32).reshape(1000, -1)
    P, _ = _run(x, np.zeros(x.shape[1], np.float32), PROB_ONLY)
    ref = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert P.dtype == np.float32 and np.isfinite(P).all()
    assert np.abs(P - ref).max() < 2e-7  # absolute: what a uniform compare sees
    live = x > -80  # below, exp(-x) is clamped at e^88 and p ~ 1e-38 stands in for ~1e-39
    assert np.abs(P[live] / ref[live] - 1).max() < 6e-7  # about 5 ulp of float32, relative, over 35 decades


def test_float64_sigmoid_is_libm_exact():
    x = np.random.default_rng(0).normal(0, 10, (50, 33))
    b = np.random.default_rng(1).normal(0, 1, 33)
    P, _ = _run(x, b, PROB_ONLY)
    assert np.allclose(P, 1 / (1 + np.exp(-(x + b))), rtol=1e-15, atol=0)


# ---------------------------------------------------------------- the stream, replayed in Python
_MASK = (1 << 64) - 1
_G, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(z):
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _replay_uniforms(n, m, seed, call, two):
    base = _mix((seed * _G + call * _M1 + 1) & _MASK)
    U = np.empty((n, m))
    for r in range(n):
        state = _mix(base ^ ((r * _M2) & _MASK))
        for j in range(m):
            w = j // 2 if two else j
            z = _mix((state + (w + 1) * _G) & _MASK)
            if not two:
                U[r, j] = (z >> 11) * 2.0**-53
            else:
                U[r, j] = ((z >> 40) if j % 2 == 0 else ((z >> 8) & 0xFFFFFF)) * 2.0**-24
    return U


@pytest.mark.parametrize("dtype,two", [(np.float32, True), (np.float64, False)])
def test_draws_equal_a_python_replay_of_the_stream(dtype, two):
    """S = [u < p] with u from splitmix64(seed, call, row): 24-bit pairs in float32, 53-bit singles in float64."""
    rng = np.random.default_rng(2)
    P = rng.random((7, 9)).astype(dtype)  # odd width: the last unit of a float32 row takes a word alone
    _, S = _run(P, np.zeros(9, dtype), DRAW_ONLY, seed=11, call=5)
    U = _replay_uniforms(7, 9, 11, 5, two)
    assert np.array_equal(S, (U < P.astype(np.float64)).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", [SAMPLE, DRAW_ONLY, PROB_ONLY])
def test_serial_and_parallel_twins_give_identical_bits(dtype, mode):
    rng = np.random.default_rng(3)
    X = rng.normal(0, 2, (257, 31)).astype(dtype) if mode != DRAW_ONLY else rng.random((257, 31)).astype(dtype)
    b = rng.normal(0, 1, 31).astype(dtype)
    serial, parallel = _run(X, b, mode, parallel=False), _run(X, b, mode, parallel=True)
    which = [0] if mode == PROB_ONLY else [1] if mode == DRAW_ONLY else [0, 1]
    assert all(np.array_equal(serial[i], parallel[i]) for i in which)


def test_seeded_calls_repeat_and_calls_differ():
    P = np.full((50, 40), 0.5, np.float32)
    a, b = FusedDraws(4), FusedDraws(4)
    first = [a.bernoulli(P) for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(first, (b.bernoulli(P) for _ in range(3))))
    assert not np.array_equal(first[0], first[1])  # the call counter moves the stream on
    assert not np.array_equal(first[0], FusedDraws(5).bernoulli(P))


# ---------------------------------------------------------------- in distribution
def test_unit_means_variances_and_pairs_match_bernoulli():
    """Per unit mean and variance against p and numpy's draws; each 64-bit word's two units independent (chi-square)."""
    n, p = 40_000, np.array([0.5, 0.1, 0.9, 0.3, 0.01, 0.7, 0.25, 0.5], np.float32)
    P = np.tile(p, (n, 1))
    S = FusedDraws(7).bernoulli(P)
    N = (np.random.default_rng(7).random(P.shape, dtype=np.float32) < P).astype(np.float32)
    p64 = p.astype(np.float64)
    sd = np.sqrt(p64 * (1 - p64) / n)
    assert np.all(np.abs(S.mean(axis=0) - p64) < 4.5 * sd)
    assert np.all(np.abs(S.mean(axis=0) - N.mean(axis=0)) < 4.5 * np.sqrt(2) * sd)
    assert np.allclose(S.var(axis=0), p64 * (1 - p64), rtol=0.1)
    for j in range(0, 8, 2):  # units 2w and 2w+1 share a word; also across words (1, 2)
        for a, b in ((j, j + 1), (1, 2)):
            counts = np.array([np.sum((S[:, a] == x) & (S[:, b] == y)) for x in (0, 1) for y in (0, 1)])
            pa, pb = p64[a], p64[b]
            expected = n * np.array([(1 - pa) * (1 - pb), (1 - pa) * pb, pa * (1 - pb), pa * pb])
            assert stats.chisquare(counts, expected).pvalue > 1e-4, (a, b, counts, expected)


def test_rows_are_independent():
    """Neighbouring rows (streams r and r + 1) show no correlation."""
    S = FusedDraws(8).bernoulli(np.full((20_000, 16), 0.5, np.float32))
    r = np.corrcoef(S[:-1].ravel(), S[1:].ravel())[0, 1]
    assert abs(r) < 4 / np.sqrt(S[1:].size)


def _tiny(seed=0, n_v=4, n_h=3, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, 1.5, (n_v, n_h)), rng.normal(0, 1, n_v), rng.normal(0, 1, n_h)).astype(dtype)


def test_fused_gibbs_chains_reach_the_exact_p_v():
    rbm = _tiny()
    n = 40_000
    V0 = np.zeros((n, rbm.n_v), np.float32)
    draws = FusedDraws(9)
    V, _ = draws.gibbs_from_hidden(rbm, draws.h_given_v(rbm, V0)[1], 50)
    codes = (V.astype(int) * (1 << np.arange(rbm.n_v)[::-1])).sum(axis=1)
    empirical = np.bincount(codes, minlength=2**rbm.n_v) / n
    exact = np.exp(log_p_v_all(rbm))  # all_states order: state index = binary code, first unit most significant
    assert np.array_equal(all_states(rbm.n_v)[3], [0, 0, 1, 1])
    assert 0.5 * np.abs(empirical - exact).sum() < 0.02


def _exact_cd1_gradient(rbm, v0):
    """E[v0 p(h|v0)^T - v1 p(h|v1)^T] over h0 ~ p(h|v0), v1 ~ p(v|h0), by enumerating h0 and v1 (float64)."""
    W, b, c = (x.astype(np.float64) for x in (rbm.W, rbm.b, rbm.c))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    p_h0 = sig(v0 @ W + c)
    Hs, Vs = all_states(rbm.n_h), all_states(rbm.n_v)
    grad = np.outer(v0, p_h0)
    for h in Hs:
        w_h = np.prod(np.where(h == 1, p_h0, 1 - p_h0))
        p_v = sig(b + W @ h)
        for v in Vs:
            w_v = np.prod(np.where(v == 1, p_v, 1 - p_v))
            grad -= w_h * w_v * np.outer(v, sig(v @ W + c))
    return grad


def test_fused_cd1_learns_the_exact_expected_gradient():
    """CD-1's average update on a tiny RBM equals the enumerated expectation (numpy's stream: the same)."""
    rbm = _tiny(seed=1)
    v0 = np.array([1, 0, 1, 1], np.float32)
    n = 60_000
    V_pos = np.tile(v0, (n, 1))
    exact = _exact_cd1_gradient(rbm, v0.astype(np.float64))
    cd = CD(k=1)
    cd.draws = FusedDraws(10)
    for negative in (lambda: cd.negative(rbm, V_pos, rbm.p_h_given_v(V_pos), None),
                     lambda: CD(k=1).negative(rbm, V_pos, rbm.p_h_given_v(V_pos), np.random.default_rng(10))):
        V_neg, P_neg = negative()
        samples = V_neg[:, :, None] * P_neg[:, None, :]  # each row's negative statistic
        grad = np.outer(v0, rbm.p_h_given_v(v0[None])[0]) - samples.mean(axis=0)
        se = samples.std(axis=0) / np.sqrt(n)
        assert np.all(np.abs(grad - exact) < 5 * se + 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stacked_gradient_sums_both_phases_and_the_biases_as_numpy_does(dtype):
    """grad_W = V_pos^T P_pos / n - V_neg^T diag(w) P_neg, grad_b and grad_c from the same stacked pass (unequal w)."""
    rng = np.random.default_rng(12)
    n, m, n_v, n_h = 7, 5, 11, 6
    V_pos, V_neg = ((rng.random((k, n_v)) < 0.4).astype(dtype) for k in (n, m))
    P_pos, P_neg = (rng.random((k, n_h)).astype(dtype) for k in (n, m))
    w = rng.dirichlet(np.ones(m)).astype(dtype)  # population annealing's weights
    draws = FusedDraws(0)
    for _ in range(2):  # the second call reuses the buffers: nothing of the first may remain
        grad_W, grad_b, grad_c = draws.stacked_gradient(V_pos, P_pos, V_neg, P_neg, w)
    f = [x.astype(np.float64) for x in (V_pos, P_pos, V_neg, P_neg, w)]
    tol = dict(rtol=0, atol=1e-6 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(grad_W, f[0].T @ f[1] / n - f[2].T @ (f[4][:, None] * f[3]), **tol)
    np.testing.assert_allclose(grad_b, f[0].mean(axis=0) - f[4] @ f[2], **tol)
    np.testing.assert_allclose(grad_c, f[1].mean(axis=0) - f[4] @ f[3], **tol)
    assert grad_W.dtype == grad_b.dtype == grad_c.dtype == dtype
    VV, PP = draws.buffer("vv", (n + m, n_v), dtype), draws.buffer("pp", (n + m, n_h), dtype)
    assert np.array_equal(VV, np.vstack([V_pos, V_neg]))
    assert np.array_equal(PP, np.vstack([P_pos * dtype(1.0 / n), P_neg * -w[:, None]]))


def test_a_fused_update_applies_the_documented_step():
    """From rest (dW = 0): W += lr (grad_W - weight_decay W), b += lr grad_b, c += lr grad_c, from its samples."""
    t = _trainer("fused", weight_decay=0.01)
    W0, b0, c0 = (x.astype(np.float64) for x in (t.rbm.W, t.rbm.b, t.rbm.c))
    t.update()
    n = m = 50
    VV = t.draws.buffer("vv", (n + m, t.rbm.n_v), t.rbm.dtype).astype(np.float64)
    V_pos, V_neg = VV[:n], VV[n:]
    P_pos, P_neg = (1 / (1 + np.exp(-(V @ W0 + c0))) for V in (V_pos, V_neg))
    grad_W = V_pos.T @ P_pos / n - V_neg.T @ P_neg / m
    lr, wd = t.settings.lr, t.settings.weight_decay
    np.testing.assert_allclose(t.rbm.W, W0 + lr * (grad_W - wd * W0), rtol=0, atol=2e-6)
    np.testing.assert_allclose(t.rbm.b, b0 + lr * (V_pos.mean(axis=0) - V_neg.mean(axis=0)), rtol=0, atol=2e-6)
    np.testing.assert_allclose(t.rbm.c, c0 + lr * (P_pos.mean(axis=0) - P_neg.mean(axis=0)), rtol=0, atol=2e-6)
    assert not np.array_equal(V_pos, V_neg) and np.isin(VV, (0, 1)).all()


# ---------------------------------------------------------------- the trainer on the fused stream
def _trainer(stream, sampler="cd", seed=0, **kw):
    rbm = _tiny(seed=2, n_v=6, n_h=4)
    X = (np.random.default_rng(3).random((300, 6)) < [0.9, 0.8, 0.2, 0.1, 0.5, 0.5]).astype(np.float32)
    s = TrainSettings(**{"lr": 0.1, "batch_size": 50, "sampler": sampler, "stream": stream, "seed": seed,
                         "n_chains": 40, **kw})
    return Trainer(rbm, X, settings=s)


@pytest.mark.parametrize("sampler", ["cd", "pcd"])
def test_fused_trainer_is_reproducible_and_learns_like_numpys(sampler):
    a, b, ref = _trainer("fused", sampler), _trainer("fused", sampler), _trainer("numpy", sampler)
    start = log_likelihood_exact(a.rbm, a.X_train)
    for t in (a, b, ref):
        t.run(300, with_metrics=False)
    assert np.array_equal(a.rbm.W, b.rbm.W) and np.array_equal(a.rbm.c, b.rbm.c)
    assert not np.array_equal(a.rbm.W, ref.rbm.W)  # another stream
    ll_fused, ll_numpy = (log_likelihood_exact(t.rbm, t.X_train) for t in (a, ref))
    assert ll_fused > start + 0.5 and abs(ll_fused - ll_numpy) < 0.1, (start, ll_fused, ll_numpy)


@pytest.mark.parametrize("sampler,k", [("cd", 1), ("cd", 3), ("pcd", 1), ("pa", 1)])
def test_operands_written_in_place_change_no_bit_and_chains_stay_their_own(sampler, k):
    """The batch gathered into VV and CD's negatives drawn into it: the same parameters as copying them (30 updates)."""
    a, b = _trainer("fused", sampler, k=k), _trainer("fused", sampler, k=k)
    assert a.draws.stack_negatives == (sampler == "cd")
    b.draws.stack_negatives = False
    b.draws.gather = lambda X, idx: X[idx]  # a new array: stacked_gradient copies both halves
    for t in (a, b):
        t.run(30, with_metrics=False)
    assert all(np.array_equal(getattr(a.rbm, p), getattr(b.rbm, p)) for p in ("W", "b", "c"))
    assert np.array_equal(a.dW, b.dW) and a.draws.calls == b.draws.calls
    VV = a.draws.buffer("vv", (50 + (40 if sampler != "cd" else 50), a.rbm.n_v), a.rbm.dtype)
    assert np.isin(VV, (0, 1)).all() and not np.array_equal(VV[:50], VV[50:])
    chains = a.negative_phase.particles
    assert chains is None or not np.shares_memory(chains, VV)  # PCD's chains outlive the update: not the workspace


def test_gather_writes_the_batch_into_the_stacked_operand():
    X = np.random.default_rng(4).random((30, 5)).astype(np.float32)
    draws = FusedDraws(0)
    idx = np.array([7, 0, 29, 7])
    V = draws.gather(X, idx)
    assert np.array_equal(V, X[idx]) and np.shares_memory(V, draws.buffer("vv", (8, 5), np.float32))


def test_fused_trainer_keeps_the_model_when_a_step_diverges():
    t = _trainer("fused", lr=1e6)
    before = t.rbm.copy()
    t.run(5, with_metrics=False)
    assert t.diverged and "diverged" in t.diverged
    assert np.array_equal(t.rbm.W, before.W) and np.array_equal(t.rbm.b, before.b)


@pytest.mark.parametrize("stream", ["fused", "numpy"])
@pytest.mark.parametrize("bias", ["b", "c"])
def test_a_bias_step_that_overflows_is_refused_and_the_model_kept(stream, bias):
    t = _trainer(stream)
    big = np.finfo(np.float32).max
    getattr(t.rbm, bias)[1] = big  # finite, and so is its velocity: b + (momentum db + lr grad) is not
    getattr(t, "d" + bias)[1] = big
    before = t.rbm.copy()
    t.run(3, with_metrics=False)
    assert t.diverged and "NaN or infinite" in t.diverged and t.step == 0
    assert all(np.array_equal(getattr(t.rbm, k), getattr(before, k)) for k in ("W", "b", "c"))
    assert not (t.dW.any() or t.db.any() or t.dc.any())  # the momenta cleared


def test_fused_stream_is_refused_where_it_does_not_apply():
    with pytest.raises(ValueError, match="stream"):
        TrainSettings(stream="pcg")
    with pytest.raises(ValueError, match="fused stream"):
        _trainer("fused", sampler="pt")
    lrbm = LabelRBM.from_rbm(RBM.random(6, 3, seed=0), n_labels=2)  # its labels are a softmax group
    X = np.hstack([np.ones((10, 4)), np.tile([1, 0], (10, 1))]).astype(lrbm.dtype)
    with pytest.raises(ValueError, match="fused stream"):
        Trainer(lrbm, X, settings=TrainSettings(stream="fused"))


def test_every_registered_sampler_builds_on_the_stream_a_live_page_picks():
    assert stream_for("cd") == stream_for("pcd") == stream_for("pa") == "fused" and stream_for("pt") == "numpy"
    for name in NEGATIVE_PHASES:
        t = _trainer(stream_for(name), sampler=name)
        t.run(2, with_metrics=False)
        assert t.step == 2 and (t.draws is not None) == (stream_for(name) == "fused")


def test_warm_up_compiles_both_dtypes():
    fused.warm_up()
    assert len(fused._fused_serial.signatures) >= 2 and len(fused._fused_parallel.signatures) >= 2
