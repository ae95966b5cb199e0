"""pgmviz.nets.mlp against exact answers: backprop vs central finite differences, the flat parameter
vector, XOR solved by a hidden layer, bad names refused."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.nets import losses, mlp

X, T_XOR = mlp.boolean_task("XOR")


@pytest.mark.parametrize("loss", losses.LOSSES)
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


def test_bad_names_raise():
    with pytest.raises(ValueError):
        mlp.boolean_task("NAND")
    with pytest.raises(ValueError):
        mlp.train_mlp(mlp.MLPSettings(act="relu"))
