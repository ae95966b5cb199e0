"""AppTest of the deep-autoencoder page: it runs, its numbers are the library's, pretraining works.

The first run loads the bundled nets (assets/autoencoder/) and trains nothing; a missing or broken
file is reported and the page trains that net instead. AppTest does not tick fragments, so live
fine-tuning is covered by pgmviz.nets.autoencoder's unit tests and the browser test; here the buttons'
effect on the session is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import data
from pgmviz.models import grbm
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_finetune as ae_ft
from pgmviz.nets import autoencoder_io as ae_io
from pgmviz.nets import autoencoder_recipe as ae_recipe
from pgmviz.nets.pca import PCA, compare_with_pca, knn_agreement, squared_error
from tests.app.helpers import metrics, query, run

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "lessons" / "autoencoder.py")
BUNDLED = ROOT / "assets" / "autoencoder"
TIMEOUT = 300  # generous: the fallback test trains the ready-made nets (seconds; more on a loaded machine)


def bundled_meta(code: int) -> dict:
    return ae_io.load_autoencoder(BUNDLED / ae_io.asset_name(ae_recipe.READY_MADE.sizes(code)))[1]


def no_training(*args, **kwargs):
    raise AssertionError("the page trained an autoencoder on its first run")


def test_first_run_loads_the_bundled_nets_and_trains_nothing(monkeypatch):
    """Defined first, so this page's caches are cold (other modules do not run this page)."""
    monkeypatch.setattr(ae, "pretrain", no_training)
    for name in ("pretrain_bottom", "pretrain_and_finetune", "finetune_from_random"):
        monkeypatch.setattr(ae_recipe, name, no_training)
    monkeypatch.setattr(ae_ft.FineTuner, "run", no_training)
    # (No wall-time bound: speed claims live in bench/. The patched calls above fail the run if it trains a net.)
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    meta = bundled_meta(6)
    m = metrics(app)
    assert m["autoencoder, held out"] == f"{meta['test_squared_error']:.2f}"
    assert m["PCA, held out"] == f"{meta['pca_test_squared_error']:.2f}"
    assert m["fine-tuning epochs"] == str(ae_recipe.READY_MADE.ft_epochs)
    assert m["pretraining time"] == f"{meta['pretrain_seconds']:.1f} s"
    assert m["fine-tuning time"] == f"{meta['finetune_seconds']:.1f} s"
    assert any("bundled with the app" in c.value for c in app.caption)
    app.button(key="ae_all_sizes_button").click().run()  # every code size, still no training
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error


@pytest.fixture(scope="module")
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


@pytest.fixture(scope="module")
def digits16():
    Xtr, ytr, Xte, yte = data.mnist_split()
    return data.downsample(Xtr, 16), ytr, data.downsample(Xte, 16), yte


def test_page_runs_with_claim_and_notice(at):
    assert at.title[0].value == "Deep autoencoder"
    assert not at.error
    assert any("What to notice" in i.value for i in at.info)
    assert at.session_state["ae_shown"]["code"] == 6


def test_errors_shown_equal_the_library(at, digits16):
    Xtr, _, Xte, _ = digits16
    net = at.session_state["ae_shown"]["net"]
    c = compare_with_pca(net, Xtr, Xte)
    m = metrics(at)
    assert m["autoencoder, held out"] == f"{c.ae_test:.2f}"
    assert m["PCA, held out"] == f"{c.pca_test:.2f}"
    assert m["training digits: AE / PCA"] == f"{c.ae_train:.2f} / {c.pca_train:.2f}"
    assert c.ae_test < c.pca_test  # the page's claim, for the ready-made net


def test_code_map_and_bowl_numbers_equal_the_library(at, digits16):
    Xtr, _, Xte, yte = digits16
    pca_agree = knn_agreement(PCA.fit(Xtr, 2).encode(Xte), yte)
    values = [m.value for m in at.metric if m.label.startswith("5 nearest neighbours")]
    assert len(values) == 2 and values[1] == f"{pca_agree:.1%}"
    assert float(values[0].rstrip("%")) > float(values[1].rstrip("%"))  # the autoencoder's map keeps classes apart
    x = np.log(0.7 / 0.3)
    F = grbm.logistic_mean_field_free_energy(np.array([0.6, 0.7, 0.8]), x)
    gap = min(F[0], F[2]) - F[1]
    assert metrics(at)["logistic: F(0.6 or 0.8) − F(0.7), mean field"] == f"{gap:.3f} nats"
    sig = at.slider(key="ae_sigma").value
    E = grbm.gaussian_unit_energy(np.array([0.6, 0.8]), 0.7, sig)
    assert metrics(at)["Gaussian: E(0.6 or 0.8) − E(0.7)"] == f"{min(E):,.2f} nats"
    assert not any("p(0.7) / p(0.6 or 0.8)" in m.label for m in at.metric if m.label.startswith("logistic"))
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert f"only {gap:.2f} nats below both" in notice and "times likelier" not in notice


