"""The fantasy-chains page in a real browser: Run samples the chains, Play animates them (the
picture changes on its own over time), Pause stops it, and the page shows no exception.

While playing, the page's fragment reruns itself, so the app is never idle: the test waits for
elements and texts instead of ``wait_idle`` there.
"""

from __future__ import annotations

import hashlib
import re
import time

IMG = '[data-testid="stMain"] [data-testid="stImage"] img'


def first_image_digest(page) -> str:
    """A hash of the animation picture's source (a new frame is a new image URL or data)."""
    src = page.locator(IMG).first.get_attribute("src") or ""
    return hashlib.sha1(src.encode()).hexdigest()


def changes_within(page, before: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if first_image_digest(page) != before:
            return True
        page.wait_for_timeout(100)
    return False


def test_run_play_pause_and_download(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    open_app("fantasy", timeout=180)
    assert page.locator("h1", has_text="Fantasy chains").first.is_visible()

    start = time.monotonic()
    page.get_by_role("button", name="Run the chains").click()
    # after Run the animation starts playing by itself: a Pause button appears
    pause = page.get_by_role("button", name="Pause")
    pause.wait_for(timeout=120_000)
    record_timing("fantasy: Run to first frame (16 chains x 1000 steps)", time.monotonic() - start)
    page.locator(IMG).first.wait_for(timeout=30_000)
    assert_no_exception(page)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)

    # playing: the picture changes over time
    before = first_image_digest(page)
    assert changes_within(page, before, 10), "the animation did not advance while playing"
    # it keeps going (not just one step): three more distinct frames; 1x asks for 4 per second,
    # a busy machine delivers fewer, so allow plenty of time
    t0, seen = time.monotonic(), {first_image_digest(page)}
    while len(seen) < 4 and time.monotonic() - t0 < 20:
        seen.add(first_image_digest(page))
        page.wait_for_timeout(50)
    record_timing("fantasy: frames per second while playing at 1x", (len(seen) - 1) / (time.monotonic() - t0))
    assert len(seen) >= 4, f"only {len(seen)} distinct frames in 20 s of playing"

    # pause: it stops
    pause.click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    wait_idle(page, timeout=60)
    still = first_image_digest(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 1  # settled: one chart, one picture
    assert page.locator(IMG).count() == 4  # the frame and the three contact sheets
    page.wait_for_timeout(1500)
    assert first_image_digest(page) == still, "the animation kept moving after Pause"

    # step one frame on with the Next button
    slider_text = page.locator('[data-testid="stSlider"]').last.inner_text()
    page.get_by_role("button", name="Next").click()
    wait_idle(page, timeout=60)
    assert first_image_digest(page) != still
    assert page.locator('[data-testid="stSlider"]').last.inner_text() != slider_text

    # press play again and it moves
    page.get_by_role("button", name="Play").click()
    pause.wait_for(timeout=30_000)
    assert changes_within(page, first_image_digest(page), 10)
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors
    pause.click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    wait_idle(page, timeout=60)
    save_screenshot(page, "fantasy_running")

    # the GIF is encoded when the button is clicked (outside the script run) and downloads
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the animation (GIF)").click()
    with open(download.value.path(), "rb") as f:
        assert f.read(6) == b"GIF89a"
    assert_no_exception(page)


def test_cd1_pcd_and_pa_side_by_side(page, open_app, wait_idle, assert_no_exception, save_screenshot, record_timing):
    """The comparison section: the files' figures are there before anything runs; one click draws 20
    fantasies of each model from the same noise and says what the independent reader reads."""
    open_app("fantasy", timeout=180)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("CD-1, PCD and population annealing, from the same noise").wait_for(timeout=60_000)
    assert main.get_by_text("classes the reader sees in 300 fantasies").count() == 3
    n_images = page.locator(IMG).count()
    start = time.monotonic()
    page.get_by_role("button", name="Run 20 chains of each from the same noise (seed 0)").click()
    main.get_by_text("PA-1: read as").wait_for(timeout=180_000)
    record_timing("fantasy: side by side, 3 models x 20 chains x 1000 steps", time.monotonic() - start)
    wait_idle(page, timeout=60)
    assert page.locator(IMG).count() == n_images + 3  # one contact sheet per model
    for label in ("CD-1", "PCD-1", "PA-1"):  # anchored: "PCD-1: read as" contains "CD-1: read as"
        assert main.get_by_text(re.compile(f"^{label}: read as")).count() == 1
    assert_no_exception(page)
    main.get_by_text("PA-1: read as").scroll_into_view_if_needed()
    save_screenshot(page, "fantasy_side_by_side")
