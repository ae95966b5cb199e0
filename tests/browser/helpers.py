"""Small page readers shared by the browser tests (the fixtures live in conftest.py)."""

from __future__ import annotations

import time

MAIN = '[data-testid="stMain"]'


def metric_value(page, label: str) -> str:
    """The value of the first st.metric in the main area whose box contains ``label``."""
    box = page.locator(f'{MAIN} [data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_for_metric(page, label: str, value: str, timeout: float) -> None:
    """Poll until metric ``label`` reads ``value`` (a fragment redraws it meanwhile); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if metric_value(page, label) == value:
                return
        except Exception:  # the fragment is redrawing the metric
            pass
        page.wait_for_timeout(500)
    assert metric_value(page, label) == value, f"{label!r} did not reach {value!r} within {timeout} s"
