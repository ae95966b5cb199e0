"""Greedy stacking in a real browser: the page opens without exceptions with its bound chart drawn,
training layer 1 (few updates) shows the filters, the posterior and samples. Screenshots:
test-artifacts/greedy.png (fresh) and greedy_trained.png (after two layers)."""

from __future__ import annotations

import time

from tests.browser.helpers import metric_value


def test_greedy(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("greedy", timeout=180)
    record_timing("greedy time-to-interactive", seconds)
    assert page.locator("h1", has_text="Greedy stacking").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 1
    assert metric_value(page, "log p(v), one RBM") == metric_value(page, "bound at the start")
    save_screenshot(page, "greedy")

    box = page.get_by_role("spinbutton", name="Updates per layer")
    box.fill("100")
    box.press("Enter")
    wait_idle(page, timeout=60)
    for layer in (1, 2):
        start = time.monotonic()
        page.get_by_role("button", name=f"Train layer {layer}").click()
        page.get_by_text(f"Layer {layer} trained and frozen").first.wait_for(timeout=120_000)
        wait_idle(page, timeout=120)
        record_timing(f"greedy layer {layer}, 100 updates (click to idle)", time.monotonic() - start)
        assert_no_exception(page)
    assert page.get_by_role("button", name="All layers trained").is_disabled()
    # filters of both layers, data + posterior + samples, generated digits
    assert page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() >= 6
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "greedy_trained")
