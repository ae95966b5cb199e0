"""Predict, then reveal (pgmviz.ui.predict) by AppTest: off by default and the page unchanged; with
questions on, the answer and the parts that give it away stay hidden until a guess is committed, the
revealed value is the library's, *Ask again* hides it again, and the switch round-trips through the URL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.closeness import judge_number
from pgmviz.inference import explaining_away
from pgmviz.ui import predict
from tests.app.helpers import query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "explaining_away.py")
GIVE_AWAY = "p(truck = 1 | jump, quake = 1)"


def fmt(p: float) -> str:  # explaining_away's format, restated
    return f"{p:.5f}" if p >= 1e-3 or p == 0 else f"{p:.3e}"


def verdicts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.success, *at.info, *at.warning) if e.value.startswith("You said")]


def script() -> None:
    """A question of each kind, with answers the test sets through session state."""
    import streamlit as st

    from pgmviz.ui import predict

    predict.switch()
    answer = st.session_state.get("t_answer", 0.25)
    q = predict.ask("t_num", "How much?", predict.Number(0.0, 1.0, 0.05), answer=answer,
                    about=st.session_state.get("t_about"))
    if q.reveals("the number"):
        st.metric("the answer", f"{answer:.3g}")
    c = predict.ask("t_choice", "Which way?", predict.Choice(["up", "down"]))
    if c.reveals():
        st.markdown("It goes down.")
    c.reveal("down")


def app(**params: str) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params.update(params)
    return run(at)


def test_off_by_default_everything_is_shown_and_nothing_asked():
    at = app()
    assert at.toggle(key=predict.WIDGET).value is False
    assert [m.value for m in at.metric] == ["0.25"] and at.markdown[-1].value == "It goes down."
    assert not any("Predict, then reveal" in m.value for m in at.markdown)
    assert not at.caption and not verdicts(at) and query(at) == {}


def test_a_number_is_hidden_until_committed_then_judged():
    at = app(questions="1")
    assert not at.metric and not verdicts(at)
    assert any(predict.HIDDEN in c.value for c in at.caption)
    at.slider(key="t_num__guess").set_value(0.4)
    at.button(key="t_num__commit").click()
    run(at)
    assert [m.value for m in at.metric] == ["0.25"]
    assert verdicts(at) == [judge_number(0.4, 0.25, 0.0, 1.0).text]
    assert at.markdown[-1].value != "It goes down."  # the other question is still open
    at.button(key="t_num__again").click()
    run(at)
    assert not at.metric and not verdicts(at)


def test_a_choice_needs_one_then_says_right_or_wrong():
    at = app(questions="1")
    assert at.button(key="t_choice__commit").disabled
    at.radio(key="t_choice__guess").set_value("up")
    run(at)
    assert not at.button(key="t_choice__commit").disabled
    at.button(key="t_choice__commit").click()
    run(at)
    assert verdicts(at) == ["You said *up*; it is *down*: wrong."]
    assert at.markdown[-1].value == "It goes down."


def test_new_settings_ask_again():
    at = app(questions="1")
    at.button(key="t_num__commit").click()
    run(at)
    assert at.metric
    at.session_state["t_about"] = "other settings"
    run(at)
    assert not at.metric and at.button(key="t_num__commit")


def test_no_finite_answer_is_a_message_not_a_crash():
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["questions"] = "1"
    at.session_state["t_answer"] = float("nan")
    run(at)
    at.button(key="t_num__commit").click()
    run(at)
    assert any("no finite answer" in w.value for w in at.warning) and not verdicts(at)


def test_the_switch_round_trips_through_the_url():
    at = app()
    at.toggle(key=predict.WIDGET).set_value(True)
    run(at)
    assert query(at) == {"questions": "1"} and at.button(key="t_num__commit")
    at.toggle(key=predict.WIDGET).set_value(False)
    run(at)
    assert query(at) == {} and not at.caption
    on = app(questions="1")
    assert on.toggle(key=predict.WIDGET).value is True and query(on) == {"questions": "1"}
    for bad in ("yes", "2", ""):
        assert app(questions=bad).toggle(key=predict.WIDGET).value is False


def page_without_the_toggle_sometimes() -> None:
    import streamlit as st

    from pgmviz.ui import predict

    if not st.session_state.get("t_home"):  # a run of a page with no lesson_header (the home page)
        predict.switch()
    st.markdown(f"on: {predict.enabled()}")


def test_the_switch_survives_a_page_without_the_toggle():
    at = AppTest.from_function(page_without_the_toggle_sometimes, default_timeout=30)
    at.query_params["questions"] = "1"
    run(at)
    at.session_state["t_home"] = True
    run(at)
    assert not at.toggle and at.markdown[0].value == "on: True"
    at.session_state["t_home"] = False
    run(at)
    assert at.toggle(key=predict.WIDGET).value is True


def test_a_ratio_slider_offers_a_1_2_5_grid_within_its_range():
    assert predict.Number(0.5, 100.0, ratio=True).grid() == [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    grid = predict.Number(1e-8, 1.0, ratio=True).grid()
    assert grid[0] == 1e-8 and grid[-1] == 1.0 and len(grid) == 25


# --- on a lesson page ------------------------------------------------------------------------------
@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["questions"] = "1"
    return run(at)


def test_explaining_away_hides_the_explained_truck_until_committed(page):
    assert GIVE_AWAY not in [m.label for m in page.metric] and not verdicts(page)
    notice = next(i.value for i in page.info if "What to notice" in i.value)
    lec = explaining_away.explaining_away(explaining_away.explaining_away_net(), 1)
    assert fmt(lec.p_truck_given_quake) not in notice
    page.select_slider(key="ea_q_quake__guess").set_value(0.5)
    page.button(key="ea_q_quake__commit").click()
    run(page)
    shown = next(m.value for m in page.metric if m.label == GIVE_AWAY)
    assert shown == fmt(lec.p_truck_given_quake)
    (text,) = verdicts(page)
    assert text == judge_number(0.5, lec.p_truck_given_quake, 1e-8, 1.0, ratio=True, fmt=fmt).text
    assert f"it is {shown}" in text and "far off" in text
    assert query(page) == {"questions": "1"}


def test_explaining_away_unchanged_with_questions_off():
    on, off = AppTest.from_file(PAGE, default_timeout=120), AppTest.from_file(PAGE, default_timeout=120)
    on.query_params["questions"] = "1"
    run(on), run(off)
    on.select_slider(key="ea_q_quake__guess").set_value(0.5)
    on.button(key="ea_q_quake__commit").click()
    run(on)
    # committed, the page shows what it shows with questions off, plus the question's box
    assert [(m.label, m.value) for m in on.metric] == [(m.label, m.value) for m in off.metric]
    assert not any("Predict, then reveal" in m.value for m in off.markdown) and not off.caption
    assert np.isfinite(float(next(m.value for m in off.metric if m.label == GIVE_AWAY)))


# --- every lesson asks one question -----------------------------------------------------------------
LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def lesson(name: str, timeout: int = 300) -> AppTest:
    at = AppTest.from_file(str(LESSONS / f"{name}.py"), default_timeout=timeout)
    at.query_params["questions"] = "1"
    return run(at)


def guess_widget(at: AppTest, key: str):
    for kind in ("radio", "selectbox", "slider", "select_slider"):
        try:
            return getattr(at, kind)(key=key + "__guess")
        except KeyError:
            continue
    raise AssertionError(f"no guess widget for {key}")


def commit(at: AppTest, key: str, guess=None) -> str | None:
    """Answer question ``key`` (the first option, or ``guess``), commit, and return the verdict (None: pending)."""
    w = guess_widget(at, key)
    if guess is not None or hasattr(w, "options") and w.value is None:
        w.set_value(guess if guess is not None else w.options[0])
        run(at)
    at.button(key=key + "__commit").click()
    run(at)
    assert not any(predict.HIDDEN in c.value for c in at.caption), "still hidden after the commit"
    texts = verdicts(at)
    assert len(texts) <= 1
    return texts[0] if texts else None


def hidden(at: AppTest, key: str) -> None:
    assert at.button(key=key + "__commit") and not verdicts(at)
    assert any(predict.HIDDEN in c.value for c in at.caption)


def said_answer(text: str) -> str:
    """The answer a verdict states: 'You said X; it is Y: ...' -> Y (without the markdown stars)."""
    return text.split("; it is ", 1)[1].split(":", 1)[0].strip("*")


def metric_value(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.strip() == label)


def test_energy_asks_the_most_probable_v():
    at = lesson("energy")
    hidden(at, "en_q_mode")
    # the marginal is a plain st.table (small, read-only), the joint a data grid: look in both
    assert not any("Σ_h p(v,h)" in d.value.columns for d in (*at.dataframe, *at.table))
    text = commit(at, "en_q_mode")
    table = next(d.value for d in (*at.dataframe, *at.table) if "Σ_h p(v,h)" in d.value.columns)
    assert said_answer(text) == table["v"][int(np.argmax(table["Σ_h p(v,h)"]))]


def test_perceptron_asks_how_many_inputs_stay_wrong():
    at = lesson("perceptron")
    hidden(at, "pc_q_wrong")
    assert not any("side of the line" in e.value for e in (*at.success, *at.warning))  # section 1's verdict
    text = commit(at, "pc_q_wrong", "1")
    wrong = said_answer(text)
    if wrong == "0":
        assert any("learned**: all four inputs" in s.value for s in at.success)
    else:
        assert any(f"at least {wrong} of the four inputs" in w.value for w in at.warning)


def test_reconstructions_asks_the_worst_class():
    at = lesson("reconstructions")
    hidden(at, "rc_q_worst")
    assert not any("per ink pixel" in d.value.columns for d in at.dataframe)
    text = commit(at, "rc_q_worst", "2")
    table = next(d.value for d in at.dataframe if "per ink pixel" in d.value.columns)
    assert said_answer(text) == str(table["class"][int(np.argmax(table["per ink pixel"]))])
    assert text.endswith("wrong.") != (said_answer(text) == "2")


def test_infinite_net_asks_the_tv_after_k_levels():
    at = lesson("infinite_net")
    hidden(at, "in_q_tv")
    assert not any(m.label.startswith("TV( p after K") for m in at.metric)
    text = commit(at, "in_q_tv")
    shown = next(m.value for m in at.metric if m.label.startswith("TV( p after K"))
    assert said_answer(text) == shown


@pytest.mark.slow
def test_generate_asks_the_held_out_error():
    at = lesson("generate")
    hidden(at, "gr_q_err")
    text = commit(at, "gr_q_err")
    assert said_answer(text) == f"{float(metric_value(at, 'held-out error, this net').rstrip('%')):.1f}%"


def test_fantasy_asks_whose_fantasies_spread_widest():
    from pgmviz.ui.models import pretrained_models

    at = lesson("fantasy")
    hidden(at, "fc_q_spread")
    assert not any(m.label.startswith("classes the reader sees") for m in at.metric)
    text = commit(at, "fc_q_spread")
    models = pretrained_models()
    compared = {"CD-1": "MNIST 784x500 CD-1", "PCD-1": "MNIST 784x500 PCD-1", "PA-1": "MNIST 784x500 PA-1"}
    bits = {k: models[t]["meta"]["fantasy"]["entropy_bits"] for k, t in compared.items()}
    assert said_answer(text) == max(bits, key=bits.get)
    shown = [float(m.value.split()[0]) for m in at.metric if m.label.startswith("classes the reader sees")]
    assert shown == [round(b, 2) for b in bits.values()]


@pytest.mark.slow
def test_evaluate_asks_whether_reconstruction_and_likelihood_agree():
    at = lesson("evaluate")
    hidden(at, "ev_q_same")
    text = commit(at, "ev_q_same")
    verdict = next(m.value for m in at.markdown if "reconstructs" in m.value and "best" in m.value
                   and "Predict" not in m.value)
    assert (said_answer(text) == "no, another one") == ("is not the one with the best likelihood" in verdict)


@pytest.mark.slow
def test_greedy_asks_how_often_the_pcd_bound_falls():
    at = lesson("greedy")
    hidden(at, "gs_q_falls")
    assert not any(m.label == "bound falls (PCD)" for m in at.metric)
    text = commit(at, "gs_q_falls")
    assert f"at {said_answer(text)} of" in metric_value(at, "bound falls (PCD)")


@pytest.mark.slow
def test_autoencoder_asks_its_error_against_pca():
    at = lesson("autoencoder")
    hidden(at, "ae_q_ratio")
    text = commit(at, "ae_q_ratio")
    assert said_answer(text) == metric_value(at, "autoencoder / PCA")


@pytest.mark.slow
def test_finetune_asks_how_far_the_weights_move():
    at = lesson("finetune")
    hidden(at, "ftn_q_change")
    assert not any(m.label == "first-layer weights changed by" for m in at.metric)
    text = commit(at, "ftn_q_change")
    shown = float(metric_value(at, "first-layer weights changed by").rstrip("%"))
    assert float(said_answer(text).rstrip("%")) == pytest.approx(shown, abs=0.051)


@pytest.mark.slow
def test_vae_asks_whether_its_bound_beats_the_rbm():
    at = lesson("vae")
    hidden(at, "vae_q_nats")
    text = commit(at, "vae_q_nats")
    table = next(d.value for d in at.dataframe if "nats per digit" in d.value.columns)
    elbo = float(table["nats per digit"][table["model"].str.contains("ELBO")].iloc[0])
    rbm = float(table["nats per digit"][table["model"].str.startswith("RBM") & table["how"].str.startswith("exact")]
                .iloc[0])
    assert (said_answer(text) == "the RBM") == (rbm > elbo)


@pytest.mark.slow
def test_filters_answer_waits_for_a_run_then_reads_its_curves():
    from pgmviz.evaluation.evaluate import curves_contrast

    at = lesson("filters")
    hidden(at, "fl_q_best")
    assert commit(at, "fl_q_best") is None  # committed before training: the run has not answered yet
    assert any("hourglass" in c.value for c in at.caption)
    for _ in range(3):
        at.button(key="fl_step").click().run()
    text = verdicts(at)[0]
    c = curves_contrast(at.session_state["fl_trainer"].history)
    same = c.recon_best_step == c.ll_best_step
    assert said_answer(text) == ("at the same update" if same else "at different updates")


@pytest.mark.slow
def test_samplers_answer_is_the_race_standing():
    from pgmviz.training.race_readout import standings

    at = AppTest.from_file(str(LESSONS / "samplers.py"), default_timeout=300)
    at.query_params["questions"] = "1"
    small = {"n_hidden": 6, "chains_pcd": 20, "chains_pa": 20, "chains_pt": 5, "temps_pt": 3, "batch_size": 10}
    for key, value in small.items():  # the small race of test_samplers_page
        at.session_state["sc_" + key] = value
    run(at)
    hidden(at, "sc_q_top")
    assert not at.dataframe
    assert commit(at, "sc_q_top") is None  # nothing trained yet: the answer waits for the race
    at.button(key="sc_step").click().run()
    (text,) = verdicts(at)
    assert said_answer(text) == max(standings(at.session_state["sc_race"]), key=lambda s: s.now).key
    assert "Highest now: " + said_answer(text) in " ".join(m.value for m in at.markdown)


# --- the newer lessons ------------------------------------------------------------------------------
@pytest.mark.slow
def test_dbm_answer_is_the_pair_ahead_after_training():
    at = lesson("dbm")
    hidden(at, "dbm_q_ahead")
    assert commit(at, "dbm_q_ahead") is None  # nothing trained yet
    at.button(key="dbm_step").click().run()
    (text,) = verdicts(at)
    sentence = next(m.value for m in at.markdown if m.value.startswith("After ") and "is ahead by" in m.value)
    assert f"the **{said_answer(text)}** is ahead" in sentence


@pytest.mark.slow
def test_full_bm_answer_is_the_machine_ahead_after_training():
    at = lesson("full_bm")
    hidden(at, "fb_q_ahead")
    assert commit(at, "fb_q_ahead") is None
    at.button(key="fb_step").click().run()
    (text,) = verdicts(at)
    ll_bm, ll_rbm = (float(metric_value(at, label)) for label in ("full BM: exact log p(v)", "RBM: exact log p(v)"))
    assert (said_answer(text) == "the RBM") == (ll_rbm > ll_bm) or ll_rbm == ll_bm


def test_crf_asks_what_the_transitions_are_worth():
    at = lesson("crf_hybrid")
    hidden(at, "crf_q_gain")
    assert not any(m.label.endswith("accuracy") and m.label.startswith("true model") for m in at.metric)
    text = commit(at, "crf_q_gain")
    alone, hmm = (float(metric_value(at, f"true model{w}: accuracy").rstrip("%"))
                  for w in (", one position at a time", " with the transitions"))
    assert float(said_answer(text).split()[0]) == pytest.approx(hmm - alone, abs=0.11)


@pytest.mark.slow
def test_completion_asks_whether_sampling_beats_mean_field():
    at = lesson("completion")
    hidden(at, "cp_q_closer")
    text = commit(at, "cp_q_closer")
    sentence = next(m.value for m in at.markdown if m.value.startswith("After ") and "factorial answer" in m.value)
    assert (said_answer(text) == "closer than mean field") == (", closer than mean field" in sentence)
