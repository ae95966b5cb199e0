"""Population annealing, parallel tempering and the AIS / PA estimates of log Z, against exact answers."""

import numpy as np
import pytest

from pgmviz.models.grbm import GaussianRBM
from pgmviz.models.rbm import RBM, LinearHiddenRBM, bernoulli
from pgmviz.sampling.annealing import (
    anneal_population,
    effective_sample_size,
    systematic_resample,
    tempered,
    tempered_gibbs,
)
from pgmviz.sampling.partition import ais_log_Z, log_p_v_all, log_Z_exact, pa_log_Z
from pgmviz.training.negative import PCD, ParallelTempering, PopulationAnnealing
from pgmviz.training.train import Trainer, TrainSettings
from tests.unit.exact import random_rbm
from tests.unit.test_train import bars_and_stripes_3x3


def test_ess_on_hand_made_weights():
    assert effective_sample_size(np.zeros(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([0.0, -800, -800, -800])) == pytest.approx(1)
    assert effective_sample_size(np.log([1.0, 1.0, 2.0])) == pytest.approx(16 / 6)
    assert effective_sample_size(np.array([1000.0, 1000.0])) == pytest.approx(2)  # no overflow


def test_systematic_resampling_preserves_the_weighted_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(size=1000)
    log_w = rng.normal(0, 1, size=1000)
    w = np.exp(log_w) / np.exp(log_w).sum()
    idx = systematic_resample(log_w, rng)
    assert len(idx) == 1000
    assert x[idx].mean() == pytest.approx(w @ x, abs=0.01)
    counts = np.bincount(idx, minlength=1000)
    assert np.all(np.abs(counts - 1000 * w) < 1 + 1e-9)  # systematic: floor or ceil of R w


def test_population_annealing_without_reweighting_is_pcd():
    X = bars_and_stripes_3x3()
    models = []
    for phase in (PCD(k=2, n_chains=20), PopulationAnnealing(k=2, n_chains=20, reweight=False)):
        r = RBM.random(9, 6, seed=0, data=X)
        t = Trainer(r, X, settings=TrainSettings(batch_size=7, seed=3), negative_phase=phase)
        t.run(60, with_metrics=False)
        models.append((t.rbm, phase.particles))
    np.testing.assert_array_equal(models[0][0].W, models[1][0].W)
    np.testing.assert_array_equal(models[0][1], models[1][1])


def test_population_annealing_reweights_and_resamples():
    X = bars_and_stripes_3x3()
    pa = PopulationAnnealing(k=1, n_chains=50, ess_threshold=0.9)
    r = RBM.random(9, 6, seed=0, data=X)
    t = Trainer(r, X, settings=TrainSettings(lr=0.2, batch_size=14, seed=0), negative_phase=pa)
    m = t.run(200).metrics
    assert 0 < m["ess"] <= 1 and m["resamples"] > 0
    assert pa.weights is not None and pa.weights.sum() == pytest.approx(1)


def test_reweighting_is_the_exact_likelihood_ratio():
    """After an update, log w changes by log p_new(v) - log p_old(v) up to the log Z ratio."""
    old = random_rbm(np.random.default_rng(1), 4, 3)
    new = random_rbm(np.random.default_rng(2), 4, 3)
    pa = PopulationAnnealing(n_chains=16)
    pa.V_chain = np.array([[int(c) for c in f"{i:04b}"] for i in range(16)], float)
    pa.log_w = np.zeros(16)
    pa.after_update(old, new, np.random.default_rng(0))
    expected = log_p_v_all(new) - log_p_v_all(old)
    np.testing.assert_allclose(pa.log_w - pa.log_w[0], expected - expected[0], atol=1e-10)


def test_parallel_tempering_swaps_always_at_equal_temperatures():
    r = random_rbm(np.random.default_rng(0), 5, 4)
    pt = ParallelTempering(n_chains=50, betas=np.ones(4))
    rng = np.random.default_rng(0)
    for _ in range(5):
        pt.negative(r, None, None, rng)
    np.testing.assert_array_equal(pt.swap_rates(), np.ones(3))


def test_parallel_tempering_samples_the_exact_distribution():
    r = random_rbm(np.random.default_rng(3), 4, 3, 2.0)
    pt = ParallelTempering(n_chains=400, n_temps=4)
    rng = np.random.default_rng(1)
    counts = np.zeros(16)
    for sweep in range(60):
        V, _ = pt.negative(r, None, None, rng)
        if sweep >= 10:
            counts += np.bincount((V @ [8, 4, 2, 1]).astype(int), minlength=16)
    tv = 0.5 * np.abs(counts / counts.sum() - np.exp(log_p_v_all(r))).sum()
    assert tv < 0.03, tv
    assert 0 < pt.metrics()["swap_rate"] <= 1


def test_tempered_model_scales_every_parameter():
    r = random_rbm(np.random.default_rng(0), 3, 2)
    t = tempered(r, 0.25)
    V = np.array([[1, 0, 1.0]])
    assert t.free_energy(V)[0] != pytest.approx(r.free_energy(V)[0])
    np.testing.assert_allclose(t.W, 0.25 * r.W)


@pytest.mark.parametrize("seed", [0, 1])
def test_annealed_population_estimates_log_Z(seed):
    r = random_rbm(np.random.default_rng(10 + seed), 12, 8)
    exact = log_Z_exact(r)
    est = pa_log_Z(r, population=500, n_betas=300, seed=seed)
    assert abs(est.log_Z - exact) < 0.1
    assert est.low <= exact <= est.high


def test_ais_estimates_log_Z_of_a_digit_model():
    """A 784 x 12 RBM trained briefly on real digits (base rate from the data), to 0.1 nats."""
    from pgmviz import datasets

    d = datasets.load("mnist")
    r = RBM.random(784, 12, seed=0, data=d.X_train, dtype=np.float64)
    Trainer(r, d.X_train, settings=TrainSettings(lr=0.05, seed=0)).run(300, with_metrics=False)
    exact = log_Z_exact(r)
    est = ais_log_Z(r, n_runs=100, n_betas=2000, seed=0, base=d.X_train)
    assert abs(est.log_Z - exact) < 0.1, est.log_Z - exact
    assert est.low <= exact <= est.high
    assert est.log_w.shape == (100,)


def test_ais_interval_covers_the_truth_over_seeds():
    r = random_rbm(np.random.default_rng(5), 10, 6, 1.5)
    exact = log_Z_exact(r)
    covered = [ais_log_Z(r, 50, 200, seed=s).low <= exact <= ais_log_Z(r, 50, 200, seed=s).high for s in range(8)]
    assert sum(covered) >= 7


def test_ais_can_be_cancelled_and_reports_progress():
    r = random_rbm(np.random.default_rng(0), 6, 4)
    seen = []
    with pytest.raises(InterruptedError):
        ais_log_Z(r, 10, 1000, progress=seen.append, cancel=lambda: len(seen) > 5)
    assert 0 < seen[-1] < 1


def test_estimators_refuse_bad_requests():
    r = RBM.random(5, 3)
    with pytest.raises(ValueError):
        ais_log_Z(r, n_runs=1)
    with pytest.raises(ValueError):
        pa_log_Z(r, population=1)
    with pytest.raises(ValueError):
        ais_log_Z(r, base=np.ones((3, 4)))


def test_anneal_population_returns_a_usable_population():
    r = random_rbm(np.random.default_rng(0), 6, 4)
    V, log_w, ratio, var, n_res = anneal_population(r, 64, np.linspace(0, 1, 50), np.random.default_rng(0))
    assert V.shape == (64, 6) and set(np.unique(V)) <= {0, 1} and var >= 0


def test_tempered_gibbs_samples_each_temperature_exactly():
    """The batched sweep (one product for all temperatures, used above the kernel's size) samples
    p_beta(v) ~ exp(-beta F(v)) at every beta: chains' histograms against enumeration."""
    r = random_rbm(np.random.default_rng(4), 4, 3, 2.0)
    betas = np.array([1.0, 0.5, 0.0])
    rng = np.random.default_rng(2)
    V = bernoulli(np.full((3, 2000, 4), 0.5), rng)
    counts = np.zeros((3, 16))
    for sweep in range(30):
        V, H = tempered_gibbs(r, V, betas, 1, rng)
        assert H.shape == (3, 2000, 3)
        if sweep >= 5:
            for m in range(3):
                counts[m] += np.bincount((V[m] @ [8, 4, 2, 1]).astype(int), minlength=16)
    for m, beta in enumerate(betas):
        tv = 0.5 * np.abs(counts[m] / counts[m].sum() - np.exp(log_p_v_all(tempered(r, beta)))).sum()
        assert tv < 0.02, (beta, tv)


def test_parallel_tempering_batched_path_on_a_model_above_the_kernel_size():
    """784 x 10 > SMALL_MODEL_SIZE: PT takes the batched path; equal temperatures always swap, and
    the beta = 1 chains are the particles it returns."""
    r = random_rbm(np.random.default_rng(0), 784, 10, 0.05)
    pt = ParallelTempering(n_chains=8, betas=np.ones(3))
    rng = np.random.default_rng(0)
    for _ in range(3):
        V, P_h = pt.negative(r, None, None, rng)
    np.testing.assert_array_equal(pt.swap_rates(), np.ones(2))
    assert V.shape == (8, 784) and np.array_equal(V, pt.particles) and set(np.unique(V)) <= {0.0, 1.0}


@pytest.mark.parametrize("make", [LinearHiddenRBM.random, GaussianRBM.random])
def test_tempering_refuses_units_that_are_not_binary(make):
    """PT, PA's annealed start, AIS and PA's log Z temper a binary RBM; other units get a ValueError."""
    model = make(6, 4, seed=0)
    X = np.random.default_rng(0).integers(0, 2, (10, 6)).astype(float)
    rng = np.random.default_rng(1)
    for run in (lambda: ParallelTempering(n_chains=3, n_temps=3).negative(model, X, model.p_h_given_v(X), rng),
                lambda: PopulationAnnealing(n_chains=3, init_betas=4).negative(model, X, model.p_h_given_v(X), rng),
                lambda: tempered_gibbs(model, X[:6].reshape(2, 3, 6), np.array([1.0, 0.5]), 1, rng),
                lambda: ais_log_Z(model, n_runs=3, n_betas=5),
                lambda: pa_log_Z(model, population=3, n_betas=5)):
        with pytest.raises(ValueError, match="binary units"):
            run()
    # reweighted PCD needs only the model's own free energy and Gibbs step: it still runs
    phase = PopulationAnnealing(n_chains=3)
    V, _ = phase.negative(model, X, model.p_h_given_v(X), rng)
    assert V.shape == (3, 6) and np.isfinite(V).all()
