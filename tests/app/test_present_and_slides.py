"""Projector mode (?present=1) and the figures-for-slides popovers, by AppTest on real lesson pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.ui.figures import FORMATS
from pgmviz.ui.present import STYLE
from tests.app.helpers import query, run

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "lessons" / "explaining_away.py")
TITLE = "Explaining away"


def page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(params)
    return run(at)


def test_normal_mode_has_the_full_title_and_a_clean_address():
    at = page()
    assert [t.value for t in at.title] == [TITLE]
    assert at.session_state["present"] is False and "present" not in query(at)


def test_present_mode_shortens_the_header_and_keeps_the_setting_in_the_address():
    at = page(present="1")
    assert not at.title and at.markdown[0].value == f"## {TITLE}"
    assert at.markdown[1].value.startswith("##### ")  # the claim stays, in full
    assert at.session_state["present"] is True and query(at)["present"] == "1"
    run(at)  # a rerun (a click) keeps it
    assert query(at)["present"] == "1" and not at.title


@pytest.mark.parametrize("bad", ["2", "yes", "nan", "1e999", "<script>"])
def test_a_bad_present_value_is_ignored(bad):
    at = page(present=bad)
    assert [t.value for t in at.title] == [TITLE] and "present" not in query(at)


def test_app_adds_the_projector_style_only_when_presenting():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    run(at)
    assert STYLE not in [h.proto.body for h in at.get("html")]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["present"] = "1"
    run(at)
    assert [h.proto.body for h in at.get("html")].count(STYLE) == 1


def test_every_chart_has_its_slides_popover_with_lazy_downloads():
    at = page()
    charts, popovers = at.get("plotly_chart"), at.get("popover")
    assert len(charts) == 7 and len([p for p in popovers if p.proto.popover.label == "Slides"]) == len(charts)
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [f.upper() for f in FORMATS] * len(charts)
    for b in buttons:
        # the file is made on click (a deferred callable), not sent with the page; a click does not rerun it
        assert b.proto.deferred_file_id and not b.proto.url and b.proto.ignore_rerun
    keys = {b.proto.id.rsplit("-", 1)[-1] for b in buttons}
    assert "ea_bars_slides_svg" in keys and len(keys) == len(buttons)
