"""AppTest of "Greedy stacking" (lessons/greedy.py): it runs, each click trains the next layer (layer 2
on layer 1's posterior), and the numbers it shows are pgmviz.models.dbn's for the same settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.evaluation import census, dbn_bound, greedy_bound
from pgmviz.evaluation.reader import bundled_reader
from pgmviz.models import dbn
from pgmviz.training import greedy
from pgmviz.training.protocol import Budget
from pgmviz.training.train import TrainSettings
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "greedy.py")
TIMEOUT = 180
UPDATES = 30  # per layer: enough to move the weights, cheap on a loaded machine
# What every RBM shares on the page; layer 1 learns by CD-1 at 0.1, the top RBM by PCD at 0.01 falling to 2%.
BASE = dict(momentum=0.5, weight_decay=2e-4, batch_size=100, k=1, seed=0)
LAYER1 = TrainSettings(lr=0.1, sampler="cd", **BASE)
TOP = TrainSettings(lr=0.01, sampler="pcd", lr_floor=0.02, **BASE)


def text(at: AppTest) -> str:
    return " ".join(md.value for md in at.markdown) + " ".join(c.value for c in at.caption)


def reading_sentence(c: census.Census, accuracy: float, n: int = 300) -> str:
    """What the page says the reader reads, from the library's census."""
    counts = ", ".join(f"{k}: {m}" for k, m in enumerate(c.counts))
    return (f"(it reads {accuracy:.1%} of the real held-out digits right), the {n} samples are "
            f"{census.describe_reading(c)}; "
            f"all ten equally often would be 3.32 bits. Per digit, {counts}.")


def library_stack(key: str, sizes: list[int], updates: int, layers: int = 2) -> dbn.DBN:
    """The page's stack trained outside the page: the frozen layers after ``layers`` of them."""
    g = greedy.GreedyTrainer(sizes, datasets.load(key).X_train, [LAYER1, TOP], updates_per_layer=updates)
    for _ in range(layers):
        while not g.run(Budget(updates=100), with_metrics=False).finished:
            pass
        g.next_layer()
    return g.dbn(include_current=False)


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    run(app)
    return app


def test_page_opens_with_the_bound_and_nothing_trained(at):
    assert at.title[0].value == "Greedy stacking"
    assert at.button(key="gs_train").label.startswith("Train layer 1: 256 → 100")
    assert any("What to notice" in i.value for i in at.info)
    # the bound numbers are the library's for the default seed and propagation
    run_ = greedy_bound.bound_experiment(datasets.load("bars4").X_train, n_h=8, steps2=600, every=20,
                                propagate="samples", rng=0)
    first, last = run_.history[0], run_.history[-1]
    m = metrics(at)
    assert m["log p(v), one RBM"] == f"{first['log_p_rbm1']:.3f}"
    assert m["bound at the start"] == f"{first['bound']:.3f}"  # tight
    assert m["bound after 600 updates"] == f"{last['bound']:.3f}"
    assert m["log p(v), two-layer DBN"] == f"{last['log_p_dbn']:.3f}"
    assert last["bound"] > first["log_p_rbm1"]
    # the guarantee's conditions: the exact-gradient run rises at every checkpoint, PCD's does not
    X = datasets.load("bars4").X_train
    exact = greedy_bound.bound_experiment(X, n_h=8, steps2=600, every=20, propagate="samples", rng=0, rule="exact")
    n = len(run_.history) - 1
    assert m["bound falls (exact gradient)"] == f"at {greedy_bound.falls(exact.history)} of {n} checkpoints"
    assert m["bound falls (PCD)"] == f"at {greedy_bound.falls(run_.history)} of {n} checkpoints"
    assert m["bound after 600 updates, exact gradient"] == f"{exact.history[-1]['bound']:.3f}"
    assert m["ceiling: p₂ = aggregated posterior"] == f"{dbn_bound.best_prior_bound(run_.rbm1, X):.3f}"
    assert greedy_bound.falls(exact.history) == 0 < greedy_bound.falls(run_.history)
    text = " ".join(md.value for md in at.markdown) + " ".join(i.value for i in at.info)
    assert f"it falls at {greedy_bound.falls(run_.history)} of them" in text
    assert "rises as soon as RBM 2 learns" not in text and "would make layer 1's inference right" not in text


