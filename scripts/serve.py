"""Serve a class: n Streamlit workers behind nginx, with sticky sessions and websockets.

    python scripts/serve.py --workers 4            # what `make serve WORKERS=4` runs
    python scripts/serve.py --workers 2 --port 8080 --address 127.0.0.1 --run-dir /tmp/pgmviz-serve

One Streamlit process runs every session's Python in one interpreter, so it cannot use more than
about one core for page scripts; n worker processes (``streamlit run app.py`` on loopback ports)
can. nginx (Debian's package; installed here with apt-get if it is missing) listens on
``--address:--port`` and proxies to them:

- **Sticky sessions.** A Streamlit session lives in one worker's memory (its websocket, its
  ``st.session_state``, the images it sends as /media/ URLs), so every request of a browser must
  reach the same worker. nginx picks a worker for a browser's first request (round robin, so a
  class fills the workers evenly) and names it in a cookie it sets itself (``pgmviz_worker=w0``);
  later requests with that cookie go to that worker. The cookie is per browser, so a room of
  students behind one NAT address is still spread over the workers (``ip_hash`` would put them
  all on one), and so are browser tabs on 127.0.0.1 in separate browser profiles. A cookie naming
  no worker is ignored (it can only choose among our upstreams).
- **Websockets.** ``/_stcore/stream`` is proxied with HTTP/1.1 and the Upgrade/Connection headers,
  with day-long read timeouts (a student may sit on a page for an hour).
- **Restarts.** A worker that exits is started again on the same port (with a growing pause if it
  keeps dying at once). Its students' tabs wait ("Connecting"), reconnect to the new process and
  get a fresh session, which tells them "the server restarted, your session was reset"
  (pgmviz.ui.sessions). A pinned worker never fails over to another one: a tab whose websocket
  went to one worker while its cookie named another would load its pictures from the wrong one.
- **Nothing system-wide.** nginx runs as the invoking user with ``-p <run dir> -c <our conf>``;
  its config, pid file, temp files and logs, and the workers' logs, are in the run dir (a fresh
  temporary folder unless ``--run-dir`` is given, then kept). Ctrl-C or SIGTERM stops nginx and
  the workers and removes a temporary run dir.

- **Warm before the class.** Each worker warms itself on its first session (pgmviz.ui.warm: every
  page once at its defaults, so the first students do not wait for cold pages and the worker's
  idle size is its warm size). serve opens that first session on every worker, one worker after
  another, as soon as nginx is up (and again for a worker it restarts), and prints
  ``pgmviz serve: worker w0 warmed: ...`` when the worker's log says its warm-up is done.
  Students can come in meanwhile: the warm-up yields the cores to them.

``<run dir>/workers.json`` lists each worker's name, port, pid and how often it was started, for
tests and benchmarks that need to find (or kill) one.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
COOKIE = "pgmviz_worker"
HEALTH = "/_stcore/health"
START_TIMEOUT = 180.0  # s; a first start may compile the Numba kernels
QUICK_DEATH = 10.0  # s; a worker that dies sooner than this after starting is restarted after a pause
WARM_STARTED, WARM_DONE = "pgmviz warm-up started", "pgmviz warm-up:"  # pgmviz.ui.warm's log lines
WARM_TIMEOUT = 1800.0  # s; a cold Numba cache at load makes a warm-up take minutes


def find_nginx() -> str | None:
    for name in NGINX_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_nginx() -> str:
    """The nginx binary, installing Debian's package first if there is none (as `make test` installs chromium)."""
    path = find_nginx()
    if path:
        return path
    print("pgmviz serve: nginx missing: installing Debian's nginx", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]):
        subprocess.run([*sudo, "env", "DEBIAN_FRONTEND=noninteractive", *cmd], check=True, env=env,
                       stdin=subprocess.DEVNULL)
    path = find_nginx()
    if not path:
        raise SystemExit("pgmviz serve: apt-get installed nginx but no nginx binary was found")
    return path


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def nginx_conf(run_dir: Path, address: str, port: int, worker_ports: list[int]) -> str:
    """The whole nginx configuration: every path in run_dir, upstreams on 127.0.0.1."""
    names = [f"w{i}" for i in range(len(worker_ports))]
    # nginx started as root would switch its workers to "nobody", who cannot write our run dir;
    # name the invoking user instead (as non-root the directive is ignored with a warning, so leave it out)
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    pool = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in worker_ports)
    pinned = "\n".join(f"  upstream pgmviz_{n} {{ server 127.0.0.1:{p}; }}" for n, p in zip(names, worker_ports))
    by_cookie = "\n".join(f"    {n} pgmviz_{n};" for n in names)
    # $upstream_addr lists every address tried ("a, b" after a failover); the last one answered
    by_addr = "\n".join(f'    "~127\\.0\\.0\\.1:{p}$" {n};' for n, p in zip(names, worker_ports))
    temp = "\n".join(f"  {kind}_temp_path {run_dir / ('nginx-' + kind)};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# written by scripts/serve.py; nginx -p {run_dir} -c {run_dir / 'nginx.conf'}
daemon off;
master_process on;
worker_processes 1;
{user}
pid {run_dir / 'nginx.pid'};
error_log {run_dir / 'nginx-error.log'} warn;

events {{ worker_connections 4096; }}

http {{
  access_log off;
{temp}
  client_max_body_size 200m;  # Streamlit's own upload limit
  default_type application/octet-stream;

  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}

  # a browser's first request: the next worker in turn (one that just failed is skipped for 3 s)
  upstream pgmviz_pool {{
{pool}
  }}
  # every later request: the worker its cookie names, and only that one
{pinned}
  map $cookie_{COOKIE} $pgmviz_upstream {{
    default pgmviz_pool;
{by_cookie}
  }}
  map $upstream_addr $pgmviz_served {{
    default "";
{by_addr}
  }}
  map $pgmviz_served $pgmviz_cookie {{
    "" "";
    default "{COOKIE}=$pgmviz_served; Path=/; HttpOnly; SameSite=Lax";
  }}

  server {{
    listen {address}:{port};
    location / {{
      proxy_pass http://$pgmviz_upstream;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 1d;
      proxy_send_timeout 1d;
      proxy_buffering off;
      # an empty value adds no header: only responses that came from a worker set the cookie
      add_header Set-Cookie $pgmviz_cookie always;
      add_header X-Pgmviz-Worker $pgmviz_served always;
    }}
  }}
}}
"""


def first_run(url: str, timeout: float = 120.0) -> None:
    """Open one session on a Streamlit server and run its first page once, as a browser's first visit does.

    The cookies come from ``GET /`` (Streamlit's XSRF token travels as the websocket's second
    subprotocol), then ``/_stcore/stream`` gets one ``BackMsg.rerun_script`` naming no page and the
    replies are read until ``script_finished``. Raises TimeoutError if the run does not finish in time.
    """
    import http.cookiejar

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    jar = http.cookiejar.CookieJar()
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(url + "/", timeout=timeout).read()
    xsrf = next((c.value for c in jar if c.name == "_streamlit_xsrf"), "")
    msg = BackMsg()
    msg.rerun_script.widget_states.SetInParent()
    deadline = time.monotonic() + timeout
    with connect(url.replace("http://", "ws://") + "/_stcore/stream",
                 subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
                 additional_headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "Origin": url},
                 max_size=None, open_timeout=timeout) as ws:
        ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if fwd.WhichOneof("type") == "script_finished":
                return


def log_line(path: Path, start: int, marker: str) -> str | None:
    """The first line of ``path`` after byte ``start`` that contains ``marker`` (None if none yet)."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    return next((line.strip() for line in text.splitlines() if marker in line), None)


