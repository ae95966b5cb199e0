"""The server a classroom run measures: ``streamlit run app.py`` or ``scripts/serve.py --workers n``.

CPU seconds and memory (PSS: shared pages split between the processes that map them, so n workers
are not counted n times for one copy of numpy) of a process tree, read from /proc; the server's
peak memory sampled every second from its start. Only loopback addresses.
"""

from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "scripts" / "serve.py"
HEALTH = "/_stcore/health"
START_TIMEOUT = 180.0


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
