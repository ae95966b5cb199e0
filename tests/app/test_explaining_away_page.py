"""AppTest of the "Explaining away" page (lessons/explaining_away.py): it runs, the numbers it shows
are pgmviz.sbn's for the net its inputs describe, and editing a number changes the posterior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz import sbn
from tests.app.helpers import run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "explaining_away.py")
TIMEOUT = 120
KEYS = ["b_truck", "b_quake", "b_house", "w_truck", "w_quake"]


def fmt(p: float) -> str:  # the page's format, restated: 5 decimals, or 3 significant digits when tiny
    return f"{p:.5f}" if p >= 1e-3 or p == 0 else f"{p:.3e}"


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def shown_net(at: AppTest) -> tuple[sbn.SBN, int]:
    params = {k: at.number_input(key="ea_" + k).value for k in KEYS}
    return sbn.explaining_away_net(**params), int(at.toggle(key="ea_jump").value)


def check_numbers(at: AppTest) -> sbn.ExplainingAway:
    net, jump = shown_net(at)
    ea = sbn.explaining_away(net, jump)
    e = "jump" if jump else "no jump"
    assert metric(at, f"p(truck = 1 | {e})") == fmt(ea.p_truck)
    assert metric(at, f"p(quake = 1 | {e})") == fmt(ea.p_quake)
    assert metric(at, f"p(truck = 1, quake = 1 | {e})") == fmt(ea.posterior[1, 1])
    assert metric(at, f"p(truck | {e}) · p(quake | {e})") == fmt(ea.p_truck * ea.p_quake)
    assert metric(at, f"p(truck = 1 | {e}, quake = 1)") == fmt(ea.p_truck_given_quake)
    assert metric(at, f"p(truck = 1 | {e}, quake = 0)") == fmt(ea.p_truck_given_no_quake)
    assert metric(at, "p(house jumps)" if jump else "p(house does not jump)") == fmt(np.exp(ea.log_p_jump))
    table = at.dataframe[0].value  # the only table on the page
    assert list(table[f"p(· | {e})"]) == [fmt(ea.posterior[t, q]) for t in (0, 1) for q in (0, 1)]
    return ea


def test_lecture_net_by_default(at):
    assert at.title[0].value == "Explaining away"
    assert [at.number_input(key="ea_" + k).value for k in KEYS] == [-10.0, -10.0, -20.0, 20.0, 20.0]
    ea = check_numbers(at)
    assert metric(at, "p(truck = 1 | jump)") == "0.50000"
    assert metric(at, "p(truck = 1, quake = 1 | jump)") == "4.540e-05"
    assert metric(at, "p(truck = 1 | jump, quake = 1)") == "9.079e-05"  # explained away
    assert any(f"{ea.kl:.4f} nats" in md.value for md in at.markdown)
    assert any("What to notice" in i.value for i in at.info)


def test_editing_a_weight_changes_the_posterior(at):
    before = metric(at, "p(quake = 1 | jump)")
    at.number_input(key="ea_w_quake").set_value(12.0)
    run(at)
    assert metric(at, "p(quake = 1 | jump)") != before
    check_numbers(at)
    assert at.query_params["ea_w_quake"] == "12"  # the setup is in the URL
    at.button(key="ea_reset").click()
    run(at)
    assert metric(at, "p(quake = 1 | jump)") == before


def test_no_jump_evidence(at):
    at.toggle(key="ea_jump").set_value(False)
    run(at)
    ea = check_numbers(at)
    assert ea.p_truck < 1e-4  # no jump: the causes are even rarer than before


def test_url_sets_the_net():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["ea_w_truck"] = "5"
    app.query_params["ea_jump"] = "0"
    run(app)
    assert app.number_input(key="ea_w_truck").value == 5.0 and app.toggle(key="ea_jump").value is False
    check_numbers(app)


def test_random_net_kl(at):
    def shown_kl() -> float:
        return float(metric(at, "KL( p(h | v) ‖ Π_j p(h_j | v) )").split()[0])

    def expected() -> float:
        on = at.pills(key="ea_v_on").value or []
        v = np.array([1.0 if f"v{i + 1}" in on else 0.0 for i in range(4)])
        net = sbn.SBN.random([4, 3], weight_scale=at.slider(key="ea_scale").value,
                             seed=int(at.number_input(key="ea_seed").value))
        return sbn.kl_to_factorial(net.posterior_layer(v, 1), 3)

    assert shown_kl() == pytest.approx(expected(), rel=1e-3) and shown_kl() > 0.01
    at.slider(key="ea_scale").set_value(0.0)
    run(at)
    assert shown_kl() == pytest.approx(0.0, abs=1e-12)
