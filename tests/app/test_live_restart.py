"""LiveRun's Start again / Stop / Back (pgmviz.ui.live.LiveRun.restart_buttons) on a tiny page
(tests/app/live_restart_page.py): Start again builds a fresh trainer once and runs it, Stop pauses
(nothing trains after), Back drops the trainer; each button is enabled only when it can act.
AppTest does not tick fragments: a rerun while running is one frame, and trains one update."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.helpers import metrics, run

PAGE = str(Path(__file__).with_name("live_restart_page.py"))


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def enabled(at: AppTest) -> dict[str, bool]:
    return {k: not at.button(key=f"lr_{k}").disabled for k in ("start", "stop", "forget")}


def test_nothing_runs_before_start():
    at = run(AppTest.from_file(PAGE, default_timeout=30))
    assert metrics(at)["updates"] == "none" and at.session_state["lr_running"] is False
    assert enabled(at) == {"start": True, "stop": False, "forget": False}


def test_start_builds_and_runs_stop_pauses_back_forgets():
    at = run(AppTest.from_file(PAGE, default_timeout=30))
    click(at, "lr_start")
    first = at.session_state["lr_counter"]
    assert at.session_state["lr_builds"] == 1 and at.session_state["lr_running"] is True
    assert first.step == 1 and metrics(at)["updates"] == "1"  # the rerun after the build drew its first frame
    assert enabled(at) == {"start": False, "stop": True, "forget": True}
    run(at)  # a frame while running trains one more
    assert first.step == 2 and metrics(at)["updates"] == "2"
    click(at, "lr_stop")
    assert at.session_state["lr_running"] is False
    run(at)
    run(at)
    assert first.step == 2 and metrics(at)["updates"] == "2"  # nothing trains after Stop
    assert enabled(at) == {"start": True, "stop": False, "forget": True}
    click(at, "lr_start")  # start again: a fresh trainer, from zero
    assert at.session_state["lr_builds"] == 2 and at.session_state["lr_counter"] is not first
    assert at.session_state["lr_counter"].step == 1 and first.step == 2
    click(at, "lr_forget")  # Back, while running: stops and drops it
    assert "lr_counter" not in at.session_state and at.session_state["lr_running"] is False
    assert metrics(at)["updates"] == "none" and at.session_state["lr_builds"] == 2
    assert enabled(at) == {"start": True, "stop": False, "forget": False}
