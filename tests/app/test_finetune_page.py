"""AppTest of the fine-tuning page: it runs, its table is the bundled json plus the lecture's numbers,
its live numbers are the library's, and the buttons do what they say.

AppTest does not tick fragments, so live training is covered by pgmviz.training.finetune's unit tests and the
browser test; here the buttons' effect on the session is checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.evaluation import finetune_rows as ft_rows
from pgmviz.training import dbn_pretrain as dbn_pre
from pgmviz.training import finetune as ft
from pgmviz.training import finetune_io as ft_io
from tests.app.helpers import metrics, query, run

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "lessons" / "finetune.py")
TIMEOUT = 300  # the first run pretrains and fine-tunes the ready-made nets (seconds)


def no_training(*args, **kwargs):
    raise AssertionError("the page trained on its first run")


def test_first_run_shows_the_bundled_ready_made_run_and_trains_nothing(monkeypatch):
    monkeypatch.setattr(dbn_pre, "pretrain_dbn", no_training)
    monkeypatch.setattr(ft.BackpropTrainer, "run", no_training)
    app = run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))
    assert not app.error, [e.value for e in app.error]
    _, _, _, meta = ft_io.load_ready_made()
    m = metrics(app)
    assert m["pretrained: held-out error"] == f"{100 * meta['pretrained']['history'][-1]['held-out error']:.1f}%"
    assert m["random start: held-out error"] == f"{100 * meta['random']['history'][-1]['held-out error']:.1f}%"
    assert m["epochs"] == str(ft_rows.TableConfig().finetune_epochs)


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
def test_an_unusable_ready_made_file_is_reported_and_the_run_computed_here(broken, monkeypatch, tmp_path):
    bad = tmp_path / "bad.npz"
    if broken == "corrupt":
        bad.write_bytes(b"not an npz file")
    monkeypatch.setattr(ft_io, "READY_MADE", bad)
    app = run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "could not be used" in errors[0] and "scripts/train_finetune.py" in errors[0]
    _, _, _, meta = ft_io.load_ready_made(ROOT / "assets" / "finetune" / "ready_made.npz")
    # computed here by the same recipe: the same numbers as the file's
    assert metrics(app)["pretrained: held-out error"] == (
        f"{100 * meta['pretrained']['history'][-1]['held-out error']:.1f}%")


@pytest.fixture(scope="module")
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def test_page_runs_with_claim_and_notice(at):
    assert at.title[0].value == "Fine-tuning and results"
    assert not at.error
    assert any("What to notice" in i.value for i in at.info)
    assert at.session_state["ftn_shown"]["source"] == "ready-made"


def test_table_shows_the_bundled_json_and_the_lecture():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    res = json.loads((ROOT / "assets" / "finetune" / "results.json").read_text())
    df = app.table[0].value
    for col in res["columns"]:
        for key, title in ft_rows.ROWS.items():
            assert df.loc[title, "ours, " + col["name"]] == f"{100 * col['rows'][key]['test_error']:.1f}%"
    for key, title in ft_rows.LABEL_ROWS.items():  # read from the label nets' files, one per column
        measured = [ft.label_dbn_result(p) for p in ft.TABLE_NETS[key]]
        assert None not in measured, key
        for col in res["columns"]:
            m = next(m for m in measured if m["dataset"] == col["config"]["dataset"])
            cell = df.loc[title, "ours, " + col["name"]]
            assert cell == f"{100 * m['test_error']:.1f}% ({'-'.join(map(str, m['sizes']))}+10)"
    lecture = df["lecture, full MNIST"]
    assert lecture[ft_rows.ROWS["dbn_backprop"]] == "1.15%"
    assert lecture[ft_rows.ROWS["random_backprop_long"]] == "1.6%"  # the carefully trained net: our long run
    assert lecture[ft_rows.ROWS["knn"]] == "3.3%"
    assert lecture[ft_rows.LABEL_ROWS["dbn_labels_updown"]] == "1.25%"
    assert lecture[ft_rows.LECTURE["svm"][0]] == "1.4%"


def test_paired_comparisons_and_the_honest_text_are_the_librarys(at):
    res = json.loads((ROOT / "assets" / "finetune" / "results.json").read_text())
    text = " ".join(md.value for md in at.markdown)
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    assert "the order of the rows is the same" not in notice
    for col in res["columns"]:
        from pgmviz import datasets

        comp = ft_rows.compare_to(col, datasets.load(col["config"]["dataset"]).y_test)
        df = next(d.value for d in at.dataframe if "McNemar p" in d.value.columns
                  and f"minus {100 * comp['knn'].error_b:.1f}%" in d.value.columns).set_index("method")
        titles = {**ft_rows.ROWS, **ft_rows.LABEL_ROWS}
        for key, pc in comp.items():
            row = df.loc[titles[key]]
            assert row["95% interval (points)"] == f"{100 * pc.low:+.1f} to {100 * pc.high:+.1f}"
            assert (row["only this row wrong"], row["only the pretrained net wrong"]) == (pc.only_a, pc.only_b)
            assert row["McNemar p"] == f"{pc.p_value:.2g}"
            verdict = ("worse" if pc.difference > 0 else "better") if pc.clear else "within noise"
            assert row["verdict"] == verdict
            # the lecture-order sentence says the same as the verdict for the rows the lecture ranks
            if key in ("dbn_labels_updown", "random_backprop_long", "knn"):
                said = ("as in the lecture" if pc.difference > 0 else "the other way round from the lecture") \
                    if pc.clear else "a difference within the noise"
                assert f"*{titles[key]}* {100 * pc.error_a:.1f}% against {100 * pc.error_b:.1f}%, {said}" in notice
        r = col["rows"]
        assert (f"After the same epochs the random start still gets {100 * r['random_backprop']['train_error']:.1f}% "
                f"of its training digits wrong") in text
        # the fair control: trained until it fits the training digits at least as well as the pretrained net
        assert r["random_backprop_long"]["train_error"] <= r["dbn_backprop"]["train_error"]
        assert comp["random_backprop_long"].clear and comp["random_backprop_long"].difference > 0  # the header's claim


def test_live_numbers_equal_the_library(at):
    r = ft_rows.TableConfig()
    from pgmviz import datasets
    d = datasets.load(r.dataset)
    stack = dbn_pre.pretrain_dbn(d.X_train, r.sizes[:-1], r.pretraining())
    res, extras = ft_rows.measure_row("dbn_backprop", r, d, stack)
    m = metrics(at)
    assert m["pretrained: held-out error"] == f"{100 * res.test_error:.1f}%"
    assert m["first-layer weights changed by"] == f"{ft_rows.first_layer_change(stack[0].W, extras['net'].Ws[0]):.1%}"
    assert m["epochs"] == str(r.finetune_epochs)
    rand = float(m["random start: held-out error"].rstrip("%"))
    assert 100 * res.test_error < rand  # the page's claim, for the ready-made run


def test_rerun_a_row_matches_the_bundled_number(at):
    at.selectbox(key="ftn_row").set_value("logistic_pixels").run()
    at.button(key="ftn_rerun_button").click().run()
    assert not at.exception
    res = json.loads((ROOT / "assets" / "finetune" / "results.json").read_text())
    mine = at.session_state["ftn_rerun"]["logistic_pixels"]
    assert mine["test_error"] == pytest.approx(res["columns"][0]["rows"]["logistic_pixels"]["test_error"])
    assert metrics(at)["re-run: held-out error"] == f"{100 * mine['test_error']:.1f}%"


def test_live_buttons(at):
    at.slider(key="ftn_epochs").set_value(2).run()
    at.button(key="ftn_start").click().run()
    assert not at.exception
    live = at.session_state["ftn_live"]
    assert at.session_state["ftn_running"] is True and live["target"] == 2
    # a fragment body also runs in the full rerun, so the first epoch may already be done
    assert live["pre"].epoch == live["rand"].epoch <= 1
    assert metrics(at)["epochs"] == str(live["pre"].epoch)
    at.button(key="ftn_stop").click().run()
    assert at.session_state["ftn_running"] is False
    at.button(key="ftn_forget").click().run()
    assert "ftn_live" not in at.session_state


def test_up_down_section_shows_the_bundled_run(at):
    from pgmviz.models import dbn_io

    _, meta = dbn_io.load_dbn(ft.UPDOWN_DBN)
    _, greedy_meta = dbn_io.load_dbn(ft.LABEL_DBN)
    h, ru, rg = meta["history"], meta["reader"], greedy_meta["reader"]
    m = metrics(at)
    assert m["epochs of up-down"] == str(meta["epochs"])
    assert m["held-out error, greedy → up-down"] == (f"{100 * h[0]['held-out error']:.1f}% → "
                                                    f"{100 * h[-1]['held-out error']:.1f}%")
    assert m["training error, greedy → up-down"] == (f"{100 * h[0]['train error']:.1f}% → "
                                                    f"{100 * h[-1]['train error']:.1f}%")
    assert m["clamped drawings the reader reads as their digit: greedy net"] == f"{rg['clamped']['accuracy']:.0%}"
    assert m["… bundled up-down net"] == f"{ru['clamped']['accuracy']:.0%}"
    assert m["the reader on real held-out digits"] == f"{ru['reader_test_accuracy']:.1%}"
    assert at.session_state["ftn_ud_shown"]["updown"] == ru["clamped"]["accuracy"]
    # the sentence says what the two figures show
    caption = next(c.value for c in at.caption if c.value.startswith("Up-down's effect"))
    if ru["clamped"]["accuracy"] > rg["clamped"]["accuracy"]:
        assert f"{rg['clamped']['accuracy']:.0%} → {ru['clamped']['accuracy']:.0%} of the time" in caption
    else:
        assert "do not become more readable" in caption


def test_run_up_down_live_starts_from_the_greedy_net(at):
    at.button(key="ftn_ud_start").click()
    at.run()
    assert not at.exception, at.exception
    mine = at.session_state["ftn_ud"]
    t = mine["trainer"]
    assert not t.net.tied and t.settings.lr == 0.02 and mine["target"] == 10
    from pgmviz.models import dbn_io

    # the bundled run's variant: persistent top chains and the hybrid term, as its file records
    _, ud_meta = dbn_io.load_dbn(ft.UPDOWN_DBN)
    assert (t.settings.n_persistent, t.settings.discriminative) == (ud_meta["updown"]["n_persistent"],
                                                                    ud_meta["updown"]["discriminative"])

    greedy, meta = dbn_io.load_dbn(ft.LABEL_DBN)
    assert t.history[0]["held-out error"] == pytest.approx(meta["test_error"])
    at.button(key="ftn_ud_forget").click()
    at.run()
    assert "ftn_ud" not in at.session_state and not at.session_state["ftn_ud_running"]


def test_a_link_sets_the_live_run_and_changes_go_back_to_the_address():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(ftn_lr="0.02", ftn_epochs="12", ftn_seed="1000", ftn_ud_k="10", ftn_ud_lr="0.3")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.select_slider(key="ftn_lr").value == 0.02 and app.slider(key="ftn_epochs").value == 12
    assert app.number_input(key="ftn_seed").value == ft_rows.TableConfig().seed  # 1000 is above the widget's 999
    assert app.select_slider(key="ftn_ud_k").value == 10
    assert app.select_slider(key="ftn_ud_lr").value == 0.02  # 0.3 is not one of the steps offered
    assert query(app) == {"ftn_lr": "0.02", "ftn_epochs": "12", "ftn_ud_k": "10"}
    app.number_input(key="ftn_seed").set_value(7).run()
    app.slider(key="ftn_ud_epochs").set_value(40).run()
    assert query(app) == {"ftn_lr": "0.02", "ftn_epochs": "12", "ftn_seed": "7", "ftn_ud_k": "10",
                          "ftn_ud_epochs": "40"}
