"""A full Boltzmann machine, learned (Ackley, Hinton & Sejnowski 1985), beside the RBM with the same units.

Widgets and drawing only. The two trainers in lockstep are ``pgmviz.training.bm_vs_rbm.Duel`` (live,
through ``pgmviz.ui.live.LiveRun``); the sampled-against-exact checks are ``pgmviz.training.bm_checks``;
every exact number enumerates all 2^(9 + n_h) joint states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pgmviz import data
from pgmviz.models.boltzmann import state_label
from pgmviz.sampling.partition import all_states
from pgmviz.training import bm_checks
from pgmviz.training.bm_learning import CONNECTIVITY
from pgmviz.training.bm_vs_rbm import RBM_SAMPLERS, Duel, DuelSettings, bm_cost, rbm_cost, updates_to_reach
from pgmviz.training.protocol import Budget
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.live import LiveRun
from pgmviz.ui.present import main_picture
from pgmviz.ui.theme import ACCENT, BLUE, GREY, MUTED, RED, static_style, style

st.set_page_config(page_title="A full Boltzmann machine · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "fb_"  # prefix of this page's session-state keys
X = data.bars_and_stripes(3)  # 14 patterns of 9 pixels: every joint state can be enumerated
N_V, BEST = X.shape[1], float(-np.log(len(X)))
STEP_UPDATES = 100  # updates per click on Step
RECORD_EVERY = 10
COND = {"chains": 2000, "sweeps": 20}  # the clamped chains of section 2, from random h
SCALE = {"n_v": 784, "n_h": 500, "batch": 100, "chains": 100, "sweeps": 1}  # an MNIST-sized machine, for the costs
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


def fmt(x: float, spec: str = ".3f") -> str:
    return "-" if x is None or not np.isfinite(x) else format(x, spec)


def unit_names(n_h: int) -> list[str]:
    return [f"v{i + 1}" for i in range(N_V)] + [f"h{j + 1}" for j in range(n_h)]


# --- figures ----------------------------------------------------------------------------------
def graph_dot(Q: np.ndarray, threshold: float) -> tuple[str, int, int]:
    """The machine as an undirected graph: pixels on a 3x3 grid, hidden units above, one edge per
    coupling with |Q_ij| >= threshold (red positive, blue negative, width ~ |Q_ij|)."""
    N = Q.shape[0]
    names = unit_names(N - N_V)
    peak = max(float(np.abs(np.triu(Q, 1)).max()), 1e-9)
    lines = ['graph BM {', 'layout=neato; bgcolor="transparent"; splines=curved; outputorder=edgesfirst;',
             'node [shape=circle, fontname="Helvetica", fontsize=16, width=0.55, fixedsize=true, style=filled];']
    for i, name in enumerate(names):
        if i < N_V:  # the pixels keep their picture's layout, the hidden units in a row above
            x, y, fill = 1.3 * (i % 3) + 0.6 * (N - N_V - 1) - 1.3, -1.3 * (i // 3), "#fff3d6"
        else:
            x, y, fill = 1.2 * (i - N_V), 2.0, "#e3e7f6"
        lines.append(f'{name} [pos="{x:.2f},{y:.2f}!", fillcolor="{fill}", tooltip="bias {Q[i, i]:+.2f}"];')
    shown = total = 0
    for i, j in zip(*np.triu_indices(N, 1)):
        w = Q[i, j]
        total += w != 0
        if abs(w) < threshold or w == 0:
            continue
        shown += 1
        colour = RED if w > 0 else BLUE
        lines.append(f'{names[i]} -- {names[j]} [color="{colour}", penwidth={0.6 + 4 * abs(w) / peak:.2f}, '
                     f'tooltip="{names[i]}-{names[j]}: {w:+.2f}"];')
    lines.append("}")
    return "\n".join(lines), shown, total


def curves_figure(c: dict, x: str) -> go.Figure:
    fig = go.Figure()
    xs = {"step": (c["step"], c["step"]), "seconds": (c["seconds_bm"], c["seconds_rbm"])}[x]
    fig.add_scatter(x=xs[0], y=c["ll_bm"], mode="lines", name="full Boltzmann machine",
                    line=dict(width=3, color=ACCENT))
    if "ll_exact" in c:
        x_exact = c["step"] if x == "step" else c["seconds_exact"]
        fig.add_scatter(x=x_exact, y=c["ll_exact"], mode="lines", name="full machine, exact gradient",
                        line=dict(width=2, color=ACCENT, dash="dot"))
    fig.add_scatter(x=xs[1], y=c["ll_rbm"], mode="lines", name="RBM, same units", line=dict(width=3, color=MUTED))
    fig.add_hline(y=BEST, line=dict(color="#222", width=1.5, dash="dash"),
                  annotation_text=f"best possible: -log {len(X)} = {BEST:.3f}", annotation_position="bottom right")
    title = "updates" if x == "step" else "seconds of training (measured here, this server's load included)"
    return static_style(fig, 360, xaxis_title=title, yaxis_title="exact mean log p(v), nats",
                        legend=dict(orientation="h", y=1.12), hovermode="x unified")


def cost_table(duel: Duel) -> pd.DataFrame:
    costs = duel.costs
    rows = []
    for key, name, clamped in (("bm", "full Boltzmann machine", "sampled (h swept unit by unit, v clamped)"),
                               ("exact", "full machine, exact gradient", "exact, by enumerating all joint states"),
                               ("rbm", "RBM", "exact: p(h|v) in one matrix product")):
        if key not in costs:
            continue
        c = costs[key]
        rows.append({"model": name, "clamped phase": clamped, "sampled unit states": c.sampled_units,
                     "sequential steps": c.sequential_steps, "multiply-adds": c.multiply_adds,
                     "ms per update (measured)": round(duel.ms_per_update(key), 3)})
    return pd.DataFrame(rows)


def ll_at_time(seconds: list[float], ll: list[float], t: float) -> float:
    """The log-likelihood a run had reached after t seconds of its own training (last record before t)."""
    reached = [v for s, v in zip(seconds, ll) if s <= t]
    return reached[-1] if reached else float("nan")


def conclusion(duel: Duel) -> str | None:
    """What the two runs show, in words chosen by their numbers."""
    c = duel.curves()
    if duel.step == 0:
        return None
    a, b = c["ll_bm"][-1], c["ll_rbm"][-1]
    ahead = "the full machine" if a > b else "the RBM"
    text = (f"After **{duel.step:,} updates** the full machine is at **{a:.3f}** nats and the RBM at **{b:.3f}** "
            f"(best possible {BEST:.3f}): per update, **{ahead}** has learnt more.")
    t = min(duel.seconds["bm"], duel.seconds["rbm"])
    a_t, b_t = ll_at_time(c["seconds_bm"], c["ll_bm"], t), ll_at_time(c["seconds_rbm"], c["ll_rbm"], t)
    ratio = duel.ms_per_update("bm") / duel.ms_per_update("rbm")
    text += (f" Each of its updates took **{ratio:.1f}x** the RBM's time here; after the same {t:.2f} s of training "
             f"the full machine had reached {fmt(a_t)} nats, the RBM {fmt(b_t)}, so per second "
             f"**{'the full machine' if a_t > b_t else 'the RBM'}** is ahead on this tiny problem.")
    if "ll_exact" in c:
        e = c["ll_exact"][-1]
        text += (f" On the exact gradient the same full machine is at {e:.3f} nats: sampling "
                 + (f"has cost it {e - a:.3f} nats so far." if e > a else f"has not held it back ({a - e:+.3f})."))
    level = BEST + 0.5
    u_bm, u_rbm = updates_to_reach(c["step"], c["ll_bm"], level), updates_to_reach(c["step"], c["ll_rbm"], level)
    reach = {k: f"update {u:,}" if u is not None else "not yet" for k, u in (("bm", u_bm), ("rbm", u_rbm))}
    text += f" Within 0.5 nats of the best: the full machine {reach['bm']}, the RBM {reach['rbm']}."
    return text


def scale_sentence() -> str:
    s = SCALE
    bm = bm_cost(s["n_v"], s["n_h"], s["batch"], s["chains"], s["sweeps"])
    rbm = rbm_cost(s["n_v"], s["n_h"], s["batch"], "cd", s["sweeps"], s["chains"])
    return (f"At the size of an MNIST model ({s['n_v']} pixels, {s['n_h']} hidden units, batches of {s['batch']}, "
            f"{s['chains']} free chains, {s['sweeps']} sweep) the same counts give the full machine "
            f"**{bm.sequential_steps:,}** sequential steps per update against the RBM's **{rbm.sequential_steps}**, "
            f"and **{bm.multiply_adds / rbm.multiply_adds:.1f}x** its multiply-adds, with a clamped phase that is "
            "itself only an estimate. That, not this small problem, is why the graph is restricted.")


def noise_words(tv: float, floor: float) -> str:
    """How a chain's TV compares with that of as many perfect, independent draws."""
    if tv <= 1.5 * floor:
        return f"{tv:.3f} in total variation, about what as many independent exact draws give ({floor:.3f})"
    return (f"{tv:.3f} in total variation, more than as many independent exact draws give ({floor:.3f}): "
            "the chains have not yet reached equilibrium from their random starts (more sweeps close the gap)")


