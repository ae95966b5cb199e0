"""Belief nets, explaining away: two independent causes become dependent once their effect is seen.

Widgets and drawing only; every probability comes from ``pgmviz.models.sbn`` and the lesson's experiment
``pgmviz.inference.explaining_away`` (exact, by enumeration); the charts are ``pgmviz.ui.charts.explaining_away``.
The five numbers of the net, the evidence and the random net's settings live in
``st.session_state`` and round-trip through the URL (``?ea_w_truck=5&ea_jump=0``, see
``pgmviz.ui.urlstate``), so a teacher can share an exact setup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.inference import explaining_away as lesson
from pgmviz.models import sbn
from pgmviz.sampling import sbn_gibbs
from pgmviz.sampling.partition import all_states
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import explaining_away as charts
from pgmviz.ui.charts.explaining_away import fmt
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Explaining away · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "ea_"  # prefix of this page's session-state keys (the session is shared by all pages)
# The lecture's net: each cause rare on its own, the house almost never jumps without a cause.
LECTURE = {"b_truck": -10.0, "b_quake": -10.0, "b_house": -20.0, "w_truck": 20.0, "w_quake": 20.0}
LABELS = {"b_truck": "bias of *truck hits house*", "b_quake": "bias of *earthquake*",
          "b_house": "bias of *house jumps*", "w_truck": "weight truck → house",
          "w_quake": "weight earthquake → house"}
LIMIT = 50.0
RANDOM = {"scale": 2.0, "seed": 2, "v_on": ["v2", "v3"]}  # the random SBN of the last section
N_TOP, N_BOTTOM = 3, 4  # its layer sizes: 2^3 hidden states to list, 2^4 visible states to average
SCALES = np.linspace(0.0, 5.0, 41)  # weight scales of the KL curve
GIBBS = {"g_net": "lecture", "g_sweeps": 1000, "g_chains": 10, "g_seed": 0, "g_start": "uniform"}  # section 4
SWEEPS = [10, 100, 1000, 5000]

ss = st.session_state
# The lecture's numbers, or a shared link's (once per session, so edits stick).
URL_SETTINGS = url.bind(P, {
    **{key: url.number(value, -LIMIT, LIMIT) for key, value in LECTURE.items()},
    "jump": url.flag(True),
    "scale": url.number(RANDOM["scale"], 0.0, 5.0),
    "seed": url.integer(RANDOM["seed"], 0, 9999),
    "v_on": url.subset(RANDOM["v_on"], [f"v{i + 1}" for i in range(N_BOTTOM)]),
    "g_net": url.choice(GIBBS["g_net"], ["lecture", "random"]),
    "g_sweeps": url.choice(GIBBS["g_sweeps"], SWEEPS),
    "g_chains": url.integer(GIBBS["g_chains"], 1, 50),
    "g_seed": url.integer(GIBBS["g_seed"], 0, 9999),
    "g_start": url.choice(GIBBS["g_start"], ["uniform", "off"]),
})


def reset() -> None:
    for key, value in LECTURE.items():
        ss[P + key] = value
    ss[P + "jump"] = True


# --- page -------------------------------------------------------------------------------------
lesson_header(
    "Explaining away",
    "Two causes that are independent before we look become dependent — competitors — once we "
    "observe an effect that either could have produced.",
)
st.markdown(
    "A **sigmoid belief net** is a directed acyclic graph of stochastic binary units: each unit "
    "turns on with probability sigmoid(bias + Σ weight × parent). Generating from it is easy "
    "(parents first). *Inference* — what the hidden causes were, given what we saw — is hard, and "
    "this page shows why with the smallest possible example (Judea Pearl's)."
)

with st.container(border=True):
    st.markdown("**The net** (every number is editable)")
    cols = st.columns(5)
    params = {}
    for col, key in zip(cols, LECTURE):
        params[key] = col.number_input(LABELS[key], min_value=-LIMIT, max_value=LIMIT, step=1.0,
                                       key=P + key, format="%g")
    c1, c2 = st.columns([3, 1])
    jump = int(c1.toggle("Evidence: the house **jumps** (off: we observe it did *not* jump)", key=P + "jump"))
    c2.button("Reset to the lecture's numbers", on_click=reset, key=P + "reset")

net = lesson.explaining_away_net(**params)
ea = lesson.explaining_away(net, jump)
prior_t, prior_q = sbn.marginals(ea.prior.ravel(), 2)
product, mf = lesson.factorial_approximations(ea.posterior.ravel(), 2)  # (product of marginals, mean field)
indep = product.q.reshape(2, 2)  # [truck, quake]
evidence = "jump" if jump else "no jump"
p_jump_given = lesson.effect_given_causes(net)  # p(jump | the causes that are on), from the net's conditional


def change(before: float, after: float) -> str:
    """'lowers' / 'raises' / 'leaves': how a new fact moved a probability (by more than 0.1%)."""
    if not (np.isfinite(before) and np.isfinite(after)) or abs(after - before) <= 1e-3 * max(before, after):
        return "leaves"
    return "lowers" if after < before else "raises"

left, right = main_picture().columns([5, 4])
with left:
    slides.chart(st, charts.net_figure(params, {"truck": ea.p_truck, "quake": ea.p_quake, "house": float(jump)}, jump),
                 key=P + "net", width="stretch")
with right:
    st.markdown("**How likely is the evidence?**")
    st.metric("p(house jumps)" if jump else "p(house does not jump)", fmt(float(np.exp(ea.log_p_jump))),
              help="Summed over all four states of the causes: Σ p(truck) p(quake) p(house | truck, quake).")
    st.markdown(
        f"Each cause on its own is rare: p(truck) = sigmoid({params['b_truck']:g}) = **{fmt(prior_t)}**, "
        f"p(quake) = sigmoid({params['b_quake']:g}) = **{fmt(prior_q)}**. The house jumps with "
        f"probability sigmoid({params['b_house']:g}) = {fmt(p_jump_given['none'])} with no "
        f"cause, sigmoid({params['b_house'] + params['w_truck']:g}) = {fmt(p_jump_given['truck'])} with the "
        f"truck alone, sigmoid({params['b_house'] + params['w_quake']:g}) = {fmt(p_jump_given['quake'])} with "
        "the earthquake alone."
    )

st.subheader("1 · Before and after the evidence: the posterior over the causes")
st.markdown(
    "Bayes' rule on all four states of the two causes: p(truck, quake | evidence) ∝ "
    "p(truck) p(quake) p(evidence | truck, quake). The tables read [truck, quake]; shading is log-scale."
)
slides.chart(st, charts.table_figure([ea.prior, ea.posterior, indep],
                             ["prior p(truck, quake)", f"posterior p(truck, quake | {evidence})",
                              f"p(truck | {evidence}) · p(quake | {evidence})"]),
             key=P + "tables", width="stretch")

m = st.columns(4)
m[0].metric(f"p(truck = 1 | {evidence})", fmt(ea.p_truck))
m[1].metric(f"p(quake = 1 | {evidence})", fmt(ea.p_quake))
m[2].metric(f"p(truck = 1, quake = 1 | {evidence})", fmt(float(ea.posterior[1, 1])))
m[3].metric(f"p(truck | {evidence}) · p(quake | {evidence})", fmt(ea.p_truck * ea.p_quake))
ratio, prior_ratio = lesson.independence_ratio(ea.posterior), lesson.independence_ratio(ea.prior)
st.markdown(
    f"A priori the causes are independent: p(truck, quake) / (p(truck) p(quake)) = **{prior_ratio:.6f}**. "
    f"A posteriori the same ratio is **{ratio:.3g}**"
    + ((" — both causes together are far *less* likely than independence would say: they compete to "
        "explain the same jump." if jump else
        " — both causes together are far *less* likely than independence would say: together they would "
        f"have made the house jump with probability {fmt(p_jump_given['both'])}, and it did not.")
       if ratio < 0.5 else
       " — above 1: the causes now go together." if ratio > 2 else ".")
    + f" KL(posterior ‖ product of its marginals) = **{ea.kl:.4f} nats**."
)

st.markdown(
    "**Two factorial approximations, two answers.** An inference that keeps one number per cause, "
    "q(truck, quake) = q(truck) q(quake), must be wrong here; *which* factorial q is best depends on "
    "the direction of the KL divergence. The product of the posterior's marginals is the q closest in "
    "KL(p ‖ q); **mean field**, what variational inference computes, minimises KL(q ‖ p) instead, "
    "by updating one q_j at a time (from the centre, (0.5, 0.5), and from each corner; the best run is shown)."
)
st.dataframe(pd.DataFrame([{"factorial q": f.name, "q(truck = 1)": fmt(float(f.means[0])),
                            "q(quake = 1)": fmt(float(f.means[1])), "KL(p ‖ q), nats": f"{f.kl_pq:.4g}",
                            "KL(q ‖ p), nats": f"{f.kl_qp:.4g}"} for f in (product, mf)]),
             hide_index=True, key=P + "factorial")
if mf.run.kl < product.kl_qp - 1e-6:
    on = [name for name, m in zip(("truck", "quake"), mf.means) if m > 0.5]
    st.markdown(
        f"Mean field reaches KL(q ‖ p) = **{mf.run.kl:.4g}** nats against **{product.kl_qp:.4g}** for the product of "
        "marginals: " + ("it bets on one cause, the " + on[0] + ", and ignores the other mode" if len(on) == 1
                         else "it settles on one corner of the table") + ". "
        "The product of marginals spreads its mass over every state, including the two the evidence rules out."
    )
else:
    st.markdown(f"Here mean field and the product of marginals agree closely (KL(q ‖ p) = {mf.run.kl:.4g} nats).")
log_y = st.toggle("Logarithmic probability axis", value=True, key=P + "log_y")
slides.chart(st, charts.bars_figure(ea.prior, ea.posterior, indep, log_y), key=P + "bars", width="stretch")

st.subheader("2 · Then we learn there was an earthquake")
q_quake = predict.ask(P + "q_quake", f"We learn there was an earthquake: what will p(truck | {evidence}, quake) be?",
                      predict.Number(1e-8, 1.0, default=0.5, ratio=True, fmt=fmt), answer=ea.p_truck_given_quake,
                      about=(tuple(params.values()), jump))
e1, e2, e3 = st.columns(3)
e1.metric(f"p(truck = 1 | {evidence})", fmt(ea.p_truck))
if q_quake.revealed:
    e2.metric(f"p(truck = 1 | {evidence}, quake = 1)", fmt(ea.p_truck_given_quake),
              delta=f"{ea.p_truck_given_quake - ea.p_truck:+.5f}", delta_color="off")
e3.metric(f"p(truck = 1 | {evidence}, quake = 0)", fmt(ea.p_truck_given_no_quake))
with_quake, without_quake = change(ea.p_truck, ea.p_truck_given_quake), change(ea.p_truck, ea.p_truck_given_no_quake)
why = ""
if jump and with_quake == "lowers":
    why = (f" The earthquake alone makes the jump likely enough (p(jump | quake alone) = "
           f"{fmt(p_jump_given['quake'])}) that the truck is no longer needed: it is *explained away*.")
elif not jump and with_quake == "lowers":
    why = (f" The house did not jump, and an earthquake together with a truck would have made it jump with "
           f"probability {fmt(p_jump_given['both'])}: so once the earthquake is known, a truck is even harder "
           "to square with the evidence.")
if q_quake.reveals("what the earthquake does to the truck"):
    st.markdown(
        f"Learning that there was an earthquake **{with_quake}** the truck's probability: "
        f"p(truck | {evidence}, quake) = p(truck, quake | {evidence}) / p(quake | {evidence}) = "
        f"{fmt(float(ea.posterior[1, 1]))} / {fmt(ea.p_quake)} = **{fmt(ea.p_truck_given_quake)}**, against "
        f"{fmt(ea.p_truck)} before.{why} Learning that there was *no* earthquake **{without_quake}** it"
        f"{' at' if without_quake.startswith('leaves') else ' to'} {fmt(ea.p_truck_given_no_quake)}."
    )
with st.expander("All the numbers as a table"):
    rows = []
    for t in (0, 1):
        for q in (0, 1):
            rows.append({"truck": t, "quake": q, "prior": fmt(ea.prior[t, q]),
                         f"p(· | {evidence})": fmt(ea.posterior[t, q]),
                         "product of posterior marginals": fmt(indep[t, q])})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=P + "numbers")

# --- the general point ------------------------------------------------------------------------
st.subheader("3 · In general the posterior over a layer does not factorise")
st.markdown(
    f"A random sigmoid belief net with {N_TOP} hidden causes above {N_BOTTOM} visible units. Given the "
    "visible units, compute the exact posterior over all 2³ hidden states and compare it with two "
    "factorial (\"one number per unit\") approximations: the product of its own one-unit marginals, "
    "the closest in KL(p ‖ q), and mean field, the closest (locally) in KL(q ‖ p). With zero weights "
    "the causes stay independent and both are exact; the stronger the weights, the more the causes "
    "explain each other away."
)
g1, g2, g3 = st.columns([3, 1, 3])
scale = g1.slider("weight scale (W = scale × a fixed random pattern)", 0.0, 5.0, step=0.25, key=P + "scale")
seed = int(g2.number_input("seed", min_value=0, max_value=9999, step=1, key=P + "seed"))
v_names = [f"v{i + 1}" for i in range(N_BOTTOM)]
v_on = g3.pills("observed visible units that are on", v_names, selection_mode="multi", key=P + "v_on") or []
v = np.array([1.0 if name in v_on else 0.0 for name in v_names])
URL_SETTINGS.write()  # the current setup, in the address bar

rand = sbn.SBN.random([N_BOTTOM, N_TOP], weight_scale=scale, seed=seed)
post = rand.posterior_layer(v, 1)
product_rand, mf_rand = lesson.factorial_approximations(post, N_TOP)
kl_v = product_rand.kl_pq


@st.cache_data(show_spinner=False, max_entries=64)
def kl_curve(seed: int, v: tuple) -> tuple[np.ndarray, np.ndarray]:
    """KL for this v and averaged over v ~ p(v), at every weight scale of the grid."""
    return lesson.kl_to_factorial_curve([N_BOTTOM, N_TOP], SCALES, seed, np.array(v))


k1, k2 = st.columns([2, 3])
with k1:
    st.metric("KL( p(h | v) ‖ Π_j p(h_j | v) )", f"{kl_v:.4g} nats")
    st.metric("KL( q_mean-field ‖ p(h | v) )", f"{mf_rand.run.kl:.4g} nats",
              help="Mean field: the factorial q with the lowest KL(q ‖ p) over runs from the centre and "
                   "every corner.")
    states = ["".join(str(int(x)) for x in h) for h in all_states(N_TOP)]
    slides.chart(st, charts.posterior_bars(states, [("exact posterior p(h | v)", post),
                                                    ("product of its marginals", product_rand.q),
                                                    ("mean field", mf_rand.q)], "hidden state h = h1h2h3"),
                 key=P + "post_bars", width="stretch")
with k2:
    this, mean = kl_curve(seed, tuple(v))
    slides.chart(st, charts.kl_curve_figure(SCALES, this, mean, "".join(str(int(x)) for x in v), scale, kl_v),
                 key=P + "kl_curve", width="stretch")

# --- inference by sampling ----------------------------------------------------------------------
@st.cache_data(show_spinner="Gibbs sampling ...", max_entries=32)
def gibbs_run(which: str, params: tuple, v: tuple, sweeps: int, chains: int, seed: int,
              start: str) -> sbn_gibbs.GibbsRun:
    """The section's Gibbs run (cached: the same settings give the same run anyway)."""
    g_net = lesson.explaining_away_net(**dict(params)) if which == "lecture" else \
        sbn.SBN.random([N_BOTTOM, N_TOP], weight_scale=params[0], seed=params[1])
    return sbn_gibbs.gibbs_posterior(g_net, np.array(v), sweeps, chains, rng=seed, start=start)


