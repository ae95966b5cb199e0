"""pgmviz: the entry point. Run with ``streamlit run app.py`` (or ``make run``).

This file only routes: the home page plus one page per registered lesson
(``pgmviz/ui/lessons.py``), grouped into sections. Streamlit runs it on every rerun and then
runs the selected page.
"""

# pandas whole before any page runs: plotly's validators take ``sys.modules["pandas"]`` without
# importing it, so a chart drawn while another session's page is still importing pandas (its first
# table) got the half-initialised module: "partially initialized module 'pandas' has no attribute
# 'Series'" (bench/classroom.py, a latecomer opening Energy while a student trains).
import pandas  # noqa: F401
import streamlit as st

from pgmviz.ui.layout import start_kernel_warm_up
from pgmviz.ui.lessons import lessons_by_section
from pgmviz.ui.present import apply_style, present_mode
from pgmviz.ui.scheduler import PAGE_RUNS, lower_thread_priority
from pgmviz.ui.sessions import reset_notice
from pgmviz.ui.warm import WARM_NICE, is_warm_session, start_page_warm_up

# ?present=1: projector mode (pgmviz.ui.present): sidebar collapsed, larger type, main picture first
present = present_mode()

st.set_page_config(
    page_title="pgmviz",
    page_icon=":material/hub:",
    layout="wide",
    initial_sidebar_state="collapsed" if present else "expanded",
    menu_items={"About": "pgmviz: Boltzmann machines and belief nets as graphical models."},
)

if present:
    apply_style()

# Compile the Numba kernels in the background while the student reads; pages that need them
# wait for it (pgmviz.ui.layout.warm_up_kernels). Runs once per server process.
start_kernel_warm_up()

# Then every page once at its defaults in a session of the server's own (pgmviz.ui.warm), so what
# all students share is loaded before the first of them and the server's idle size is its warm size.
start_page_warm_up()

# A tab whose session the server lost (a restarted worker) is told so above whatever page it is on.
reset_notice()

home = st.Page("lessons/home.py", title="Home", icon=":material/home:", url_path="home", default=True)

sections = {
    section: [st.Page(l.path, title=l.title, icon=l.icon, url_path=l.url_path) for l in lessons]
    for section, lessons in lessons_by_section().items()
}

# Live frames of other sessions wait for this page run a little (pgmviz.ui.scheduler.PageRuns): pages first.
# The server's own warm-up session is no student: its runs yield the cores and nobody waits for them.
if is_warm_session():
    lower_thread_priority(WARM_NICE)
    st.navigation({"": [home], **sections}, position="sidebar", expanded=True).run()
else:
    with PAGE_RUNS.running():
        st.navigation({"": [home], **sections}, position="sidebar", expanded=True).run()
