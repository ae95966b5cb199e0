"""The code the pages show students imports what exists: every ``from pgmviz... import ...`` line in
a string a lesson passes to ``st.code`` names a real module and real names (several had rotted when
the library moved into subpackages)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.py"))
FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(pgmviz[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)", re.M)
PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+(pgmviz[\w.]*)", re.M)


def shown_code(path: Path) -> list[str]:
    """The literal strings (f-strings' constant parts too) passed to st.code / *.code in a page."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "code" and node.args:
            for sub in ast.walk(node.args[0]):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    out.append(sub.value)
    return out


def test_the_pages_show_code():
    assert sum(len(shown_code(p)) for p in LESSONS) >= 10  # the check below would pass vacuously otherwise


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_shown_imports_exist(path):
    for text in shown_code(path):
        for module in PLAIN_IMPORT.findall(text):
            importlib.import_module(module)
        for module, names in FROM_IMPORT.findall(text):
            mod = importlib.import_module(module)
            for name in (n.strip() for n in names.strip("()").replace("\n", ",").split(",") if n.strip()):
                name = name.split(" as ")[0].strip()
                submodule = hasattr(mod, "__path__") and importlib.util.find_spec(f"{module}.{name}")
                assert hasattr(mod, name) or submodule, f"{path.name} shows `from {module} import {name}`: no such name"
