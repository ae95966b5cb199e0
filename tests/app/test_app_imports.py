"""app.py imports what other threads peek at before any page runs (the pandas import race)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_app_imports_pandas_before_any_page_runs():
    """plotly takes sys.modules["pandas"] without importing it (``get_module(..., should_load=False)``):
    a page run that first imports pandas while another session draws a chart must find it whole."""
    tree = ast.parse(APP.read_text())
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    code = ast.unparse(ast.Module(body=imports, type_ignores=[]))
    check = code + "\nimport sys\nm = sys.modules.get('pandas')\nprint(m is not None and hasattr(m, 'Series'))"
    done = subprocess.run([sys.executable, "-c", check], cwd=APP.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"
