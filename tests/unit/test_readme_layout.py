"""The README's repository layout stays true: every library module is named there, and every module
it names exists (the library moved and split often; a layout that lists modules that are gone, or
omits new ones, sends a student to the wrong file)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout_block() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Repository layout")
    return text[start:text.index("```", text.index("```", start) + 3)]


def test_every_library_module_is_in_the_layout():
    named = set(re.findall(r"\b(\w+)\.py\b", layout_block()))
    modules = {p.stem for p in (ROOT / "pgmviz").rglob("*.py") if p.stem != "__init__"}
    modules -= {p.stem for p in (ROOT / "pgmviz" / "ui" / "charts").glob("*.py")}  # listed as one folder
    assert not sorted(modules - named), "README layout does not name these pgmviz modules"


def test_every_module_the_layout_names_exists():
    named = set(re.findall(r"\b(\w+)\.py\b", layout_block()))
    present = {p.stem for p in ROOT.rglob("*.py") if ".git" not in p.parts and "build" not in p.parts}
    assert not sorted(named - present), "README layout names modules that do not exist"
