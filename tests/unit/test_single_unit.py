"""pgmviz.nets.single_unit against exact answers: the perceptron on AND/OR/XOR, the logistic unit, XOR's conditions."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.nets import losses, mlp, single_unit

X, T_XOR = mlp.boolean_task("XOR")


@pytest.mark.parametrize("task", ["AND", "OR"])
def test_perceptron_converges_on_and_or(task):
    _, t = mlp.boolean_task(task)
    for seed in range(10):
        run = single_unit.perceptron_train(task, epochs=30, lr=1.0, rng=seed)
        assert run.converged_at is not None and run.converged_at <= 30
        k = run.converged_at
        # once all four are right the rule changes nothing any more
        assert np.all(run.errors[k:] == 0)
        np.testing.assert_array_equal(run.w[k:], np.repeat(run.w[k : k + 1], len(run.w) - k, axis=0))
        np.testing.assert_array_equal(single_unit.threshold_unit(X, run.w[-1], run.theta[-1]), t)


def test_perceptron_never_solves_xor():
    for seed in range(10):
        run = single_unit.perceptron_train("XOR", epochs=200, lr=1.0, rng=seed)
        assert run.converged_at is None
        assert run.errors.min() >= 1
        # and no recorded weights satisfy the four XOR conditions at once
        assert not any(all(c[2] for c in single_unit.xor_inequalities(*w, th)) for w, th in zip(run.w, run.theta))


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_logistic_unit_learns_and_or_but_stalls_on_xor(loss):
    for task in ("AND", "OR"):
        run = single_unit.logistic_train(task, epochs=300, lr=2.0, loss=loss, rng=0)
        assert run.converged_at is not None and run.errors[-1] == 0
        assert run.loss[-1] < 0.05
    run = single_unit.logistic_train("XOR", epochs=300, lr=2.0, loss=loss, rng=0)
    assert run.converged_at is None
    floor = np.log(2) if loss == "cross_entropy" else 0.125  # the loss at w = 0, theta = 0
    if loss == "cross_entropy":  # convex, with its minimum at w = 0, theta = 0: never below log 2
        assert run.loss.min() >= floor - 1e-9
    assert run.loss[-1] == pytest.approx(floor, abs=1e-3)


def test_xor_inequalities_never_all_hold():
    rng = np.random.default_rng(0)
    for w1, w2, theta in rng.uniform(-5, 5, (20_000, 3)):
        assert sum(c[2] for c in single_unit.xor_inequalities(w1, w2, theta)) <= 3
    # and each condition is the threshold unit's answer being right on that input
    for w1, w2, theta in rng.uniform(-2, 2, (200, 3)):
        y = single_unit.threshold_unit(X, [w1, w2], theta)
        right = dict(zip(["00", "01", "10", "11"], y == T_XOR))
        assert all(right[x] == holds for x, _, holds in single_unit.xor_inequalities(w1, w2, theta))


def test_the_slides_three_conditions_can_all_hold_and_the_00_case_rules_it_out():
    w1, w2, theta = single_unit.SLIDE_COUNTEREXAMPLE
    checks = single_unit.slide_xor_conditions(w1, w2, theta)
    assert [c[0] for c in checks] == ["10", "01", "11", "00"]
    assert [c[3] for c in checks] == [True, True, True, False]
    assert checks[2][2] == pytest.approx(1 / (1 + np.exp(2.0)))
    # with (0,0) added no weights on a grid satisfy all four (the complete argument)
    grid = np.linspace(-4, 4, 41)
    assert not any(all(c[3] for c in single_unit.slide_xor_conditions(a, b, t))
                   for a in grid for b in grid for t in np.linspace(0.01, 0.99, 25))
