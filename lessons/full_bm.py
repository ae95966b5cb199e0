"""A full Boltzmann machine, learned (Ackley, Hinton & Sejnowski 1985), beside the RBM with the same units.

Widgets and drawing only. The two trainers in lockstep are ``pgmviz.training.bm_vs_rbm.Duel`` (live,
through ``pgmviz.ui.live.LiveRun``); the sampled-against-exact checks are ``pgmviz.training.bm_checks``;
every exact number enumerates all 2^(9 + n_h) joint states. The sentences and the tables' rows are
``pgmviz.training.bm_readout``'s, the graph and charts ``pgmviz.ui.charts.full_bm``'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz import data
from pgmviz.models.boltzmann import state_label
from pgmviz.sampling.partition import all_states
from pgmviz.training import bm_checks
from pgmviz.training import bm_readout as readout
from pgmviz.training.bm_learning import CONNECTIVITY
from pgmviz.training.bm_vs_rbm import RBM_SAMPLERS, Duel, DuelSettings
from pgmviz.training.protocol import Budget
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import full_bm as charts
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.live import LiveRun
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="A full Boltzmann machine · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "fb_"  # prefix of this page's session-state keys
X = data.bars_and_stripes(3)  # 14 patterns of 9 pixels: every joint state can be enumerated
N_V, BEST = X.shape[1], float(-np.log(len(X)))
STEP_UPDATES = 100  # updates per click on Step
RECORD_EVERY = 10
COND = {"chains": 2000, "sweeps": 20}  # the clamped chains of section 2, from random h
D = DuelSettings()
ss = st.session_state

URL_SETTINGS = url.bind(P, {
    "n_hidden": url.integer(D.n_hidden, 1, 7),
    "connectivity": url.choice(D.connectivity, ["full", "semi"]),
    "lr": url.number(D.lr, 0.0, 1000.0),
    "momentum": url.number(D.momentum, 0.0, 0.99),
    "sweeps": url.integer(D.sweeps, 1, 50),
    "n_free": url.integer(D.n_free, 1, 500),
    "persistent": url.flag(D.persistent),
    "rbm_sampler": url.choice(D.rbm_sampler, RBM_SAMPLERS),
    "seed": url.integer(D.seed, 0, 9999),
    "T": url.number(1.0, 0.25, 5.0),
    "t_sweeps": url.integer(20, 1, 200),
    "t_chains": url.integer(2000, 10, 5000),
    "g_chains": url.integer(200, 1, 5000),
    "g_sweeps": url.integer(20, 1, 200),
    "pattern": url.integer(6, 0, len(X) - 1),
})


def settings_from_widgets() -> DuelSettings:
    return DuelSettings(n_hidden=int(ss[P + "n_hidden"]), lr=float(ss[P + "lr"]), momentum=float(ss[P + "momentum"]),
                        sweeps=int(ss[P + "sweeps"]), n_free=int(ss[P + "n_free"]),
                        persistent=bool(ss[P + "persistent"]), connectivity=ss[P + "connectivity"],
                        rbm_sampler=ss[P + "rbm_sampler"], seed=int(ss[P + "seed"]))


def build_duel() -> Duel:
    """A fresh pair from the controls (what Reset does); ValueError with a message."""
    try:
        settings = settings_from_widgets()
        if settings.lr <= 0:
            raise ValueError("the learning rate must be above 0")
        duel = Duel(settings, X, record_every=RECORD_EVERY)
    except ValueError as e:
        raise ValueError(f"These settings cannot train: {e}. Fix them and press Reset.") from e
    ss[P + "built"] = settings
    return duel


def slice_budget(kind: str, seconds: float) -> Budget:
    return Budget(updates=STEP_UPDATES) if kind == "step" else Budget(seconds=seconds)


RUN = LiveRun(P, build_duel, slice_s=0.3, tick_s=0.6, budget=slice_budget, key="duel", locked=True)


# --- the page ---------------------------------------------------------------------------------
lesson_header(
    "A full Boltzmann machine, learned",
    "With every coupling allowed, lateral ones too, the learning rule is still data statistics minus model "
    "statistics, <sᵢsⱼ>clamped − <sᵢsⱼ>free; but p(h|v) no longer factorises, so the clamped phase must be "
    "sampled too, one unit at a time. The RBM's missing couplings buy an exact clamped phase and whole-layer "
    "sampling.",
)
warm_up_kernels()  # the RBM's exact log Z uses the Gray-code kernel
st.markdown(
    r"A Boltzmann machine over $x = [v, h]$ has energy $E(x) = -\sum_{i \le j} Q_{ij} x_i x_j$ (biases on the "
    r"diagonal, every pair coupled) and $p_T(x) \propto e^{-E(x)/T}$. For data $v_n$: "
    r"$\partial \langle \log p_T(v) \rangle / \partial Q_{ij} = (\langle x_i x_j \rangle_{\text{clamped}} - "
    r"\langle x_i x_j \rangle_{\text{free}}) / T$, where *clamped* fixes $v$ to a data vector and samples $h$ from "
    r"$p_T(h|v)$, and *free* samples everything. The data are all 14 bars-and-stripes patterns of 3x3 pixels."
)

with st.sidebar:
    st.markdown("**Both machines** (press Reset to apply)")
    st.number_input("Hidden units", 1, 7, key=P + "n_hidden", help="9 + n_h units: 2^(9+n_h) joint states enumerated.")
    st.radio("Full machine's couplings", ["full", "semi"], format_func=CONNECTIVITY.get, key=P + "connectivity")
    st.number_input("Learning rate", 0.0, 1000.0, step=0.05, format="%.3f", key=P + "lr")
    st.number_input("Momentum", 0.0, 0.99, step=0.1, format="%.2f", key=P + "momentum")
    st.number_input("Gibbs sweeps per phase (RBM: k)", 1, 50, key=P + "sweeps")
    st.number_input("Free-phase chains (RBM: PCD chains)", 1, 500, key=P + "n_free")
    st.toggle("Persistent chains (full machine)", key=P + "persistent",
              help="Off: every update starts both phases' chains at random states (Ackley et al. annealed them).")
    st.selectbox("RBM's sampler", list(RBM_SAMPLERS), format_func=RBM_SAMPLERS.get, key=P + "rbm_sampler")
    st.number_input("Seed", 0, 9999, key=P + "seed", help="Initial weights (the same for both) and all sampling.")
    st.button("Reset", key=P + "reset_side", on_click=RUN.on_reset, width="stretch")

RUN.ensure()
RUN.buttons(step_label=f"Step ({STEP_UPDATES})", step_help=f"{STEP_UPDATES} updates of both machines, then stop.")
RUN.messages()
# Asked before training: does the full machine's extra freedom pay, with a sampled clamped phase? Read off the duel.
BM_AHEAD, RBM_AHEAD = "the full Boltzmann machine", "the RBM"
q_ahead = predict.ask(P + "q_ahead", "Train both from the same weights, then pause: which will have the higher "
                      "**exact log p(v)**, the full machine (sampled in both phases) or the RBM?",
                      predict.Choice([BM_AHEAD, RBM_AHEAD]), about=ss.get(P + "built"))
duel_now: Duel | None = RUN.trainer
if duel_now is not None and duel_now.step > 0 and not RUN.running:
    with RUN.quiet():
        c_now = duel_now.curves()
    q_ahead.reveal(BM_AHEAD if c_now["ll_bm"][-1] > c_now["ll_rbm"][-1] else RBM_AHEAD)
else:
    q_ahead.wait("Press Train (or Step), then Pause: the answer is this duel's own exact log-likelihoods.")
duel_shown = q_ahead.reveals("both machines' curves and costs")


def live() -> None:
    duel: Duel | None = RUN.trainer
    if duel is None or not duel_shown:
        return
    with RUN.quiet():
        c, table, sentence = duel.curves(), pd.DataFrame(readout.cost_rows(duel)), readout.conclusion(duel, BEST)
        step = duel.step
    built: DuelSettings = ss.get(P + "built", D)
    st.caption(f"{built.n_hidden} hidden units, {CONNECTIVITY[built.connectivity]}; lr {built.lr:g}, momentum "
               f"{built.momentum:g}, all 14 patterns per update, {built.sweeps} sweeps per phase, {built.n_free} free "
               f"chains ({'persistent' if built.persistent else 'fresh'}); the RBM: {built.rbm_sampler.upper()}-"
               f"{built.sweeps} with {built.n_free} chains. All start from the same weights (lateral ones at 0); "
               "the dotted curve is the full machine on the exact gradient (enumeration), the same rule without "
               "sampling noise.")
    m = st.columns(5)
    m[0].metric("updates (each machine)", f"{step:,}")
    m[1].metric("full BM: exact log p(v)", readout.fmt(c["ll_bm"][-1]))
    m[2].metric("full BM on the exact gradient", readout.fmt(c["ll_exact"][-1]))
    m[3].metric("RBM: exact log p(v)", readout.fmt(c["ll_rbm"][-1]))
    m[4].metric("best possible: -log 14", readout.fmt(BEST))
    left, right = st.columns(2)
    slides.chart(left, charts.curves_figure(c, "step", BEST, len(X)), key=P + "ll_steps", width="stretch")
    slides.chart(right, charts.curves_figure(c, "seconds", BEST, len(X)), key=P + "ll_seconds", width="stretch")
    st.markdown("**Cost of one update**, counted from the settings (the time is measured, so it varies with the "
                "machine and its load).")
    st.dataframe(table, hide_index=True, width="stretch", key=P + "costs")
    if sentence:
        st.markdown(sentence)


RUN.fragment(live)
st.markdown(readout.scale_sentence())

duel: Duel | None = RUN.trainer
if duel is None:
    URL_SETTINGS.write()
    st.stop()
with RUN.quiet():
    Q, mask, n_h = duel.bm.Q.copy(), duel.bm.mask.copy(), duel.bm.n_h

# --- the graph -------------------------------------------------------------------------------
st.subheader("1 · The machine now")
g1, g2 = main_picture().columns([3, 2])  # the machine's couplings, lateral ones too
with g1:
    threshold = 0.25
    dot, shown, total, peak = charts.graph_dot(Q, mask, N_V, threshold)
    # A new element per model state: redrawn in place, the chart kept the edges of the untrained machine (none).
    graphviz_chart(dot, key=f"{P}graph_{duel.step}")
    st.caption(f"{shown} of {total} non-zero couplings have |Q_ij| ≥ {threshold}. Every allowed coupling is drawn, "
               f"wider and darker the nearer |Q_ij| is to the largest ({peak:.2f}): red positive, blue negative, "
               "light grey still 0. Pixels sit as in the picture; hidden units on top.")
with g2:
    for name, total_abs in readout.coupling_sums(Q, N_V).items():
        st.metric(f"Σ |{name} couplings|", readout.fmt(total_abs, ".2f"))

# --- clamped phase: p(h|v) -------------------------------------------------------------------
st.subheader("2 · The clamped phase needs sampling: p(h | v) does not factorise")
pattern = st.select_slider("Data vector clamped on v", options=list(range(len(X))), key=P + "pattern",
                           format_func=lambda k: f"{k}: {state_label(X[k])}")
cond = bm_checks.conditional_check(Q, N_V, X[pattern], sweeps=COND["sweeps"], n_chains=COND["chains"],
                                   rng=int(ss[P + "seed"]))
c1, c2, c3 = st.columns(3)
c1.metric("KL( p(h|v) ‖ Π_j p(h_j|v) )", f"{cond.kl_factorial:.4f} nats")
c2.metric("TV( clamped chains , exact p(h|v) )", f"{cond.tv:.3f}")
c3.metric("clamped chains", f"{COND['chains']:,} × {COND['sweeps']} sweeps")
slides.chart(st, charts.conditional_figure(all_states(n_h), cond.exact, cond.sampled), key=P + "cond",
             width="stretch")
st.markdown(readout.cond_sentence(cond))

# --- sampled vs exact gradient ---------------------------------------------------------------
st.subheader("3 · The sampled gradient beside the exact one")
gs1, gs2 = st.columns(2)
gs1.number_input("Free chains for this estimate", 1, 5000, key=P + "g_chains")
gs2.number_input("Sweeps for this estimate", 1, 200, key=P + "g_sweeps")
sweeps = int(ss[P + "g_sweeps"])
gc = bm_checks.gradient_check(Q, N_V, X, sweeps=sweeps, n_free=int(ss[P + "g_chains"]), mask=mask,
                              rng=int(ss[P + "seed"]))
k1, k2, k3 = st.columns(3)
k1.metric("cos( sampled , exact gradient )", f"{gc.cosine:.3f}")
k2.metric("|exact gradient|", f"{gc.exact_norm:.4f}")
k3.metric("|sampled − exact|", f"{gc.error_norm:.4f}")
slides.chart(st, charts.gradient_figure(readout.gradient_points(gc.exact, gc.sampled, mask, N_V)), key=P + "grad",
             width="stretch")
st.caption(f"One estimate from fresh chains: a clamped chain per pattern and {int(ss[P + 'g_chains']):,} free chains, "
           f"{sweeps} sweeps each from random states ({gc.unit_updates:,} single-unit samplings). More chains cut "
           "its noise; more sweeps cut the bias of chains that have not yet reached equilibrium.")

# --- temperature -----------------------------------------------------------------------------
st.subheader("4 · Sampling at a temperature")
t1, t2, t3 = st.columns(3)
t1.slider("Temperature T", 0.25, 5.0, step=0.25, key=P + "T")
t2.number_input("Sweeps", 1, 200, key=P + "t_sweeps")
t3.number_input("Chains", 10, 5000, key=P + "t_chains")
T = float(ss[P + "T"])
tc = bm_checks.temperature_check(Q, N_V, T, sweeps=int(ss[P + "t_sweeps"]), n_chains=int(ss[P + "t_chains"]),
                                 patterns=X, rng=int(ss[P + "seed"]))
fig = charts.temperature_figure(all_states(N_V), tc.exact, tc.sampled, tc.exact_at_1, T)
slides.chart(st, fig, key=P + "temp", width="stretch")
q1, q2, q3, q4 = st.columns(4)
q1.metric("TV( chains , exact p_T )", f"{tc.tv:.3f}")
q2.metric("TV( chains , model p_1 )", f"{tc.tv_to_model:.3f}")
q3.metric("p_T(the 14 patterns), exact", f"{tc.mass_on['exact']:.3f}")
q4.metric("units that flipped when visited", f"{tc.flip_rate:.1%}")
st.caption(f"Independent exact draws, as many as the chains, land {tc.tv_floor:.3f} from p_T in total variation: "
           f"{2 ** N_V} visible states are many for {int(ss[P + 't_chains']):,} samples.")
st.markdown(readout.temperature_sentence(tc))

URL_SETTINGS.write()
notice(
    "Both machines start from the same weights and see the same data, yet their rules differ only in what they can "
    "compute exactly. The RBM's clamped phase is one matrix product and its free phase samples whole layers; the full "
    "machine samples both phases one unit at a time, and its gradient is exact only by enumeration (section 3). "
    "Whether the lateral couplings pay on this small problem is in the curves above; the counted costs say why "
    "nobody trains full Boltzmann machines at the size of real images."
)
