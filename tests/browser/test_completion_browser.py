"""Inference with evidence in a real browser: the page loads, the completion animation plays from the noisy
start to the end and the error it shows falls, and painting over the digit hides what was painted.
Screenshots: test-artifacts/completion*.png."""

from __future__ import annotations

import time

from tests.browser.helpers import MAIN, metric_value, wait_for_metric

ERROR = "squared error per hidden pixel"


def test_completion_animation_improves_the_error(page, open_app, wait_idle, assert_no_exception, save_screenshot,
                                                 record_timing):
    seconds = open_app("completion", timeout=240)
    record_timing("completion time-to-interactive", seconds)
    assert page.locator("h1", has_text="Inference with evidence").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 4
    last_text = metric_value(page, ERROR)
    last = float(last_text)
    save_screenshot(page, "completion")

    page.get_by_role("button", name="Start").first.click()
    wait_idle(page, timeout=60)
    first = float(metric_value(page, ERROR))
    assert first > last, (first, last)  # the noisy start is worse than the completion

    page.get_by_role("button", name="Play").first.click()
    page.wait_for_timeout(1500)
    seen = float(metric_value(page, ERROR))
    assert seen < first, (seen, first)  # playing: frames after the start, already better
    # playing stops by itself at the last step: its Pause turns back into Play. Wait for no Pause at all:
    # the page's second player (the label DBN's) always shows a Play button, so "a Play exists" is true at once
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and page.get_by_role("button", name="Pause").count():
        page.wait_for_timeout(500)
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    wait_for_metric(page, ERROR, last_text, timeout=10)  # the last step's error again
    assert not page.js_errors, page.js_errors


def test_painting_hides_what_is_painted(page, open_app, wait_idle, assert_no_exception, save_screenshot,
                                        draw_seven):
    open_app("completion?cp_hide=brush", timeout=240)
    assert page.get_by_text("Paint over the digit").first.is_visible()
    draw_seven(page)  # a stroke of paint across the digit
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not page.locator(f'{MAIN} [data-testid="stMetric"]', has_text=ERROR).count():
        page.wait_for_timeout(300)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert 0 <= float(metric_value(page, ERROR)) < 1
    assert page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() >= 1  # the models compared on that mask
    save_screenshot(page, "completion_painted")


def test_a_drawn_digit_is_completed(page, open_app, wait_idle, assert_no_exception, draw_seven):
    open_app("completion?cp_source=draw", timeout=240)
    assert page.get_by_text("Draw a digit").first.is_visible()
    draw_seven(page)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not page.locator(f'{MAIN} [data-testid="stMetric"]', has_text=ERROR).count():
        page.wait_for_timeout(300)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert 0 <= float(metric_value(page, ERROR)) < 1
    assert page.get_by_text("completes your drawing").first.is_visible()
