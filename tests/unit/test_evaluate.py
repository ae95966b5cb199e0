"""pgmviz.evaluation.evaluate against exact enumeration: the estimates bracket log_Z_exact, the sweep runs one
estimate per number of temperatures and can be stopped, bad requests are refused, and the
log-likelihood is the library's."""

import math

import numpy as np
import pytest

from pgmviz.evaluation import evaluate as ev
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_likelihood_exact, log_Z_exact
from tests.unit.exact import log_Z, random_rbm


@pytest.fixture(scope="module")
def small():
    r = random_rbm(np.random.default_rng(3), 12, 8)
    assert log_Z_exact(r) == pytest.approx(log_Z(r), rel=1e-12)
    return r, log_Z_exact(r)


@pytest.mark.parametrize("method", ["AIS", "PA"])
def test_estimate_brackets_the_exact_log_Z(small, method):
    r, exact = small
    est = ev.estimate_log_Z(r, method, n_runs=300, n_betas=300, seed=1)
    assert abs(est.log_Z - exact) < 0.15, est.log_Z - exact
    assert est.contains(exact) and est.low < est.log_Z < est.high
    assert (est.method, est.n_runs, est.n_betas, est.seed) == (method, 300, 300, 1)
    assert est.seconds > 0
    if method == "AIS":
        assert est.log_w.shape == (300,) and 1 <= est.ess <= 300
    else:
        assert est.ess is None
    assert "temperatures" in est.label and "log_w" not in est.as_dict()


def test_same_seed_same_estimate(small):
    r, _ = small
    a = ev.estimate_log_Z(r, "AIS", 20, 50, seed=4)
    b = ev.estimate_log_Z(r, "AIS", 20, 50, seed=4)
    assert a.log_Z == b.log_Z


def test_base_rate_data_is_used_by_ais(small):
    r, exact = small
    X = (np.random.default_rng(0).random((50, 12)) < 0.3).astype(np.float32)
    est = ev.estimate_log_Z(r, "AIS", 200, 300, seed=0, base=X)
    assert est.contains(exact)
    assert est.log_Z != ev.estimate_log_Z(r, "AIS", 200, 300, seed=0).log_Z


def test_sweep_one_point_per_temperature_count_with_progress(small):
    r, exact = small
    seen, points = [], []
    out = ev.convergence_sweep(r, "AIS", (10, 30, 300), n_runs=100, seed=7, progress=seen.append,
                               on_point=points.append)
    assert [e.n_betas for e in out] == [10, 30, 300] and points == out
    assert [e.seed for e in out] == [7, 8, 9]
    assert np.all(np.diff(seen) >= 0) and seen[-1] == pytest.approx(1.0)
    assert abs(out[-1].log_Z - exact) < 0.2


@pytest.mark.parametrize("method", ["AIS", "PA"])
def test_cancel_stops_and_keeps_the_finished_points(small, method):
    r, _ = small
    seen, points = [], []
    with pytest.raises(InterruptedError):
        ev.convergence_sweep(r, method, (20, 2000), n_runs=10, progress=seen.append,
                             on_point=points.append, cancel=lambda: bool(seen) and seen[-1] > 0.2)
    assert [e.n_betas for e in points] == [20]
    assert seen[-1] < 0.5


@pytest.mark.parametrize(
    "args, words",
    [
        (("AIS", 100, 10**7), "10,000,000 temperatures"),
        (("PA", 100, 1), "at least 2 temperatures"),
        (("AIS", 1, 100), "between 2 and"),
        (("PA", 10**6, 100), "particles"),
        (("AIS", 1000, [3000, 3000]), "too much"),
        (("Gibbs", 100, 100), "unknown method"),
    ],
)
def test_bad_requests_are_refused_clearly(small, args, words):
    r, _ = small
    with pytest.raises(ValueError, match=words):
        ev.check_request(*args, n_v=784, n_h=500)
    method, runs, temps = args
    if np.ndim(temps) == 0:
        with pytest.raises(ValueError):
            ev.estimate_log_Z(r, method, runs, temps)


def test_log_likelihood_is_the_library_s(small):
    r, exact = small
    V = (np.random.default_rng(1).random((40, 12)) < 0.5).astype(np.float32)
    assert ev.mean_log_likelihood(r, V, exact) == pytest.approx(log_likelihood_exact(r, V), rel=1e-12)
    assert ev.mean_neg_free_energy(r, V) - exact == pytest.approx(log_likelihood_exact(r, V, exact))


def test_units_and_references():
    assert ev.nats_to_bits(-math.log(2) * 10) == pytest.approx(-10)
    assert ev.uniform_log_likelihood(784) == pytest.approx(-784 * math.log(2))
    # a model with no parameters is the uniform distribution over (v, h): log p(v) = -n_v log 2
    zero = RBM(np.zeros((5, 3)), np.zeros(5), np.zeros(3))
    assert ev.mean_log_likelihood(zero, np.ones((2, 5)), log_Z_exact(zero)) == pytest.approx(
        ev.uniform_log_likelihood(5))


def test_fingerprint_tells_models_apart(small):
    r, _ = small
    assert ev.model_fingerprint(r) == ev.model_fingerprint(r.copy())
    other = r.copy()
    other.W[0, 0] += 1e-6
    assert ev.model_fingerprint(other) != ev.model_fingerprint(r)


