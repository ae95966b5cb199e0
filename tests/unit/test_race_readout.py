"""pgmviz.training.race_readout against the race's own curves, read by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.training.compare import Race
from pgmviz.training.race_readout import GradientReading, collapsed, gradient_reading, lane_rows
from pgmviz.training.race_settings import Method, RaceSettings


@pytest.fixture(scope="module")
def race():
    bars = datasets.load("bars4")
    s = RaceSettings(dataset="bars4", n_hidden=6, lr=0.1, batch_size=10, seed=3,
                     methods=(Method("cd"), Method("pa", n_chains=20), Method("pt", n_chains=5, n_temps=3)))
    r = Race(s, bars.X_train, mass_rows=bars.X_train, compare_gradient=True, record_every=20)
    r.step(40)
    return r


def test_lane_rows_are_the_curves_last_and_best_values(race):
    rows = {r.key: r for r in lane_rows(race)}
    assert list(rows) == list(race.lanes)
    rel = race.relative_cost()
    for key, lane in race.lanes.items():
        ll, r = lane.curves["ll_train"], rows[key]
        assert (r.updates, r.ll_now, r.ll_best) == (lane.trainer.step, round(ll[-1], 3), round(max(ll), 3))
        assert r.p_data == round(lane.curves["p_data"][-1], 3)
        assert r.ms_per_update == round(lane.seconds_per_update * 1e3, 3)
        assert r.x_cd1 == (round(rel[key], 2) if np.isfinite(rel[key]) else None)
    assert rows["CD-1"].x_cd1 == 1.0
    pa, pt = next(k for k in rows if k.startswith("PA")), next(k for k in rows if k.startswith("PT"))
    assert rows[pa].sampler.startswith("ESS ") and rows[pa].sampler.endswith(" resamplings")
    assert rows[pt].sampler.startswith("swap rate ") and "worst pair" in rows[pt].sampler


def test_collapse_is_a_fall_of_more_than_five_nats_from_the_start(race):
    lane = next(iter(race.lanes.values()))
    start = lane.curves["ll_train"][0]
    saved = list(lane.curves["ll_train"])
    try:
        lane.curves["ll_train"][-1] = start - 5.0
        assert not collapsed(lane)
        lane.curves["ll_train"][-1] = start - 5.01
        assert collapsed(lane)
    finally:
        lane.curves["ll_train"][:] = saved


def test_gradient_reading_is_the_cd_lanes_last_comparison(race):
    g = gradient_reading(race)
    curves = race.lanes["CD-1"].gradient_curves
    assert g.key == "CD-1" and g.step == curves["step"][-1]
    assert (g.cos, g.cd_norm, g.grad_norm) == (curves["cd_cos"][-1], curves["cd_norm"][-1], curves["grad_norm"][-1])


def test_stalled_and_angle():
    assert GradientReading("CD-1", 1, 0.5, 0.09, 1.0).stalled
    assert not GradientReading("CD-1", 1, 0.5, 0.1, 1.0).stalled
    assert not GradientReading("CD-1", 1, 0.5, math.nan, 1.0).stalled
    assert GradientReading("CD-1", 1, 0.5, 1.0, 1.0).angle_degrees == pytest.approx(60.0)
    assert GradientReading("CD-1", 1, 1.0 + 1e-12, 1.0, 1.0).angle_degrees == 0.0
