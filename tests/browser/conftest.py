"""Browser-test harness: a real ``streamlit run app.py`` on loopback, driven by Debian's Chromium.

Fixtures (use them in any ``tests/browser/test_*.py``; every test here is marked ``browser``):

    app_url   session   "http://127.0.0.1:<port>" of the running app (started once per session)
    browser   session   a Playwright Chromium browser (/usr/bin/chromium; nothing downloaded)
    page      function  a fresh tab (1440x1000) in its own context; uncaught JS errors are
                        collected in ``page.js_errors``
    open_app  function  open_app(url_path="") -> seconds until idle: goes to app_url/url_path,
                        waits with wait_idle, fails on any Streamlit exception box
    wait_idle, assert_no_exception, save_screenshot, record_timing
              function  the helpers below, as fixtures: name one as a test argument and call it

Helpers (this folder is not a package and a ``conftest`` module cannot be imported reliably, so
tests get them through the same-named fixtures above):

    wait_idle(page, timeout=60, quiet=0.5) -> float
        Blocks until the app is idle, i.e. for ``quiet`` seconds in a row: connected to the
        server, no script run in progress (``data-test-script-state == "notRunning"``), the
        status widget not showing "Running", no stale (greyed) elements, no loading skeletons,
        every <img> loaded, every graphviz/plotly chart drawn. Returns the monotonic time at which
        the idle stretch began (when the page's first idle answer came back). Raises TimeoutError
        naming what was still busy.
        After ``page.click(...)`` (e.g. on Train) just call it again: the quiet window covers the
        moment between the click and the rerun starting. A page whose fragment reruns itself
        (``st.fragment(run_every=...)``) may never be quiet; wait for a text or element instead.
    assert_no_exception(page)      fails, with the traceback text, if a stException box shows
    save_screenshot(page, key)     test-artifacts/<key>.png always; docs/screenshots/<key>.png
                                   too when PGMVIZ_UPDATE_SCREENSHOTS=1 (``make screenshots``)
    record_timing(name, seconds)   printed in the terminal summary, saved to test-artifacts
    draw_seven(page)               drags the mouse over the page's drawing canvas: a 7

Chromium missing: the tests fail when CI or PGMVIZ_REQUIRE_BROWSER is set, else they skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit-server.log"

CHROMIUM = os.environ.get("PGMVIZ_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google services, which
# on a closed network stalls it; QUIC off for the same reason.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 120  # s; generous: the first start may compile Numba kernels
VIEWPORT = {"width": 1440, "height": 1000}

_TIMINGS: list[tuple[str, float]] = []


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def browser_required() -> bool:
    """In CI (or when asked) a missing browser is a failure, not a skip."""
    return _env_flag("CI") or _env_flag("PGMVIZ_REQUIRE_BROWSER")


def _missing(reason: str):
    if browser_required():
        pytest.fail(f"{reason} (required because CI or PGMVIZ_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# --- helpers ---------------------------------------------------------------------------------

_BUSY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'app not mounted';
  const conn = app.getAttribute('data-test-connection-state');
  if (conn !== 'CONNECTED') return 'connection: ' + conn;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return 'script: ' + state;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && /running/i.test(status.innerText)) return 'status widget: ' + status.innerText;
  if (document.querySelector('[data-stale="true"]')) return 'stale elements';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'loading skeleton';
  for (const img of document.images) { if (!img.complete) return 'image loading'; }
  for (const g of document.querySelectorAll('[data-testid="stGraphVizChart"]')) {
    if (!g.querySelector('svg')) return 'graphviz chart drawing';
  }
  for (const p of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!p.querySelector('.main-svg')) return 'plotly chart drawing';
  }
  return '';
}"""


