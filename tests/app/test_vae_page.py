"""AppTest of the VAE page: it runs on the bundled 2-D model, the numbers it shows are the
library's (held-out ELBO and its terms, the importance-weighted log p(x), the RBM's exact
log-likelihood), the 16-D model and a live-trained one work too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.io import load_model
from pgmviz.models.vae import heldout_elbo, load_pretrained
from pgmviz.sampling import partition
from tests.app.helpers import metrics, query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "vae.py")
MODELS = load_pretrained(REPO_ROOT / "assets" / "vae")
Z2, Z16 = "MNIST VAE, 2-D latent", "MNIST VAE, 16-D latent"
TIMEOUT = 180


@pytest.fixture(scope="module")
def test_digits():
    return datasets.load("mnist").X_test


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def _table(app: AppTest) -> dict[str, float]:
    df = app.dataframe[0].value
    return dict(zip(df["model"], df["nats per digit"]))


def test_bundled_models_are_there():
    assert set(MODELS) == {Z2, Z16}


def test_default_page_shows_the_library_numbers(at, test_digits):
    assert at.title[0].value.startswith("VAE")
    assert at.segmented_control(key="vae_source").value == Z2
    vae, meta = MODELS[Z2]
    terms = vae.elbo_terms(test_digits, rng=0)
    m = metrics(at)
    assert m["held-out ELBO (nats per digit)"] == f"{heldout_elbo(vae, test_digits):.2f}"
    assert m["reconstruction term"] == f"{terms.recon.mean():.2f}"
    assert m["KL term"] == f"{terms.kl.mean():.2f}"
    assert float(m["held-out ELBO (nats per digit)"]) == pytest.approx(meta["metrics"]["elbo_test"], abs=0.01)
    table = _table(at)
    rbm, _ = load_model(REPO_ROOT / "assets" / "models" / "mnist_784x20_cd1.npz")
    assert table["RBM MNIST 784x20 CD-1"] == pytest.approx(partition.log_likelihood_exact(rbm, test_digits), abs=0.01)
    assert table["VAE (2-D z): IWAE, K = 500"] == pytest.approx(meta["metrics"]["iwae_test"]["500"], abs=0.01)
    assert table["VAE (2-D z): ELBO"] < table["VAE (2-D z): IWAE, K = 500"]
    assert len(at.get("plotly_chart")) == 4  # ELBO curves, latent map, comparison, M2 accuracies
    assert any("What to notice" in i.value for i in at.info)


def test_iwae_button_equals_library(at, test_digits):
    at.button(key="vae_iwae_run").click().run()
    assert not at.exception, at.exception
    vae, _ = MODELS[Z2]
    expected = vae.iwae_log_px(test_digits, K=10, rng=10).mean()
    assert _table(at)["VAE (2-D z): IWAE, K = 10"] == pytest.approx(expected, abs=0.01)


def test_16d_model_and_label_toggle(at, test_digits):
    at.segmented_control(key="vae_source").set_value(Z16).run()
    at.toggle(key="vae_with_y").set_value(True).run()
    assert not at.exception, at.exception
    vae, _ = MODELS[Z16]
    assert metrics(at)["held-out ELBO (nats per digit)"] == f"{heldout_elbo(vae, test_digits):.2f}"
    assert metrics(at)["latent size n_z"] == "16"
    assert any("2-D model" in i.value for i in at.info)


def test_train_your_own(at):
    at.segmented_control(key="vae_source").set_value("Yours (train live)").run()
    assert not at.exception, at.exception
    at.button(key="vae_train").click().run()
    assert not at.exception, at.exception
    trainer = at.session_state["vae_trainer"]
    assert trainer.step >= 2 and trainer.vae.config.n_z == 2
    assert int(metrics(at)["updates"].replace(",", "")) == trainer.step
    at.button(key="vae_pause").click().run()
    assert not at.exception and at.session_state["vae_running"] is False
    np.testing.assert_allclose(trainer.history[-1].elbo, trainer.history[-1].recon - trainer.history[-1].kl)


def test_m2_section_shows_the_library_accuracies(at):
    from pgmviz.models.m2 import M2, M2Config, train_m2

    assert len(at.get("plotly_chart")) == 4  # with the bundled M2 accuracies
    at.button(key="vae_m2_run").click().run()
    assert not at.exception, at.exception
    d16 = datasets.load("mnist16")
    rng = np.random.default_rng(0)
    lab = np.concatenate([rng.choice(np.flatnonzero(d16.y_train == c), 10, replace=False) for c in range(10)])
    cfg = M2Config(n_x=d16.n_v, n_hidden=64, n_z=8, alpha=50.0, lr=3e-3, seed=0)
    alone = train_m2(M2(cfg), d16.X_train[lab], d16.y_train[lab], d16.X_train[:0], 400)
    semi = train_m2(M2(cfg), d16.X_train[lab], d16.y_train[lab], d16.X_train, 400)
    m = metrics(at)
    assert m["100 labels, classifier alone"] == f"{alone.accuracy(d16.X_test, d16.y_test):.1%}"
    assert m["100 labels + 3,900 unlabelled, M2"] == f"{semi.accuracy(d16.X_test, d16.y_test):.1%}"


def test_a_link_sets_the_model_and_changes_go_back_to_the_address():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(vae_source="Yours (train live)", vae_n_z="10", vae_lr="0.001", vae_with_y="1",
                            vae_n_hidden="150", vae_seed="1e999")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.segmented_control(key="vae_source").value == "Yours (train live)"
    assert app.toggle(key="vae_with_y").value is True
    assert app.select_slider(key="vae_n_z").value == 10 and app.select_slider(key="vae_lr").value == 0.001
    assert app.select_slider(key="vae_n_hidden").value == 100  # 150 is not a choice
    assert app.number_input(key="vae_seed").value == 0
    assert query(app) == {"vae_source": "Yours (train live)", "vae_n_z": "10", "vae_lr": "0.001", "vae_with_y": "1"}
    app.select_slider(key="vae_n_hidden").set_value(200).run()
    assert query(app)["vae_n_hidden"] == "200"
