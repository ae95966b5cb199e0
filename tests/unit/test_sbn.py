"""pgmviz.models.sbn against brute force: every probability is recomputed here by plain loops over all
joint states (itertools.product and math.exp), independently of the library's matrix code."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

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
    net = sbn.explaining_away_net(**{names[k]: v for k, v in params.items()})
    got = sbn.explaining_away(net, jump)
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
    got = sbn.explaining_away(sbn.explaining_away_net())
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


# ------------------------------------------------------------------------ mean field
def brute_reverse_kl(m: tuple[float, ...], p: np.ndarray) -> float:
    """KL(q || p) for the factorial q with means m, by a loop over the states."""
    n = len(m)
    total = 0.0
    for k, bits in enumerate(itertools.product((0, 1), repeat=n)):
        q = math.prod(mj if b else 1 - mj for mj, b in zip(m, bits))
        if q > 0:
            total += q * (math.log(q) - math.log(p[k]))
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_field_is_a_local_minimum_of_the_reverse_kl(seed):
    net = SBN.random([4, 3], weight_scale=2.5, seed=seed)
    p = net.posterior_layer(np.array([1.0, 0.0, 1.0, 1.0]), 1)
    best, runs = sbn.best_mean_field(p, 3)
    assert best.kl == pytest.approx(brute_reverse_kl(tuple(best.means), p), abs=1e-9)
    assert best.kl == min(r.kl for r in runs)
    rng = np.random.default_rng(seed)
    for _ in range(50):  # no small move of the means lowers KL(q || p)
        m = np.clip(best.means + rng.normal(0, 1e-3, 3), 1e-9, 1 - 1e-9)
        assert brute_reverse_kl(tuple(m), p) >= best.kl - 1e-9
    # the product of marginals minimises the other KL, KL(p || q), over factorial q: not this one
    pm = sbn.product_of_marginals(p, 3)
    assert sbn.kl(p, pm) <= sbn.kl(p, best.q) + 1e-12


def test_mean_field_on_explaining_away_picks_one_cause():
    """Lecture's net given the jump: the posterior has two modes (truck alone, quake alone)."""
    post = sbn.explaining_away(sbn.explaining_away_net()).posterior.ravel()
    best, runs = sbn.best_mean_field(post, 2)
    assert sorted(np.round(best.means, 3)) == [0.0, 1.0]  # one cause on, the other off
    assert best.kl == pytest.approx(brute_reverse_kl(tuple(best.means), post), abs=1e-9)
    centre = runs[0]  # from (0.5, 0.5) the updates stay at the symmetric saddle: the product of marginals
    assert centre.means == pytest.approx([0.5, 0.5], abs=1e-6)
    pm = sbn.product_of_marginals(post, 2)
    assert sbn.reverse_kl(pm, sbn.log_table(post)) == pytest.approx(brute_reverse_kl((0.5, 0.5), post), rel=1e-6)
    assert best.kl < sbn.reverse_kl(pm, sbn.log_table(post)) - 1.0


# ---------------------------------------------------------------------------- Gibbs sampling
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
            np.testing.assert_allclose(sbn.gibbs_logit(net, layers, l, j), net.log_joint(on) - net.log_joint(off),
                                       atol=1e-10)
    with pytest.raises(ValueError):
        sbn.gibbs_logit(net, layers, 0, 0)


def test_gibbs_estimate_converges_to_the_exact_posterior():
    net = sbn.SBN.random([4, 3], weight_scale=2.0, seed=2)
    v = np.array([0.0, 1.0, 1.0, 0.0])
    exact = net.posterior_layer(v, 1)
    run = sbn.gibbs_posterior(net, v, n_sweeps=3000, n_chains=20, rng=1)
    tv = run.tv_to(exact)
    assert tv[-1] < 0.03 and tv[-1] < tv[9]
    np.testing.assert_allclose(run.estimates.sum(axis=1), 1.0)
    again = sbn.gibbs_posterior(net, v, n_sweeps=3000, n_chains=20, rng=1)
    np.testing.assert_array_equal(run.estimates, again.estimates)  # same seed, same run
    # a deeper net: both hidden layers sampled, either one's marginal estimated
    deep = sbn.SBN.random([3, 2, 2], weight_scale=1.5, seed=5)
    v3 = np.array([1.0, 0.0, 1.0])
    for layer in (1, 2):
        run = sbn.gibbs_posterior(deep, v3, n_sweeps=3000, n_chains=20, rng=layer, layer=layer)
        assert run.tv_to(deep.posterior_layer(v3, layer))[-1] < 0.03


def test_gibbs_is_stuck_in_one_explanation_on_the_lectures_net():
    """Given the jump the posterior is half truck, half quake; a single-unit move between them must
    pass through 'neither' or 'both', each about e^-9 as likely, so a chain mostly stays where it starts."""
    net = sbn.explaining_away_net()
    exact = net.posterior_layer(np.array([1.0]), 1)  # states 00, 01, 10, 11 = [none, quake, truck, both]
    assert exact[1] == pytest.approx(0.5, abs=1e-3) and exact[2] == pytest.approx(0.5, abs=1e-3)
    run = sbn.gibbs_posterior(net, np.array([1.0]), n_sweeps=500, n_chains=20, rng=0, start=[np.array([1.0, 0.0])])
    # about e^-9.3 ~ 1e-4 switches per chain and sweep: a handful in these 10,000
    assert run.moves.sum() < 20 and run.estimates[-1, 2] > 0.8 and run.tv_to(exact)[-1] > 0.3
    # started from every unit off, all chains choose the first unit updated: the truck
    run = sbn.gibbs_posterior(net, np.array([1.0]), n_sweeps=50, n_chains=20, rng=0, start="off")
    assert run.estimates[-1, 2] > 0.99
    # with no jump the posterior is the prior (both off, nearly surely) and Gibbs gets it at once
    run = sbn.gibbs_posterior(net, np.array([0.0]), n_sweeps=50, n_chains=20, rng=0)
    assert run.tv_to(net.posterior_layer(np.array([0.0]), 1))[-1] < 0.03


def test_gibbs_posterior_refuses_bad_input():
    net = sbn.explaining_away_net()
    for kwargs in ({"n_sweeps": 0}, {"n_chains": 0}, {"start": "random"}, {"layer": 0}):
        with pytest.raises(ValueError):
            sbn.gibbs_posterior(net, np.array([1.0]), **kwargs)
    with pytest.raises(ValueError):
        sbn.gibbs_posterior(net, np.array([2.0]))
