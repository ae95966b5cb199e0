"""pgmviz.ui.charts.full_bm: the machine's graph shows every allowed coupling at any training state."""

from __future__ import annotations

import re

import numpy as np

from pgmviz.training.bm_learning import connectivity
from pgmviz.ui.charts import full_bm as charts
from pgmviz.ui.theme import BLUE, RED


def _edges(dot: str) -> dict[tuple[str, str], dict]:
    found = {}
    for a, b, colour, width in re.findall(r'(\w+) -- (\w+) \[color="(#\w+)", penwidth=([\d.]+)', dot):
        found[a, b] = {"colour": colour, "width": float(width)}
    return found


def test_untrained_machine_shows_its_structure():
    """Lateral couplings at 0, visible-hidden ones small: no edge passes 0.25, yet all are drawn."""
    mask = connectivity(9, 2, "semi")  # v-v and v-h couplings, no h-h
    Q = np.zeros((11, 11))
    Q[:9, 9:] = 0.01 * np.arange(1, 19).reshape(9, 2)
    dot, strong, nonzero, largest = charts.graph_dot(Q, mask, 9, 0.25)
    edges = _edges(dot)
    assert (strong, nonzero, largest) == (0, 18, 0.18)
    assert len(edges) == 36 + 18 and ("h1", "h2") not in edges
    assert edges["v1", "v2"]["colour"] == charts.STRUCTURE  # allowed, still 0
    assert edges["v9", "h2"]["width"] == 5.0  # the largest coupling is the widest
    assert edges["v1", "h1"]["width"] < edges["v5", "h1"]["width"] < 5.0


def test_sign_and_strength_colour_an_edge():
    mask = connectivity(2, 1, "full")
    Q = np.array([[0.0, -2.0, 1.0], [0, 0, 0.5], [0, 0, 0]])
    dot, strong, nonzero, largest = charts.graph_dot(Q, mask, 2, 0.75)
    edges = _edges(dot)
    assert (strong, nonzero, largest) == (2, 3, 2.0)
    assert edges["v1", "v2"]["colour"] == BLUE.lower()  # the largest in its full colour
    assert edges["v1", "h1"]["colour"] != RED.lower() and edges["v1", "h1"]["colour"].startswith("#")
    # weaker is lighter: each channel nearer white
    light, full = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)]) for c in (edges["v2", "h1"]["colour"], RED))
    assert (light >= full).all() and (light > full).any()
    assert 'size="' in dot  # graphviz shrinks the drawing to fit the projector's first screen


def test_figures_build_from_the_checks_numbers():
    from pgmviz.sampling.partition import all_states

    fig = charts.temperature_figure(all_states(3), np.full(8, 1 / 8), np.full(8, 1 / 8), np.arange(8) / 28, 2.0, 5)
    assert list(fig.data[2].y) == [7 / 28, 6 / 28, 5 / 28, 4 / 28, 3 / 28]  # the model's most probable first
    points = {"bias": (np.array([1.0]), np.array([2.0])), "visible–hidden": (np.zeros(0), np.zeros(0)),
              "lateral": (np.array([-3.0]), np.array([0.5]))}
    fig = charts.gradient_figure(points)
    assert np.allclose(fig.data[-1].x, [-3.3, 3.3])  # the diagonal spans the largest value, 10% more
