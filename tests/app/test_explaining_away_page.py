"""AppTest of the "Explaining away" page (lessons/explaining_away.py): it runs, the numbers it shows
are pgmviz.models.sbn's for the net its inputs describe, and editing a number changes the posterior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.inference import explaining_away, table_meanfield
from pgmviz.models import sbn
from pgmviz.sampling import sbn_gibbs
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
    return explaining_away.explaining_away_net(**params), int(at.toggle(key="ea_jump").value)


def check_numbers(at: AppTest) -> explaining_away.ExplainingAway:
    net, jump = shown_net(at)
    ea = explaining_away.explaining_away(net, jump)
    e = "jump" if jump else "no jump"
    assert metric(at, f"p(truck = 1 | {e})") == fmt(ea.p_truck)
    assert metric(at, f"p(quake = 1 | {e})") == fmt(ea.p_quake)
    assert metric(at, f"p(truck = 1, quake = 1 | {e})") == fmt(ea.posterior[1, 1])
    assert metric(at, f"p(truck | {e}) · p(quake | {e})") == fmt(ea.p_truck * ea.p_quake)
    assert metric(at, f"p(truck = 1 | {e}, quake = 1)") == fmt(ea.p_truck_given_quake)
    assert metric(at, f"p(truck = 1 | {e}, quake = 0)") == fmt(ea.p_truck_given_no_quake)
    assert metric(at, "p(house jumps)" if jump else "p(house does not jump)") == fmt(np.exp(ea.log_p_jump))
    table = dataframe_with(at, f"p(· | {e})")
    assert list(table[f"p(· | {e})"]) == [fmt(ea.posterior[t, q]) for t in (0, 1) for q in (0, 1)]
    check_factorial(at, ea)
    check_section_2(at, net, ea, jump)
    return ea


def dataframe_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def check_factorial(at: AppTest, ea: explaining_away.ExplainingAway) -> None:
    """The two factorial q's: product of marginals (best in KL(p||q)) and mean field (KL(q||p))."""
    p = ea.posterior.ravel()
    mf, _ = table_meanfield.best_mean_field(p, 2)
    pm = sbn.product_of_marginals(p, 2)
    table = dataframe_with(at, "KL(q ‖ p), nats").set_index("factorial q")
    for name, q, means in (("product of posterior marginals", pm, [ea.p_truck, ea.p_quake]),
                           ("mean field", mf.q, mf.means)):
        assert table.loc[name, "q(truck = 1)"] == fmt(means[0])
        assert table.loc[name, "KL(p ‖ q), nats"] == f"{sbn.kl(p, q):.4g}"
        rev = table_meanfield.reverse_kl(q, table_meanfield.log_table(p))
        assert table.loc[name, "KL(q ‖ p), nats"] == f"{rev:.4g}"
    rev_pm = table_meanfield.reverse_kl(pm, table_meanfield.log_table(p))
    if mf.kl < rev_pm - 1e-6:
        assert any(f"KL(q ‖ p) = **{mf.kl:.4g}** nats against **{rev_pm:.4g}**" in md.value for md in at.markdown)


def check_section_2(at: AppTest, net: sbn.SBN, ea: explaining_away.ExplainingAway, jump: int) -> None:
    """The sentence on learning of the earthquake says the direction the numbers show, for this evidence."""
    text = next(md.value for md in at.markdown if md.value.startswith("Learning that there was an earthquake"))
    lowered = ea.p_truck_given_quake < ea.p_truck * (1 - 1e-3)
    raised = ea.p_truck_given_quake > ea.p_truck * (1 + 1e-3)
    word = "lowers" if lowered else "raises" if raised else "leaves"
    assert text.startswith(f"Learning that there was an earthquake **{word}**")
    assert fmt(ea.p_truck_given_quake) in text and fmt(ea.p_truck) in text
    if not jump:
        assert "explains the jump" not in text and "explained away" not in text
        if lowered:  # the reason given is the net's own p(jump | truck, quake)
            both = 1 / (1 + np.exp(-(net.biases[0][0] + net.weights[0].sum())))
            assert fmt(both) in text


