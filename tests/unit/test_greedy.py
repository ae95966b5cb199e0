"""Greedy stacking (pgmviz.training.greedy): each layer trains on the one below's aggregated posterior."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.training import greedy
from pgmviz.training.protocol import Budget
from pgmviz.training.train import TrainSettings

FAST = TrainSettings(lr=0.1, momentum=0.5, batch_size=20, seed=0)


@pytest.fixture(scope="module")
def X_small() -> np.ndarray:
    return (np.random.default_rng(0).random((60, 12)) < 0.3).astype(np.float32)


# ------------------------------------------------------------------ greedy stacking
def test_layer_two_trains_on_the_layer_one_posterior_not_the_data(X_small):
    g = greedy.GreedyTrainer([12, 6, 4], X_small, FAST, propagate="probabilities")
    g.run(30, with_metrics=False)
    rbm1 = g.trainer.rbm.copy()
    g.next_layer()
    assert g.layer == 1 and g.trainer.rbm.n_v == 6
    np.testing.assert_allclose(g.layer_data(1), rbm1.p_h_given_v(X_small), rtol=1e-6)
    np.testing.assert_allclose(g.trainer.X_train, rbm1.p_h_given_v(X_small), rtol=1e-6)  # what it trains on
    np.testing.assert_array_equal(g.frozen[0].W, rbm1.W)  # layer 1 is frozen as it was


def test_sampled_propagation_hands_up_binary_states(X_small):
    g = greedy.GreedyTrainer([12, 6, 4], X_small, FAST, propagate="samples")
    g.run(10, with_metrics=False)
    g.next_layer()
    H = g.layer_data(1)
    assert set(np.unique(H)) <= {0.0, 1.0}
    P = g.frozen[0].p_h_given_v(X_small)
    assert np.all(H[P < 1e-6] == 0) and np.all(H[P > 1 - 1e-6] == 1)


def test_train_all_reports_progress_and_builds_the_stack(X_small):
    seen = []
    g = greedy.GreedyTrainer([12, 6, 4], X_small, FAST)
    net = g.train_all([40, 20], slice_updates=20, progress=lambda l, snap: seen.append((l, snap.step)))
    assert seen == [(0, 20), (0, 40), (1, 20)]
    assert g.done and net.sizes == [12, 6, 4] and len(g.seconds) == 2


def test_a_falling_rate_falls_over_each_layers_updates(X_small):
    falling = TrainSettings(lr=0.1, momentum=0.5, batch_size=20, seed=0, sampler="pcd", lr_floor=0.02)
    g = greedy.GreedyTrainer([12, 6, 4], X_small, [FAST, falling], updates_per_layer=[20, 40])
    assert g.run(Budget(updates=20)).finished and g.trainer.lr_now == 0.1  # layer 1: constant rate
    g.next_layer()
    g.run(Budget(updates=10))
    assert g.trainer.planned_updates == 40 and g.trainer.lr_now == pytest.approx(0.1 * 30 / 40)
    g.updates_per_layer = [20, 20]  # the plan can change mid-layer (a page's control): the rate follows it
    g.run(Budget(updates=5))
    assert g.trainer.lr_now == pytest.approx(0.1 * 5 / 20)
    assert g.run(Budget(updates=100)).finished and g.trainer.lr_now == pytest.approx(0.1 * 0.02)
