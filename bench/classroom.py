"""A class on one server, measured: N students training at once, a latecomer opening pages.

    python bench/classroom.py                          # N = 1, 3, 10; one process and WORKERS=2
    python bench/classroom.py --students 1,3,10,30 --workers 0,2 --seconds 40
    python bench/classroom.py --memory                 # idle / 30 sessions / after 100 students
    python bench/classroom.py --quick                  # 2 students for a few seconds (the smoke test)

**Training** (the issue 17 scenario): N Chromium tabs, each its own browser context (its own
cookies, so its own session, as N students' browsers are), open Filter learning and press Train
on the default model; meanwhile a latecomer opens Home, then Energy and probability, in a fresh
context every ``--late-every`` seconds. Printed per configuration (``--workers 0`` is one
``streamlit run app.py``; ``--workers n`` is ``scripts/serve.py --workers n`` behind nginx):

- frames/s of each student (new filter pictures per second, counted in the page by a
  MutationObserver, so the count does not depend on how often this script looks) and all
  students together, and the time from the Train click to the first new picture;
- the latecomer's page-ready times (navigation until the app is idle: connected, no script
  running, pictures loaded; the browser tests' ``wait_idle``), in seconds, "-" for a visit that
  was not ready within ``--late-timeout``; and, to tell the server's share from the browser's
  (Chromium renders on the same 2 cores: Energy's charts and tables take seconds there even on
  an idle server), the same page's script run on the server alone (a ``LightSession``: request
  to ``script_finished``), measured just before each browser visit;
- server cores busy (CPU seconds of every server process, nginx included, per wall second over
  the measuring window) and the browser's cores (Chromium runs on the same 2 cores here);
- the server's peak memory: the sum of PSS (shared pages split between the processes that map
  them, so n workers are not counted n times for one copy of numpy) over all server processes,
  sampled every second from the start of the server.

Chromium tabs rather than lighter websocket clients: a training page's frames are driven by the
frontend (the fragment's ``run_every`` timer in the browser asks for each slice), so only the real
frontend paces the requests the way students' browsers do.

**Memory** (``--memory``): lighter clients (``LightSession``: Streamlit's own websocket protocol,
no browser), since here only what the server holds matters: a client opens a session, runs every
page at its defaults (each a full script run on the server, with the pictures it stores) and
leaves. Printed: the server's memory fresh (started, Home run once), with 30 sessions open at
once, and after 100 students have come and gone (right after, and once the server has dropped
their sessions).

Traffic goes only to 127.0.0.1 and every loop is bounded in count and time. Nothing here asserts a
speed; ``tests/browser/test_classroom_smoke.py`` runs ``--quick`` (both kinds).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# websockets' sync client asks for a `with` block; a LightSession holds its connection across calls
warnings.filterwarnings("ignore", message=r"connect\(\) must be used as a context manager")

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "scripts" / "serve.py"
HEALTH = "/_stcore/health"
START_TIMEOUT = 180.0


def all_pages() -> list[str]:
    from pgmviz.ui.lessons import LESSONS  # imports streamlit; only needed here

    return ["home", *[lesson.url_path for lesson in LESSONS]]


def _load_browser_helpers():
    """tests/browser/conftest.py's wait_idle and assert-free helpers (one definition of "ready")."""
    spec = importlib.util.spec_from_file_location("pgmviz_browser_conftest", ROOT / "tests" / "browser" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --- processes: CPU and memory from /proc ---------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """root and every process below it (by parent pid, read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        except (OSError, IndexError, ValueError):
            pass
    return total / _TICK


def pss_mib(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            pass
    return total_kb / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Server:
    """One ``streamlit run app.py`` (workers=0) or ``scripts/serve.py --workers n``, on loopback."""

    workers: int
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen | None = None
    run_dir: Path | None = None
    peak_mib: float = 0.0
    _sampling: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def label(self) -> str:
        return "1 process" if self.workers == 0 else f"WORKERS={self.workers}"

    def start(self) -> None:
        self.run_dir = Path(tempfile.mkdtemp(prefix="pgmviz-classroom-"))
        log = open(self.run_dir / "server.log", "w")
        if self.workers == 0:
            cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                   "--server.address", "127.0.0.1", "--server.port", str(self.port),
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        else:
            cmd = [sys.executable, str(SERVE), "--workers", str(self.workers), "--port", str(self.port),
                   "--address", "127.0.0.1", "--run-dir", str(self.run_dir)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + START_TIMEOUT
        while not (_healthy(self.url) and (self.workers == 0 or "behind nginx" in self.log())):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.label} did not start:\n{self.log()[-3000:]}")
            time.sleep(0.25)
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()

    def log(self) -> str:
        return (self.run_dir / "server.log").read_text(errors="replace")

    def pids(self) -> list[int]:
        return descendants(self.proc.pid)

    def memory_mib(self) -> float:
        return pss_mib(self.pids())

    def _sample(self) -> None:
        while self._sampling:
            self.peak_mib = max(self.peak_mib, self.memory_mib())
            time.sleep(1.0)

    def stop(self) -> None:
        self._sampling = False
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in self.pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.wait(timeout=10)


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
_EXCEPTIONS_JS = "() => document.querySelectorAll('[data-testid=\"stException\"]').length"


@dataclass
class Student:
    context: object
    tab: object
    opened_at: float
    clicked_at: float | None = None
    first_frame_s: float | None = None
    frames0: int = 0
    t0: float = 0.0
    fps: float | None = None


def _new_tab(browser, helpers):
    context = browser.new_context(viewport=helpers.VIEWPORT, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return context, tab


def open_students(browser, helpers, url: str, n: int, timeout: float) -> list[Student]:
    """n students open Filter learning at once and each presses Train as soon as their page is ready."""
    students = []
    for _ in range(n):
        context, tab = _new_tab(browser, helpers)
        tab.goto(f"{url}/filters", wait_until="commit")
        students.append(Student(context, tab, time.monotonic()))
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
                        s.clicked_at = time.monotonic()
            except Exception:  # the page is still being drawn; look again on the next round
                pass
        for s in training:
            if s.tab.evaluate(_FRAMES_JS) > 0:
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


def latecomer(browser, helpers, url: str, seconds: float, every: float,
              timeout: float) -> tuple[list[tuple[str, float | None]], list[float | None]]:
    """Every ``every`` s, a new student opens Home or Energy and probability (alternately).

    Returns the browser visits (page, seconds until ready) and the server's script time of each.
    """
    visits: list[tuple[str, float | None]] = []
    scripts: list[float | None] = []
    end = time.monotonic() + seconds
    pages = ["home", "energy"]
    while time.monotonic() < end:
        visit_at = time.monotonic()
        page = pages[len(visits) % 2]
        scripts.append(script_time(url, page, timeout))
        start = time.monotonic()
        context, tab = _new_tab(browser, helpers)
        try:
            tab.goto(f"{url}/{page}", wait_until="domcontentloaded")
            ready = helpers.wait_idle(tab, timeout=timeout) - start
            if tab.evaluate(_EXCEPTIONS_JS):
                ready = None
        except Exception:
            ready = None
        finally:
            context.close()
        visits.append((page, ready))
        time.sleep(max(0.0, visit_at + every - time.monotonic()))
    return visits, scripts


def run_training(server: Server, n: int, seconds: float, late_every: float, late_timeout: float,
                 open_timeout: float) -> dict:
    helpers = _load_browser_helpers()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS, headless=True)
        try:
            me = os.getpid()
            students = open_students(browser, helpers, server.url, n, open_timeout)
            time.sleep(2.0)  # let the last ones settle into their pace
            for s in students:
                s.frames0, s.t0 = s.tab.evaluate(_FRAMES_JS), time.monotonic()
            server_pids = set(server.pids())
            browser_pids = [p for p in descendants(me) if p not in server_pids and p != me]
            cpu_s0, cpu_b0, wall0 = cpu_seconds(list(server_pids)), cpu_seconds(browser_pids), time.monotonic()
            visits, scripts = latecomer(browser, helpers, server.url, seconds, late_every, late_timeout)
            wall = time.monotonic() - wall0
            server_cores = (cpu_seconds(server.pids()) - cpu_s0) / wall
            browser_cores = (cpu_seconds(browser_pids) - cpu_b0) / wall
            exceptions = 0
            for s in students:
                s.fps = (s.tab.evaluate(_FRAMES_JS) - s.frames0) / (time.monotonic() - s.t0)
                exceptions += s.tab.evaluate(_EXCEPTIONS_JS)
        finally:
            browser.close()
    fps = [s.fps for s in students]
    return {
        "config": server.label, "students": n, "seconds": round(wall, 1),
        "fps": [round(f, 3) for f in fps], "fps_total": round(sum(fps), 2),
        "not_training": sum(s.clicked_at is None for s in students),
        "first_frame_s": [None if s.first_frame_s is None else round(s.first_frame_s, 2) for s in students],
        "latecomer": [(p, None if r is None else round(r, 2)) for p, r in visits],
        "latecomer_script_s": [None if t is None else round(t, 2) for t in scripts],
        "server_cores": round(server_cores, 2), "browser_cores": round(browser_cores, 2),
        "peak_mib": round(server.peak_mib), "exceptions": exceptions,
    }


def format_training(r: dict) -> str:
    fps = r["fps"] or [0.0]  # --students 0: the latecomer alone
    each = f"{min(fps):.2f}-{max(fps):.2f}" if len(fps) > 1 else f"{fps[0]:.2f}"
    ready = [t for _, t in r["latecomer"]]
    shown = [f"{t:.1f}" if t is not None else "-" for t in ready]
    ok = [t for t in ready if t is not None]
    span = f"{min(ok):.1f}-{max(ok):.1f} s" if ok else "never"
    first = [t for t in r["first_frame_s"] if t is not None]
    scripts = " ".join("-" if t is None else f"{t:.2f}" for t in r.get("latecomer_script_s", []))
    return (f"| {r['config']} | {r['students']} | {each} | {r['fps_total']:.2f} | "
            f"{(max(first) if first else float('nan')):.2f} | {span} ({' '.join(shown)}) | {scripts} | "
            f"{r['server_cores']:.2f} | {r['browser_cores']:.2f} | {r['peak_mib']} | "
            f"{r['exceptions']} | {r['not_training']} |")


TRAINING_HEADER = ("| server | students | frames/s each (min-max) | all together | Train to first frame, worst (s) "
                   "| latecomer's page ready (each visit) | its script on the server (s) | server cores busy | "
                   "browser cores | server peak MiB | exception boxes | never started |\n|" + "---|" * 12)


# --- light sessions: Streamlit's websocket protocol, no browser ------------------------------------


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
        self.exceptions = 0

    def run_page(self, page: str) -> float:
        """Open ``page`` (a url path) at its defaults; seconds until the server finished the run."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = ""
        start = time.monotonic()
        self.ws.send(msg.SerializeToString())
        deadline = start + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{page}: no script_finished within {self.timeout:.0f} s")
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=left))
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self.exceptions += fwd.delta.new_element.WhichOneof("type") == "exception"
            elif kind == "script_finished" and fwd.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                return time.monotonic() - start

    def close(self) -> None:
        self.ws.close()


