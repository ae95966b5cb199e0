"""Smoke tests in a real browser: the home page and every registered lesson load, settle, show
their title and no exception. Screenshots go to test-artifacts/ (and docs/screenshots/ with
PGMVIZ_UPDATE_SCREENSHOTS=1). Lessons are taken from ``LESSONS``: a new page is covered as soon
as it is registered; page-specific interactions belong in that page's own test file here."""

from __future__ import annotations

import pytest

from pgmviz.ui.lessons import LESSONS


def test_home_loads(page, open_app, save_screenshot, record_timing):
    cold = open_app("")  # the first visit to this server: includes the first script run
    record_timing("home time-to-interactive, first visit", cold)

    assert page.locator("h1", has_text="pgmviz").first.is_visible()
    assert page.get_by_text("The map: neural network").first.is_visible()
    # the map's four diagrams, laid out on the server by dot (pgmviz.ui.graphs.server_graphviz_chart)
    assert page.locator('[class*="st-key-home_map_"] .pgmviz-graph svg').count() == 4
    # through app.py the registered lessons are links
    for lesson in LESSONS:
        assert page.locator('[data-testid="stPageLink"]', has_text=lesson.title).count() >= 1
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "home")

    warm = open_app("")  # again, in the same tab: what a second student sees
    record_timing("home time-to-interactive, repeat visit", warm)
    assert page.locator("h1", has_text="pgmviz").first.is_visible()


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_lesson_loads(lesson, page, open_app, save_screenshot, record_timing):
    seconds = open_app(lesson.url_path, timeout=180)  # may wait for the kernels to compile
    record_timing(f"{lesson.key} time-to-interactive", seconds)
    # lesson pages start with lesson_header(lesson.title, claim)
    assert page.locator("h1", has_text=lesson.title).first.is_visible(), lesson.title
    assert not page.js_errors, page.js_errors
    save_screenshot(page, lesson.key)
