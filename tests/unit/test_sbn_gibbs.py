"""Gibbs sampling of a sigmoid belief net's posterior (pgmviz.sampling.sbn_gibbs) against the exact posterior."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.inference import explaining_away
from pgmviz.models import sbn
from pgmviz.sampling import sbn_gibbs


def test_gibbs_logit_is_the_ratio_of_full_joints():
    """The Markov-blanket conditional equals log p(all, s=1) - log p(all, s=0) of the whole joint."""
    net = sbn.SBN.random([3, 2, 2], weight_scale=2.0, seed=4)
    rng = np.random.default_rng(0)
    layers = [(rng.random((6, n)) < 0.5).astype(float) for n in net.sizes]
    for l in (1, 2):
        for j in range(net.sizes[l]):
            on = [x.copy() for x in layers]
            off = [x.copy() for x in layers]
            on[l][:, j], off[l][:, j] = 1.0, 0.0
            np.testing.assert_allclose(sbn_gibbs.gibbs_logit(net, layers, l, j), net.log_joint(on) - net.log_joint(off),
                                       atol=1e-10)
    with pytest.raises(ValueError):
        sbn_gibbs.gibbs_logit(net, layers, 0, 0)


def test_gibbs_estimate_converges_to_the_exact_posterior():
    net = sbn.SBN.random([4, 3], weight_scale=2.0, seed=2)
    v = np.array([0.0, 1.0, 1.0, 0.0])
    exact = net.posterior_layer(v, 1)
    run = sbn_gibbs.gibbs_posterior(net, v, n_sweeps=3000, n_chains=20, rng=1)
    tv = run.tv_to(exact)
    assert tv[-1] < 0.03 and tv[-1] < tv[9]
    np.testing.assert_allclose(run.estimates.sum(axis=1), 1.0)
    again = sbn_gibbs.gibbs_posterior(net, v, n_sweeps=3000, n_chains=20, rng=1)
    np.testing.assert_array_equal(run.estimates, again.estimates)  # same seed, same run
    # a deeper net: both hidden layers sampled, either one's marginal estimated
    deep = sbn.SBN.random([3, 2, 2], weight_scale=1.5, seed=5)
    v3 = np.array([1.0, 0.0, 1.0])
    for layer in (1, 2):
        run = sbn_gibbs.gibbs_posterior(deep, v3, n_sweeps=3000, n_chains=20, rng=layer, layer=layer)
        assert run.tv_to(deep.posterior_layer(v3, layer))[-1] < 0.03


def test_gibbs_is_stuck_in_one_explanation_on_the_lectures_net():
    """Given the jump the posterior is half truck, half quake; a single-unit move between them must
    pass through 'neither' or 'both', each about e^-9 as likely, so a chain mostly stays where it starts."""
    net = explaining_away.explaining_away_net()
    exact = net.posterior_layer(np.array([1.0]), 1)  # states 00, 01, 10, 11 = [none, quake, truck, both]
    assert exact[1] == pytest.approx(0.5, abs=1e-3) and exact[2] == pytest.approx(0.5, abs=1e-3)
    run = sbn_gibbs.gibbs_posterior(net, np.array([1.0]), n_sweeps=500, n_chains=20, rng=0,
                                    start=[np.array([1.0, 0.0])])
    # about e^-9.3 ~ 1e-4 switches per chain and sweep: a handful in these 10,000
    assert run.moves.sum() < 20 and run.estimates[-1, 2] > 0.8 and run.tv_to(exact)[-1] > 0.3
    # started from every unit off, all chains choose the first unit updated: the truck
    run = sbn_gibbs.gibbs_posterior(net, np.array([1.0]), n_sweeps=50, n_chains=20, rng=0, start="off")
    assert run.estimates[-1, 2] > 0.99
    # with no jump the posterior is the prior (both off, nearly surely) and Gibbs gets it at once
    run = sbn_gibbs.gibbs_posterior(net, np.array([0.0]), n_sweeps=50, n_chains=20, rng=0)
    assert run.tv_to(net.posterior_layer(np.array([0.0]), 1))[-1] < 0.03


def test_gibbs_posterior_refuses_bad_input():
    net = explaining_away.explaining_away_net()
    for kwargs in ({"n_sweeps": 0}, {"n_chains": 0}, {"start": "random"}, {"layer": 0}):
        with pytest.raises(ValueError):
            sbn_gibbs.gibbs_posterior(net, np.array([1.0]), **kwargs)
    with pytest.raises(ValueError):
        sbn_gibbs.gibbs_posterior(net, np.array([2.0]))
