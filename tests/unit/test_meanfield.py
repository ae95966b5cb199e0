"""pgmviz.inference.meanfield against exact answers: its fixed point satisfies q_i = sigmoid(fields_i(q)), its
closed-form KL(q || p) equals the sum over all 2^n states, and on a strongly coupled ferromagnet it picks one
of the two modes depending on where it starts."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.inference import meanfield, table_meanfield
from pgmviz.models.mrf import MRF, grid_edges, lesson_graph
from pgmviz.special import sigmoid

CASES = [("chain", 0.8, 0.1, 0.3), ("tree", 1.5, -0.2, 0.5), ("grid", 0.5, 0.1, 0.3), ("grid", -0.7, 0.4, 1.0)]


def direct_kl(mrf: MRF, q: np.ndarray) -> float:
    """sum_x q(x) (log q(x) - log p(x)) by a loop over every state, p(x) from its potentials by hand."""
    states = list(itertools.product((0, 1), repeat=mrf.n))
    lp = [sum(mrf.unary[i, x[i]] for i in range(mrf.n))
          + sum(mrf.pairwise[e, x[i], x[j]] for e, (i, j) in enumerate(mrf.edges.tolist())) for x in states]
    log_Z = math.log(sum(math.exp(v) for v in lp))
    total = 0.0
    for x, v in zip(states, lp):
        qx = math.prod(q[i] if x[i] else 1 - q[i] for i in range(mrf.n))
        if qx > 0:
            total += qx * (math.log(qx) - (v - log_Z))
    return total


@pytest.mark.parametrize("kind, J, h, spread", CASES)
def test_fixed_point_satisfies_its_equations(kind, J, h, spread):
    mrf = lesson_graph(kind, J, h, spread)
    for run in meanfield.from_starts(mrf).values():
        assert run.converged
        np.testing.assert_allclose(run.means, sigmoid(meanfield.mean_field_logits(mrf, run.means)), atol=1e-10)
        assert np.all(np.diff(run.kl_trace) <= 1e-12)  # coordinate ascent never raises KL(q || p)
        assert run.kl == pytest.approx(meanfield.kl_divergence(mrf, run.means), abs=1e-12)


@pytest.mark.parametrize("kind, J, h, spread", CASES)
def test_kl_equals_the_direct_sum(kind, J, h, spread):
    mrf = lesson_graph(kind, J, h, spread)
    rng = np.random.default_rng(0)
    for q in [rng.uniform(0, 1, mrf.n), meanfield.mean_field(mrf).means, np.r_[np.zeros(mrf.n - 1), 1.0]]:
        assert meanfield.kl_divergence(mrf, q) == pytest.approx(direct_kl(mrf, q), abs=1e-10)
        assert meanfield.elbo(mrf, q) <= mrf.log_Z() + 1e-12


def test_agrees_with_mean_field_on_the_table():
    """The closed-form update reaches the same fixed point as table_meanfield.mean_field (on the 2^n table)."""
    mrf = lesson_graph("grid", 0.6, 0.2, 0.4)
    for start in (np.full(9, 0.5), np.full(9, 0.9), np.full(9, 0.1)):
        ours, table = meanfield.mean_field(mrf, start), table_meanfield.mean_field(mrf.probabilities(), 9, start)
        np.testing.assert_allclose(ours.means, table.means, atol=1e-8)
        assert ours.kl == pytest.approx(table.kl, abs=1e-8)


def test_strong_ferromagnet_picks_one_mode_by_its_start():
    mrf = lesson_graph("grid", J=1.0, h=0.0)
    runs = meanfield.from_starts(mrf)
    off, on, centre = runs["all off"], runs["all on"], runs["all at 0.5"]
    assert off.means.max() < 0.05 and on.means.min() > 0.95  # one mode each, the other one ignored
    np.testing.assert_allclose(on.means, 1.0 - off.means, atol=1e-10)  # mirror images
    assert on.kl == pytest.approx(off.kl, abs=1e-10)
    assert np.allclose(centre.means, 0.5) and centre.kl > on.kl + 1.0  # a fixed point, but a saddle
    assert meanfield.best(runs)[0] == "all off"  # the tie goes to the first start
    np.testing.assert_allclose(mrf.marginals(), 0.5, atol=1e-12)  # while the truth sits between the modes


def test_exact_without_couplings_and_the_boltzmann_update():
    mrf = lesson_graph("grid", J=0.0, h=0.3, spread=1.0)
    run = meanfield.mean_field(mrf)
    np.testing.assert_allclose(run.means, mrf.marginals(), atol=1e-12)
    assert run.kl < 1e-12
    rng = np.random.default_rng(4)
    b, w = rng.standard_normal(6), rng.standard_normal(7)
    edges = grid_edges(2, 3)
    bm = MRF.boltzmann(b, edges, w)
    W = np.zeros((6, 6))
    W[edges[:, 0], edges[:, 1]] = W[edges[:, 1], edges[:, 0]] = w
    q = rng.uniform(0, 1, 6)
    np.testing.assert_allclose(meanfield.mean_field_logits(bm, q), b + W @ q, atol=1e-12)  # q_i = sigmoid(b_i + W q)


def test_bad_start_is_refused():
    with pytest.raises(ValueError, match="probabilities"):
        meanfield.mean_field(lesson_graph("chain", 1.0, 0.0), np.full(6, np.nan))
