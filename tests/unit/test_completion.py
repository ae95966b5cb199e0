"""pgmviz.inference.completion against exact answers: the conditioned RBM's p(v_F | evidence) against brute-force
enumeration of the joint p(v, h), the clamped samplers against that exact conditional, and the label DBN's
label-from-image chain against DBN.classify and the exact free-energy answer."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.inference import completion as cp
from pgmviz.inference import completion_studies as cs
from pgmviz.inference import label_completion as lc
from pgmviz.models.dbn import DBN
from pgmviz.models.labels import LabelRBM
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states


def tiny_rbm(n_v: int = 8, n_h: int = 4, scale: float = 1.0, seed: int = 3) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, scale, (n_v, n_h)), rng.normal(0, 1, n_v), rng.normal(0, 1, n_h))


def brute_conditional(rbm: RBM, ev: cp.Evidence) -> np.ndarray:
    """p(v_F | evidence) from the joint exp(-E(v, h)) summed over h, times the noise likelihood; no free energy."""
    V, H = all_states(rbm.n_v), all_states(rbm.n_h)
    E = -(V @ rbm.b)[:, None] - V @ rbm.W @ H.T - (H @ rbm.c)[None, :]  # (2^n_v, 2^n_h)
    p_v = np.exp(-E).sum(axis=1)
    C, F = ev.clamped, ev.free
    match = (V[:, C] == ev.x[C]).all(axis=1)
    if ev.flip:
        same = (V == ev.x) | ~ev.observed  # unobserved pixels carry no likelihood
        p_v = p_v * np.prod(np.where(same, 1 - ev.flip, ev.flip) ** ev.observed, axis=1)
    p_v = np.where(match, p_v, 0.0)
    table = np.zeros(2 ** int(F.sum()))
    np.add.at(table, cp.state_index(V[match][:, F]), p_v[match])  # the free part's index in all_states(n_F)
    return table / table.sum()


@pytest.fixture
def rbm() -> RBM:
    return tiny_rbm()


X = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=float)


def test_conditioned_rbm_is_the_exact_conditional(rbm):
    for seen in (np.array([1, 1, 1, 0, 0, 1, 0, 1], bool), np.zeros(8, bool), np.eye(8, dtype=bool)[2]):
        ev = cp.Evidence(X, seen)
        p = cp.exact_conditional(rbm, ev)
        assert p.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(p, brute_conditional(rbm, ev), rtol=1e-10, atol=1e-14)


def test_noisy_evidence_is_a_bias_shift(rbm):
    seen = np.array([1, 1, 1, 1, 0, 1, 1, 0], bool)  # two pixels unseen, the rest seen through noise
    for eps in (0.05, 0.3):
        ev = cp.Evidence(X, seen, flip=eps)
        assert ev.free.all() and not ev.clamped.any()
        np.testing.assert_allclose(cp.exact_conditional(rbm, ev), brute_conditional(rbm, ev), rtol=1e-10)


def test_clamped_gibbs_converges_to_the_exact_conditional(rbm):
    ev = cp.Evidence(X, np.array([1, 0, 1, 0, 0, 1, 0, 1], bool))
    exact = cp.exact_conditional(rbm, ev)
    run = cp.clamped_gibbs(rbm, ev, n_steps=400, n_chains=200, start="off", rng=1)
    tv = run.tv_to(exact)
    freq = np.bincount(cp.state_index(run.V_free[1:]).ravel(), minlength=exact.size) / (400 * 200)
    np.testing.assert_allclose(run.sampled_conditional(), freq)
    assert tv[-1] == pytest.approx(cp.total_variation(freq, exact))
    assert tv[-1] < 0.02  # 80,000 samples are close
    assert tv[-1] < tv[9] / 3 < tv[0] / 3  # and the distance falls with the steps
    # observed pixels never change, in the pictures or the samples
    C = ev.clamped
    assert (run.P_v[..., C] == X[C]).all()
    assert run.V_free.shape == (401, 200, int(ev.free.sum()))
    # the running mean of the pictures estimates the exact marginals p(v_i = 1 | evidence)
    marginals = all_states(int(ev.free.sum())).T @ exact
    np.testing.assert_allclose(run.running_mean()[-1][:, ev.free].mean(axis=0), marginals, atol=0.02)


def test_clamped_gibbs_under_noise_converges(rbm):
    ev = cp.Evidence(X, np.ones(8, bool), flip=0.2)
    exact = cp.exact_conditional(rbm, ev)
    run = cp.clamped_gibbs(rbm, ev, n_steps=300, n_chains=200, rng=2)
    assert run.tv_to(exact)[-1] < 0.05
    assert (run.P_v[0] == X).all()  # noisy pixels start at what was seen


def test_same_seed_same_run(rbm):
    ev = cp.Evidence(X, cp.hide_random(8, 0.5, rng=0))
    a, b = (cp.clamped_gibbs(rbm, ev, 20, 3, rng=7) for _ in range(2))
    assert np.array_equal(a.P_v, b.P_v) and np.array_equal(a.V_free, b.V_free)
    kept = cp.clamped_gibbs(rbm, ev, 20, 3, rng=7, keep=1)  # fewer pictures kept, the same chains
    assert kept.P_v.shape == (21, 1, 8) and np.array_equal(kept.P_v[:, 0], a.P_v[:, 0])
    assert np.array_equal(kept.V_free, a.V_free)


def test_mean_field_descends_and_reaches_a_fixed_point(rbm):
    ev = cp.Evidence(X, np.array([1, 0, 1, 0, 0, 1, 0, 1], bool))
    run = cp.clamped_mean_field(rbm, ev, n_steps=200)
    assert np.all(np.diff(run.objective) <= 1e-12)
    cond = cp.condition(rbm, ev)
    mu_v = run.P_v[-1][:, ev.free]
    np.testing.assert_allclose(cond.p_v_given_h(cond.p_h_given_v(mu_v)), mu_v, atol=1e-10)
    # the variational free energy bounds -log Z' from above; KL(q || p) = objective + log Z' >= 0
    exact = cp.exact_conditional(rbm, ev)
    log_Z = np.log(np.exp(-cond.free_energy(all_states(cond.n_v))).sum())
    assert run.objective[-1] + log_Z >= -1e-12
    assert (run.P_v[..., ev.clamped] == X[ev.clamped]).all()
    assert cp.total_variation(cp.product_table(mu_v[0]), exact) > 0  # a factorial q, not the conditional


def test_mean_field_is_exact_without_couplings():
    rbm = tiny_rbm(scale=0.0)
    ev = cp.Evidence(X, np.array([1, 0, 1, 0, 0, 1, 0, 1], bool))
    run = cp.clamped_mean_field(rbm, ev, n_steps=3)
    q = cp.product_table(run.P_v[-1][0, ev.free])
    np.testing.assert_allclose(q, cp.exact_conditional(rbm, ev), atol=1e-12)


def test_masks():
    half = cp.hide_half((4, 6), "bottom").reshape(4, 6)
    assert half[:2].all() and not half[2:].any()
    assert not cp.hide_half((4, 6), "left").reshape(4, 6)[:, :3].any()
    box = cp.hide_box((5, 5), 1, 2, 2, 10).reshape(5, 5)  # clipped at the right edge
    assert (~box).sum() == 6 and not box[1:3, 2:].any()
    assert (~cp.hide_random(100, 0.3, rng=1)).sum() == 30
    paint = np.zeros((40, 40, 4), np.uint8)
    paint[0:20, 0:10, 3] = 255  # the top-left quarter's left half painted
    brush = cp.hide_brush(paint, (4, 4)).reshape(4, 4)
    assert (~brush).sum() == 2 and not brush[0, 0] and not brush[1, 0]
    noisy = cp.flip_pixels(np.zeros(20_000), 0.1, rng=0)
    assert 0.09 < noisy.mean() < 0.11
    for bad in (lambda: cp.hide_half((4, 4), "middle"), lambda: cp.hide_random(10, 1.5),
                lambda: cp.flip_pixels(np.zeros(3), 0.7), lambda: cp.hide_box((4, 4), 0, 0, 0, 2),
                lambda: cp.hide_brush(np.zeros((3, 3, 2)), (4, 4))):
        with pytest.raises(ValueError):
            bad()


def test_make_evidence():
    x = np.arange(16) % 3 == 0
    ev = cp.make_evidence(x, "half", (4, 4), side="top")
    assert (ev.observed == cp.hide_half((4, 4), "top")).all() and ev.flip == 0 and (ev.x == x).all()
    assert (~cp.make_evidence(x, "box", (4, 4), box=(1, 1, 2)).observed).sum() == 4
    assert (~cp.make_evidence(x, "random", (4, 4), fraction=0.25, seed=3).observed).sum() == 4
    noisy = cp.make_evidence(x, "flip", (4, 4), flip=0.2, seed=5)
    assert noisy.observed.all() and noisy.flip == 0.2
    np.testing.assert_array_equal(noisy.x, cp.flip_pixels(x, 0.2, 5))
    with pytest.raises(ValueError, match="nothing is hidden"):
        cp.make_evidence(x, "brush", (4, 4), paint=np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(ValueError):
        cp.make_evidence(x, "scribble", (4, 4))


def test_bad_evidence_is_refused(rbm):
    with pytest.raises(ValueError, match="nothing to fill in"):
        cp.condition(rbm, cp.Evidence(X, np.ones(8, bool)))
    with pytest.raises(ValueError, match="pixels"):
        cp.condition(rbm, cp.Evidence(np.zeros(5), np.zeros(5, bool)))
    with pytest.raises(ValueError):
        cp.Evidence(np.full(8, np.nan), np.zeros(8, bool))
    with pytest.raises(ValueError, match="too many"):
        cp.exact_conditional(tiny_rbm(n_v=30, n_h=2), cp.Evidence(np.zeros(30), np.zeros(30, bool)))
    with pytest.raises(ValueError, match="steps"):
        cp.clamped_gibbs(rbm, cp.Evidence(X, np.zeros(8, bool)), n_steps=10**7)
    broken = RBM(rbm.W * np.nan, rbm.b, rbm.c)
    with pytest.raises(ValueError, match="NaN"):
        cp.clamped_gibbs(broken, cp.Evidence(X, np.zeros(8, bool)))


def test_completion_error_by_hand():
    P = np.array([[[1.0, 0.2, 0.6, 0.0]]])  # one frame, one chain
    err = cp.completion_error(P, np.array([1, 0, 0, 1]), np.array([False, True, True, True]))
    assert err.squared[0] == pytest.approx((0.04 + 0.36 + 1.0) / 3)
    assert err.wrong[0] == pytest.approx(2 / 3) and err.n_scored == 3


def test_compare_models_is_the_mean_of_each_digits_error(rbm):
    other = tiny_rbm(seed=9)
    Xs = np.array([X, 1 - X])
    evs = [cp.Evidence(x, cp.hide_half((2, 4), "bottom")) for x in Xs]
    comp = cs.compare_models({"a": rbm, "b": other}, Xs, evs, method="gibbs", n_steps=30, seed=4)
    for m, model in enumerate((rbm, other)):
        runs = [cp.clamped_gibbs(model, ev, 30, rng=4 + k) for k, ev in enumerate(evs)]
        assert comp.squared[m] == pytest.approx(np.mean([cp.error_of(r, x).squared[-1] for r, x in zip(runs, Xs)]))
        assert comp.squared_averaged[m] == pytest.approx(
            np.mean([cp.error_of(r, x, averaged=True).squared[-1] for r, x in zip(runs, Xs)]))
    assert comp.names == ["a", "b"] and comp.n_digits == 2


def tiny_label_dbn() -> DBN:
    rng = np.random.default_rng(0)
    bottom = RBM(rng.normal(0, 1, (6, 4)), rng.normal(0, 1, 6), rng.normal(0, 1, 4))
    top = LabelRBM(rng.normal(0, 1.5, (7, 5)), rng.normal(0, 1, 7), rng.normal(0, 1, 5), n_labels=3)
    return DBN([bottom, top])


def test_label_from_image_is_classify_and_tends_to_the_exact_answer():
    net = tiny_label_dbn()
    v = np.array([1, 0, 1, 1, 0, 1], float)
    one = lc.label_from_image(net, v, n_steps=50, n_chains=1, rng=11)
    np.testing.assert_allclose(one.estimates[-1], net.classify(v, T=50, rng=11)[0], atol=1e-6)
    np.testing.assert_allclose(one.exact, net.classify(v)[0])
    many = lc.label_from_image(net, v, n_steps=300, n_chains=300, rng=1)
    tv = many.tv()
    assert tv[-1] < 0.01 and tv[-1] < tv[0]


def test_image_from_label_reads_each_frame():
    net = tiny_label_dbn()

    class Reader:  # reads a picture as 2 when its first pixel is mostly on
        def read(self, images):
            return np.where(images[:, 0] > 0.5, 2, 0)

    chain, read = lc.image_from_label(net, 2, n_frames=5, every=3, n=4, rng=0, reader=Reader())
    assert chain.images.shape == (5, 4, 6)
    np.testing.assert_array_equal(read, (chain.images[:, :, 0] > 0.5).sum(axis=1))
    with pytest.raises(ValueError):
        lc.image_from_label(net, 3)
