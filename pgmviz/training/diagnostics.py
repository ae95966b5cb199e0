"""The health checks of Hinton's practical guide (2010) for a training RBM: update size and unit activity."""

from __future__ import annotations

import numpy as np

DEAD, SATURATED = 0.01, 0.99  # a unit on for fewer / more than this fraction of the images is wasted


def update_ratio(W: np.ndarray, dW: np.ndarray) -> float | None:
    """mean |dW| / mean |W|: the guide wants about 1e-3; None before the first update (or with W = 0)."""
    W_abs, dW_abs = float(np.abs(W).mean()), float(np.abs(dW).mean())
    return dW_abs / W_abs if W_abs > 0 and dW_abs > 0 else None


def unit_activity(P_h: np.ndarray) -> tuple[int, int]:
    """(dead, saturated): hidden units whose mean p(h_j = 1 | v) over the images is < DEAD, or > SATURATED.

    P_h : ndarray of shape (n_images, n_h)
    """
    mean_on = np.asarray(P_h, dtype=np.float64).mean(axis=0)
    return int((mean_on < DEAD).sum()), int((mean_on > SATURATED).sum())
