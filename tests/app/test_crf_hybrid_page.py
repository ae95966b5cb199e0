"""AppTest of the CRF-hybrid page (lessons/crf_hybrid.py): it runs, every number it shows is the library's
(the generating HMM's references, both models' held-out accuracy and log-likelihood, the corrections,
the example sequence, the transition agreement, the gradient check), "One epoch" trains exactly the
pair a fresh `crf_train.pair` trains in one epoch, a changed setting starts afresh, refused settings
keep the model, and a link's settings are read.

AppTest does not tick fragments: the live loop is covered by the browser test; here the buttons'
reruns are checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.models import crf_data as cd
from pgmviz.training import crf_train as ct
from pgmviz.training.protocol import Budget
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "crf_hybrid.py")
TIMEOUT = 120
DEFAULT = dict(n_train=300, n_test=300, length=20, noise=0.3, stay=0.6, step=0.35, seed=0)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def fresh_pair(epochs: int = 0, **task):
    pair = ct.pair(cd.make_task(**(DEFAULT | task)), ct.CRFSettings(), max_epochs=20)
    for _ in range(epochs):
        pair.run(Budget(updates=pair.trainers[0].updates_left_in_epoch))
    return pair


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def check_numbers(at: AppTest, pair, epochs: int) -> None:
    """Every metric of the page against the library, for ``pair`` (trained as the page says)."""
    hybrid, alone = pair.trainers
    assert hybrid.history[-1]["epoch"] == hybrid.epoch == epochs  # idle: the live models are the measured ones
    task = hybrid.task
    m = metrics(at)
    ref = ct.references(task)
    assert m["true model, one position at a time: accuracy"] == pct(ref["per_position"]["accuracy"])
    assert m["true model with the transitions: accuracy"] == pct(ref["hmm"]["accuracy"])
    assert m["true model, one position at a time: log-likelihood"] == f"{ref['per_position']['nats']:.3f} nats"
    assert m["true model with the transitions: log-likelihood"] == f"{ref['hmm']['nats']:.3f} nats"
    assert m["epochs"] == f"{epochs} of 20"
    w = ct.worth_of_transitions([round(0.05 * i, 2) for i in range(10)], task.P[0, 0], task.P[0, 1],
                                task.Y_test.shape[1], len(task.Y_test), int(at.number_input(key="crf_task_seed").value))
    gains = 100 * (w["hmm_accuracy"] - w["per_position_accuracy"])
    best = int(np.argmax(gains))
    assert any(f"noise **{0.05 * best:.2f}**, {gains[best]:.1f} points" in md.value for md in at.markdown)
    for name, t in (("CRF", hybrid), ("net alone", alone)):
        ev = ct.evaluate(t.model, task.X_test, task.Y_test)
        assert m[f"{name}: held-out accuracy"] == pct(ev["accuracy"])
        assert m[f"{name}: held-out log-likelihood"] == f"{ev['nats']:.3f} nats"
    c = ct.corrections(hybrid.model, alone.model, task.X_test, task.Y_test)
    assert m["held-out positions the CRF corrects"] == f"{c.fixed:,}"
    assert m["positions it spoils"] == f"{c.broken:,}"
    assert m["both right"] == f"{c.both_right:,}" and m["both wrong"] == f"{c.both_wrong:,}"
    r = ct.transition_agreement(hybrid.model.A, task.P)[2]
    assert m["correlation of learned and true"] == (f"{r:.3f}" if np.isfinite(r) else "undefined (A = 0)")
    rows = ct.gradient_check(hybrid.model, task.X_train[:3], task.Y_train[:3])
    assert m["largest relative difference"] == f"{max(row['relative difference'] for row in rows):.1e}"
    # the example: the held-out sequence the CRF corrects most, decoded by both
    n = int(np.argmax(c.per_sequence))
    table = next(d.value for d in at.dataframe if "CRF" in d.value.index)
    y = task.Y_test[n]
    assert list(table.loc["true"]) == [cd.NAMES[k] for k in y]
    for row_name, model in (("net alone", alone.model), ("CRF", hybrid.model)):
        decoded = model.decode(task.X_test[n:n + 1])[0]
        assert list(table.loc[row_name]) == [cd.NAMES[k] + ("" if k == t else " ✗") for k, t in zip(decoded, y)]
    assert any(f"Held-out sequence **{n}**" in md.value for md in at.markdown)


def test_first_run_shows_the_untrained_pair_and_the_references(at):
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "A network inside a graphical model"
    assert any("What to notice" in i.value for i in at.info)
    pair = at.session_state["crf_pair"]
    check_numbers(at, pair, 0)
    # the same numbers as a pair built here from the page's default settings
    again = fresh_pair()
    for a, b in zip(pair.trainers, again.trainers):
        assert a.history == b.history
    m = metrics(at)
    assert m["CRF: held-out accuracy"] == m["net alone: held-out accuracy"]  # the sentence says so
    assert any("their numbers are equal" in md.value for md in at.markdown)


def test_one_epoch_trains_both_as_the_library_does_and_the_sentences_follow(at):
    at.button(key="crf_step").click()
    run(at)
    pair = at.session_state["crf_pair"]
    assert pair.trainers[0].epoch == pair.trainers[1].epoch == 1
    expected = fresh_pair(epochs=1)
    for a, b in zip(pair.trainers, expected.trainers):
        assert a.history == b.history
        np.testing.assert_array_equal(a.model.A, b.model.A)
    check_numbers(at, pair, 1)
    h, a = (t.history[-1] for t in pair.trainers)
    d_acc = h["held-out accuracy"] - a["held-out accuracy"]
    text = next(md.value for md in at.markdown if md.value.startswith("After 1 epoch"))
    assert f"({100 * d_acc:+.1f} points)" in text
    assert f"{h['held-out nats'] - a['held-out nats']:+.3f} nats per position" in text
    assert ("the transitions help" in text) == (d_acc > 0.005 and h["held-out nats"] > a["held-out nats"])
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert f"after 1 epochs, the CRF reaches {pct(h['held-out accuracy'])}" in notice


def test_a_changed_setting_starts_afresh_and_goes_into_the_url(at):
    at.button(key="crf_step").click()
    run(at)
    at.select_slider(key="crf_noise").set_value(0.2)
    run(at)
    pair = at.session_state["crf_pair"]
    assert pair.trainers[0].task.noise == 0.2 and pair.trainers[0].epoch == 0
    check_numbers(at, pair, 0)
    assert query(at)["crf_noise"] == "0.2"


def test_settings_that_make_no_chain_are_refused_and_the_model_kept(at):
    at.button(key="crf_step").click()
    run(at)
    before = at.session_state["crf_pair"]
    at.select_slider(key="crf_stay").set_value(0.8)  # 0.8 + 0.35 > 1
    run(at)
    assert any("stay + step <= 1" in e.value for e in at.error)
    assert at.session_state["crf_pair"] is before
    check_numbers(at, before, 1)


def test_a_link_opens_the_page_as_it_was_set():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["crf_noise"] = "0.25"
    app.query_params["crf_length"] = "10"
    app.query_params["crf_n_hidden"] = "8"
    app.query_params["crf_example"] = "7"
    app.query_params["crf_lr"] = "nan"  # ignored: not an option
    run(app)
    pair = app.session_state["crf_pair"]
    task = pair.trainers[0].task
    assert task.noise == 0.25 and task.Y_train.shape[1] == 10
    assert pair.trainers[0].model.net.sizes == [25, 8, 4] and pair.trainers[0].settings.lr == 0.01
    table = next(d.value for d in app.dataframe if "CRF" in d.value.index)
    assert list(table.loc["true"]) == [cd.NAMES[k] for k in task.Y_test[7]]
    assert any("Held-out sequence **7**:" in md.value for md in app.markdown)
