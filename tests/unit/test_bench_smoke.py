"""bench/run.py --quick runs end to end and prints its table. Speed is never asserted here."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_bench_prints_the_table_and_log_Z_agrees():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "benchmark" in out and "best (s)" in out and "ratio" in out
    for row in ("matmul lower bound", "pgmviz Trainer.run", "stream='fused'", "sklearn BernoulliRBM",
                "numpy reference loop", "pgmviz log_Z_exact", "numpy chunked enumeration", "pgmviz RBM.gibbs",
                "numpy batched chains"):
        assert row in out, row
    m = re.search(r"log Z: pgmviz (\S+)\s+numpy (\S+)\s+rel diff (\S+)", out)
    assert m, out
    lz_pg, lz_np = float(m.group(1)), float(m.group(2))
    assert abs(lz_pg - lz_np) <= 1e-9 * abs(lz_np)
    assert "(agree to 1e-9)" in out
    assert "identical samples: True" in out
