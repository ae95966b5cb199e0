"""AppTest of lesson 4, fantasy chains: Run samples and renders once, the settings decide what is
shown, too-large requests are refused with a message, the player's frame slider and buttons (pgmviz.ui.player,
keys fc_frame_*) move through the frames, and the free energies shown are the model's.

The page runs on a small 16x16 model put into the session as the user's own (so the tests do not
depend on the pretrained files), except for one test of the default pretrained model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.models.rbm import RBM
from pgmviz.training.train import Trainer, TrainSettings
from tests.app.helpers import query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "fantasy.py")
TIMEOUT = 120
MODEL = "test 2s 256x20"


@pytest.fixture(scope="module")
def small_model() -> tuple[RBM, dict]:
    ds = datasets.load("mnist16_2")
    rbm = RBM.random(256, 20, seed=0, data=ds.X_train)
    Trainer(rbm, ds.X_train, settings=TrainSettings(lr=0.1, batch_size=20, seed=0)).run(300, with_metrics=False)
    return rbm, {"dataset": "mnist16_2", "image_shape": [16, 16], "source": "yours"}


def page(small_model, **settings) -> AppTest:
    """The page with the small model current and the given settings (fc_<name>) preset."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    rbm, meta = small_model
    at.session_state["user_models"] = {MODEL: {"rbm": rbm, "meta": meta}}
    at.session_state["current_model"] = MODEL
    for key, value in settings.items():
        at.session_state["fc_" + key] = value
    return at.run()