st.subheader("4 · Inference by sampling: Gibbs in the belief net")
st.markdown(
    "Instead of listing every state, sample the causes given the evidence: visit one hidden unit at a "
    "time and draw it from its conditional given everything else, which only involves its **Markov "
    "blanket**: p(s = 1 | rest) ∝ p(s = 1 | its parents) × Π over its children p(child | its parents, "
    "s = 1). In a belief net the children's other parents are in the blanket too: that is where "
    "explaining away enters. The estimate of the posterior is the fraction of sweeps each chain spends "
    "in each state."
)
h1, h2, h3, h4, h5 = st.columns([2, 2, 1, 1, 1.5])
which = h1.radio("net", ["lecture", "random"], key=P + "g_net", horizontal=True,
                 format_func={"lecture": f"the truck and the earthquake ({evidence})",
                              "random": "the random net of section 3"}.get)
sweeps = int(h2.select_slider("sweeps", SWEEPS, key=P + "g_sweeps"))
chains = int(h3.number_input("chains", 1, 50, key=P + "g_chains"))
g_seed = int(h4.number_input("seed", 0, 9999, key=P + "g_seed"))
g_start = h5.radio("start", ["uniform", "off"], key=P + "g_start",
                   format_func={"uniform": "random states", "off": "every cause off"}.get)
