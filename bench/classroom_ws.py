"""Students without a browser: Streamlit's websocket protocol, spoken as its frontend speaks it.

`LightSession` opens a session (the cookies a browser gets, then ``/_stcore/stream``), asks for
page runs (``BackMsg.rerun_script``) and reads the replies (``ForwardMsg``), keeping what the
frontend keeps: the current page's script hash (``navigation``), the query string the page wrote
(``page_info_changed``), the fragments' timers, and every exception box (type, message, the first
lines of its trace, with the page it was on).

`LightStudent` is one student on a training page: it opens Filter learning, presses Train (the
button's widget id found in the deltas, sent as a trigger value in ``WidgetStates``) and then
drives the page's fragments exactly as Streamlit 1.67's frontend does (``App.handleAutoRerun``
in ``streamlit/static/static/js/index.*.js``):

- an ``auto_rerun`` ForwardMsg (interval, fragment_id) starts a ``setInterval`` for that fragment;
  one with the interval it already has changes nothing, a new interval restarts the timer;
  ``stop_auto_rerun`` clears the named timers; a full run's ``new_session`` (its metadata names no
  fragments) clears them all, and the run's own ``auto_rerun`` messages set them again;
- each tick sends ``rerun_script`` with that ``fragment_id``, ``is_auto_rerun``, the current page's
  script hash and query string and the widget states (``WidgetManager.sendUpdateWidgetsMessage``);
- the timers tick whether or not a run is in progress: the frontend does not wait for the
  previous run, the server's ScriptRequests coalesces the requests that arrive meanwhile.

Widget states: the frontend sends every widget's current value with each tick; a light student
sends only what it set (the Train trigger, once, as the frontend resets a trigger after sending
it). The server reads a widget that a message leaves out from the session's previous run
(``SessionState``), so the values the script sees, and the work it does, are the same. Nor does
it cache messages: the frontend lists the hashes of the large messages it holds
(``cached_message_hashes``) and the server sends a reference instead of a message it already
sent; the server builds and hashes every message either way, so only the bytes on the wire differ
(a frame's new picture is never a cached one).

A frame is what the Chromium counter counts: a new filter picture, i.e. an ``imgs`` element in
the main area, the first one the picture's fragment draws in a run, whose URL (a data URL: the
PNG travels inside the message) differs from the last one counted.
"""

from __future__ import annotations

import http.cookiejar
import threading
import time
import urllib.request
import warnings
from dataclasses import dataclass, field

# websockets' sync client asks for a `with` block; a LightSession holds its connection across calls
warnings.filterwarnings("ignore", message=r"connect\(\) must be used as a context manager")

TRACE_LINES = 4  # lines of an exception's trace kept


@dataclass
class ExceptionBox:
    """One exception element a page sent: where, what, and the first lines of the trace."""

    page: str
    type: str
    message: str
    trace: list[str] = field(default_factory=list)

    def text(self) -> str:
        return f"[{self.page}] {self.type}: {self.message}" + "".join(f"\n    {line}" for line in self.trace)


class FrameCounter:
    """Frames in a stream of ForwardMsgs: the first picture the picture's fragment draws in a run, if new.

    The picture's fragment is the one that drew the main area's first ``imgs`` element in the last
    full run (the filter grid); a frame is a run of it whose picture's URL differs from the last.
    Also counts the fragment reruns a client asked for (``request``), to compare clients' pacing.
    """

    def __init__(self):
        self.frames = 0
        self.requests = 0  # auto reruns of fragments the client sent
        self.clicked_at: float | None = None
        self.first_frame_s: float | None = None
        self.picture_fragment: str | None = None  # "" if the picture is not in a fragment
        self._url: str | None = None
        self._seen_this_run = False
        self._learn = True

    def handle(self, fwd) -> None:
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self._seen_this_run = False
            self._learn = self._learn or not fwd.metadata.run.fragment_ids
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            el = fwd.delta.new_element
            if el.WhichOneof("type") == "imgs" and fwd.metadata.delta_path[:1] == [0]:
                self.picture(fwd.delta.fragment_id, el.imgs)

    def picture(self, fragment_id: str, imgs) -> None:
        if self._learn:
            self.picture_fragment, self._learn = fragment_id, False
        if fragment_id != self.picture_fragment or self._seen_this_run or not imgs.imgs:
            return
        self._seen_this_run = True
        url = imgs.imgs[0].url
        if url != self._url:
            if self._url is not None:
                self.frames += 1
                if self.first_frame_s is None and self.clicked_at is not None:
                    self.first_frame_s = time.monotonic() - self.clicked_at
            self._url = url

    def sent(self, back) -> None:
        """A BackMsg the client sent: count its fragments' auto reruns."""
        if back.WhichOneof("type") == "rerun_script" and back.rerun_script.is_auto_rerun:
            self.requests += 1


