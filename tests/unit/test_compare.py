"""pgmviz.training.compare: a race differs only in the negative phase, and the preset's claim holds.

The claim is checked on a cheap two-lane race with the preset's settings (seconds, not minutes):
CD-1 against population annealing with 100 particles, the cheapest of the methods that sample
the model itself (PCD needs 1,000 chains here, PT ten temperatures).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.training.compare import Race
from pgmviz.training.race_settings import PRESETS, Method, RaceSettings


@pytest.fixture(scope="module")
def bars():
    return datasets.load("bars4")


def small(**kw) -> RaceSettings:
    base = dict(dataset="bars4", n_hidden=6, lr=0.1, batch_size=10, seed=3,
                methods=(Method("cd"), Method("pcd", n_chains=20), Method("pa", n_chains=20),
                         Method("pt", n_chains=5, n_temps=3)))
    return RaceSettings(**{**base, **kw})


def test_all_methods_start_from_identical_parameters(bars):
    race = Race(small(), bars.X_train)
    rbms = [lane.trainer.rbm for lane in race.lanes.values()]
    for rbm in rbms:
        assert rbm is not race.rbm0  # copies, so one method's updates cannot leak into another's
        np.testing.assert_array_equal(rbm.W, race.rbm0.W)
        np.testing.assert_array_equal(rbm.b, race.rbm0.b)
        np.testing.assert_array_equal(rbm.c, race.rbm0.c)
    first = [lane.curves["ll_train"][0] for lane in race.lanes.values()]
    assert len(set(first)) == 1
    race.step(7)
    assert {lane.trainer.step for lane in race.lanes.values()} == {7}
    assert all(len(lane.curves["ll_train"]) == 2 for lane in race.lanes.values())


def test_same_batches_for_every_method(bars):
    """The batch order has its own stream: samplers drawing different amounts of noise see the same batches."""
    race = Race(small(), bars.X_train)
    batches = {key: [lane.trainer._next_batch() for _ in range(7)] for key, lane in race.lanes.items()}
    ref = batches["CD-1"]
    for key, bs in batches.items():
        for a, b in zip(ref, bs):
            np.testing.assert_array_equal(a, b)


def test_same_settings_same_curves(bars):
    a, b = Race(small(), bars.X_train), Race(small(), bars.X_train)
    a.step(20)
    for _ in range(4):
        b.step(5)  # chunking does not change the result
    for key in a.lanes:
        assert a.lanes[key].curves["ll_train"][-1] == pytest.approx(b.lanes[key].curves["ll_train"][-1], abs=1e-9)


def test_costs_and_diagnostics_recorded(bars):
    race = Race(small(), bars.X_train, mass_rows=bars.X_train)
    race.step(10)
    for lane in race.lanes.values():
        assert lane.seconds_per_update > 0
        assert lane.curves["seconds_per_update"][-1] > 0
        assert 0 < lane.curves["p_data"][-1] <= 1
    rel = race.relative_cost()
    assert rel["CD-1"] == pytest.approx(1.0)
    assert all(r > 0 for r in rel.values())
    pa, pt = race.lanes["PA-1 x20"], race.lanes["PT-1 x5, 3 temps"]
    assert 0 < pa.curves["ess"][-1] <= 1
    assert pt.swap_rates.shape == (2,) and 0 <= pt.curves["swap_rate"][-1] <= 1
    assert race.particles("CD-1").shape == (10, 16)  # CD: its last negative batch
    assert race.particles("PCD-1 x20", 4).shape == (4, 16)


def test_duplicate_and_invalid_settings_refused():
    with pytest.raises(ValueError, match="same name"):
        RaceSettings(methods=(Method("cd"), Method("cd")))
    with pytest.raises(ValueError, match="lr"):
        RaceSettings(lr=0.0)
    with pytest.raises(ValueError, match="temperatures"):
        Method("pt", n_temps=1)


def test_divergence_stops_one_lane_not_the_race(bars):
    race = Race(small(lr=5000.0, n_hidden=4), bars.X_train)
    race.step(20)
    assert any(lane.stopped for lane in race.lanes.values())
    for lane in race.lanes.values():
        assert np.isfinite(lane.curves["ll_train"]).all()


@pytest.mark.slow
def test_preset_cd_fails_claim(bars):
    """With the preset's settings and seed, CD-1 levels off below a method that samples the model,
    and there its expected update has all but vanished while the exact gradient has not.

    Measured (see pgmviz/training/race_settings.py): CD-1 levels off near -4.8 nats; PA-1 with 100 particles
    reaches about -3.8. Checked over the preset's whole length: PA beats CD-1 by more than 0.5 nats
    over the last records, CD-1 moves by less than 0.3 nats over its last 3,000 updates, and its
    expected update's norm ends below a tenth of the exact gradient's (cosine near 1 at the start).
    """
    preset = PRESETS["cd_fails"]
    s = replace(preset.settings, methods=(Method("cd"), Method("pa", n_chains=100)))
    race = Race(s, bars.X_train, compare_gradient=True)
    for _ in range(preset.n_updates // 500):
        race.step(500)
    cd_lane = race.lanes["CD-1"]
    ll, steps = cd_lane.curves["ll_train"], cd_lane.curves["step"]
    cd = np.mean(ll[-3:])
    pa = np.mean(race.lanes["PA-1 x100"].curves["ll_train"][-3:])
    assert pa > cd + 0.5, (cd, pa)
    assert abs(ll[-1] - ll[steps.index(preset.n_updates - 3000)]) < 0.3
    g = cd_lane.gradient_curves
    assert g["step"] == [float(x) for x in range(0, preset.n_updates + 1, 500)]
    assert g["cd_cos"][0] > 0.9
    assert g["cd_norm"][-1] < 0.1 * g["grad_norm"][-1]
    assert "cd_cos" not in race.lanes["PA-1 x100"].gradient_curves  # only CD lanes have an expected update here


def test_presets_are_valid():
    for key, preset in PRESETS.items():
        s = preset.settings
        assert RaceSettings.from_dict(s.to_dict()) == s
        assert min(datasets.load(s.dataset).n_v, s.n_hidden) <= 20, key  # exact likelihood stays cheap


def test_a_lane_left_behind_catches_up(bars):
    """A step cut short (a stopped script run) leaves lanes unequal; the next step levels them."""
    race = Race(small(), bars.X_train)
    race.lanes["CD-1"].trainer.run(3, with_metrics=False)
    race.step(5)
    assert {lane.trainer.step for lane in race.lanes.values()} == {8}
    assert {lane.curves["step"][-1] for lane in race.lanes.values()} == {8.0}
