"""AppTest of the perceptron page (lessons/perceptron.py): it runs, switching the task or the unit
changes the outcome shown, and the numbers shown are the library's (pgmviz.nets.mlp) for the settings
the widgets show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.nets import comp_graph, losses, mlp, single_unit
from tests.app.helpers import query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "perceptron.py")
UNIT_EPOCHS = {"perceptron": 30, "logistic": 300}


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert_ok(app)
    return app


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


# AppTest does not expose a dataframe's key: tables are told apart by their first column.
FIRST_COLUMN = {"pc_xor_checks": "", "pc_slide_checks": "input x₁x₂", "pc_net_outputs": "x₁x₂", "pc_grads": "parameter",
                "pc_lik": "quantity"}


def table(at: AppTest, key: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if list(d.value.columns)[0] == FIRST_COLUMN[key]]
    assert len(found) == 1, key
    return found[0]


def outcome(at: AppTest) -> str:
    """The section-1 verdict: the success or warning box that speaks of the unit's line."""
    boxes = [b.value for b in list(at.success) + list(at.warning) if "side of the line" in b.value]
    assert len(boxes) == 1, boxes
    return boxes[0]


def unit_settings(at: AppTest) -> tuple:
    rule = at.radio(key="pc_rule").value
    return (rule, at.segmented_control(key="pc_task").value, float(at.select_slider(key="pc_unit_lr").value),
            at.selectbox(key="pc_unit_loss").value, int(at.number_input(key="pc_unit_seed").value))


def test_runs_with_claim_and_notice(at):
    assert at.title[0].value == "From perceptrons to backprop"
    assert any("What to notice" in i.value for i in at.info)
    assert at.segmented_control(key="pc_task").value == "AND"
    assert "AND learned" in outcome(at)


def test_switching_task_changes_the_outcome(at):
    assert "AND learned" in outcome(at)
    at.segmented_control(key="pc_task").set_value("XOR").run()
    assert_ok(at)
    assert "XOR not learned" in outcome(at)
    assert metrics(at, "Inputs misclassified")[0] != "0 of 4"
    at.segmented_control(key="pc_task").set_value("OR").run()
    assert "OR learned" in outcome(at)
    assert metrics(at, "Inputs misclassified")[0] == "0 of 4"
    # the logistic unit on XOR: the loss stalls at log 2
    at.segmented_control(key="pc_task").set_value("XOR").run()
    at.radio(key="pc_rule").set_value("logistic").run()
    assert_ok(at)
    assert "XOR not learned" in outcome(at) and "levels off at 0.6931" in outcome(at)
    assert metrics(at, "Loss (cross-entropy)")[0] == "0.6931"


@pytest.mark.parametrize("rule", ["perceptron", "logistic"])
def test_unit_numbers_are_the_librarys(at, rule):
    at.radio(key="pc_rule").set_value(rule).run()
    at.session_state["pc_unit_pos"] = 3  # step to a frame in the middle of training
    at.run()
    assert_ok(at)
    rule_, task, lr, loss, seed = unit_settings(at)
    run = (single_unit.perceptron_train(task, UNIT_EPOCHS[rule], lr, seed) if rule == "perceptron"
           else single_unit.logistic_train(task, UNIT_EPOCHS[rule], lr, loss, seed))
    frames = np.unique(np.linspace(0, UNIT_EPOCHS[rule], min(UNIT_EPOCHS[rule] + 1, 61)).round().astype(int))
    k = int(frames[3])
    assert metrics(at, "Epoch")[0] == str(k)
    assert metrics(at, "w1")[0] == f"{run.w[k, 0]:+.3f}"
    assert metrics(at, "w2")[0] == f"{run.w[k, 1]:+.3f}"
    assert metrics(at, "θ (threshold)")[0] == f"{run.theta[k]:+.3f}"
    assert metrics(at, "Inputs misclassified")[0] == f"{run.errors[k]} of 4"
    if rule == "logistic":
        assert metrics(at, "Loss (cross-entropy)")[0] == f"{run.loss[k]:.4f}"
    assert f"from epoch {run.converged_at} on" in outcome(at)


def test_the_slides_incomplete_proof_is_shown_with_its_counterexample(at):
    w1, w2, theta = single_unit.SLIDE_COUNTEREXAMPLE
    expected = single_unit.slide_xor_conditions(w1, w2, theta)
    df = table(at, "pc_slide_checks")
    assert list(df["input x₁x₂"]) == [c[0] for c in expected]
    assert list(df["σ(w·x)"]) == pytest.approx([c[2] for c in expected])
    assert list(df["holds"]) == ["yes" if c[3] else "NO" for c in expected]
    note = next(md.value for md in at.markdown if md.value.startswith("**A note on the lecture's version.**"))
    assert f"satisfies {sum(c[3] for c in expected[:3])} of the three" in note
    assert f"σ(0) = {expected[3][2]:g} < θ, which {'holds' if expected[3][3] else 'fails'}" in note


def test_xor_conditions_table(at):
    at.slider(key="pc_q_w1").set_value(0.7).run()
    at.slider(key="pc_q_theta").set_value(-0.2).run()
    df = table(at, "pc_xor_checks")
    expected = single_unit.xor_inequalities(0.7, 1.0, -0.2)
    assert list(df["x₁x₂"]) == [c[0] for c in expected]
    assert list(df["holds"]) == ["yes" if c[2] else "NO" for c in expected]
    assert metrics(at, "Conditions satisfied")[0] == f"{sum(c[2] for c in expected)} of 4"


