"""How often a live frame comes and how much it trains, from the server's load (issue 17).

A session's frames follow what the server can give it: alone, a frame every ``tick_s``; when
sessions queue for the compute slots (load = sessions per slot above 1), a frame every turn of
the session (the scheduler's turn interval), and each turn trains a little longer (by the square
root of the load, bounded), so fewer, fuller frames keep the cores busy with training rather
than with drawing. Pure functions of `pgmviz.ui.scheduler.Stats`, except `retime`, which tells
the browser.
"""

from __future__ import annotations

import math

from pgmviz.ui.scheduler import Stats

RETIME_FACTOR = 1.5  # the frame interval changes when the load asks for this much more (or less)
MAX_SLICE_FACTOR = 4.0  # under load a slice grows by sqrt(sessions per slot), up to this factor
PAGES_FIRST_S = 0.5  # a frame waits this long at most for other sessions' page runs before it draws


def frame_interval(stats: Stats, tick_s: float, frame_s: float = 0.0) -> float:
    """Seconds between frames: max(tick, 1.25 x the last frame's own time, 1.1 x the turn interval if queued).

    A frame that takes longer than the tick would be interrupted by the next one's request; a
    session that waits for its turn gains nothing from asking more often.
    """
    busy = 1.1 * stats.turn_interval_s if stats.load > 1 else 0.0
    return max(tick_s, 1.25 * frame_s, busy)


def slice_seconds(slice_s: float, stats: Stats) -> float:
    """A turn's training time: slice_s x min(MAX_SLICE_FACTOR, max(1, sqrt(load)))."""
    return slice_s * min(MAX_SLICE_FACTOR, max(1.0, math.sqrt(stats.load)))


def busy_text(stats: Stats, interval: float) -> str | None:
    """"12 students are training on this server (1 compute slot): ...", when sessions queue for the slots."""
    if stats.load <= 1:
        return None
    slots = f"{stats.slots} compute slot" + ("s" if stats.slots > 1 else "")
    return (f"{stats.sessions} students are training on this server ({slots}): they take turns, "
            f"a frame every {interval:.1f} s.")


def needs_retime(new: float, old: float) -> bool:
    """True when the interval changed by RETIME_FACTOR or more (smaller changes wait for the next full run)."""
    return max(new, old) / min(new, old) >= RETIME_FACTOR


def retime(interval: float) -> bool:
    """Tell the browser this fragment's new ``run_every`` from inside the frame; True if sent.

    ``run_every`` is sent when a fragment is declared (a full rerun); this enqueues the same
    message (Streamlit's own, internal API), so no full rerun is needed.
    """
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

        fragment_id = ThreadState.get().fragment_id
        ctx = get_script_run_ctx()
        if not fragment_id or ctx is None:
            return False
        msg = ForwardMsg()
        msg.auto_rerun.interval = interval
        msg.auto_rerun.fragment_id = fragment_id
        ctx.enqueue(msg)
        return True
    except Exception:  # noqa: BLE001 - an internal API: without it the interval changes on the next full run
        return False
