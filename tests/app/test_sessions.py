"""pgmviz.ui.sessions: which websocket handshakes name a lost session, and that a plain visit says nothing.

The browser test tests/browser/test_serve_browser.py kills a real worker and sees the message."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pgmviz.ui.sessions import RESET_MESSAGE, previous_session_id

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_previous_session_id_from_the_handshake():
    # a new tab: the protocol name and the XSRF token only
    assert previous_session_id("streamlit, 2|46bbe965|b05fd250|1796110182") is None
    # the frontend reconnecting after losing its websocket names the session it had
    sid = "dd6196b9-4679-4e0f-bdad-5374f01e278e"
    assert previous_session_id(f"streamlit, 2|ab4bd735|5dafec00|1796110182, {sid}") == sid
    assert previous_session_id(f"streamlit,PLACEHOLDER_AUTH_TOKEN,{sid}") == sid
    # no header (AppTest, a bare script run), an empty id, or some other protocol
    for header in (None, "", "streamlit", "streamlit, token, ", f"other, token, {sid}"):
        assert previous_session_id(header) is None, header


def test_a_plain_visit_shows_no_reset_message():
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert not [w for w in app.warning if RESET_MESSAGE.split("**")[1] in w.value]
    assert app.session_state["sessions_reset"] is None


def test_idle_means_no_full_run_for_idle_limit():
    from pgmviz.ui.sessions import IDLE_LIMIT, is_idle

    assert not is_idle(None, 1e9)  # a session that never ran a page
    assert not is_idle(100.0, 100.0 + IDLE_LIMIT)
    assert is_idle(100.0, 100.0 + IDLE_LIMIT + 1)


def test_an_idle_session_is_emptied_and_told():
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.session_state["mine"] = "a trained model"
    app.run()
    assert app.session_state["mine"] == "a trained model"  # a full run within the limit: kept
    assert app.session_state["sessions_last_run"] > 0
    # what the tick sets once IDLE_LIMIT has passed with no full run (AppTest runs no fragment timers)
    app.session_state["sessions_idle"] = True
    app.run()
    assert not app.exception
    assert "mine" not in app.session_state
    assert [w for w in app.warning if "You were away for a while" in w.value]
    assert app.session_state["sessions_reset"] == "idle"


# --- the reaper: sessions that left are emptied and shut down, the others left alone ----------


class _FakeSession:
    def __init__(self, sid):
        self.id = sid
        self.calls = []
        self.session_state = self._Recorder(self.calls, "state cleared")
        self._fragment_storage = self._Recorder(self.calls, "fragments cleared")

    class _Recorder:
        def __init__(self, calls, what):
            self.calls, self.what = calls, what

        def clear(self):
            self.calls.append(self.what)

    def shutdown(self):
        self.calls.append("shut down")


class _Info:
    def __init__(self, session):
        self.session = session


def test_reaper_shuts_down_only_sessions_neither_connected_nor_stored(monkeypatch):
    from types import SimpleNamespace

    from pgmviz.ui import sessions

    connected, stored, gone = _FakeSession("a"), _FakeSession("b"), _FakeSession("c")
    reaped_on_len = []

    class _Cache(dict):
        def __len__(self):  # streamlit's TTLCache reaps expired entries on a length query
            reaped_on_len.append(True)
            return super().__len__()

    storage = SimpleNamespace(_cache=_Cache(), list=lambda: [_Info(stored)])
    mgr = SimpleNamespace(_session_storage=storage, list_active_sessions=lambda: [_Info(connected)])
    monkeypatch.setattr(sessions.runtime, "exists", lambda: True)
    monkeypatch.setattr(sessions.runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=mgr))
    monkeypatch.setattr(sessions, "REAP_EVERY", 1e9)  # the reaper's own thread never gets to run
    reaper = sessions._Reaper()
    for s in (connected, stored, gone):
        reaper.sessions[s.id] = s
    assert reaper.reap() == 1
    assert gone.calls == ["shut down", "state cleared", "fragments cleared"]
    assert connected.calls == [] and stored.calls == []
    assert set(reaper.sessions) == {"a", "b"} and reaped_on_len
    assert reaper.reap() == 0  # nothing left to do
    assert gone.calls == ["shut down", "state cleared", "fragments cleared"]


def test_a_session_keeps_at_most_max_user_models():
    def script():
        import numpy as np

        from pgmviz.models.rbm import RBM
        from pgmviz.ui import models

        for i in range(models.MAX_USER_MODELS + 3):
            models.set_current_model(f"m{i}", RBM(np.zeros((4, 2), np.float32), np.zeros(4, np.float32),
                                                  np.zeros(2, np.float32)))
        models.set_current_model("m0", RBM(np.zeros((4, 2), np.float32), np.zeros(4, np.float32),
                                           np.zeros(2, np.float32)))  # dropped before, stored again

    app = AppTest.from_function(script, default_timeout=60).run()
    assert not app.exception
    from pgmviz.ui.models import MAX_USER_MODELS

    mine = list(app.session_state["user_models"])
    assert len(mine) == MAX_USER_MODELS
    assert mine[-1] == "m0" and app.session_state["current_model"] == "m0"
    assert mine[:-1] == [f"m{i}" for i in range(4, MAX_USER_MODELS + 3)]  # the oldest went first


def test_no_full_garbage_collection_after_every_run():
    # Streamlit's runner.postScriptGC makes every fragment rerun a gc.collect(2): the repository's
    # config turns it off, and the server turns it off itself when started without that config.
    import tomllib

    from streamlit import config

    from pgmviz.ui.sessions import turn_off_post_script_gc

    toml = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert toml["runner"]["postScriptGC"] is False
    before = config.get_option("runner.postScriptGC")
    try:
        config.set_option("runner.postScriptGC", True)
        assert turn_off_post_script_gc() is True
        assert config.get_option("runner.postScriptGC") is False
        assert turn_off_post_script_gc() is False  # already off
    finally:
        config.set_option("runner.postScriptGC", before)
