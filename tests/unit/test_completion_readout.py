"""pgmviz.inference.completion_readout: the completion lesson's sentences follow its numbers."""

from __future__ import annotations

import numpy as np

from pgmviz.inference import completion_readout as readout


def test_error_sentence_falls_or_not():
    assert readout.error_sentence(np.array([0.3, 0.1, 0.05]), "hidden pixel", "step", False) == (
        "From the random start the error falls from **0.300** to **0.050** per hidden pixel in 2 steps.")
    assert "noisy start the error does not fall" in readout.error_sentence(np.array([0.1, 0.2]), "pixel",
                                                                           "iteration", True)


def test_how_fast_reads_the_first_step():
    assert readout.how_fast(np.array([0.4, 0.1, 0.08]), "pixel", "step").startswith("most of the error goes")
    assert readout.how_fast(np.array([0.4, 0.35, 0.1]), "pixel", "step") == (
        "the error falls from 0.400 to 0.100 per pixel over 2 steps")
    assert readout.how_fast(np.array([0.1, 0.2]), "pixel", "step").startswith("the error does not fall")


def test_patch_and_comparison_sentences():
    tv = np.array([0.5, 0.2, 0.1])
    assert readout.closer_words(tv, 0.15) == "closer than" and readout.closer_words(tv, 0.05) == "no closer than"
    assert "is **0.100** from the exact" in readout.patch_sentence(tv, 0.15)

    class Comp:
        names, squared, wrong, squared_averaged, n_digits = ["CD-1", "PCD-1"], np.array([0.2, 0.1]), [1, 2], [3, 4], 30
    assert "**PCD-1** completes them best here (0.100 against 0.200" in readout.comparison_sentence(
        Comp, "hidden half", 3, 100, "step", "hidden pixel")
    assert list(readout.comparison_rows(Comp, "pixel", averaged=False)) == ["model", "squared error per pixel",
                                                                            "pixels wrong"]
    assert "averaged over the steps" in readout.comparison_rows(Comp, "pixel", averaged=True)
