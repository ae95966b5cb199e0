"""The Plotly builders and pictures of Completion, Reconstructions, Generate, the CRF hybrid and Message passing
(pgmviz.ui.charts.*): each draws the numbers it is given, exactly."""

from __future__ import annotations

import numpy as np

from pgmviz.ui.charts import completion, crf_hybrid, generate, message_passing, reconstructions
from pgmviz.ui.theme import ACCENT, MUTED


def test_evidence_picture_paints_the_unseen_pixels_indigo():
    x = np.zeros(784)
    x[0] = 1.0
    observed = np.ones(784, dtype=bool)
    observed[1] = False
    img = completion.evidence_picture(x, observed, px=28)  # one screen pixel per pixel
    assert img.shape == (28, 28, 3)
    assert img[0, 0].tolist() == [255, 255, 255] and img[0, 1].tolist() == completion.HIDDEN_RGB.tolist()
    assert img[0, 2].tolist() == [0, 0, 0]


def test_top_states_are_the_most_probable_first():
    states = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    fig = completion.top_states_figure(states, np.array([0.1, 0.4, 0.2, 0.3]), np.array([0.0, 0.5, 0.25, 0.25]), 3)
    assert list(fig.data[0].x) == ["01", "11", "10"] and list(fig.data[1].y) == [0.5, 0.25, 0.25]


def test_hidden_picture_one_square_per_unit():
    img = reconstructions.hidden_picture(np.array([1.0, 0.0, 1.0]), px=12)  # 3 units: a 1 x 3 grid, k = 4 px
    assert img.shape == (4, 12, 3)
    assert img[0, 0].tolist() == reconstructions.AMBER.tolist() and img[0, 4].tolist() == reconstructions.OFF.tolist()
    assert img[3, 0].tolist() == [0, 0, 0]  # the dark line between units


def test_class_errors_colour_the_trained_classes():
    fig = reconstructions.class_errors_figure(["0", "2"], np.array([0.2, 0.1]), [False, True], 100)
    assert list(fig.data[0].marker.color) == [MUTED, ACCENT]
    assert fig.layout.yaxis.range[1] == 1.15 * 0.2


def test_label_bars_and_confusion():
    fig = generate.label_bars_figure(np.array([0.1, 0.7, 0.2]), "t")
    assert list(fig.data[0].marker.color) == [MUTED, ACCENT, MUTED]
    conf = np.array([[3, 1], [0, 2]])
    assert generate.confusion_figure(conf).data[0].z.tolist() == conf.tolist()


def test_crf_chain_has_a_net_per_position_and_a_transition_per_pair():
    dot = crf_hybrid.chain_dot(4)
    assert dot.count('label="net"') == 4 and dot.count('label="A"') == 3
    assert "{rank=same; x1; x2; x3; x4} {rank=same; u1; u2; u3; u4}" in dot


def test_crf_curves_draw_the_references_across_the_epochs():
    h = [{"epoch": 0, "held-out accuracy": 0.5, "held-out nats": -1.0},
         {"epoch": 1, "held-out accuracy": 0.8, "held-out nats": -0.5}]
    ref = {"hmm": {"accuracy": 0.9, "nats": -0.3}, "per_position": {"accuracy": 0.7, "nats": -0.8}}
    fig = crf_hybrid.curves_figure(h, h, ref, 5)
    assert list(fig.data[0].y) == [50.0, 80.0]
    assert list(fig.data[2].x) == [0, 5] and list(fig.data[2].y) == [90.0, 90.0]


def test_message_arrows_point_along_the_edge():
    assert [message_passing.arrow(np.array(d)) for d in ([1, 0], [0, 1], [-1, 0], [0, -1], [1, 1])] == list("→↑←↓↗")
