"""The VAE page in a real browser: it opens on the bundled 2-D model with the graphical model,
the ELBO curves, the latent map and the comparison drawn and no exception; a full-page screenshot
is saved (test-artifacts/vae_page.png). Then "Yours" trains live for a moment and pauses.

While training, the page's fragment reruns itself, so the test waits for a changed metric there
instead of ``wait_idle``.
"""

from __future__ import annotations

from tests.browser.helpers import MAIN, metric_value


def test_vae_page(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("vae", timeout=240)
    record_timing("vae time-to-interactive", seconds)
    assert page.locator("h1", has_text="VAE: a graphical model").first.is_visible()
    assert page.locator(f'{MAIN} [data-testid="stGraphVizChart"] svg').count() == 1
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"] .main-svg').count() >= 4
    float(metric_value(page, "held-out ELBO"))  # a number
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "vae_page")

    # the label y as a second cause (M2): the drawing gains y, its arrow and the dashed q(y|x)
    page.locator(f'{MAIN} [data-testid="stCheckbox"]', has_text="Add a label y").first.click()
    wait_idle(page)
    assert_no_exception(page)
    svg = page.locator(f'{MAIN} [data-testid="stGraphVizChart"] svg').first
    text = svg.text_content()
    assert "q(y|x)" in text and "p(x|y,z)" in text, text
    save_screenshot(page, "vae_with_label")

    # train your own for a moment
    page.locator(f'{MAIN} [data-testid="stButtonGroup"]').first.get_by_role("radio", name="Yours (train live)").click()
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_role("button", name="Train").first.click()
    page.get_by_role("button", name="Pause").first.wait_for(timeout=60_000)
    first = int(metric_value(page, "updates").replace(",", ""))
    page.wait_for_function(
        """(n) => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                      .find(e => e.innerText.startsWith('updates'));
                    const v = m && m.querySelector('[data-testid="stMetricValue"]');
                    return v && parseInt(v.innerText.replace(/,/g, '')) > n; }""",
        arg=first, timeout=60_000,
    )
    page.locator(f"{MAIN} button", has_text="Pause").first.click()
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "vae_yours")
