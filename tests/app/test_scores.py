"""pgmviz.ui.scores: what one page publishes this session another reads, per data set, latest value kept."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from pgmviz.ui import scores

    scores.publish("mnist", "RBM a", -90.0, "AIS log Z (evaluate page)")
    scores.publish("mnist16", "RBM b", -50.0, "PA log Z (evaluate page)")
    scores.publish("mnist", "RBM a", -88.5, "PA log Z (evaluate page)")  # a newer estimate replaces the old
    scores.publish("mnist", "RBM c", -95.0, "AIS log Z (evaluate page)")
    st.session_state["read"] = scores.published("mnist")
    st.session_state["none"] = scores.published("bars3")


def test_published_is_per_data_set_and_keeps_the_latest():
    at = AppTest.from_function(_script).run()
    assert not at.exception
    assert at.session_state["read"] == [("RBM a", -88.5, "PA log Z (evaluate page)"),
                                        ("RBM c", -95.0, "AIS log Z (evaluate page)")]
    assert at.session_state["none"] == []
