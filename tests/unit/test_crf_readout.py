"""pgmviz.training.crf_readout: the hybrid lesson's sentences follow its numbers."""

from __future__ import annotations

import numpy as np

from pgmviz.models import crf_data as cd
from pgmviz.training import crf_readout as readout

REF = {"hmm": {"accuracy": 0.9, "nats": -0.3}, "per_position": {"accuracy": 0.7, "nats": -0.8}}


def test_gain_is_hmm_minus_per_position():
    assert np.isclose(readout.transitions_gain(REF), 0.2)
    assert "worth up to **20.0 points**" in readout.gain_sentence(REF)
    flat = {"hmm": {"accuracy": 0.702}, "per_position": {"accuracy": 0.7}}
    assert readout.gain_sentence(flat).startswith("With these settings the neighbours add little")


def test_worth_sentence_names_the_best_noise_and_the_ends():
    w = {"hmm_accuracy": np.array([1.0, 0.95, 0.6]), "per_position_accuracy": np.array([1.0, 0.75, 0.55])}
    gains = readout.worth_gains(w)
    assert np.allclose(gains, [0, 20, 5])
    text = readout.worth_sentence([0.0, 0.2, 0.45], gains, 0.6, 0.35)
    assert "noise **0.20**, 20.0 points" in text and "at 0.45 5.0" in text
    assert "add nothing" in text and text.endswith("they have less to give.")


def test_duel_sentence_verdicts():
    start = {"epoch": 0, "held-out accuracy": 0.5, "held-out nats": -1.0}
    assert "press **Train**" in readout.duel_sentence(start, start, REF)
    crf = {"epoch": 3, "held-out accuracy": 0.85, "held-out nats": -0.4}
    net = {"epoch": 3, "held-out accuracy": 0.7, "held-out nats": -0.8}
    assert "the transitions help" in readout.duel_sentence(crf, net, REF)
    assert "(+15.0 points)" in readout.duel_sentence(crf, net, REF)
    assert "do not help (yet)" in readout.duel_sentence(net, crf, REF)
    mixed = {**crf, "held-out nats": -0.9}
    assert "the picture is mixed" in readout.duel_sentence(mixed, net, REF)


def test_run_sentence_and_rows():
    assert readout.run_sentence({"epoch": 0}, REF, 1.0) == ""
    assert "has recovered the grammar (correlation 0.95" in readout.run_sentence(
        {"epoch": 5, "held-out accuracy": 0.88}, REF, 0.95)
    rows = readout.labelled_rows(list(cd.NAMES), np.array([0, 1]), {"net alone": np.array([0, 2])})
    assert rows["true"] == [cd.NAMES[0], cd.NAMES[1]] and rows["net alone"] == [cd.NAMES[0], cd.NAMES[2] + " ✗"]
