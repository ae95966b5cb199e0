"""The reconstructions page in a real browser: it loads with the model of 2s, switching the digit
class redraws it, and a digit drawn on the canvas with the mouse is reconstructed."""

from __future__ import annotations

MAIN = '[data-testid="stMain"]'


def _metric(page, label: str) -> str:
    m = page.locator(f'{MAIN} [data-testid="stMetric"]', has_text=label).first
    return m.locator('[data-testid="stMetricValue"]').inner_text()


def test_reconstructions_default_class_and_drawing(page, open_app, wait_idle, assert_no_exception, draw_seven,
                                                   save_screenshot, record_timing):
    seconds = open_app("reconstructions", timeout=180)
    record_timing("reconstructions time-to-interactive", seconds)
    assert page.locator("h1", has_text="Reconstructions").first.is_visible()
    assert page.get_by_text("Familiar and unfamiliar digits").first.is_visible()
    assert _metric(page, "features on in h").endswith("of 50")  # the slides' model by default
    save_screenshot(page, "reconstructions_default")

    # another class: a 7 for the model of 2s
    before = _metric(page, "pixels on in v")
    page.locator(f'{MAIN} [data-testid="stSelectbox"]', has_text="Digit class").first.click()
    page.get_by_role("option", name="7", exact=True).click()
    wait_idle(page)
    assert_no_exception(page)
    assert _metric(page, "pixels on in v") != before

    # draw a digit with the mouse
    page.locator(f"{MAIN} button", has_text="Draw one").first.click()
    wait_idle(page)
    assert_no_exception(page)
    page.wait_for_timeout(500)  # the canvas component mounts after the script run settles
    draw_seven(page)
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("v: your drawing").first.is_visible(timeout=10_000)
    assert _metric(page, "features on in h").endswith("of 50")
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "reconstructions_drawn")

    # many sampling rounds from the drawing: the chain drifts toward the model's own digits
    slider = page.locator(f'{MAIN} [data-testid="stSlider"]', has_text="Sampling rounds").first
    slider.get_by_role("slider").press("End")
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("30 rounds: where the chain drifts").first.is_visible()
    save_screenshot(page, "reconstructions_rounds")
