"""The fine-tuning page in a real browser: it loads with the bundled table and the ready-made run,
its charts and filter pictures draw, live fine-tuning runs in the fragment until it stops by itself, and
so does live up-down fine-tuning of the label DBN.
Screenshots: test-artifacts/finetune_default.png, finetune_live.png, finetune_updown.png."""

from __future__ import annotations

from tests.browser.helpers import MAIN, metric_value, wait_for_metric


def test_finetune_page(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("finetune", timeout=240)
    record_timing("finetune time-to-interactive", seconds)
    assert page.locator("h1", has_text="Fine-tuning and results").first.is_visible()
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"]').count() == 3
    assert page.locator(f'{MAIN} [data-testid="stTable"]').count() == 1
    assert page.locator(f"{MAIN} img").count() >= 5  # filters before/after/change, drawings greedy/up-down
    # the reader's figures from the two nets' files (the AppTest checks them against the files)
    greedy = metric_value(page, "clamped drawings the reader reads as their digit: greedy net")
    assert greedy.endswith("%") and 0 <= float(greedy.rstrip("%")) <= 100
    assert metric_value(page, "bundled up-down net").endswith("%")
    pre = float(metric_value(page, "pretrained: held-out error").rstrip("%"))
    rand = float(metric_value(page, "random start: held-out error").rstrip("%"))
    assert pre < rand
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "finetune_default")

    # live: the default 30 epochs of both nets, side by side, then the page redraws the filters
    page.locator(f"{MAIN} button", has_text="Fine-tune live").first.click()
    wait_for_metric(page, "epochs", "30", timeout=240)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert float(metric_value(page, "pretrained: held-out error").rstrip("%")) < 9.0
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "finetune_live")

    # up-down, live: the default 10 epochs from the greedy label DBN, then the drawings switch to it
    page.locator(f"{MAIN} button", has_text="Run up-down live").first.click()
    wait_for_metric(page, "epochs of up-down", "10", timeout=300)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert page.get_by_text("your net, after 10 epochs of up-down").first.is_visible()
    assert not page.js_errors, page.js_errors
    page.get_by_text("4 · Up-down").first.scroll_into_view_if_needed()
    save_screenshot(page, "finetune_updown")
