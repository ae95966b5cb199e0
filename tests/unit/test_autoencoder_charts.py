"""The Deep autoencoder lesson's library pieces: its chart builders, the bundled-net check, the units' bowls."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pgmviz.models import grbm
from pgmviz.nets import autoencoder_io as ae_io
from pgmviz.nets import autoencoder_recipe as ae_recipe
from pgmviz.ui.charts import autoencoder as charts

ROOT_ASSETS = Path(__file__).resolve().parents[2] / "assets" / "autoencoder"


def test_pretraining_figure_has_one_curve_per_rbm():
    log = [(0, 1, 9.0), (0, 2, 7.0), (1, 1, 3.0), (1, 2, 2.5), (2, 1, 1.0)]
    fig = charts.pretraining_figure(log, [256, 128, 64, 6])
    assert [t.name for t in fig.data] == ["RBM 1: 256 → 128", "RBM 2: 128 → 64", "RBM 3: 64 → 6"]
    assert list(fig.data[1].y) == [3.0, 2.5]


def test_finetuning_figure_draws_both_runs_and_pca_level():
    hist = [{"epoch": e, "held-out squared error": 5.0 - e} for e in range(4)]
    rand = [{"epoch": e, "held-out squared error": 9.0 - e / 2} for e in range(4)]
    fig = charts.finetuning_figure(hist, rand, 4.5, 6)
    assert list(fig.data[0].y) == [5.0, 4.0, 3.0, 2.0] and list(fig.data[2].y) == [4.5, 4.5]
    assert fig.layout.yaxis.range == (0, pytest.approx(1.4 * 5.0))


def test_code_map_and_code_size_figures():
    y = np.repeat(np.arange(10), 3)
    Z = np.arange(60, dtype=float).reshape(30, 2)
    fig = charts.code_map_figure(Z, y, "map")
    assert len(fig.data) == 10 and list(fig.data[4].x) == list(Z[y == 4, 0])
    fig = charts.code_size_figure(np.array([3.0, 2.0, 1.0]), [2, 6], [2.5, 1.5])
    assert list(fig.data[1].text) == ["2.50", "1.50"]


def test_unit_bowls_gaps_match_the_formulas():
    b = grbm.unit_bowls(0.05)
    assert b["gap_gaussian"] == pytest.approx(0.1**2 / (2 * 0.05**2))  # = 2 nats
    assert b["ratio_gaussian"] == pytest.approx(np.exp(2.0))
    x = np.log(0.7 / 0.3)
    F = grbm.logistic_mean_field_free_energy(np.array([0.6, 0.7, 0.8]), x)
    assert b["gap_logistic"] == pytest.approx(min(F[0], F[2]) - F[1])
    assert b["logistic"].min() == pytest.approx(0.0, abs=1e-5)  # the minimum sits at 0.7
    assert abs(b["values"][np.argmin(b["logistic"])] - 0.7) < 0.003
    assert len(charts.bowls_figure(b).data) == 4


def test_toy_figure_draws_samples_under_the_data():
    S, X = np.zeros((5, 2)), np.ones((7, 2))
    fig = charts.toy_figure(S, X, "t")
    assert [t.name for t in fig.data] == ["GRBM samples", "data"] and len(fig.data[1].x) == 7


def test_load_ready_made_accepts_the_bundled_net_and_refuses_another_recipe():
    path = ROOT_ASSETS / ae_io.asset_name(ae_recipe.READY_MADE.sizes(6))
    net, meta = ae_recipe.load_ready_made(path, 6)
    assert net.code_size == 6 and "random_history" in meta
    with pytest.raises(ValueError, match="another recipe"):
        ae_recipe.load_ready_made(path, 2)  # a 6-number net is not the 2-number one
    buf = io.BytesIO()
    ae_io.save_autoencoder(buf, net, {k: v for k, v in meta.items() if k != "history"})
    with pytest.raises(ValueError, match="lacks history"):
        ae_recipe.load_ready_made(buf.getvalue(), 6)


def test_grey_digits_mean_image_error():
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    g = grbm.GreyDigits(grbm.GaussianRBM.random(2, 1), X.mean(axis=0), 1.0, [])
    assert g.mean_image_error(X) == pytest.approx(0.25)
