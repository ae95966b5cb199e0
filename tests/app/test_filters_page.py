"""AppTest checks of the filter-learning page (lessons/filters.py).

AppTest does not tick fragments, so these tests lean on the page's design: the Step and Train
buttons run a slice of training in their callbacks, and a plain rerun then shows the result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.training.negative import NEGATIVE_PHASES
from pgmviz.training.train import TrainSettings
from tests.app.helpers import query

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "filters.py")
TIMEOUT = 120  # a first run may wait for the Numba kernels to compile


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return values[0]


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def trainer(at: AppTest):
    return at.session_state["fl_trainer"]


def test_page_runs_with_the_slides_demo_by_default(at):
    assert at.title[0].value == "Filter learning"
    assert at.selectbox(key="fl_dataset").value == "mnist16_2"
    assert at.number_input(key="fl_n_hidden").value == 50
    t = trainer(at)
    assert (t.rbm.n_v, t.rbm.n_h) == (256, 50)
    assert t.step == 0
    assert any("What to notice" in e.value for e in at.info)
    # one filter picture, reconstructions, visible biases, activations
    assert len(at.get("image")) >= 4 and len(at.get("plotly_chart")) == 6
    assert not _errors(at) and not at.warning


def test_sampler_choices_come_from_the_registry(at):
    assert list(at.selectbox(key="fl_sampler").options) == [NEGATIVE_PHASES[k].label for k in NEGATIVE_PHASES]
    # CD takes k only; a persistent sampler also takes a number of chains
    assert not [w for w in at.number_input if w.key == "fl_n_chains"]
    at.selectbox(key="fl_sampler").select("pcd").run()
    assert [w for w in at.number_input if w.key == "fl_n_chains"]
    assert any("press **Reset**" in w.value for w in at.warning)


def test_step_advances_the_model_and_changes_the_weights(at):
    W0 = trainer(at).rbm.W.copy()
    at.button(key="fl_step").click().run()
    assert not at.exception, [e.value for e in at.exception]
    t = trainer(at)
    assert t.step > 0
    assert not np.allclose(t.rbm.W, W0)
    assert at.session_state["fl_running"] is False
    step1 = t.step
    at.button(key="fl_step").click().run()
    assert trainer(at).step > step1


def test_numbers_shown_match_the_trainer(at):
    at.button(key="fl_step").click().run()
    t = trainer(at)
    snap = at.session_state["fl_snap"]
    assert _metric(at, "Updates") == f"{t.step:,}"
    assert _metric(at, "Epochs") == f"{t.epoch:.1f}"
    assert _metric(at, "Reconstruction error") == f"{t.history[-1]['recon_error']:.4f}"
    assert snap.step == t.step == t.history[-1]["step"]
    np.testing.assert_array_equal(snap.rbm.W, t.rbm.W)
    ratio = np.abs(snap.dW).mean() / np.abs(snap.rbm.W).mean()
    assert _metric(at, "Update / weight size") == f"{ratio:.1e}"


def test_train_button_trains_a_slice_at_once_and_pause_stops(at):
    at.button(key="fl_train").click().run()
    assert trainer(at).step > 0
    assert at.session_state["fl_running"] is True
    at.button(key="fl_pause").click().run()
    assert at.session_state["fl_running"] is False
    step = trainer(at).step
    at.run()
    assert trainer(at).step == step


def test_trained_model_becomes_the_sessions_current_model(at):
    at.button(key="fl_step").click().run()
    name = at.session_state["current_model"]
    assert name == "Your model (mnist16_2)"
    entry = at.session_state["user_models"][name]
    assert entry["meta"]["step"] == trainer(at).step
    assert entry["meta"]["dataset"] == "mnist16_2" and entry["meta"]["sampler"] == "cd"
    np.testing.assert_array_equal(entry["rbm"].W, trainer(at).rbm.W)


def test_reset_restarts_at_step_zero(at):
    at.button(key="fl_step").click().run()
    assert trainer(at).step > 0
    at.button(key="fl_reset").click().run()
    assert trainer(at).step == 0
    assert _metric(at, "Updates") == "0"


def test_learning_rate_applies_live(at):
    at.number_input(key="fl_lr").set_value(0.02).run()
    assert trainer(at).settings.lr == pytest.approx(0.02)
    assert not at.warning  # no reset needed


def test_huge_learning_rate_diverges_and_keeps_the_model(at):
    at.number_input(key="fl_lr").set_value(1e6).run()
    at.button(key="fl_step").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = _errors(at)
    assert any("diverged" in e for e in errors), errors
    t = trainer(at)
    assert t.diverged is not None
    assert t.rbm.is_finite() and np.abs(t.rbm.W).max() <= t.settings.max_abs_weight
    assert at.button(key="fl_train").disabled and at.button(key="fl_step").disabled
    # Reset with a sane learning rate recovers
    at.number_input(key="fl_lr").set_value(0.05).run()
    at.button(key="fl_reset").click().run()
    assert trainer(at).diverged is None and not _errors(at)


def test_zero_learning_rate_is_explained_not_a_crash(at):
    at.number_input(key="fl_lr").set_value(0.0).run()
    assert not at.exception
    assert any("learning rate" in e.lower() for e in _errors(at)), _errors(at)
    assert at.button(key="fl_step").disabled
    at.number_input(key="fl_lr").set_value(0.1).run()
    assert not _errors(at)


def test_changing_the_data_set_shows_the_reset_hint_and_keeps_the_model(at):
    at.button(key="fl_step").click().run()
    step = trainer(at).step
    at.selectbox(key="fl_dataset").select("mnist").run()
    warnings = [w.value for w in at.warning]
    assert any("data set" in w and "Reset" in w for w in warnings), warnings
    assert trainer(at).step == step and trainer(at).rbm.n_v == 256  # not thrown away
    assert at.number_input(key="fl_n_hidden").value == 200  # the suggestion for 28x28 digits
    at.button(key="fl_reset").click().run()
    assert (trainer(at).rbm.n_v, trainer(at).rbm.n_h) == (784, 200)
    assert trainer(at).step == 0 and not at.warning


def test_small_model_shows_exact_log_likelihood(at):
    at.selectbox(key="fl_dataset").select("bars3").run()
    at.button(key="fl_reset").click().run()
    at.button(key="fl_step").click().run()
    assert not at.exception
    last = trainer(at).history[-1]
    assert "ll_train" in last and "ll_test" in last
    assert any(f"train {last['ll_train']:.3f}" in c.value for c in at.caption)


def test_big_model_explains_why_exact_likelihood_is_missing(at):
    assert any("Pseudo-log-likelihood only" in c.value and "2^50" in c.value for c in at.caption)


def test_tiny_models_draw_without_error(at):
    at.selectbox(key="fl_dataset").select("bars3").run()
    at.number_input(key="fl_n_hidden").set_value(1).run()
    at.number_input(key="fl_batch_size").set_value(1000).run()
    at.button(key="fl_reset").click().run()
    at.button(key="fl_step").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (trainer(at).rbm.n_v, trainer(at).rbm.n_h) == (9, 1) and trainer(at).step > 0


def test_leaving_the_page_and_coming_back_keeps_the_model_and_its_settings():
    app = AppTest.from_file(str(Path(PAGE).parents[1] / "app.py"), default_timeout=TIMEOUT).run()
    app.switch_page("lessons/filters.py").run()
    app.selectbox(key="fl_dataset").select("bars4").run()
    app.button(key="fl_reset").click().run()
    app.number_input(key="fl_lr").set_value(0.03).run()
    app.button(key="fl_step").click().run()
    step = app.session_state["fl_trainer"].step
    app.switch_page("lessons/home.py").run()
    app.switch_page("lessons/filters.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["fl_trainer"].step == step
    # the controls show the model's settings again, so no spurious "press Reset"
    assert app.selectbox(key="fl_dataset").value == "bars4"
    assert app.number_input(key="fl_lr").value == pytest.approx(0.03)
    assert not app.warning, [w.value for w in app.warning]


def test_a_link_builds_its_model_and_the_settings_go_back_to_the_address():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(fl_dataset="bars4", fl_n_hidden="12", fl_sampler="pcd", fl_k="3", fl_lr="0.05",
                            fl_momentum="0.9", fl_batch_size="1e999", fl_weight_decay="nan")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="fl_dataset").value == "bars4" and app.number_input(key="fl_n_hidden").value == 12
    assert app.number_input(key="fl_k").value == 3 and app.number_input(key="fl_lr").value == 0.05
    built = trainer(app)
    assert (built.rbm.n_v, built.rbm.n_h) == (16, 12)  # the first model is the link's
    s = built.settings
    assert (s.sampler, s.k, s.lr, s.momentum) == ("pcd", 3, 0.05, 0.9)
    assert built.settings.batch_size == TrainSettings().batch_size  # bad values: the defaults
    assert not app.warning, [w.value for w in app.warning]  # no "press Reset": the model is the settings
    assert query(app) == {"fl_dataset": "bars4", "fl_n_hidden": "12", "fl_sampler": "pcd", "fl_k": "3",
                          "fl_lr": "0.05", "fl_momentum": "0.9"}
    app.number_input(key="fl_lr").set_value(0.2).run()
    assert query(app)["fl_lr"] == "0.2"



def test_reconstruction_error_is_read_beside_the_likelihood(at):
    from pgmviz.evaluation.evaluate import curves_contrast

    at.selectbox(key="fl_dataset").select("bars3").run()
    at.button(key="fl_reset").click().run()
    for _ in range(4):
        at.button(key="fl_step").click().run()
    assert not at.exception, [e.value for e in at.exception]
    history = trainer(at).history
    c = curves_contrast(history)
    assert c.ll_key == "ll_test" and c.intervals == len(history) - 1 >= 3
    text = next(cap.value for cap in at.caption if cap.value.startswith("Reconstruction error beside"))
    assert "exact held-out log-likelihood" in text
    assert f"lowest error at update {c.recon_best_step:,}, highest likelihood at update {c.ll_best_step:,}" in text
    assert ("they disagree about when" in text) == (c.recon_best_step != c.ll_best_step)
    if c.recon_down_ll_down:
        assert f"in {c.recon_down_ll_down} of the {c.intervals} intervals" in text
    else:
        assert f"in none of the {c.intervals} intervals" in text
