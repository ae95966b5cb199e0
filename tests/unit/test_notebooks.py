"""The self-study notebooks (notebooks/) run top to bottom on the installed library, headless.

Each notebook recomputes a lesson's key numbers and checks them with ``assert`` cells, so a change
in the library that breaks a notebook's claim fails here. They run from a temporary folder, as a
student's notebook outside the repository would.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_one_notebook_per_lecture_part():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_boltzmann_machines", "02_belief_nets", "03_deep_belief_nets", "04_evaluation", "05_vae"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "stream" and o.get("text") for o in outputs)  # the numbers were printed
