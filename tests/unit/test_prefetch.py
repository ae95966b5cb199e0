"""Home's prefetch of the lessons' chart code (pgmviz.ui.prefetch): the chunk files exist in the installed
Streamlit under the names the frontend imports, and the script imports each once, after a delay."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit

from pgmviz.ui.prefetch import CHUNKS, chunk_files, prefetch_script

JS = Path(streamlit.__file__).parent / "static" / "static" / "js"


def test_every_chunk_is_found_once_in_the_installed_frontend_and_is_what_its_index_imports():
    files = chunk_files(CHUNKS)
    assert [f.split(".")[0] for f in files] == list(CHUNKS)  # a renamed chunk fails here, not silently
    page = (JS.parent.parent / "index.html").read_text()
    entry = re.findall(r'src="\./static/js/(index\.[^"/]+\.js)"', page)  # the script tag prefetch_script looks for
    assert len(entry) == 1
    index = (JS / entry[0]).read_text()
    for f in files:
        assert (JS / f).is_file()
        assert f"./{f}" in index  # the frontend's own lazy import, beside it: the same URL, so the same module


def test_an_unknown_chunk_is_left_out():
    assert chunk_files(("NoSuchChunk", "PlotlyChart")) == chunk_files(("PlotlyChart",))
    assert chunk_files(("NoSuchChunk",)) == ()


def test_the_script_imports_each_file_from_the_frontends_folder_after_the_delay():
    files = ("PlotlyChart.abc.js", "DataFrame.def.js")
    script = prefetch_script(files, after_ms=1234)
    assert script.startswith("<script>") and script.rstrip().endswith("</script>")
    assert '["PlotlyChart.abc.js", "DataFrame.def.js"]' in script
    assert re.search(r"load\(\)\), 1234\);", script)  # setTimeout(..., 1234)
    assert "import(base + file)" in script and "FILES" not in script and "AFTER_MS" not in script
