"""Widget values that survive a visit to another page.

Streamlit drops a widget's state when a run does not draw it (another page was open), so a page
keeps each control's last value under ``prefix + "saved"`` as well::

    from pgmviz.ui.memory import remember, remembered

    n = st.slider("units", 1, 6, key=remembered(P, "n", default=3))  # restored before it renders
    remember(P, "n")                                                  # saved after it renders

Call ``remembered`` before ``urlstate.bind`` for settings that are also in the URL, or bind would put
their defaults back after a visit elsewhere.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def saved(prefix: str) -> dict[str, Any]:
    """The page's saved values, name -> value (created empty on first use)."""
    return st.session_state.setdefault(prefix + "saved", {})


def remembered(prefix: str, name: str, default: Any = None) -> str:
    """The widget key ``prefix + name``, its state restored from the saved value (or ``default``) if it was dropped."""
    key = prefix + name
    if key not in st.session_state:
        st.session_state[key] = saved(prefix).get(name, default)
    return key


def remember(prefix: str, *names: str) -> None:
    """Save the widgets' current values (after they render)."""
    store = saved(prefix)
    for name in names:
        store[name] = st.session_state[prefix + name]
