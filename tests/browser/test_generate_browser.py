"""Generate and recognise in a real browser: the page opens without exceptions, the movie plays (a
frame advances on its own) and pauses, the confusion matrix and bars are drawn, and a 7 drawn with
the mouse gets label probabilities. Screenshots: test-artifacts/generate.png, generate_drawn.png."""

from __future__ import annotations

from tests.browser.helpers import MAIN, metric_value


def test_generate(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing, draw_seven):
    seconds = open_app("generate", timeout=180)
    record_timing("generate time-to-interactive", seconds)
    assert page.locator("h1", has_text="Generate and recognise").first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 3  # mind, bars, confusion
    assert metric_value(page, "held-out error, this net").endswith("%")
    assert page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() >= 3
    save_screenshot(page, "generate")

    # the player's frame: its slider while paused, its progress bar's text while playing (pgmviz.ui.player)
    frame_js = """() => { const s = [...document.querySelectorAll(
                            '[data-testid="stSlider"], [data-testid="stProgress"]')]
                            .find(e => /^Gibbs step \\d/.test(e.innerText));
                          return s ? s.innerText : ''; }"""
    before = page.evaluate(frame_js)
    assert "Gibbs step" in before
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stProgress\"]') !== null", timeout=30_000)
    playing = page.evaluate(frame_js)
    # it moves on by itself, tick after tick
    page.wait_for_function(f"(playing) => {{ const t = ({frame_js})(); return t !== '' && t !== playing; }}",
                           arg=playing, timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors

    page.locator(f"{MAIN} button", has_text="Draw one").first.click()
    wait_idle(page)
    page.wait_for_timeout(500)  # the canvas component mounts after the script run settles
    draw_seven(page)
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("p(y | your drawing)").first.is_visible(timeout=10_000)
    save_screenshot(page, "generate_drawn")
