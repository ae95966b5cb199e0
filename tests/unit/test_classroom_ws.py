"""bench/classroom_ws.py speaks as Streamlit's frontend does: fragment timers and frame counting.

The frontend's rules (``App.handleAutoRerun`` in streamlit/static): an ``auto_rerun`` starts a
timer per fragment, the same interval again changes nothing, a new one restarts it; a full run's
``new_session`` clears every timer; ``stop_auto_rerun`` clears the named ones. Messages are built
here as the server builds them, no server needed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# bench/ is not a package: load the module from its file (no sys.path edit)
BENCH = Path(__file__).resolve().parents[2] / "bench"
_SPEC = importlib.util.spec_from_file_location("classroom_ws", BENCH / "classroom_ws.py")
cws = importlib.util.module_from_spec(_SPEC)
sys.modules["classroom_ws"] = cws  # dataclasses look their module up while the class is built
_SPEC.loader.exec_module(cws)


def offline_session() -> cws.LightSession:
    s = cws.LightSession.__new__(cws.LightSession)  # no websocket: only the message handling
    s.init_state()
    return s


def auto_rerun(fid: str, interval: float) -> ForwardMsg:
    m = ForwardMsg()
    m.auto_rerun.fragment_id, m.auto_rerun.interval = fid, interval
    return m


def new_session(*fragments: str) -> ForwardMsg:
    m = ForwardMsg()
    m.new_session.page_script_hash = "main"
    m.metadata.run.fragment_ids.extend(fragments)
    return m


def picture(url: str, fragment: str = "live", path=(0, 3, 1, 0, 0, 1)) -> ForwardMsg:
    m = ForwardMsg()
    m.metadata.delta_path.extend(path)
    m.delta.fragment_id = fragment
    m.delta.new_element.imgs.imgs.add().url = url
    return m


def test_timers_follow_the_frontends_rules():
    s = offline_session()
    s.handle(auto_rerun("live", 0.4))
    s.handle(auto_rerun("curves", 2.0))
    first_due = s.timers["live"][1]
    s.handle(auto_rerun("live", 0.4))  # the same interval: the running timer is kept
    assert s.timers["live"][1] == first_due
    s.handle(auto_rerun("live", 0.8))  # a new interval restarts it
    assert s.timers["live"][0] == pytest.approx(0.8)
    s.handle(new_session("live"))  # a fragment run keeps the timers
    assert set(s.timers) == {"live", "curves"}
    m = ForwardMsg()
    m.stop_auto_rerun.fragment_ids.append("curves")
    s.handle(m)
    assert set(s.timers) == {"live"}
    s.handle(new_session())  # a full run clears them all; its own auto_rerun messages set them again
    assert s.timers == {}


def test_page_hash_query_string_and_exception_boxes_are_kept():
    s = offline_session()
    s.page = "filters"
    m = ForwardMsg()
    m.navigation.page_script_hash = "page-hash"
    s.handle(m)
    m = ForwardMsg()
    m.page_info_changed.query_string = "fl_n_hidden=50"
    s.handle(m)
    m = ForwardMsg()
    m.metadata.delta_path.extend([0, 2])
    e = m.delta.new_element.exception
    e.type, e.message = "ValueError", "bad"
    e.stack_trace.extend([f"line {i}" for i in range(10)])
    s.handle(m)
    assert (s.page_hash, s.query_string) == ("page-hash", "fl_n_hidden=50")
    (box,) = s.boxes
    assert (box.page, box.type, box.message) == ("filters", "ValueError", "bad")
    assert box.trace == [f"line {i}" for i in range(10 - cws.TRACE_LINES, 10)]


def test_a_frame_is_a_new_picture_of_the_picture_fragment_once_a_run():
    c = cws.FrameCounter()
    c.handle(new_session())
    c.handle(picture("a"))  # the full run names the picture's fragment; its first picture is no frame
    c.handle(picture("z", path=(0, 3, 1, 0, 1, 1)))  # a second picture in the same run: not the filters
    assert (c.picture_fragment, c.frames) == ("live", 0)
    c.handle(new_session("live"))
    c.handle(picture("b"))
    c.handle(new_session("live"))
    c.handle(picture("b"))  # the same picture again: no new frame
    c.handle(new_session("diagnostics"))
    c.handle(picture("d", fragment="diagnostics", path=(0, 5, 3)))  # another fragment's picture
    c.handle(picture("s", path=(1, 0)))  # the sidebar's
    assert c.frames == 1
    c.handle(new_session("live"))
    c.handle(picture("c"))
    assert c.frames == 2


def test_the_tick_message_is_the_frontends_rerun():
    back = BackMsg()
    back.ParseFromString(cws.rerun_message(page_script_hash="h", query_string="q", fragment_id="live",
                                           is_auto_rerun=True))
    rs = back.rerun_script
    assert (rs.page_script_hash, rs.query_string, rs.fragment_id, rs.is_auto_rerun) == ("h", "q", "live", True)
    assert rs.HasField("widget_states") and len(rs.widget_states.widgets) == 0
    c = cws.FrameCounter()
    c.sent(back)
    back.ParseFromString(cws.rerun_message(page_script_hash="h", triggers=("$$ID-train",)))
    (w,) = back.rerun_script.widget_states.widgets
    assert (w.id, w.trigger_value) == ("$$ID-train", True)
    c.sent(back)  # a click is not a timer's rerun
    assert c.requests == 1
