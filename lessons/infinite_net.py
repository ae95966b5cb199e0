"""Belief nets, the infinite belief net: an RBM unrolled into a directed net with tied weights.

Widgets and drawing only; the nets, the passes and every exact distribution are ``pgmviz.models.unroll``
(built on ``pgmviz.models.sbn``), the lesson's experiments ``pgmviz.models.unroll_studies``, the charts
``pgmviz.ui.charts.infinite_net``. The small RBM of sections 1-5 is drawn from a seed, so one seed and
four numbers reproduce everything; section 6 uses the session's current digit model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.models import sbn, unroll
from pgmviz.models import unroll_studies as studies
from pgmviz.sampling.partition import all_states
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import infinite_net as charts
from pgmviz.ui.charts.infinite_net import sub
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.models import image_shape, model_picker
from pgmviz.ui.present import main_picture
from pgmviz.viz import tile, to_uint8, upscale

st.set_page_config(page_title="The infinite belief net · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "in_"  # prefix of this page's session-state keys (the session is shared by all pages)
DEFAULTS = {
    "n_v": 4, "n_h": 3,  # 16 visible and 8 hidden states: every distribution is a short bar chart
    "scale": 3.0,  # W = scale x N(0, 1): strong enough that the chain needs ~20 levels to forget
    "seed": 0,  # the RBM's parameters
    "K": 5,  # levels of the unrolled net = block-Gibbs steps
    "start": "point", "top_seed": 0,  # the top state v_K: one random state (by top_seed) or uniform
    "eps": 0.0,  # untying: W_above = W + eps x D
    "cd_k": 1,  # section 5: CD-k keeps the first 2k terms of the tied learning rule
    "digit_K": 200, "digit_chains": 6, "digit_seed": 0,
}
CD_K_MAX, TERM_LEVELS = 10, 15  # the CD-k slider; the chart of layer terms shows this many levels
CD_CHAINS = 4000  # chains from v0 for the sampled CD-k update
K_MAX, K_CURVE = 30, 40  # the K slider; the TV chart always runs to K_CURVE
DIAGRAM_LEVELS = 4  # the diagram animates at most this many levels (the maths uses K)
EPS_GRID = np.linspace(0.0, 3.0, 31)
DIGIT_LEVELS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
DIGIT_K = [10, 20, 50, 100, 200, 500, 1000, 2000]  # the choices of "levels down the tied net"

ss = st.session_state
# Every control, shareable as a link (?in_K=20&in_eps=1.5 ...).
URL_SETTINGS = url.bind(P, {
    "n_v": url.integer(DEFAULTS["n_v"], 2, 6),
    "n_h": url.integer(DEFAULTS["n_h"], 2, 4),
    "scale": url.number(DEFAULTS["scale"], 0.0, 5.0),
    "seed": url.integer(DEFAULTS["seed"], 0, 9999),
    "K": url.integer(DEFAULTS["K"], 1, K_MAX),
    "start": url.choice(DEFAULTS["start"], ["point", "uniform"]),
    "top_seed": url.integer(DEFAULTS["top_seed"], 0, 9999),
    "v0_on": url.subset(["v1", "v3"], [f"v{i + 1}" for i in range(6)]),  # kept to the units there are below
    "eps": url.number(DEFAULTS["eps"], 0.0, 3.0),
    "cd_k": url.integer(DEFAULTS["cd_k"], 1, CD_K_MAX),
    "digit_K": url.choice(DEFAULTS["digit_K"], DIGIT_K),
    "digit_chains": url.integer(DEFAULTS["digit_chains"], 1, 12),
    "digit_seed": url.integer(DEFAULTS["digit_seed"], 0, 9999),
})
st.html("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>")


def bits(x: np.ndarray) -> str:
    return "".join(str(int(round(float(a)))) for a in np.ravel(x))


@st.cache_data(show_spinner=False, max_entries=32)
def kl_vs_eps(n_v: int, n_h: int, scale: float, seed: int, v0: tuple, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Both KLs of section 4 along the untying grid EPS_GRID."""
    return studies.untying_curve(studies.small_rbm(n_v, n_h, scale, seed), np.array(v0), EPS_GRID, seed, K)


# --- page -------------------------------------------------------------------------------------
lesson_header(
    "The infinite belief net",
    "An RBM is a sigmoid belief net of infinitely many layers that all share one weight matrix: "
    "sampling down that net is block Gibbs sampling, and the prior its upper layers put on h₀ is "
    "exactly the one that makes inference a single multiplication by Wᵀ.",
)

