"""bench/classroom.py runs (it is a benchmark, not a test: nothing here checks a speed): two
students press Train and get frames while a latecomer opens pages, with no exception box, once as
Chromium tabs and once as light websocket students (bench/classroom_ws.py); and the memory run's
light clients visit every page and leave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH = REPO_ROOT / "bench" / "classroom.py"


def _run(tmp_path, *args) -> list[dict]:
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--json", str(out), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PGMVIZ_WARM_PAGES": "0"})  # a few seconds of students, not every page
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def test_two_students_train_and_a_latecomer_visits(browser, tmp_path):  # `browser`: skip without Chromium
    runs = _run(tmp_path)
    assert [r["clients"] for r in runs] == ["chromium", "light"], runs
    for r in runs:
        assert r["config"] == "1 process" and r["students"] == 2
        assert r["not_training"] == 0 and r["client_errors"] == [], r
        assert len(r["fps"]) == 2 and all(f > 0 for f in r["fps"]), r  # frames came for both
        assert all(f > 0 for f in r["delivered_fps"]), r  # counted from the websocket too
        assert all(a > 0 for a in r["asked_per_s"]), r  # the fragments' timers asked for reruns
        assert all(t is not None for t in r["first_frame_s"]), r
        assert r["latecomer"] and r["latecomer"][0][0] == "home", r
        # the server's script time for each visit, measured without a browser
        assert len(r["latecomer_script_s"]) == len(r["latecomer"]), r
        assert all(t is not None and t > 0 for t in r["latecomer_script_s"]), r
        assert r["exceptions"] == 0 and r["exception_texts"] == [], r
        assert r["server_cores"] > 0 and r["peak_mib"] > 0, r


def test_the_latecomer_as_one_tab_opens_home_then_energy(browser, tmp_path):
    (r,) = _run(tmp_path, "--clients", "light", "--latecomer", "tab")
    assert r["latecomer_mode"] == "tab"
    pages = [page for page, _ in r["latecomer"]]
    assert pages and pages == ["home", "energy after home"] * (len(pages) // 2), r
    assert all(t is not None and t > 0 for _, t in r["latecomer"]), r  # both pages became ready
    assert len(r["latecomer_script_s"]) == len(r["latecomer"]), r
    assert r["exceptions"] == 0, r


def test_memory_run_visits_every_page(tmp_path):
    (r,) = _run(tmp_path, "--memory")
    assert r["exceptions"] == 0 and r["exception_texts"] == [], r
    for key in ("fresh_mib", "with_2_mib", "after_2_mib", "peak_mib"):
        assert r[key] > 0, (key, r)
    assert r["peak_mib"] >= r["fresh_mib"], r
