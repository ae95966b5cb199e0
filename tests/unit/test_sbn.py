"""pgmviz.models.sbn against brute force: every probability is recomputed here by plain loops over all
joint states (itertools.product and math.exp), independently of the library's matrix code."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.inference import explaining_away
from pgmviz.models import sbn
from pgmviz.models.sbn import SBN


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def bern(x: int, z: float) -> float:
    """p(x | input z) of a sigmoid unit: sigmoid(z) if x = 1 else sigmoid(-z) (not 1 - sigmoid(z),
    which loses the digits of tiny probabilities such as 1 - sigmoid(20))."""
    return sig(z) if x == 1 else sig(-z)


def brute_joint(net: SBN) -> dict[tuple, float]:
    """p(x_0, ..., x_L) for every joint state, keyed by the tuple of per-layer tuples."""
    sizes = net.sizes
    out = {}
    for bits in itertools.product((0, 1), repeat=sum(sizes)):
        layers, k = [], 0
        for n in sizes:
            layers.append(tuple(bits[k:k + n]))
            k += n
        p = 1.0
        for i, x in enumerate(layers[-1]):
            p *= bern(x, net.biases[-1][i])
        for l in range(len(sizes) - 1):
            for i, x in enumerate(layers[l]):
                z = net.biases[l][i] + sum(net.weights[l][i, j] * a for j, a in enumerate(layers[l + 1]))
                p *= bern(x, z)
        out[tuple(layers)] = p
    return out


def index(bits: tuple) -> int:
    return int("".join(map(str, bits)), 2) if bits else 0


# ------------------------------------------------------------------------ explaining away
def brute_causes(jump: int, bt=-10.0, bq=-10.0, bh=-20.0, wt=20.0, wq=20.0) -> dict[tuple, float]:
    joint = {(t, q): bern(t, bt) * bern(q, bq) * bern(jump, bh + wt * t + wq * q)
             for t in (0, 1) for q in (0, 1)}
    z = sum(joint.values())
    return {k: v / z for k, v in joint.items()}


@pytest.mark.parametrize("params", [
    dict(),  # the lecture's numbers
    dict(bt=-2.0, bq=-3.0, bh=-4.0, wt=5.0, wq=3.0),
    dict(bt=1.0, bq=-1.0, bh=0.5, wt=-2.0, wq=4.0),
])
@pytest.mark.parametrize("jump", [1, 0])
def test_explaining_away_matches_brute_force(params, jump):
    names = dict(bt="b_truck", bq="b_quake", bh="b_house", wt="w_truck", wq="w_quake")
    net = explaining_away.explaining_away_net(**{names[k]: v for k, v in params.items()})
    got = explaining_away.explaining_away(net, jump)
    post = brute_causes(jump, **params)
    for (t, q), p in post.items():
        assert got.posterior[t, q] == pytest.approx(p, rel=1e-9, abs=1e-300)
    p_t = post[1, 0] + post[1, 1]
    p_q = post[0, 1] + post[1, 1]
    assert got.p_truck == pytest.approx(p_t, rel=1e-9)
    assert got.p_quake == pytest.approx(p_q, rel=1e-9)
    assert got.p_truck_given_quake == pytest.approx(post[1, 1] / p_q, rel=1e-9)
    assert got.p_truck_given_no_quake == pytest.approx(post[1, 0] / (1 - p_q), rel=1e-9)
    bt, bq = params.get("bt", -10.0), params.get("bq", -10.0)
    assert got.prior[1, 1] == pytest.approx(sig(bt) * sig(bq), rel=1e-12)
    kl = sum(p * math.log(p / ((p_t if t else 1 - p_t) * (p_q if q else 1 - p_q))) for (t, q), p in post.items())
    assert got.kl == pytest.approx(kl, rel=1e-6, abs=1e-12)


def test_lecture_numbers_explain_away():
    got = explaining_away.explaining_away(explaining_away.explaining_away_net())
    # a priori independent: the prior table is the outer product of its marginals
    assert np.allclose(got.prior, np.outer(got.prior.sum(1), got.prior.sum(0)), rtol=1e-12, atol=0)
    # a posteriori: each cause about 1/2, both together about 1e-4 of the independent guess
    assert got.p_truck == pytest.approx(0.5, abs=1e-6) and got.p_quake == pytest.approx(0.5, abs=1e-6)
    assert got.posterior[1, 1] < 1e-3 * got.p_truck * got.p_quake
    # learning of the earthquake explains the truck away
    assert got.p_truck_given_quake < 1e-3 < got.p_truck
    assert got.kl > 0.5


# ------------------------------------------------------------------------ the generic net
@pytest.fixture(scope="module")
def net() -> SBN:
    return SBN.random([3, 3, 2], weight_scale=2.0, seed=4)


def test_log_joint_and_marginals_match_brute_force(net):
    joint = brute_joint(net)
    keys = list(joint)
    layers = [np.array([k[l] for k in keys], dtype=float) for l in range(3)]
    assert np.allclose(np.exp(net.log_joint(layers)), [joint[k] for k in keys], rtol=1e-12, atol=0)
    marg = net.layer_marginals()
    for l in range(3):
        brute = np.zeros(2 ** net.sizes[l])
        for k, p in joint.items():
            brute[index(k[l])] += p
        assert np.allclose(marg[l], brute, rtol=1e-10, atol=1e-15)
        assert marg[l].sum() == pytest.approx(1.0, abs=1e-12)


def test_posterior_and_log_p_v_match_brute_force(net):
    joint = brute_joint(net)
    for v in itertools.product((0, 1), repeat=3):
        rows = {k: p for k, p in joint.items() if k[0] == v}
        p_v = sum(rows.values())
        assert net.log_p_v(np.array(v)) == pytest.approx(math.log(p_v), rel=1e-12)
        hidden, post = net.posterior(np.array(v))
        for h1, h2, p in zip(hidden[0], hidden[1], post):
            key = (v, tuple(int(x) for x in h1), tuple(int(x) for x in h2))
            assert p == pytest.approx(rows[key] / p_v, rel=1e-10)
        # the posterior over one layer, by Bayes with the prior pushed down / by marginalising
        for layer in (1, 2):
            brute = np.zeros(2 ** net.sizes[layer])
            for k, p in rows.items():
                brute[index(k[layer])] += p / p_v
            assert np.allclose(net.posterior_layer(np.array(v), layer), brute, rtol=1e-10, atol=1e-15)
    assert np.exp(net.log_p_v_all()).sum() == pytest.approx(1.0, abs=1e-12)


def test_posterior_does_not_factorise_but_does_without_weights():
    v = np.array([1, 0, 1, 1])
    tangled = SBN.random([4, 3], weight_scale=3.0, seed=0)
    assert sbn.kl_to_factorial(tangled.posterior_layer(v), 3) > 1e-3
    # with no weights the causes stay independent whatever we observe
    free = SBN.random([4, 3], weight_scale=0.0, seed=0)
    assert sbn.kl_to_factorial(free.posterior_layer(v), 3) < 1e-14
    # the same seed stretches one weight pattern: scale 0 -> 3 grows from that to this
    assert np.allclose(3.0 * SBN.random([4, 3], 1.0, seed=0).weights[0], tangled.weights[0])


def test_top_prior_table_is_used(net):
    prior = np.array([0.1, 0.2, 0.3, 0.4])
    tabled = SBN(net.weights, net.biases, top_prior=prior)
    assert np.allclose(tabled.layer_marginals()[-1], prior)
    brute = prior @ np.exp(tabled.log_conditional_table(1))
    assert np.allclose(tabled.layer_marginals()[1], brute)


def test_ancestral_samples_follow_the_exact_marginal(net):
    layers = net.sample(20_000, rng=1)
    assert [x.shape for x in layers] == [(20_000, n) for n in net.sizes]
    freq = np.bincount(sbn.state_index(layers[0]), minlength=8) / 20_000
    assert np.abs(freq - net.layer_marginals()[0]).max() < 0.015
    again = net.sample(20_000, rng=1)
    assert all((a == b).all() for a, b in zip(layers, again))  # same seed, same samples


def test_validation():
    with pytest.raises(ValueError):
        SBN([np.zeros((2, 3))], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError):
        SBN([np.zeros((2, 3))], [np.zeros(2)])
    with pytest.raises(ValueError):
        SBN.random([2, 2]).posterior_layer(np.array([1, 2]))
    with pytest.raises(ValueError):
        SBN.random([2, 2], seed=0).__class__([np.zeros((2, 2))], [np.zeros(2), np.zeros(2)],
                                             top_prior=np.array([0.5, 0.6, 0, 0]))


# ------------------------------------------------------------------------ the directed learning rule
@pytest.mark.parametrize("seed", [0, 3])
def test_log_p_v_gradient_is_the_posterior_average_of_s_j_times_s_i_minus_p_i(seed):
    """Finite differences of log p(v) (brute force) agree with the rule: no negative phase, Z = 1."""
    net = SBN.random([3, 2, 2], weight_scale=1.5, seed=seed)
    v = np.array([1.0, 0.0, 1.0])

    def log_p_v(n: SBN) -> float:
        return math.log(sum(p for layers, p in brute_joint(n).items() if layers[0] == (1, 0, 1)))

    grads = net.log_p_v_gradient(v)
    eps = 1e-6
    for l, W in enumerate(net.weights):
        fd = np.zeros_like(W)
        for i, j in itertools.product(range(W.shape[0]), range(W.shape[1])):
            up = [w.copy() for w in net.weights]
            down = [w.copy() for w in net.weights]
            up[l][i, j] += eps
            down[l][i, j] -= eps
            fd[i, j] = (log_p_v(SBN(up, net.biases)) - log_p_v(SBN(down, net.biases))) / (2 * eps)
        assert grads[l] == pytest.approx(fd, abs=1e-6)
        assert np.abs(grads[l]).max() > 1e-3  # not trivially zero
