"""pgmviz.ui.urlstate inside a real script run (AppTest): a URL value reaches the widget, a widget
change reaches the URL, bad values are ignored without an exception, and the URL is read once."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import query, run


def script() -> None:
    import streamlit as st

    from pgmviz.ui import urlstate as url

    P = "t_"
    settings = url.bind(P, {
        "n": url.integer(16, 1, 36),
        "lr": url.number(0.1, 0.0, 10.0),
        "start": url.choice("noise", ["noise", "data", "drawing"]),
        "every": url.choice(20, [1, 5, 20, 100]),
        "on": url.flag(True),
        "units": url.subset(["v1"], ["v1", "v2", "v3"]),
    })
    st.slider("chains", 1, 36, key=P + "n")
    st.number_input("learning rate", 0.0, 10.0, step=0.01, format="%g", key=P + "lr")
    st.radio("start", ["noise", "data", "drawing"], key=P + "start")
    st.select_slider("every", [1, 5, 20, 100], key=P + "every")
    st.toggle("on", key=P + "on")
    st.multiselect("units", ["v1", "v2", "v3"], key=P + "units")
    settings.write()


def app(**params: str) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params.update(params)
    return run(at)


def shown(at: AppTest) -> tuple:
    return (at.slider(key="t_n").value, at.number_input(key="t_lr").value, at.radio(key="t_start").value,
            at.select_slider(key="t_every").value, at.toggle(key="t_on").value, at.multiselect(key="t_units").value)


DEFAULTS = (16, 0.1, "noise", 20, True, ["v1"])


def test_defaults_and_a_clean_address():
    at = app()
    assert shown(at) == DEFAULTS
    assert query(at) == {}


def test_a_link_sets_every_widget_and_stays_in_the_address():
    at = app(t_n="5", t_lr="0.05", t_start="data", t_every="100", t_on="0", t_units="v2,v3", other="kept")
    assert shown(at) == (5, 0.05, "data", 100, False, ["v2", "v3"])
    assert query(at) == {"t_n": "5", "t_lr": "0.05", "t_start": "data", "t_every": "100", "t_on": "0",
                         "t_units": "v2,v3", "other": "kept"}
    assert not at.warning


@pytest.mark.parametrize("bad", ["abc", "1e999", "nan", "-inf", "9" * 400, "-" + "9" * 5000, "99", "drawings"])
def test_bad_values_are_ignored_silently(bad):
    at = app(**{f"t_{k}": bad for k in ("n", "lr", "start", "every", "on", "units")})
    assert shown(at) == DEFAULTS
    assert not at.exception and not at.error and not at.warning
    assert query(at) == {}  # the bad values are replaced by the (default) settings shown


def test_a_widget_change_reaches_the_address_and_back_to_default_leaves_it():
    at = app()
    at.slider(key="t_n").set_value(30)
    at.radio(key="t_start").set_value("drawing")
    run(at)
    assert query(at) == {"t_n": "30", "t_start": "drawing"}
    at.slider(key="t_n").set_value(16)
    run(at)
    assert query(at) == {"t_start": "drawing"}


def test_the_url_is_read_once_per_session():
    at = app(t_n="5")
    at.slider(key="t_n").set_value(9)
    run(at)
    assert at.slider(key="t_n").value == 9 and query(at)["t_n"] == "9"
    run(at)  # a plain rerun: the widget keeps its value, the address follows it
    assert at.slider(key="t_n").value == 9
