"""pgmviz.models.mrf against brute force: every table is recomputed here by plain loops over all states
(itertools.product), and the Ising and RBM readings against their own energies."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.models.bm_posterior import conditional_h_given_v
from pgmviz.models.boltzmann import qubo_from_rbm
from pgmviz.models.mrf import MRF, grid_edges, lesson_graph, tree_edges
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_Z_exact


def brute(mrf: MRF) -> tuple[dict[tuple, float], float]:
    """p(x) for every state by loops over units and edges, and log Z."""
    weights = {}
    for x in itertools.product((0, 1), repeat=mrf.n):
        lp = sum(mrf.unary[i, x[i]] for i in range(mrf.n))
        lp += sum(mrf.pairwise[e, x[i], x[j]] for e, (i, j) in enumerate(mrf.edges.tolist()))
        weights[x] = math.exp(lp)
    Z = sum(weights.values())
    return {x: w / Z for x, w in weights.items()}, math.log(Z)


def random_mrf(n: int, edges, seed: int, scale: float = 1.0) -> MRF:
    rng = np.random.default_rng(seed)
    edges = np.asarray(edges)
    return MRF(scale * rng.standard_normal((n, 2)), edges, scale * rng.standard_normal((len(edges), 2, 2)))


@pytest.mark.parametrize("kind", ["chain", "tree", "grid"])
def test_marginals_and_log_Z_equal_brute_force(kind):
    mrf = lesson_graph(kind, J=0.7, h=-0.2, spread=0.5)
    p, log_Z = brute(mrf)
    assert mrf.log_Z() == pytest.approx(log_Z, abs=1e-12)
    exact = [sum(px for x, px in p.items() if x[i] == 1) for i in range(mrf.n)]
    np.testing.assert_allclose(mrf.marginals(), exact, atol=1e-12)
    pairs = mrf.pair_marginals()
    for e, (i, j) in enumerate(mrf.edges.tolist()):
        for a, b in itertools.product((0, 1), repeat=2):
            assert pairs[e, a, b] == pytest.approx(sum(px for x, px in p.items() if x[i] == a and x[j] == b), abs=1e-12)


def test_ising_reading_is_the_spin_model():
    """theta = (-h, h) and J((1, -1), (-1, 1)) is -E(s) = h.s + J sum s_i s_j with s = 2x - 1, log Z included."""
    edges, n, J, h = grid_edges(2, 3), 6, 0.8, np.array([0.3, -0.1, 0.0, 0.5, -0.7, 0.2])
    mrf = MRF.ising(edges, J, h, n)
    Z = sum(math.exp(sum(h[i] * s[i] for i in range(n)) + sum(J * s[i] * s[j] for i, j in edges.tolist()))
            for s in itertools.product((-1, 1), repeat=n))
    assert mrf.log_Z() == pytest.approx(math.log(Z), abs=1e-12)


def test_zero_field_ferromagnet_is_symmetric():
    mrf = lesson_graph("grid", J=1.0, h=0.0)
    p = mrf.probabilities()
    np.testing.assert_allclose(p, p[::-1], atol=1e-15)  # flipping every unit: row k <-> row 2^n - 1 - k
    np.testing.assert_allclose(mrf.marginals(), 0.5, atol=1e-12)
    assert p.argmax() in (0, 2**9 - 1)


def test_rbm_reading_has_the_rbms_log_Z_and_conditional():
    rbm = RBM.random(4, 3, seed=3, sigma=1.0, dtype=np.float64)
    rbm.b[:] = [0.5, -1.0, 0.2, 0.0]
    rbm.c[:] = [-0.3, 0.4, 1.0]
    mrf = MRF.from_rbm(rbm)
    assert (mrf.n, mrf.m) == (7, 12) and not mrf.is_tree()
    assert mrf.log_Z() == pytest.approx(log_Z_exact(rbm), abs=1e-10)
    v = np.array([1, 0, 1, 1])
    given = mrf.condition({i: int(x) for i, x in enumerate(v)})
    assert given.m == 0  # no h-h edges: clamping v leaves the hidden units unconnected
    np.testing.assert_allclose(given.probabilities(), conditional_h_given_v(qubo_from_rbm(rbm), 4, v), atol=1e-12)


def test_condition_is_the_conditional_of_the_joint():
    mrf = random_mrf(6, grid_edges(2, 3), seed=5)
    p, _ = brute(mrf)
    clamp = {1: 1, 4: 0}
    given = mrf.condition(clamp)
    rows = {x: px for x, px in p.items() if x[1] == 1 and x[4] == 0}
    total = sum(rows.values())
    want = [rows[x] / total for x in sorted(rows)]  # itertools order = all_states order on the free units
    assert given.n == 4 and given.m == 2  # of the 7 edges only 0-3 and 2-5 avoid units 1 and 4
    np.testing.assert_allclose(given.probabilities(), want, atol=1e-12)


def test_structure():
    assert lesson_graph("chain", 1, 0).is_tree() and lesson_graph("tree", 1, 0).is_tree()
    grid = lesson_graph("grid", 1, 0)
    assert (grid.n, grid.m, grid.is_tree(), grid.m - grid.n + grid.n_components()) == (9, 12, False, 4)
    assert tree_edges(2).tolist() == [[0, 1], [0, 2], [1, 3], [1, 4], [2, 5], [2, 6]]
    forest = MRF(np.zeros((4, 2)), [(0, 1), (2, 3)], np.zeros((2, 2, 2)))
    assert forest.is_tree() and forest.n_components() == 2


@pytest.mark.parametrize("bad", [
    dict(edges=[(0, 0)]), dict(edges=[(0, 5)]), dict(edges=[(0, 1), (1, 0)]),
    dict(unary=np.full((3, 2), np.nan)), dict(pairwise=np.zeros((2, 2, 2))),
])
def test_bad_models_are_refused(bad):
    args = dict(unary=np.zeros((3, 2)), edges=[(0, 1)], pairwise=np.zeros((1, 2, 2)))
    args.update(bad)
    if "edges" in bad:
        args["pairwise"] = np.zeros((len(bad["edges"]), 2, 2))
    with pytest.raises(ValueError):
        MRF(**args)


def test_unknown_graph_and_too_many_units_are_refused():
    with pytest.raises(ValueError, match="graph must be one of"):
        lesson_graph("torus", 1, 0)
    big = MRF(np.zeros((21, 2)), np.zeros((0, 2)), np.zeros((0, 2, 2)))
    with pytest.raises(ValueError, match="cannot enumerate"):
        big.log_Z()
