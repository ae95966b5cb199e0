"""pgmviz.ui.compute: a click's computation as one scheduler slice (counts and results, no clocks)."""

from __future__ import annotations

import threading

import pytest

from pgmviz.ui.compute import Relay, run
from pgmviz.ui.scheduler import Scheduler


@pytest.fixture
def sched():
    s = Scheduler(slots=1)
    yield s
    s.shutdown()


def test_the_result_comes_back_and_the_slice_is_counted(sched):
    assert run("ev_est", sum, [1, 2, 3], scheduler=sched) == 6
    assert run("ev_est", lambda a, b=0: a * b, 6, b=7, scheduler=sched) == 42
    assert sched.turns[("no-session", "ev_est")] == 2  # outside Streamlit: one session
    assert sched.stats().running == 0 and sched.stats().queued == 0


def test_it_runs_on_a_scheduler_thread_and_its_exception_is_raised_here(sched):
    names = []

    def fail():
        names.append(threading.current_thread().name)
        raise ValueError("bad request")

    with pytest.raises(ValueError, match="bad request"):
        run("fc_chains", fail, scheduler=sched)
    assert names == ["pgmviz-compute-0"]


def test_the_page_draws_the_latest_progress_on_its_own_thread(sched):
    shown, threads = [], set()

    def show(t, total):
        shown.append((t, total))
        threads.add(threading.current_thread().name)

    relay = Relay(show)

    def work(progress):
        for t in range(1, 51):
            progress(t, 50)
        return "done"

    assert run("fc_chains", work, relay, relay=relay, scheduler=sched) == "done"
    assert shown[-1] == (50, 50)  # the final report is always drawn
    assert len(shown) <= 50 and shown == sorted(shown)  # latest only, never out of order
    assert threads == {threading.current_thread().name}


class Rerun(Exception):
    """Stands for Streamlit's RerunException, raised at a yield point (drawing the progress)."""


def test_an_interrupted_wait_stops_the_computation_at_its_next_report(sched):
    started, reports_after_stop = threading.Event(), []
    release = threading.Event()

    def show(*_):
        raise Rerun()  # the first drawing on the page's thread is interrupted by a click

    relay = Relay(show)

    def work(progress):
        started.set()
        progress(1)
        release.wait(5)
        try:
            progress(2)  # after the click: InterruptedError
        except InterruptedError:
            reports_after_stop.append("stopped")
            raise
        return "finished anyway"

    def let_go():
        started.wait(5)
        while not relay.stopped():
            threading.Event().wait(0.01)
        release.set()

    threading.Thread(target=let_go, daemon=True).start()
    with pytest.raises(Rerun):
        run("ev_est", work, relay, relay=relay, scheduler=sched)
    assert relay.stopped()
    sched.shutdown()  # waits for nothing; the worker finishes its slice
    release.wait(5)
    for _ in range(500):
        if reports_after_stop:
            break
        threading.Event().wait(0.01)
    assert reports_after_stop == ["stopped"]


def test_a_second_click_waits_for_the_pending_one(sched):
    gate, order = threading.Event(), []

    def first():
        gate.wait(5)
        order.append("first")
        return 1

    t = threading.Thread(target=lambda: order.append(run("gr_movie", first, scheduler=sched)))
    t.start()
    while sched.pending(("no-session", "gr_movie")) is None:
        threading.Event().wait(0.01)
    threading.Timer(0.05, gate.set).start()
    assert run("gr_movie", lambda: order.append("second") or 2, scheduler=sched) == 2
    t.join(5)
    assert order.index("first") < order.index("second")
    assert sched.turns[("no-session", "gr_movie")] == 2
