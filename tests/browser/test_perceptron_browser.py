"""The perceptron page in a real browser: it loads with no exception, draws its charts and the
computation graph, switching the task to XOR shows the failure, Play animates the unit, and a
full-page screenshot is saved (test-artifacts/perceptron_page.png).

While playing, the page's fragment reruns itself, so the test waits for texts there instead of
``wait_idle``.
"""

from __future__ import annotations

from tests.browser.helpers import metric_value


def test_perceptron_page(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("perceptron")
    record_timing("perceptron time-to-interactive", seconds)
    assert page.locator("h1", has_text="From perceptrons to backprop").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 4
    assert page.locator('[data-testid="stGraphVizChart"] svg').count() == 1
    assert page.get_by_text("AND learned").first.is_visible()

    # XOR: the single unit fails
    page.locator('[data-testid="stButtonGroup"]').first.get_by_role("radio", name="XOR").click()
    wait_idle(page)
    assert page.get_by_text("XOR not learned").first.is_visible()
    assert_no_exception(page)

    # Play from the start: the epoch shown moves on by itself, then stops at the end
    page.get_by_role("button", name="Start").first.click()
    wait_idle(page)
    assert metric_value(page, "Epoch") == "0"
    page.get_by_role("button", name="Play").first.click()
    page.get_by_role("button", name="Pause").first.wait_for(timeout=30_000)
    page.wait_for_function(
        """() => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                     .find(e => e.innerText.startsWith('Epoch'));
                   return m && !/^Epoch\\s*0$/.test(m.innerText.trim()); }""",
        timeout=30_000,
    )
    # at the last epoch it stops by itself (the other section's Play button is always there, so
    # wait for Pause to go rather than for a Play to appear)
    page.get_by_role("button", name="Pause").wait_for(state="detached", timeout=60_000)
    wait_idle(page)
    assert metric_value(page, "Epoch") == "30"
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "perceptron_page")
