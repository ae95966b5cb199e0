"""How the kernels run in parallel: Numba's threading layer, serial/parallel twins from one body, one lock.

Importing this module changes no process-wide setting; the app's server picks the threading
layer (`use_threading_layer`, called by pgmviz.ui.layout), and parallel kernels run under a
lock whatever the layer (`run_parallel`).
"""

from __future__ import annotations

import threading
import types

import numba
from numba import njit

# The threading layer the app's server uses for parallel kernels: with the OpenMP layer a parallel
# Numba loop next to BLAS's own thread pool ran several times slower on this 2-core machine. The
# choice is process-wide, so it is made where the server starts (pgmviz.ui.layout) and by the
# benchmarks, never on import: a notebook keeps numba's default.
SERVER_THREADING_LAYER = "workqueue"


def use_threading_layer(layer: str = SERVER_THREADING_LAYER) -> None:
    """Choose Numba's threading layer for this process (it takes effect if no parallel kernel ran yet)."""
    numba.config.THREADING_LAYER = layer


def twins(body):
    """Compile one body twice: serial (``prange`` runs as ``range``) and ``parallel=True``; returns both.

    umap's way of keeping a serial and a parallel kernel from drifting apart. The parallel twin is
    compiled from a copy of the function with its own ``__qualname__``: numba names a cached
    function's files by module and qualname and keys them by signature and bytecode, not by the
    ``parallel`` flag, so two compilations of one function object would load each other's code.
    """
    serial = njit(cache=True, nogil=True)(body)
    clone = types.FunctionType(body.__code__, body.__globals__, body.__name__ + "_parallel",
                               body.__defaults__, body.__closure__)
    clone.__qualname__ = body.__qualname__ + "_parallel"
    clone.__doc__ = body.__doc__
    parallel = njit(cache=True, nogil=True, parallel=True)(clone)
    return serial, parallel


# The workqueue threading layer (the server's) aborts the process if two Python threads enter
# parallel kernels at once (Streamlit runs each session in its own thread). So a parallel kernel
# runs only while its caller holds this lock, whatever the layer; a caller that finds it taken runs
# the serial twin, which computes the same result.
_PARALLEL_LOCK = threading.Lock()


def run_parallel(parallel_kernel, serial_kernel, *args):
    """parallel_kernel(*args) if no other thread is in a parallel kernel, else serial_kernel(*args) (same result)."""
    if _PARALLEL_LOCK.acquire(blocking=False):
        try:
            return parallel_kernel(*args)
        finally:
            _PARALLEL_LOCK.release()
    return serial_kernel(*args)