def run_and_pause(at: AppTest) -> AppTest:
    at.button(key="fc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    if at.session_state["fc_frame_playing"]:  # Run starts the animation; pause it so reruns keep the frame
        at.button(key="fc_frame_play").click().run()
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def plotly_array(x) -> np.ndarray:
    """A plotly JSON array: a plain list, or plotly 6's base64 typed array {"dtype", "bdata"}."""
    if isinstance(x, dict):
        import base64

        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
    return np.asarray(x)


def result(at: AppTest) -> dict:
    return at.session_state["fc_result"]


def test_runs_without_exception_and_waits_for_run(small_model):
    at = page(small_model)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Fantasy chains"
    assert "fc_result" not in at.session_state
    assert any("Run the chains" in i.value for i in at.info)
    assert any("What to notice" in i.value for i in at.info)
    # a 16x16 model offers all three starts
    assert at.radio(key="fc_start").options == ["Random noise", "Test digits", "Your drawing"]


def test_run_produces_frames_and_a_contact_sheet(small_model):
    at = run_and_pause(page(small_model, n_chains=6, n_steps=100, every=10, seed=3))
    res = result(at)
    rec = res["record"]
    assert rec.n_chains == 6 and rec.n_frames == 11 and rec.n_steps == 100
    assert res["frames"].dtype == np.uint8 and res["frames"].shape[0] == 11
    images = at.get("image")
    assert len(images) == 4  # the animation frame and the contact sheets: start, final v, final p(v|h)
    assert any("Final samples v (step 100)" in c for img in images for c in img.captions if c)
    assert len([b for b in at.get("download_button") if "_slides_" not in b.key]) == 1  # the GIF (besides Slides)
    assert len(at.select_slider(key="fc_frame_slider").options) == 11
    assert "What to notice" in at.info[-1].value
    assert not at.error


def test_changing_settings_changes_what_is_shown(small_model):
    at = run_and_pause(page(small_model, n_chains=6, n_steps=100, every=10))
    assert len(at.select_slider(key="fc_frame_slider").options) == 11
    at.slider(key="fc_n_chains").set_value(3)
    at.number_input(key="fc_n_steps").set_value(60)
    at.number_input(key="fc_every").set_value(20)
    at.run()
    # the request line updates at once; the shown result only after Run
    assert any("3 chains" in md.value and "**4 frames**" in md.value for md in at.markdown)
    assert result(at)["record"].n_chains == 6
    run_and_pause(at)
    rec = result(at)["record"]
    assert (rec.n_chains, rec.n_frames, rec.n_steps) == (3, 4, 60)
    assert rec.steps.tolist() == [0, 20, 40, 60]
    assert [at.select_slider(key="fc_frame_slider").format_func(i) for i in range(4)] == \
        ["step 0", "step 20", "step 40", "step 60"]
    assert result(at)["frames"].shape[0] == 4


def test_too_large_a_request_shows_a_clear_error(small_model):
    at = page(small_model, n_chains=36, n_steps=20_000, every=1)
    assert at.error, "no error shown"
    msg = at.error[0].value
    assert "Too much to record" in msg and "limit" in msg and "m >=" in msg
    assert at.button(key="fc_run").disabled
    # following the advice makes it fit
    m = int(msg.split("m >= ")[1].split(" ")[0])
    at.number_input(key="fc_every").set_value(m).run()
    assert not at.error and not at.button(key="fc_run").disabled


def test_stepping_the_frame_slider_changes_the_shown_frame(small_model):
    at = run_and_pause(page(small_model, n_chains=4, n_steps=50, every=5, seed=1))
    assert not at.session_state["fc_frame_playing"]
    url = at.get("image")[0].proto.imgs[0].url
    frame = at.session_state["fc_frame_pos"]
    at.select_slider(key="fc_frame_slider").set_value(frame + 3).run()
    assert at.session_state["fc_frame_pos"] == frame + 3
    assert metric(at, "Gibbs step") == str(5 * (frame + 3))
    new_url = at.get("image")[0].proto.imgs[0].url
    assert new_url != url
    # the buttons step too, and stop at the ends
    at.button(key="fc_frame_next").click().run()
    assert at.session_state["fc_frame_pos"] == frame + 4
    at.button(key="fc_frame_back").click().run()
    at.button(key="fc_frame_back").click().run()
    assert at.session_state["fc_frame_pos"] == frame + 2
    at.button(key="fc_frame_last").click().run()
    assert at.session_state["fc_frame_pos"] == 10 and metric(at, "Gibbs step") == "50"
    at.button(key="fc_frame_next").click().run()
    assert at.session_state["fc_frame_pos"] == 10
    at.button(key="fc_frame_first").click().run()
    assert at.session_state["fc_frame_pos"] == 0 and metric(at, "Gibbs step") == "0"


def test_playing_advances_and_the_result_is_not_recomputed(small_model):
    at = page(small_model, n_chains=4, n_steps=40, every=4)
    at.button(key="fc_run").click().run()
    assert at.session_state["fc_frame_playing"] and at.session_state["fc_frame_pos"] == 0  # Run shows frame 0 first
    rec = result(at)["record"]
    at.run()  # a rerun while playing (what a tick does) moves on one frame, with the same record
    assert at.session_state["fc_frame_pos"] == 1
    assert result(at)["record"] is rec
    at.select_slider(key="fc_frame_speed").set_value("4x").run()
    assert at.session_state["fc_frame_pos"] == 3  # 4x advances two frames per tick
    at.select_slider(key="fc_frame_speed").set_value("8x").run()
    assert at.session_state["fc_frame_pos"] == 7  # 8x: four per tick
    at.run()
    assert at.session_state["fc_frame_pos"] == 0 and at.session_state["fc_frame_playing"]  # 11 frames: it loops


def test_free_energy_shown_equals_the_library(small_model):
    rbm, _ = small_model
    at = run_and_pause(page(small_model, n_chains=5, n_steps=30, every=3, seed=7))
    rec = result(at)["record"]
    for frame in (0, 4, rec.n_frames - 1):
        at.select_slider(key="fc_frame_slider").set_value(frame).run()
        expected = rbm.free_energy(rec.V[frame].astype(np.float32)).mean()
        assert metric(at, "Mean F(v) of the chains") == f"{expected:.2f}"
        np.testing.assert_allclose(rec.frame_free_energy(frame), rbm.free_energy(rec.V[frame]), rtol=1e-6)
    X = datasets.load("mnist16_2").X_test
    assert metric(at, "Mean F(v) of held-out digits") == f"{rbm.free_energy(X).mean():.2f}"
    # the chart's mean line is the mean over chains of the recorded F
    import json

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    mean = next(tr for tr in spec["data"] if tr.get("name") == "mean of the chains")
    steps = plotly_array(mean["x"]).astype(int)
    assert steps[0] == 0 and steps[-1] == 30
    np.testing.assert_allclose(plotly_array(mean["y"]), np.round(rec.free_energy[steps], 2).mean(axis=1), atol=1e-6)


def test_same_seed_same_chains_and_start_from_data(small_model):
    at = run_and_pause(page(small_model, n_chains=4, n_steps=20, every=5, seed=11, start="data"))
    a = result(at)["record"]
    X = datasets.load("mnist16_2").X_test
    # every chain starts at a held-out digit
    for v in a.V[0]:
        assert (np.abs(X - v).sum(axis=1) == 0).any()
    run_and_pause(at)
    b = result(at)["record"]
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.free_energy, b.free_energy)


def test_base_rate_noise_and_drawing_without_a_drawing(small_model):
    at = run_and_pause(page(small_model, n_chains=36, n_steps=10, every=10, noise="base_rate"))
    V0 = result(at)["record"].V[0]
    rate = datasets.load("mnist16_2").X_train.mean()
    assert abs(V0.mean() - rate) < 0.05  # far from uniform noise's 0.5
    at.radio(key="fc_start").set_value("drawing").run()
    assert not at.exception
    at.button(key="fc_run").click().run()
    assert any("Draw a digit" in e.value for e in at.error)


