"""The CRF-hybrid page in a real browser: it opens with the task, the model's graph and the untrained pair
(equal numbers), Train runs both models live for at least 3 of 5 epochs and Pause stops them; then the CRF's held-out
accuracy is above the net alone's and the learned transitions correlate with the true ones. Settings
that make no Markov chain are refused with a message. Screenshots: test-artifacts/crf_hybrid.png,
crf_hybrid_trained.png.

While training the fragment reruns itself, so the test waits for the epochs metric instead of ``wait_idle``, then
pauses. (Waiting for the last epoch instead stalled twice at load 20-30: the page stayed at "4 of 5".)
"""

from __future__ import annotations

from tests.browser.helpers import MAIN, metric_value


def percent(text: str) -> float:
    return float(text.rstrip("%"))


def test_crf_hybrid_page(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing, browser,
                         app_url):
    seconds = open_app("crf_hybrid?crf_epochs=5", timeout=180)
    record_timing("crf_hybrid time-to-interactive", seconds)
    assert page.locator("h1", has_text="A network inside a graphical model").first.is_visible()
    assert page.locator(f'{MAIN} [data-testid="stGraphVizChart"] svg').count() == 1
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"] .main-svg').count() >= 5
    assert metric_value(page, "epochs") == "0 of 5"
    assert metric_value(page, "CRF: held-out accuracy") == metric_value(page, "net alone: held-out accuracy")
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "crf_hybrid")

    page.get_by_role("button", name="Train").first.click()
    page.get_by_role("button", name="Pause").first.wait_for(timeout=120_000)
    page.wait_for_function(  # the fragment redraws the epochs metric while it trains
        """() => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                     .find(e => e.innerText.startsWith('epochs'));
                   const v = m && m.querySelector('[data-testid="stMetricValue"]');
                   return v && parseInt(v.innerText) >= 3; }""", timeout=300_000)
    page.locator(f"{MAIN} button", has_text="Pause").first.click()
    wait_idle(page, timeout=120)
    assert int(metric_value(page, "epochs").split()[0]) >= 3
    assert_no_exception(page)
    crf = percent(metric_value(page, "CRF: held-out accuracy"))
    alone = percent(metric_value(page, "net alone: held-out accuracy"))
    assert crf > alone + 5, (crf, alone)  # default task: about 85% against 74%
    assert float(metric_value(page, "correlation of learned and true")) > 0.9
    assert float(metric_value(page, "largest relative difference")) < 1e-4
    assert "crf_epochs=5" in page.url
    save_screenshot(page, "crf_hybrid_trained")

    # a chain that is no chain (stay + step > 1), from a link opened in a new session: a message, no exception
    other = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    try:
        other.goto(f"{app_url}/crf_hybrid?crf_stay=0.8&crf_next=0.35", wait_until="domcontentloaded")
        wait_idle(other, timeout=120)
        assert_no_exception(other)
        text = other.locator(MAIN).inner_text()
        save_screenshot(other, "crf_hybrid_refused")
        assert "must be probabilities with stay + step" in text, text[:2000]
    finally:
        other.context.close()
    assert not page.js_errors, page.js_errors
