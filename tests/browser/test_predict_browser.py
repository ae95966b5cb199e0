"""Predict, then reveal in a real browser: ``?questions=1`` turns the questions on, Explaining away hides
p(truck | jump, quake) until a guess is committed, then shows the value beside how close the guess was;
the switch stays on across pages and the sidebar toggle turns it off (and out of the URL).
Screenshots: test-artifacts/predict_asked.png, predict_revealed.png."""

from __future__ import annotations

from tests.browser.helpers import MAIN, metric_value

GIVE_AWAY = "p(truck = 1 | jump, quake = 1)"


def test_commit_a_guess_and_see_the_reveal(page, open_app, wait_idle, assert_no_exception, save_screenshot):
    open_app("explaining_away?questions=1", timeout=180)
    box = page.locator(".st-key-ea_q_quake__box")
    assert box.get_by_text("Predict, then reveal").is_visible()
    assert page.locator(f'{MAIN} [data-testid="stMetric"]', has_text=GIVE_AWAY).count() == 0
    assert page.get_by_text("Hidden until the question above is answered").first.is_visible()
    save_screenshot(page, "predict_asked")

    box.get_by_role("button", name="Commit").click()  # the guess: the slider's 0.50000
    wait_idle(page, timeout=60)
    assert_no_exception(page)
    verdict = box.get_by_text("You said 0.50000; it is 9.079e-05").inner_text()
    assert "factor of" in verdict and "far off" in verdict
    assert metric_value(page, GIVE_AWAY) == "9.079e-05"
    assert "questions=1" in page.url
    save_screenshot(page, "predict_revealed")

    # another page keeps the questions on, and asks its own
    page.locator('[data-testid="stSidebarNav"] a', has_text="Energy and probability").first.click()
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert page.locator(".st-key-en_q_mode__box").get_by_text("Predict, then reveal").is_visible()
    assert "questions=1" in page.url

    # the sidebar toggle turns them off: everything shows, the URL forgets the setting
    page.locator('[data-testid="stSidebar"]').get_by_text("Questions for class").click()
    wait_idle(page, timeout=60)
    assert page.locator(".st-key-en_q_mode__box").count() == 0
    assert "questions" not in page.url
    assert not page.js_errors, page.js_errors
