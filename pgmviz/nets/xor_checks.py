"""The perceptron lesson's checks: a unit's output over the plane, the XOR conditions with their w.x,
backprop against finite differences, and the two losses read as negative log-likelihoods.

Everything here runs on `pgmviz.nets.mlp`'s four Boolean examples and 2-H-1 networks.
"""

from __future__ import annotations

import numpy as np

from pgmviz.nets import comp_graph, losses, mlp, single_unit


def unit_output_grid(run: single_unit.UnitRun, k: int, n: int = 61) -> tuple[np.ndarray, np.ndarray]:
    """(axis (n,), O (n, n)): the single unit's output at recorded row k on an n x n grid, O[row=x2, col=x1].

    1[w.x >= theta] for the perceptron, sigmoid(w.x - theta) for the logistic unit (`UnitRun.outputs`).
    """
    axis = np.linspace(*mlp.GRID_RANGE, n)
    x1, x2 = np.meshgrid(axis, axis)
    return axis, run.outputs(k, np.column_stack([x1.ravel(), x2.ravel()])).reshape(n, n)


def xor_conditions(w1: float, w2: float, theta: float) -> list[dict]:
    """`single_unit.xor_inequalities` with the left-hand side w.x of each condition: rows of input, condition, w.x,
    holds."""
    w_dot_x = {"00": 0.0, "01": w2, "10": w1, "11": w1 + w2}
    return [{"input": x, "condition": c, "w·x": w_dot_x[x], "holds": ok}
            for x, c, ok in single_unit.xor_inequalities(w1, w2, theta)]


def gradient_check(params: mlp.MLPParams, graph: comp_graph.CompGraph, x: np.ndarray, t: np.ndarray, loss: str,
                   act: str) -> dict[str, np.ndarray | list]:
    """Every parameter's dL/dw by backprop (the graph's edges) and by central differences, on examples (x, t).

    Returns columns: parameter, edge (src -> dst), value, backprop, numeric, difference = |backprop - numeric|.
    """
    edges = {e.param: e for e in graph.edges if e.param is not None}
    names = params.names()
    backprop = graph.param_grads(params)
    numeric = mlp.numerical_gradient(params, x, t, loss, act)
    return {"parameter": names, "edge": [f"{edges[n].src} → {edges[n].dst}" for n in names],
            "value": np.array([edges[n].weight for n in names]), "backprop": backprop, "numeric": numeric,
            "difference": np.abs(backprop - numeric)}


def likelihood_identities(o: np.ndarray, t: np.ndarray) -> list[tuple[str, float]]:
    """sum_n -log Bern(t_n; o_n) = n CE(o, t) and sum_n -log N(t_n; o_n, 1) = n SE(o, t) + (n/2) log 2 pi.

    Returns (quantity, value) for the four sides, in that order; SE is the mean of (t - o)^2 / 2.
    """
    n = len(t)
    return [("Σₙ −log Bern(tₙ; oₙ)", float(np.sum(losses.bernoulli_nll(t, o)))),
            (f"{n} × cross-entropy loss", n * losses.cross_entropy(o, t)),
            ("Σₙ −log N(tₙ; oₙ, 1)", float(np.sum(losses.gaussian_nll(t, o, 1.0)))),
            (f"{n} × squared-error loss + {n / 2:g} log(2π)",
             n * losses.squared_error(o, t) + n / 2 * np.log(2 * np.pi))]
