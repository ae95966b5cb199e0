"""Lesson: a deep Boltzmann machine beside a deep belief net of the same sizes, on bars and stripes.

Widgets and drawing only: the models are ``pgmviz.models.dbm`` and ``pgmviz.models.dbn``, the training
``pgmviz.training.dbm_train`` (both trained by the same number of updates through one
``pgmviz.ui.live.LiveRun``), the comparisons ``pgmviz.evaluation.dbm_vs_dbn``. Every likelihood on
the page is exact (the models are small enough to sum over every hidden state). The settings
round-trip through the URL (``?dbm_h1=12&dbm_lr=0.1``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from pgmviz import viz
from pgmviz.evaluation import dbm_vs_dbn as cmp
from pgmviz.training import dbm_train
from pgmviz.training.protocol import Budget
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.live import LiveRun
from pgmviz.ui.models import dataset
from pgmviz.ui.present import main_picture
from pgmviz.ui.theme import ACCENT, GREY, MUTED, style

st.set_page_config(page_title="A deep Boltzmann machine · pgmviz", layout="wide")

P = "dbm_"  # prefix of this page's session-state keys
SETS = {"bars4": "Bars and stripes, 4x4 (30 patterns)", "bars3": "Bars and stripes, 3x3 (14 patterns)"}
STEP_UPDATES = 200  # what Step trains
PRETRAIN_UPDATES = 1000  # CD-1 updates per doubled-input module when the DBM is pretrained
SLICE_S, TICK_S = 0.25, 0.5  # seconds of training per frame; seconds between frames
N_SAMPLES, N_SHOWN = 200, 40  # samples drawn and judged; of them, pictures shown
SWEEPS = [0, 1, 10, 100, 1000]
MF_ITERS, MF_TOL = 100, 1e-8  # the mean-field demonstration: at most this many iterations, to this tolerance
SCALES = np.linspace(0.0, 2.0, 21)  # the top weights times s, for the posterior demonstration
ss = st.session_state

lesson_header(
    "A deep Boltzmann machine",
    "A deep Boltzmann machine is an undirected graphical model with two hidden layers: each layer "
    "listens to the layers on both sides, so its posterior over the first hidden layer depends on the "
    "layer above, which a deep belief net's bottom-up recognition pass never consults.",
)
warm_up_kernels()

st.markdown("One energy over all three layers, and each unit's conditional given its neighbours:")
st.latex(r"E(v,h^1,h^2) = -b^\top v - c_1^\top h^1 - c_2^\top h^2 - v^\top W_1 h^1 - {h^1}^\top W_2 h^2, \qquad "
         r"p(h^1_j{=}1 \mid v, h^2) = \sigma\big(c_{1j} + v^\top W_{1,:j} + W_{2,j:}\, h^2\big)")
st.markdown(
    "h¹ hears v from below **and** h² from above. The layers form a bipartite graph (h¹ on one side, v and h² "
    "on the other), so Gibbs sampling updates all of h¹ at once, then v and h² together. Training "
    "(Salakhutdinov & Hinton 2009) takes the data statistics from **mean field**, a factorial q(h¹)q(h²) "
    "fitted to each image, and the model's from **persistent Gibbs chains** over all layers. Beside it, a "
    "**deep belief net** of the same sizes learnt greedily: an RBM on the pixels, then an RBM on its hidden "
    "activities; it generates top-down and recognises bottom-up.")

# --- settings -----------------------------------------------------------------------------------
URL_SETTINGS = url.bind(P, {
    "set": url.choice("bars4", SETS),
    "h1": url.integer(10, 2, 14),
    "h2": url.integer(6, 1, 10),
    "updates": url.integer(4000, 100, 50_000),
    "lr": url.number(0.05, 0.001, 10.0),
    "seed": url.integer(0, 0, 9999),
    "pretrain": url.flag(False),
    "T": url.choice(100, SWEEPS),
    "sample_seed": url.integer(0, 0, 9999),
    "image": url.integer(5, 0, 29),
})
c = st.columns([2.2, 1, 1, 1.2, 1, 0.8])
set_key = c[0].selectbox("Training data", list(SETS), format_func=SETS.get, key=P + "set")
n_h1 = int(c[1].number_input("h¹ units", 2, 14, key=P + "h1", help="Exact sums list all 2^(h¹) states."))
n_h2 = int(c[2].number_input("h² units", 1, 10, key=P + "h2"))
updates = int(c[3].number_input("Updates (each)", 100, 50_000, step=500, key=P + "updates",
                                help="Mini-batches of 10 images. The DBN gives half to each layer."))
lr = float(c[4].number_input("Learning rate", 0.001, 10.0, step=0.01, format="%.3f", key=P + "lr"))
seed = int(c[5].number_input("Seed", 0, 9999, key=P + "seed"))
pretrain = st.toggle(
    f"Start the DBM from greedy pretraining with doubled inputs ({PRETRAIN_UPDATES:,} CD-1 updates per layer, "
    "as Salakhutdinov & Hinton do; done at Reset, not counted on the curve)", key=P + "pretrain",
    help="The bottom RBM's up-pass counts v twice, the top RBM's down-pass counts h² twice: in the DBM h¹ hears "
         "both, so each module stands in for the missing half. Composed, each module's input to h¹ is halved.")

ds = dataset(set_key)
X = ds.X_train
sizes = [ds.n_v, n_h1, n_h2]
config = (set_key, tuple(sizes), updates, lr, seed, pretrain)


def build():
    """A fresh DBM and DBN for the settings shown (what Reset does)."""
    ss[P + "config"] = config
    return dbm_train.side_by_side(X, sizes, updates, lr=lr, seed=seed,
                                  pretrain_updates=PRETRAIN_UPDATES if pretrain else 0)


RUN = LiveRun(P, build, key="pair", slice_s=SLICE_S, tick_s=TICK_S, locked=True,
              budget=lambda kind, seconds: Budget(updates=STEP_UPDATES) if kind == "step" else Budget(seconds=seconds))
if ss.get(P + "config") != config:  # new settings: a new pair
    RUN.reset()
pair = RUN.trainer

start_ll = pair.trainers[0].history[0]["ll"]  # the DBM as it starts (pretrained or not)
st.header("1 · Train both, the same number of updates", divider="gray")
st.caption(f"{ds.note}. Sizes {' → '.join(map(str, sizes))}; both learn at rate {lr:g} with momentum 0.5, batches "
           "of 10 and 100 persistent chains: the DBM by mean field (10 iterations) and Gibbs over all layers"
           + (f" from its pretrained weights (exact mean log p(v) at update 0: {start_ll:.3f} nats)" if pretrain
              else " from small random weights")
           + f", the DBN layer by layer by PCD ({updates // 2:,} updates each).")
RUN.buttons(step_help=f"{STEP_UPDATES} updates of each model, then stop.")
RUN.messages()
best = -np.log(len(cmp.distinct(X)))
# Asked before training: which model ends ahead? Read off this pair (its exact log-likelihoods) once paused.
q_ahead = predict.ask(P + "q_ahead", "Train both for the same number of updates, then pause: which will give the "
                      "training patterns the higher **exact mean log p(v)**?", predict.Choice(["DBM", "DBN"]),
                      about=config)
ahead_shown = q_ahead.reveals("both models' learning curves")


def curves() -> None:
    """The exact log-likelihood of both models as they learn (redrawn every frame)."""
    with RUN.quiet():
        dbm_t, twin = RUN.trainer.trainers
        h_dbm, h_dbn = list(dbm_t.history), list(twin.history)
        step = dbm_t.step
    if not ahead_shown:
        return
    if step == 0:
        st.info("Nothing trained yet: press **Train** (or **Step**). The sections below show the untrained models.")
        return
    st.progress(min(1.0, step / updates), text=f"update {step:,} of {updates:,}")
    fig = go.Figure([
        go.Scatter(x=[h["step"] for h in h_dbm], y=[h["ll"] for h in h_dbm], name="DBM",
                   line=dict(color=ACCENT, width=3)),
        go.Scatter(x=[h["step"] for h in h_dbn], y=[h["ll"] for h in h_dbn], name="DBN (layer 1 alone until its half)",
                   line=dict(color=MUTED, width=3)),
    ])
    fig.add_hline(y=best, line=dict(color=GREY, dash="dot"),
                  annotation_text=f"best possible: −log {len(cmp.distinct(X))}")
    fig.add_vline(x=updates // 2, line=dict(color=GREY, width=1), annotation_text="DBN: layer 2 starts")
    style(fig, 340, xaxis_title="updates", yaxis_title="exact mean log p(v), nats",
          legend=dict(orientation="h", y=1.12))
    slides.chart(st, fig, key=P + "curves", width="stretch")
    m = st.columns(3)
    m[0].metric("DBM: exact mean log p(v)", f"{h_dbm[-1]['ll']:.3f} nats")
    m[1].metric("DBN: exact mean log p(v)", f"{h_dbn[-1]['ll']:.3f} nats")
    m[2].metric("best possible", f"{best:.3f} nats")


RUN.fragment(curves)

# --- the models as they are now -------------------------------------------------------------------
with RUN.quiet():
    dbm_t, twin = pair.trainers
    model, net, step = dbm_t.dbm.copy(), twin.net(), dbm_t.step
ll_dbm, ll_dbn = model.log_likelihood(X), dbm_train.dbn_log_likelihood(net, X)
if RUN.running:
    st.caption("Sections 2 and 3 show the models as they were when this page last ran in full; Pause refreshes them.")
winner = "DBM" if ll_dbm > ll_dbn else "DBN"
if step and not RUN.running:
    q_ahead.reveal(winner)
else:
    q_ahead.wait("Press Train (or Step), then Pause: the answer is this pair's own exact log-likelihoods.")
if step and ahead_shown:
    st.markdown(f"After {step:,} updates each, the DBM's exact mean log p(v) is **{ll_dbm:.3f}** nats and the "
                f"{'two-layer DBN' if net.n_layers == 2 else 'DBN (still its first RBM only)'}'s **{ll_dbn:.3f}**: "
                f"the **{winner}** is ahead by {abs(ll_dbm - ll_dbn):.3f} nats (best possible {best:.3f}).")

# --- 2. samples ---------------------------------------------------------------------------------------
st.header("2 · Generating: top-down versus Gibbs over all layers", divider="gray")
g1, g2 = st.columns([3, 1])
T = int(g1.select_slider("Gibbs steps T", SWEEPS, key=P + "T"))
sample_seed = int(g2.number_input("Sample seed", 0, 9999, key=P + "sample_seed"))
samples = cmp.draw_samples(model, net, N_SAMPLES, T, sample_seed)
frac_dbm, frac_dbn = cmp.fraction_in(samples.dbm_binary, X), cmp.fraction_in(samples.dbn_binary, X)
mass_dbm, mass_dbn = cmp.data_mass(model, X), cmp.data_mass(net, X)
scale = max(2, 480 // (10 * (ds.image_shape[1] + 1)))
left, right = main_picture().columns(2, gap="large")
with left:
    st.markdown(f"**DBM**: {T} sweeps of Gibbs over **all** layers from random states (h¹ | v, h², then v, h² | h¹)")
    slides.picture(st, viz.sample_grid(samples.dbm_pictures[:N_SHOWN], ds.image_shape, n_cols=10, scale=scale),
                   width="content", name=P + "dbm_samples")
    a = st.columns(2)
    a[0].metric("DBM: samples that are bars or stripes", f"{frac_dbm:.1%}")
    a[1].metric("DBM: exact p(data patterns)", f"{mass_dbm:.3g}")
with right:
    st.markdown(f"**DBN**: {T} Gibbs steps in the top RBM (h¹ ↔ h²) from random states, then **one top-down** pass "
                "p(v | h¹)" if net.n_layers == 2 else f"**DBN**: its first RBM only so far, {T} Gibbs steps")
    slides.picture(st, viz.sample_grid(samples.dbn_pictures[:N_SHOWN], ds.image_shape, n_cols=10, scale=scale),
                   width="content", name=P + "dbn_samples")
    a = st.columns(2)
    a[0].metric("DBN: samples that are bars or stripes", f"{frac_dbn:.1%}")
    a[1].metric("DBN: exact p(data patterns)", f"{mass_dbn:.3g}")
st.caption(f"Pictures are p(v | h¹) of each chain's last h¹; the percentages judge one binary draw of each of "
           f"{N_SAMPLES} chains. p(data patterns) sums the model's exact p(v) over the {len(cmp.distinct(X))} "
           "patterns: 1 would be perfect.")

# --- 3. the posterior over h1 -----------------------------------------------------------------------
st.header("3 · Inference: does h¹ listen to the layer above?", divider="gray")
ss[P + "image"] = min(int(ss[P + "image"]), len(X) - 1)  # a 4x4 image number on the 3x3 set
i = int(st.slider("Training image", 0, len(X) - 1, key=P + "image"))
v = X[i]
p_exact = model.p_h1_given_v(v)[0]
mf = model.mean_field(v, n_iter=MF_ITERS, tol=MF_TOL)
st.markdown(
    "In the DBM, summing h² out gives p(h¹ | v) ∝ exp(c₁·h¹ + v·W₁h¹) Π_k (1 + exp(c₂ₖ + h¹·W₂[:, k])): the "
    "product is the layer above, so the posterior changes when W₂ does. The DBN's recognition pass is "
    "q(h¹ | v) = σ(c₁ + vW₁), with nothing from above (its *true* posterior does depend on the top RBM, but "
    "the up-pass ignores it). Below, the top weights (W₂ of the DBM, the top RBM's W of the DBN) are multiplied "
    "by s from 0 to 2, and each unit's p(h¹ⱼ = 1 | v) is recomputed exactly.")
col_img, col_chart = st.columns([1, 4])
slides.picture(col_img, viz.sample_grid(v[None, :], ds.image_shape, n_cols=1, scale=24), caption=f"image {i}",
               width="content", name=P + "image")
if net.n_layers == 2:
    scan = cmp.h1_posterior_vs_scale(model, net, v, SCALES)
    fig = go.Figure()
    for j in range(n_h1):
        fig.add_scatter(x=SCALES, y=scan.dbm[:, j], mode="lines", line=dict(color=ACCENT, width=2),
                        name="DBM p(h¹ⱼ | v)", legendgroup="dbm", showlegend=j == 0)
        fig.add_scatter(x=SCALES, y=scan.dbn[:, j], mode="lines", line=dict(color=MUTED, width=2, dash="dash"),
                        name="DBN recognition q(h¹ⱼ | v)", legendgroup="dbn", showlegend=j == 0)
    fig.add_vline(x=1.0, line=dict(color=GREY, width=1), annotation_text="the trained weights")
    style(fig, 360, xaxis_title="top weights times s", yaxis_title="p(h¹ⱼ = 1 | v)",
          legend=dict(orientation="h", y=1.12))
    slides.chart(col_chart, fig, key=P + "scan", width="stretch")
    m = st.columns(4)
    m[0].metric("DBM: largest move of a p(h¹ⱼ | v) over s", f"{scan.dbm_range:.4g}")
    m[1].metric("DBN recognition: largest move over s", f"{scan.dbn_range:.4g}")
    st.markdown(
        f"The DBN's *true* posterior p(h¹ | v) ∝ p₂(h¹) p(v | h¹), computed exactly, moves too: by up to "
        f"**{scan.dbn_exact_range:.4g}** over the same s, because its top RBM is the prior p₂. The recognition "
        "pass never computes it; the DBM's mean field (and its exact posterior) always include the layer above.")
else:
    scan = None
    col_chart.info(f"The DBN's second layer starts at update {updates // 2:,}; train past it to compare the two.")
    m = st.columns(4)
m[2].metric("DBM: mean field's largest error", f"{np.abs(mf.mu1[0] - p_exact).max():.4f}",
            help="max over j of |μ¹ⱼ − p(h¹ⱼ = 1 | v)|: the mean-field mean against the exact marginal.")
m[3].metric("mean-field iterations to converge", f"{mf.iterations}" if mf.moved <= MF_TOL else f"over {MF_ITERS}")

extra = f", pretrain_updates={PRETRAIN_UPDATES}" if pretrain else ""
with st.expander("The code behind the numbers"):
    st.code(f"""import numpy as np
