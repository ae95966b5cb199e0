"""Projector mode: ``?present=1`` collapses the sidebar, enlarges the type and puts each lesson's main
picture on the first screen (1280x720), right under a short header.

The setting lives in the URL through ``pgmviz.ui.urlstate`` (read once per session, written back on
every run, so it survives moving between lessons; ``?present=0`` or a fresh link turns it off)::

    # app.py, before st.set_page_config
    present = present_mode()
    st.set_page_config(..., initial_sidebar_state="collapsed" if present else "expanded")

    # a lesson page: the container its main picture is drawn in
    chart(main_picture(), fig, key=P + "bars")        # or: with main_picture(): ...

In projector mode the page's blocks keep their order in the script (controls are read before the
picture is drawn), but the browser shows the block holding ``main_picture()`` first, after the
header: CSS flex ``order`` on the main column, one rule in ``STYLE``.
"""

from __future__ import annotations

import streamlit as st

from pgmviz.ui import urlstate as url

PARAM = "present"
HEADER_KEY = "pgmviz_header"
MAIN_KEY = "pgmviz_main_picture"
ROOT_FONT_PX = 20  # Streamlit's type is in rem of a 16 px root: 20 px makes all of it 25% larger

_TOP = '[data-testid="stMainBlockContainer"] > div > '
STYLE = f"""<style>
html {{ font-size: {ROOT_FONT_PX}px; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; padding-bottom: 2rem; }}
[data-testid="stHeader"] {{ background: transparent; }}
{_TOP}:is(.st-key-{HEADER_KEY}, :has(.st-key-{HEADER_KEY})) {{ order: -2; }}
{_TOP}:is(.st-key-{MAIN_KEY}, :has(.st-key-{MAIN_KEY})) {{ order: -1; }}
.st-key-{HEADER_KEY} h2 {{ padding: 0 0 0.2rem 0; }}
</style>"""


def present_mode() -> bool:
    """Is the page in projector mode (``?present=1``)? Binds the setting to the URL on each call."""
    binding = url.bind("", {PARAM: url.flag(False)})
    binding.write()
    return bool(st.session_state[PARAM])


def apply_style() -> None:
    """The projector's CSS, once per run (an ``st.html`` of only a <style> takes no room on the page)."""
    st.html(STYLE)


def main_picture():
    """The container a lesson draws its main picture in: shown first, under the header, when presenting."""
    return st.container(key=MAIN_KEY)
