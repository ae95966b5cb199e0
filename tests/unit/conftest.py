"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="module")
def one_blas_thread():
    """One BLAS thread for a whole module: the server's and the asset scripts' setting, so the
    numbers match the bundled ones bit for bit (and two threads on a loaded 2-core machine made
    these matrix products 10-30x slower)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
