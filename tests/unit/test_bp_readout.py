"""pgmviz.inference.bp_readout: the Message passing lesson's rows and sentences follow its numbers."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np

from pgmviz.inference import bp_readout as readout


def test_how_far_picks_the_questions_choice():
    assert [readout.how_far(e) for e in (1e-12, 0.005, 0.02)] == list(readout.HOW_FAR)


def test_answers_rows_print_each_error():
    cmp = NS(exact=np.array([0.5, 0.25]), bp=np.array([0.5, 0.3]), mf=np.array([0.4, 0.25]))
    rows = readout.answers_rows(cmp, 2)
    assert rows["unit"] == ["x0", "x1"] and rows["BP belief"] == ["0.5000", "0.3000"]
    assert rows["|BP − exact|"] == ["0", "0.05"] and rows["|MF − exact|"] == ["0.1", "0"]


def test_coupling_sentence_names_the_grids_worst():
    J = np.array([0.0, 1.0, 2.0])
    flat = NS(bp_error=np.array([0.0, 1e-3, 2e-3]), mf_error=np.zeros(3), bp_converged=np.ones(3, bool))
    grid = NS(bp_error=np.array([0.0, 0.2, 0.1]), mf_error=np.array([0, 0.3, 0.4]),
              bp_converged=np.array([True, True, False]))
    text = readout.coupling_sentence(J, {"chain": flat, "tree": flat, "grid": grid}, "grid")
    assert "stays below **0.002**" in text and "**0.2** at its worst, at J = 1" in text
    assert "did not converge at 1 of the 3 couplings" in text and "worst on the grid is **0.4**" in text


def test_modes_sentence_two_fixed_points_or_one():
    exact = np.full(4, 0.5)
    two = {"all off": NS(means=np.full(4, 0.05)), "all on": NS(means=np.full(4, 0.95))}
    assert readout.modes_sentence(two, exact).startswith("Two starts, two fixed points")
    one = {"all off": NS(means=np.full(4, 0.5)), "all on": NS(means=np.full(4, 0.52))}
    assert readout.modes_sentence(one, exact).startswith("Here every start reaches the same fixed point")
