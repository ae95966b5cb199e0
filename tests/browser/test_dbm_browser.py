""""A deep Boltzmann machine" in a real browser: the page opens without exceptions (samples of both
untrained models drawn), Train runs the DBM and the DBN live to the end of a short run, and then the
curves, both exact log-likelihoods and the posterior-over-h1 comparison show: the DBM's p(h1|v) moves
with the layer above, the DBN's recognition by 0. Screenshots: test-artifacts/dbm.png, dbm_trained.png."""

from __future__ import annotations

import time

from tests.browser.helpers import MAIN, metric_value


def test_dbm(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    seconds = open_app("dbm", timeout=180)
    record_timing("dbm time-to-interactive", seconds)
    assert page.locator("h1", has_text="A deep Boltzmann machine").first.is_visible()
    assert page.locator(f'{MAIN} [data-testid="stImage"] img').count() >= 3  # two sample grids, the image
    assert page.get_by_text("second layer starts at update 2,000").first.is_visible()
    save_screenshot(page, "dbm")

    box = page.get_by_role("spinbutton", name="Updates (each)")
    box.fill("1000")
    box.press("Enter")
    wait_idle(page, timeout=60)
    assert "dbm_updates=1000" in page.url  # the setup is shareable
    start = time.monotonic()
    train = page.locator(".st-key-dbm_train button")  # by key: "Train" is also in the pretraining toggle's label
    train.click()
    page.get_by_text("update 1,000 of 1,000").first.wait_for(timeout=180_000)
    page.locator(f'{MAIN} [data-testid="stMetric"]', has_text="DBN recognition: largest move over s").first.wait_for(
        timeout=60_000)
    wait_idle(page, timeout=120)
    record_timing("dbm 1,000 updates of each (click to idle)", time.monotonic() - start)
    assert_no_exception(page)
    assert train.is_disabled()  # the run is finished
    assert "dbm_pretrain" not in page.url  # trained from random weights, as set
    for label in ("DBM: exact mean log p(v)", "DBN: exact mean log p(v)"):
        assert -20 < float(metric_value(page, label).split()[0]) < 0
    assert metric_value(page, "DBN recognition: largest move over s") == "0"
    assert float(metric_value(page, "DBM: largest move of a p(h¹ⱼ | v) over s")) > 0
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"] .main-svg').count() >= 2  # curves, the scan
    assert not page.js_errors, page.js_errors
    save_screenshot(page, "dbm_trained")
