"""Graphviz diagrams for slides: a page's DOT drawn as a PNG, SVG or PDF file by graphviz's own ``dot`` program.

``st.graphviz_chart`` lays the DOT out in the browser; for a slide the server runs ``dot -Tpng|-Tsvg|-Tpdf``
(Debian's graphviz package, installed by ``make test`` / ``make run`` / ``make serve``) on the same DOT
string, so the file has the page's labels, shapes and colours. Only DOT that a page builds itself goes in,
never text a visitor typed, and each run is bounded in time::

    from pgmviz.ui.graph_files import graph_file

    svg = graph_file('digraph { a -> b }', "svg")   # bytes of an SVG file
"""

from __future__ import annotations

import shutil
import subprocess

from pgmviz.ui.figures import FORMATS

PNG_DPI = 192  # graphviz lays out at 96 dpi; a PNG at twice that stays sharp on a projected slide
TIMEOUT_S = 30.0  # the pages' diagrams take well under a second; a stuck run must not hold a thread
MISSING = ("Graphviz's `dot` program is not installed on this server, so this diagram cannot be downloaded "
           "(the page itself is unaffected). Install it with `apt-get install graphviz` (`make run` does).")


class GraphvizMissing(RuntimeError):
    """There is no ``dot`` program on the PATH."""


def dot_program() -> str | None:
    """The path of graphviz's ``dot``, or None when it is not installed."""
    return shutil.which("dot")


def graph_file(dot: str, fmt: str, *, timeout: float = TIMEOUT_S) -> bytes:
    """``dot -T<fmt>``: the DOT laid out and drawn by graphviz, as the bytes of a PNG, SVG or PDF file."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    program = dot_program()
    if program is None:
        raise GraphvizMissing(MISSING)
    args = [program, f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else [])
    # subprocess.run kills dot when the time is up (TimeoutExpired); the DOT goes in on stdin, never as a path
    done = subprocess.run(args, input=dot.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()[:500]
        raise RuntimeError(f"dot -T{fmt} failed (exit {done.returncode}): {message}")
    return done.stdout
