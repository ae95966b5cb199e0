"""pgmviz.ui.urlstate without a Streamlit runtime: st.session_state and st.query_params replaced by
plain dicts that count what is written, so parsing, validation and "write only on change" are
checked directly. tests/app/test_urlstate_app.py runs the same module inside a real script run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pgmviz.ui import urlstate as url

HOSTILE = ["abc", "", " ", "1e999", "-1e999", "nan", "NaN", "inf", "9" * 5000, "-" + "9" * 5000,
           "0x10", "1,2", "None", "<script>alert(1)</script>", "2.5e", "\x00", "٣"]


class CountingParams(dict):
    """A dict that counts assignments and deletions (each is a message to the browser)."""

    writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.writes += 1
        super().__delitem__(key)


@pytest.fixture
def st(monkeypatch):
    fake = SimpleNamespace(session_state={}, query_params=CountingParams())
    monkeypatch.setattr(url, "st", fake)
    return fake


SPEC = {
    "n": url.integer(16, 1, 36),
    "lr": url.number(0.1, 0.0, 10.0),
    "start": url.choice("noise", ["noise", "data"]),
    "every": url.choice(20, [1, 5, 20, 100]),
    "on": url.flag(True),
    "units": url.subset(["v1"], ["v1", "v2", "v3"]),
}


def test_text_reads_back():
    assert [url.text(v) for v in (True, False, np.bool_(True), 3, np.int64(4), 12.0, 0.1, 1e-05, [1, 2])] == \
        ["1", "0", "1", "3", "4", "12", "0.1", "1e-05", "1,2"]
    for x in (0.1, 1 / 3, 2.5e-7, 1e300, float(np.float32(0.1))):
        assert float(url.text(x)) == x


def test_defaults_without_a_url(st):
    url.bind("p_", SPEC)
    assert st.session_state == {"p_n": 16, "p_lr": 0.1, "p_start": "noise", "p_every": 20, "p_on": True,
                                "p_units": ["v1"], "p_urlstate_read": {f"p_{k}" for k in SPEC}}


def test_valid_url_values_are_read_typed(st):
    st.query_params.update(p_n="36", p_lr="2.5", p_start="data", p_every="5", p_on="0", p_units="v3,v1")
    url.bind("p_", SPEC)
    ss = st.session_state
    assert (ss["p_n"], ss["p_lr"], ss["p_start"], ss["p_every"], ss["p_on"], ss["p_units"]) == \
        (36, 2.5, "data", 5, False, ["v3", "v1"])
    assert type(ss["p_lr"]) is float and type(ss["p_every"]) is int


@pytest.mark.parametrize("bad", HOSTILE)
def test_bad_and_hostile_values_are_ignored(st, bad):
    st.query_params.update({f"p_{name}": bad for name in SPEC})
    url.bind("p_", SPEC)
    expected = {k: s.default for k, s in SPEC.items()}
    if bad == "":
        expected["units"] = []  # the one setting for which an empty value means something: none selected
    assert {k: st.session_state[f"p_{k}"] for k in SPEC} == expected


@pytest.mark.parametrize("name, bad", [("n", "0"), ("n", "37"), ("n", "3.0"), ("n", "1e3"), ("lr", "-0.1"),
                                       ("lr", "10.5"), ("start", "Data"), ("every", "20.0"), ("every", "3"),
                                       ("on", "yes"), ("units", "v1,v1"), ("units", "v1,v4"), ("units", "v1,")])
def test_out_of_range_and_not_an_option(st, name, bad):
    st.query_params[f"p_{name}"] = bad
    url.bind("p_", SPEC)
    assert st.session_state[f"p_{name}"] == SPEC[name].default


def test_read_once_per_session_then_the_session_wins(st):
    st.query_params["p_n"] = "5"
    url.bind("p_", SPEC)
    st.session_state["p_n"] = 7  # the student moves the slider
    url.bind("p_", SPEC)  # next run: the URL still says 5 until write()
    assert st.session_state["p_n"] == 7


def test_a_page_value_is_not_overwritten_by_the_default(st):
    st.session_state["p_n"] = 30  # e.g. restored by the page after a visit elsewhere
    url.bind("p_", SPEC)
    assert st.session_state["p_n"] == 30


def test_a_url_value_beats_the_pages_own(st):
    st.session_state["p_n"] = 30
    st.query_params["p_n"] = "4"
    url.bind("p_", SPEC)
    assert st.session_state["p_n"] == 4


def test_write_changed_settings_only_and_only_own_keys(st):
    st.query_params.update(other="x", q_n="3")
    b = url.bind("p_", SPEC)
    b.write()
    assert dict(st.query_params) == {"other": "x", "q_n": "3"}  # defaults stay out of the address
    st.query_params.writes = 0
    st.session_state.update(p_n=9, p_lr=0.25, p_units=["v2", "v3"], p_on=False)
    b.write()
    assert dict(st.query_params) == {"other": "x", "q_n": "3", "p_n": "9", "p_lr": "0.25", "p_units": "v2,v3",
                                     "p_on": "0"}
    assert st.query_params.writes == 4
    b.write()
    b.write()
    assert st.query_params.writes == 4  # nothing changed: nothing sent
    st.session_state["p_n"] = 16  # back to the default: out of the address
    b.write()
    assert "p_n" not in st.query_params and st.query_params.writes == 5


def test_key_override_and_round_trip(st):
    spec = {"h1": url.integer(100, 4, 1000, key="p_h1_mnist"), "model": url.choice(None, ["A", "B"], key="cur")}
    st.query_params.update(p_h1="300", p_model="B")
    b = url.bind("p_", spec)
    assert st.session_state["p_h1_mnist"] == 300 and st.session_state["cur"] == "B"
    assert "p_h1" not in st.session_state
    st.query_params.clear()
    b.write()
    assert dict(st.query_params) == {"p_h1": "300", "p_model": "B"}  # no default: always written


def test_a_setting_without_default_and_without_value_is_left_alone(st):
    b = url.bind("p_", {"model": url.choice(None, ["A"], key="cur")})
    assert "cur" not in st.session_state
    st.query_params["p_model"] = "A"
    b.write()
    assert st.query_params == {"p_model": "A"}


def test_list_default_is_copied(st):
    url.bind("p_", SPEC)
    st.session_state["p_units"].append("v2")
    assert SPEC["units"].default == ["v1"]


def test_a_setting_set_to_none_leaves_the_address(st):
    b = url.bind("p_", {"seed": url.integer(0, 0, 9, key="last")})
    st.session_state["last"] = 3
    b.write()
    assert st.query_params == {"p_seed": "3"}
    st.session_state["last"] = None  # e.g. weights set by hand: no seed describes them
    b.write()
    assert st.query_params == {}
