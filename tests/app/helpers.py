"""Helpers the AppTest files share."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def run(at: AppTest) -> AppTest:
    """Run (or rerun) the page and fail with the page's own exception text if it raised."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Every st.metric on the page, label -> shown value."""
    return {m.label.strip(): m.value for m in at.metric}


def query(at: AppTest) -> dict[str, str]:
    """The page's address-bar parameters after a run, name -> value (the last one if repeated)."""
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
