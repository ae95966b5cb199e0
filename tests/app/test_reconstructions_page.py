"""AppTest of the reconstructions page: it runs, reacts to the digit class, shows the library's
per-class errors, and turns a bad upload into an error message rather than an exception.
(AppTest cannot draw on the canvas; tests/unit/test_recon.py covers the drawn-digit path.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.evaluation import recon
from pgmviz.io import load_model
from pgmviz.models.rbm import RBM
from tests.app.helpers import metrics, query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "reconstructions.py")
TWOS = "Only 2s 16x16, 256x50 CD-1"
TIMEOUT = 120


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def _image_ids(app: AppTest) -> list[str]:
    return [img.url for el in app.get("image") for img in el.proto.imgs]


def _error_table(app: AppTest):
    return app.dataframe[0].value  # the page has one table: the per-class errors


def test_page_runs_with_the_twos_model_by_default(at):
    assert at.title[0].value == "Reconstructions"
    assert at.selectbox(key="model_picker").value == TWOS
    assert at.selectbox(key="rc_class_mnist16").value == 2  # starts on the trained class
    assert not at.error
    shown = metrics(at)
    assert shown["features on in h"].endswith("of 50")
    assert any("What to notice" in i.value for i in at.info)


def test_changing_the_class_changes_images_and_errors(at):
    before_metrics, before_imgs = metrics(at), _image_ids(at)
    at.selectbox(key="rc_class_mnist16").set_value(7).run()
    assert not at.exception
    after_metrics, after_imgs = metrics(at), _image_ids(at)
    assert after_metrics["pixels on in v"] != before_metrics["pixels on in v"]
    assert after_metrics["squared error Σᵢ (vᵢ − p(vᵢ|h))²"] != before_metrics["squared error Σᵢ (vᵢ − p(vᵢ|h))²"]
    assert before_imgs and after_imgs[:4] != before_imgs[:4]


def test_the_shown_digit_is_the_held_out_one(at):
    ds = datasets.load("mnist16")
    at.selectbox(key="rc_class_mnist16").set_value(7).run()
    at.number_input(key="rc_index_mnist16").set_value(3).run()
    v = ds.X_test[np.flatnonzero(ds.y_test == 7)[3]]
    assert metrics(at)["pixels on in v"] == f"{int(v.sum())} of 256"


def test_per_class_errors_shown_equal_the_library(at):
    rbm, meta = load_model(REPO_ROOT / "assets" / "models" / "mnist16_2_256x50_cd1.npz")
    ds = datasets.load(recon.show_set_for(rbm.n_v, meta["dataset"]))
    expected = recon.class_errors(rbm, ds.X_test, ds.y_test)
    table = _error_table(at)
    assert list(table["class"]) == [str(c) for c in expected.classes]
    np.testing.assert_allclose(table["per ink pixel"], expected.per_ink, rtol=1e-9)
    np.testing.assert_allclose(table["per pixel"], expected.mse, rtol=1e-9)
    np.testing.assert_array_equal(table["images"], expected.counts)
    # and the familiar class is the best reconstructed, as the page claims
    assert table["class"][int(np.argmin(table["per ink pixel"]))] == "2"


def test_several_rounds_show_the_drift(at):
    at.slider(key="rc_rounds").set_value(6).run()
    assert not at.exception
    assert any("6 rounds" in s.value for s in at.subheader)


def test_random_digit_button(at):
    at.button(key="rc_random").click().run()
    assert not at.exception
    assert at.selectbox(key="rc_class_mnist16").value in range(10)


def test_non_image_upload_shows_an_error_not_an_exception(at):
    at.segmented_control(key="rc_source_True").set_value("upload").run()
    assert not at.exception
    at.get("file_uploader")[0].upload("digit.png", b"certainly not a PNG", "image/png").run()
    assert not at.exception
    assert at.error and "Could not use digit.png" in at.error[0].value


def test_real_image_upload_is_reconstructed(at):
    import io

    from PIL import Image, ImageDraw

    img = Image.new("L", (120, 160), 255)  # a dark "1" on white paper, like a photo of a page
    ImageDraw.Draw(img).line([(60, 20), (60, 140)], fill=0, width=14)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    at.segmented_control(key="rc_source_True").set_value("upload").run()
    at.get("file_uploader")[0].upload("one.png", buf.getvalue(), "image/png").run()
    assert not at.exception and not at.error
    assert "features on in h" in metrics(at)


def test_draw_mode_without_a_drawing_runs(at):
    at.segmented_control(key="rc_source_True").set_value("draw").run()
    assert not at.exception
    assert any("Draw a digit" in i.value for i in at.info)


def test_a_model_that_fits_no_data_set_is_explained():
    def script():

        from pgmviz.models.rbm import RBM
        from pgmviz.ui.models import set_current_model

        set_current_model("odd", RBM.random(100, 7, seed=0), {"title": "odd"})

    app = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    # the session carries the user model into the page
    page = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    page.session_state["user_models"] = app.session_state["user_models"]
    page.session_state["current_model"] = "odd"
    page.run()
    assert not page.exception
    assert page.error and "matches none of the data sets" in page.error[0].value


def test_a_28x28_model_uses_the_28x28_digits(at):
    at.selectbox(key="model_picker").set_value("MNIST 784x20 CD-1").run()
    assert not at.exception
    assert metrics(at)["pixels on in v"].endswith("of 784")
    table = _error_table(at)
    assert len(table) == 10
    rbm, _ = load_model(REPO_ROOT / "assets" / "models" / "mnist_784x20_cd1.npz")
    assert isinstance(rbm, RBM)
    ds = datasets.load("mnist")
    np.testing.assert_allclose(table["per pixel"], recon.class_errors(rbm, ds.X_test, ds.y_test).mse)


def test_a_link_opens_the_digit_and_settings_it_names():
    ds = datasets.load("mnist16")
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(rc_model=TWOS, rc_digit="7", rc_index="3", rc_rounds="4", rc_seed="5",
                            rc_metric="mse", rc_per_class="abc")
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="rc_class_mnist16").value == 7 and app.number_input(key="rc_index_mnist16").value == 3
    assert app.slider(key="rc_rounds").value == 4 and app.number_input(key="rc_seed").value == 5
    assert app.radio(key="rc_metric").value == "mse" and app.select_slider(key="rc_per_class").value == 2
    v = ds.X_test[np.flatnonzero(ds.y_test == 7)[3]]
    assert metrics(app)["pixels on in v"] == f"{int(v.sum())} of 256"
    assert query(app) == {"rc_digit": "7", "rc_index": "3", "rc_rounds": "4", "rc_seed": "5", "rc_metric": "mse"}
    app.selectbox(key="rc_class_mnist16").set_value(2).run()  # the trained class: the default again
    app.slider(key="rc_rounds").set_value(9).run()
    assert "rc_digit" not in query(app) and query(app)["rc_rounds"] == "9"


def test_a_link_chooses_the_model():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["rc_model"] = "MNIST 784x20 CD-1"
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="model_picker").value == "MNIST 784x20 CD-1"
    assert query(app)["rc_model"] == "MNIST 784x20 CD-1"
    app.selectbox(key="model_picker").set_value(TWOS).run()
    assert "rc_model" not in query(app)  # the page's own default model


def test_the_closing_sentence_gives_the_ratio_the_table_shows(at):
    rbm, meta = load_model(REPO_ROOT / "assets" / "models" / "mnist16_2_256x50_cd1.npz")
    ds = datasets.load(recon.show_set_for(rbm.n_v, meta["dataset"]))
    ratio = recon.unfamiliar_ratio(recon.class_errors(rbm, ds.X_test, ds.y_test), (2,))
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert f"{ratio:.1f} times that of the 2s" in notice
    at.selectbox(key="model_picker").set_value("MNIST 784x20 CD-1").run()   # trained on every class
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert "times that of" not in notice and "pick the model of 2s" in notice
