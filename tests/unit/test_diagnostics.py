"""pgmviz.training.diagnostics: the practical guide's checks on hand-made weights and activations."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.training.diagnostics import unit_activity, update_ratio


def test_update_ratio_is_mean_abs_update_over_mean_abs_weight():
    W = np.array([[1.0, -3.0], [2.0, -2.0]])  # mean |W| = 2
    dW = np.array([[0.002, 0.0], [-0.004, 0.002]])  # mean |dW| = 0.002
    assert update_ratio(W, dW) == pytest.approx(1e-3)


def test_update_ratio_is_none_before_an_update_or_with_zero_weights():
    assert update_ratio(np.ones((2, 2)), np.zeros((2, 2))) is None
    assert update_ratio(np.zeros((2, 2)), np.ones((2, 2))) is None


def test_unit_activity_counts_dead_and_saturated_columns():
    P_h = np.array([[0.0, 1.0, 0.5, 0.02, 0.985],
                    [0.015, 1.0, 0.5, 0.0, 1.0]])  # column means 0.0075, 1, 0.5, 0.01, 0.9925
    assert unit_activity(P_h) == (1, 2)  # 0.01 itself is not below the threshold
    assert unit_activity(np.full((3, 4), 0.5)) == (0, 0)
