"""`pip install .` gives a student the library with its bundled data, usable outside the repository."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, pgmviz
from pgmviz.data import ASSETS_DIR
from pgmviz.io import load_model
from pgmviz.sampling.partition import log_Z_exact
from pgmviz.models.rbm import RBM
rbm, meta = load_model(ASSETS_DIR / "models" / "mnist_784x500_pa1.npz")
print(json.dumps({"file": pgmviz.__file__, "assets": str(ASSETS_DIR), "n_v": rbm.n_v,
                  "log_Z_0": log_Z_exact(RBM.random(4, 3, seed=0))}))
"""


@pytest.mark.slow
def test_pip_install_outside_the_repository(tmp_path):
    target = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                          "--target", str(target), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(target))  # the installed copy, not this checkout
    assert got["assets"].startswith(str(target)) and got["n_v"] == 784
    # log Z of the all-zero-weight RBM on 4 + 3 units: (4 + 3) log 2, exactly
    assert abs(got["log_Z_0"] - 7 * 0.6931471805599453) < 1e-3
