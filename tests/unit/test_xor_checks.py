"""pgmviz.nets.xor_checks: the perceptron lesson's computations against exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.nets import comp_graph, mlp, single_unit, xor_checks


def test_unit_output_grid_matches_the_threshold_and_the_sigmoid():
    run = single_unit.perceptron_train("AND", 5, 1.0, 0)
    axis, O = xor_checks.unit_output_grid(run, 3, n=11)
    x1, x2 = np.meshgrid(axis, axis)
    w1, w2 = run.w[3]
    np.testing.assert_array_equal(O, (w1 * x1 + w2 * x2 >= run.theta[3]).astype(float))
    run = single_unit.logistic_train("OR", 5, 1.0, "cross_entropy", 0)
    axis, O = xor_checks.unit_output_grid(run, 5, n=7)
    assert O.shape == (7, 7) and axis[0] == mlp.GRID_RANGE[0] and axis[-1] == mlp.GRID_RANGE[1]
    w1, w2 = run.w[5]
    i, j = 2, 5  # row = x2, column = x1
    assert O[i, j] == pytest.approx(1 / (1 + np.exp(-(w1 * axis[j] + w2 * axis[i] - run.theta[5]))), rel=1e-12)


def test_xor_conditions_carry_w_dot_x():
    rows = xor_checks.xor_conditions(0.7, 1.0, -0.2)
    assert [r["input"] for r in rows] == ["00", "10", "01", "11"]
    assert [r["w·x"] for r in rows] == [0.0, 0.7, 1.0, pytest.approx(1.7)]
    assert [r["holds"] for r in rows] == [False, True, True, False]


def test_gradient_check_agrees_with_a_hand_derivative():
    """For the output bias b2 with cross-entropy, dL/db2 = o - t exactly."""
    params = mlp.init_params(2, rng=3)
    X, t = mlp.boolean_task("XOR")
    G = comp_graph.computation_graph(params, X[1], t[1], "cross_entropy", "tanh")
    check = xor_checks.gradient_check(params, G, X[1:2], t[1:2], "cross_entropy", "tanh")
    k = check["parameter"].index("b2")
    o = mlp.forward(params, X[1:2], "tanh").o[0]
    assert check["backprop"][k] == pytest.approx(o - t[1], rel=1e-12)
    assert check["numeric"][k] == pytest.approx(o - t[1], rel=1e-6)
    assert check["difference"].max() < 1e-8
    assert check["edge"][k].endswith("→ z")


def test_likelihood_identities_hold_and_have_the_right_values():
    o, t = np.array([0.9, 0.2, 0.6, 0.5]), np.array([1.0, 0.0, 1.0, 0.0])
    (n1, bern), (_, ce), (n3, gauss), (n4, se) = xor_checks.likelihood_identities(o, t)
    assert bern == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.6) + np.log(0.5)))
    assert ce == pytest.approx(bern) and se == pytest.approx(gauss)
    assert gauss == pytest.approx(0.5 * np.sum((t - o) ** 2) + 2 * np.log(2 * np.pi))
    assert n4 == "4 × squared-error loss + 2 log(2π)"
