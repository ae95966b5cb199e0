"""The server warms itself (pgmviz.ui.warm): on its first run every page runs once, without an exception box.

The browser tests' server is a real one, started as `make run` starts it; the first page any test
opens starts the warm-up, whose one log line says how many pages ran and how many exception boxes
they showed. It doubles as a check that every page runs at its defaults in a live server.
"""

import re
import time

from pgmviz.ui.lessons import LESSONS
from tests.browser.conftest import SERVER_LOG

LINE = re.compile(r"pgmviz warm-up: (\d+) pages in (\d+) s, (\d+) exception boxes(.*)")
WAIT_S = 900  # the whole warm-up on a cold Numba cache and a loaded machine


def test_the_server_warms_every_page_once(open_app):
    open_app("")  # the app's first run starts the warm-up (if no earlier test has)
    deadline = time.monotonic() + WAIT_S
    while (match := LINE.search(SERVER_LOG.read_text(errors="replace"))) is None:
        assert time.monotonic() < deadline, f"no warm-up line in the server log after {WAIT_S} s"
        time.sleep(2)
    pages, _seconds, boxes, rest = match.groups()
    log = SERVER_LOG.read_text(errors="replace")
    assert "stopped" not in rest, rest
    assert int(boxes) == 0, re.findall(r"pgmviz warm-up exception box: .*", log)
    assert int(pages) == 1 + len(LESSONS)  # Home and every lesson
