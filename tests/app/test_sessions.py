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
    assert app.session_state["sessions_reset"] is False