def cond_sentence(cond: bm_checks.ConditionalCheck) -> str:
    if cond.kl_factorial > 0.01:
        head = (f"The posterior is not a product of one factor per hidden unit: KL to the product of its marginals "
                f"is {cond.kl_factorial:.4f} nats, so the clamped phase needs a chain for every data vector.")
    elif cond.kl_factorial > 1e-9:
        head = (f"The posterior is nearly a product of one factor per hidden unit (KL to the product of its "
                f"marginals {cond.kl_factorial:.2g} nats, small because the hidden–hidden couplings are weak "
                "now), but not exactly, so the clamped phase still needs a chain for every data vector.")
    else:
        head = ("Here the posterior factorises (KL to the product of its marginals is 0: no hidden–hidden "
                "couplings), so one pass of p(h_j=1|v) would give it, as in an RBM.")
    return head + f" The clamped chains' histogram is {noise_words(cond.tv, cond.tv_floor)}."


def temperature_sentence(tc: bm_checks.TemperatureCheck) -> str:
    T = tc.T
    if T != 1:
        text = (f"p_T(v) ∝ Σ_h exp(−E(v, h)/T): at T = {T:g} it is {'flatter' if T > 1 else 'sharper'} than the "
                f"model's p_1, and the 14 patterns hold {tc.mass_on['exact']:.3f} of it against "
                f"{tc.mass_on['model']:.3f} at T = 1.")
    else:
        text = f"At T = 1 p_T is the model itself; the 14 patterns hold {tc.mass_on['exact']:.3f} of it."
    text += f" The chains' histogram is {noise_words(tc.tv, tc.tv_floor)}."
    if T != 1 and tc.tv < tc.tv_to_model:
        text += (f" It is farther from the model's p_1 ({tc.tv_to_model:.3f}): a chain at T ≠ 1 samples another "
                 "distribution. Ackley, Hinton and Sejnowski annealed from a high T "
                 "down to T = 1 before reading statistics, because only there are they the model's.")
    return text


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
        c, table, sentence = duel.curves(), cost_table(duel), conclusion(duel)
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
    m[1].metric("full BM: exact log p(v)", fmt(c["ll_bm"][-1]))
    m[2].metric("full BM on the exact gradient", fmt(c["ll_exact"][-1]))
    m[3].metric("RBM: exact log p(v)", fmt(c["ll_rbm"][-1]))
    m[4].metric("best possible: -log 14", fmt(BEST))
    left, right = st.columns(2)
    slides.chart(left, curves_figure(c, "step"), key=P + "ll_steps", width="stretch")
    slides.chart(right, curves_figure(c, "seconds"), key=P + "ll_seconds", width="stretch")
    st.markdown("**Cost of one update**, counted from the settings (the time is measured, so it varies with the "
                "machine and its load).")
    st.dataframe(table, hide_index=True, width="stretch", key=P + "costs")
    if sentence:
        st.markdown(sentence)