with st.container(border=True):
    st.markdown("**A small RBM** (small enough to list every state: the distributions below are exact, not sampled)")
    c = st.columns([1, 1, 2, 1, 3])
    n_v = int(c[0].number_input("visible units", 2, 6, key=P + "n_v"))
    n_h = int(c[1].number_input("hidden units", 2, 4, key=P + "n_h"))
    scale = float(c[2].slider("weight scale (W = scale × N(0,1))", 0.0, 5.0, step=0.25, key=P + "scale"))
    seed = int(c[3].number_input("seed", 0, 9999, key=P + "seed"))
    K = int(c[4].slider("K: levels of the unrolled net = Gibbs steps", 1, K_MAX, key=P + "K"))
rbm = studies.small_rbm(n_v, n_h, scale, seed)
with st.expander("The RBM's parameters W, b, c"):
    st.dataframe(pd.DataFrame(rbm.W, index=[f"v{i + 1}" for i in range(n_v)],
                              columns=[f"h{j + 1}" for j in range(n_h)]).round(3))
    st.markdown(f"b = {np.round(rbm.b, 3).tolist()}, c = {np.round(rbm.c, 3).tolist()}")

# --- 1. the unrolling --------------------------------------------------------------------------
st.subheader("1 · Unrolling the RBM")
d1, d2 = main_picture().columns([3, 2])
with d1:
    levels = min(K, DIAGRAM_LEVELS)
    slides.chart(st, charts.diagram_figure(n_v, n_h, levels), key=P + "diagram", width="stretch")
with d2:
    st.markdown(
        "Press **▶ Unroll**. Start with the RBM (v₀, h₀), undirected. Its joint p(v₀, h₀) = p(h₀) p(v₀ | h₀): "
        "replace the edges by arrows **down** with weights **W** (that is p(v₀ | h₀) = sigmoid(b + h₀Wᵀ)), "
        "and generate h₀ from its prior p(h₀) — which is what the RBM (h₀, v₁) above it produces at "
        "equilibrium. Unroll that RBM the same way (arrows with **Wᵀ**: p(h₀ | v₁) = sigmoid(c + v₁W)) "
        "and again, forever: an infinite sigmoid belief net whose weights are all tied to the one W.\n\n"
        f"The diagram draws up to {DIAGRAM_LEVELS} levels; the computations below use K = {K}. Cut the net "
        f"at {sub('v', K)} and start it from a random state instead of the RBM: that is the truncated net of "
        "sections 2 and 3."
    )

# --- 2. a pass down the net is block Gibbs ------------------------------------------------------
st.subheader("2 · A top-down pass is block Gibbs sampling")
s1, s2 = st.columns([2, 3])
with s1:
    top_seed = int(st.number_input("random top state: seed", 0, 9999, key=P + "top_seed"))
    v_top = all_states(n_v)[np.random.default_rng(top_seed).integers(2 ** n_v)]
    st.markdown(
        f"Top state {sub('v', K)} = **{bits(v_top)}**. The directed net samples layer after layer going down "
        f"(`SBN.sample`, sigmoid conditionals of the net); the RBM runs K = {K} block-Gibbs steps from the "
        "same state (`RBM.p_h_given_v`, `p_v_given_h`). Both get the same random numbers in the same order."
    )
    down = unroll.ancestral_pass(rbm, v_top[None, :], K, rng=top_seed)
    chain = unroll.gibbs_pass(rbm, v_top[None, :], K, rng=top_seed)
    same = sum(np.array_equal(a, b) for a, b in zip(down, chain))
    st.metric("layers identical, bit for bit", f"{same} of {2 * K + 1}")
