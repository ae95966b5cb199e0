"""Load the next page's chart code while the student reads this one: Streamlit's lazy frontend chunks, imported early.

Streamlit's frontend fetches, parses and runs a chart's JavaScript the first time a page shows such
a chart. Plotly's chunk is 4.7 MB; a lesson page with Plotly charts pays for it before its first chart
draws (bench/README.md, the classroom section). Energy and probability, the first lesson, draws its
charts as SVG on the server (pgmviz.ui.svg) and needs only the grid's chunk; the lessons after it use
Plotly. Prefetching the grid alone did not make Energy readier in a tab (19:45, load 5-6: 2.6 s
median against 2.4 with both), so both stay. A student opens Home first,
and Home has no chart, so Home imports those chunks once it is drawn and the browser is idle. The
modules land in the tab's module map under the URLs the frontend itself imports them from (next to
its ``index.*.js``), so a lesson opened from Home's links or the sidebar finds them loaded. A page
opened in a fresh browser, without Home, gains nothing and loses nothing::

    from pgmviz.ui.prefetch import prefetch_chunks

    prefetch_chunks()   # on Home, once
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

# The lessons' heavy lazy chunks: Plotly's charts and the data grid (st.dataframe).
CHUNKS = ("PlotlyChart", "DataFrame")
AFTER_MS = 1500  # wait this long after Home is drawn, then for an idle moment: Home itself comes first

_SCRIPT = """<script>
(() => {
  if (window.__pgmvizPrefetch) return;
  window.__pgmvizPrefetch = true;
  const index = [...document.scripts].map((s) => s.src).find((src) => /\\/js\\/index\\.[^/]+\\.js$/.test(src));
  if (!index) return;
  const base = index.slice(0, index.lastIndexOf("/") + 1);
  const load = () => FILES.forEach((file) => import(base + file).catch(() => {}));
  setTimeout(() => (window.requestIdleCallback ? requestIdleCallback(load, {timeout: 5000}) : load()), AFTER_MS);
})();
</script>"""


@cache
def chunk_files(names: tuple[str, ...] = CHUNKS) -> tuple[str, ...]:
    """The installed frontend's file for each chunk name (``PlotlyChart.D9Z0_fxz.js``); a name not found is left out."""
    import streamlit as streamlit_package

    js = Path(streamlit_package.__file__).parent / "static" / "static" / "js"
    found = []
    for name in names:
        files = sorted(js.glob(f"{name}.*.js"))
        if len(files) == 1:  # none, or several (a frontend we do not know): import nothing rather than guess
            found.append(files[0].name)
    return tuple(found)


def prefetch_script(files: tuple[str, ...], after_ms: int = AFTER_MS) -> str:
    """The page's script: once per tab, ``after_ms`` after it runs and at an idle moment, import each file."""
    return _SCRIPT.replace("FILES", json.dumps(list(files))).replace("AFTER_MS", str(int(after_ms)))


def prefetch_chunks(names: tuple[str, ...] = CHUNKS) -> None:
    """Import the named frontend chunks in the student's browser a little after this page is drawn."""
    files = chunk_files(tuple(names))
    if files:
        st.html(prefetch_script(files), unsafe_allow_javascript=True, width="content")