def test_lecture_net_by_default(at):
    assert at.title[0].value == "Explaining away"
    assert [at.number_input(key="ea_" + k).value for k in KEYS] == [-10.0, -10.0, -20.0, 20.0, 20.0]
    ea = check_numbers(at)
    assert metric(at, "p(truck = 1 | jump)") == "0.50000"
    assert metric(at, "p(truck = 1, quake = 1 | jump)") == "4.540e-05"
    assert metric(at, "p(truck = 1 | jump, quake = 1)") == "9.079e-05"  # explained away
    assert any(f"{ea.kl:.4f} nats" in md.value for md in at.markdown)
    notice = next(i.value for i in at.info if "What to notice" in i.value)
    for p in (ea.p_truck, ea.p_quake, ea.posterior[1, 1], ea.p_truck * ea.p_quake, ea.p_truck_given_quake):
        assert fmt(p) in notice
    # mean field bets on one cause: KL(q||p) = log 2 beside the product of marginals' larger value
    mf, _ = table_meanfield.best_mean_field(ea.posterior.ravel(), 2)
    assert mf.kl == pytest.approx(np.log(2), abs=1e-3)
    assert "it bets on one cause" in " ".join(md.value for md in at.markdown)


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
    # the notice still describes the lecture's net given the jump, computed
    lec = explaining_away.explaining_away(explaining_away.explaining_away_net(), 1)
    assert fmt(lec.p_truck_given_quake) in next(i.value for i in at.info if "What to notice" in i.value)


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

    def shown_mf() -> float:
        return float(metric(at, "KL( q_mean-field ‖ p(h | v) )").split()[0])

    def expected_mf() -> float:
        on = at.pills(key="ea_v_on").value or []
        v = np.array([1.0 if f"v{i + 1}" in on else 0.0 for i in range(4)])
        net = sbn.SBN.random([4, 3], weight_scale=at.slider(key="ea_scale").value,
                             seed=int(at.number_input(key="ea_seed").value))
        return table_meanfield.best_mean_field(net.posterior_layer(v, 1), 3)[0].kl

    assert shown_kl() == pytest.approx(expected(), rel=1e-3) and shown_kl() > 0.01
    assert shown_mf() == pytest.approx(expected_mf(), rel=1e-3)
    at.slider(key="ea_scale").set_value(0.0)
    run(at)
    assert shown_kl() == pytest.approx(0.0, abs=1e-12)
    assert shown_mf() == pytest.approx(0.0, abs=1e-9)


def gibbs_expected(at: AppTest) -> tuple[sbn_gibbs.GibbsRun, np.ndarray, table_meanfield.MeanField]:
    """The section-4 run and exact posterior for the net and evidence the widgets describe."""
    sweeps, chains = int(at.select_slider(key="ea_g_sweeps").value), int(at.number_input(key="ea_g_chains").value)
    seed, start = int(at.number_input(key="ea_g_seed").value), at.radio(key="ea_g_start").value
    if at.radio(key="ea_g_net").value == "lecture":
        net, jump = shown_net(at)
        g_net, v = net, np.array([float(jump)])
    else:
        on = at.pills(key="ea_v_on").value or []
        v = np.array([1.0 if f"v{i + 1}" in on else 0.0 for i in range(4)])
        g_net = sbn.SBN.random([4, 3], weight_scale=at.slider(key="ea_scale").value,
                               seed=int(at.number_input(key="ea_seed").value))
    exact = g_net.posterior_layer(v, 1)
    run_ = sbn_gibbs.gibbs_posterior(g_net, v, sweeps, chains, rng=seed, start=start)
    return run_, exact, table_meanfield.best_mean_field(exact, len(g_net.biases[1]))[0]


def check_gibbs(at: AppTest) -> tuple[float, str]:
    run_, exact, mf = gibbs_expected(at)
    sweeps = run_.estimates.shape[0]
    tv = run_.tv_to(exact)[-1]
    assert metric(at, f"TV( Gibbs estimate after {sweeps:,} sweeps , exact posterior )") == f"{tv:.3g}"
    assert metric(at, "TV( mean field , exact posterior )") == f"{0.5 * np.abs(mf.q - exact).sum():.3g}"
    chains = run_.final[0].shape[0]
    assert metric(at, "sweeps in which a chain changed state") == f"{int(run_.moves.sum()):,} of {sweeps * chains:,}"
    text = next(m.value for m in at.markdown if m.value.startswith(f"After {sweeps:,} sweeps"))
    assert (f"is within {tv:.3g} of the exact" in text) == (tv < 0.05)
    assert (f"is still {tv:.3g} from the exact" in text) == (tv >= 0.05)
    return tv, text


def test_gibbs_sampling_beside_the_exact_posterior(at):
    # the lecture's net, given the jump: chains rarely leave the explanation they start in
    tv, text = check_gibbs(at)
    net, _ = shown_net(at)
    logit = sbn_gibbs.gibbs_logit(net, [np.ones((1, 1)), np.array([[1.0, 0.0]])], 1, 1)[0]
    assert f"is {1 / (1 + np.exp(-logit)):.1e}: a chain can stay" in text
    # every cause off at the start: every chain takes the truck, and the estimate misses the earthquake
    at.radio(key="ea_g_start").set_value("off")
    run(at)
    tv_off, _ = check_gibbs(at)
    assert tv_off > 0.2
    # the random net mixes: the estimate converges, and more sweeps bring it closer
    at.radio(key="ea_g_net").set_value("random")
    at.radio(key="ea_g_start").set_value("uniform")
    run(at)
    tv_1000, text = check_gibbs(at)
    assert tv_1000 < 0.05 and "a chain can stay" not in text
    at.select_slider(key="ea_g_sweeps").set_value(10)
    run(at)
    tv_10, _ = check_gibbs(at)
    assert tv_10 > tv_1000