if which == "lecture":
    g_params, g_v, exact_g, mf_g = tuple(params.items()), (float(jump),), ea.posterior.ravel(), mf
    g_states = ["neither", "quake only", "truck only", "both"]
else:
    g_params, g_v, exact_g, mf_g = (float(scale), seed), tuple(v), post, mf_rand
    g_states = ["".join(str(int(x)) for x in h) for h in all_states(N_TOP)]
run = gibbs_run(which, g_params, g_v, sweeps, chains, g_seed, g_start)
tv_g = run.tv_to(exact_g)
n_moves, n_steps = int(run.moves.sum()), sweeps * chains
gm = st.columns(3)
gm[0].metric(f"TV( Gibbs estimate after {sweeps:,} sweeps , exact posterior )", f"{tv_g[-1]:.3g}")
tv_mf = lesson.total_variation(mf_g.q, exact_g)
gm[1].metric("TV( mean field , exact posterior )", f"{tv_mf:.3g}")
gm[2].metric("sweeps in which a chain changed state", f"{n_moves:,} of {n_steps:,}")
verdict = (f"After {sweeps:,} sweeps of {chains} chain{'s' if chains > 1 else ''} the estimate is within "
           f"{tv_g[-1]:.3g} of the exact posterior in total variation" if tv_g[-1] < 0.05 else
           f"After {sweeps:,} sweeps of {chains} chain{'s' if chains > 1 else ''} the estimate is still "
           f"{tv_g[-1]:.3g} from the exact posterior in total variation")
