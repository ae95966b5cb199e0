"""pgmviz.nets.comp_graph: one example's graph carries the same values and gradients as the backward pass."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.nets import comp_graph, losses, mlp

X, T_XOR = mlp.boolean_task("XOR")


@pytest.mark.parametrize("loss", losses.LOSSES)
@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
def test_computation_graph_carries_the_backward_pass(loss, act):
    params = mlp.init_params(3, rng=2)
    for n in range(4):
        G = comp_graph.computation_graph(params, X[n], T_XOR[n], loss, act)
        fwd = mlp.forward(params, X[n : n + 1], act)
        _, g = mlp.loss_and_gradient(params, X[n : n + 1], T_XOR[n : n + 1], loss, act)
        # every parameter is exactly one edge, with the backprop gradient on it
        assert sorted(e.param for e in G.edges if e.param) == sorted(params.names())
        np.testing.assert_allclose(G.param_grads(params), g.flat(), atol=1e-15)
        np.testing.assert_allclose(G.param_grads(params),
                                   mlp.numerical_gradient(params, X[n : n + 1], T_XOR[n : n + 1], loss, act),
                                   atol=1e-6)
        # forward values on the nodes
        assert G.node("o").value == pytest.approx(fwd.o[0])
        assert G.node("z").value == pytest.approx(fwd.z[0])
        for j in range(3):
            assert G.node(f"a{j + 1}").value == pytest.approx(fwd.a[0, j])
            assert G.node(f"h{j + 1}").value == pytest.approx(fwd.h[0, j])
        assert G.loss == pytest.approx(losses.loss_value(loss, fwd.z, T_XOR[n : n + 1]))
        # the chain rule node by node: a node's gradient is the sum of what its out-edges pass back
        for node in G.nodes:
            if node.kind in ("input", "sum", "act"):
                back = sum(e.back for e in G.edges if e.src == node.name)
                assert node.grad == pytest.approx(back, abs=1e-12), node.name
        # a weighted edge's gradient is (value at its tail) x (gradient at its head)
        for e in G.edges:
            if e.param:
                assert e.param_grad == pytest.approx(G.node(e.src).value * G.node(e.dst).grad, abs=1e-12)
