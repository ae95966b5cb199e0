"""The two belief-net pages in a real browser: both load without exceptions, their charts draw,
editing a number of the explaining-away net changes what is shown, and the infinite-net page
plays its unrolling animation. Screenshots: test-artifacts/explaining_away_*.png, infinite_net_*.png."""

from __future__ import annotations

import time

from tests.browser.helpers import metric_value


def test_explaining_away(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("explaining_away", timeout=180)
    record_timing("explaining_away time-to-interactive", seconds)
    assert page.locator("h1", has_text="Explaining away").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 5
    assert metric_value(page, "p(truck = 1 | jump, quake = 1)") == "9.079e-05"
    save_screenshot(page, "explaining_away")

    # weaken the earthquake's weight: the posterior moves
    before = metric_value(page, "p(quake = 1 | jump)")
    box = page.get_by_label("weight earthquake → house")
    box.fill("8")
    box.press("Enter")
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    assert metric_value(page, "p(quake = 1 | jump)") != before
    assert "ea_w_quake=8" in page.url  # the setup is shareable
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "explaining_away_edited")


def layer_labels(page) -> int:
    """How many layer names (v0, h0, ...) the unrolling diagram shows right now."""
    return page.evaluate("""() => {
        const chart = document.querySelectorAll('[data-testid="stPlotlyChart"]')[0];
        return [...chart.querySelectorAll('.textpoint text')].filter(t => /^[vh]\\d+/.test(t.textContent)).length;
    }""")


def test_infinite_net(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("infinite_net", timeout=180)
    record_timing("infinite_net time-to-interactive", seconds)
    assert page.locator("h1", has_text="The infinite belief net").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 5
    assert metric_value(page, "layers identical, bit for bit") == "11 of 11"
    assert metric_value(page, "KL( p(h₀|v₀) ‖ Π_j p(h₀ⱼ|v₀) )") == "0 nats"
    # the digit pictures: one column per kept level
    assert page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() >= 8
    full = layer_labels(page)
    assert full == 10  # 4 levels: v0..v4 and h0..h4

    # play the unrolling: it starts from the bare RBM (2 layers) and grows
    page.get_by_text("▶ Unroll").first.click()
    seen = set()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        seen.add(layer_labels(page))
        page.wait_for_timeout(100)
    assert {2, full} <= seen and len(seen) >= 3, seen
    assert_no_exception(page)
    save_screenshot(page, "infinite_net")

    # untie the weights above h0: the posterior stops factorising
    page.locator('[data-testid="stSlider"]', has_text="untie").first.get_by_role("slider").press("End")
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    assert metric_value(page, "prior over h₀ complementary?") == "no (untied)"
    assert float(metric_value(page, "KL( p(h₀|v₀) ‖ Π_j p(h₀ⱼ|v₀) )").split()[0]) > 0
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "infinite_net_untied")