def net_settings(at: AppTest) -> mlp.MLPSettings:
    return mlp.MLPSettings(
        task=at.segmented_control(key="pc_net_task").value, n_hidden=int(at.select_slider(key="pc_n_hidden").value),
        act=at.selectbox(key="pc_act").value, loss=at.selectbox(key="pc_net_loss").value,
        lr=float(at.select_slider(key="pc_net_lr").value), epochs=int(at.select_slider(key="pc_net_epochs").value),
        seed=int(at.number_input(key="pc_net_seed").value), n_snapshots=61)


def test_network_numbers_and_graph_are_the_librarys(at):
    s = net_settings(at)
    run = mlp.train_mlp(s)
    assert any("XOR learned** by the 2-2-1 network" in b.value and f"epoch {run.solved_at} on" in b.value
               for b in at.success)
    assert metrics(at, "Loss (cross-entropy)")[-1] == f"{run.loss[-1]:.4f}"
    X, t = mlp.boolean_task("XOR")
    out = table(at, "pc_net_outputs")
    np.testing.assert_allclose(out["o(x)"], mlp.forward(run.final, X, s.act).o, rtol=1e-12)
    assert list(out["right side of 0.5?"]) == ["yes"] * 4

    # the computation graph's table, at the chosen epoch and input
    at.segmented_control(key="pc_g_input").set_value("10").run()
    epoch = int(run.snapshot_epochs[5])
    at.select_slider(key="pc_g_epoch").set_value(epoch).run()
    assert_ok(at)
    params = run.snapshot(epoch)
    grads = table(at, "pc_grads")
    x1, t1 = X[2:3], t[2:3]
    _, g = mlp.loss_and_gradient(params, x1, t1, s.loss, s.act)
    assert list(grads["parameter"]) == params.names()
    np.testing.assert_allclose(grads["value"], params.flat(), rtol=1e-12)
    np.testing.assert_allclose(grads["∂L/∂w by backprop"], g.flat(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["∂L/∂w by finite differences"],
                               mlp.numerical_gradient(params, x1, t1, s.loss, s.act))
    assert float(metrics(at, "Largest |backprop − finite difference|")[0]) < 1e-6
    G = comp_graph.computation_graph(params, X[2], t[2], s.loss, s.act)
    assert metrics(at, "Loss on this example")[0] == f"{G.loss:.6f}"
    assert f"L = {G.loss:.4f}" in " ".join(m.value for m in at.markdown)
    dot = at.get("graphviz_chart")[0].proto.spec
    for e in G.edges:  # every edge of the drawing carries its gradient
        assert f'"{e.src}" -> "{e.dst}"' in dot


def test_switching_the_network_changes_it(at):
    at.selectbox(key="pc_net_loss").set_value("squared").run()
    at.select_slider(key="pc_n_hidden").set_value(3).run()
    assert_ok(at)
    s = net_settings(at)
    assert s.loss == "squared" and s.n_hidden == 3
    run = mlp.train_mlp(s)
    assert metrics(at, "Loss (squared error)")[-1] == f"{run.loss[-1]:.4f}"
    assert len(table(at, "pc_grads")) == 13


def test_likelihood_checks(at):
    at.slider(key="pc_lk_y").set_value(0.3).run()
    at.slider(key="pc_lk_f").set_value(-0.5).run()
    at.slider(key="pc_lk_sigma").set_value(1.2).run()
    at.radio(key="pc_lk_t").set_value(0).run()
    at.slider(key="pc_lk_o").set_value(0.3).run()
    expected_g = float(losses.gaussian_nll_as_squared_error(0.3, -0.5, 1.2))
    assert metrics(at, "−log N(y; f, σ²) from the density")[0] == f"{expected_g:.6f}"
    assert metrics(at, "(y−f)²/(2σ²) + ½log(2πσ²)")[0] == f"{expected_g:.6f}"
    expected_b = -np.log(0.7)
    assert metrics(at, "−log Bern(t; o) from the pmf")[0] == f"{expected_b:.6f}"
    assert metrics(at, "−[t log o + (1−t) log(1−o)]")[0] == f"{expected_b:.6f}"
    lik = table(at, "pc_lik")["value"].to_numpy()
    assert lik[0] == pytest.approx(lik[1], rel=1e-10) and lik[2] == pytest.approx(lik[3], rel=1e-10)


def test_a_link_sets_the_controls_and_changes_go_back_to_the_address():
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update(pc_task="XOR", pc_rule="logistic", pc_net_seed="3", pc_n_hidden="3", pc_lk_o="0.3",
                            pc_unit_lr="0.3", pc_act="relu", pc_g_input="11")
    app.run()
    assert_ok(app)
    assert unit_settings(app)[:3] == ("logistic", "XOR", 1.0)  # 0.3 is not one of the learning rates
    assert net_settings(app).seed == 3 and net_settings(app).n_hidden == 3 and net_settings(app).act == "tanh"
    assert app.slider(key="pc_lk_o").value == 0.3 and app.segmented_control(key="pc_g_input").value == "11"
    assert query(app) == {"pc_task": "XOR", "pc_rule": "logistic", "pc_net_seed": "3", "pc_n_hidden": "3",
                          "pc_lk_o": "0.3", "pc_g_input": "11"}
    app.segmented_control(key="pc_net_task").set_value("OR").run()
    assert query(app)["pc_net_task"] == "OR"


def test_settings_survive_visiting_another_page():
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    app.switch_page("lessons/perceptron.py").run()
    app.number_input(key="pc_net_seed").set_value(5).run()
    app.switch_page("lessons/home.py").run()
    app.switch_page("lessons/perceptron.py").run()
    assert_ok(app)
    assert app.number_input(key="pc_net_seed").value == 5