def test_time_guide_grows_with_the_model():
    assert ev.estimated_seconds("AIS", 100, 1000, 784, 500) > ev.estimated_seconds("AIS", 100, 1000, 784, 20)
    assert ev.estimated_seconds("PA", 100, 1000, 784, 500) > ev.estimated_seconds("AIS", 100, 1000, 784, 500)


# ---------------------------------------------------------------------------- reconstruction vs likelihood
def _brute_recon(r: RBM, V: np.ndarray) -> float:
    """Mean over rows and pixels of (v - sigmoid(b + W sigmoid(c + v W)))^2, written out."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return float(np.mean([(v - sig(r.b + r.W @ sig(r.c + v @ r.W))) ** 2 for v in V]))


def test_model_score_takes_the_files_figures_and_computes_the_rest(small):
    r, exact = small
    V = (np.random.default_rng(0).random((50, 12)) < 0.4).astype(float)
    meta = {"metrics": {"recon_error_test": 0.25}, "ll_test_ais": -7.5}
    s = ev.model_score("m", r, meta, V, log_Z={"PA": exact, "AIS": 123.0})
    assert (s.recon_error, s.recon_from) == (0.25, "file")
    assert s.ll["AIS"] == -7.5 and s.ll_from["AIS"] == "file"  # the file's figure wins over an estimate
    assert s.ll["PA"] == pytest.approx(log_likelihood_exact(r, V), abs=1e-9) and s.ll_from["PA"] == "estimated here"
    # a file without the figures (or with junk in them): computed from the held-out digits
    for bad in ({}, {"metrics": {"recon_error_test": "n/a"}, "ll_test_pa": float("nan")}, None):
        s = ev.model_score("m", r, bad, V)
        assert s.recon_from == "computed" and s.recon_error == pytest.approx(_brute_recon(r, V), rel=1e-9)
        assert s.ll == {}
    with pytest.raises(ValueError):
        ev.model_score("m", r, {}, None)


def _score(name, recon, **ll):
    return ev.ModelScore(name, recon, "file", dict(ll), {m: "file" for m in ll})


def test_recon_vs_likelihood_orders_both_ways():
    cd = _score("CD", 0.012, AIS=-235.0, PA=-236.0)
    pcd = _score("PCD", 0.022, AIS=-144.0, PA=-140.0)
    pa = _score("PA", 0.030, PA=-130.0)
    v = ev.recon_vs_likelihood([cd, pcd, pa])
    assert v.method == "PA" and v.names == ["CD", "PCD", "PA"]
    assert (v.best_recon, v.best_ll, v.disagree) == ("CD", "PA", True)
    assert (v.pairs, v.discordant) == (3, 3)  # every pair ordered the opposite way
    # AIS only where PA is missing for all but one; agreement when the orders agree
    v = ev.recon_vs_likelihood([_score("a", 0.01, AIS=-100.0), _score("b", 0.02, AIS=-120.0), _score("c", 0.03)])
    assert v.method == "AIS" and v.names == ["a", "b"] and not v.disagree and v.discordant == 0
    assert ev.recon_vs_likelihood([cd, _score("x", 0.5)]) is None  # x has no likelihood: nothing to compare
    assert ev.recon_vs_likelihood([_score("x", 0.5), pa]) is None


def test_curves_contrast_counts_where_the_curves_part():
    history = [{"step": s, "recon_error": r, "pseudo_ll": p, **({"ll_test": t} if t is not None else {})}
               for s, r, p, t in [(0, 0.3, -90, -80.0), (10, 0.2, -80, -70.0), (20, 0.15, -85, -72.0),
                                  (30, 0.1, -70, -75.0), (40, 0.12, -60, None)]]
    c = ev.curves_contrast(history)
    assert c.ll_key == "ll_test" and c.intervals == 3  # the last snapshot has no ll_test
    assert (c.recon_best_step, c.ll_best_step, c.recon_down_ll_down) == (30, 10, 2)
    c = ev.curves_contrast(history, ll_keys=("pseudo_ll",))
    assert (c.intervals, c.recon_best_step, c.ll_best_step, c.recon_down_ll_down) == (4, 30, 40, 1)
    assert ev.curves_contrast(history[:1]) is None and ev.curves_contrast([]) is None


def test_recorded_log_Z_reads_the_files_estimates():
    meta = {"log_Z": {"ais": 400.5, "ais_interval": [399, 401], "ais_n_runs": 100, "ais_n_betas": 10000,
                      "pa": 402.0, "pa_population": 1000, "pa_n_betas": 1000}}
    rec = ev.recorded_log_Z(meta)
    assert (rec.ais, rec.pa, rec.gap) == (400.5, 402.0, 1.5)
    assert (rec.ais_runs, rec.ais_temperatures, rec.pa_population, rec.pa_temperatures) == (100, 10000, 1000, 1000)
    for bad in (None, {}, {"log_Z": 3.0}, {"log_Z": {"ais": 1.0}}, {"log_Z": {"ais": "x", "pa": 2.0}}):
        assert ev.recorded_log_Z(bad) is None
