"""Students and the latecomer in Chromium (Debian's, driven by Playwright), for bench/classroom.py.

A Chromium student is a tab in its own browser context (its own cookies, so its own session) on
Filter learning: frames are counted in the page (a MutationObserver on the filter picture, so the
count does not depend on how often anyone looks) and, from the tab's own websocket, as a light
student counts them (`classroom_ws.FrameCounter`: frames the server delivered, fragment reruns the
frontend asked for). Exception boxes are read as text. The latecomer opens Home or Energy and
probability in a fresh context and waits for the browser tests' ``wait_idle``.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field

from classroom_server import ROOT
from classroom_ws import ExceptionBox, FrameCounter, LightSession


def _load_browser_helpers():
    """tests/browser/conftest.py's wait_idle and assert-free helpers (one definition of "ready")."""
    spec = importlib.util.spec_from_file_location("pgmviz_browser_conftest", ROOT / "tests" / "browser" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --- students in Chromium -------------------------------------------------------------------------

# Counts new filter pictures in the page itself. The first picture in the main area is the filter
# grid (tests/browser/test_filters_browser.py); a new frame is a new src on it.
_FRAME_COUNTER_JS = """() => {
  if (window.__pgmviz) return window.__pgmviz.frames;
  const pg = window.__pgmviz = {frames: 0, src: null};
  const src = () => { const img = document.querySelector('[data-testid="stMain"] [data-testid="stImage"] img');
                      return img ? img.getAttribute('src') : null; };
  pg.src = src();
  new MutationObserver(() => { const s = src(); if (s && s !== pg.src) { pg.src = s; pg.frames += 1; } })
    .observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  return 0;
}"""
_FRAMES_JS = "() => window.__pgmviz ? window.__pgmviz.frames : 0"
_EXCEPTIONS_JS = "() => [...document.querySelectorAll('[data-testid=\"stException\"]')].map(e => e.innerText)"


def _boxes(tab, page: str) -> list[ExceptionBox]:
    """The exception boxes on a tab, as text: first line, then the first lines after it."""
    out = []
    for text in tab.evaluate(_EXCEPTIONS_JS):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        out.append(ExceptionBox(page, "", lines[0] if lines else "", lines[1:4]))
    return out


@dataclass
class ChromiumStudent:
    """A tab: frames drawn (counted in the page) and, from its websocket, frames delivered and reruns asked."""

    context: object
    tab: object
    opened_at: float
    clicked_at: float | None = None
    first_frame_s: float | None = None
    error: str | None = None
    counter: FrameCounter = field(default_factory=FrameCounter)

    def listen(self) -> None:
        """Read the tab's websocket as a light student reads its own (`classroom_ws.FrameCounter`)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def parse(cls, payload):
            if isinstance(payload, (bytes, bytearray)):
                msg = cls()
                msg.ParseFromString(bytes(payload))
                return msg
            return None

        def on_ws(ws) -> None:
            if ws.url.endswith("/_stcore/stream"):
                ws.on("framereceived", lambda p: (m := parse(ForwardMsg, p)) is not None and self.counter.handle(m))
                ws.on("framesent", lambda p: (m := parse(BackMsg, p)) is not None and self.counter.sent(m))

        self.tab.on("websocket", on_ws)

    @property
    def frames(self) -> int:
        return self.tab.evaluate(_FRAMES_JS)

    @property
    def delivered(self) -> int:
        return self.counter.frames

    @property
    def requests(self) -> int:
        return self.counter.requests

    @property
    def boxes(self) -> list[ExceptionBox]:
        return _boxes(self.tab, "filters")


def _new_tab(browser, helpers):
    context = browser.new_context(viewport=helpers.VIEWPORT, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return context, tab


def open_chromium_students(browser, helpers, url: str, n: int, timeout: float) -> list[ChromiumStudent]:
    """n students open Filter learning at once and each presses Train as soon as their page is ready."""
    students = []
    for _ in range(n):
        context, tab = _new_tab(browser, helpers)
        student = ChromiumStudent(context, tab, time.monotonic())
        student.listen()
        tab.goto(f"{url}/filters", wait_until="commit")
        students.append(student)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [s for s in students if s.clicked_at is None]
        training = [s for s in students if s.clicked_at is not None and s.first_frame_s is None]
        if not waiting and not training:
            break
        for s in waiting:
            try:
                if s.tab.evaluate(helpers._BUSY_JS) == "":
                    button = s.tab.locator('[data-testid="stMain"] button', has_text="Train").first
                    if button.count():
                        s.tab.evaluate(_FRAME_COUNTER_JS)
                        button.click(timeout=5_000)
                        s.clicked_at = s.counter.clicked_at = time.monotonic()
            except Exception:  # the page is still being drawn; look again on the next round
                pass
        for s in training:
            if s.frames > 0:
                s.first_frame_s = time.monotonic() - s.clicked_at  # within one round of this loop
        time.sleep(0.05)
    return students


def script_time(url: str, page: str, timeout: float) -> float | None:
    """Seconds the server takes to run ``page`` for a new session (no browser), None if it did not."""
    try:
        s = LightSession(url, timeout=timeout)
        try:
            return s.run_page(page)
        finally:
            s.close()
    except Exception:
        return None


READ_HOME_S = 3.0  # the tab latecomer reads Home this long before following the link to Energy
_ENERGY_SHOWN_JS = ("() => location.pathname.endsWith('/energy') && "
                    "[...document.querySelectorAll('h1')].some(h => h.innerText.includes('Energy and probability'))")


def _tab_visit(browser, helpers, url: str, timeout: float, boxes: list[ExceptionBox]) -> list[tuple[str, float | None]]:
    """A student's own tab: Home, then Energy and probability by its sidebar link (the JS, cache and session shared)."""
    context, tab = _new_tab(browser, helpers)
    out: list[tuple[str, float | None]] = []
    try:
        start = time.monotonic()
        tab.goto(f"{url}/", wait_until="domcontentloaded")
        out.append(("home", helpers.wait_idle(tab, timeout=timeout) - start))
        tab.wait_for_timeout(READ_HOME_S * 1000)
        start = time.monotonic()
        tab.locator('[data-testid="stSidebarNav"] a[href$="/energy"]').first.click()
        tab.wait_for_function(_ENERGY_SHOWN_JS, timeout=timeout * 1000)
        out.append(("energy after home", helpers.wait_idle(tab, timeout=timeout) - start))
        shown = _boxes(tab, "energy")
        if shown:
            boxes.extend(shown)
            out[-1] = ("energy after home", None)
    except Exception:
        out += [("home", None), ("energy after home", None)][len(out):]
    finally:
        context.close()
    return out


def latecomer(browser, helpers, url: str, seconds: float, every: float, timeout: float,
              mode: str = "fresh") -> tuple[list[tuple[str, float | None]], list[float | None], list[ExceptionBox]]:
    """Every ``every`` s, a new student opens Home or Energy and probability in Chromium.

    ``mode="fresh"``: a fresh browser context per page, Home and Energy alternately (nothing cached:
    each page pays for the whole bundle). ``mode="tab"``: as a student does it, one tab (a fresh
    context) opens Home, then Energy by the sidebar link, so Energy finds the bundle and Home's
    chunks loaded. Returns the browser visits (page, seconds until ready), the server's script
    time of each, and the exception boxes the visits showed.
    """
    visits: list[tuple[str, float | None]] = []
    scripts: list[float | None] = []
    boxes: list[ExceptionBox] = []
    end = time.monotonic() + seconds
    pages = ["home", "energy"]
    while mode == "tab" and time.monotonic() < end:
        visit_at = time.monotonic()
        scripts += [script_time(url, page, timeout) for page in pages]
        visits += _tab_visit(browser, helpers, url, timeout, boxes)
        time.sleep(max(0.0, visit_at + every - time.monotonic()))
    while mode == "fresh" and time.monotonic() < end:
        visit_at = time.monotonic()
        page = pages[len(visits) % 2]
        scripts.append(script_time(url, page, timeout))
        start = time.monotonic()
        context, tab = _new_tab(browser, helpers)
        try:
            # Home is the app's root: its url_path "home" opens it under a "Page not found" dialog
            tab.goto(f"{url}/{'' if page == 'home' else page}", wait_until="domcontentloaded")
            ready = helpers.wait_idle(tab, timeout=timeout) - start
            shown = _boxes(tab, page)
            if shown:
                boxes.extend(shown)
                ready = None
        except Exception:
            ready = None
        finally:
            context.close()
        visits.append((page, ready))
        time.sleep(max(0.0, visit_at + every - time.monotonic()))
    return visits, scripts, boxes