why = ""
if which == "lecture" and jump:
    p_flip = lesson.first_step_away(net)
    why = (f". From *truck only*, the chance per sweep that the earthquake unit turns on, the first step "
           f"towards the other explanation, is {p_flip:.1e}: a chain can stay in the explanation it starts "
           "in for a long time, and the estimate then depends on where the chains started")
st.markdown(verdict + why + ".")
b1, b2 = st.columns([2, 3])
with b1:
    slides.chart(st, charts.posterior_bars(g_states, [("exact posterior", exact_g),
                                                      (f"Gibbs, {sweeps:,} sweeps", run.estimates[-1]),
                                                      ("mean field", mf_g.q)], "hidden state"),
                 key=P + "gibbs_bars", width="stretch")
with b2:
    slides.chart(st, charts.tv_figure(tv_g, tv_mf), key=P + "gibbs_tv", width="stretch")

lec = lesson.explaining_away(lesson.explaining_away_net(), 1)  # the lecture's net, whatever the inputs say now
notice(
    "The prior table is exactly the product of its marginals; the posterior is not. With the "
    f"lecture's numbers, given the jump, p(truck) = {fmt(lec.p_truck)} and p(quake) = {fmt(lec.p_quake)}, "
    f"yet *both together* have probability {fmt(float(lec.posterior[1, 1]))} instead of the "
    f"{fmt(lec.p_truck * lec.p_quake)} that independence would give"
    + (f", and learning of the earthquake sends the truck back to {fmt(lec.p_truck_given_quake)}"
       if q_quake.revealed else "") + ". That dependence is why inference in a "
    "directed net is hard (no factorial q gets it right, the two best ones disagree, and Gibbs sampling, "
    "right in the limit, can take very long to move from one explanation to the other) — and why an "
    "RBM, whose hidden units are independent given v, is easy."
)