def test_default_pretrained_model_runs():
    assert any((REPO_ROOT / "assets" / "models").glob("*.npz")), "the bundled models are missing"
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    at.slider(key="fc_n_chains").set_value(4)
    at.number_input(key="fc_n_steps").set_value(50).run()
    run_and_pause(at)
    assert result(at)["record"].n_chains == 4


def test_settings_round_trip_through_the_url(small_model):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    rbm, meta = small_model
    at.session_state["user_models"] = {MODEL: {"rbm": rbm, "meta": meta}}
    at.session_state["current_model"] = MODEL
    at.query_params.update(fc_start="data", fc_n_chains="5", fc_n_steps="40", fc_every="8", fc_seed="9",
                           fc_noise="nonsense", bogus="1")
    at.run()
    assert at.radio(key="fc_start").value == "data"
    assert at.slider(key="fc_n_chains").value == 5
    assert at.number_input(key="fc_n_steps").value == 40 and at.number_input(key="fc_every").value == 8
    assert at.number_input(key="fc_seed").value == 9
    assert at.session_state["fc_noise"] == "uniform"  # invalid values are ignored
    run_and_pause(at)
    rec = result(at)["record"]
    assert (rec.n_chains, rec.n_steps, rec.every) == (5, 40, 8)
    # the address describes the settings: the ones away from their defaults, and others' untouched
    assert query(at) == {"fc_model": MODEL, "fc_start": "data", "fc_n_chains": "5", "fc_n_steps": "40",
                         "fc_every": "8", "fc_seed": "9", "bogus": "1"}
    at.slider(key="fc_n_chains").set_value(7)
    at.number_input(key="fc_seed").set_value(0).run()
    assert query(at)["fc_n_chains"] == "7" and "fc_seed" not in query(at)  # back at its default: left out


def test_a_link_names_a_pretrained_model():
    assert (REPO_ROOT / "assets" / "models" / "mnist_784x20_cd1.npz").is_file(), "the bundled 784x20 model is missing"
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params["fc_model"] = "MNIST 784x20 CD-1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["current_model"] == "MNIST 784x20 CD-1"
    assert at.selectbox(key="model_picker").value == "MNIST 784x20 CD-1"


def test_the_reader_reads_the_final_means(small_model):
    from pgmviz.evaluation import census
    from pgmviz.evaluation.reader import bundled_reader

    at = run_and_pause(page(small_model, n_chains=6, n_steps=30, every=10))
    rec = result(at)["record"]
    final = census.Census(rec.P_v[-1].astype(np.float32),
                          bundled_reader((16, 16)).read(rec.P_v[-1].astype(np.float32)))
    line = next(m.value for m in at.markdown if m.value.startswith("The independent reader"))
    assert census.describe_reading(final) in line
    assert f"{bundled_reader((16, 16)).test_accuracy:.0%} right" in line


def test_cd1_pcd_and_pa_side_by_side_show_the_files_and_the_library(small_model):
    from pgmviz.evaluation import census
    from pgmviz.evaluation.reader import bundled_reader
    from pgmviz.io import load_model

    at = page(small_model)
    assert not at.exception, [e.value for e in at.exception]
    files = {"CD-1": "mnist_784x500_cd1", "PCD-1": "mnist_784x500_pcd1", "PA-1": "mnist_784x500_pa1"}
    models = {label: load_model(REPO_ROOT / "assets" / "models" / f"{stem}.npz") for label, stem in files.items()}
    shown = [m.value for m in at.metric if m.label.startswith("classes the reader sees")]
    assert shown == [f"{meta['fantasy']['entropy_bits']:.2f} bits" for _, meta in models.values()]
    recipes = [c.value for c in at.caption if "learning rate" in c.value]
    assert [f"{m['sampler'].upper()}-1" in r and f"{m['epochs']} epochs ({m['step']:,} updates)" in r
            for r, (_, m) in zip(recipes, models.values())] == [True] * 3
    gaps = [m for m in at.metric if m.label.startswith("mean F(v): fantasies")]
    assert [g.value for g in gaps] == [f"{m['fantasy']['free_energy']:.1f} vs {m['fantasy']['free_energy_test']:.1f}"
                                       for _, m in models.values()]
    # a live run from the same noise: what the page says the reader reads is what the library reads
    at.button(key="fc_compare_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    X_test = datasets.load("mnist").X_test
    lines = [m.value for m in at.markdown if m.value.split(":")[0] in files]
    assert len(lines) == 3
    for line, (label, (rbm, _)) in zip(lines, models.items()):
        c = census.fantasy_census(rbm, bundled_reader((28, 28)), X_test, 20, 1000, 0)
        assert line == f"{label}: {census.describe_reading(c)}"


def test_the_side_by_side_section_stays_after_a_run(small_model):
    at = run_and_pause(page(small_model, n_chains=2, n_steps=10, every=5))
    assert any(m.value == "#### CD-1, PCD and population annealing, from the same noise" for m in at.markdown)
    assert at.button(key="fc_compare_run") is not None
