"""The classroom scheduler (pgmviz.ui.scheduler): fair turns, at most `slots` slices at once, no
pile-up, sessions that leave use no compute. Turns are counted, never timed: a fake clock, and
events where threads must meet."""

from __future__ import annotations

import sys
import threading

import pytest

from pgmviz.ui.scheduler import Scheduler


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def manual(slots=2, idle_after=5.0):
    clock = FakeClock()
    return Scheduler(slots=slots, idle_after=idle_after, clock=clock, start_workers=False), clock


def test_sessions_that_keep_asking_take_turns_one_slice_each():
    s, _ = manual(slots=1)
    order = []

    def ask(name):
        s.submit(name, lambda: order.append(name))

    for name in "ABC":
        ask(name)
    for _ in range(12):  # every session asks again as soon as its slice is done
        assert s.run_next()
        ask(order[-1])
    assert order == list("ABC") * 4
    assert s.turns == {"A": 4, "B": 4, "C": 4}


def test_a_greedy_session_cannot_queue_more_than_one_slice():
    s, _ = manual(slots=1)
    ran = []
    first = s.submit("greedy", lambda: ran.append("greedy"))
    for _ in range(5):
        assert s.submit("greedy", lambda: ran.append("again")) is first  # the pending one, not a new one
    s.submit("polite", lambda: ran.append("polite"))
    assert s.stats().queued == 2
    while s.run_next():
        pass
    assert ran == ["greedy", "polite"]
    assert first.done() and first.result() is None


def test_results_and_errors_come_back_through_the_future():
    s, _ = manual()
    ok = s.submit("a", lambda: 42)
    bad = s.submit("b", lambda: 1 / 0)
    s.run_next()
    s.run_next()
    assert ok.result() == 42
    with pytest.raises(ZeroDivisionError):
        bad.result()
    assert s.pending("a") is None and s.pending("b") is None


def test_pause_drops_the_waiting_slice_at_once():
    s, _ = manual()
    ran = []
    f = s.submit("a", lambda: ran.append("a"))
    s.submit("b", lambda: ran.append("b"))
    assert s.cancel("a") and f.cancelled()
    assert not s.cancel("a")  # nothing left to cancel
    while s.run_next():
        pass
    assert ran == ["b"] and s.stats().dropped == 1


def test_a_session_that_stops_polling_is_dropped_and_one_that_polls_is_kept():
    s, clock = manual(slots=1, idle_after=5.0)
    ran = []
    s.submit("gone", lambda: ran.append("gone"))
    s.submit("here", lambda: ran.append("here"))
    clock.t = 4.0
    s.touch("here")
    clock.t = 8.0  # "gone" was last seen at 0, "here" at 4
    assert s.stats().sessions == 1
    while s.run_next():
        pass
    assert ran == ["here"]
    assert s.stats().dropped == 1 and s.turns == {"here": 1}


def test_leaving_forgets_the_session():
    s, _ = manual()
    s.submit("a", lambda: None)
    s.leave("a")
    assert s.stats().sessions == 0 and s.stats().queued == 0 and not s.run_next()


def test_load_and_turn_interval_follow_the_sessions_wanting_compute():
    s, clock = manual(slots=2)
    for name in "ABCDEF":
        s.submit(name, lambda: None)
    st = s.stats()
    assert (st.sessions, st.queued, st.running, st.load) == (6, 6, 0, 3.0)
    while s.run_next():
        pass
    st = s.stats()
    assert st.turns == 6 and st.queued == 0
    # slices took no time on the fake clock; the interval is slice time x sessions per slot
    assert st.turn_interval_s == st.slice_s * 3.0


def test_never_more_slices_at_once_than_slots_with_real_workers():
    slots, n_sessions, rounds = 2, 6, 3
    s = Scheduler(slots=slots, idle_after=1e9)
    lock = threading.Lock()
    running = [0]
    peak = [0]
    both_in = threading.Barrier(slots, timeout=30)  # the first slices must be able to run side by side

    def slice_(first: bool):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if first:
                both_in.wait()
        finally:
            with lock:
                running[0] -= 1

    try:
        futures = [s.submit(f"s{i}", lambda i=i: slice_(i < slots)) for i in range(n_sessions)]
        for f in futures:
            f.result(timeout=60)
        for _ in range(rounds - 1):
            futures = [s.submit(f"s{i}", lambda: slice_(False)) for i in range(n_sessions)]
            for f in futures:
                f.result(timeout=60)
        assert peak[0] == slots  # the limit was reached (the barrier saw both) and never passed
        assert s.stats().turns == n_sessions * rounds
        assert all(s.turns[f"s{i}"] == rounds for i in range(n_sessions))
    finally:
        s.shutdown()


