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

**Sessions that left.** Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL``
seconds so a tab can reconnect to it, but it drops an expired one only when another session
disconnects, and then without shutting it down; and a dropped session was measured to stay alive
(held by something gc cannot see), with everything its pages put in its state, about 70 MiB per
student at the pages' defaults. So one thread per server (`start_reaper`) looks every
``REAP_EVERY`` seconds: it expires the sessions past their TTL, empties and shuts down every
session it saw that is neither connected nor kept for reconnecting (its state, its fragments, its
pictures), and hands the freed memory back to the operating system (glibc's ``malloc_trim``).
A tab still connected but untouched for ``IDLE_LIMIT`` is emptied by its own next run (the tick
asks for one) and says so.

**No full garbage collection after every run.** Streamlit calls ``gc.collect(2)`` after every
script run, fragment reruns included (``runner.postScriptGC``). With the app's libraries loaded a
full collection holds the interpreter lock for about 0.3 s here, and a training page reruns 2.5
times a second: with one student training, 92% of the samples py-spy took of the thread holding
the lock were in that collection, and ten students collapsed. ``.streamlit/config.toml`` turns it
off; `turn_off_post_script_gc` does the same for a server started elsewhere. Without it, cycles
(plotly figures point to their parents) waited for Python's rare full collections: ten students'
server peaked at 408 MiB instead of 208. So the reaper's thread collects: ``COLLECT_DELAY``
seconds after a full page run starts (every page opened or clicked: most garbage comes from
those, and the page's own script is done by then), and every ``COLLECT_EVERY`` seconds anyway
(frames). Fragment reruns never pay for a collection. (``gc.freeze`` at the first pass, tried to
make each collection cheaper, is not used: whatever a session held at that moment could never be
collected as a cycle afterwards.)
"""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
import time
import weakref

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

_LOG = logging.getLogger(__name__)
REAP_EVERY = 30.0  # s
COLLECT_EVERY = 5.0  # s; a full collection at least this often (see the module docstring)
COLLECT_DELAY = 1.0  # s after a full page run starts

RESET_MESSAGE = (
    "**The server restarted, your session was reset.** Models you trained or loaded here and "
    "results computed in this tab are gone; the settings in the address bar were kept. "
    "Press Train (or reload the page) to start again."
)
IDLE_MESSAGE = (
    "**You were away for a while, so your session was reset** to give the server its memory back: "
    "models you trained or loaded here are gone; the settings in the address bar were kept."
)
CHECK_EVERY = 10  # s; a lost session is noticed this long after its tab reconnects, at most
# A tab left open with nobody clicking (no full run: no click, no page opened) for this long has its
# state emptied, so tabs forgotten after class do not hold memory (or keep training) overnight.
# Long enough that a lecture's "press Train and talk" is never cut short.
IDLE_LIMIT = 2 * 3600.0  # s
_SEEN = "sessions_seen"  # set on a session's first run
_RESET = "sessions_reset"  # None, or the message shown until dismissed
_LAST_RUN = "sessions_last_run"  # time.monotonic() of the session's last full run
_IDLE = "sessions_idle"  # set by the tick when the session has been idle too long
_MESSAGES = {"restarted": RESET_MESSAGE, "idle": IDLE_MESSAGE}


def session_id() -> str:
    """This browser session's id (Streamlit's), or "no-session" outside a script run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else "no-session"


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


def is_idle(last_run: float | None, now: float) -> bool:
    """Whether a session whose last full run was at ``last_run`` has been idle too long at ``now``."""
    return last_run is not None and now - last_run > IDLE_LIMIT


def _dismiss() -> None:
    st.session_state[_RESET] = None


@st.fragment(run_every=CHECK_EVERY)
def _tick() -> None:
    """Draws nothing: its rerun request is the lost-session check (see the module docstring), and
    it asks for a full run of a session idle longer than IDLE_LIMIT, which then empties it."""
    if is_idle(st.session_state.get(_LAST_RUN), time.monotonic()):
        st.session_state[_IDLE] = True
        st.rerun(scope="app")


def reset_notice() -> bool:
    """On every full run (app.py): tell a tab whose session the server lost, or emptied for being
    idle, that it was reset.

    Returns True while a message is shown. The lost-session check runs once per session, on its
    first run; the message stays until the student dismisses it.
    """
    if st.session_state.get(_IDLE):
        st.session_state.clear()  # here, in the session's own script run: no page is using it now
        st.session_state[_SEEN] = True
        st.session_state[_RESET] = "idle"
    if _SEEN not in st.session_state:
        st.session_state[_SEEN] = True
        _reaper().watch_this_session()
        lost = previous_session_id(st.context.headers.get("Sec-Websocket-Protocol"))
        st.session_state[_RESET] = "restarted" if lost is not None else None
    st.session_state[_LAST_RUN] = time.monotonic()
    _reaper().collect_soon()
    with st.sidebar:
        _tick()
    message = _MESSAGES.get(st.session_state.get(_RESET))
    if message is None:
        return False
    with st.container(key="sessions_reset_notice"):
        st.warning(message, icon=":material/restart_alt:")
        st.button("OK", key="sessions_reset_ok", on_click=_dismiss)
    return True


# --- sessions that left (see the module docstring) -------------------------------------------
# Streamlit's session manager and storage are not public API: every use is guarded, so a
# Streamlit that changed them makes the reaper log once and do nothing, never break a page.

_M_MMAP_THRESHOLD = -3  # mallopt parameter (glibc malloc.h)


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - both must exist (glibc)
        return libc
    except (OSError, AttributeError):
        return None


class _Reaper:
    def __init__(self) -> None:
        self.sessions: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id -> AppSession
        self.lock = threading.Lock()
        self.reaped = 0
        self.broken: str | None = None
        self.libc = _libc()
        self.page_ran = threading.Event()
        if self.libc is not None:
            # glibc raises its mmap threshold (up to 32 MiB) after freeing a large block, and
            # arrays below it then come from heaps that fragment and never shrink; fixed at 4 MiB,
            # data sets and models (MBs) are mapped and unmapped whole. Small arrays still use the
            # heaps, which malloc_trim returns page by page.
            self.libc.mallopt(_M_MMAP_THRESHOLD, 4 * 2**20)
        threading.Thread(target=self._run, name="pgmviz-session-reaper", daemon=True).start()

    def watch_this_session(self) -> None:
        ctx = get_script_run_ctx()
        try:
            info = runtime.get_instance()._session_mgr.get_active_session_info(ctx.session_id)
        except Exception as e:  # AppTest (no runtime) or a changed Streamlit
            self._give_up(e)
            return
        if info is not None:
            with self.lock:
                self.sessions[ctx.session_id] = info.session

    def _give_up(self, e: BaseException) -> None:
        if self.broken is None:
            self.broken = repr(e)
            _LOG.info("pgmviz session reaper inactive: %r", e)

    def collect_soon(self) -> None:
        """A full page run started: collect its garbage shortly (on the reaper's thread, not the page's)."""
        self.page_ran.set()

    def _run(self) -> None:
        last_reap = time.monotonic()
        while True:
            if self.page_ran.wait(COLLECT_EVERY):
                self.page_ran.clear()
                time.sleep(COLLECT_DELAY)  # let the page's script finish first
            gc.collect()
            if time.monotonic() - last_reap < REAP_EVERY:
                continue
            last_reap = time.monotonic()
            try:
                self.reap()
            except Exception as e:  # noqa: BLE001 - a reaper that fails must not take the server down
                self._give_up(e)

    def reap(self) -> int:
        """One pass; returns how many sessions it shut down."""
        if not runtime.exists():
            return 0
        mgr = runtime.get_instance()._session_mgr
        storage = mgr._session_storage
        len(storage._cache)  # a length query reaps the expired entries (streamlit's TTLCache)
        kept = {s.session.id for s in mgr.list_active_sessions()} | {s.session.id for s in storage.list()}
        with self.lock:
            gone = [(sid, sess) for sid, sess in self.sessions.items() if sid not in kept]
            for sid, _ in gone:
                del self.sessions[sid]
        for _, sess in gone:
            sess.shutdown()  # its pictures, uploads and script thread
            sess.session_state.clear()  # whatever still holds the session no longer holds its models
            sess._fragment_storage.clear()  # fragments keep their page's globals alive
        self.reaped += len(gone)
        gc.collect()  # the cycles of the sessions that left (Streamlit's collection after every run is off)
        if self.libc is not None:
            self.libc.malloc_trim(0)
        return len(gone)


def turn_off_post_script_gc() -> bool:
    """Set ``runner.postScriptGC`` off in this server (see the module docstring); True if it was on."""
    from streamlit import config

    try:
        if not config.get_option("runner.postScriptGC"):
            return False
        config.set_option("runner.postScriptGC", False, where_defined="pgmviz.ui.sessions")
        return True
    except Exception as e:  # noqa: BLE001 - a Streamlit without the option: nothing to turn off
        _LOG.info("runner.postScriptGC not set: %r", e)
        return False


@st.cache_resource(show_spinner=False)
def _reaper() -> _Reaper:
    """One reaper per server process (st.cache_resource is process-wide)."""
    turn_off_post_script_gc()  # also for a server started without the repository's .streamlit/config.toml
    return _Reaper()
