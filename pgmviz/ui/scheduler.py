"""One server-wide scheduler through which every live compute slice of every session runs.

A class on one server: each browser tab is a session, and each session that trains asks for a
slice of compute every frame. Without a scheduler every session computes at once on its own
script thread, the frames of all of them slow down together, and a page that only draws waits
behind them (issue 17: ten students got a tenth of one student's frames and a newcomer could not
open Home). Here:

- **limit**: at most ``slots`` slices run at once, each on one of the scheduler's worker
  threads: one core fewer than the machine has (at least one), so page scripts (drawing, clicks
  that compute nothing, which never go through the scheduler) keep a core. Measured on this
  2-core machine with four sessions training the 256x50 demo: one slot gave 1,030-1,080
  updates/s in all and two slots 985-995 (slices hold the interpreter lock much of the time,
  so a second compute thread adds no throughput in one process), while a page script's work
  took 22 ms beside one slot and 34-39 ms beside two (14 ms alone). More cores are used by
  more server processes behind a proxy, not by more threads here.
- **fair turns**: a session has at most one slice waiting or running; waiting slices run in the
  order they were asked for, so sessions that keep asking take turns, one slice per turn.
- **no pile-up**: asking again while a slice is pending returns the pending one.
- **leaving stops compute**: `cancel` drops a session's waiting slice at once (Pause); a waiting
  slice whose session has not asked or polled (`touch`) for ``idle_after`` seconds is dropped
  instead of run (a closed tab).
- **pacing**: `stats` says how many sessions want compute and how long a session waits between
  its turns, so a page can tick that often and say it is slowed.

- **page scripts and browsers get the CPU first**: each worker thread lowers its own OS priority
  (``COMPUTE_NICE`` steps of niceness; Linux keeps a nice value per thread), so on a machine
  whose cores a latecomer's browser or another page's script also wants, the kernel gives those
  about ten times compute's share. Sessions' script threads (drawing, clicks) keep the server's
  priority. Measured with ten students training (bench/README.md, 16:32-16:44, load 14-20): the
  latecomer's page scripts 0.32 s median on the server (0.59 without), students' frames not
  lower (5.4-8.9 frames/s together against 3.7-8.5, higher in each of four adjacent pairs).
- **pages first**: `PageRuns` counts the full page runs in progress (a page opened, a click);
  a live frame waits for them, a little (`PageRuns.wait`), before it draws, so a page that
  opens while a class trains does not share the interpreter with every student's frames.

``Scheduler(start_workers=False)`` runs nothing by itself; `run_next` runs the next slice in the
caller's thread, so tests can count turns without threads or clocks. `SCHEDULER` is the server's.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

IDLE_AFTER_S = 5.0  # a session silent this long wants no more compute
# Steps of niceness the compute threads take below the server's (see bench/README.md, the classroom
# section: the latecomer's Chromium shares the cores with them); PGMVIZ_COMPUTE_NICE overrides, 0 = off.
COMPUTE_NICE = 10
NICE_MAX = 19  # Linux's lowest priority
EMA_WEIGHT = 0.2  # weight of the newest slice in the running mean of slice durations


@dataclass
class _Job:
    session: Hashable
    fn: Callable[[], Any]
    future: Future
    asked: float  # clock time when it was asked for


@dataclass(frozen=True)
class Stats:
    """What the scheduler is doing now (also for the classroom benchmark and the serving scripts)."""

    slots: int  # slices that may run at once
    running: int  # slices running now
    queued: int  # slices waiting for a slot
    sessions: int  # sessions that asked or polled within idle_after seconds
    slice_s: float  # running mean of a slice's duration (0 before the first)
    wait_s: float  # running mean of the wait from asking to starting (0 before the first)
    turns: int  # slices run since the start
    dropped: int  # waiting slices dropped (cancelled, or their session went quiet)

    @property
    def load(self) -> float:
        """Sessions wanting compute per slot: above 1, sessions queue for their turns."""
        return self.sessions / self.slots

    @property
    def turn_interval_s(self) -> float:
        """Expected seconds between two turns of one session that keeps asking."""
        return self.slice_s * max(1.0, self.load)


class Scheduler:
    """A fair FIFO of sessions' compute slices, run at most ``slots`` at a time."""

    def __init__(self, slots: int | None = None, idle_after: float = IDLE_AFTER_S,
                 clock: Callable[[], float] = time.monotonic, start_workers: bool = True,
                 nice: int = COMPUTE_NICE):
        self.slots = max(1, int(slots or default_slots()))
        self.nice = max(0, int(nice))  # steps of niceness each worker thread takes (0: the server's priority)
        self.niceness: dict[int, int | None] = {}  # worker's native thread id -> its niceness after lowering
        self.idle_after = float(idle_after)
        self.clock = clock
        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._pending: dict[Hashable, _Job] = {}  # session -> its waiting or running slice
        self._seen: dict[Hashable, float] = {}  # session -> last time it asked or polled
        self._running = 0
        self.turns: Counter = Counter()  # slices run, per session
        self._dropped = 0
        self._slice_s = 0.0
        self._wait_s = 0.0
        self._workers: list[threading.Thread] = []
        self._start_workers = start_workers
        self._closed = False

    # ------------------------------------------------------------------ asking
    def submit(self, session: Hashable, fn: Callable[[], Any]) -> Future:
        """Queue ``fn()`` as ``session``'s next slice; its pending one instead, if it has one."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the scheduler is shut down")
            now = self.clock()
            self._seen[session] = now
            job = self._pending.get(session)
            if job is not None:
                return job.future
            job = _Job(session, fn, Future(), now)
            self._pending[session] = job
            self._queue.append(job)
            if self._start_workers and len(self._workers) < self.slots:
                self._spawn()
            self._cond.notify()
            return job.future

    def touch(self, session: Hashable) -> None:
        """The session is still there (its page polled): keep its waiting slice."""
        with self._cond:
            self._seen[session] = self.clock()

    def pending(self, session: Hashable) -> Future | None:
        """The session's waiting or running slice, if any."""
        with self._cond:
            job = self._pending.get(session)
            return None if job is None else job.future

    def cancel(self, session: Hashable) -> bool:
        """Drop the session's waiting slice (True if there was one); a running slice finishes."""
        with self._cond:
            job = self._pending.get(session)
            if job is None or not job.future.cancel():
                return False
            self._queue.remove(job)
            del self._pending[session]
            self._dropped += 1
            return True

    def leave(self, session: Hashable) -> None:
        """The session wants no more compute: drop its waiting slice and forget it."""
        self.cancel(session)
        with self._cond:
            self._seen.pop(session, None)

    # ------------------------------------------------------------------ running
    def _stale(self, session: Hashable, now: float) -> bool:
        return now - self._seen.get(session, -math.inf) > self.idle_after

    def _sweep(self, now: float) -> None:
        """Drop waiting slices whose session went quiet, and forget those sessions (lock held).

        Nobody polled for them: the tab was closed, or the page stopped asking. They never run.
        """
        for job in [j for j in self._queue if self._stale(j.session, now)]:
            self._queue.remove(job)
            job.future.cancel()
            self._pending.pop(job.session, None)
            self._dropped += 1
        for session in [s for s, t in self._seen.items() if now - t > self.idle_after]:
            del self._seen[session]

    def _next_job(self) -> _Job | None:
        """The first waiting slice whose session is still there (caller holds the lock)."""
        now = self.clock()
        self._sweep(now)
        while self._queue:
            job = self._queue.popleft()
            if not job.future.set_running_or_notify_cancel():
                self._pending.pop(job.session, None)
                continue
            self._running += 1
            self._wait_s = _ema(self._wait_s, now - job.asked, self.turns.total() == 0)
            return job
        return None

    def _execute(self, job: _Job) -> None:
        t0 = self.clock()
        try:
            result = job.fn()
        except BaseException as exc:  # handed to whoever waits on the future
            outcome = (False, exc)
        else:
            outcome = (True, result)
        with self._cond:
            self._running -= 1
            first = self.turns.total() == 0
            self.turns[job.session] += 1
            self._slice_s = _ema(self._slice_s, self.clock() - t0, first)
            if self._pending.get(job.session) is job:
                del self._pending[job.session]
            self._cond.notify_all()
        # Resolve the future after the session's slot is free, so the session can ask again at once.
        if outcome[0]:
            job.future.set_result(outcome[1])
        else:
            job.future.set_exception(outcome[1])

    def run_next(self) -> bool:
        """Run the next waiting slice in this thread, if a slot is free (for tests); True if one ran."""
        with self._cond:
            if self._running >= self.slots:
                return False
            job = self._next_job()
        if job is None:
            return False
        self._execute(job)
        return True

    def _spawn(self) -> None:
        t = threading.Thread(target=self._work, name=f"pgmviz-compute-{len(self._workers)}", daemon=True)
        self._workers.append(t)
        t.start()

    def _work(self) -> None:
        self.niceness[threading.get_native_id()] = lower_thread_priority(self.nice)
        while True:
            with self._cond:
                job = None
                while job is None:
                    if self._closed:
                        return
                    job = self._next_job() if self._queue else None
                    if job is None:
                        self._cond.wait(timeout=1.0)
            self._execute(job)

    def shutdown(self) -> None:
        """Stop the workers after their current slice; waiting slices are cancelled."""
        with self._cond:
            self._closed = True
            for job in self._queue:
                job.future.cancel()
            self._queue.clear()
            self._pending.clear()
            self._cond.notify_all()

    # ------------------------------------------------------------------ load
    def stats(self) -> Stats:
        with self._cond:
            self._sweep(self.clock())
            active = set(self._seen) | set(self._pending)
            return Stats(self.slots, self._running, len(self._queue), len(active), self._slice_s, self._wait_s,
                         self.turns.total(), self._dropped)


