"""Backprop drawn: one example through a 2-H-1 network as a graph of values and gradients.

`computation_graph` keeps every intermediate value of `pgmviz.nets.mlp.forward` and every gradient
of `pgmviz.nets.mlp.backward` for one example as nodes and edges a page can draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.nets.losses import loss_value
from pgmviz.nets.mlp import MLPParams, activation_slope, backward, forward


@dataclass
class Node:
    """One value in the computation graph of one example.

    kind: "input", "one" (the constant 1 that biases multiply), "sum" (a or z), "act" (h or o),
    "loss". ``value`` is its forward value, ``grad`` is dL/d(value).
    """

    name: str
    kind: str
    layer: int  # column when drawn left to right
    value: float
    grad: float


@dataclass
class Edge:
    """One arrow src -> dst.

    A weighted edge carries a parameter (``param`` names it, ``weight`` is its value): forward it
    sends weight * src, backward ``param_grad`` = dL/dweight = src * dL/ddst. A function edge
    (activation, loss) has no parameter; ``local`` is d dst / d src either way, and ``back``
    = dL/ddst * local is the gradient it passes back to src.
    """

    src: str
    dst: str
    param: str | None
    weight: float | None
    forward: float  # what src contributes to dst: weight * src, or dst itself for a function edge
    local: float  # d dst / d src
    back: float  # dL/ddst * d dst / d src
    param_grad: float | None  # dL/dweight (weighted edges only)


@dataclass
class CompGraph:
    nodes: list[Node]
    edges: list[Edge]
    loss: float
    target: float

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def param_grads(self, params: MLPParams) -> np.ndarray:
        """The edges' dL/dweight in the order of ``params.flat()``."""
        by_name = {e.param: e.param_grad for e in self.edges if e.param is not None}
        return np.array([by_name[name] for name in params.names()])


def computation_graph(params: MLPParams, x, t: float, loss: str = "cross_entropy",
                      act: str = "tanh") -> CompGraph:
    """The network on one input x as a graph: forward value and dL/d(value) on every node, and on
    every edge what flows forward and the gradient that flows back.

    Biases are edges from a constant node "1", so every parameter is exactly one edge and the
    gradient on that edge is the one gradient descent uses (for this example alone).
    """
    x = np.asarray(x, float).reshape(1, 2)
    fwd = forward(params, x, act)
    g = backward(params, fwd, np.array([t]), loss, act)
    H = params.n_hidden
    a, h, z, o = fwd.a[0], fwd.h[0], float(fwd.z[0]), float(fwd.o[0])
    L = loss_value(loss, fwd.z, [t])
    dL_do, dL_dz = float(g.do[0]), float(g.dz[0])
    nodes = [Node("x1", "input", 0, float(x[0, 0]), float(g.da[0] @ params.W1[0])),
             Node("x2", "input", 0, float(x[0, 1]), float(g.da[0] @ params.W1[1])),
             Node("1", "one", 0, 1.0, float(g.da[0] @ params.b1))]
    nodes += [Node(f"a{j + 1}", "sum", 1, float(a[j]), float(g.da[0, j])) for j in range(H)]
    nodes += [Node(f"h{j + 1}", "act", 2, float(h[j]), float(g.dh[0, j])) for j in range(H)]
    nodes += [Node("1'", "one", 2, 1.0, dL_dz * float(params.b2)),
              Node("z", "sum", 3, z, dL_dz), Node("o", "act", 4, o, dL_do), Node("L", "loss", 5, L, 1.0)]
    edges: list[Edge] = []
    for i, xi in enumerate(x[0]):
        for j in range(H):
            w = float(params.W1[i, j])
            edges.append(Edge(f"x{i + 1}", f"a{j + 1}", f"W1[{i + 1},{j + 1}]", w, w * xi, w,
                              float(g.da[0, j]) * w, float(g.dW1[i, j])))
    for j in range(H):
        w = float(params.b1[j])
        edges.append(Edge("1", f"a{j + 1}", f"b1[{j + 1}]", w, w, w, float(g.da[0, j]) * w, float(g.db1[j])))
    slope = activation_slope(act, h)
    for j in range(H):
        edges.append(Edge(f"a{j + 1}", f"h{j + 1}", None, None, float(h[j]), float(slope[j]),
                          float(g.da[0, j]), None))
    for j in range(H):
        w = float(params.w2[j])
        edges.append(Edge(f"h{j + 1}", "z", f"w2[{j + 1}]", w, w * float(h[j]), w, dL_dz * w, float(g.dw2[j])))
    edges.append(Edge("1'", "z", "b2", float(params.b2), float(params.b2), float(params.b2),
                      dL_dz * float(params.b2), float(g.db2)))
    edges.append(Edge("z", "o", None, None, o, o * (1.0 - o), dL_dz, None))
    edges.append(Edge("o", "L", None, None, L, dL_do, dL_do, None))
    return CompGraph(nodes, edges, L, float(t))
