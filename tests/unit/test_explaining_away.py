"""pgmviz.inference.explaining_away: the lesson's numbers against hand-computed exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.inference import explaining_away as ea
from pgmviz.models import sbn
from pgmviz.sampling.partition import all_states


def sig(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def test_effect_given_causes_is_the_sigmoid_of_bias_plus_weights():
    net = ea.explaining_away_net(b_house=-3.0, w_truck=2.0, w_quake=5.0)
    p = ea.effect_given_causes(net)
    assert p["none"] == pytest.approx(sig(-3.0), rel=1e-12)
    assert p["truck"] == pytest.approx(sig(-1.0), rel=1e-12)
    assert p["quake"] == pytest.approx(sig(2.0), rel=1e-12)
    assert p["both"] == pytest.approx(sig(4.0), rel=1e-12)


def test_independence_ratio():
    assert ea.independence_ratio(np.outer([0.3, 0.7], [0.9, 0.1])) == pytest.approx(1.0)
    # p(1,1) = 0.1, p(truck) = 0.5, p(quake) = 0.5: ratio 0.4
    assert ea.independence_ratio(np.array([[0.1, 0.4], [0.4, 0.1]])) == pytest.approx(0.4)
    assert np.isnan(ea.independence_ratio(np.array([[1.0, 0.0], [0.0, 0.0]])))


def test_factorial_approximations_of_two_modes():
    """p puts half its mass on (0,1) and half on (1,0): the product of marginals is uniform, with
    KL(p||q) = log 2 and KL(q||p) infinite in principle (floored); mean field picks one mode, KL(q||p) = log 2."""
    p = np.array([0.0, 0.5, 0.5, 0.0])
    product, mf = ea.factorial_approximations(p, 2)
    np.testing.assert_allclose(product.means, [0.5, 0.5])
    np.testing.assert_allclose(product.q, np.full(4, 0.25))
    assert product.kl_pq == pytest.approx(np.log(2))
    assert product.kl_qp > 100  # q puts mass where p has none
    assert mf.kl_qp == pytest.approx(np.log(2), abs=1e-6)
    assert mf.run is not None and mf.run.kl == pytest.approx(mf.kl_qp, abs=1e-6)
    assert sorted(np.round(mf.means).tolist()) == [0.0, 1.0]


def test_factorial_approximations_are_exact_for_independent_units():
    p = sbn.factorial_table(np.array([0.2, 0.9, 0.6]))
    product, mf = ea.factorial_approximations(p, 3)
    for f in (product, mf):
        np.testing.assert_allclose(f.q, p, atol=1e-9)
        assert f.kl_pq == pytest.approx(0.0, abs=1e-9) and f.kl_qp == pytest.approx(0.0, abs=1e-9)


def test_kl_curve_is_zero_without_weights_and_averages_over_p_v():
    scales = np.array([0.0, 2.0])
    v = np.array([1.0, 0.0, 1.0, 1.0])
    this, mean = ea.kl_to_factorial_curve([4, 3], scales, seed=2, v=v)
    assert this[0] == pytest.approx(0.0, abs=1e-12) and mean[0] == pytest.approx(0.0, abs=1e-12)
    net = sbn.SBN.random([4, 3], weight_scale=2.0, seed=2)
    assert this[1] == pytest.approx(sbn.kl_to_factorial(net.posterior_layer(v, 1), 3))
    p_v = net.layer_marginals()[0]
    kls = [sbn.kl_to_factorial(net.posterior_layer(x, 1), 3) for x in all_states(4)]
    assert mean[1] == pytest.approx(float(np.dot(p_v, kls)))
    assert this[1] > 0


def test_first_step_away_is_the_quakes_conditional_given_jump_and_truck():
    """p(quake | jump, truck) = p(quake) p(jump | both) / (p(quake) p(jump | both) + p(~quake) p(jump | truck))."""
    b_q, b_h, w_t, w_q = -4.0, -6.0, 5.0, 3.0
    net = ea.explaining_away_net(b_quake=b_q, b_house=b_h, w_truck=w_t, w_quake=w_q)
    on = sig(b_q) * sig(b_h + w_t + w_q)
    off = (1 - sig(b_q)) * sig(b_h + w_t)
    assert ea.first_step_away(net) == pytest.approx(on / (on + off), rel=1e-9)


def test_total_variation():
    assert ea.total_variation([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) == pytest.approx(0.5)
    assert ea.total_variation([0.2, 0.8], [0.2, 0.8]) == 0.0


def test_factorial_table_with_certain_units_has_no_nan():
    """A mean field run on a net with large weights ends at means of exactly 0 or 1 (the old
    exp(x log m) form gave 0 * log 0 = NaN there, and the page's KL then raised)."""
    np.testing.assert_array_equal(sbn.factorial_table(np.array([1.0, 0.0])), [0.0, 0.0, 1.0, 0.0])
    net = ea.explaining_away_net(b_truck=-50.0, b_quake=-50.0, b_house=-50.0, w_truck=50.0, w_quake=50.0)
    product, mf = ea.factorial_approximations(ea.explaining_away(net, 0).posterior.ravel(), 2)
    assert np.isfinite([product.kl_pq, product.kl_qp, mf.kl_pq, mf.kl_qp]).all()