def _ema(mean: float, x: float, first: bool) -> float:
    return x if first else (1 - EMA_WEIGHT) * mean + EMA_WEIGHT * x


def default_slots() -> int:
    """One core fewer than the machine has, at least one (see the module docstring)."""
    return max(1, (os.cpu_count() or 1) - 1)


def lower_thread_priority(steps: int) -> int | None:
    """The calling thread's niceness raised by ``steps`` (at most 19); its niceness after, None if not possible.

    Linux only: there a thread id is a PRIO_PROCESS target and nice is kept per thread; elsewhere
    the same call would reach the whole process (or another one), so nothing is changed.
    """
    if sys.platform != "linux":
        return None
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        if steps > 0 and now < NICE_MAX:
            os.setpriority(os.PRIO_PROCESS, tid, min(NICE_MAX, now + steps))  # raising it needs no privilege
        return os.getpriority(os.PRIO_PROCESS, tid)
    except OSError:  # a sandbox that forbids it: compute runs at the server's priority
        return None


def _nice_from_env() -> int:
    """PGMVIZ_COMPUTE_NICE overrides COMPUTE_NICE (0: compute at the server's priority)."""
    value = os.environ.get("PGMVIZ_COMPUTE_NICE", "").strip()
    return int(value) if value.isdigit() else COMPUTE_NICE


