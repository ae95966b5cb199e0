"""The live-run controller: Train / Pause / Step / Reset and the frame loop of every page that trains.

A page hands it a trainer that follows `pgmviz.training.protocol` (``run(budget) -> Progress``) and two
functions of its own, how to build a fresh trainer and how to draw; the controller keeps the
rest in ``st.session_state`` under the page's prefix::

    run = LiveRun("fl_", build=build_trainer, after=publish)   # trainer at ss["fl_trainer"]
    run.buttons()                                               # Train, Pause, Step, Reset
    run.messages()                                              # bad settings, divergence
    run.fragment(draw)                                          # one slice, then draw, each frame

A page whose run always starts again from scratch (a ready-made run shown until the student runs
their own) uses ``run.restart_buttons(...)`` instead: Start again / Stop / Back to the ready-made run.

Every slice runs through the server's `pgmviz.ui.scheduler.SCHEDULER`, on a worker thread, so a
class of sessions shares the cores fairly and a page that only draws never waits for compute. A
frame asks for a slice, waits a little for it and draws (a slice that has to queue is collected
by a later frame; on a busy server a frame queues the next slice as it ends, so the cores never
wait for a frame's timer); its interval and slice size follow the server's load and the frame's
own cost, so frames never pile up, and a busy server is said on the page.

Callbacks (Train, Step) wait for their slice, so a plain rerun after a click (as in AppTest,
which does not tick fragments) already shows the trained model. Pause and Reset cancel a waiting
slice and wait for a running one, so nothing trains after them. Errors (settings a trainer
refuses, a diverged model, a server too busy) become messages; the user keeps their model.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import streamlit as st

from pgmviz.training.protocol import Budget, Progress
from pgmviz.ui import pacing
from pgmviz.ui.scheduler import PAGE_RUNS, SCHEDULER, Scheduler
from pgmviz.ui.sessions import session_id

ss = st.session_state

CALLBACK_WAIT_S = 60.0  # a click waits this long for its slice before saying the server is busy
POLL_S = 0.1  # waiting for a slice in pieces this long, saying "still here" in between
RUNNING_WAIT_S = 30.0  # a frame waits this long at most for a slice that has started (its budget bounds it)


class LiveRun:
    """One page's live training: its trainer, buttons, frame loop and messages in the session.

    Parameters
    ----------
    prefix : the page's session-state prefix ("fl_"); the controller's keys start with it:
        ``<prefix><key>`` the trainer, ``<prefix>running``, ``<prefix>error``, ``<prefix>progress``
        (the last `Progress`), ``<prefix>job`` (the slice asked for, a Future).
    build : () -> trainer; raises ValueError with a message for settings it cannot train.
    slice_s, first_slice_s, tick_s : seconds of training per frame, for the first frame after
        Train (short, so it comes fast), and between frames, on an idle server.
    budget : (kind, seconds) -> Budget, kind "tick" / "first" / "step"; default: ``seconds``.
        The page caps it (updates per frame) or fixes Step's count here.
    before : () -> bool, run before asking for a slice (e.g. copy live settings into the
        trainer); False pauses (it sets ``error`` itself).
    after : (Progress) -> None, run on the page's thread when a slice is done (publish it).
    key : the trainer's name after the prefix ("trainer", "race", ...).
    label : what the page's buttons train ("training", "fine-tuning"): used in messages.
    locked : slices hold a lock of the session's (``<prefix>lock``) that the page's drawing takes
        with `quiet`, for pages that draw from the live trainer rather than from a snapshot.
    locate : () -> trainer, for a page that keeps its trainer elsewhere in the session (then
        ``build`` may be None and the page makes trainers itself).
    running_key : the name after the prefix of the running flag ("running").
    """

    def __init__(self, prefix: str, build: Callable[[], Any] | None, *, slice_s: float = 0.2,
                 first_slice_s: float | None = None, tick_s: float = 0.4,
                 budget: Callable[[str, float], Budget] | None = None, before: Callable[[], bool] | None = None,
                 after: Callable[[Progress], None] | None = None, key: str = "trainer", label: str = "training",
                 locked: bool = False, locate: Callable[[], Any] | None = None, running_key: str = "running",
                 scheduler: Scheduler | None = None):
        self.prefix, self.key = prefix, key
        self.locate, self.running_key = locate, running_key
        self.build_fn = build
        self.slice_s, self.tick_s = float(slice_s), float(tick_s)
        self.first_slice_s = float(first_slice_s if first_slice_s is not None else slice_s)
        self.budget_fn = budget or (lambda kind, seconds: Budget(seconds=seconds))
        self.before, self.after = before, after
        self.label = label
        self.scheduler = scheduler or SCHEDULER
        # A session's own lock, kept in its state so every rerun of the page finds the same one.
        self.lock: threading.Lock | None = ss.setdefault(self._k("lock"), threading.Lock()) if locked else None
        ss.setdefault(self._k(running_key), False)
        ss.setdefault(self._k("error"), None)

    # ------------------------------------------------------------------ state
    def _k(self, name: str) -> str:
        return self.prefix + name

    @property
    def trainer(self) -> Any:
        return self.locate() if self.locate is not None else ss.get(self._k(self.key))

    @property
    def running(self) -> bool:
        return bool(ss.get(self._k(self.running_key)))

    @running.setter
    def running(self, value: bool) -> None:
        ss[self._k(self.running_key)] = bool(value)

    @property
    def error(self) -> str | None:
        return ss.get(self._k("error"))

    @error.setter
    def error(self, text: str | None) -> None:
        ss[self._k("error")] = text

    @property
    def progress(self) -> Progress | None:
        """The last slice's `Progress` (None before the first)."""
        return ss.get(self._k("progress"))

    def forget_progress(self) -> None:
        """Forget the last slice (a page that moved its trainer on, e.g. to the next layer)."""
        ss[self._k("progress")] = None

    @property
    def stopped(self) -> bool:
        """The trainer trains no more: diverged or finished. (No trainer yet: Train builds one.)"""
        t = self.trainer
        if t is None:
            return False
        if t.diverged:
            return True
        p = self.progress
        return p is not None and p.finished and p.step == _step(t)

    def _session(self) -> tuple:
        """The scheduler's name for this page's run in this browser session."""
        return (session_id(), self.prefix + self.key)

    # ------------------------------------------------------------------ building
    def reset(self) -> bool:
        """Stop, then a fresh trainer from the page's ``build`` (what Reset does); False on bad settings."""
        self.stop(keep=False)
        if self.build_fn is None:
            return self.trainer is not None
        try:
            trainer = self.build_fn()
        except ValueError as e:
            self.error = str(e)
            return False
        ss[self._k(self.key)] = trainer
        ss[self._k("progress")] = None
        self.error = None
        return True

    def ensure(self) -> Any:
        """The trainer, built on the session's first visit."""
        if self._k(self.key) not in ss:
            self.reset()
        return self.trainer

    # ------------------------------------------------------------------ slices
    def _budget(self, kind: str) -> Budget:
        # On a busy server a frame's slice grows (longer, fewer slices: less drawing per update).
        base = {"first": self.first_slice_s, "step": self.slice_s}.get(kind) or self._budget_seconds()
        return self.budget_fn(kind, base)

    def _ask(self, kind: str) -> Future | None:
        """Ask the scheduler for a slice (after the page's ``before``); the pending one if any."""
        job: Future | None = ss.get(self._k("job"))
        if job is not None and not job.done():
            return job
        trainer = self.trainer
        if trainer is None or self.stopped or (self.before is not None and not self.before()):
            return None
        budget = self._budget(kind)
        lock = self.lock or contextlib.nullcontext()

        def work() -> Progress:
            with lock:
                return trainer.run(budget)

        job = self.scheduler.submit(self._session(), work)
        ss[self._k("job")] = job
        ss[self._k("job_trainer")] = trainer
        return job

    def _wait(self, job: Future, seconds: float) -> bool:
        """Wait up to ``seconds`` for the slice, telling the scheduler this session is still here."""
        deadline = time.monotonic() + seconds
        session = self._session()
        with PAGE_RUNS.aside():  # a click waiting for its slice holds up nobody's frames
            while not job.done():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.scheduler.touch(session)
                try:
                    job.result(timeout=min(POLL_S, left))
                except (FutureTimeout, CancelledError):
                    pass
                except Exception:  # collected below
                    break
        return True

    def _collect(self) -> Progress | None:
        """Take the finished slice's result, if there is one: the page's ``after``, the state."""
        job: Future | None = ss.get(self._k("job"))
        if job is None or not job.done():
            return None
        ss[self._k("job")] = None
        if job.cancelled() or ss.get(self._k("job_trainer")) is not self.trainer:
            return None  # cancelled, or a slice of a trainer Reset replaced
        try:
            progress: Progress = job.result()
        except Exception as e:  # noqa: BLE001 - any failure of a slice becomes a message, not a crash
            self.running = False
            self.error = f"{self.label.capitalize()} stopped: {type(e).__name__}: {e}. Your model is kept."
            return None
        ss[self._k("progress")] = progress
        if self.after is not None:
            self.after(progress)
        if progress.stopped:
            self.running = False
        return progress

    def slice_now(self, kind: str = "step") -> Progress | None:
        """Ask for one slice and wait for it (a click): the trained state is there on this rerun."""
        job = self._ask(kind)
        if job is None:
            return None
        if not self._wait(job, CALLBACK_WAIT_S):
            self.error = ("The server is busy: your slice is queued and will show in a moment. "
                          f"{self.busy_text() or ''}").strip()
            return None
        return self._collect()

    def stop(self, keep: bool = True) -> None:
        """Stop asking: drop a waiting slice, wait for a running one (its result kept if ``keep``)."""
        self.running = False
        self.scheduler.cancel(self._session())
        job: Future | None = ss.get(self._k("job"))
        if job is not None and not job.done():
            self._wait(job, CALLBACK_WAIT_S)
        if keep:
            self._collect()
        ss[self._k("job")] = None
        self.scheduler.leave(self._session())

    def quiet(self):
        """A context in which no slice of this page runs (``locked`` pages draw inside it)."""
        return self.lock or contextlib.nullcontext()

    # ------------------------------------------------------------------ buttons
    def on_train(self) -> None:
        if self.trainer is None and not self.reset():
            return
        self.running = True
        self.slice_now("first")
        ss[self._k("fresh")] = True  # this rerun already trained: its frame just draws
        if self.trainer is None or self.stopped:
            self.running = False

    def on_pause(self) -> None:
        self.stop()

    def on_step(self) -> None:
        self.stop()
        if self.trainer is None and not self.reset():
            return
        self.slice_now("step")

    def on_reset(self) -> None:
        self.reset()

    def buttons(self, *, disabled: bool = False, train_label: str = "Train", step_label: str = "Step",
                step_help: str | None = None, reset_help: str | None = "A new model with the settings shown.",
                show_reset: bool = True, widths: tuple = (1, 1, 1, 1, 4)) -> None:
        """Train, Pause, Step (and Reset) with their callbacks; keys ``<prefix>train`` etc."""
        P = self.prefix
        blocked = disabled or self.stopped
        running = self.running and not blocked
        cols = st.columns(list(widths))
        cols[0].button(train_label, key=P + "train", icon=":material/play_arrow:", type="primary",
                       on_click=self.on_train, disabled=blocked or running, width="stretch")
        cols[1].button("Pause", key=P + "pause", icon=":material/pause:", on_click=self.on_pause,
                       disabled=not running, width="stretch")
        cols[2].button(step_label, key=P + "step", icon=":material/skip_next:", on_click=self.on_step,
                       disabled=blocked, width="stretch",
                       help=step_help or f"Train for one slice (about {self.slice_s:.2f} s), then stop.")
        if show_reset:
            cols[3].button("Reset", key=P + "reset", icon=":material/restart_alt:", on_click=self.on_reset,
                           width="stretch", help=reset_help)

    # ---------------------------------------------------- start again / stop / back
    def on_restart(self) -> None:
        """Start again: stop, and ask this rerun to build a fresh trainer (see `restarting`)."""
        self.stop(keep=False)
        ss[self._k("restart")] = True

    def restarting(self) -> bool:
        """True once after Start again: the page builds its trainer (with its own spinner), then `begin`s."""
        return bool(ss.pop(self._k("restart"), False))

    def begin(self) -> None:
        """Run the trainer the page just built: frames train it from the next (full) rerun on."""
        self.forget_progress()
        self.error = None
        self.running = True
        st.rerun()

    def on_forget(self, forget: Callable[[], None]) -> None:
        """Back: stop and let the page drop its trainer (``forget``), to show what it shows without one."""
        self.stop(keep=False)
        forget()

    def restart_buttons(self, start_label: str, forget_label: str, forget: Callable[[], None], *,
                        start_help: str | None = None) -> None:
        """Start again, Stop, Back with their callbacks; keys ``<prefix>start``, ``stop``, ``forget``."""
        P = self.prefix
        cols = st.columns(3)
        cols[0].button(start_label, key=P + "start", icon=":material/play_arrow:", type="primary",
                       on_click=self.on_restart, disabled=self.running, width="stretch", help=start_help)
        cols[1].button("Stop", key=P + "stop", icon=":material/pause:", on_click=self.on_pause,
                       disabled=not self.running, width="stretch")
        cols[2].button(forget_label, key=P + "forget", icon=":material/restart_alt:", on_click=self.on_forget,
                       args=(forget,), disabled=self.trainer is None, width="stretch")

    def messages(self, restart_hint: str = "Press Reset to start again.") -> None:
        """The page's error (bad settings, a busy server) and the trainer's divergence, if any."""
        if self.error:
            st.error(self.error, icon=":material/error:")
        t = self.trainer
        if t is not None and t.diverged:
            text = str(t.diverged)
            st.error(f"{text[0].upper()}{text[1:]}. {restart_hint}", icon=":material/warning:")

    # ------------------------------------------------------------------ the frame loop
    def interval(self) -> float:
        """Seconds between frames (`pacing.frame_interval`: the tick, the frame's own cost, the server's turns)."""
        return pacing.frame_interval(self.scheduler.stats(), self.tick_s, float(ss.get(self._k("frame_s"), 0.0)))

    @staticmethod
    def pages_first() -> None:
        """Let other sessions' page runs (a page opened, a click) finish first, a little (`PageRuns`).

        Every frame does it; a page's other live fragments (curves, diagnostics) call it too.
        """
        PAGE_RUNS.wait(pacing.PAGES_FIRST_S)

    def paced(self, seconds: float) -> float:
        """A page's other redraw interval (curves, diagnostics), slowed as much as the frames are."""
        return seconds * max(1.0, self.interval() / self.tick_s)

    def busy_text(self) -> str | None:
        """"12 students are training: a frame every 3 s", when sessions queue for the cores."""
        return pacing.busy_text(self.scheduler.stats(), self.interval())

    def tick(self) -> None:
        """One frame's compute side: ask for a slice (or keep the one asked for), wait a little, collect.

        A slice still queued or running when the wait ends stays pending, and this frame draws
        the last state; a later frame collects it. Nothing computes between frames but slices the
        scheduler admitted, so the state a frame drew is the state the session has.
        """
        if not self.running or ss.pop(self._k("fresh"), False):
            return
        job: Future | None = ss.get(self._k("job"))
        if job is None:
            job = self._ask("tick")
        if job is not None:
            # Wait a little for a turn; a slice that has started is bounded by its budget: wait for it.
            self._wait(job, max(0.6 * self.interval(), 1.5 * self._budget_seconds()))
            if job.running():
                self._wait(job, RUNNING_WAIT_S)
            self._collect()

    def _budget_seconds(self) -> float:
        return pacing.slice_seconds(self.slice_s, self.scheduler.stats())

    def fragment(self, draw: Callable[[], None], every: float | None = None) -> None:
        """Run ``draw`` in a fragment that, while running, trains a slice (`tick`) and then draws."""
        was_running = self.running
        interval = self.interval()
        ss[self._k("interval")] = interval

        def frame() -> None:
            self.pages_first()
            t0 = time.monotonic()
            self.tick()
            draw()
            if self.running:
                busy = self.busy_text()
                if busy:
                    st.caption(busy)
                    # Sessions take turns: queue the next slice now, so the slots never wait for a
                    # frame's timer; the next frame collects it. (Alone, a frame asks for its own.)
                    self._ask("tick")
                ss[self._k("frame_s")] = time.monotonic() - t0
                self._retime()
            if was_running and not self.running:
                st.rerun()  # stopped by itself (diverged, finished, bad settings): redraw the buttons

        st.fragment(run_every=(every or interval) if was_running else None)(frame)()

    def _retime(self) -> None:
        """Tell the browser a new frame interval when the server's load changed it a lot (`pacing.retime`)."""
        new, old = self.interval(), ss.get(self._k("interval"), self.tick_s)
        if pacing.needs_retime(new, old) and pacing.retime(new):
            ss[self._k("interval")] = new


def _step(trainer: Any) -> int:
    """A trainer's update count (a race counts per method, a greedy stack its current layer)."""
    for name in ("step_count", "step"):
        value = getattr(trainer, name, None)
        if isinstance(value, int):
            return value
    inner = getattr(trainer, "trainer", None)
    return int(getattr(inner, "step", 0)) if inner is not None else 0