with s2:
    rows = []
    for i, (a, b) in enumerate(zip(down, chain)):
        level = K - i // 2  # top first: v_K, h_{K-1}, v_{K-1}, ...
        name = f"v{level}" if i % 2 == 0 else f"h{level - 1}"
        step = "start" if i == 0 else f"step {(i + 1) // 2}: " + ("h ~ p(h|v)" if i % 2 else "v ~ p(v|h)")
        rows.append({"layer (going down)": name, "directed net": bits(a), "block Gibbs": step,
                     "Gibbs state": bits(b), "same": "✓" if np.array_equal(a, b) else "✗"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, height=min(36 * len(rows) + 40, 420), key=P + "pass")

# --- 3. exact distributions ----------------------------------------------------------------------
st.subheader("3 · The exact distribution of v after K levels")
start = st.radio("top of the net", ["point", "uniform"], horizontal=True, key=P + "start",
                 format_func={"point": f"the random top state {bits(v_top)}",
                              "uniform": "every top state equally likely"}.get)
p_top = unroll.point_mass(v_top) if start == "point" else np.full(2 ** n_v, 2.0 ** -n_v)
p_v = unroll.equilibrium_v(rbm)
net_dist = unroll.unrolled_distributions(rbm, p_top, K_CURVE)  # pushed down the directed net
gibbs_dist = unroll.gibbs_distributions(rbm, p_top, K_CURVE)  # transition matrices of the chain
tv = unroll.tv_distance(net_dist, p_v)
gap = float(np.abs(net_dist[K] - gibbs_dist[K]).max())
st.markdown(
    "Two independent exact computations over all "
    f"{2 ** n_v} visible states: push the top distribution down the directed net, layer by layer, "
    "through its sigmoid conditionals; and multiply it K times by the Gibbs chain's transition matrix "
    "T = p(h|v) p(v|h). The RBM's own p(v) = exp(−F(v))/Z comes from the partition function."
)
q_tv = predict.ask(P + "q_tv", f"After K = {K} levels, how far will v₀'s distribution be from the RBM's own p(v), "
                   "in total variation?", predict.Number(1e-8, 1.0, default=0.5, ratio=True, fmt=lambda x: f"{x:.4g}"),
                   answer=tv[K], about=(rbm.W.tobytes(), K, start))
m = st.columns(3)
m[0].metric(f"max |p_net(v₀) − p_Gibbs(v)| after K = {K}", f"{gap:.1e}")
if q_tv.revealed:
    m[1].metric(f"TV( p after K = {K} levels , RBM p(v) )", f"{tv[K]:.4g}")
m[2].metric("TV after 1 level", f"{tv[1]:.4g}")
if q_tv.reveals("the distributions and the TV curve"):
    t1, t2 = st.columns(2)
    with t1:
        slides.chart(st, charts.distributions_figure([bits(v) for v in all_states(n_v)], net_dist[K], gibbs_dist[K],
                                                     p_v, K), key=P + "dist", width="stretch")
    with t2:
        slides.chart(st, charts.tv_figure(tv, unroll.tv_distance(gibbs_dist, p_v), K), key=P + "tv", width="stretch")

# --- 4. complementary prior ---------------------------------------------------------------------
st.subheader("4 · The complementary prior: inference is one multiplication by Wᵀ")
st.markdown(
    "Put the RBM itself on top of the K levels (its equilibrium, the infinite net folded up). Observe v₀ and "
    "compute the **exact** posterior over h₀ by enumeration: p(h₀ | v₀) ∝ p(h₀) p(v₀ | h₀), where the "
    "prior p(h₀) is the marginal generated by all the layers above. In a general belief net this posterior "
    "does not factorise (explaining away). Here the prior from the tied layers above exactly cancels "
    "the dependencies that the likelihood p(v₀|h₀) creates: the posterior is sigmoid(c + v₀W), unit by unit. "
    "**Untie** the weights above h₀ (W′ = W + ε·D for every level above h₀, D a fixed random direction): the "
    "prior over h₀ becomes the h-marginal of a different RBM, no longer complementary. The posterior then "
    "differs from sigmoid(c + v₀W), and in general no longer factorises either. Using sigmoid(c + v₀W) "
    "anyway gives a variational lower bound on log p(v₀) whose slack is KL(q ‖ p(h₀|v₀))."
)
q1, q2 = st.columns([2, 3])
v_names = [f"v{i + 1}" for i in range(n_v)]
ss[P + "v0_on"] = [x for x in ss[P + "v0_on"] if x in v_names]
v0_on = q1.pills("observed v₀: units that are on", v_names, selection_mode="multi", key=P + "v0_on") or []
v0 = np.array([1.0 if name in v0_on else 0.0 for name in v_names])
eps = float(q2.slider("ε: untie the weights above h₀ (0 = tied)", 0.0, 3.0, step=0.1, key=P + "eps"))
u = studies.untied(rbm, v0, eps, seed, K)
post, fact, kl_post, slack = u.posterior, u.factorial, u.kl_to_factorial, u.slack
m = st.columns(4)
m[0].metric("KL( p(h₀|v₀) ‖ Π_j p(h₀ⱼ|v₀) )", f"{kl_post:.3g} nats",
            help="How far the exact posterior is from factorising (0: the units of h₀ are independent given v₀).")
m[1].metric("max |p(h₀|v₀) − Π_j sigmoid(c + v₀W)_j|", f"{u.max_diff:.1e}")
m[2].metric("slack of the bound: KL(q ‖ p)", f"{slack:.3g} nats",
            help="KL(q ‖ p(h₀|v₀)) with q(h₀) = Π_j sigmoid(c + v₀W)_j: log p(v₀) minus the variational "
                 "lower bound obtained by using q as if it were the posterior.")
m[3].metric("prior over h₀ complementary?", "yes (tied)" if eps == 0 else "no (untied)")
r1, r2 = st.columns([3, 2])
with r1:
    slides.chart(st, charts.posterior_figure([bits(h) for h in all_states(n_h)], post, fact,
                                             sbn.product_of_marginals(post, n_h)), key=P + "post", width="stretch")
with r2:
    marg = sbn.marginals(post, n_h)
    sig = rbm.p_h_given_v(v0)[0]
    st.dataframe(pd.DataFrame({"unit": [f"h{j + 1}" for j in range(n_h)],
                               "exact p(h₀ⱼ=1|v₀)": marg, "sigmoid(c+v₀W)ⱼ": sig,
                               "difference": marg - sig}),
                 hide_index=True, key=P + "marg", width="stretch",
                 column_config={"difference": st.column_config.NumberColumn(format="%.1e")})

    # K = 1 in the curve: with the layers above at equilibrium their number does not change p(h0)
    curve, slack_curve = kl_vs_eps(n_v, n_h, scale, seed, tuple(v0), 1)
    slides.chart(st, charts.untying_figure(EPS_GRID, curve, slack_curve, eps, slack, kl_post), key=P + "kl_eps",
                 width="stretch")

# --- 5. the tied learning rule telescopes ---------------------------------------------------------
st.subheader("5 · Learning with tied weights: the terms telescope, and CD-k stops the sum early")
st.markdown(
    "A directed net learns each layer by the rule Δw_ij ∝ s_j (s_i − p_i): s_j a unit of the layer above, "
    "s_i one below, p_i the probability that s_i is on given the layer above, averaged over the posterior. "
    "In the tied net that posterior is the Gibbs chain started at v₀ (section 4), and p_i is the mean of the "
    "same unit one step further up the chain. So W collects one term per layer:\n\n"
    "h⁰(v⁰ − v¹) + v¹(h⁰ − h¹) + h¹(v¹ − v²) + …  →  ⟨v⁰h⁰⟩ − ⟨v^∞h^∞⟩\n\n"
    "Each term cancels half of the next: the sum **telescopes** to the data statistics minus the model's, "
    "the RBM's maximum-likelihood gradient. Stop after the first 2k terms and what is left is "
    "⟨v⁰h⁰⟩ − ⟨v^k h^k⟩: **CD-k**. Below, every term is computed exactly (tables over all states, each "
    "from its own layer's conditional, not from the telescoped form) for the data v₀ of section 4."
)
cd_k = int(st.slider("k: CD steps (CD-k keeps the terms of layers v₀ … h_{k−1})", 1, CD_K_MAX, key=P + "cd_k"))
tele = unroll.tied_learning_rule(rbm, unroll.point_mass(v0), K_CURVE)
gaps, cosines = tele.gaps(), tele.cosines()
g_norm = tele.exact.norm
cd = studies.cd_reading(rbm, v0, cd_k, tele, CD_CHAINS, seed)
m = st.columns(4)
m[0].metric("|exact gradient| (all terms)", f"{g_norm:.4g}")
m[1].metric(f"|CD-{cd_k} − exact gradient|", f"{gaps[cd_k]:.3g}",
            help=f"The length of the terms CD-{cd_k} leaves out: every layer above h_{cd_k - 1}.")
m[2].metric(f"cos(CD-{cd_k}, exact gradient)", f"{cosines[cd_k - 1]:.4f}")
m[3].metric(f"max |sampled CD-{cd_k} − sum of {2 * cd_k} terms|", f"{cd.sampled_gap:.3f}",
            help=f"CD-{cd_k}'s update averaged over {CD_CHAINS:,} chains of {cd_k} Gibbs steps from v₀ "
                 f"(seed {seed}) against the first {2 * cd_k} exact terms: they differ by sampling noise only.")
close = studies.levels_within(tele, 0.01)
pk = sub("p", cd_k)
st.markdown(
    (f"Here the sum comes within 1% of the gradient's length after **{close}** "
     f"level{'s' if close != 1 else ''} ({2 * close} terms). " if close is not None else
     f"Here even {K_CURVE} levels ({2 * K_CURVE} terms) leave more than 1% of the gradient's length out. ")
    + f"All {2 * K_CURVE} terms together differ from the exact gradient by {gaps[K_CURVE]:.1e}. "
    f"The lecture's reading: CD-{cd_k} approximately follows the gradient of another objective, "
    f"KL(p₀ ‖ p∞) − KL({pk} ‖ p∞) = {cd.objective:.4g} nats here ({pk}: the data after {cd_k} Gibbs "
    f"step{'s' if cd_k > 1 else ''}). Its update is exactly minus that objective's gradient with {pk} held "
    f"fixed; the part that moves {pk} is dropped, of length {cd.dropped:.3g} against {cd.update_norm:.3g} "
    f"for the update itself (cosine between the two directions {cd.cosine:.4f})."
)
w1, w2 = st.columns(2)
with w1:
    norms = np.array([t.norm for t in tele.layers[:2 * TERM_LEVELS]])
    slides.chart(st, charts.terms_figure(tele.names[:2 * TERM_LEVELS], norms, cd_k), key=P + "terms", width="stretch")
with w2:
    slides.chart(st, charts.partial_sums_figure(gaps, cd_k), key=P + "partial", width="stretch")
rows = [{"k (CD steps)": k, "terms of layers": f"{sub('v', k - 1)}, {sub('h', k - 1)}",
         "|term v|": tele.layers[2 * k - 2].norm, "|term h|": tele.layers[2 * k - 1].norm,
         "|sum − exact|": gaps[k], "cos(sum, exact)": cosines[k - 1],
         "max |sum − CD-k closed form|": float(np.abs((tele.partial[k] - tele.cd[k]).flat()).max())}
        for k in range(1, CD_K_MAX + 1)]
st.dataframe(pd.DataFrame(rows), hide_index=True, key=P + "telescope", width="stretch", column_config={
    c: st.column_config.NumberColumn(format="%.3e") for c in
    ("|term v|", "|term h|", "|sum − exact|", "max |sum − CD-k closed form|")})

# --- 6. digits -----------------------------------------------------------------------------------
st.subheader("6 · A digit model, unrolled: generating layer by layer")
current = model_picker(prefer="MNIST 784x500 PCD-1")
if current is None:
    st.info("No digit model available: train one on the *Filter learning* page or upload a .npz.")
else:
    name, model, meta = current  # shared read-only: unroll copies it into float64, never mutates it
    shape = image_shape(model, meta)
    g = st.columns([3, 1, 1])
    digit_K = int(g[0].select_slider("levels down the tied net", options=DIGIT_K,
                                     key=P + "digit_K"))
    n_chains = int(g[1].number_input("chains", 1, 12, key=P + "digit_chains"))
    d_seed = int(g[2].number_input("seed", 0, 9999, key=P + "digit_seed"))
    keep = [k for k in DIGIT_LEVELS if k <= digit_K]
    cache_key = (name, model.n_v, model.n_h, digit_K, n_chains, d_seed)
    if ss.get(P + "digits_key") != cache_key:
        rng = np.random.default_rng(d_seed)
        top = (rng.random((n_chains, model.n_v)) < 0.5).astype(np.float64)  # a random top state: noise
        with st.spinner(f"Sampling {digit_K} levels down ..."):
            ss[P + "digits"] = unroll.generate_down(model, top, digit_K, keep, rng)
        ss[P + "digits_key"] = cache_key
    out = ss[P + "digits"]
    st.caption(
        f"{name}: each column is one layer of the directed net with tied weights, the top layer {sub('v', digit_K)} "
        f"(random pixels) on the left, v₀ on the right; each row one pass down. Shown: p(v | h above), the "
        f"probabilities the sigmoid units turn on with (the top layer shows its bits). The same pictures "
        f"are {digit_K} steps of block Gibbs sampling."
    )
    cols = st.columns(len(keep))
    for col, k in zip(cols, keep):
        _, probs = out[k]
        img = upscale(to_uint8(tile(probs, shape, n_cols=1, pad=1, fill=0.35)), 3 if shape[0] >= 20 else 5)
        slides.picture(col, img,
                       caption=sub("v", digit_K - k) + (" (top)" if k == 0 else " (bottom)" if k == digit_K else ""),
                       width="stretch", name=P + f"unrolled_v{digit_K - k}")

URL_SETTINGS.write()

notice(
    "The net and the chain agree bit for bit, and their exact distributions agree to rounding (about "
    "1e-16), for every K: they are the same process. The further down, the closer v gets to the RBM's "
    "p(v). With the weights tied, the exact posterior over h₀ is the factorial sigmoid(c + v₀W) (KL = 0 up "
    "to rounding); untie the weights above and the one-multiplication answer is wrong (the slack of the "
    "variational bound grows) — which is the price a deep belief net pays, and wins back, when its upper "
    "layers learn weights of their own. Learning the tied W sums one term per layer; the terms telescope to "
    "the RBM's gradient, and CD-k is that sum stopped after k levels."
)
