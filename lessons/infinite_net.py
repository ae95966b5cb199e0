"""Belief nets, the infinite belief net: an RBM unrolled into a directed net with tied weights.

Widgets and drawing only; the nets, the passes and every exact distribution are ``pgmviz.models.unroll``
(built on ``pgmviz.models.sbn``). The small RBM of sections 1-5 is drawn from a seed, so one seed and
four numbers reproduce everything; section 6 uses the session's current digit model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pgmviz.models import sbn, unroll
from pgmviz.models.boltzmann import kl
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.training.gradients import cd_expected_update, cosine
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
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
BLUE, RED, GREY, ORANGE, GREEN = "#2166ac", "#b2182b", "#9e9e9e", "#f58518", "#2ca02c"
V_COLOUR, H_COLOUR = "#4c78a8", "#f58518"
FONT = dict(size=15)

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


def tiny_rbm(n_v: int, n_h: int, scale: float, seed: int) -> RBM:
    """W = scale x N(0, 1), b, c ~ N(0, 1): the standard normals come first, so the scale only stretches W."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n_v, n_h))
    return RBM(scale * Z, rng.standard_normal(n_v), rng.standard_normal(n_h))


SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(name: str, n: int) -> str:
    """A layer name with a subscript index: sub("v", 12) -> "v₁₂"."""
    return name + str(n).translate(SUB)


def bits(x: np.ndarray) -> str:
    return "".join(str(int(round(float(a)))) for a in np.ravel(x))


