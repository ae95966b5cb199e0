"""Inference by message passing in a real browser: the page loads with its charts, Next sends the first
message, Play runs the chain's two passes to the end where the beliefs are exact, the 3x3 grid can be
chosen (and goes into the address), and "Show it" makes mean field pick a mode.
Screenshots: test-artifacts/message_passing*.png."""

from __future__ import annotations

import time

from tests.browser.helpers import MAIN, metric_value, wait_for_metric

SENT = "messages sent"
ERROR = "max |belief − exact marginal|"


def test_messages_step_play_and_the_grid(page, open_app, wait_idle, assert_no_exception, save_screenshot,
                                         record_timing):
    seconds = open_app("message_passing", timeout=240)
    record_timing("message_passing time-to-interactive", seconds)
    assert page.locator("h1", has_text="Inference by message passing").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 4  # graph, two curves, RBM bars
    assert metric_value(page, SENT) == "0 of 10"
    before = float(metric_value(page, ERROR))
    assert before > 0.01  # no message yet: the beliefs are the fields alone
    save_screenshot(page, "message_passing")

    page.get_by_role("button", name="Next").first.click()
    wait_for_metric(page, SENT, "1 of 10", timeout=60)
    assert page.locator(f"{MAIN} [data-testid='stMetric']", has_text="message x5 → x4").count() == 1

    page.get_by_role("button", name="Play").first.click()
    deadline = time.monotonic() + 120  # playing stops by itself at the last message: Pause turns back into Play
    page.wait_for_timeout(1000)
    while time.monotonic() < deadline and not page.get_by_role("button", name="Play").count():
        page.wait_for_timeout(300)
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    assert metric_value(page, SENT) == "10 of 10"
    assert float(metric_value(page, ERROR)) < 1e-10  # two passes on a chain: exact
    save_screenshot(page, "message_passing_done")

    page.get_by_text("a 3x3 grid (4 loops)").first.click()
    wait_for_metric(page, SENT, "0 of 144", timeout=120)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert "mp_graph=grid" in page.url  # the setup is shareable
    page.get_by_role("button", name="End").first.click()
    wait_for_metric(page, SENT, "144 of 144", timeout=60)
    assert float(metric_value(page, ERROR)) > 1e-3  # loops: BP settles off the exact answer

    page.get_by_role("button", name="Show it").first.click()
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert page.get_by_text("Two starts, two fixed points").first.is_visible()
    assert "mp_J=1" in page.url and "mp_h=0" in page.url
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "message_passing_modes")
