"""pgmviz.nets.optim against the update equations written out by hand, on lists and dicts of arrays."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.nets.optim import Adam, Momentum


def test_momentum_follows_its_two_equations():
    p, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 1.0]), np.array([-1.0, 3.0])
    opt = Momentum([p], lr=0.1, momentum=0.9)
    opt.step([p], [g1])
    u = -0.1 * g1
    np.testing.assert_allclose(p, [1.0, -2.0] + u, rtol=1e-15)
    opt.step([p], [g2])
    u = 0.9 * u - 0.1 * g2
    np.testing.assert_allclose(p, [1.0, -2.0] - 0.1 * g1 + u, rtol=1e-15)


def test_adam_follows_its_equations_and_its_first_step_is_lr_times_the_sign():
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=5)
    grads = [rng.normal(size=5) for _ in range(3)]
    p = p0.copy()
    opt = Adam([p], lr=0.01)
    opt.step([p], [grads[0]])
    np.testing.assert_allclose(p, p0 - 0.01 * np.sign(grads[0]), rtol=1e-6)  # m/c1 = g, sqrt(v/c2) = |g|
    for g in grads[1:]:
        opt.step([p], [g])
    ref, m, v = p0.copy(), np.zeros(5), np.zeros(5)
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        ref -= 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(p, ref, rtol=1e-13)
    assert opt.t == 3


@pytest.mark.parametrize("make", [lambda ps: Momentum(ps, lr=0.05, momentum=0.5), lambda ps: Adam(ps, lr=0.05)])
def test_maximize_on_a_dict_is_minimising_the_negative_on_a_list(make):
    """Ascending f = -|x - a|^2 / 2 from a dict of arrays; descending -f from a list: the same bits."""
    a = {"x": np.array([1.0, -3.0], np.float32), "y": np.array([[2.0]], np.float32)}
    up = {k: np.zeros_like(v) for k, v in a.items()}
    down = [np.zeros_like(v) for v in a.values()]
    opt_up, opt_down = make(up), make(down)
    opt_up.maximize = True
    for _ in range(200):
        opt_up.step(up, {k: a[k] - up[k] for k in up})                    # gradient of f
        opt_down.step(down, [x - a[k] for x, k in zip(down, a)])          # gradient of -f
    for (k, x), y in zip(up.items(), down):
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, y)
        np.testing.assert_allclose(x, a[k], atol=0.05)  # and both reached the optimum


def test_a_dict_may_leave_parameters_out_a_list_may_not():
    params = {"w": np.ones(2), "b": np.ones(1)}
    Adam(params).step(params, {"w": np.ones(2)})
    assert params["b"][0] == 1.0 and params["w"][0] < 1.0
    with pytest.raises(ValueError, match="1 gradients for 2"):
        Momentum([np.ones(2), np.ones(1)], lr=0.1).step([np.ones(2), np.ones(1)], [np.ones(2)])