def rerun_message(*, page_name: str = "", page_script_hash: str = "", query_string: str = "",
                  fragment_id: str = "", is_auto_rerun: bool = False, triggers: tuple[str, ...] = ()) -> bytes:
    """A serialized ``BackMsg.rerun_script`` as the frontend's ``sendRerunBackMsg`` builds it."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    rs = msg.rerun_script
    rs.query_string = query_string
    rs.page_name = page_name
    rs.page_script_hash = page_script_hash
    rs.fragment_id = fragment_id
    rs.is_auto_rerun = is_auto_rerun
    rs.widget_states.SetInParent()
    for widget_id in triggers:
        w = rs.widget_states.widgets.add()
        w.id, w.trigger_value = widget_id, True
    return msg.SerializeToString()


class LightSession:
    """One student without a browser: a websocket session that runs pages and reads the replies.

    What the browser would send for "open page X at its defaults": a rerun request naming the page
    with no widget states; the server runs the script and streams its elements back, ending with
    ``script_finished``. Pictures stay on the server (as /media/ files) whether or not anyone
    fetches them, so the server holds what it holds for a browser.
    """

    def __init__(self, url: str, timeout: float = 120.0):
        from websockets.sync.client import connect

        self.timeout = timeout
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(url + "/", timeout=timeout).read()  # the cookies a browser gets (nginx's worker cookie)
        cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
        xsrf = next((c.value for c in jar if c.name == "_streamlit_xsrf"), "")
        self.ws = connect(url.replace("http://", "ws://") + "/_stcore/stream",
                          subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
                          additional_headers={"Cookie": cookies, "Origin": url},
                          max_size=None, open_timeout=timeout)
        self.init_state()

    def init_state(self) -> None:
        """What the frontend keeps of a session's messages (before the first one)."""
        self.page = ""  # the url path last asked for
        self.page_hash = ""  # the current page's script hash (from ``navigation``)
        self.query_string = ""
        self.boxes: list[ExceptionBox] = []
        self.timers: dict[str, list[float]] = {}  # fragment_id -> [interval, next tick (monotonic)]
        self.buttons: dict[str, str] = {}  # label -> widget id, from the deltas
        self.finished = threading.Event()  # the last requested run is done (set by script_finished)

    @property
    def exceptions(self) -> int:
        return len(self.boxes)

    # --- messages ---------------------------------------------------------------------------
    def send_rerun(self, **kwargs) -> None:
        self.finished.clear()
        self.ws.send(rerun_message(**kwargs))

    def receive(self, timeout: float) -> bool:
        """Read and handle one ForwardMsg; False if none came within ``timeout``."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            data = self.ws.recv(timeout=max(timeout, 0.0))
        except TimeoutError:
            return False
        fwd = ForwardMsg()
        fwd.ParseFromString(data)
        self.handle(fwd)
        return True

    def handle(self, fwd) -> None:
        """What the frontend's ``handleMessage`` keeps of one ForwardMsg."""
        kind = fwd.WhichOneof("type")
        if kind == "delta":
            if fwd.delta.WhichOneof("type") == "new_element":
                self.element(fwd, fwd.delta.new_element)
        elif kind == "new_session":
            if not fwd.metadata.run.fragment_ids:
                self.timers.clear()  # cleanupAutoReruns: a full run declares its fragments again
        elif kind == "navigation":
            self.page_hash = fwd.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = fwd.page_info_changed.query_string
        elif kind == "auto_rerun":
            fid, interval = fwd.auto_rerun.fragment_id, fwd.auto_rerun.interval
            if fid and (fid not in self.timers or self.timers[fid][0] != interval):
                self.timers[fid] = [interval, time.monotonic() + interval]
        elif kind == "stop_auto_rerun":
            for fid in fwd.stop_auto_rerun.fragment_ids:
                self.timers.pop(fid, None)
        elif kind == "script_finished":
            self.finished.set()

    def element(self, fwd, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            e = el.exception
            self.boxes.append(ExceptionBox(self.page, e.type, e.message, list(e.stack_trace[-TRACE_LINES:])))
        elif kind == "button":
            self.buttons[el.button.label] = el.button.id

    # --- pages ------------------------------------------------------------------------------
    def run_page(self, page: str) -> float:
        """Open ``page`` (a url path) at its defaults; seconds until the server finished the run."""
        self.page = page
        start = time.monotonic()
        self.send_rerun(page_name=page)
        self.wait_finished(start + self.timeout)
        return time.monotonic() - start

    def wait_finished(self, deadline: float) -> None:
        while not self.finished.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.page}: no script_finished within {self.timeout:.0f} s")
            self.receive(left)

    def close(self) -> None:
        self.ws.close()


