"""The deep-autoencoder page in a real browser: it loads with the ready-made nets, its charts draw,
pretraining a new stack works, and fine-tuning runs live in the fragment until it stops by itself.
Screenshots: test-artifacts/autoencoder_default.png, autoencoder_finetuned.png, autoencoder_all_sizes.png."""

from __future__ import annotations

import time

from tests.browser.helpers import MAIN, metric_value


def test_autoencoder_page(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("autoencoder", timeout=240)
    record_timing("autoencoder time-to-interactive", seconds)
    assert page.locator("h1", has_text="Deep autoencoder").first.is_visible()
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"]').count() >= 7
    ae_err = float(metric_value(page, "autoencoder, held out"))
    pca_err = float(metric_value(page, "PCA, held out"))
    assert ae_err < pca_err
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "autoencoder_default")

    # a new stack: pretraining with a progress bar, then live fine-tuning for the default 15 epochs
    page.locator(f"{MAIN} button", has_text="Pretrain a new stack").first.click()
    wait_idle(page, timeout=180)
    assert_no_exception(page)
    assert metric_value(page, "fine-tuning epochs") == "0"
    page.locator(f"{MAIN} button", has_text="Fine-tune").first.click()
    deadline = time.monotonic() + 240
    while metric_value(page, "fine-tuning epochs") != "15" and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert metric_value(page, "fine-tuning epochs") == "15"
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert float(metric_value(page, "autoencoder, held out")) < pca_err
    assert not page.js_errors, page.js_errors
    # the setup is shareable: at the default settings the link is the plain address (pgmviz.ui.urlstate
    # writes only settings that differ from their defaults; tests/browser/test_urlstate_browser.py)
    assert "ae_" not in page.url, page.url
    save_screenshot(page, "autoencoder_finetuned")

    # every code size on the error-against-code-size chart
    page.locator(f"{MAIN} button", has_text="Add the autoencoders with").first.click()
    wait_idle(page, timeout=180)
    assert_no_exception(page)
    assert page.locator(f"{MAIN} button", has_text="Add the autoencoders with").count() == 0
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "autoencoder_all_sizes")
