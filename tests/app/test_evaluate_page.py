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
from pgmviz.partition import log_likelihood_exact, log_Z_exact
from pgmviz.rbm import RBM
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
    from pgmviz.evaluate import Estimate, model_fingerprint

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
