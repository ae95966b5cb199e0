"""Frame pacing from the scheduler's load (pgmviz.ui.pacing): exact values of the rules."""

import math

import pytest

from pgmviz.ui import pacing
from pgmviz.ui.scheduler import Stats


def stats(sessions: int, slots: int = 1, slice_s: float = 0.2) -> Stats:
    return Stats(slots=slots, running=0, queued=0, sessions=sessions, slice_s=slice_s, wait_s=0.0, turns=0,
                 dropped=0)


def test_alone_a_frame_comes_every_tick_or_after_its_own_cost():
    assert pacing.frame_interval(stats(1), tick_s=0.4) == 0.4
    assert pacing.frame_interval(stats(1), tick_s=0.4, frame_s=0.8) == pytest.approx(1.0)


def test_queued_sessions_frame_once_per_turn():
    # 12 sessions on one slot, slices of 0.25 s: a turn every 12 x 0.25 = 3 s, a frame every 3.3 s.
    s = stats(12, slots=1, slice_s=0.25)
    assert s.turn_interval_s == pytest.approx(3.0)
    assert pacing.frame_interval(s, tick_s=0.4) == pytest.approx(3.3)
    # at a load of exactly 1 nobody queues: the tick rules
    assert pacing.frame_interval(stats(2, slots=2, slice_s=5.0), tick_s=0.4) == 0.4


def test_a_turn_trains_longer_under_load_up_to_the_bound():
    assert pacing.slice_seconds(0.2, stats(1)) == pytest.approx(0.2)
    assert pacing.slice_seconds(0.2, stats(9)) == pytest.approx(0.2 * 3)
    assert pacing.slice_seconds(0.2, stats(400)) == pytest.approx(0.2 * pacing.MAX_SLICE_FACTOR)
    assert pacing.slice_seconds(0.2, stats(6, slots=2)) == pytest.approx(0.2 * math.sqrt(3))


def test_busy_text_only_when_sessions_queue():
    assert pacing.busy_text(stats(1), 0.4) is None
    assert pacing.busy_text(stats(2, slots=2), 0.4) is None
    text = pacing.busy_text(stats(12, slots=1), 3.3)
    assert text.startswith("12 students are training on this server (1 compute slot)")
    assert "a frame every 3.3 s" in text
    assert "(2 compute slots)" in pacing.busy_text(stats(5, slots=2), 1.0)


def test_retime_only_on_a_large_change():
    assert not pacing.needs_retime(0.4, 0.5)
    assert pacing.needs_retime(0.4, 0.7)
    assert pacing.needs_retime(3.0, 0.4)


def test_retime_outside_a_fragment_sends_nothing():
    assert pacing.retime(1.0) is False
