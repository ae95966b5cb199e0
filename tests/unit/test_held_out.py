"""pgmviz.evaluation.held_out: the held-out table from each log Z, and the checks on estimates, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pgmviz.evaluation import held_out as ho
from pgmviz.evaluation.evaluate import Estimate
from pgmviz.models.rbm import RBM


def est(method, log_Z, low, high, n_runs=100, ess=None):
    return Estimate(method, n_runs, 1000, 0, log_Z, low, high, 1.0, ess)


def test_sources_are_exact_then_the_latest_of_each_method():
    runs = [est("PA", 10.0, 9.0, 11.0), est("AIS", 12.0, 11.5, 12.5), est("AIS", 13.0, -math.inf, 14.0)]
    s = ho.log_Z_sources(20.0, runs)
    assert [(x.label, x.log_Z, x.low, x.high) for x in s] == [
        ("exact log Z", 20.0, 20.0, 20.0), ("latest AIS", 13.0, -math.inf, 14.0), ("latest PA", 10.0, 9.0, 11.0)]
    assert [x.label for x in ho.log_Z_sources(None, runs[:1])] == ["latest PA"]
    assert ho.log_Z_sources(None, []) == []


def test_held_out_is_minus_free_energy_minus_log_Z_with_the_interval_carried_over():
    rows = ho.held_out(-100.0, -90.0, ho.log_Z_sources(20.0, [est("AIS", 21.0, 20.0, 23.0),
                                                               est("PA", 19.0, -math.inf, 19.5)]))
    exact, ais, pa = rows
    assert (exact.test, exact.train, exact.exact) == (-120.0, -110.0, True)
    assert (ais.test, ais.train, ais.exact, ais.test_interval) == (-121.0, -111.0, False, (-123.0, -120.0))
    assert pa.test_interval == (-119.5, math.inf)  # an unbounded log Z below leaves the figure unbounded above


def test_thin_weights_and_disagreement():
    assert ho.thin_weights(est("AIS", 0, 0, 0, n_runs=100, ess=4.9))
    assert not ho.thin_weights(est("AIS", 0, 0, 0, n_runs=100, ess=5.0))
    assert not ho.thin_weights(est("PA", 0, 0, 0, n_runs=100, ess=1.0))  # the check is AIS's
    assert not ho.thin_weights(est("AIS", 0, 0, 0))  # no ESS recorded
    assert ho.disagree(est("AIS", 1, 0, 2), est("PA", 4, 3, 5)) and ho.disagree(est("AIS", 4, 3, 5), est("PA", 1, 0, 2))
    assert not ho.disagree(est("AIS", 1, 0, 3), est("PA", 4, 3, 5))  # touching intervals agree


def test_a_sweep_request_is_checked_as_a_whole():
    rbm = RBM(np.zeros((4, 3)), np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        ho.check_sweep(rbm, [], [100], 10)
    ho.check_sweep(rbm, ["AIS", "PA"], [10, 30], 10)
    with pytest.raises(ValueError):
        ho.check_sweep(rbm, ["AIS"], [10**9], 10)


def test_the_sweep_reports_progress_once_over_all_methods():
    rbm = RBM(np.full((3, 2), 0.3), np.zeros(3), np.zeros(2))
    seen, points = [], []
    assert ho.sweep(rbm, ["AIS", "PA"], [5, 15], 20, 0, None, seen.append, None, points.append)
    assert [(p.method, p.n_betas) for p in points] == [("AIS", 5), ("AIS", 15), ("PA", 5), ("PA", 15)]
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and 0.45 < seen[len(seen) // 2] < 0.55
