"""The app behind nginx (scripts/serve.py, WORKERS=2) in a real browser: two students land on
different workers and stay there, pages load with no exception box, a killed worker is started
again and its student's tab says the session was reset, and the whole stack stops on SIGTERM.

Each tab is its own browser context, so each has its own cookies, as two students' browsers do;
all of them come from 127.0.0.1, which is why the proxy pins by a cookie it sets and not by the
client's address."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVE = REPO_ROOT / "scripts" / "serve.py"
COOKIE = "pgmviz_worker"
RESET_TEXT = "The server restarted, your session was reset"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _workers(run_dir: Path) -> dict[str, dict]:
    return {w["name"]: w for w in json.loads((run_dir / "workers.json").read_text())["workers"]}


def _browser_required() -> bool:
    return any(os.environ.get(v, "").strip().lower() not in ("", "0", "false", "no")
               for v in ("CI", "PGMVIZ_REQUIRE_BROWSER"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``scripts/serve.py --workers 2`` on a free loopback port: yields (url, run dir, process)."""
    nginx = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)), None)
    if nginx is None:
        reason = "no nginx (apt-get install nginx, or `make test`)"
        if _browser_required():
            pytest.fail(f"{reason} (required because CI or PGMVIZ_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(reason)
    run_dir = tmp_path_factory.mktemp("serve")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(run_dir / "serve.out", "w")
    proc = subprocess.Popen([sys.executable, str(SERVE), "--workers", "2", "--port", str(port),
                             "--address", "127.0.0.1", "--run-dir", str(run_dir)],
                            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PGMVIZ_WARM_PAGES": "0"})  # warm-up: test_warm_up_browser
    try:
        deadline = time.monotonic() + 180
        while "behind nginx" not in (run_dir / "serve.out").read_text():  # printed once all are healthy
            assert proc.poll() is None, (run_dir / "serve.out").read_text()
            assert time.monotonic() < deadline, "serve.py not ready after 180 s"
            time.sleep(0.25)
        yield url, run_dir, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def _student(browser, url: str, path: str, wait_idle, assert_no_exception):
    """A new browser profile (its own cookies) on ``url/path``: (context, tab, worker seen per response)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    seen: list[str] = []
    tab.on("response", lambda r: seen.append(r.headers.get("x-pgmviz-worker", "")))
    tab.goto(f"{url}/{path}", wait_until="domcontentloaded")
    wait_idle(tab, timeout=180)
    assert_no_exception(tab)
    return context, tab, seen


def _cookie_worker(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def _warmed_lines(run_dir: Path, n: int, timeout: float = 120) -> list[str]:
    """Wait until serve.py has said "worker wK warmed: ..." n times; those lines."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [ln for ln in (run_dir / "serve.out").read_text().splitlines() if " warmed: " in ln]
        if len(lines) >= n or time.monotonic() > deadline:
            return lines
        time.sleep(0.25)


def test_serve_runs_a_first_session_on_every_worker(served):
    """serve.py opens each worker's first session itself (which starts a worker's page warm-up, pgmviz.ui.warm).

    The fixture's workers have the warm-up off, so each worker's log says its warm-up stopped at once:
    that line exists only if app.py ran in the session serve.py opened (a failed first session would
    say "not warmed" and why).
    """
    url, run_dir, proc = served
    lines = _warmed_lines(run_dir, 2)
    assert sorted(ln.split(" warmed: ")[0].split()[-1] for ln in lines) == ["w0", "w1"], lines
    assert all(ln.endswith("pages in 0 s, 0 exception boxes (stopped: PGMVIZ_WARM_PAGES=0)") for ln in lines), lines


def test_two_workers_sticky_restart_and_reset_message(served, browser, wait_idle, assert_no_exception,
                                                      save_screenshot):
    url, run_dir, proc = served
    contexts = []
    try:
        # two students: the proxy hands out the workers in turn and pins each browser by cookie
        ctx_a, tab_a, seen_a = _student(browser, url, "", wait_idle, assert_no_exception)
        ctx_b, tab_b, seen_b = _student(browser, url, "", wait_idle, assert_no_exception)
        contexts += [ctx_a, ctx_b]
        worker_a, worker_b = _cookie_worker(ctx_a), _cookie_worker(ctx_b)
        assert {worker_a, worker_b} == {"w0", "w1"}, (worker_a, worker_b)
        for tab, path, title in ((tab_a, "energy", "Energy and probability"), (tab_b, "filters", "Filter learning")):
            tab.goto(f"{url}/{path}", wait_until="domcontentloaded")
            wait_idle(tab, timeout=180)
            assert_no_exception(tab)
            assert tab.locator("h1", has_text=title).first.is_visible()
            assert not tab.get_by_text(RESET_TEXT).count()
        # every response a tab got (page, scripts, health checks, pictures) came from its own worker
        assert set(seen_a) == {worker_a}, seen_a
        assert set(seen_b) == {worker_b}, seen_b

        # student A's worker dies: the supervisor starts it again on the same port
        before = _workers(run_dir)[worker_a]
        os.kill(before["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while True:
            now = _workers(run_dir)[worker_a]
            if now["starts"] == before["starts"] + 1 and now["pid"] and _healthy(f"http://127.0.0.1:{now['port']}"):
                break
            assert proc.poll() is None, "serve.py exited when a worker died"
            assert time.monotonic() < deadline, f"worker {worker_a} not restarted within 120 s: {now}"
            time.sleep(0.25)
        assert now["pid"] != before["pid"] and not _alive(before["pid"])
        # the restarted worker gets its first session from serve.py too (a third "warmed" line, for it)
        lines = _warmed_lines(run_dir, 3)
        assert len(lines) == 3 and f"worker {worker_a} warmed: pgmviz warm-up:" in lines[-1], lines

        # A's tab reconnects by itself and says its session was reset (within the tick, 10 s)
        tab_a.get_by_text(RESET_TEXT).first.wait_for(state="visible", timeout=60_000)
        wait_idle(tab_a, timeout=120)  # the message comes first, then the page is drawn again under it
        assert_no_exception(tab_a)
        assert tab_a.locator("h1", has_text="Energy and probability").first.is_visible()
        save_screenshot(tab_a, "serve_session_reset")
        tab_a.locator('[data-testid="stMain"] button', has_text="OK").first.click()
        tab_a.get_by_text(RESET_TEXT).first.wait_for(state="detached", timeout=30_000)
        # B, on the other worker, kept its session: no message, and its pages still work
        assert not tab_b.get_by_text(RESET_TEXT).count()
        tab_b.locator('[data-testid="stSidebarNav"] a', has_text="Home").first.click()
        wait_idle(tab_b, timeout=60)
        assert tab_b.locator("h1", has_text="pgmviz").first.is_visible()
        assert_no_exception(tab_b)
        assert not tab_b.get_by_text(RESET_TEXT).count()
        assert _cookie_worker(ctx_b) == worker_b
    finally:
        for c in contexts:
            c.close()


def test_sigterm_stops_nginx_and_workers(served):
    """Last in this file: it ends the module's stack."""
    url, run_dir, proc = served
    pids = [w["pid"] for w in _workers(run_dir).values()]
    nginx_pid = int((run_dir / "nginx.pid").read_text())
    assert all(_alive(p) for p in [*pids, nginx_pid])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in [*pids, nginx_pid]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in [*pids, nginx_pid] if _alive(p)], "processes left running after SIGTERM"
    assert not _healthy(url)
