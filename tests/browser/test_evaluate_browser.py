"""The evaluation page in a real browser: it opens on the small pretrained model with its exact
log Z, a small AIS run adds an estimate and its chart, a long run shows a progress bar and stops
when Stop is clicked, a small convergence sweep draws its chart, and no exception shows anywhere.
"""

from __future__ import annotations

import time


def set_number(page, label: str, value: int, nth: int = 0) -> None:
    box = page.get_by_label(label, exact=True).nth(nth)
    box.fill(str(value))
    box.press("Enter")


def test_run_ais_and_stop_a_long_run(page, open_app, wait_idle, assert_no_exception, save_screenshot,
                                     record_timing):
    record_timing("evaluate: open page (exact log Z of 784x20)", open_app("evaluate", timeout=180))
    assert page.locator("h1", has_text="How good is the model?").first.is_visible()
    assert page.get_by_text("exact log Z").first.is_visible()

    # a small AIS run: 100 runs x 300 temperatures
    set_number(page, "Temperatures", 300, nth=0)
    wait_idle(page, timeout=60)
    start = time.monotonic()
    page.get_by_role("button", name="Run AIS").click()
    page.get_by_text("AIS, 100 runs x 300 temperatures").first.wait_for(timeout=120_000)
    wait_idle(page, timeout=120)
    record_timing("evaluate: AIS 100 runs x 300 temperatures, click to drawn", time.monotonic() - start)
    assert_no_exception(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2  # estimates + nats line
    assert page.get_by_text("latest AIS").count() >= 1

    # a long run: the progress bar and Stop appear; Stop ends it and the page says so
    set_number(page, "Temperatures", 9_000, nth=0)
    wait_idle(page, timeout=60)
    page.get_by_role("button", name="Run AIS").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=60_000)
    stop = page.locator(".st-key-ev_stop_button button")  # not the status bar's own Stop
    stop.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    start = time.monotonic()
    stop.click()
    page.get_by_text("Stopped: AIS with 100 runs x 9,000 temperatures").first.wait_for(timeout=30_000)
    wait_idle(page, timeout=60)
    record_timing("evaluate: Stop to stopped", time.monotonic() - start)
    assert page.locator('[data-testid="stProgress"]').count() == 0
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors
    page.get_by_text("AIS, 100 runs x 300 temperatures").first.wait_for(timeout=10_000)  # still kept

    # the convergence sweep (AIS and PA over 100 ... 3,000 temperatures, 50 runs each) draws its chart
    set_number(page, "Runs / particles", 50)
    wait_idle(page, timeout=60)
    start = time.monotonic()
    page.get_by_role("button", name="Run the sweep").click()
    page.get_by_text("No sweep yet").wait_for(state="detached", timeout=240_000)
    wait_idle(page, timeout=240)
    record_timing("evaluate: sweep 2 methods x 4 temperature counts x 50 runs (784x20)", time.monotonic() - start)
    assert_no_exception(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3
    save_screenshot(page, "evaluate_sweep")
