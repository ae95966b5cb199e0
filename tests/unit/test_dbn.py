"""Deep belief nets (pgmviz.models.dbn): the up-pass is the RBMs' recognition, generation runs top-down."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.models import dbn
from pgmviz.models.rbm import RBM


def random_rbm(n_v: int, n_h: int, seed: int, scale: float = 1.0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h))



def test_up_pass_and_generation_shapes():
    net = dbn.DBN([random_rbm(12, 6, 1), random_rbm(6, 5, 2), random_rbm(5, 3, 3)])
    layers = net.up_pass(np.ones((7, 12)))
    assert [x.shape for x in layers] == [(7, 12), (7, 6), (7, 5), (7, 3)]
    np.testing.assert_allclose(layers[1], net.rbms[0].p_h_given_v(np.ones((7, 12))))
    gen = net.generate(T=5, n=9, rng=0)
    assert [x.shape for x in gen] == [(9, 12), (9, 6), (9, 5), (9, 3)]
    assert ((gen[0] > 0) & (gen[0] < 1)).all()  # the data layer as probabilities p(v|h1)
    assert set(np.unique(gen[1])) <= {0.0, 1.0}
    np.testing.assert_array_equal(net.generate(5, 9, rng=4)[0], net.generate(5, 9, rng=4)[0])
    with pytest.raises(ValueError):
        dbn.DBN([random_rbm(12, 6, 1), random_rbm(5, 3, 3)])


def test_generation_is_the_top_down_pass_of_the_top_rbm_samples():
    net = dbn.DBN([random_rbm(8, 4, 1), random_rbm(4, 3, 2)])
    gen = net.generate(T=0, n=5, rng=0)
    np.testing.assert_allclose(gen[0], net.rbms[0].p_v_given_h(gen[1]))  # p(v | h1) of the bottom RBM
