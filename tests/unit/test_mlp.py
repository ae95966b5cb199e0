"""pgmviz.nets.mlp against exact answers: backprop vs central finite differences, the perceptron's
convergence on AND/OR and failure on XOR, XOR solved by a hidden layer, the likelihood readings
of both losses, and the computation graph agreeing with the batch backward pass."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pgmviz.nets import mlp

X, T_XOR = mlp.boolean_task("XOR")


@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
@pytest.mark.parametrize("n_hidden", [2, 3])
def test_backprop_matches_central_differences(loss, act, n_hidden):
    for seed in range(3):
        params = mlp.init_params(n_hidden, rng=seed, scale=1.5)
        for task in ("XOR", "AND"):
            Xt, t = mlp.boolean_task(task)
            L, grads = mlp.loss_and_gradient(params, Xt, t, loss, act)
            numeric = mlp.numerical_gradient(params, Xt, t, loss, act, eps=1e-5)
            assert grads.flat().shape == numeric.shape == (4 * n_hidden + 1,)
            np.testing.assert_allclose(grads.flat(), numeric, atol=1e-6, rtol=0)
            # and one example at a time
            for n in range(4):
                _, g1 = mlp.loss_and_gradient(params, Xt[n : n + 1], t[n : n + 1], loss, act)
                num1 = mlp.numerical_gradient(params, Xt[n : n + 1], t[n : n + 1], loss, act)
                np.testing.assert_allclose(g1.flat(), num1, atol=1e-6, rtol=0)


def test_flat_round_trip_and_names():
    p = mlp.init_params(3, rng=1)
    q = mlp.MLPParams.from_flat(p.flat(), 3)
    np.testing.assert_array_equal(q.flat(), p.flat())
    assert len(p.names()) == p.flat().size == 13
    assert p.names()[:3] == ["W1[1,1]", "W1[1,2]", "W1[1,3]"] and p.names()[-1] == "b2"


@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
def test_computation_graph_carries_the_backward_pass(loss, act):
    params = mlp.init_params(3, rng=2)
    for n in range(4):
        G = mlp.computation_graph(params, X[n], T_XOR[n], loss, act)
        fwd = mlp.forward(params, X[n : n + 1], act)
        _, g = mlp.loss_and_gradient(params, X[n : n + 1], T_XOR[n : n + 1], loss, act)
        # every parameter is exactly one edge, with the backprop gradient on it
        assert sorted(e.param for e in G.edges if e.param) == sorted(params.names())
        np.testing.assert_allclose(G.param_grads(params), g.flat(), atol=1e-15)
        np.testing.assert_allclose(G.param_grads(params),
                                   mlp.numerical_gradient(params, X[n : n + 1], T_XOR[n : n + 1], loss, act),
                                   atol=1e-6)
        # forward values on the nodes
        assert G.node("o").value == pytest.approx(fwd.o[0])
        assert G.node("z").value == pytest.approx(fwd.z[0])
        for j in range(3):
            assert G.node(f"a{j + 1}").value == pytest.approx(fwd.a[0, j])
            assert G.node(f"h{j + 1}").value == pytest.approx(fwd.h[0, j])
        assert G.loss == pytest.approx(mlp.loss_value(loss, fwd.z, T_XOR[n : n + 1]))
        # the chain rule node by node: a node's gradient is the sum of what its out-edges pass back
        for node in G.nodes:
            if node.kind in ("input", "sum", "act"):
                back = sum(e.back for e in G.edges if e.src == node.name)
                assert node.grad == pytest.approx(back, abs=1e-12), node.name
        # a weighted edge's gradient is (value at its tail) x (gradient at its head)
        for e in G.edges:
            if e.param:
                assert e.param_grad == pytest.approx(G.node(e.src).value * G.node(e.dst).grad, abs=1e-12)


def test_xor_solved_by_two_hidden_units():
    run = mlp.train_mlp(mlp.MLPSettings(task="XOR", n_hidden=2, act="tanh", loss="cross_entropy",
                                        lr=1.0, epochs=600, seed=0))
    o = mlp.forward(run.final, X, "tanh").o
    assert np.all((o >= 0.5) == (T_XOR == 1)), o
    assert run.errors[-1] == 0 and run.solved_at is not None
    assert run.loss[-1] < 0.05 < run.loss[0]
    assert np.all(np.diff(run.loss) <= 1e-12)  # small-step gradient descent on this run never goes up
    # the same seed gives the same run
    again = mlp.train_mlp(mlp.MLPSettings(task="XOR", n_hidden=2, act="tanh", loss="cross_entropy",
                                          lr=1.0, epochs=600, seed=0))
    np.testing.assert_array_equal(again.loss, run.loss)


@pytest.mark.parametrize("task", ["AND", "OR"])
def test_perceptron_converges_on_and_or(task):
    _, t = mlp.boolean_task(task)
    for seed in range(10):
        run = mlp.perceptron_train(task, epochs=30, lr=1.0, rng=seed)
        assert run.converged_at is not None and run.converged_at <= 30
        k = run.converged_at
        # once all four are right the rule changes nothing any more
        assert np.all(run.errors[k:] == 0)
        np.testing.assert_array_equal(run.w[k:], np.repeat(run.w[k : k + 1], len(run.w) - k, axis=0))
        np.testing.assert_array_equal(mlp.threshold_unit(X, run.w[-1], run.theta[-1]), t)


def test_perceptron_never_solves_xor():
    for seed in range(10):
        run = mlp.perceptron_train("XOR", epochs=200, lr=1.0, rng=seed)
        assert run.converged_at is None
        assert run.errors.min() >= 1
        # and no recorded weights satisfy the four XOR conditions at once
        assert not any(all(c[2] for c in mlp.xor_inequalities(*w, th)) for w, th in zip(run.w, run.theta))


@pytest.mark.parametrize("loss", mlp.LOSSES)
def test_logistic_unit_learns_and_or_but_stalls_on_xor(loss):
    for task in ("AND", "OR"):
        run = mlp.logistic_train(task, epochs=300, lr=2.0, loss=loss, rng=0)
        assert run.converged_at is not None and run.errors[-1] == 0
        assert run.loss[-1] < 0.05
    run = mlp.logistic_train("XOR", epochs=300, lr=2.0, loss=loss, rng=0)
    assert run.converged_at is None
    floor = np.log(2) if loss == "cross_entropy" else 0.125  # the loss at w = 0, theta = 0
    if loss == "cross_entropy":  # convex, with its minimum at w = 0, theta = 0: never below log 2
        assert run.loss.min() >= floor - 1e-9
    assert run.loss[-1] == pytest.approx(floor, abs=1e-3)


def test_xor_inequalities_never_all_hold():
    rng = np.random.default_rng(0)
    for w1, w2, theta in rng.uniform(-5, 5, (20_000, 3)):
        assert sum(c[2] for c in mlp.xor_inequalities(w1, w2, theta)) <= 3
    # and each condition is the threshold unit's answer being right on that input
    for w1, w2, theta in rng.uniform(-2, 2, (200, 3)):
        y = mlp.threshold_unit(X, [w1, w2], theta)
        right = dict(zip(["00", "01", "10", "11"], y == T_XOR))
        assert all(right[x] == holds for x, _, holds in mlp.xor_inequalities(w1, w2, theta))


def test_squared_error_is_gaussian_nll():
    rng = np.random.default_rng(1)
    y, f = rng.normal(0, 2, 50), rng.normal(0, 2, 50)
    sigma = rng.uniform(0.2, 3, 50)
    nll = mlp.gaussian_nll(y, f, sigma)
    np.testing.assert_allclose(nll, mlp.gaussian_nll_as_squared_error(y, f, sigma), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nll, -stats.norm.logpdf(y, loc=f, scale=sigma), rtol=1e-12, atol=1e-12)
    # with sigma = 1 the mean NLL is the mean squared-error loss plus 1/2 log(2 pi), whatever f is
    o = rng.uniform(0.01, 0.99, 4)
    assert np.mean(mlp.gaussian_nll(T_XOR, o, 1.0)) == pytest.approx(
        mlp.squared_error(o, T_XOR) + 0.5 * np.log(2 * np.pi), abs=1e-12)


def test_cross_entropy_is_bernoulli_nll():
    rng = np.random.default_rng(2)
    o = rng.uniform(1e-4, 1 - 1e-4, 60)
    t = rng.integers(0, 2, 60).astype(float)
    nll = mlp.bernoulli_nll(t, o)
    np.testing.assert_allclose(nll, mlp.cross_entropy_terms(t, o), rtol=1e-12)
    np.testing.assert_allclose(nll, -stats.bernoulli.logpmf(t, o), rtol=1e-12)
    assert np.mean(nll) == pytest.approx(mlp.cross_entropy(o, t), rel=1e-12)
    z = np.log(o) - np.log1p(-o)  # logit
    assert mlp.cross_entropy_from_logit(z, t) == pytest.approx(mlp.cross_entropy(o, t), rel=1e-10)


def test_stable_at_saturation():
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    assert np.all(np.isfinite(mlp.sigmoid(z))) and mlp.sigmoid(0.0) == 0.5
    assert np.isfinite(mlp.cross_entropy_from_logit(z, np.array([1, 1, 0, 0, 0.0])))
    big = mlp.MLPParams(np.full((2, 2), 50.0), np.zeros(2), np.full(2, 50.0), 0.0)
    _, g = mlp.loss_and_gradient(big, X, T_XOR, "cross_entropy", "tanh")
    assert np.all(np.isfinite(g.flat()))


def test_bad_names_raise():
    with pytest.raises(ValueError):
        mlp.boolean_task("NAND")
    with pytest.raises(ValueError):
        mlp.train_mlp(mlp.MLPSettings(act="relu"))


def test_the_slides_three_conditions_can_all_hold_and_the_00_case_rules_it_out():
    w1, w2, theta = mlp.SLIDE_COUNTEREXAMPLE
    checks = mlp.slide_xor_conditions(w1, w2, theta)
    assert [c[0] for c in checks] == ["10", "01", "11", "00"]
    assert [c[3] for c in checks] == [True, True, True, False]
    assert checks[2][2] == pytest.approx(1 / (1 + np.exp(2.0)))
    # with (0,0) added no weights on a grid satisfy all four (the complete argument)
    grid = np.linspace(-4, 4, 41)
    assert not any(all(c[3] for c in mlp.slide_xor_conditions(a, b, t))
                   for a in grid for b in grid for t in np.linspace(0.01, 0.99, 25))