class LightStudent(LightSession):
    """A student on a training page: open it, press Train, then tick its fragments as a browser does."""

    def __init__(self, url: str, page: str = "filters", button: str = "Train", timeout: float = 120.0):
        super().__init__(url, timeout=timeout)
        self.train_page, self.button = page, button
        self.counter = FrameCounter()
        self.error: str | None = None  # why this student stopped, if it did

    @property
    def frames(self) -> int:
        return self.counter.frames

    @property
    def requests(self) -> int:
        return self.counter.requests

    @property
    def clicked_at(self) -> float | None:
        return self.counter.clicked_at

    @property
    def first_frame_s(self) -> float | None:
        return self.counter.first_frame_s

    def handle(self, fwd) -> None:
        super().handle(fwd)
        self.counter.handle(fwd)

    def tick_due(self) -> float:
        """Send the fragment reruns whose timers are due; seconds until the next one."""
        now = time.monotonic()
        for fid, timer in list(self.timers.items()):
            if timer[1] <= now:
                timer[1] += timer[0]  # setInterval: the next tick a whole interval after this one's due time
                if timer[1] <= now:
                    timer[1] = now + timer[0]  # a tick this client missed (it was busy): no burst
                self.ws.send(rerun_message(page_script_hash=self.page_hash, query_string=self.query_string,
                                           fragment_id=fid, is_auto_rerun=True))
                self.counter.requests += 1
        return min((t[1] for t in self.timers.values()), default=now + 1.0) - now

    def live(self, stop: threading.Event) -> None:
        """The whole visit, on its own thread: open the page, press Train, tick until ``stop``."""
        try:
            self.run_page(self.train_page)
            widget = self.buttons.get(self.button)
            if widget is None:
                raise RuntimeError(f"no {self.button!r} button on {self.train_page}")
            self.counter.clicked_at = time.monotonic()
            self.send_rerun(page_script_hash=self.page_hash, query_string=self.query_string, triggers=(widget,))
            while not stop.is_set():
                self.receive(min(self.tick_due(), 0.5))
        except Exception as e:  # noqa: BLE001 - a benchmark reports a client that failed, it does not crash
            self.error = f"{type(e).__name__}: {e}"
        finally:
            try:
                self.close()
            except Exception:  # noqa: BLE001
                pass
