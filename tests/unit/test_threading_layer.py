"""Numba's threading layer: importing the library leaves it alone; the server's choice (workqueue,
set by pgmviz.ui.layout) stays safe when many session threads call parallel kernels at once.

Each check runs in a fresh interpreter: the layer is fixed for good by a process's first parallel
kernel, which in this test process has long happened.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LIBRARY_IMPORT = """
import numba
import pgmviz, pgmviz.sampling.kernels, pgmviz.sampling.partition, pgmviz.training.train, pgmviz.models.rbm
print(numba.config.THREADING_LAYER)
"""

SERVER_THREADS = """
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

import pgmviz.ui.layout  # what every page imports first: the server's settings
from pgmviz.sampling import kernels
from pgmviz.sampling.partition import log_Z_exact
from pgmviz.models.rbm import RBM

assert numba.config.THREADING_LAYER == "workqueue", numba.config.THREADING_LAYER
rng = np.random.default_rng(9)
r = RBM(rng.normal(0, 0.3, (200, 16)), rng.normal(0, 0.3, 200), rng.normal(0, 0.3, 16))
V0 = (rng.random((256, 200)) < 0.5).astype(np.float64)
expected_Z = log_Z_exact(r)
expected_V, _ = kernels.gibbs_chains(r.W, r.b, r.c, V0, 5, 7, parallel=False)


def both(_):
    V, _ = kernels.gibbs_chains(r.W, r.b, r.c, V0, 5, 7, parallel=True)
    return log_Z_exact(r), V


with ThreadPoolExecutor(max_workers=4) as pool:
    results = list(pool.map(both, range(12)))
assert all(z == expected_Z for z, _ in results), [z - expected_Z for z, _ in results]
assert all(np.array_equal(V, expected_V) for _, V in results)
print(numba.threading_layer())
"""


def _run(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_importing_the_library_leaves_numbas_threading_layer_alone():
    assert _run(LIBRARY_IMPORT) == "default"


@pytest.mark.slow
def test_the_servers_workqueue_layer_survives_parallel_kernels_from_many_threads():
    """Without the lock in pgmviz.sampling.kernels two threads in the workqueue at once abort the process."""
    assert _run(SERVER_THREADS) == "workqueue"