def test_grey_digit_gaussian_rbm_numbers_equal_the_library(at, digits16):
    Xtr, _, Xte, _ = digits16
    g = grbm.fit_grey_images(Xtr, 100, 20, seed=0)
    m = metrics(at)
    err, base = g.squared_error(Xte), float(((Xte - g.mean) ** 2).sum(axis=1).mean())
    assert m["held-out squared error per image, redrawn"] == f"{err:.2f}"
    assert m["… drawing every digit as the mean image"] == f"{base:.2f}"
    assert m["σ per pixel (fixed)"] == f"{g.scale:.3f}"
    assert err < 0.3 * base  # the hidden units carry most of each digit
    # the training time is the measurement, not a promise ("about a second" is false on a loaded server)
    caption = next(c.value for c in at.caption if "Gaussian-Bernoulli RBM on the same" in c.value)
    took = re.search(r"it took (\d+\.\d) s of wall-clock time here", caption)
    assert took and float(took.group(1)) >= 0 and "about a second" not in caption
    # the caption's reason for one scale: per-pixel standardisation blows up blank border pixels
    assert np.abs(grbm.standardise(Xtr)[0]).max() > 10 * np.abs(grbm.centre_and_scale(Xtr)[0]).max()


def test_random_start_baseline_shown_is_the_bundled_control(at):
    # the bundled control's history is the library's finetune_from_random (tests/unit/test_autoencoder_io.py)
    expected = f"{bundled_meta(6)['random_history'][-1]['held-out squared error']:.2f}"
    assert any(f"its held-out error is {expected}" in c.value for c in at.caption)
    assert float(expected) > float(metrics(at)["autoencoder, held out"])  # pretraining helps


def test_every_code_size_button(at):
    at.button(key="ae_all_sizes_button").click().run()
    assert not at.exception
    assert not at.error
    assert at.session_state["ae_all_sizes"] is True


def test_pretrain_button_gives_an_unrolled_net_then_fine_tune_starts(at, digits16):
    Xtr, _, Xte, _ = digits16
    at.slider(key="ae_pre_epochs").set_value(2).run()
    at.button(key="ae_pretrain").click().run()
    assert not at.exception
    run = at.session_state["ae_runs"][6]
    assert run["source"] == "yours" and run["tuner"].epoch == 0
    assert [row[:2] for row in run["pretrain_log"]][-1] == (2, 2)  # 3 RBMs x 2 epochs, the last one linear
    m = metrics(at)
    assert m["fine-tuning epochs"] == "0"
    assert m["autoencoder, held out"] == f"{squared_error(Xte, run['net'].reconstruct(Xte)):.2f}"
    at.button(key="ae_finetune").click().run()
    assert not at.exception
    assert at.session_state["ae_tuning"] is True
    at.button(key="ae_stop").click().run()
    assert at.session_state["ae_tuning"] is False
    at.button(key="ae_forget").click().run()
    assert 6 not in at.session_state["ae_runs"]


def test_settings_come_from_and_go_to_the_url():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["ae_code"] = "2"
    app.query_params["ae_sigma"] = "0.1"
    app.query_params["ae_seed"] = "not a number"
    app.query_params["ae_ft_epochs"] = "1e999"
    app.run()
    assert not app.exception, app.exception
    assert app.session_state["ae_shown"]["code"] == 2
    assert app.slider(key="ae_sigma").value == pytest.approx(0.1)
    assert app.number_input(key="ae_seed").value == 0
    assert app.slider(key="ae_ft_epochs").value == ae_recipe.READY_MADE.ft_epochs
    assert query(app) == {"ae_code": "2", "ae_sigma": "0.1"}  # and written back to the address bar
    app.slider(key="ae_sigma").set_value(0.2)
    app.slider(key="ae_pre_epochs").set_value(3).run()
    assert query(app) == {"ae_code": "2", "ae_sigma": "0.2", "ae_pre_epochs": "3"}


def test_a_linked_sigma_lands_on_the_sliders_steps():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["ae_sigma"] = "0.123"
    app.run()
    assert not app.exception, app.exception
    assert app.slider(key="ae_sigma").value == 0.12


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
def test_an_unusable_bundled_file_is_reported_and_the_net_trained_here(broken, monkeypatch, tmp_path, digits16):
    """The page says which file and why, then trains that net (the fallback, cached per server) instead."""
    bundled_err = bundled_meta(6)["test_squared_error"]
    bad = tmp_path / "bad.npz"
    if broken == "corrupt":
        bad.write_bytes(b"not an npz file")
    monkeypatch.setattr(ae_io, "asset_name", lambda sizes: str(bad))  # an absolute name replaces the folder
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value for e in app.error]
    assert len(errors) == 2  # code 6 (section 1) and code 2 (the code map), once each
    assert all("could not be used" in e and "scripts/train_autoencoder.py" in e for e in errors)
    assert ("not found" if broken == "missing" else "not a readable .npz") in errors[0]
    assert any("computed once per server" in c.value for c in app.caption)
    Xtr, _, Xte, _ = digits16
    c = compare_with_pca(app.session_state["ae_shown"]["net"], Xtr, Xte)
    assert metrics(app)["autoencoder, held out"] == f"{c.ae_test:.2f}"
    assert c.ae_test == pytest.approx(bundled_err, rel=1e-2)  # the same recipe (bit for bit with the same BLAS)
