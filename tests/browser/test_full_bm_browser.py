"""The full-Boltzmann-machine page in a real browser: it loads with its graph and charts, Train
trains both machines live (the update count climbs, the full machine's exact log-likelihood rises),
Pause stops them, and the temperature slider redraws the sampling section and goes into the URL.
Screenshots: test-artifacts/full_bm.png (default) and full_bm_trained.png."""

from __future__ import annotations

import time

from tests.browser.helpers import metric_value


def _button(page, label: str):
    return page.locator('[data-testid="stMain"] button', has_text=label).first


def _updates(page) -> int:
    return int(metric_value(page, "updates (each machine)").replace(",", ""))


def _wait_updates(page, at_least: int, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if _updates(page) >= at_least:
                return time.monotonic() - start
        except Exception:  # the fragment is redrawing the metric
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"fewer than {at_least} updates after {timeout} s")


def test_full_bm_trains(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    record_timing("full_bm time-to-interactive", open_app("full_bm", timeout=180))
    assert page.locator("h1", has_text="A full Boltzmann machine, learned").first.is_visible()
    assert page.locator('[data-testid="stGraphVizChart"] svg').count() == 1
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 5
    assert _updates(page) == 0
    start = float(metric_value(page, "full BM: exact log p(v)"))
    assert metric_value(page, "RBM: exact log p(v)") == f"{start:.3f}"  # the same start
    save_screenshot(page, "full_bm")

    _button(page, "Train").click()
    record_timing("full_bm: click to 200 updates of each", _wait_updates(page, 200, timeout=240))
    _button(page, "Pause").click()
    wait_idle(page, timeout=30)
    n = _updates(page)
    page.wait_for_timeout(1500)
    assert _updates(page) == n, "training went on after Pause"
    assert float(metric_value(page, "full BM: exact log p(v)")) > start + 1.0  # the clamped/free rule learns
    # trained, some couplings pass the threshold; the graph draws every allowed coupling (defaults: 13 units, all pairs)
    caption = page.get_by_text("non-zero couplings have").first.inner_text()
    shown, nonzero = int(caption.split(" of ")[0]), int(caption.split(" of ")[1].split()[0])
    edges = page.locator('[data-testid="stGraphVizChart"] svg g.edge').count()
    assert shown > 0 and nonzero >= shown and edges == 13 * 12 // 2
    assert page.get_by_text("per update,").count() >= 1  # the computed conclusion is there

    before = metric_value(page, "p_T(the 14 patterns), exact")
    page.locator('[data-testid="stSlider"]', has_text="Temperature").first.get_by_role("slider").press("End")
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    assert "fb_T=5" in page.url
    assert metric_value(page, "p_T(the 14 patterns), exact") != before
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "full_bm_trained")
