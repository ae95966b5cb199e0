"""A class on one server, measured: N students training at once, a latecomer opening pages.

    python bench/classroom.py                          # N = 1, 3, 10; one process and WORKERS=2
    python bench/classroom.py --students 1,3,10,30 --workers 0,2 --seconds 30
    python bench/classroom.py --students 1 --workers 0 --clients chromium,light   # the two kinds compared
    python bench/classroom.py --memory                 # idle / 30 sessions / after 100 students
    python bench/classroom.py --quick                  # 2 students for a few seconds (the smoke test)

**Training** (the issue 17 scenario): N students, each its own session, open Filter learning and
press Train on the default model; meanwhile a latecomer opens Home, then Energy and probability,
in a fresh Chromium context every ``--late-every`` seconds. A student is a Chromium tab (its own
browser context, so its own cookies, as N students' browsers are; `classroom_browser`) or a light
websocket client (`classroom_ws.LightStudent`); ``--clients auto`` takes Chromium up to 3
students and light ones beyond. Printed per configuration (``--workers 0`` is one ``streamlit run
app.py``; ``--workers n`` is ``scripts/serve.py --workers n`` behind nginx):

- frames/s of each student and all together (new filter pictures: counted in a Chromium page by
  a MutationObserver, in a light student's messages), the frames the server delivered and the
  fragment reruns the client asked for per second (both read from the websocket, for Chromium
  tabs too), and the time from the Train click to the first new picture;
- the latecomer's page-ready times (navigation until the app is idle: connected, no script
  running, pictures and charts drawn; the browser tests' ``wait_idle``, timed when the page's
  answer comes back, since a long task can hold it for seconds), in seconds, "-" for a visit that
  was not ready within ``--late-timeout``, Home's and Energy's apart. ``--latecomer fresh`` (the
  default) opens each page in a fresh browser context (no cache: each page loads the whole
  frontend); ``--latecomer tab`` opens Home, then Energy by its sidebar link in the same tab, as a
  student does (Energy then finds the frontend, and the chart code Home prefetched, loaded);
  and, to tell the server's share from the browser's
  (Chromium renders on the same 2 cores: Energy's charts and tables take seconds there even on
  an idle server), the same page's script run on the server alone (a ``LightSession``: request
  to ``script_finished``), measured just before each browser visit;
- server cores busy (CPU seconds of every server process, nginx included, per wall second over
  the measuring window) and the clients' cores (Chromium, Playwright and this process);
- the server's peak memory (summed PSS, `classroom_server`), exception boxes (their text under
  the row: type, message, first lines of the trace, and the page), students that never started,
  and the load average.

**Light students measure what Chromium students measure, on students' own machines.** A training
page's frames are paced by the frontend: each ``st.fragment(run_every=...)`` becomes a
``setInterval`` in the browser that sends a fragment rerun whether or not a run is in progress
(the server coalesces them), and a light student keeps the same timers with the same messages
(`classroom_ws`, its docstring has the frontend's rules). What differs is the client's own cost:
N Chromium tabs on the server's 2 cores take 0.2-1.4 of them (a tab's main thread draws every
frame's picture and charts), and a starved tab's timers fire late, so it asks for fewer frames.
Measured, one student alone, one process, alternating Chromium and light (``--students 1
--workers 0 --clients chromium,light,chromium,light --seconds 30``; other sessions' jobs ran):

| when (load) | client | frames/s drawn | delivered | fragment reruns asked/s | client cores |
|---|---|---|---|---|---|
| 13:14-13:23 (28-31) | Chromium | 0.40, 0.40 | 0.43, 0.45 | 1.79, 1.31 | 0.22, 0.23 |
| | light | 0.93, 1.10 | 0.94, 1.10 | 2.65, 2.97 | 0.11, 0.12 |
| 13:44-13:49 (18-24) | Chromium | 0.71, 1.43 | 0.78, 1.43 | 1.96, 2.81 | 0.28, 0.45 |
| | light | 1.61, 2.15 | 1.61, 2.15 | 3.06, 3.28 | 0.15, 0.15 |
| 14:07-14:11 (4-9) | Chromium | 2.27, 2.17 | 2.27, 2.23 | 3.20, 3.23 | 0.59, 0.59 |
| | light | 2.45, 2.24 | 2.45, 2.24 | 3.28, 3.30 | 0.28, 0.28 |

The page's timers (frames every 0.4 s, curves 2 s, diagnostics 5 s, the session tick 10 s) ask
3.3 reruns a second; a light student asks 2.7-3.3 (less only when the page itself lengthens its
interval for slow frames), a Chromium tab 1.3-3.2, fewer the busier the machine, and it draws
what it is delivered (0.40 of 0.43, 1.43 of 1.43). So the gap is in the asking, a tab's timers
firing late on a machine with no core to spare, and it closes as the load falls (Chromium's
frames / light's: 0.39 at load 28-31, 0.57 at load 18-24, 0.95 at load 4-9, where the two pairs
overlap, 2.17-2.27 and 2.24-2.45 frames/s, and ask the same 3.2-3.3 reruns a second). Students'
browsers run on their own machines, so light students are the class as the server sees it;
``--clients chromium`` stays for the browser's side (and the latecomer is always Chromium).

**Memory** (``--memory``): lighter clients (``LightSession``: Streamlit's own websocket protocol,
no browser), since here only what the server holds matters: a client opens a session, runs every
page at its defaults (each a full script run on the server, with the pictures it stores) and
leaves. Printed: the server's memory fresh (started, Home run once), with 30 sessions open at
once (all 30 hold every page's state), and after 100 students have come and gone (``--parallel``
at a time, default 3: one after another would take an hour), right after the last one left,
every 30 s while the server drops their sessions (Streamlit keeps a disconnected one 120 s, the
reaper drops it within 30 s after), and at the end of ``--settle`` (180 s).

Traffic goes only to 127.0.0.1 and every loop is bounded in count and time. Nothing here asserts a
speed; ``tests/browser/test_classroom_smoke.py`` runs ``--quick`` (2 students as Chromium tabs,
then as light students; and ``--quick --memory``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from classroom_browser import _load_browser_helpers, latecomer, open_chromium_students
from classroom_server import Server, cpu_seconds, descendants
from classroom_ws import ExceptionBox, LightSession, LightStudent

SETTLE_SAMPLE_S = 30.0  # --memory: the server's size is sampled this often while sessions are dropped
PASSING_SAMPLE = 10  # --memory: and after every this many students who came and went
WARM_STARTED, WARM_LINE = "pgmviz warm-up started", "pgmviz warm-up:"  # --memory: the server's own warm-up's log
SERVE_WARMED = " warmed: "  # scripts/serve.py's line per worker: "pgmviz serve: worker w0 warmed: ..."
WARM_TIMEOUT_S = 600.0
REAPED_S = 40.0  # pgmviz.ui.sessions.REAP_EVERY (30 s) and its collection


def all_pages() -> list[str]:
    from pgmviz.ui.lessons import LESSONS  # imports streamlit; only needed here

    return ["home", *[lesson.url_path for lesson in LESSONS]]


def open_light_students(url: str, n: int, timeout: float, stop: threading.Event) -> list[LightStudent]:
    """n light students (`classroom_ws.LightStudent`), each on its own thread, open Filter learning and train."""
    students = [LightStudent(url, timeout=timeout) for _ in range(n)]
    for s in students:
        threading.Thread(target=s.live, args=(stop,), daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(s.first_frame_s is None and s.error is None for s in students):
        time.sleep(0.05)
    return students


def _counts(student) -> tuple[int, int, int]:
    """(frames drawn, frames the websocket delivered, fragment reruns asked); a light student draws what it gets."""
    delivered = getattr(student, "delivered", student.frames)
    return student.frames, delivered, student.requests


def client_kind(clients: str, n: int) -> str:
    """``auto``: Chromium tabs for a few students (as the issue measured), light clients beyond 3."""
    return ("light" if n > 3 else "chromium") if clients == "auto" else clients


def run_training(server: Server, n: int, seconds: float, late_every: float, late_timeout: float,
                 open_timeout: float, clients: str = "auto", late_mode: str = "fresh") -> dict:
    helpers = _load_browser_helpers()
    from playwright.sync_api import sync_playwright

    kind = client_kind(clients, n)
    stop = threading.Event()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS, headless=True)
        try:
            me = os.getpid()
            if kind == "chromium":
                students = open_chromium_students(browser, helpers, server.url, n, open_timeout)
            else:
                students = open_light_students(server.url, n, open_timeout, stop)
            time.sleep(2.0)  # let the last ones settle into their pace
            counts0, t0 = [_counts(s) for s in students], time.monotonic()
            server_pids = set(server.pids())
            client_pids = [p for p in descendants(me) if p not in server_pids]  # Chromium, Playwright, this one
            cpu_s0, cpu_c0, wall0 = cpu_seconds(list(server_pids)), cpu_seconds(client_pids), time.monotonic()
            visits, scripts, boxes = latecomer(browser, helpers, server.url, seconds, late_every, late_timeout,
                                               late_mode)
            wall = time.monotonic() - wall0
            server_cores = (cpu_seconds(server.pids()) - cpu_s0) / wall
            client_cores = (cpu_seconds(client_pids) - cpu_c0) / wall
            counts = [_counts(s) for s in students]
            elapsed = time.monotonic() - t0
            fps, delivered, asked = ([(c[i] - c0[i]) / elapsed for c, c0 in zip(counts, counts0)] for i in range(3))
            for s in students:
                boxes.extend(s.boxes)
        finally:
            stop.set()
            browser.close()
    return {
        "config": server.label, "clients": kind, "students": n, "seconds": round(wall, 1), "latecomer_mode": late_mode,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "fps": [round(f, 3) for f in fps], "fps_total": round(sum(fps), 2),
        "delivered_fps": [round(f, 3) for f in delivered], "asked_per_s": [round(f, 3) for f in asked],
        "not_training": sum(s.clicked_at is None for s in students),
        "first_frame_s": [None if s.first_frame_s is None else round(s.first_frame_s, 2) for s in students],
        "latecomer": [(p, None if r is None else round(r, 2)) for p, r in visits],
        "latecomer_script_s": [None if t is None else round(t, 2) for t in scripts],
        "server_cores": round(server_cores, 2), "client_cores": round(client_cores, 2),
        "peak_mib": round(server.peak_mib), "exceptions": len(boxes),
        "exception_texts": [b.text() for b in boxes],
        "client_errors": [s.error for s in students if s.error],
    }


def format_training(r: dict) -> str:
    fps = r["fps"] or [0.0]  # --students 0: the latecomer alone
    each = f"{min(fps):.2f}-{max(fps):.2f}" if len(fps) > 1 else f"{fps[0]:.2f}"
    ready = [t for _, t in r["latecomer"]]
    shown = [f"{t:.1f}" if t is not None else "-" for t in ready]
    ok = [t for t in ready if t is not None]
    span = f"{min(ok):.1f}-{max(ok):.1f} s" if ok else "never"
    by_page = {}  # Home's and Energy's spans apart: Energy is the heavier page
    for page, t in r["latecomer"]:
        by_page.setdefault(page, []).append(t)
    span += "; " + ", ".join(f"{page} " + (f"{min(x):.1f}-{max(x):.1f}" if (x := [t for t in ts if t is not None])
                                           else "never") for page, ts in by_page.items())
    first = [t for t in r["first_frame_s"] if t is not None]
    scripts = " ".join("-" if t is None else f"{t:.2f}" for t in r.get("latecomer_script_s", []))
    delivered, asked = sum(r["delivered_fps"]), sum(r["asked_per_s"])
    return (f"| {r['config']} | {r['clients']} | {r['students']} | {each} | {r['fps_total']:.2f} | "
            f"{delivered:.2f} | {asked:.2f} | "
            f"{(max(first) if first else float('nan')):.2f} | {span} ({' '.join(shown)}) | {scripts} | "
            f"{r['server_cores']:.2f} | {r['client_cores']:.2f} | {r['peak_mib']} | "
            f"{r['exceptions']} | {r['not_training']} | {r['load_average'][0]:.1f} |")


TRAINING_HEADER = ("| server | students' clients | students | frames/s each (min-max) | all together | "
                   "frames delivered/s, all (websocket) | fragment reruns asked/s, all | "
                   "Train to first frame, worst (s) | latecomer's page ready (each visit) | "
                   "its script on the server (s) | server cores busy | client cores | server peak MiB | "
                   "exception boxes | never started | load average (1 min, at the end) |\n|" + "---|" * 16)


# --- memory: light sessions visit every page -----------------------------------------------------


def visit_every_page(url: str, pages: list[str], stay_open: bool = False) -> tuple[LightSession, list[ExceptionBox]]:
    s = LightSession(url)
    for page in pages:
        s.run_page(page)
    if not stay_open:
        s.close()
    return s, s.boxes


def wait_for_warm_up(server: Server) -> str | None:
    """Open Home once (the app's first run starts its warm-up, pgmviz.ui.warm) and wait for the warm-up's log line.

    A teacher starts the server before the class comes: students are measured on a warmed server.
    With WORKERS=n scripts/serve.py warms every worker itself: wait for its line per worker.
    None if the tree has no warm-up.
    """
    t = time.monotonic()
    if server.workers:  # scripts/serve.py warms every worker itself, one after another, and says so
        while server.log().count(SERVE_WARMED) < server.workers and time.monotonic() - t < WARM_TIMEOUT_S:
            time.sleep(2.0)
        return "; ".join(line.strip() for line in server.log().splitlines() if SERVE_WARMED in line) or None
    s = LightSession(server.url)
    s.run_page("home")
    s.close()
    while WARM_STARTED in server.log() and WARM_LINE not in server.log() and time.monotonic() - t < WARM_TIMEOUT_S:
        time.sleep(2.0)
    return next((line.strip() for line in server.log().splitlines() if WARM_LINE in line), None)


def run_memory(server: Server, concurrent: int, students: int, parallel: int, settle: float) -> dict:
    """Idle size; ``concurrent`` sessions open at once; ``students`` coming and going; then settling.

    Each client visits every page at its defaults (``parallel`` of them at a time). The settling
    phase samples the server's size every ``SETTLE_SAMPLE_S`` s: Streamlit keeps a disconnected
    session ``server.disconnectedSessionTTL`` (120 s) and pgmviz's reaper drops it within 30 s after.
    """
    pages = all_pages()
    out: dict = {"config": server.label, "pages": len(pages), "parallel": parallel,
                 "load_average_start": [round(x, 2) for x in os.getloadavg()]}

    def note(key: str, value) -> None:  # each figure as soon as it is measured: a long run shows its progress
        out[key] = value
        print(f"  memory: {key} = {value} (load {os.getloadavg()[0]:.1f})", flush=True)

    s = LightSession(server.url)
    s.run_page("home")
    s.close()
    time.sleep(3)
    note("fresh_mib", round(server.memory_mib()))
    # A server whose app.py warms every page in a session of its own (pgmviz.ui.warm) says so in its log
    # when done; that warm size is its idle size. A tree without the warm-up: none comes, "fresh" stays idle.
    t = time.monotonic()
    while WARM_STARTED in server.log() and WARM_LINE not in server.log() and time.monotonic() - t < WARM_TIMEOUT_S:
        time.sleep(2.0)
    if WARM_LINE in server.log():
        note("warm_up", next(line for line in server.log().splitlines() if WARM_LINE in line).strip())
        time.sleep(REAPED_S)  # the warm-up's closed session is emptied by the reaper's next pass
        note("idle_warmed_mib", round(server.memory_mib()))
    boxes: list[ExceptionBox] = []
    with ThreadPoolExecutor(parallel) as pool:
        t = time.monotonic()
        held = list(pool.map(lambda _: visit_every_page(server.url, pages, stay_open=True), range(concurrent)))
        note(f"sessions_{concurrent}_s", round(time.monotonic() - t))
        note(f"with_{concurrent}_mib", round(server.memory_mib()))
        for sess, shown in held:
            boxes.extend(shown)
            sess.close()
        t = time.monotonic()
        passing = []  # (students who have left, MiB), every PASSING_SAMPLE of them
        futures = [pool.submit(visit_every_page, server.url, pages) for _ in range(students)]
        for k, future in enumerate(as_completed(futures), 1):
            boxes.extend(future.result()[1])
            if k % PASSING_SAMPLE == 0 or k == students:
                passing.append((k, round(server.memory_mib())))
                print(f"  memory: {k} students have left: {passing[-1][1]} MiB", flush=True)
        out["passing_mib"] = passing
        note(f"students_{students}_s", round(time.monotonic() - t))
    note(f"after_{students}_mib", round(server.memory_mib()))
    t = time.monotonic()
    timeline = []
    while (waited := time.monotonic() - t) < settle:
        time.sleep(min(SETTLE_SAMPLE_S, settle - waited))
        timeline.append((round(time.monotonic() - t), round(server.memory_mib())))
    out["settling_mib"] = timeline  # (seconds after the last student left, MiB)
    note(f"after_{students}_plus_{settle:.0f}s_mib", round(server.memory_mib()))
    out["peak_mib"] = round(server.peak_mib)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out["exceptions"] = len(boxes)
    out["exception_texts"] = [b.text() for b in boxes]
    return out


# --- main -----------------------------------------------------------------------------------------


def print_boxes(r: dict) -> None:
    """Every exception box of a run, and every client that failed, under its table row."""
    for text in r.get("exception_texts", []):
        print(f"  exception box: {text}", flush=True)
    for text in r.get("client_errors", []):
        print(f"  client failed: {text}", flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", default="1,3,10", help="comma-separated class sizes (default 1,3,10)")
    p.add_argument("--workers", default="0,2", help="comma-separated; 0 = one streamlit process (default 0,2)")
    p.add_argument("--seconds", type=float, default=30.0, help="the measuring window per configuration")
    p.add_argument("--late-every", type=float, default=5.0, help="seconds between the latecomer's visits")
    p.add_argument("--late-timeout", type=float, default=60.0, help="a latecomer's visit not ready by then is '-'")
    p.add_argument("--latecomer", choices=("fresh", "tab"), default="fresh",
                   help="fresh: a fresh browser context per page (the default); tab: one tab opens Home, "
                        "then Energy by its link, as a student does")
    p.add_argument("--open-timeout", type=float, default=240.0, help="how long students may take to start training")
    p.add_argument("--clients", default=None,
                   help="students' clients, comma-separated, each run in turn: light (websocket, "
                        "classroom_ws.LightStudent), chromium (a tab each), auto (chromium up to 3 students, "
                        "light beyond; the default; --quick: chromium,light)")
    p.add_argument("--memory", action="store_true", help="the memory run instead (light clients)")
    p.add_argument("--concurrent", type=int, default=30, help="--memory: sessions open at once")
    p.add_argument("--passing", type=int, default=100, help="--memory: students who come and go")
    p.add_argument("--parallel", type=int, default=3, help="--memory: clients running pages at the same time")
    p.add_argument("--settle", type=float, default=180.0, help="--memory: wait after the last student left")
    p.add_argument("--quick", action="store_true", help="2 students, one process, a few seconds (smoke test)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    if args.quick:
        args.students, args.workers, args.seconds, args.late_every = "2", "0", 6.0, 3.0
        args.concurrent, args.passing, args.parallel, args.settle = 2, 2, 2, 1.0
        args.clients = args.clients or "chromium,light"
    args.clients = args.clients or "auto"
    args.students = [int(x) for x in args.students.split(",")]
    args.workers = [int(x) for x in args.workers.split(",")]
    args.clients = [c.strip() for c in args.clients.split(",")]
    unknown = set(args.clients) - {"auto", "light", "chromium"}
    if unknown:
        p.error(f"--clients: unknown {sorted(unknown)} (light, chromium or auto)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM (a timeout, a kill by pid) unwinds like Ctrl-C, so each server is stopped by its `finally`
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
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
            print_boxes(r)
            results.append(r)
    else:
        print(TRAINING_HEADER, flush=True)
        for w in args.workers:
            for n in args.students:
                for clients in args.clients:
                    server = Server(w)
                    server.start()
                    try:
                        warm = wait_for_warm_up(server)
                        if warm:
                            print(f"  server: {warm}", flush=True)
                        r = run_training(server, n, args.seconds, args.late_every, args.late_timeout,
                                         args.open_timeout, clients, args.latecomer)
                    finally:
                        server.stop()
                    print(format_training(r), flush=True)
                    print_boxes(r)
                    results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
