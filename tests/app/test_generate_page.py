"""AppTest of "Generate and recognise" (lessons/generate.py): it runs, and the numbers it shows (held-out
error, the chosen digit's p(y | v), how many clamped drawings the independent reader reads as their
label) are pgmviz.models.dbn's and pgmviz.evaluation.reader's for the bundled net. (AppTest cannot draw on the canvas or
tick the movie's fragment.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.evaluation.reader import bundled_reader
from pgmviz.models import dbn_io
from pgmviz.training import finetune as ft
from tests.app.helpers import metrics, query, run

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "lessons" / "generate.py")
NET = ft.LABEL_DBN
READ = "drawings the independent reader reads as their clamped digit"


def reader_read(chain, labels) -> str:
    """What the page's metric must say for the last frame: the reader's count of right readings."""
    right = int((bundled_reader((28, 28)).read(chain.images[-1]) == labels).sum())
    return f"{right} of {len(labels)}"
TIMEOUT = 120


@pytest.fixture(scope="module")
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


@pytest.fixture(scope="module")
def lib():
    net, meta = dbn_io.load_dbn(NET)
    ds = datasets.load("mnist")
    return net, meta, ds, net.classify(ds.X_test)


def test_page_shows_the_library_numbers(at, lib):
    net, meta, ds, probs = lib
    assert at.title[0].value == "Generate and recognise"
    assert any("What to notice" in i.value for i in at.info)
    err = float((probs.argmax(axis=1) != ds.y_test).mean())
    m = metrics(at)
    assert m["held-out error, this net"] == f"{err:.1%}"
    assert err == pytest.approx(meta["test_error"], abs=1e-9)  # the number recorded when it was trained
    assert m["the lecture: full MNIST, generative model + fine-tuning"] == "1.25%"
    # the data the caption names are the ones the file says its RBMs learnt from
    shift, n = meta.get("max_shift", 0), len(ds.y_train)
    caption = next(c.value for c in at.caption if c.value.startswith("The net:"))
    assert (f"Trained greedily on the {n:,} training digits and their shifts by up to {shift} pixel" in caption
            and f"({meta['n_train']:,} images)" in caption) if shift else (
        f"Trained greedily on the {n:,} training digits (28x28" in caption)
    # the movie: the recognised fraction of the last frame, for the default settings
    labels = np.tile(np.arange(10), 2)
    chain = net.top_chain(25, 20, n=20, rng=0, clamp_labels=labels)
    assert m[READ] == reader_read(chain, labels)
    # the file's census of 300 drawings and 300 free samples, as the page reports it
    r = meta["reader"]
    assert m["of 300 clamped drawings, read as the clamped digit"] == f"{r['clamped']['accuracy']:.0%}"
    assert m["classes among 300 free samples"] == f"{r['free']['entropy_bits']:.2f} bits"
    assert m["the reader on real held-out digits"] == f"{bundled_reader((28, 28)).test_accuracy:.1%}"
    assert len(at.get("image")) >= 3  # movie frame, the mind strip, the held-out digit


def test_choosing_a_digit_shows_its_probabilities(at, lib):
    net, meta, ds, probs = lib
    at.selectbox(key="gr_class").set_value(7)
    run(at)
    at.number_input(key="gr_index").set_value(3)
    run(at)
    i = int(np.flatnonzero(ds.y_test == 7)[3])
    p = probs[i]
    title = at.get("plotly_chart")[1].proto.spec  # the p(y|v) bars (after the mind heatmap)
    assert f"the net says {int(p.argmax())} ({p.max():.0%})" in title


def test_frame_slider_and_settings(at, lib):
    net = lib[0]
    assert at.session_state["gr_movie_pos"] == 24 and not at.session_state["gr_movie_playing"]  # the last frame
    at.select_slider(key="gr_movie_slider").set_value(0)
    run(at)
    assert at.session_state["gr_movie_pos"] == 0
    labels = np.tile(np.arange(10), int(at.session_state["gr_rows"]))
    chain = net.top_chain(25, int(at.session_state["gr_every"]), n=len(labels), rng=int(at.session_state["gr_seed"]),
                          clamp_labels=labels)
    right = int((bundled_reader((28, 28)).read(chain.images[0]) == labels).sum())
    assert metrics(at)[READ] == f"{right} of {len(labels)}"  # the frame shown is the slider's
    at.number_input(key="gr_rows").set_value(1)
    run(at)
    assert at.session_state["gr_clamp_chain"].images.shape == (25, 10, 784)


def test_the_up_down_net_is_one_click_away():
    at = run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))  # fresh: default rows and seed
    net, meta = dbn_io.load_dbn(ft.UPDOWN_DBN)
    at.segmented_control(key="gr_net").set_value("updown")
    run(at)
    m = metrics(at)
    assert m["held-out error, this net"] == f"{meta['test_error']:.1%}"
    assert any("epochs of up-down fine-tuning" in c.value for c in at.caption)
    # the movie is the up-down net's: its first chain frame recomputed from the library
    labels = np.tile(np.arange(10), 2)
    chain = net.top_chain(25, 20, n=20, rng=0, clamp_labels=labels)
    assert m[READ] == reader_read(chain, labels)
    assert m["of 300 clamped drawings, read as the clamped digit"] == f"{meta['reader']['clamped']['accuracy']:.0%}"
    at.segmented_control(key="gr_net").set_value("greedy")
    run(at)


def test_a_link_sets_the_movie_and_changes_go_back_to_the_address(lib):
    net, meta, ds, probs = lib
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(gr_every="5", gr_rows="1", gr_seed="3", gr_net="nonsense")
    run(app)
    assert app.segmented_control(key="gr_net").value == "greedy"  # not a net: ignored
    assert app.select_slider(key="gr_every").value == 5 and app.number_input(key="gr_rows").value == 1
    assert app.number_input(key="gr_seed").value == 3
    labels = np.arange(10)  # one row: one chain per digit
    chain = net.top_chain(25, 5, n=10, rng=3, clamp_labels=labels)
    assert metrics(app)[READ] == reader_read(chain, labels)
    assert query(app) == {"gr_every": "5", "gr_rows": "1", "gr_seed": "3"}
    app.number_input(key="gr_seed").set_value(0)
    app.segmented_control(key="gr_net").set_value("updown")
    run(app)
    assert query(app) == {"gr_every": "5", "gr_rows": "1", "gr_net": "updown"}


def test_the_notice_names_the_nets_most_frequent_confusions(at, lib):
    net, meta, ds, probs = lib
    conf = np.zeros((10, 10), dtype=int)
    np.add.at(conf, (ds.y_test, probs.argmax(axis=1)), 1)
    np.fill_diagonal(conf, 0)
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    named = notice.split("its most frequent mistakes here: ")[1].rstrip(".").split(", ")
    counts = [int(n.split("(")[1].split()[0]) for n in named]
    assert counts == sorted(np.sort(conf, axis=None)[::-1][:3].tolist(), reverse=True)  # the three largest
    for n in named:  # and each is what it says
        t, r = int(n[0]), int(n.split(" read as ")[1][0])
        assert conf[t, r] == int(n.split("(")[1].split()[0])


def test_the_movie_loops_through_the_player(at):
    at.select_slider(key="gr_movie_slider").set_value(23)
    run(at)
    at.button(key="gr_movie_play").click()
    run(at)  # Play: this run moves on one frame, to the last
    assert at.session_state["gr_movie_playing"] and at.session_state["gr_movie_pos"] == 24
    run(at)  # a tick past the last frame wraps to the first and keeps playing
    assert at.session_state["gr_movie_playing"] and at.session_state["gr_movie_pos"] == 0
    at.button(key="gr_movie_play").click()
    run(at)
    assert not at.session_state["gr_movie_playing"] and at.session_state["gr_movie_pos"] == 0