RUN.fragment(live)
st.markdown(scale_sentence())

duel: Duel | None = RUN.trainer
if duel is None:
    URL_SETTINGS.write()
    st.stop()
with RUN.quiet():
    Q, mask, n_h = duel.bm.Q.copy(), duel.bm.mask.copy(), duel.bm.n_h
N = Q.shape[0]

# --- the graph -------------------------------------------------------------------------------
st.subheader("1 · The machine now")
g1, g2 = main_picture().columns([3, 2])  # the machine's couplings, lateral ones too
with g1:
    threshold = 0.25
    dot, shown, total = graph_dot(Q, threshold)
    # A new element per model state: redrawn in place, the chart kept the edges of the untrained machine (none).
    graphviz_chart(dot, key=f"{P}graph_{duel.step}")
    st.caption(f"{shown} of {total} non-zero couplings have |Q_ij| ≥ {threshold} and are drawn (red positive, blue "
               "negative). Pixels sit as in the picture; hidden units on top.")
with g2:
    lateral_v = np.abs(np.triu(Q[:N_V, :N_V], 1)).sum()
    lateral_h = np.abs(np.triu(Q[N_V:, N_V:], 1)).sum()
    st.metric("Σ |visible–visible couplings|", fmt(lateral_v, ".2f"))
    st.metric("Σ |hidden–hidden couplings|", fmt(lateral_h, ".2f"))
    st.metric("Σ |visible–hidden couplings|", fmt(np.abs(Q[:N_V, N_V:]).sum(), ".2f"))

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
labels = [state_label(h) for h in all_states(n_h)]
fig = go.Figure([go.Bar(x=labels, y=cond.exact, name="exact p(h | v)", marker_color=ACCENT),
                 go.Bar(x=labels, y=cond.sampled, name="clamped Gibbs chains", marker_color=MUTED)])