def visit_every_page(url: str, pages: list[str], stay_open: bool = False) -> tuple[LightSession, int]:
    s = LightSession(url)
    for page in pages:
        s.run_page(page)
    if not stay_open:
        s.close()
    return s, s.exceptions


def run_memory(server: Server, concurrent: int, students: int, parallel: int, settle: float) -> dict:
    pages = all_pages()
    out: dict = {"config": server.label}
    s = LightSession(server.url)
    s.run_page("home")
    s.close()
    time.sleep(3)
    out["fresh_mib"] = round(server.memory_mib())
    exceptions = 0
    with ThreadPoolExecutor(parallel) as pool:
        t = time.monotonic()
        held = list(pool.map(lambda _: visit_every_page(server.url, pages, stay_open=True), range(concurrent)))
        out[f"sessions_{concurrent}_s"] = round(time.monotonic() - t)
        out[f"with_{concurrent}_mib"] = round(server.memory_mib())
        exceptions += sum(e for _, e in held)
        for sess, _ in held:
            sess.close()
        t = time.monotonic()
        done = list(pool.map(lambda _: visit_every_page(server.url, pages), range(students)))
        out[f"students_{students}_s"] = round(time.monotonic() - t)
        exceptions += sum(e for _, e in done)
    out[f"after_{students}_mib"] = round(server.memory_mib())
    time.sleep(settle)
    out[f"after_{students}_plus_{settle:.0f}s_mib"] = round(server.memory_mib())
    out["peak_mib"] = round(server.peak_mib)
    out["exceptions"] = exceptions
    return out


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", default="1,3,10", help="comma-separated class sizes (default 1,3,10)")
    p.add_argument("--workers", default="0,2", help="comma-separated; 0 = one streamlit process (default 0,2)")
    p.add_argument("--seconds", type=float, default=30.0, help="the measuring window per configuration")
    p.add_argument("--late-every", type=float, default=5.0, help="seconds between the latecomer's visits")
    p.add_argument("--late-timeout", type=float, default=60.0, help="a latecomer's visit not ready by then is '-'")
    p.add_argument("--open-timeout", type=float, default=240.0, help="how long students may take to start training")
    p.add_argument("--memory", action="store_true", help="the memory run instead (light clients)")
    p.add_argument("--concurrent", type=int, default=30, help="--memory: sessions open at once")
    p.add_argument("--passing", type=int, default=100, help="--memory: students who come and go")
    p.add_argument("--parallel", type=int, default=3, help="--memory: clients running pages at the same time")
    p.add_argument("--settle", type=float, default=150.0, help="--memory: wait after the last student left")
    p.add_argument("--quick", action="store_true", help="2 students, one process, a few seconds (smoke test)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    if args.quick:
        args.students, args.workers, args.seconds, args.late_every = "2", "0", 6.0, 3.0
        args.concurrent, args.passing, args.parallel, args.settle = 2, 2, 2, 1.0
    args.students = [int(x) for x in args.students.split(",")]
    args.workers = [int(x) for x in args.workers.split(",")]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    print(f"pgmviz classroom benchmark: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    if args.memory:
        for w in args.workers:
            server = Server(w)
            server.start()
            try:
                r = run_memory(server, args.concurrent, args.passing, args.parallel, args.settle)
            finally:
                server.stop()
            print(json.dumps(r), flush=True)
            results.append(r)
    else:
        print(TRAINING_HEADER, flush=True)
        for w in args.workers:
            for n in args.students:
                server = Server(w)
                server.start()
                try:
                    r = run_training(server, n, args.seconds, args.late_every, args.late_timeout, args.open_timeout)
                finally:
                    server.stop()
                print(format_training(r), flush=True)
                results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
