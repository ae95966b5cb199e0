"""A click's computation (fantasy chains, a clamped movie, an AIS run) through the server's scheduler.

`pgmviz.ui.scheduler.SCHEDULER` runs at most ``slots`` compute slices at once, so a class's
trainings and one student's AIS run share the cores instead of all computing at the same time
(issue 17). A training page's slices go through `pgmviz.ui.live.LiveRun`; a page that computes
once per click calls `run` instead::

    relay = Relay(lambda t, total: bar.progress(t / total))      # drawn on the page's thread
    record = run(P + "chains", chains.run_chains, rbm, V0, T, m, rng, progress=relay)

The computation runs on a scheduler thread while the page's script thread waits for it, saying
"still here" to the scheduler and drawing the latest progress the computation reported. Drawing
is a Streamlit yield point: a click elsewhere (Stop, another widget) interrupts the wait there,
the computation is told to stop at its next progress report (``InterruptedError``), and the
click's rerun goes on. Nothing Streamlit is called from the scheduler's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pgmviz.ui.scheduler import PAGE_RUNS, SCHEDULER, Scheduler
from pgmviz.ui.sessions import session_id

POLL_S = 0.1  # the page's thread looks at the computation (and draws its progress) this often


class Relay:
    """A progress callback safe to call from the scheduler's thread: it keeps the latest report,
    the page's thread draws it (`show`), and after `stop` the next report raises InterruptedError."""

    def __init__(self, show: Callable[..., Any] | None = None):
        self.show = show
        self._last: tuple | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __call__(self, *args: Any) -> None:
        if self._stop.is_set():
            raise InterruptedError("stopped by the page")
        with self._lock:
            self._last = args

    def stopped(self) -> bool:
        """For computations that take a ``cancel()`` callback rather than raising from ``progress``."""
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

    def flush(self) -> None:
        """Draw the latest report, if there is a new one (on the page's thread)."""
        with self._lock:
            args, self._last = self._last, None
        if args is not None and self.show is not None:
            self.show(*args)


def run(key: str, fn: Callable[..., Any], *args: Any, relay: Relay | None = None,
        scheduler: Scheduler | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` as one slice of this session through the scheduler; its result.

    ``key`` names the computation within the session (a page's prefix and what it computes); a
    second click while one is pending waits for that one first. ``relay`` (also passed to ``fn``
    by the caller, as its progress callback) is drawn while waiting. Exceptions of ``fn`` are
    raised here; an interrupted wait stops ``fn`` (through ``relay``) or drops it if it is queued.
    """
    sched = scheduler or SCHEDULER
    session = (session_id(), key)
    earlier = sched.pending(session)
    if earlier is not None:
        _wait(sched, session, earlier, None)
    job = sched.submit(session, lambda: fn(*args, **kwargs))
    try:
        _wait(sched, session, job, relay)
    except BaseException:  # a rerun or stop of the page (Streamlit's exceptions), or shutdown
        if relay is not None:
            relay.stop()
        sched.cancel(session)
        raise
    if relay is not None:
        relay.flush()
    return job.result()


def _wait(sched: Scheduler, session: tuple, job: Future, relay: Relay | None) -> None:
    with PAGE_RUNS.aside():  # waiting for compute, this page run holds up nobody's frames
        _poll(sched, session, job, relay)


def _poll(sched: Scheduler, session: tuple, job: Future, relay: Relay | None) -> None:
    while True:
        sched.touch(session)
        try:
            job.exception(timeout=POLL_S)  # waits; a failure is raised by job.result() in run
            return
        except CancelledError:  # dropped (a shutdown): job.result() says so in run
            return
        except FutureTimeout:
            pass
        if relay is not None:
            relay.flush()
