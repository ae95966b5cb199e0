"""pgmviz.ui.warm: the server's own warm-up session. Its client notices a finished run and the exception
boxes a page showed; without a Streamlit runtime (AppTest, a bare script) it runs nothing and says why.

The warm-up in a real server is measured by bench/classroom.py --memory (bench/README.md)."""

from __future__ import annotations

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from pgmviz.ui.warm import WarmClient, WarmUp, rerun_message, warm_pages


def test_the_client_notices_the_end_of_a_run_and_its_exceptions():
    client = WarmClient()
    shown = ForwardMsg()
    shown.delta.new_element.markdown.body = "a page's text"
    client.write_forward_msg(shown)
    assert not client.finished.is_set() and client.exceptions == []
    box = ForwardMsg()
    box.delta.new_element.exception.type = "ValueError"
    box.delta.new_element.exception.message = "bad input"
    client.write_forward_msg(box)
    assert client.exceptions == ["ValueError: bad input"]
    done = ForwardMsg()
    done.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    client.write_forward_msg(done)
    assert client.finished.is_set()


def test_the_rerun_message_names_the_page_as_a_browser_does():
    msg = rerun_message("energy")
    assert msg.WhichOneof("type") == "rerun_script"
    assert msg.rerun_script.page_name == "energy"
    assert msg.rerun_script.HasField("widget_states") and not msg.rerun_script.widget_states.widgets


def test_without_a_runtime_nothing_runs_and_the_reason_is_kept():
    state = warm_pages(["home", "energy"], WarmUp())
    assert state.done.is_set()
    assert state.pages == []
    assert "no Streamlit runtime" in state.stopped


def test_it_can_be_turned_off(monkeypatch):
    from pgmviz.ui import warm

    monkeypatch.setenv(warm.OFF, "0")
    state = warm_pages(["home"], WarmUp())
    assert state.pages == [] and state.stopped == f"{warm.OFF}=0"


def test_only_the_warm_up_s_own_session_is_a_warm_session(monkeypatch):
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner_utils import script_run_context

    from pgmviz.ui import warm

    assert not warm.is_warm_session()  # no script run here
    monkeypatch.setattr(script_run_context, "get_script_run_ctx", lambda **_: SimpleNamespace(session_id="s1"))
    assert not warm.is_warm_session()  # a student's session
    monkeypatch.setattr(warm, "_SESSIONS", {"s1"})
    assert warm.is_warm_session()