slides.chart(st, style(fig, 320, barmode="group", xaxis=dict(title="hidden state h", type="category"),
                      yaxis_title="probability", legend=dict(orientation="h", y=1.15)),
                key=P + "cond", width="stretch")
st.markdown(cond_sentence(cond))

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
iu = np.triu_indices(N)
keep = mask[iu]
kind = np.where(iu[0] == iu[1], "bias", np.where((iu[0] < N_V) & (iu[1] >= N_V), "visible–hidden", "lateral"))[keep]
ex, sa = gc.exact[iu][keep], gc.sampled[iu][keep]
fig = go.Figure()
for name, colour in (("bias", GREY), ("visible–hidden", MUTED), ("lateral", ACCENT)):
    sel = kind == name
    fig.add_scatter(x=ex[sel], y=sa[sel], mode="markers", name=name, marker=dict(size=9, color=colour))
lim = float(max(np.abs(ex).max(), np.abs(sa).max(), 1e-6)) * 1.1
fig.add_scatter(x=[-lim, lim], y=[-lim, lim], mode="lines", name="sampled = exact",
                line=dict(color="#222", dash="dash"))
slides.chart(st, style(fig, 380, xaxis_title="exact  (⟨xᵢxⱼ⟩clamped − ⟨xᵢxⱼ⟩free), by enumeration",
                      yaxis_title="one sampled estimate", legend=dict(orientation="h", y=1.12)),
                key=P + "grad", width="stretch")
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
order = np.argsort(-tc.exact_at_1)[:60]  # the 60 visible states the model likes best
names = [state_label(v) for v in all_states(N_V)[order]]
fig = go.Figure([go.Bar(x=names, y=tc.exact[order], name=f"exact p_T(v), T = {T:g}", marker_color=ACCENT),
                 go.Scatter(x=names, y=tc.sampled[order], mode="markers", name=f"Gibbs chains at T = {T:g}",
                            marker=dict(size=9, color=MUTED)),
                 go.Scatter(x=names, y=tc.exact_at_1[order], mode="lines", name="the model, p_1(v)",
                            line=dict(color="#222", width=2, dash="dot"))])
slides.chart(st, style(fig, 360, xaxis=dict(title="visible states, the model's 60 most probable first", type="category",
                                           showticklabels=False), yaxis_title="probability",
                      legend=dict(orientation="h", y=1.15)), key=P + "temp", width="stretch")
q1, q2, q3, q4 = st.columns(4)
q1.metric("TV( chains , exact p_T )", f"{tc.tv:.3f}")
q2.metric("TV( chains , model p_1 )", f"{tc.tv_to_model:.3f}")
q3.metric("p_T(the 14 patterns), exact", f"{tc.mass_on['exact']:.3f}")
q4.metric("units that flipped when visited", f"{tc.flip_rate:.1%}")
st.caption(f"Independent exact draws, as many as the chains, land {tc.tv_floor:.3f} from p_T in total variation: "
           f"{2 ** N_V} visible states are many for {int(ss[P + 't_chains']):,} samples.")
st.markdown(temperature_sentence(tc))

URL_SETTINGS.write()
notice(
    "Both machines start from the same weights and see the same data, yet their rules differ only in what they can "
    "compute exactly. The RBM's clamped phase is one matrix product and its free phase samples whole layers; the full "
    "machine samples both phases one unit at a time, and its gradient is exact only by enumeration (section 3). "
    "Whether the lateral couplings pay on this small problem is in the curves above; the counted costs say why "
    "nobody trains full Boltzmann machines at the size of real images."
)