@dataclass
class Worker:
    name: str
    port: int
    log: Path
    proc: subprocess.Popen | None = None
    starts: int = 0
    started_at: float = 0.0
    quick_deaths: int = 0  # deaths in a row within QUICK_DEATH s of starting
    restart_at: float = 0.0
    log_start: int = 0  # the log's size when this process started: its own lines come after


@dataclass
class Supervisor:
    run_dir: Path
    address: str
    port: int
    n_workers: int
    streamlit_args: list[str] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    stopping: bool = False

    def worker_cmd(self, w: Worker) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(w.port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            *self.streamlit_args,
        ]

    def start_worker(self, w: Worker) -> None:
        w.log_start = w.log.stat().st_size if w.log.exists() else 0
        with open(w.log, "a") as log:
            w.proc = subprocess.Popen(self.worker_cmd(w), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                      start_new_session=True)  # Ctrl-C reaches us; we stop them in order
        w.starts += 1
        w.started_at = time.monotonic()
        self.write_state()

    def warm(self, w: Worker) -> str:
        """Start worker ``w``'s warm-up by its first session and wait until its log says it is done; what it said."""
        proc = w.proc
        if proc is None:
            return "not warmed (the worker is not running)"
        url = f"http://127.0.0.1:{w.port}"
        self.wait_healthy(url, w)
        first_run(url)
        if not log_line(w.log, w.log_start, WARM_STARTED):
            return "its first run did not start a warm-up (an app without pgmviz.ui.warm)"
        deadline = time.monotonic() + WARM_TIMEOUT
        while time.monotonic() < deadline and not self.stopping and proc.poll() is None:
            done = log_line(w.log, w.log_start, WARM_DONE)
            if done:
                return done[done.index(WARM_DONE):]
            time.sleep(1.0)
        return "warm-up not finished (the worker stopped, or it took too long)"

    def warm_all(self, workers: list[Worker]) -> None:
        """Warm ``workers`` one after another (two at once would halve each one's cores), in the background."""
        def run() -> None:
            for w in workers:
                try:
                    said = self.warm(w)
                except (Exception, SystemExit) as e:  # serving goes on; watch restarts a dead worker
                    said = f"not warmed ({type(e).__name__}: {e})"
                if not self.stopping:
                    print(f"pgmviz serve: worker {w.name} warmed: {said}", flush=True)
        threading.Thread(target=run, daemon=True, name="pgmviz-serve-warm").start()

    def write_state(self) -> None:
        state = [{"name": w.name, "port": w.port, "pid": w.proc.pid if w.proc else None, "starts": w.starts}
                 for w in self.workers]
        tmp = self.run_dir / "workers.json.tmp"
        tmp.write_text(json.dumps({"port": self.port, "workers": state}, indent=2) + "\n")
        tmp.replace(self.run_dir / "workers.json")  # readers never see half a file

    def start(self) -> None:
        nginx = ensure_nginx()
        ports = []
        while len(ports) < self.n_workers:
            p = free_port()
            if p not in ports and p != self.port:
                ports.append(p)
        self.workers = [Worker(f"w{i}", p, self.run_dir / f"worker-w{i}.log") for i, p in enumerate(ports)]
        for w in self.workers:
            self.start_worker(w)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.run_dir, self.address, self.port, ports))
        base = [nginx, "-p", str(self.run_dir), "-c", str(conf), "-e", str(self.run_dir / "nginx-error.log")]
        check = subprocess.run([*base, "-t"], capture_output=True, text=True)
        if check.returncode:
            raise SystemExit(f"pgmviz serve: nginx refused {conf}:\n{check.stderr}")
        self.nginx = subprocess.Popen(base, stdin=subprocess.DEVNULL, start_new_session=True)
        for w in self.workers:
            self.wait_healthy(f"http://127.0.0.1:{w.port}", w)
        self.wait_healthy(f"http://127.0.0.1:{self.port}", None)
        shown = "localhost" if self.address in ("0.0.0.0", "127.0.0.1") else self.address
        print(f"pgmviz serve: {self.n_workers} workers behind nginx at http://{shown}:{self.port} "
              f"(run dir {self.run_dir}); Ctrl-C stops", flush=True)
        self.warm_all(self.workers)

    def wait_healthy(self, url: str, w: Worker | None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.stopping:
                raise SystemExit("pgmviz serve: stopped while starting")
            proc = w.proc if w else self.nginx
            if proc.poll() is not None:
                what = f"worker {w.name} (log {w.log})" if w else f"nginx (log {self.run_dir / 'nginx-error.log'})"
                raise SystemExit(f"pgmviz serve: {what} exited with code {proc.returncode} while starting")
            try:
                with urllib.request.urlopen(url + HEALTH, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise SystemExit(f"pgmviz serve: {url} not healthy after {START_TIMEOUT:.0f} s")

    def watch(self) -> int:
        """Restart workers that exit, until asked to stop; returns the exit code."""
        while not self.stopping:
            if self.nginx.poll() is not None:
                print(f"pgmviz serve: nginx exited with code {self.nginx.returncode}; stopping", flush=True)
                return 1
            now = time.monotonic()
            for w in self.workers:
                if w.proc is None:
                    if now >= w.restart_at:
                        print(f"pgmviz serve: restarting worker {w.name} on port {w.port}", flush=True)
                        self.start_worker(w)
                        self.warm_all([w])
                elif w.proc.poll() is not None:
                    quick = now - w.started_at < QUICK_DEATH
                    w.quick_deaths = w.quick_deaths + 1 if quick else 0
                    pause = min(30.0, 2.0 ** w.quick_deaths) if quick else 0.0
                    print(f"pgmviz serve: worker {w.name} exited with code {w.proc.returncode}"
                          f" (log {w.log}); restarting in {pause:.0f} s", flush=True)
                    w.proc, w.restart_at = None, now + pause
                    self.write_state()
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        self.stopping = True
        procs = [p for p in [self.nginx, *(w.proc for w in self.workers)] if p is not None and p.poll() is None]
        for p in procs:
            p.terminate()  # nginx: fast shutdown (a graceful one would wait for every open websocket)
        deadline = time.monotonic() + 10
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="Streamlit worker processes (default 2)")
    p.add_argument("--port", type=int, default=8501, help="the port nginx listens on (default 8501)")
    p.add_argument("--address", default="0.0.0.0",
                   help="the address nginx listens on (default 0.0.0.0: every interface, so students reach it)")
    p.add_argument("--run-dir", type=Path, default=None,
                   help="config, pid and log files (kept); default: a temporary folder removed on exit")
    p.add_argument("streamlit_args", nargs="*", help="after --: more options for every `streamlit run`")
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error("--workers must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    temporary = args.run_dir is None
    run_dir = Path(tempfile.mkdtemp(prefix="pgmviz-serve-")) if temporary else args.run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    sup = Supervisor(run_dir, args.address, args.port, args.workers, args.streamlit_args)

    def _stop(signum, frame):
        sup.stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    try:
        sup.start()
        code = sup.watch()
    except SystemExit as e:
        if not sup.stopping:
            print(e, file=sys.stderr, flush=True)
            code = 1
    finally:
        sup.stop()
        print("pgmviz serve: stopped", flush=True)
        if temporary:
            shutil.rmtree(run_dir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
