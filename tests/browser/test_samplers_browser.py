"""The samplers page in a real browser: one click on the preset loads it and trains; the
log-likelihood curves of every method appear and grow while training; Pause stops it."""

from __future__ import annotations

import time


def _button(page, label: str):
    return page.locator('[data-testid="stMain"] button', has_text=label).first


def _updates(page) -> int:
    metric = page.locator('[data-testid="stMetric"]', has_text="Updates per method").first
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def _wait_updates(page, at_least: int, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if _updates(page) >= at_least:
                return time.monotonic() - start
        except Exception:  # the metric is being redrawn
            pass
        page.wait_for_timeout(100)
    raise AssertionError(f"fewer than {at_least} updates after {timeout} s")


def test_samplers_preset_train(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    open_app("samplers", timeout=180)
    assert page.locator("h1", has_text="Samplers compared").first.is_visible()
    _button(page, "Show it: load and train").click()
    record_timing("samplers: click to 1,500 updates of every method", _wait_updates(page, 1500, timeout=90))
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    legend = chart.locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")  # SVG text
    assert legend[:4] == ["CD-1", "PCD-1 x1000", "PA-1 x100", "PT-1 x10, 10 temps"], legend
    assert chart.locator(".scatterlayer .trace").count() >= 4
    _button(page, "Pause").click()
    wait_idle(page, timeout=30)
    n = _updates(page)
    page.wait_for_timeout(1200)
    assert _updates(page) == n, "training went on after Pause"
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "samplers")
