"""Two students train on Filter learning at once while a third opens Home (issue 17): both models
advance, the latecomer's page opens, nothing shows an exception, and Pause stops each.

Every slice of training goes through the server's scheduler (pgmviz.ui.scheduler); this test
checks what a class sees, not how fast: the waits are generous and no duration is asserted (the
latecomer's time to an idle Home page is recorded in the timings summary).
"""

from __future__ import annotations

import time

from tests.browser.helpers import MAIN, metric_value

VIEWPORT = {"width": 1440, "height": 1000}


def _updates(page) -> int | None:
    try:
        return int(metric_value(page, "Updates").replace(",", ""))
    except Exception:  # the fragment is redrawing the metric
        return None


def _button(page, label: str):
    return page.locator(f"{MAIN} button", has_text=label).first


def _new_tab(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.js_errors = []
    tab.on("pageerror", lambda err: tab.js_errors.append(str(err)))
    return context, tab


def test_two_students_train_while_a_third_opens_home(browser, app_url, wait_idle, assert_no_exception,
                                                     record_timing):
    contexts = []
    try:
        # for comparison: Home on this machine with nobody training
        context, late = _new_tab(browser)
        contexts.append(context)
        start = time.monotonic()
        late.goto(f"{app_url}/", wait_until="domcontentloaded")
        record_timing("classroom: Home ready with nobody training", wait_idle(late, timeout=120) - start)
        students = []
        for _ in range(2):
            context, tab = _new_tab(browser)
            contexts.append(context)
            tab.goto(f"{app_url}/filters", wait_until="domcontentloaded")
            wait_idle(tab, timeout=180)
            assert_no_exception(tab)
            assert _updates(tab) == 0
            students.append(tab)
        for tab in students:
            _button(tab, "Train").click()

        # both advance: every student's update count rises several times while both train
        seen = [[] for _ in students]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and min(len(set(s)) for s in seen) < 4:
            for tab, counts in zip(students, seen):
                n = _updates(tab)
                if n is not None and (not counts or n != counts[-1]):
                    counts.append(n)
            students[0].wait_for_timeout(200)
        for i, counts in enumerate(seen):
            assert len(set(counts)) >= 4 and counts == sorted(counts), f"student {i + 1} saw {counts}"
            assert counts[-1] > 0

        # a latecomer opens Home while both still train
        context, late = _new_tab(browser)
        contexts.append(context)
        start = time.monotonic()
        late.goto(f"{app_url}/", wait_until="domcontentloaded")
        ready = wait_idle(late, timeout=120) - start
        record_timing("classroom: latecomer's Home ready while two students train", ready)
        assert_no_exception(late)
        assert late.locator("h1").first.is_visible()
        for tab in students:  # still training after the latecomer came
            before = _updates(tab) or 0
            deadline = time.monotonic() + 60
            while (_updates(tab) or 0) <= before and time.monotonic() < deadline:
                tab.wait_for_timeout(200)
            assert (_updates(tab) or 0) > before, "a student stopped advancing when the latecomer came"

        # Pause stops each student's compute
        for tab in students:
            _button(tab, "Pause").click()
        for tab in students:
            wait_idle(tab, timeout=60)
            paused = _updates(tab)
            tab.wait_for_timeout(1500)
            assert _updates(tab) == paused, "training went on after Pause"
            assert_no_exception(tab)
            assert not tab.js_errors, tab.js_errors
    finally:
        for context in contexts:
            context.close()
