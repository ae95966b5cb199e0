"""Page furniture every lesson uses: the claim at the top, "what to notice" at the bottom, links,
and the one-time warm-up of the Numba kernels.

A lesson page reads, top to bottom::

    from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels

    lesson_header("Energy and probability", "An RBM assigns every joint state a probability ...")
    warm_up_kernels()          # only on pages that call Numba kernels
    ...controls and evidence...
    notice("The probabilities of all 2^n states add up to exactly one ...")
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import streamlit as st
from threadpoolctl import threadpool_limits

from pgmviz.sampling import kernels
from pgmviz.ui import predict
from pgmviz.ui.lessons import Lesson
from pgmviz.ui.memory import remember, remembered
from pgmviz.ui.present import HEADER_KEY, present_mode

WARM_UP_MESSAGE = "Compiling numerical kernels (first start only)..."

# --- one BLAS thread per server ---------------------------------------------------------------
# Every session of the app is a thread of one server process, and a classroom runs many at once.
# OpenBLAS's own thread pool then oversubscribes the cores: on this 2-core machine under load,
# matrix products of the sizes the lessons use ran 5-20x slower with two BLAS threads than with
# one. So the server uses one BLAS thread (process-wide, set once on import); sessions run in
# parallel instead. The library itself never changes thread settings: a notebook user keeps all
# their cores.
threadpool_limits(limits=1, user_api="blas")

# --- Numba's threading layer, for the server only ---------------------------------------------
# Set here, where every page starts and before any parallel kernel runs, rather than on importing
# pgmviz.sampling.kernels, so a notebook keeps numba's default (see pgmviz.sampling.kernels.use_threading_layer).
kernels.use_threading_layer()


def lesson_header(title: str, claim: str) -> None:
    """The page title and the one-sentence claim the page goes on to show (and the questions' switch)."""
    predict.switch()
    with st.container(key=HEADER_KEY):
        if present_mode():  # projector: a smaller title, so the main picture fits the first screen
            st.markdown(f"## {title}", anchors=False)
        else:
            st.title(title)
        st.markdown(f"##### {claim}", anchors=False)


def notice(text: str) -> None:
    """The "what to notice" box that closes a lesson."""
    st.info(f"**What to notice.** {text}", icon=":material/visibility:")


@contextmanager
def on_demand(prefix: str, name: str, label: str, *, open_if: bool = False,
              forget: tuple[str, ...] = ()) -> Iterator[bool]:
    """A section's body in an expander that runs only while it is open: ``with on_demand(...) as shown: if shown: ...``.

    A closed expander would still send its content to the browser; with ``on_change="rerun"`` the
    page draws the body only when the student opens it, so a long lesson's first screen stays light
    (bench/README.md, the latecomer). Whether it is open is remembered across visits to other pages;
    ``open_if`` opens it (e.g. a shared link that names one of its settings). ``forget``: keys of
    widgets in the body that the page restores before it (`memory.remembered`, a URL binding); while
    the section is closed they are dropped, since a key set for a widget no run draws goes stale in
    Streamlit's state and would override the saved value once the section opens again.
    """
    key = remembered(prefix, f"open_{name}", default=False)
    if open_if:
        st.session_state[key] = True
    with st.expander(label, key=key, on_change="rerun"):
        shown = bool(st.session_state[key])
        yield shown
    if not shown:
        for stale in forget:
            st.session_state.pop(stale, None)
    remember(prefix, f"open_{name}")


def lesson_link(lesson: Lesson) -> None:
    """A link to a lesson page (with its icon), or its plain title outside the multipage app.

    ``st.page_link`` can only point at pages the running app registered with ``st.navigation``.
    When a page script runs on its own (``streamlit run lessons/home.py`` or an AppTest of one
    page) there is nothing to link to, so the title is shown as text instead.
    """
    try:
        st.page_link(lesson.path, label=lesson.title, icon=lesson.icon)
    except st.errors.StreamlitPageNotFoundError:
        st.markdown(f"**{lesson.title}**")


# --- kernel warm-up --------------------------------------------------------------------------
# Numba compiles a kernel the first time it is called (seconds per kernel) and caches the result
# on disk. The warm-up runs once per server process in a background thread started by app.py, so
# it overlaps with the student reading the home page; a page that needs the kernels waits for it
# behind a spinner.


@dataclass
class _WarmUp:
    thread: threading.Thread | None = None
    ran: bool = False  # True once pgmviz.sampling.kernels.warm_up() finished
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _run_warm_up(state: _WarmUp) -> None:
    try:
        kernels.warm_up()
        state.ran = True
    except BaseException as exc:  # handed to the page that waits, which raises it visibly
        state.error = exc
    finally:
        state.done.set()


@st.cache_resource(show_spinner=False)
def _kernel_warm_up() -> _WarmUp:
    """Start the warm-up once per server process (``st.cache_resource`` is process-wide)."""
    state = _WarmUp()
    state.thread = threading.Thread(target=_run_warm_up, args=(state,), name="pgmviz-warm-up", daemon=True)
    state.thread.start()
    return state


def start_kernel_warm_up() -> None:
    """Begin compiling the kernels in the background, without waiting (called by app.py)."""
    _kernel_warm_up()


def warm_up_kernels() -> bool:
    """Make sure ``pgmviz.sampling.kernels.warm_up()`` has run in this server, waiting behind a spinner.

    Returns True once it has. An error in the warm-up is raised here, so the page shows it instead
    of failing later in a kernel.
    """
    state = _kernel_warm_up()
    if not state.done.is_set():
        with st.spinner(WARM_UP_MESSAGE):
            state.done.wait()
    if state.error is not None:
        raise RuntimeError("Compiling the numerical kernels failed") from state.error
    return state.ran
