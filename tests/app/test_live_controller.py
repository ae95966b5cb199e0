"""The live-run controller (pgmviz.ui.live.LiveRun) on a tiny page (tests/app/live_page.py): Step and
Train train through the scheduler, Pause stops, Reset rebuilds, divergence and failures become
messages with the model kept. AppTest does not tick fragments: a click's own slice is what shows."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.helpers import metrics, run

PAGE = str(Path(__file__).with_name("live_page.py"))


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def page(mode: str = "ok") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lt_mode"] = mode
    return run(at)


def test_step_trains_one_slice_and_the_page_shows_it():
    at = page()
    assert at.session_state["lt_trainer"].step == 0 and metrics(at)["updates"] == "0"
    click(at, "lt_step")
    assert at.session_state["lt_trainer"].step == 1 and metrics(at)["updates"] == "1"
    assert at.session_state["lt_shown"] == 1 and at.session_state["lt_running"] is False
    click(at, "lt_step")
    assert at.session_state["lt_trainer"].step == 2


def test_train_runs_until_pause_and_nothing_trains_after():
    at = page()
    click(at, "lt_train")
    assert at.session_state["lt_running"] is True and at.button(key="lt_train").disabled
    step = at.session_state["lt_trainer"].step
    assert step >= 1
    run(at)  # a rerun while running: the frame trains a slice of its own
    assert at.session_state["lt_trainer"].step > step
    click(at, "lt_pause")
    assert at.session_state["lt_running"] is False
    step = at.session_state["lt_trainer"].step
    run(at)
    run(at)
    assert at.session_state["lt_trainer"].step == step
    assert metrics(at)["updates"] == str(step)  # what the page shows is the trainer's state


def test_reset_builds_a_fresh_trainer_and_bad_settings_keep_the_old_one():
    at = page()
    click(at, "lt_step")
    old = at.session_state["lt_trainer"]
    click(at, "lt_reset")
    assert at.session_state["lt_trainer"] is not old and at.session_state["lt_trainer"].step == 0
    click(at, "lt_step")
    kept = at.session_state["lt_trainer"]
    at.session_state["lt_mode"] = "bad"
    click(at, "lt_reset")
    assert any("cannot train" in e.value for e in at.error)
    assert at.session_state["lt_trainer"] is kept and kept.step == 1


def test_divergence_stops_training_with_a_message_and_the_model_kept():
    at = page("diverge")
    click(at, "lt_train")
    for _ in range(3):
        run(at)
    t = at.session_state["lt_trainer"]
    assert t.diverged and t.step == 2
    assert at.session_state["lt_running"] is False
    assert any("diverged" in e.value and "Reset" in e.value for e in at.error)
    assert at.button(key="lt_train").disabled and at.button(key="lt_step").disabled
    click(at, "lt_reset")
    assert not at.error and at.session_state["lt_trainer"].diverged is None


def test_a_slice_that_raises_is_a_message_not_a_crash():
    at = page("fail")
    click(at, "lt_step")
    click(at, "lt_step")
    click(at, "lt_step")  # update 3 raises in the worker thread
    assert not at.exception
    assert any("FloatingPointError" in e.value and "kept" in e.value for e in at.error)
    assert at.session_state["lt_trainer"].step == 2 and at.session_state["lt_running"] is False


def test_a_busy_server_is_said_on_the_page():
    from pgmviz.ui.scheduler import SCHEDULER

    at = page()
    click(at, "lt_train")
    assert not any("students are training" in c.value for c in at.caption)  # alone: no note
    others = [f"other-student-{i}" for i in range(3 * SCHEDULER.slots)]
    try:
        for name in others:  # sessions that keep asking (their slices wait: none is run here)
            SCHEDULER.touch(name)
        run(at)
        n = SCHEDULER.stats().sessions
        assert n > SCHEDULER.slots
        assert any(f"{n} students are training on this server" in c.value for c in at.caption)
    finally:
        for name in others:
            SCHEDULER.leave(name)
    click(at, "lt_pause")