def test_a_page_that_only_draws_never_waits():
    """Nothing but compute goes through the scheduler: with every slot busy, a caller that does
    not submit is never blocked, and stats() answers."""
    s = Scheduler(slots=1, idle_after=1e9)
    release = threading.Event()
    started = threading.Event()
    try:
        busy = s.submit("trainer", lambda: (started.set(), release.wait(30)))
        assert started.wait(30)
        waiting = s.submit("other", lambda: "done")
        st = s.stats()  # answers while the only slot is taken
        assert (st.running, st.queued) == (1, 1)
        assert not waiting.done()
        release.set()
        assert waiting.result(timeout=30) == "done" and busy.result(timeout=30)
    finally:
        release.set()
        s.shutdown()


# --- pages first: live frames wait for other sessions' page runs ---------------------------------

def _in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join(10)
    return out[0]


def test_a_frame_waits_for_another_sessions_page_run_not_for_its_own():
    from pgmviz.ui.scheduler import PageRuns

    runs = PageRuns()
    assert runs.count == 0 and runs.wait(0.0) is True and runs.waits == 0
    with runs.running():
        assert runs.count == 1
        assert runs.wait(0.0) is True  # a frame drawn inside its own page's run
        assert _in_thread(lambda: runs.wait(0.0)) is False  # another session's frame: a page is running
        assert runs.waits == 1
    assert runs.count == 0
    assert _in_thread(lambda: runs.wait(0.0)) is True and runs.waits == 1


def test_a_page_run_waiting_for_compute_holds_up_no_frame():
    from pgmviz.ui.scheduler import PageRuns

    runs = PageRuns()
    with runs.running():
        with runs.aside():
            assert runs.count == 0
            assert _in_thread(lambda: runs.wait(0.0)) is True
        assert runs.count == 1  # counted again once its slice is back
    with runs.aside():  # outside a page run (a fragment's tick): nothing to set aside, nothing added
        assert runs.count == 0
    assert runs.count == 0


def test_a_waiting_frame_goes_on_when_the_page_run_ends():
    from pgmviz.ui.scheduler import PageRuns

    runs = PageRuns()
    entered, leave, result = threading.Event(), threading.Event(), []

    def page():
        with runs.running():
            entered.set()
            leave.wait(10)

    p = threading.Thread(target=page)
    p.start()
    entered.wait(10)
    f = threading.Thread(target=lambda: result.append(runs.wait(30.0)))
    f.start()
    while runs.waits == 0:  # the frame is waiting
        threading.Event().wait(0.01)
    leave.set()
    f.join(10)
    p.join(10)
    assert result == [True]  # woken by the end of the run, not by the 30 s bound


# --- compute threads run nicer than the page scripts (Linux keeps a nice value per thread) ---------


def _thread_niceness() -> tuple[int, int]:
    """The calling thread's niceness, asked twice: from the kernel, and from /proc (field 19 of its stat)."""
    import os

    tid = threading.get_native_id()
    with open(f"/proc/self/task/{tid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": field 3 is fields[0]
    return os.getpriority(os.PRIO_PROCESS, tid), int(fields[19 - 3])


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")


@linux_only
@pytest.mark.parametrize("steps", [0, 3, 40])
def test_a_worker_thread_runs_steps_nicer_than_the_thread_that_started_it_and_no_one_else_does(steps):
    here = _in_thread(lambda: _thread_niceness())  # a fresh thread of this process: what a worker starts at
    s = Scheduler(slots=1, idle_after=1e9, nice=steps)
    try:
        in_worker = s.submit("a", _thread_niceness).result(timeout=30)
        in_caller = _thread_niceness()
    finally:
        s.shutdown()
    expected = min(19, here[0] + steps)
    assert in_worker == (expected, expected)  # the kernel and /proc agree
    assert in_caller == here  # the caller (a page's script thread) keeps the server's priority
    assert list(s.niceness.values()) == [expected]


@linux_only
def test_lowering_priority_changes_only_the_calling_thread():
    from pgmviz.ui.scheduler import lower_thread_priority

    before = _thread_niceness()
    lowered = _in_thread(lambda: (lower_thread_priority(2), _thread_niceness()))
    assert lowered == (min(19, before[0] + 2), (min(19, before[0] + 2),) * 2)
    assert _thread_niceness() == before


def test_the_server_scheduler_takes_its_niceness_from_the_environment(monkeypatch):
    from pgmviz.ui import scheduler

    monkeypatch.setenv("PGMVIZ_COMPUTE_NICE", "0")
    assert scheduler._nice_from_env() == 0
    monkeypatch.setenv("PGMVIZ_COMPUTE_NICE", "4")
    assert scheduler._nice_from_env() == 4
    monkeypatch.setenv("PGMVIZ_COMPUTE_NICE", "lots")
    assert scheduler._nice_from_env() == scheduler.COMPUTE_NICE
    monkeypatch.delenv("PGMVIZ_COMPUTE_NICE")
    assert scheduler._nice_from_env() == scheduler.COMPUTE_NICE
