"""AppTest of the deep-autoencoder page: it runs, its numbers are the library's, pretraining works.

AppTest does not tick fragments, so live fine-tuning is covered by pgmviz.autoencoder's unit tests
and the browser test; here the buttons' effect on the session is checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import autoencoder as ae
from pgmviz import data, grbm
from tests.app.helpers import metrics

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "autoencoder.py")
TIMEOUT = 300  # the first run computes the ready-made nets (seconds; more on a loaded machine)


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


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
    c = ae.compare_with_pca(net, Xtr, Xte)
    m = metrics(at)
    assert m["autoencoder, held out"] == f"{c.ae_test:.2f}"
    assert m["PCA, held out"] == f"{c.pca_test:.2f}"
    assert m["training digits: AE / PCA"] == f"{c.ae_train:.2f} / {c.pca_train:.2f}"
    assert c.ae_test < c.pca_test  # the page's claim, for the ready-made net


def test_code_map_and_bowl_numbers_equal_the_library(at, digits16):
    Xtr, _, Xte, yte = digits16
    pca_agree = ae.knn_agreement(ae.PCA.fit(Xtr, 2).encode(Xte), yte)
    values = [m.value for m in at.metric if m.label.startswith("5 nearest neighbours")]
    assert len(values) == 2 and values[1] == f"{pca_agree:.1%}"
    assert float(values[0].rstrip("%")) > float(values[1].rstrip("%"))  # the autoencoder's map keeps classes apart
    x = np.log(0.7 / 0.3)
    F = grbm.logistic_mean_field_free_energy(np.array([0.6, 0.7, 0.8]), x)
    assert metrics(at)["logistic: p(0.7) / p(0.6 or 0.8)"] == f"{np.exp(min(F[0], F[2]) - F[1]):.3f}×"


def test_random_start_baseline_shown_equals_the_library(at, digits16):
    Xtr, _, Xte, _ = digits16
    net = ae.random_autoencoder([256, 128, 64, 6], rng=0)
    ae.FineTuner(net, Xtr, rng=0).run(15)
    expected = f"{ae.squared_error(Xte, net.reconstruct(Xte)):.2f}"
    assert any(f"its held-out error is {expected}" in c.value for c in at.caption)
    assert float(expected) > float(metrics(at)["autoencoder, held out"])  # pretraining helps


def test_every_code_size_button(at):
    at.button(key="ae_all_sizes_button").click().run()
    assert not at.exception
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
    assert m["autoencoder, held out"] == f"{ae.squared_error(Xte, run['net'].reconstruct(Xte)):.2f}"
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
    app.run()
    assert not app.exception, app.exception
    assert app.session_state["ae_shown"]["code"] == 2
    assert app.slider(key="ae_sigma").value == pytest.approx(0.1)
    assert app.number_input(key="ae_seed").value == 0
    assert app.query_params["ae_code"] in ("2", ["2"])  # and written back to the address bar