def _slots_from_env() -> int | None:
    """PGMVIZ_COMPUTE_SLOTS overrides the number of cores (e.g. a server shared with other work)."""
    value = os.environ.get("PGMVIZ_COMPUTE_SLOTS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


class PageRuns:
    """Full page runs in progress on this server; live frames wait for them (pages come first).

    A frame's drawing and a page's script share one interpreter: with ten students' frames
    redrawing, a newcomer's page script took several times its time alone. Frames are the part
    that can wait (the next frame shows the same training), so they do, up to a bound. A page run
    that is itself waiting for compute (`aside`: a click's slice, an AIS run) does not count.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._runs: set[int] = set()  # threads in a full page run, not waiting for compute
        self.waits = 0  # frames that found a page run in progress and waited

    @contextmanager
    def running(self) -> Iterator[None]:
        """Around a full page run (app.py runs every page inside it)."""
        me = threading.get_ident()
        with self._cond:
            self._runs.add(me)
        try:
            yield
        finally:
            with self._cond:
                self._runs.discard(me)
                self._cond.notify_all()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """While this thread's page run waits for compute, frames need not wait for it."""
        me = threading.get_ident()
        with self._cond:
            counted = me in self._runs
            self._runs.discard(me)
            self._cond.notify_all()
        try:
            yield
        finally:
            if counted:
                with self._cond:
                    self._runs.add(me)

    @property
    def count(self) -> int:
        return len(self._runs)

    def wait(self, max_s: float) -> bool:
        """Wait until no other page run is in progress, at most ``max_s`` s; True if none is (any more).

        A frame drawn inside its own page's full run does not wait for that run.
        """
        me = threading.get_ident()
        with self._cond:
            if not self._runs - {me}:
                return True
            self.waits += 1
            return self._cond.wait_for(lambda: not self._runs - {me}, timeout=max_s)


# the server's: one per process, shared by every session
SCHEDULER = Scheduler(slots=_slots_from_env(), nice=_nice_from_env())
PAGE_RUNS = PageRuns()  # the server's: app.py's full runs, waited for by live frames
