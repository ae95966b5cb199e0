"""The animation player (pgmviz.ui.player) on a tiny page (tests/app/player_page.py): a tick advances
``step`` frames, playing stops at the last frame or with ``loop`` wraps to the first, the Speed
slider sets frames per tick, `start` shows its frame once before moving on, and new frames
(a new signature) reset the view. AppTest does not tick fragments: a rerun while playing is a tick."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.helpers import metrics, run

PAGE = str(Path(__file__).with_name("player_page.py"))


def page(**options) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for key, value in options.items():
        at.session_state["pl_" + key] = value
    return run(at)


def shown(at: AppTest) -> tuple[int, bool, str | None]:
    m = metrics(at)
    return at.session_state["pl_f_pos"], at.session_state["pl_f_playing"], m.get("shown")


def click(at: AppTest, name: str) -> AppTest:
    at.button(key=f"pl_f_{name}").click()
    return run(at)


def test_opens_paused_on_the_last_frame_and_steps():
    at = page()
    assert shown(at) == (4, False, "frame 4")
    click(at, "first")
    assert shown(at) == (0, False, "frame 0")
    click(at, "next")
    click(at, "next")
    assert shown(at) == (2, False, "frame 2")
    click(at, "back")
    assert shown(at) == (1, False, "frame 1")
    at.select_slider(key="pl_f_slider").set_value(3)
    run(at)
    assert shown(at) == (3, False, "frame 3")


def test_playing_stops_at_the_last_frame_without_loop():
    at = page()
    click(at, "play")  # at the end: Play starts again from the start; this run is its first tick
    assert shown(at) == (1, True, "frame 1")
    assert at.button(key="pl_f_play").label == "Pause"
    run(at)
    run(at)
    assert shown(at)[:2] == (3, True)
    run(at)  # the tick that reaches the last frame stops playing
    assert shown(at) == (4, False, "frame 4")
    run(at)
    assert shown(at) == (4, False, "frame 4")


def test_loop_wraps_to_the_first_frame_and_keeps_playing():
    at = page(loop=True)
    at.select_slider(key="pl_f_slider").set_value(3)
    run(at)
    click(at, "play")
    assert shown(at) == (4, True, "frame 4")
    run(at)
    assert shown(at) == (0, True, "frame 0")
    click(at, "play")  # Pause
    assert shown(at) == (0, False, "frame 0")
    run(at)
    assert shown(at) == (0, False, "frame 0")


def test_speed_sets_the_frames_per_tick():
    at = page(loop=True, speeds=True)
    assert at.select_slider(key="pl_f_speed").value == "1x"
    click(at, "first")
    at.select_slider(key="pl_f_speed").set_value("3x")
    run(at)
    click(at, "play")
    assert shown(at) == (3, True, "frame 3")
    run(at)
    assert shown(at) == (1, True, "frame 1")  # 3 + 3 wraps to 1 of 5


def test_start_draws_its_frame_once_then_moves_on():
    at = page()
    at.session_state["pl_start"] = True
    at.session_state["pl_from"] = 2
    run(at)
    assert shown(at) == (2, True, "frame 2")
    run(at)
    assert shown(at) == (3, True, "frame 3")


def test_new_frames_reset_the_view():
    at = page()
    click(at, "first")
    click(at, "next")
    at.session_state["pl_sig"] = 1  # new settings made new frames
    run(at)
    assert shown(at) == (4, False, "frame 4")
