"""Warm the server once: a session of its own opens every page at its defaults, then is closed.

Why (issue 17, bounded memory): the first visit of every page loads what every later student
shares (data sets, bundled models, compiled kernels, the pages' cached results, imported modules):
about 115 MiB on this machine (fresh 195-200 MiB, 310-320 after one student). A server that
warms itself has that size as its idle size, and what students leave behind is measured against it
(bench/README.md, the memory section). It also spares the first student of the class the cold pages.

The session is Streamlit's own (``Runtime.connect_session``) with a client that keeps no messages:
each page is one ``rerun_script`` naming the page, as a browser's first visit sends it, and the next
page is asked for when ``script_finished`` arrives. Streamlit's runtime is not public API and its
methods must run on its event loop: every call is scheduled there and guarded, so a Streamlit that
changed them makes the warm-up log and stop, never break a page.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import streamlit as st
from streamlit import runtime

_LOG = logging.getLogger(__name__)
WARM_NICE = 10  # the warm-up's page runs yield the cores to students' pages and frames (steps of niceness)
_SESSIONS: set[str] = set()  # ids of the warm-up's own sessions (one at a time)
OFF = "PGMVIZ_WARM_PAGES"  # set to 0 to skip the warm-up (a test server that starts many times)
PAGE_TIMEOUT = 900.0  # s; a page not done by then ends the warm-up (Energy on a cold Numba cache: 5 min at load 20)


@dataclass
class WarmClient:
    """A SessionClient that keeps nothing but whether the run finished and the exceptions it showed."""

    finished: threading.Event = field(default_factory=threading.Event)
    exceptions: list[str] = field(default_factory=list)
    client_context = None  # no browser: no headers, cookies or address

    def write_forward_msg(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            self.finished.set()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "exception":
                self.exceptions.append(f"{el.exception.type}: {el.exception.message}")


@dataclass
class WarmUp:
    """What the warm-up did: the pages it ran, the seconds it took, why it stopped early (if it did)."""

    pages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exceptions: list[str] = field(default_factory=list)
    stopped: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


def rerun_message(page: str):
    """The BackMsg a browser sends to open ``page`` (its url path) with no widget states."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.widget_states.SetInParent()
    return msg


def _on_loop(loop, fn, *args):
    """Call ``fn(*args)`` on the runtime's event loop (its methods are not thread-safe) and return its result."""

    async def call():
        return fn(*args)

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=60)


def warm_pages(pages: list[str], state: WarmUp) -> WarmUp:
    """Run every page of ``pages`` once in a session of the server's own, then close it."""
    t0 = time.monotonic()
    try:
        if os.environ.get(OFF, "1") == "0":
            state.stopped = f"{OFF}=0"
            return state
        if not runtime.exists():
            state.stopped = "no Streamlit runtime (AppTest or a bare script)"
            return state
        rt = runtime.get_instance()
        loop = rt._get_async_objs().eventloop
        client = WarmClient()
        session_id = _on_loop(loop, rt.connect_session, client, {})
        _SESSIONS.add(session_id)
        try:
            for page in pages:
                client.finished.clear()
                _on_loop(loop, rt.handle_backmsg, session_id, rerun_message(page))
                if not client.finished.wait(PAGE_TIMEOUT):
                    state.stopped = f"{page} did not finish within {PAGE_TIMEOUT:.0f} s"
                    break
                state.pages.append(page)
        finally:
            _SESSIONS.discard(session_id)
            _on_loop(loop, rt.close_session, session_id)
        state.exceptions = client.exceptions
    except Exception as e:  # noqa: BLE001 - a warm-up that fails must never take a page down
        state.stopped = repr(e)
    finally:
        state.seconds = time.monotonic() - t0
        # One line the tests and bench/classroom.py read: pages run, seconds, exception boxes shown.
        _LOG.warning("pgmviz warm-up: %d pages in %.0f s, %d exception boxes%s", len(state.pages), state.seconds,
                     len(state.exceptions), f" (stopped: {state.stopped})" if state.stopped else "")
        for text in state.exceptions:
            _LOG.warning("pgmviz warm-up exception box: %s", text)
        state.done.set()
    return state


@st.cache_resource(show_spinner=False)
def _warm_up() -> WarmUp:
    """Start the warm-up once per server process (``st.cache_resource`` is process-wide)."""
    from pgmviz.ui.lessons import LESSONS

    state = WarmUp()
    pages = ["home", *[lesson.url_path for lesson in LESSONS]]
    _LOG.warning("pgmviz warm-up started: %d pages", len(pages))  # bench/classroom.py --memory waits for the end
    threading.Thread(target=warm_pages, args=(pages, state), name="pgmviz-page-warm-up", daemon=True).start()
    return state


def start_page_warm_up() -> WarmUp:
    """Begin warming every page in the background, without waiting (called by app.py on its first run)."""
    return _warm_up()


def is_warm_session() -> bool:
    """True inside a page run of the warm-up's own session.

    app.py runs those at a lower priority and outside `PAGE_RUNS` (live frames wait for students'
    page runs, not for the warm-up's): measured with students arriving while a fresh server warmed,
    counting its runs as pages made ten students' frames 4.4 per second together instead of 17.8.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx is not None and ctx.session_id in _SESSIONS
