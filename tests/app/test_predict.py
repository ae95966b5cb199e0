"""Predict, then reveal (pgmviz.ui.predict) by AppTest: off by default and the page unchanged; with
questions on, the answer and the parts that give it away stay hidden until a guess is committed, the
revealed value is the library's, *Ask again* hides it again, and the switch round-trips through the URL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.closeness import judge_number
from pgmviz.models import sbn
from pgmviz.ui import predict
from tests.app.helpers import query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "explaining_away.py")
GIVE_AWAY = "p(truck = 1 | jump, quake = 1)"


def fmt(p: float) -> str:  # explaining_away's format, restated
    return f"{p:.5f}" if p >= 1e-3 or p == 0 else f"{p:.3e}"


def verdicts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.success, *at.info, *at.warning) if e.value.startswith("You said")]


def script() -> None:
    """A question of each kind, with answers the test sets through session state."""
    import streamlit as st

    from pgmviz.ui import predict

    predict.switch()
    answer = st.session_state.get("t_answer", 0.25)
    q = predict.ask("t_num", "How much?", predict.Number(0.0, 1.0, 0.05), answer=answer,
                    about=st.session_state.get("t_about"))
    if q.reveals("the number"):
        st.metric("the answer", f"{answer:.3g}")
    c = predict.ask("t_choice", "Which way?", predict.Choice(["up", "down"]))
    if c.reveals():
        st.markdown("It goes down.")
    c.reveal("down")


def app(**params: str) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params.update(params)
    return run(at)


def test_off_by_default_everything_is_shown_and_nothing_asked():
    at = app()
    assert at.toggle(key=predict.WIDGET).value is False
    assert [m.value for m in at.metric] == ["0.25"] and at.markdown[-1].value == "It goes down."
    assert not any("Predict, then reveal" in m.value for m in at.markdown)
    assert not at.caption and not verdicts(at) and query(at) == {}


def test_a_number_is_hidden_until_committed_then_judged():
    at = app(questions="1")
    assert not at.metric and not verdicts(at)
    assert any(predict.HIDDEN in c.value for c in at.caption)
    at.slider(key="t_num__guess").set_value(0.4)
    at.button(key="t_num__commit").click()
    run(at)
    assert [m.value for m in at.metric] == ["0.25"]
    assert verdicts(at) == [judge_number(0.4, 0.25, 0.0, 1.0).text]
    assert at.markdown[-1].value != "It goes down."  # the other question is still open
    at.button(key="t_num__again").click()
    run(at)
    assert not at.metric and not verdicts(at)


def test_a_choice_needs_one_then_says_right_or_wrong():
    at = app(questions="1")
    assert at.button(key="t_choice__commit").disabled
    at.radio(key="t_choice__guess").set_value("up")
    run(at)
    assert not at.button(key="t_choice__commit").disabled
    at.button(key="t_choice__commit").click()
    run(at)
    assert verdicts(at) == ["You said *up*; it is *down*: wrong."]
    assert at.markdown[-1].value == "It goes down."


def test_new_settings_ask_again():
    at = app(questions="1")
    at.button(key="t_num__commit").click()
    run(at)
    assert at.metric
    at.session_state["t_about"] = "other settings"
    run(at)
    assert not at.metric and at.button(key="t_num__commit")


def test_no_finite_answer_is_a_message_not_a_crash():
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["questions"] = "1"
    at.session_state["t_answer"] = float("nan")
    run(at)
    at.button(key="t_num__commit").click()
    run(at)
    assert any("no finite answer" in w.value for w in at.warning) and not verdicts(at)


def test_the_switch_round_trips_through_the_url():
    at = app()
    at.toggle(key=predict.WIDGET).set_value(True)
    run(at)
    assert query(at) == {"questions": "1"} and at.button(key="t_num__commit")
    at.toggle(key=predict.WIDGET).set_value(False)
    run(at)
    assert query(at) == {} and not at.caption
    on = app(questions="1")
    assert on.toggle(key=predict.WIDGET).value is True and query(on) == {"questions": "1"}
    for bad in ("yes", "2", ""):
        assert app(questions=bad).toggle(key=predict.WIDGET).value is False


# --- on a lesson page ------------------------------------------------------------------------------
@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["questions"] = "1"
    return run(at)


def test_explaining_away_hides_the_explained_truck_until_committed(page):
    assert GIVE_AWAY not in [m.label for m in page.metric] and not verdicts(page)
    notice = next(i.value for i in page.info if "What to notice" in i.value)
    lec = sbn.explaining_away(sbn.explaining_away_net(), 1)
    assert fmt(lec.p_truck_given_quake) not in notice
    page.select_slider(key="ea_q_quake__guess").set_value(0.5)
    page.button(key="ea_q_quake__commit").click()
    run(page)
    shown = next(m.value for m in page.metric if m.label == GIVE_AWAY)
    assert shown == fmt(lec.p_truck_given_quake)
    (text,) = verdicts(page)
    assert text == judge_number(0.5, lec.p_truck_given_quake, 1e-8, 1.0, ratio=True, fmt=fmt).text
    assert f"it is {shown}" in text and "far off" in text
    assert query(page) == {"questions": "1"}


def test_explaining_away_unchanged_with_questions_off():
    on, off = AppTest.from_file(PAGE, default_timeout=120), AppTest.from_file(PAGE, default_timeout=120)
    on.query_params["questions"] = "1"
    run(on), run(off)
    on.select_slider(key="ea_q_quake__guess").set_value(0.5)
    on.button(key="ea_q_quake__commit").click()
    run(on)
    # committed, the page shows what it shows with questions off, plus the question's box
    assert [(m.label, m.value) for m in on.metric] == [(m.label, m.value) for m in off.metric]
    assert not any("Predict, then reveal" in m.value for m in off.markdown) and not off.caption
    assert np.isfinite(float(next(m.value for m in off.metric if m.label == GIVE_AWAY)))
