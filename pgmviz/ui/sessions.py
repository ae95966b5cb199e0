"""A session that the server lost: tell the student, instead of leaving them a page that looks alive.

When a server process restarts (a crashed worker behind ``scripts/serve.py``, or ``make run``
started again), or a tab was disconnected longer than the server keeps a disconnected session
(``server.disconnectedSessionTTL``, 2 minutes), Streamlit's frontend reconnects on its own and
gets a fresh, empty session: models trained in class are gone, and the page still shows the old
pictures. The frontend names the session it had in the websocket handshake
(``Sec-WebSocket-Protocol: streamlit, <xsrf token>, <previous session id>``); a server that still
holds that session resumes it, so a session that is new on its first run while the handshake names
a previous one is a session that was lost. A reload or a new tab names none, so they say nothing.

The frontend does not rerun a page by itself after reconnecting, so a page without a live fragment
would keep showing its old content until the next click. A tiny fragment on every page ticks every
``CHECK_EVERY`` seconds; a fresh session does not know the fragment a tick names and runs the whole
script instead, which shows the message.
"""

from __future__ import annotations

import streamlit as st

RESET_MESSAGE = (
    "**The server restarted, your session was reset.** Models you trained or loaded here and "
    "results computed in this tab are gone; the settings in the address bar were kept. "
    "Press Train (or reload the page) to start again."
)
CHECK_EVERY = 10  # s; a lost session is noticed this long after its tab reconnects, at most
_SEEN = "sessions_seen"  # set on a session's first run
_RESET = "sessions_reset"  # True while the reset message is shown


def previous_session_id(protocol_header: str | None) -> str | None:
    """The session id a reconnecting tab names in its ``Sec-WebSocket-Protocol`` header, or None.

    The header is ``"streamlit, <xsrf token>"`` for a new tab and ``"streamlit, <xsrf token>,
    <session id>"`` when the frontend reconnects after losing its websocket.
    """
    if not protocol_header:
        return None
    parts = [p.strip() for p in protocol_header.split(",")]
    if len(parts) < 3 or parts[0] != "streamlit":
        return None
    return parts[2] or None


def _dismiss() -> None:
    st.session_state[_RESET] = False


@st.fragment(run_every=CHECK_EVERY)
def _tick() -> None:
    """Draws nothing: its rerun request is the check (see the module docstring)."""


def reset_notice() -> bool:
    """On every run (app.py): show the reset message to a tab whose session the server lost.

    Returns True while the message is shown. The check runs once per session, on its first run;
    the message stays until the student dismisses it.
    """
    if _SEEN not in st.session_state:
        st.session_state[_SEEN] = True
        lost = previous_session_id(st.context.headers.get("Sec-Websocket-Protocol"))
        st.session_state[_RESET] = lost is not None
    with st.sidebar:
        _tick()
    if not st.session_state.get(_RESET):
        return False
    with st.container(key="sessions_reset_notice"):
        st.warning(RESET_MESSAGE, icon=":material/restart_alt:")
        st.button("OK", key="sessions_reset_ok", on_click=_dismiss)
    return True