def test_training_advances_layer_by_layer_with_the_library_numbers(at):
    at.number_input(key="gs_updates").set_value(UPDATES)
    run(at)
    at.button(key="gs_train").click()
    run(at)
    table = at.dataframe[0].value
    assert len(table) == 1 and int(table["updates"][0]) == UPDATES
    assert at.button(key="gs_train").label.startswith("Train layer 2: 100 → 50")

    # the same training outside the page gives the same reconstruction error
    X = datasets.load("mnist16").X_train
    settings = TrainSettings(lr=0.1, momentum=0.5, weight_decay=2e-4, batch_size=100, sampler="cd", k=1, seed=0)
    g = greedy.GreedyTrainer([256, 100, 50], X, settings)
    g.run(UPDATES, with_metrics=False)
    assert float(table["reconstruction error"][0]) == pytest.approx(g.trainer.evaluate()["recon_error"], rel=1e-5)
    P_h = g.trainer.rbm.p_h_given_v(X[:40])
    assert metrics(at)["mean p(h₁ = 1 | v)"] == f"{float(P_h.mean()):.3f}"
    assert any("prior over h₁ that maximises the variational bound" in c.value for c in at.caption)
    # the one-layer net's samples, as the reader reads them
    reader = bundled_reader((16, 16))
    one = census.free_census(library_stack("mnist16", [256, 100, 50], UPDATES, layers=1), reader, 300, 300, 0)
    assert reading_sentence(one, reader.test_accuracy) in text(at)

    at.button(key="gs_train").click()
    run(at)
    table = at.dataframe[0].value
    assert len(table) == 2 and table["trained on"][1] == "layer-1 probabilities"
    assert list(table["learnt by"]) == ["CD-1 at 0.1", "PCD with 100 persistent chains at 0.01 falling to 0.0002"]
    assert at.button(key="gs_train").disabled
    assert len(at.get("image")) >= 6  # filters of both layers, the posterior (3 pictures), samples
    # the stack's free samples: the library's census of the same stack (300 samples, T = 300, seed 0)
    two = census.free_census(library_stack("mnist16", [256, 100, 50], UPDATES), reader, 300, 300, 0)
    assert reading_sentence(two, reader.test_accuracy) in text(at)
    assert "learns by PCD, an estimate of the gradient" in text(at)


def test_reset_forgets_the_stack(at):
    at.button(key="gs_reset").click()
    run(at)
    assert at.button(key="gs_train").label.startswith("Train layer 1")
    assert all("reconstruction error" not in df.value for df in at.dataframe)  # no layer table
    assert "Nothing trained yet" in " ".join(i.value for i in at.info)


def test_a_link_sets_the_stack_and_changes_go_back_to_the_address():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(gs_set="mnist16_2", gs_h1="30", gs_h2="20", gs_updates="200", gs_lr="0.05",
                            gs_propagate="samples", gs_seed="abc", gs_T="299")
    run(app)
    assert app.selectbox(key="gs_set").value == "mnist16_2"
    assert app.number_input(key="gs_h1_mnist16_2").value == 30 and app.number_input(key="gs_h2_mnist16_2").value == 20
    assert app.number_input(key="gs_updates").value == 200 and app.number_input(key="gs_lr").value == 0.05
    assert app.radio(key="gs_propagate").value == "samples" and app.number_input(key="gs_seed").value == 0
    assert app.button(key="gs_train").label.startswith("Train layer 1: 256 → 30")
    assert app.session_state["gs_T"] == 300  # 299 is not one of the choices
    assert query(app) == {"gs_set": "mnist16_2", "gs_h1": "30", "gs_h2": "20", "gs_updates": "200", "gs_lr": "0.05",
                          "gs_propagate": "samples"}
    app.selectbox(key="gs_set").set_value("mnist")  # sizes are per training set: 28x28's own defaults
    run(app)
    assert app.number_input(key="gs_h1_mnist").value == 200
    assert query(app) == {"gs_set": "mnist", "gs_updates": "200", "gs_lr": "0.05", "gs_propagate": "samples"}


@pytest.mark.slow
def test_at_28x28_the_default_stack_draws_every_class():
    """The page's defaults for 28x28 digits (200-100 units, 1,000 updates per layer), trained on the page
    by Step clicks: the library's stack with the same settings, whose free samples the reader files under
    many classes, at least 2.8 bits (issue 11, item 5)."""
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(gs_set="mnist")
    run(app)
    assert app.button(key="gs_train").label.startswith("Train layer 1: 784 → 200")
    for _ in range(2 * 1000 // 100 + 2):  # a click trains 100 updates; a layer with its 1,000 is frozen
        if app.button(key="gs_train").disabled:
            break
        app.button(key="gs_step").click()
        run(app)
    table = app.dataframe[0].value
    assert list(table["updates"]) == [1000, 1000]
    reader = bundled_reader((28, 28))
    c = census.free_census(library_stack("mnist", [784, 200, 100], 1000), reader, 300, 300, 0)
    assert reading_sentence(c, reader.test_accuracy) in text(app)
    assert c.entropy >= 2.8, (c.entropy, c.counts)
