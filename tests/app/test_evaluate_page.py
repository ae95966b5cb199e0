"""AppTest of "How good is the model?": on the small pretrained model (784x20, exact log Z feasible)
the page shows log_Z_exact, a small AIS run lands within its interval of it, the log-likelihoods
shown are the library's, results survive reruns, a sweep draws its points, bad requests are
refused with a message, and a model too big to enumerate gets the estimate-only path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import datasets
from pgmviz.io import load_model
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_likelihood_exact, log_Z_exact
from tests.app.helpers import query

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "lessons" / "evaluate.py")
MODEL_FILE = REPO_ROOT / "assets" / "models" / "mnist_784x20_cd1.npz"
TIMEOUT = 120


@pytest.fixture(scope="module")
def model() -> tuple[RBM, dict]:
    assert MODEL_FILE.is_file(), f"the bundled model {MODEL_FILE} is missing"
    return load_model(MODEL_FILE)


@pytest.fixture(scope="module")
def test_digits() -> np.ndarray:
    return datasets.load("mnist").X_test


def page(**settings) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in settings.items():
        at.session_state["ev_" + key] = value
    return at.run()


def metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def results(at: AppTest) -> dict:
    (res,) = at.session_state["ev_results"].values()
    return res


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_exact_log_Z_and_test_log_likelihood_are_the_library_s(model, test_digits):
    rbm, meta = model
    at = page()
    no_exception(at)
    assert at.title[0].value == "How good is the model?"
    exact = log_Z_exact(rbm)
    assert results(at)["exact"] == exact
    assert metric(at, "exact log Z") == f"{exact:.3f}"
    ll = log_likelihood_exact(rbm, test_digits)
    assert metric(at, "Mean test log p(v)") == f"{ll:.2f}"
    assert any("What to notice" in i.value for i in at.info)
    text = " ".join(m.value for m in at.markdown)
    assert "-86" in text.replace("−", "-") and "bits" in text and "2^784" in text


def test_small_ais_lands_within_its_interval_of_the_exact_value(model, test_digits):
    rbm, _ = model
    at = page(ais_runs=100, ais_temps=300)
    at.button(key="ev_run_ais").click().run()
    no_exception(at)
    (est,) = results(at)["runs"]
    exact = log_Z_exact(rbm)
    assert (est.method, est.n_runs, est.n_betas) == ("AIS", 100, 300)
    assert est.low <= exact <= est.high, (est.low, est.log_Z, est.high, exact)
    assert len(at.get("plotly_chart")) >= 2  # the estimates chart and the nats number line
    # the table's "latest AIS" row is the library's log-likelihood with that log Z
    table = next(d.value for d in at.dataframe if "log Z from" in d.value.columns)
    row = table[table["log Z from"] == "latest AIS"].iloc[0]
    assert row["test log p(v) (nats)"] == pytest.approx(log_likelihood_exact(rbm, test_digits, est.log_Z), abs=1e-9)
    # a rerun (any widget) keeps the result
    at.run()
    assert len(results(at)["runs"]) == 1


def test_bad_requests_are_refused_with_a_message():
    at = page(pa_temps=10**7)
    at.button(key="ev_run_pa").click().run()
    no_exception(at)
    assert any("10,000,000 temperatures" in e.value for e in at.error)
    assert results(at)["runs"] == []
    at.session_state["ev_pa_temps"] = 100
    at.session_state["ev_pa_runs"] = 1
    at.button(key="ev_run_pa").click().run()
    assert any("between 2 and" in e.value for e in at.error)


def test_sweep_draws_one_point_per_temperature_count_and_method(model):
    at = page(sweep_temps=[30, 100], sweep_methods=["AIS", "PA"], sweep_runs=50)
    at.button(key="ev_run_sweep").click().run()
    no_exception(at)
    pts = results(at)["sweep"]
    assert sorted((e.method, e.n_betas) for e in pts) == [("AIS", 30), ("AIS", 100), ("PA", 30), ("PA", 100)]
    assert any("number of temperatures" in c.proto.spec for c in at.get("plotly_chart"))


def test_an_interrupted_run_is_reported():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["ev_running"] = {"what": "AIS with 100 runs x 50,000 temperatures", "fraction": 0.37}
    at.run()
    no_exception(at)
    assert any("Stopped" in w.value and "37%" in w.value for w in at.warning)
    assert "ev_running" not in at.session_state


def test_model_too_big_to_enumerate_and_without_data():
    """A 30x30 user model (set as the session's current one): no exact log Z, no test digits, AIS runs."""
    rng = np.random.default_rng(0)
    rbm = RBM(rng.normal(0, 0.1, (30, 30)), rng.normal(0, 0.1, 30), rng.normal(0, 0.1, 30))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["user_models"] = {"random 30x30": {"rbm": rbm, "meta": {"source": "yours"}}}
    at.session_state["current_model"] = "random 30x30"
    at.session_state["ev_ais_temps"] = 100
    at.run()
    no_exception(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Not possible for this model" in text and "training data is unknown" in text
    at.button(key="ev_run_ais").click().run()
    no_exception(at)
    (est,) = results(at)["runs"]
    assert np.isfinite(est.log_Z) and est.low <= est.log_Z <= est.high


def test_disagreeing_estimates_and_a_collapsed_ais_are_flagged(model):
    """Results already in the session (as after two runs) are shown, and their trouble is named."""
    from pgmviz.evaluation.evaluate import Estimate, model_fingerprint

    rbm, meta = model
    ais = Estimate("AIS", 100, 1000, 0, 200.0, -np.inf, 201.0, 1.0, ess=2.0)
    pa = Estimate("PA", 100, 1000, 0, 210.0, 209.5, 210.5, 1.0)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["ev_results"] = {
        (meta["title"], model_fingerprint(rbm)): {"exact": None, "exact_s": None, "runs": [ais, pa], "sweep": []}}
    at.run()
    no_exception(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "only 2.0 of its 100 runs" in warnings and "disagree by 10.0 nats" in warnings
    assert len(results(at)["runs"]) == 2


def test_a_link_sets_the_estimates_and_changes_go_back_to_the_address(model):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params.update(ev_model="MNIST 784x20 CD-1", ev_ais_runs="50", ev_pa_temps="3000", ev_pa_seed="4",
                           ev_sweep_temps="30,10000", ev_sweep_methods="PA", ev_ais_temps="100001",
                           ev_sweep_runs="nan")
    at.run()
    no_exception(at)
    assert at.selectbox(key="model_picker").value == "MNIST 784x20 CD-1"
    assert at.number_input(key="ev_ais_runs").value == 50 and at.number_input(key="ev_pa_temps").value == 3000
    assert at.number_input(key="ev_ais_temps").value == 1000  # above the page's limit: ignored
    assert at.multiselect(key="ev_sweep_temps").value == [30, 10000]
    assert at.multiselect(key="ev_sweep_methods").value == ["PA"]
    assert query(at) == {"ev_ais_runs": "50", "ev_pa_temps": "3000", "ev_pa_seed": "4", "ev_sweep_temps": "30,10000",
                         "ev_sweep_methods": "PA"}  # the model is the page's default: not repeated
    at.number_input(key="ev_sweep_seed").set_value(11)
    at.run()
    assert query(at)["ev_sweep_seed"] == "11"


# ---------------------------------------------------------------------------- reconstruction is not likelihood
def bundled_784x500() -> dict[str, tuple[RBM, dict]]:
    """Every bundled 784x500 model, by the title the page shows (whatever files exist today)."""
    out = {}
    for path in sorted((REPO_ROOT / "assets" / "models").glob("*.npz")):
        rbm, meta = load_model(path)
        if (rbm.n_v, rbm.n_h) == (784, 500):
            out[meta.get("title", path.stem)] = (rbm, meta)
    return out


def test_reconstruction_error_beside_likelihood_follows_the_numbers(test_digits):
    from pgmviz.evaluation import evaluate as ev

    big = bundled_784x500()
    assert len(big) >= 2, "the bundled 784x500 models are missing"
    # models whose file records no PA figure get a quick estimate made "on this page"
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    session, expected = {}, []
    for title, (rbm, meta) in big.items():
        extra = {}
        if "ll_test_pa" not in meta:
            est = ev.estimate_log_Z(rbm, "PA", 20, 100, seed=0)
            session[(title, ev.model_fingerprint(rbm))] = {"exact": None, "exact_s": None, "runs": [est], "sweep": []}
            extra = {"PA": est.log_Z}
        expected.append(ev.model_score(title, rbm, meta, test_digits, extra))
    at.session_state["ev_results"] = session
    at.run()
    no_exception(at)
    table = next(d.value for d in at.dataframe if "error from" in d.value.columns)
    assert list(table["model"]) == [s.name for s in expected]
    np.testing.assert_allclose(table["held-out reconstruction error (per pixel)"], [s.recon_error for s in expected],
                               rtol=1e-9)
    np.testing.assert_allclose(table["held-out log p(v), PA (nats)"], [s.ll["PA"] for s in expected], rtol=1e-9)
    verdict = ev.recon_vs_likelihood(expected)
    assert verdict.method == "PA"
    by = {s.name: s for s in expected}
    text = next(m.value for m in at.markdown if "per pixel" in m.value)
    best_r, best_l = by[verdict.best_recon], by[verdict.best_ll]
    if verdict.disagree:
        assert f"**{best_r.name}** reconstructs the held-out digits best ({best_r.recon_error:.4f}" in text
        assert f"yet **{best_l.name}** gives them the most probability ({best_l.ll['PA']:.1f} nats" in text
        assert "is not the one with the best likelihood" in text
    else:
        assert f"the model that reconstructs best, **{best_r.name}**" in text and "is not the one" not in text
    if verdict.pairs > 1:
        assert f"order {verdict.discordant} the opposite way" in text
    # the notice quotes the files' own log Z estimates, and nothing typed about models that are gone
    note = next(i.value for i in at.info if "What to notice" in i.value)
    assert "20 nats" not in note and "10,000" not in note.split("The bundled files record")[0]
    for title, (_, meta) in big.items():
        rec = ev.recorded_log_Z(meta)
        if rec is not None:
            assert f"{title}: AIS" in note and f"{rec.ais:.1f}, PA" in note and f"{abs(rec.gap):.1f} nats apart" in note


def test_missing_likelihoods_are_estimated_by_the_button():
    from pgmviz.evaluation import evaluate as ev

    big = bundled_784x500()
    missing = [t for t, (_, meta) in big.items() if "ll_test_pa" not in meta]
    at = page(pa_runs=4, pa_temps=10)
    if not missing:  # every file records its figure: nothing to estimate, no button
        assert not any(b.key == "ev_run_big" for b in at.button)
        return
    at.button(key="ev_run_big").click().run()
    no_exception(at)
    for title in missing:
        (est,) = at.session_state["ev_results"][(title, ev.model_fingerprint(big[title][0]))]["runs"]
        assert (est.method, est.n_runs, est.n_betas) == ("PA", 4, 10)
    table = next(d.value for d in at.dataframe if "error from" in d.value.columns)
    assert all("PA: estimated here" in table.loc[table["model"] == t, "log p(v) from"].iloc[0] for t in missing)
    assert not any(b.key == "ev_run_big" for b in at.button)
