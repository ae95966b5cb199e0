"""AppTest of "Inference with evidence" (lessons/completion.py): every number it shows is
pgmviz.inference's for the settings its widgets show, its sentences say what those numbers say,
and bad settings (nothing painted, no drawing) give a message instead of an exception.
(AppTest cannot paint or draw on the canvas; the masks' unit tests cover the brush.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.data import ASSETS_DIR
from pgmviz.evaluation.reader import reader_for
from pgmviz.inference import completion as cp
from pgmviz.inference import completion_studies as cs
from pgmviz.inference import label_completion as lc
from pgmviz.io import load_model
from pgmviz.models import dbn_io
from pgmviz.training import finetune as ft
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "completion.py")
TIMEOUT = 240
SHAPE = (28, 28)
COMPARED = {"CD-1": "MNIST 784x500 CD-1", "PCD-1": "MNIST 784x500 PCD-1", "PA-1": "MNIST 784x500 PA-1"}


@pytest.fixture(scope="module")
def models():
    out = {}
    for path in sorted((ASSETS_DIR / "models").glob("*.npz")):
        rbm, meta = load_model(path)
        out[meta.get("title", path.stem)] = rbm
    return out


@pytest.fixture(scope="module")
def ds():
    return datasets.load("mnist")


# the page's defaults for the settings whose widgets show only with their hiding (Streamlit forgets
# an unshown widget's value after the run; the page sets it again from these defaults)
UNSHOWN = {"side": "bottom", "box_top": 8, "box_left": 8, "box_size": 12, "fraction": 0.7, "flip": 0.1}


def value(at: AppTest, key: str):
    try:
        return at.session_state["cp_" + key]
    except KeyError:
        return UNSHOWN[key]


def shown(at: AppTest, models, ds):
    """The model, true digit, evidence and run the widgets describe, recomputed by the library."""
    rbm = models[value(at, "model")]
    pool = np.flatnonzero(ds.y_test == value(at, "digit"))
    x = ds.X_test[pool[int(value(at, "index"))]]
    seed = int(value(at, "seed"))
    ev = cp.make_evidence(x, value(at, "hide"), SHAPE, side=value(at, "side"),
                          box=(value(at, "box_top"), value(at, "box_left"), value(at, "box_size")),
                          fraction=value(at, "fraction"), flip=value(at, "flip"), seed=seed)
    steps = int(value(at, "steps"))
    method = value(at, "method")
    r = cp.clamped_gibbs(rbm, ev, steps, rng=seed) if method == "gibbs" else cp.clamped_mean_field(rbm, ev, steps)
    return rbm, x, ev, r, seed


def check(at: AppTest, models, ds) -> dict:
    rbm, x, ev, r, seed = shown(at, models, ds)
    m = metrics(at)
    unit = "pixel" if value(at, "hide") == "flip" else "hidden pixel"
    err = cp.error_of(r, x)
    # section 1: the player opens at the last frame
    assert m[f"squared error per {unit}"] == f"{err.squared[-1]:.3f}"
    assert m[f"{unit}s wrong"] == f"{err.wrong[-1]:.1%}"
    gibbs = value(at, "method") == "gibbs"
    assert ("averaged over the steps so far" in m) == gibbs
    if gibbs:
        assert m["averaged over the steps so far"] == f"{cp.error_of(r, x, averaged=True).squared[-1]:.3f}"
    first, last = err.squared[0], err.squared[-1]
    text = next(md.value for md in at.markdown if md.value.startswith("From the"))
    assert (f"falls from **{first:.3f}** to **{last:.3f}**" in text) == (last < first)
    # section 2: the models compared on 30 held-out digits
    compared = {k: models[t] for k, t in COMPARED.items()}
    X, evs = cs.comparison_digits(ds.X_test, ds.y_test, 3, value(at, "hide"), SHAPE, side=value(at, "side"),
                                  box=(value(at, "box_top"), value(at, "box_left"), value(at, "box_size")),
                                  fraction=value(at, "fraction"), flip=value(at, "flip"), seed=seed)
    comp = cs.compare_models(compared, X, evs, method=value(at, "method"), n_steps=int(value(at, "steps")), seed=seed)
    table = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert list(table["model"]) == ["CD-1", "PCD-1", "PA-1"]
    np.testing.assert_allclose(table[f"squared error per {unit}"], comp.squared)
    np.testing.assert_allclose(table[f"{unit}s wrong"], comp.wrong)
    best = comp.names[int(np.argmin(comp.squared))]
    assert any(f"**{best}** completes them best here ({comp.squared.min():.3f} against {comp.squared.max():.3f}"
               in md.value for md in at.markdown)
    # section 3: the small patch, exactly
    k, steps = int(value(at, "patch")), int(value(at, "tv_steps"))
    patch = cp.make_evidence(x, "box", SHAPE, box=(value(at, "patch_row"), value(at, "patch_col"), k))
    small = cs.patch_study(rbm, patch, n_steps=steps, n_chains=100, seed=seed)
    assert m["completions of the patch"] == f"{2 ** (k * k):,}"
    assert m[f"TV(sampled, exact) after {steps:,} steps"] == f"{small.tv[-1]:.3f}"
    assert m["TV(mean field, exact)"] == f"{small.tv_mean_field:.3f}"
    assert m["most probable completion"] == f"p = {small.exact.max():.3f}"
    text = next(md.value for md in at.markdown if md.value.startswith(f"After {steps:,} steps of 100 chains"))
    assert (", closer than mean field" in text) == (small.tv[-1] < small.tv_mean_field)
    assert f"after one step it was **{small.tv[0]:.3f}**" in text
    caption = next(c.value for c in at.caption if "pixels are free" in c.value)
    assert f"{int(ev.free.sum())} of 784 pixels are free" in caption
    # section 4: the label DBN
    net = dbn_io.load_dbn(ft.LABEL_NETS["dbn_labels"])[0]
    li = lc.label_from_image(net, x, n_steps=200, n_chains=10, rng=seed)
    assert m["TV(Gibbs, exact) after 200 steps"] == f"{li.tv()[-1]:.4f}"
    label = int(value(at, "label"))
    _, read = lc.image_from_label(net, label, n_frames=21, every=10, n=4, rng=seed, reader=reader_for(SHAPE))
    assert m[f"drawings the independent reader reads as {label}"] == f"{int(read[-1])} of 4"  # the movie's end
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert f"{small.tv[-1]:.3f} from the exact one" in notice and f"{li.tv()[-1]:.4f}" in notice
    assert ("most of the error goes in the first" in notice) == (
        last < first and first - err.squared[1] >= 0.5 * (first - last))
    return {"err": err, "comp": comp, "small": small}


@pytest.fixture(scope="module")
def at():
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def test_defaults_show_the_library_numbers(at, models, ds):
    assert at.title[0].value == "Inference with evidence"
    assert value(at, "model") == "MNIST 784x500 PCD-1" and value(at, "hide") == "half"
    got = check(at, models, ds)
    assert got["err"].squared[-1] < got["err"].squared[0]  # the completion beats the noise it started from
    assert got["small"].tv[-1] < got["small"].tv[0]  # the sampled conditional approaches the exact one
    assert not query(at)  # an untouched page has a clean address


def test_mean_field_and_a_box(at, models, ds):
    at.segmented_control(key="cp_method").set_value("mean_field")
    at.segmented_control(key="cp_hide").set_value("box")
    run(at)
    at.number_input(key="cp_box_size").set_value(10)
    run(at)
    check(at, models, ds)
    assert query(at)["cp_method"] == "mean_field" and query(at)["cp_box_size"] == "10"


def test_flipped_pixels_are_soft_evidence(at, models, ds):
    at.segmented_control(key="cp_method").set_value("gibbs")
    at.segmented_control(key="cp_hide").set_value("flip")
    run(at)
    got = check(at, models, ds)
    assert got["err"].wrong[-1] < got["err"].wrong[0]  # fewer pixels wrong than in the noisy picture


def test_bad_settings_give_a_message(at):
    at.segmented_control(key="cp_hide").set_value("brush")
    run(at)  # nothing painted (AppTest cannot paint): a hint, not an exception
    assert any("Paint over the digit" in w.value for w in at.warning)
    at.segmented_control(key="cp_source").set_value("draw")
    run(at)
    assert any("Draw a digit" in i.value for i in at.info)


def test_url_sets_the_question(models, ds):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"cp_hide": "random", "cp_fraction": "0.5", "cp_digit": "7", "cp_patch": "2",
                             "cp_model": "MNIST 784x500 CD-1", "cp_steps": "25"})
    run(app)
    assert value(app, "hide") == "random" and value(app, "digit") == 7 and value(app, "patch") == 2
    check(app, models, ds)


def test_a_broken_model_gives_a_message(models):
    """A session's own model whose training diverged (NaN weights) is refused with a message, not a traceback."""
    from pgmviz.models.rbm import RBM

    good = models["MNIST 784x500 PCD-1"]
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.session_state["user_models"] = {"diverged": {"rbm": RBM(good.W * np.nan, good.b, good.c), "meta": {}}}
    app.session_state["cp_model"] = "diverged"
    run(app)
    assert any("NaN" in w.value for w in app.warning)
    assert not metrics(app)  # no number computed from it
