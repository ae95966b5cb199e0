"""AppTest of the samplers page: it runs, the preset loads, Step advances every method, the
numbers shown are the library's, and bad settings give messages instead of exceptions.

The race is the small custom one set below (bars 4x4, 6 hidden units) except in the preset test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.training.race_settings import PRESETS
from tests.app.helpers import query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "samplers.py")
TIMEOUT = 120
SMALL = {"n_hidden": 6, "chains_pcd": 20, "chains_pa": 20, "chains_pt": 5, "temps_pt": 3, "batch_size": 10}


def page(**settings) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in settings.items():
        at.session_state["sc_" + key] = value
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest):
    return at.dataframe[0].value.set_index("method")


def test_runs_and_shows_the_claim_and_notice():
    at = ok(page(**SMALL))
    assert at.title[0].value == "Samplers compared"
    assert any("What to notice" in i.value for i in at.info)
    race = at.session_state["sc_race"]
    assert race.step_count == 0
    assert list(table(at).index) == list(race.lanes)


def test_preset_loads_and_step_advances_every_method():
    at = ok(page(**SMALL))
    at.selectbox(key="sc_preset").set_value("pa_vs_pcd")
    ok(at.button(key="sc_load").click().run())
    race = at.session_state["sc_race"]
    assert race.settings == PRESETS["pa_vs_pcd"].settings
    assert at.session_state["sc_n_hidden"] == 16 and not at.session_state["sc_use_pt"]
    ok(at.button(key="sc_step").click().run())
    race = at.session_state["sc_race"]
    assert {lane.trainer.step for lane in race.lanes.values()} == {100}
    assert at.metric[0].value == "100"
    shown = table(at)
    for key, lane in race.lanes.items():
        assert shown.loc[key, "updates"] == 100
        assert shown.loc[key, "log-likelihood now"] == pytest.approx(lane.curves["ll_train"][-1], abs=1e-3)
        assert shown.loc[key, "best so far"] == pytest.approx(max(lane.curves["ll_train"]), abs=1e-3)
        assert shown.loc[key, "ms per update"] == pytest.approx(lane.seconds_per_update * 1e3, abs=1e-3)
        assert shown.loc[key, "x CD-1"] == pytest.approx(race.relative_cost()[key], abs=0.01)
    assert shown.loc["CD-1", "x CD-1"] == 1.0
    # the chart draws the library's curves
    fig = at.get("plotly_chart")[0].proto.spec
    assert "-log 30" in fig


def test_show_button_loads_and_starts_training():
    at = ok(page(**SMALL))
    ok(at.button(key="sc_show").click().run())
    race = at.session_state["sc_race"]
    assert race.settings == PRESETS["cd_fails"].settings
    assert at.session_state["sc_running"] and race.step_count > 0
    ok(at.button(key="sc_pause").click().run())
    assert not at.session_state["sc_running"]


def test_cd_is_compared_with_the_exact_gradient_and_the_standing_is_the_librarys():
    at = ok(page(**SMALL))
    for _ in range(5):  # 500 updates: comparisons at 0 and 500
        ok(at.button(key="sc_step").click().run())
    race = at.session_state["sc_race"]
    g = race.lanes["CD-1"].gradient_curves
    assert g["step"] == [0.0, 500.0]
    # recompute the last comparison's exact part: the gradient's norm on the CD lane's model now
    from pgmviz.training import gradients

    lane = race.lanes["CD-1"]
    assert g["grad_norm"][-1] == pytest.approx(gradients.exact_gradient(lane.trainer.rbm, lane.trainer.X_train).norm)
    text = " ".join(md.value for md in at.markdown)
    assert (f"At update 500: cos(E[CD-1 update], exact gradient) = **{g['cd_cos'][-1]:.2f}**, "
            f"|E[CD-1 update]| = **{g['cd_norm'][-1]:.3g}**, |exact gradient| = **{g['grad_norm'][-1]:.3g}**.") in text
    assert "follows the same gradient" not in " ".join(md.value for md in at.markdown)
    from pgmviz.training.race_readout import standings

    for s in standings(race):
        assert f"**{s.key}** {s.now:.2f}" in text
        if s.fallen > 0.05:
            assert f"down {s.fallen:.2f} from its best, {s.best:.2f} at update {s.best_step:,}" in text
    assert len([c for c in at.get("plotly_chart") if "cosine" in c.proto.spec]) == 1


def test_particles_of_every_method_are_drawn():
    at = ok(page(**SMALL))
    ok(at.button(key="sc_step").click().run())
    assert len(at.get("image")) == len(at.session_state["sc_race"].lanes)


def test_bad_settings_give_messages_not_exceptions():
    at = ok(page(**SMALL))
    at.session_state["sc_lr"] = 0.0
    ok(at.button(key="sc_reset").click().run())
    assert any("cannot start a race" in e.value for e in at.error)
    at.session_state["sc_lr"] = 1000.0
    ok(at.button(key="sc_reset").click().run())
    ok(at.button(key="sc_step").click().run())
    messages = [e.value for e in at.error] + [w.value for w in at.warning]
    race = at.session_state["sc_race"]
    for key in race.lanes:  # every method says what went wrong with it
        assert any(key in m and ("diverged" in m or "learning rate" in m) for m in messages), (key, messages)
    for unit in ("use_cd", "use_pcd", "use_pa", "use_pt"):
        at.session_state["sc_" + unit] = False
    ok(at.button(key="sc_reset").click().run())
    assert any("at least one method" in e.value for e in at.error)


def test_a_link_sets_up_the_race_and_changes_go_back_to_the_address():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params.update(sc_n_hidden="6", sc_use_pt="0", sc_use_pa="0", sc_chains_pcd="20", sc_k_cd="3",
                           sc_lr="0.07", sc_preset="pa_vs_pcd", sc_batch_size="huge", sc_seed="99999")
    ok(at.run())
    assert at.number_input(key="sc_n_hidden").value == 6 and at.number_input(key="sc_k_cd").value == 3
    assert at.checkbox(key="sc_use_pt").value is False and at.selectbox(key="sc_preset").value == "pa_vs_pcd"
    race = at.session_state["sc_race"]  # the first race is the link's
    assert race.settings.n_hidden == 6 and race.settings.lr == 0.07
    assert [(m.sampler, m.k) for m in race.settings.methods] == [("cd", 3), ("pcd", 1)]
    assert race.settings.seed == PRESETS["cd_fails"].settings.seed  # 99999 is out of range: ignored
    assert query(at) == {
        "sc_n_hidden": "6", "sc_use_pt": "0", "sc_use_pa": "0", "sc_chains_pcd": "20", "sc_k_cd": "3",
        "sc_lr": "0.07", "sc_preset": "pa_vs_pcd"}
    at.number_input(key="sc_seed").set_value(7)
    ok(at.run())
    assert query(at)["sc_seed"] == "7"
