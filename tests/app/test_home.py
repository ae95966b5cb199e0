"""AppTest checks of the shell: the lesson registry, the home page, the entry point, the layout
helpers. These run the scripts in-process (no browser); tests/browser drives the real thing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.ui.lessons import LESSONS, SECTIONS, lessons_by_section

REPO_ROOT = Path(__file__).resolve().parents[2]
HOME = str(REPO_ROOT / "lessons" / "home.py")
APP = str(REPO_ROOT / "app.py")
TIMEOUT = 120  # seconds: a page may wait for the Numba kernels to compile on first use
SVG_NS = "{http://www.w3.org/2000/svg}"


# --- the registry ----------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_every_registered_page_file_exists(lesson):
    path = REPO_ROOT / lesson.path
    assert path.is_file(), f"{lesson.key}: {lesson.path} is registered in LESSONS but missing"


def test_lesson_keys_url_paths_titles_and_files_are_unique():
    for field in ("key", "url_path", "title", "path"):
        values = [getattr(lesson, field) for lesson in LESSONS]
        assert len(values) == len(set(values)), f"duplicate {field} in LESSONS: {values}"
    # the home page owns the root and the 'home' path
    assert "home" not in {lesson.url_path for lesson in LESSONS}
    assert "lessons/home.py" not in {lesson.path for lesson in LESSONS}


def test_sections_group_every_lesson_in_order():
    grouped = lessons_by_section()
    assert list(grouped) == [s for s in SECTIONS if s in grouped]
    assert sum(len(v) for v in grouped.values()) == len(LESSONS)
    assert all(grouped.values()), "empty sections must be left out"


# --- the home page ---------------------------------------------------------------------------


def _all_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "latex")
             for e in at.get(kind)]
    parts += [e.proto.label for e in at.get("page_link")]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def home() -> AppTest:
    return AppTest.from_file(HOME, default_timeout=TIMEOUT).run()


def test_home_runs_without_exception(home):
    assert not home.exception, [e.value for e in home.exception]
    assert [t.value for t in home.title] == ["pgmviz"]


def test_home_shows_the_map(home):
    text = _all_text(home)
    # the four diagrams, laid out on the server (pgmviz.ui.graphs.server_graphviz_chart): one node per unit
    diagrams = [ET.fromstring(m.value.removeprefix('<div class="pgmviz-graph">').removesuffix("</div>"))
                for m in home.markdown if m.value.startswith('<div class="pgmviz-graph">')]
    nodes = [sorted(g.find(SVG_NS + "title").text for g in d.iter() if g.get("class") == "node") for d in diagrams]
    assert nodes == [["h1", "h2", "v1", "v2", "v3"], ["h1", "h2", "h3", "v1", "v2", "v3", "v4"],
                     ["a1", "a2", "b1", "b2", "b3", "v1", "v2", "v3", "v4"],
                     ["m1", "m2", "m3", "t1", "t2", "v1", "v2", "v3", "v4"]]
    assert len(home.get("graphviz_chart")) == 0  # no graphviz code for the browser to load
    for phrase in ("Markov random field", "Bayesian network", "bipartite", "hybrid",
                   "exponential family", "sufficient statistics"):
        assert phrase in text, phrase
    # the learning rule, as data statistics minus model statistics
    assert any("data" in e.value and "model" in e.value for e in home.latex)


def test_home_map_separates_the_undirected_and_the_directed_learning_rule(home):
    """The Hebbian rule (data minus model) is the undirected models'; a belief net's rule has no
    model term (Z = 1; pgmviz.models.sbn.SBN.log_p_v_gradient, checked by finite differences in
    tests/unit/test_sbn.py)."""
    table = next(e.value for e in home.markdown if "Hebbian" in e.value)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("|")}
    hebbian = next(line for name, line in rows.items() if name.startswith('"Hebbian"'))
    directed = next(line for name, line in rows.items() if name.startswith("Learning rule of a belief net"))
    assert "any of the above" not in table
    assert "undirected" in hebbian and "model" in hebbian and "Bayesian network" not in hebbian
    assert "directed" in directed and "Z = 1" in directed and "posterior" in directed
    assert r"\langle v h^\top \rangle_{\text{model}}" not in directed


def test_home_lists_every_lesson(home):
    text = _all_text(home)
    for lesson in LESSONS:
        assert lesson.title in text and lesson.blurb in text, lesson.key
    assert "How to use this in a class" in text


# --- the entry point -------------------------------------------------------------------------


def test_app_runs_home_by_default():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["pgmviz"]
    # through app.py the lessons are real links (st.page_link), not plain titles
    # first the map's "where the map leads" row, then every lesson in registry order
    labels = [e.proto.label for e in at.get("page_link")]
    leads = labels[: len(labels) - len(LESSONS)]
    assert labels[len(leads):] == [lesson.title for lesson in LESSONS]
    by_key = {lesson.key: lesson.title for lesson in LESSONS}
    assert leads == [by_key[k] for k in ("full_bm", "message_passing", "completion", "dbm", "crf_hybrid")]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_every_lesson_runs_through_the_app(lesson):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(lesson.path).run()
    assert not at.exception, [e.value for e in at.exception]


# --- the layout helpers ----------------------------------------------------------------------


def _page_with_helpers():
    from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels

    lesson_header("A title", "A claim in one sentence.")
    ran = warm_up_kernels()
    import streamlit as st

    st.text(f"warm-up ran: {ran}")
    notice("Something to notice.")


def test_layout_helpers_render():
    at = AppTest.from_function(_page_with_helpers, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "A title"
    assert "A claim in one sentence." in at.markdown[0].value
    assert "What to notice" in at.info[0].value and "Something to notice." in at.info[0].value
    assert at.text[0].value == "warm-up ran: True"


def test_home_prefetches_the_lessons_chart_code(home):
    from pgmviz.ui.prefetch import CHUNKS, chunk_files

    scripts = [h.proto.body for h in home.get("html") if "import(base + file)" in h.proto.body]
    assert len(scripts) == 1
    assert all(f in scripts[0] for f in chunk_files(CHUNKS)) and len(chunk_files(CHUNKS)) == len(CHUNKS)