@st.cache_data(show_spinner=False, max_entries=32)
def kl_vs_eps(n_v: int, n_h: int, scale: float, seed: int, v0: tuple, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Both KLs of section 4 along the untying grid EPS_GRID."""
    r = tiny_rbm(n_v, n_h, scale, seed)
    d = unroll.perturbation(r.W.shape, seed=seed + 1)
    q = unroll.factorial_posterior(r, np.array(v0))
    posts = [unroll.posterior_h0(r, np.array(v0), r.W + e * d, K=K) for e in EPS_GRID]
    return (np.array([sbn.kl_to_factorial(p, n_h) for p in posts]),  # does the posterior factorise?
            np.array([kl(q, p) for p in posts]))  # the slack of the bound with q = sigmoid(c + v0 W)


# --- the diagram ------------------------------------------------------------------------------
def _row(n: int, y: float, span: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n) - (n - 1) / 2
    return x * (span / max(n, 1)) * 1.2, np.full(n, y)


def diagram_frame(n_v: int, n_h: int, f: int, span: int) -> list[go.Scatter]:
    """f levels unrolled: v0 <- h0 <- ... <- v_f directed (arrows down), the RBM (v_f, h_f) on top."""
    layers = []  # (name, n, y, kind) bottom first
    for k in range(f + 1):
        layers.append((f"v{k}", n_v, 2 * k, "v"))
        layers.append((f"h{k}", n_h, 2 * k + 1, "h"))
    pos = {name: _row(n, y, span) for name, n, y, _ in layers}
    und_x, und_y, dir_x, dir_y = [], [], [], []
    head_x, head_y, wl_x, wl_y, wl_t = [], [], [], [], []
    for (lo, _, y_lo, kind), (hi, _, _, _) in zip(layers[:-1], layers[1:]):
        (xl, yl), (xh, yh) = pos[lo], pos[hi]
        top_pair = lo == f"v{f}"
        ex, ey = (und_x, und_y) if top_pair else (dir_x, dir_y)
        for a in range(len(xl)):
            for b in range(len(xh)):
                ex += [xh[b], xl[a], None]
                ey += [yh[b], yl[a], None]
        if not top_pair:  # one arrow per weight matrix, at the left edge, pointing down
            x_arrow = -span * 0.75
            head_x.append(x_arrow)
            head_y.append(y_lo + 0.28)
            wl_x.append(x_arrow - 0.05 * span)
            wl_y.append(y_lo + 0.55)
            wl_t.append("W" if kind == "v" else "Wᵀ")
            dir_x += [x_arrow, x_arrow, None]
            dir_y += [y_lo + 0.9, y_lo + 0.3, None]
    vx = np.concatenate([pos[n][0] for n, *_, k in layers if k == "v"])
    vy = np.concatenate([pos[n][1] for n, *_, k in layers if k == "v"])
    hx = np.concatenate([pos[n][0] for n, *_, k in layers if k == "h"])
    hy = np.concatenate([pos[n][1] for n, *_, k in layers if k == "h"])
    names = [n for n, *_ in layers]
    label_x = [span * 0.78] * len(layers)
    label_y = [y for _, _, y, _ in layers]
    label_t = [f"<b>{n}</b>" for n in names]
    label_x.append(span * 0.78)  # the undirected pair on top is the RBM
    label_y.append(2 * f + 0.5)
    label_t.append("<i>RBM</i>")
    return [
        go.Scatter(x=und_x, y=und_y, mode="lines", line=dict(color="#7e57c2", width=2), hoverinfo="skip",
                   name="undirected (the RBM on top)"),
        go.Scatter(x=dir_x, y=dir_y, mode="lines", line=dict(color="#90a4ae", width=1.2), hoverinfo="skip",
                   name="directed, top-down"),
        go.Scatter(x=head_x, y=head_y, mode="markers", marker=dict(symbol="triangle-down", size=16, color="#37474f"),
                   hoverinfo="skip", showlegend=False),
        go.Scatter(x=wl_x, y=wl_y, mode="text", text=wl_t, textposition="middle left",
                   textfont=dict(size=18, color="#37474f"), hoverinfo="skip", showlegend=False),
        go.Scatter(x=vx, y=vy, mode="markers", marker=dict(size=20, color=V_COLOUR, line=dict(color="white", width=2)),
                   hoverinfo="skip", name="v units (bias b)"),
        go.Scatter(x=hx, y=hy, mode="markers", marker=dict(size=20, color=H_COLOUR, line=dict(color="white", width=2)),
                   hoverinfo="skip", name="h units (bias c)"),
        go.Scatter(x=label_x, y=label_y, mode="text", text=label_t, textposition="middle right",
                   textfont=dict(size=15), hoverinfo="skip", showlegend=False),
    ]


def diagram_figure(n_v: int, n_h: int, levels: int) -> go.Figure:
    """The unrolling as a plotly animation: frame f has f levels of tied directed weights under the RBM."""
    span = max(n_v, n_h)
    frames = [go.Frame(data=diagram_frame(n_v, n_h, f, span), name=str(f)) for f in range(levels + 1)]
    fig = go.Figure(data=frames[-1].data, frames=frames)
    step = dict(frame=dict(duration=900, redraw=True), transition=dict(duration=300), mode="immediate")
    fig.update_layout(
        height=110 + 62 * (2 * levels + 2), font=FONT, margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(visible=False, range=[-span * 1.05, span * 1.25]),
        yaxis=dict(visible=False, range=[-0.6, 2 * levels + 1.6]),
        plot_bgcolor="white", legend=dict(orientation="h", y=1.06, x=0),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                          buttons=[dict(label="▶ Unroll", method="animate",
                                        args=[None, {**step, "fromcurrent": False}]),
                                   dict(label="Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=levels, x=0.32, len=0.68, y=-0.02, yanchor="top",
                      currentvalue=dict(prefix="levels unrolled: "),
                      steps=[dict(label=str(f), method="animate", args=[[str(f)], step]) for f in range(levels + 1)])],
    )
    return fig


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
rbm = tiny_rbm(n_v, n_h, scale, seed)
with st.expander("The RBM's parameters W, b, c"):
    st.dataframe(pd.DataFrame(rbm.W, index=[f"v{i + 1}" for i in range(n_v)],
                              columns=[f"h{j + 1}" for j in range(n_h)]).round(3))
    st.markdown(f"b = {np.round(rbm.b, 3).tolist()}, c = {np.round(rbm.c, 3).tolist()}")

# --- 1. the unrolling --------------------------------------------------------------------------
st.subheader("1 · Unrolling the RBM")
d1, d2 = main_picture().columns([3, 2])
with d1:
    levels = min(K, DIAGRAM_LEVELS)
    slides.chart(st, diagram_figure(n_v, n_h, levels), key=P + "diagram", width="stretch")
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
    same = all(np.array_equal(a, b) for a, b in zip(down, chain))
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
        states = [bits(v) for v in all_states(n_v)]
        fig = go.Figure([
            go.Bar(x=states, y=net_dist[K], name=f"v₀ of the net with K = {K} levels", marker_color=ORANGE),
            go.Bar(x=states, y=gibbs_dist[K], name=f"v after {K} Gibbs steps", marker_color=BLUE),
            go.Bar(x=states, y=p_v, name="RBM p(v) (equilibrium)", marker_color=GREY),
        ])
        fig.update_layout(barmode="group", height=400, font=FONT, xaxis=dict(title="visible state v", type="category"),
                          yaxis_title="probability", margin=dict(l=10, r=10, t=30, b=10),
                          legend=dict(orientation="h", y=1.15))
        slides.chart(st, fig, key=P + "dist", width="stretch")
    with t2:
        ks = np.arange(K_CURVE + 1)
        fig = go.Figure([
            go.Scatter(x=ks, y=np.maximum(tv, 1e-16), mode="lines+markers", name="directed net, k levels",
                       line=dict(color=ORANGE, width=3)),
            go.Scatter(x=ks, y=np.maximum(unroll.tv_distance(gibbs_dist, p_v), 1e-16), mode="lines",
                       name="k Gibbs steps", line=dict(color=BLUE, width=2, dash="dot")),
            go.Scatter(x=[K], y=[max(tv[K], 1e-16)], mode="markers", marker=dict(size=15, color=RED), name=f"K = {K}"),
        ])
        fig.update_layout(height=400, font=FONT, xaxis_title="levels k (= Gibbs steps)",
                          yaxis=dict(title="total variation to RBM p(v)", type="log", exponentformat="power"),
                          margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=1.15))
        slides.chart(st, fig, key=P + "tv", width="stretch")

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
D = unroll.perturbation(rbm.W.shape, seed=seed + 1)
W_above = rbm.W + eps * D
post = unroll.posterior_h0(rbm, v0, W_above=W_above, K=K)
fact = unroll.factorial_posterior(rbm, v0)  # what "multiply v0 by W transpose" gives
kl_post = sbn.kl_to_factorial(post, n_h)
slack = kl(fact, post)  # KL(q || p): what the bound loses by using q = the factorial sigmoid
m = st.columns(4)
m[0].metric("KL( p(h₀|v₀) ‖ Π_j p(h₀ⱼ|v₀) )", f"{kl_post:.3g} nats",
            help="How far the exact posterior is from factorising (0: the units of h₀ are independent given v₀).")
m[1].metric("max |p(h₀|v₀) − Π_j sigmoid(c + v₀W)_j|", f"{np.abs(post - fact).max():.1e}")
m[2].metric("slack of the bound: KL(q ‖ p)", f"{slack:.3g} nats",
            help="KL(q ‖ p(h₀|v₀)) with q(h₀) = Π_j sigmoid(c + v₀W)_j: log p(v₀) minus the variational "
                 "lower bound obtained by using q as if it were the posterior.")
m[3].metric("prior over h₀ complementary?", "yes (tied)" if eps == 0 else "no (untied)")
r1, r2 = st.columns([3, 2])
with r1:
    h_states = [bits(h) for h in all_states(n_h)]
    fig = go.Figure([
        go.Bar(x=h_states, y=post, name="exact posterior p(h₀ | v₀)", marker_color=ORANGE),
        go.Bar(x=h_states, y=fact, name="Π_j sigmoid(c + v₀W)_j  (one multiplication by Wᵀ)", marker_color=BLUE),
        go.Bar(x=h_states, y=sbn.product_of_marginals(post, n_h), name="product of the posterior's marginals",
               marker_color=GREY),
    ])
    fig.update_layout(barmode="group", height=400, font=FONT, xaxis=dict(title="hidden state h₀", type="category"),
                      yaxis_title="probability", margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", y=1.2))
    slides.chart(st, fig, key=P + "post", width="stretch")
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
    floor = 1e-16  # a log axis cannot show the exact zeros at eps = 0: draw them at the rounding floor
    fig = go.Figure([
        go.Scatter(x=EPS_GRID, y=np.maximum(slack_curve, floor), mode="lines", line=dict(color=BLUE, width=3),
                   name="slack KL(q ‖ p)"),
        go.Scatter(x=EPS_GRID, y=np.maximum(curve, floor), mode="lines", line=dict(color=ORANGE, width=3),
                   name="KL(p ‖ Π marginals)"),
        go.Scatter(x=[eps, eps], y=[max(slack, floor), max(kl_post, floor)], mode="markers",
                   marker=dict(size=12, color=RED), name="now"),
    ])
    fig.update_layout(height=300, font=FONT, xaxis_title="ε (untying)",
                      yaxis=dict(title="nats", type="log", exponentformat="power"),
                      legend=dict(orientation="h", y=1.18), margin=dict(l=10, r=10, t=10, b=10))
    slides.chart(st, fig, key=P + "kl_eps", width="stretch")

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
sampled = cd_expected_update(rbm, v0[None, :], k=cd_k, n_chains=CD_CHAINS, rng=seed)
sampled_gap = float(np.abs((sampled.update - tele.partial[cd_k]).flat()).max())
objective = unroll.cd_objective(rbm, unroll.point_mass(v0), cd_k)
obj_grad = unroll.cd_objective_gradient(rbm, unroll.point_mass(v0), cd_k)
dropped = (obj_grad - tele.cd[cd_k]).norm
m = st.columns(4)
m[0].metric("|exact gradient| (all terms)", f"{g_norm:.4g}")
m[1].metric(f"|CD-{cd_k} − exact gradient|", f"{gaps[cd_k]:.3g}",
            help=f"The length of the terms CD-{cd_k} leaves out: every layer above h_{cd_k - 1}.")
m[2].metric(f"cos(CD-{cd_k}, exact gradient)", f"{cosines[cd_k - 1]:.4f}")
m[3].metric(f"max |sampled CD-{cd_k} − sum of {2 * cd_k} terms|", f"{sampled_gap:.3f}",
            help=f"CD-{cd_k}'s update averaged over {CD_CHAINS:,} chains of {cd_k} Gibbs steps from v₀ "
                 f"(seed {seed}) against the first {2 * cd_k} exact terms: they differ by sampling noise only.")
close = next((k for k in range(1, K_CURVE + 1) if gaps[k] <= 0.01 * g_norm), None)
pk = sub("p", cd_k)
st.markdown(
    (f"Here the sum comes within 1% of the gradient's length after **{close}** "
     f"level{'s' if close != 1 else ''} ({2 * close} terms). " if close is not None else
     f"Here even {K_CURVE} levels ({2 * K_CURVE} terms) leave more than 1% of the gradient's length out. ")
    + f"All {2 * K_CURVE} terms together differ from the exact gradient by {gaps[K_CURVE]:.1e}. "
    f"The lecture's reading: CD-{cd_k} approximately follows the gradient of another objective, "
    f"KL(p₀ ‖ p∞) − KL({pk} ‖ p∞) = {objective:.4g} nats here ({pk}: the data after {cd_k} Gibbs "
    f"step{'s' if cd_k > 1 else ''}). Its update is exactly minus that objective's gradient with {pk} held "
    f"fixed; the part that moves {pk} is dropped, of length {dropped:.3g} against {tele.cd[cd_k].norm:.3g} "
    f"for the update itself (cosine between the two directions {cosine(obj_grad.flat(), tele.cd[cd_k].flat()):.4f})."
)
w1, w2 = st.columns(2)
with w1:
    n_terms = 2 * TERM_LEVELS
    norms = np.array([t.norm for t in tele.layers[:n_terms]])
    fig = go.Figure(go.Bar(
        x=[sub(nm[0], int(nm[1:])) for nm in tele.names[:n_terms]], y=np.maximum(norms, 1e-16),
        marker_color=[BLUE if i < 2 * cd_k else GREY for i in range(n_terms)],
        hovertemplate="layer %{x}: |term| = %{y:.3g}<extra></extra>"))
    fig.update_layout(height=340, font=FONT, xaxis=dict(title="layer of the tied net (bottom first)", type="category"),
                      yaxis=dict(title="|term|", type="log", exponentformat="power"),
                      title=dict(text=f"each layer's term (blue: the {2 * cd_k} CD-{cd_k} keeps)", font=dict(size=15)),
                      margin=dict(l=10, r=10, t=40, b=10))
    slides.chart(st, fig, key=P + "terms", width="stretch")
with w2:
    ks = np.arange(K_CURVE + 1)
    fig = go.Figure([
        go.Scatter(x=ks, y=np.maximum(gaps, 1e-16), mode="lines+markers", line=dict(color=BLUE, width=3),
                   name="|sum of the first 2k terms − exact gradient|"),
        go.Scatter(x=[cd_k], y=[max(gaps[cd_k], 1e-16)], mode="markers", marker=dict(size=15, color=RED),
                   name=f"CD-{cd_k}"),
    ])
    fig.update_layout(height=340, font=FONT, xaxis_title="levels k (= CD steps)",
                      yaxis=dict(title="distance to the gradient", type="log", exponentformat="power"),
                      legend=dict(orientation="h", y=1.18), margin=dict(l=10, r=10, t=10, b=10))
    slides.chart(st, fig, key=P + "partial", width="stretch")
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
