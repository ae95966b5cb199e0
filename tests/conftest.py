"""Shared test setup: make the repository root importable (``import pgmviz``, ``app.py``).

Numba's on-disk cache is left where numba puts it by default (``__pycache__`` next to each
module, or NUMBA_CACHE_DIR if the caller set one); nothing here changes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
