"""pgmviz.inference.bp against exact answers: on chains and trees BP's beliefs, pair beliefs and Bethe log Z
equal enumeration to 1e-10; on the 3x3 grid the loops make the error grow with the coupling."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.inference import bp
from pgmviz.inference.accuracy import error_vs_coupling, rbm_half_step
from pgmviz.models.mrf import MRF, chain_edges, lesson_graph, tree_edges
from pgmviz.models.rbm import RBM
from pgmviz.special import sigmoid

SETTINGS = [(0.3, 0.1, 0.0), (1.0, -0.4, 0.8), (2.5, 0.0, 0.3), (-1.2, 0.5, 1.0)]  # (J, h, spread)


def random_tree_mrf(n: int, seed: int) -> MRF:
    """Random potentials on a random tree: unit k > 0 hangs from a random earlier unit."""
    rng = np.random.default_rng(seed)
    edges = [(int(rng.integers(0, k)), k) for k in range(1, n)]
    return MRF(rng.standard_normal((n, 2)), edges, 2.0 * rng.standard_normal((n - 1, 2, 2)))


@pytest.mark.parametrize("kind", ["chain", "tree"])
@pytest.mark.parametrize("J, h, spread", SETTINGS)
def test_two_pass_beliefs_equal_enumeration_on_trees(kind, J, h, spread):
    mrf = lesson_graph(kind, J, h, spread)
    trace = bp.run_schedule(mrf, bp.tree_schedule(mrf))
    np.testing.assert_allclose(trace.beliefs[-1], mrf.marginals(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(bp.pair_beliefs(mrf, trace.messages[-1]), mrf.pair_marginals(), atol=1e-10, rtol=0)
    assert bp.bethe_log_Z(mrf, trace.messages[-1]) == pytest.approx(mrf.log_Z(), abs=1e-10)
    # loopy BP (every message at once) reaches the same fixed point on a tree
    result = bp.loopy_bp(mrf)
    assert result.converged
    np.testing.assert_allclose(result.beliefs, mrf.marginals(), atol=1e-10, rtol=0)
    assert result.log_Z == pytest.approx(mrf.log_Z(), abs=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_exact_on_random_trees_with_general_potentials(seed):
    mrf = random_tree_mrf(8, seed)
    trace = bp.run_schedule(mrf, bp.tree_schedule(mrf, root=seed))
    np.testing.assert_allclose(trace.beliefs[-1], mrf.marginals(), atol=1e-10, rtol=0)
    assert bp.bethe_log_Z(mrf, trace.messages[-1]) == pytest.approx(mrf.log_Z(), abs=1e-10)


def test_tree_schedule_sends_each_directed_edge_once_leaves_first():
    mrf = lesson_graph("tree", 1.0, 0.0)
    schedule = bp.tree_schedule(mrf)
    D = bp.directed_edges(mrf)
    assert sorted(schedule) == list(range(2 * mrf.m)) and len(schedule) == 2 * (mrf.n - 1)
    # a unit sends towards the root only after hearing from all its children
    sent = [tuple(D[d]) for d in schedule[: mrf.n - 1]]
    for k, (s, t) in enumerate(sent):
        children = {c for c in (2 * s + 1, 2 * s + 2) if c < mrf.n}
        assert children <= {a for a, b in sent[:k] if b == s}
    assert sent[-1][1] == 0  # the last upward message arrives at the root
    with pytest.raises(ValueError, match="loops"):
        bp.tree_schedule(lesson_graph("grid", 1.0, 0.0))


def test_message_is_the_sum_over_the_sender():
    """u_{s->t} = log [sum_{x_s} phi_s psi_st(x_s, 1) prod m_k(x_s)] / [the same with x_t = 0], by hand."""
    mrf = random_tree_mrf(5, seed=7)
    u = np.random.default_rng(1).standard_normal(2 * mrf.m)
    D, nbrs = bp.directed_edges(mrf), mrf.neighbours()
    for d, (s, t) in enumerate(D.tolist()):
        e = d // 2
        incoming = [u[list(map(tuple, D.tolist())).index((k, s))] for k in nbrs[s] if k != t]

        def m(x_t):
            total = 0.0
            for x_s in (0, 1):
                T = mrf.pairwise[e, x_s, x_t] if d % 2 == 0 else mrf.pairwise[e, x_t, x_s]
                total += math.exp(mrf.unary[s, x_s] + T + x_s * sum(incoming))
            return total

        assert bp.send(mrf, u, d) == pytest.approx(math.log(m(1) / m(0)), abs=1e-12)


def test_beliefs_before_any_message_are_the_unary_fields_alone():
    mrf = lesson_graph("grid", 1.0, 0.3, 0.5)
    trace = bp.run_schedule(mrf, [])
    np.testing.assert_allclose(trace.beliefs[0], sigmoid(mrf.unary[:, 1] - mrf.unary[:, 0]))


def test_loopy_error_grows_with_coupling_on_the_grid():
    sweep = error_vs_coupling("grid", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], h=0.1, spread=0.3)
    assert sweep.bp_converged.all()
    assert sweep.bp_error[0] < 1e-12  # no couplings: no loops to go round
    assert np.all(np.diff(sweep.bp_error) > 0) and sweep.bp_error[-1] > 0.01
    assert np.all(np.diff(sweep.bethe_error[1:]) < 0)  # the Bethe estimate falls further below log Z
    for kind in ("chain", "tree"):
        other = error_vs_coupling(kind, [0.5, 1.5], h=0.1, spread=0.3)
        assert other.bp_error.max() < 1e-10 and np.abs(other.bethe_error).max() < 1e-10


def test_damping_keeps_the_fixed_point_and_the_flag_tells_the_truth():
    mrf = lesson_graph("grid", 0.6, 0.1, 0.3)
    plain, damped = bp.loopy_bp(mrf), bp.loopy_bp(mrf, damping=0.5)
    assert plain.converged and damped.converged
    np.testing.assert_allclose(damped.beliefs, plain.beliefs, atol=1e-9)
    short = bp.loopy_bp(mrf, max_iters=2)
    assert not short.converged and short.iterations == 2 and short.residuals[-1] > 1e-12
    with pytest.raises(ValueError, match="damping"):
        bp.loopy_bp(mrf, damping=1.0)


def test_sweeps_on_the_grid_converge_to_loopy_bps_fixed_point():
    mrf = lesson_graph("grid", 0.5, 0.1, 0.3)
    trace = bp.run_schedule(mrf, bp.sweep_schedule(mrf, 60))
    np.testing.assert_allclose(trace.beliefs[-1], bp.loopy_bp(mrf).beliefs, atol=1e-9)
    assert np.abs(trace.beliefs[-1] - mrf.marginals()).max() > 1e-3  # ... which is not the exact answer


def test_rbm_half_step_is_exact_inference():
    rbm = RBM.random(4, 3, seed=1, sigma=1.5, dtype=np.float64)
    for v in itertools.product((0, 1), repeat=4):
        step = rbm_half_step(rbm, np.array(v))
        assert step.max_abs_diff < 1e-12 and step.edges_left == 0 and step.loops == 6
        assert step.exact.sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError):
        rbm_half_step(rbm, np.array([0.5, 0, 1, 1]))


def test_chain_and_tree_edge_lists():
    assert chain_edges(3).tolist() == [[0, 1], [1, 2]]
    assert tree_edges(1).tolist() == [[0, 1], [0, 2]]
