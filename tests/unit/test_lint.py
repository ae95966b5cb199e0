"""The whole repository passes ruff (settings in pyproject.toml: pycodestyle, pyflakes, import order)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]  # requirements-test.txt installs it
    proc = subprocess.run([*cmd, "check", "--no-cache", "--output-format", "concise", str(ROOT)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _imported_modules(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_library_outside_ui_never_imports_streamlit():
    """The library is importable without Streamlit: only pgmviz/ui/ may import it."""
    pkg = ROOT / "pgmviz"
    files = [p for p in pkg.rglob("*.py") if "ui" not in p.relative_to(pkg).parts[:1]]
    assert len(files) > 30 and any(p.parent != pkg for p in files)  # the subpackages are walked
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imported_modules(p) if m.split(".")[0] == "streamlit")
                 for p in files}
    assert {f: m for f, m in offenders.items() if m} == {}


def test_every_library_folder_is_a_package_that_setuptools_ships():
    """Each folder of pgmviz/ has an __init__.py and is listed in pyproject.toml's packages."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {p.parent for p in (ROOT / "pgmviz").rglob("*.py") if "__pycache__" not in p.parts}
    for folder in folders:
        assert (folder / "__init__.py").exists(), folder
        assert ".".join(folder.relative_to(ROOT).parts) in listed, folder


def test_nothing_edits_sys_path():
    """Scripts, bench and tests import the installed package (pip install -e .), never a path hack."""
    import re
    hack = re.compile(r"sys\.path\.(insert|append)\(|sys\.path\s*\+?=")
    files = [p for p in ROOT.rglob("*.py") if not {".git", "build"} & set(p.parts)]
    assert len(files) > 100
    here = Path(__file__).resolve()
    offenders = [str(p.relative_to(ROOT)) for p in files if p != here and hack.search(p.read_text())]
    assert not offenders, offenders
