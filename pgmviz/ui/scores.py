"""Held-out scores one page measured this session, for another page to compare against.

A page never reads another page's session keys; the one that measures a model's mean held-out
log p(v) publishes it here, and a page that compares models reads what was published::

    scores.publish("mnist", "RBM 784x500 PCD-1", -86.3, "AIS log Z (evaluate page)")   # the evaluate page
    for name, log_p, how in scores.published("mnist"): ...                             # the VAE page
"""

from __future__ import annotations

import streamlit as st

KEY = "scores_published"  # dataset -> {model name: (mean log p(v) of a held-out digit, how it was estimated)}


def publish(dataset: str, name: str, mean_log_p: float, how: str) -> None:
    """Record (or replace) the latest held-out mean log p(v) of model ``name`` on ``dataset``'s test split."""
    st.session_state.setdefault(KEY, {}).setdefault(dataset, {})[name] = (float(mean_log_p), how)


def published(dataset: str) -> list[tuple[str, float, str]]:
    """(name, mean log p(v), how) of every model published on ``dataset`` this session, in publishing order."""
    return [(name, value, how) for name, (value, how) in st.session_state.get(KEY, {}).get(dataset, {}).items()]