from pgmviz import datasets
from pgmviz.evaluation import dbm_vs_dbn as cmp
from pgmviz.training import dbm_train
from pgmviz.training.protocol import Budget

X = datasets.load("{set_key}").X_train
pair = dbm_train.side_by_side(X, {sizes}, {updates}, lr={lr:g}, seed={seed}{extra})
pair.run(Budget(updates={updates}))               # both: same updates
dbm, dbn = pair.trainers[0].dbm, pair.trainers[1].net()
dbm.log_likelihood(X), dbm_train.dbn_log_likelihood(dbn, X)   # exact, nats
dbm.p_h1_given_v(X[{i}])                          # exact, h2 summed out
dbm.mean_field(X[{i}])                            # mu1, mu2 by fixed-point iteration
cmp.h1_posterior_vs_scale(dbm, dbn, X[{i}], np.linspace(0, 2, 21))   # the chart above
cmp.draw_samples(dbm, dbn, {N_SAMPLES}, T={T}, rng={sample_seed})   # section 2
""", language="python")

URL_SETTINGS.write()

if scan is not None:
    moves = (f"scaling the layer above from 0 to 2 moves the DBM's p(h¹ⱼ | v) by up to {scan.dbm_range:.4g} for "
             f"image {i}, and the DBN's recognition by {scan.dbn_range:.4g}")
else:
    moves = "once the DBN has its second layer, section 3 scales both models' top weights and compares"
notice(
    f"Both models have the same units and the same number of updates; here the {winner} has the higher exact "
    f"log-likelihood ({ll_dbm:.3f} vs {ll_dbn:.3f} nats). The DBM draws by sweeping every layer, the DBN by "
    f"settling its top RBM and going down once. And {moves}: in an undirected model every layer's "
    "posterior hears the layers on both sides."
)