def wait_idle(page, timeout: float = 60.0, quiet: float = 0.5) -> float:
    """Wait until the app has been idle for ``quiet`` seconds in a row; see the module docstring.

    Returns the ``time.monotonic()`` at which the final idle stretch began.
    """
    deadline = time.monotonic() + timeout
    idle_since: float | None = None
    busy = "never checked"
    while True:
        busy = page.evaluate(_BUSY_JS)
        # When the page answered, not when it was asked: a long task (Plotly's bundle on a loaded
        # machine) holds the answer for seconds, all of them busy (bench/README.md, the latecomer).
        now = time.monotonic()
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= quiet:
            return idle_since
        if now > deadline:
            raise TimeoutError(f"app not idle after {timeout:.0f} s; still busy with: {busy}")
        page.wait_for_timeout(50)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        texts = "\n---\n".join(boxes.all_inner_texts())
        pytest.fail(f"Streamlit showed {boxes.count()} exception(s) on {page.url}:\n{texts}", pytrace=False)


def save_screenshot(page, key: str) -> Path:
    """Screenshot the whole app (not just the viewport) to test-artifacts/<key>.png.

    Streamlit scrolls inside its own container, so a "full page" screenshot would stop at the
    viewport; the viewport is stretched to the content's height for the shot instead.
    """
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]')
                     || document.querySelector('[data-testid="stAppViewContainer"]');
                   return m ? m.scrollHeight : document.body.scrollHeight; }"""
    )
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 8000))})
    try:
        wait_idle(page, timeout=30, quiet=0.3)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{key}.png"
        page.screenshot(path=str(path))
        if _env_flag("PGMVIZ_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / f"{key}.png")
        return path
    finally:
        page.set_viewport_size(size)


def record_timing(name: str, seconds: float) -> None:
    _TIMINGS.append((name, seconds))
    print(f"[timing] {name}: {seconds:.2f} s")


def pytest_terminal_summary(terminalreporter):
    if not _TIMINGS:
        return
    terminalreporter.write_sep("-", "browser timings")
    for name, seconds in _TIMINGS:
        terminalreporter.write_line(f"{name}: {seconds:.2f} s")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(dict(_TIMINGS), indent=2) + "\n")


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(n: int = 60) -> str:
    try:
        return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no server log)"


@pytest.fixture(scope="session")
def app_url():
    """Start ``streamlit run app.py`` on a free loopback port; yield its base URL."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(SERVER_LOG, "w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before it was healthy:\n"
                            f"{_log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT} s:\n{_log_tail()}",
                            pytrace=False)
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or `make test`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -r requirements-test.txt)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.js_errors = []
    tab.on("pageerror", lambda err: tab.js_errors.append(str(err)))
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def open_app(page, app_url):
    """open_app(url_path="", timeout=120) -> seconds from navigation until the app is idle."""

    def _open(url_path: str = "", timeout: float = 120.0) -> float:
        start = time.monotonic()
        page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
        idle_at = wait_idle(page, timeout=timeout)
        assert_no_exception(page)
        return idle_at - start

    return _open


def draw_seven(page) -> None:
    """Drag the mouse over the page's drawing canvas: a top bar, then a diagonal down to the left.

    Fabric.js stacks two canvases and the upper one takes the mouse; Playwright's CSS selectors
    pierce the component's shadow root.
    """
    canvas = page.locator('[data-testid="stMain"] canvas').last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100, box
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + 0.25 * w, y0 + 0.2 * h)
    page.mouse.down()
    for t in range(1, 11):  # top bar
        page.mouse.move(x0 + (0.25 + 0.05 * t) * w, y0 + 0.2 * h)
    for t in range(1, 21):  # the long stroke
        page.mouse.move(x0 + (0.75 - 0.02 * t) * w, y0 + (0.2 + 0.03 * t) * h)
    page.mouse.up()


# The plain helpers as fixtures, so a test file reaches them by naming them as arguments.


@pytest.fixture(name="wait_idle")
def _wait_idle_fixture():
    return wait_idle


@pytest.fixture(name="assert_no_exception")
def _assert_no_exception_fixture():
    return assert_no_exception


@pytest.fixture(name="save_screenshot")
def _save_screenshot_fixture():
    return save_screenshot


@pytest.fixture(name="record_timing")
def _record_timing_fixture():
    return record_timing


@pytest.fixture(name="draw_seven")
def _draw_seven_fixture():
    return draw_seven
