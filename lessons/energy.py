"""Lesson 1, energy and probability: a tiny RBM with every one of its states listed.

Widgets and drawing only; the numbers come from pgmviz.models.boltzmann (tables, QUBO form, p(h|v))
and pgmviz.sampling.partition (log Z in closed form). The parameters live in ``st.session_state`` as
arrays of the largest allowed size, so shrinking and growing the model keeps what was set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pgmviz.models import boltzmann as bm
from pgmviz.models import expfam
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_Z_exact
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Energy and probability · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
N_V_MAX, N_H_MAX = 6, 4  # at most 2^10 = 1024 joint states: the whole table computes instantly
LIMIT = 10.0  # every slider runs over [-LIMIT, LIMIT]
STEP = 0.1
DEFAULT = {"n_v": 3, "n_h": 2, "seed": 0, "scale": 2.0, "hh": 3.0, "vv": 0.0}  # hh: the h1-h2 coupling
P = "en_"  # prefix of this page's session-state keys (the session is shared by all pages)

POS, NEG, ZERO = "#b2182b", "#2166ac", "#bdbdbd"  # red = positive, blue = negative, as in every weight picture
FONT = dict(size=16)


# --- parameter store --------------------------------------------------------------------------
def draw_parameters(seed: int, scale: float) -> dict[str, np.ndarray]:
    """W, b, c ~ N(0, scale^2) at full size, rounded to the slider step and kept in range."""
    rng = np.random.default_rng(seed)

    def draw(shape):
        return np.clip(np.round(rng.normal(0.0, scale, shape) / STEP) * STEP, -LIMIT, LIMIT)

    return {"W": draw((N_V_MAX, N_H_MAX)), "b": draw(N_V_MAX), "c": draw(N_H_MAX)}


def default_lateral() -> dict[str, np.ndarray]:
    return {
        "L_hh": np.pad([[0.0, DEFAULT["hh"]], [0.0, 0.0]], ((0, N_H_MAX - 2), (0, N_H_MAX - 2))),
        "L_vv": np.triu(np.full((N_V_MAX, N_V_MAX), DEFAULT["vv"]), 1),
    }


def slider_keys() -> dict[str, tuple[str, tuple[int, ...]]]:
    """Every parameter slider's session key -> (array name, index), at full size."""
    keys = {}
    for i in range(N_V_MAX):
        keys[f"{P}b_{i}"] = ("b", (i,))
        for j in range(N_H_MAX):
            keys[f"{P}W_{i}_{j}"] = ("W", (i, j))
    for j in range(N_H_MAX):
        keys[f"{P}c_{j}"] = ("c", (j,))
    for j in range(N_H_MAX):
        for k in range(j + 1, N_H_MAX):
            keys[f"{P}hh_{j}_{k}"] = ("L_hh", (j, k))
    for i in range(N_V_MAX):
        for k in range(i + 1, N_V_MAX):
            keys[f"{P}vv_{i}_{k}"] = ("L_vv", (i, k))
    return keys


def store() -> dict[str, np.ndarray]:
    return st.session_state[f"{P}params"]


def push_to_sliders() -> None:
    """Copy the stored arrays into the slider states (only allowed before the sliders render)."""
    params = store()
    for key, (name, idx) in slider_keys().items():
        st.session_state[key] = float(params[name][idx])


def on_random() -> None:
    seed = int(st.session_state[f"{P}seed"])
    store().update(draw_parameters(seed, float(st.session_state[f"{P}scale"])))
    st.session_state[f"{P}last_seed"] = seed
    st.session_state[f"{P}last_scale"] = float(st.session_state[f"{P}scale"])
    st.session_state[f"{P}seed"] = (seed + 1) % 2**31  # the next press draws a new model
    push_to_sliders()


def on_reset() -> None:
    for name in ("W", "b", "c"):
        store()[name][...] = 0.0
    st.session_state[f"{P}last_seed"] = None
    push_to_sliders()


def param_slider(container, key: str, label: str, help: str | None = None) -> float:
    """A slider bound to one stored parameter; its value is written back to the store."""
    name, idx = slider_keys()[key]
    if key not in st.session_state:  # first show, or shown again after the model was smaller
        st.session_state[key] = float(store()[name][idx])
    value = container.slider(label, -LIMIT, LIMIT, step=STEP, key=key, help=help, format="%.1f")
    store()[name][idx] = value
    return value


def remembered(key: str):
    """Restore a control's state before it renders.

    Streamlit drops a widget's state when a run does not draw it (another page was open), so each
    control's last value is also kept under ``{P}saved``; ``remember`` is called after it renders.
    """
    if key not in st.session_state:
        st.session_state[key] = st.session_state[f"{P}saved"][key]
    return key


def remember(key: str, value) -> None:
    st.session_state[f"{P}saved"][key] = value


first_visit = f"{P}params" not in st.session_state
if first_visit:
    st.session_state[f"{P}params"] = {**draw_parameters(DEFAULT["seed"], DEFAULT["scale"]), **default_lateral()}
    st.session_state[f"{P}last_seed"] = DEFAULT["seed"]
    st.session_state[f"{P}last_scale"] = DEFAULT["scale"]
    st.session_state[f"{P}saved"] = {
        f"{P}n_v": DEFAULT["n_v"], f"{P}n_h": DEFAULT["n_h"], f"{P}seed": DEFAULT["seed"] + 1,
        f"{P}scale": DEFAULT["scale"], f"{P}lateral": False,
    }
for _key in ("n_v", "n_h", "lateral"):
    remembered(f"{P}{_key}")  # before bind, which would otherwise put the defaults back
# A shared link carries the model's size, the seed and σ its weights were drawn with (not the
# Random button's next seed; hand-set sliders are not carried) and the couplings toggle.
URL_SETTINGS = url.bind(P, {
    "n_v": url.integer(DEFAULT["n_v"], 1, N_V_MAX),
    "n_h": url.integer(DEFAULT["n_h"], 1, N_H_MAX),
    "seed": url.integer(DEFAULT["seed"], 0, 2**31 - 1, key=f"{P}last_seed"),
    "scale": url.number(DEFAULT["scale"], 0.1, LIMIT, key=f"{P}last_scale"),
    "lateral": url.flag(False),
})
_drawn = (st.session_state[f"{P}last_seed"], st.session_state[f"{P}last_scale"])
if first_visit and _drawn != (DEFAULT["seed"], DEFAULT["scale"]):  # a link's model: draw it as Random did
    store().update(draw_parameters(*_drawn))
    st.session_state[f"{P}saved"].update({f"{P}seed": (_drawn[0] + 1) % 2**31, f"{P}scale": _drawn[1]})


# --- figures ----------------------------------------------------------------------------------
def unit_labels(n_v: int, n_h: int) -> list[str]:
    return [f"v{i + 1}" for i in range(n_v)] + [f"h{j + 1}" for j in range(n_h)]


def node_positions(n: int, y: float, span: int) -> list[tuple[float, float]]:
    """n nodes spread evenly over the width of the wider layer (span nodes), centred on 0."""
    xs = np.linspace(-(span - 1) / 2, (span - 1) / 2, n) if n > 1 else np.zeros(1)
    return [(float(x), y) for x in xs]


def edge_style(w: float) -> dict:
    if w == 0:
        return dict(color=ZERO, width=1, dash="dot")
    return dict(color=POS if w > 0 else NEG, width=min(1.0 + 1.5 * abs(w), 14.0))


def arc(p0, p1, bulge: float, n: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """A quadratic Bezier from p0 to p1, bowed by ``bulge`` in y, so in-layer edges miss the nodes."""
    t = np.linspace(0, 1, n)
    ctrl = ((p0[0] + p1[0]) / 2, p0[1] + bulge * (1 + abs(p1[0] - p0[0])) / 2)
    x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * ctrl[0] + t**2 * p1[0]
    y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * ctrl[1] + t**2 * p1[1]
    return x, y


def model_figure(Q: np.ndarray, n_v: int, title: str) -> go.Figure:
    """The Boltzmann machine as a graph: v at the bottom, h on top, edges coloured by sign."""
    W, b, c, L_vv, L_hh = bm.split_qubo(Q, n_v)
    n_h = W.shape[1]
    span = max(n_v, n_h)
    pv, ph = node_positions(n_v, 0.0, span), node_positions(n_h, 1.0, span)
    fig = go.Figure()
    mid_x, mid_y, mid_text = [], [], []

    def add_edge(x, y, w, text, at: float = 0.5):
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=edge_style(w), hoverinfo="skip"))
        k = int(round(at * (len(x) - 1)))  # the hover target sits this far along the edge
        mid_x.append(x[k])
        mid_y.append(y[k])
        mid_text.append(f"{text} = {w:+.1f}")

    for i in range(n_v):
        for j in range(n_h):
            t = np.linspace(0.0, 1.0, 21)
            add_edge(pv[i][0] + t * (ph[j][0] - pv[i][0]), t, W[i, j], f"W{i + 1}{j + 1}", at=0.3)
    for j in range(n_h):
        for k in range(j + 1, n_h):
            if L_hh[j, k]:
                add_edge(*arc(ph[j], ph[k], 0.35), L_hh[j, k], f"L(h{j + 1},h{k + 1})")
    for i in range(n_v):
        for k in range(i + 1, n_v):
            if L_vv[i, k]:
                add_edge(*arc(pv[i], pv[k], -0.35), L_vv[i, k], f"L(v{i + 1},v{k + 1})")

    # Invisible markers on the edges carry the weights as hover text. Printed labels collide as
    # soon as edges cross; the sliders and the matrix Q show the same numbers legibly.
    fig.add_trace(go.Scatter(x=mid_x, y=mid_y, mode="markers", marker=dict(size=14, opacity=0),
                             hovertext=mid_text, hoverinfo="text"))
    node_size = float(np.clip(330 / (span + 1.5), 30, 54))  # px: shrink so a row of 6 does not touch
    bias = np.concatenate([b, c])
    cmax = max(1.0, float(np.abs(bias).max(initial=0)))
    xs = [p[0] for p in pv + ph]
    ys = [p[1] for p in pv + ph]
    names = unit_labels(n_v, n_h)
    bias_names = [f"b{i + 1}" for i in range(n_v)] + [f"c{j + 1}" for j in range(n_h)]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="markers+text", text=names,
            textfont=dict(size=17, color=["white" if abs(x) > 0.55 * cmax else "black" for x in bias]),
            marker=dict(
                size=node_size, color=bias, colorscale="RdBu_r", cmin=-cmax, cmax=cmax,
                line=dict(color="#37474f", width=2),
                colorbar=dict(title=dict(text="bias", side="right"), thickness=14, len=0.8),
            ),
            hovertext=[f"{n}: {bn} = {x:+.1f}" for n, bn, x in zip(names, bias_names, bias)],
            hoverinfo="text",
        )
    )
    # bias values beside the nodes, below the visible row and above the hidden row, on a white
    # patch so that in-layer coupling arcs passing behind do not make them unreadable
    for x, y, bn, value in zip(xs, ys, bias_names, bias):
        fig.add_annotation(x=x, y=y - 0.34 if y == 0 else y + 0.34, text=f"{bn}={value:+.1f}",
                           showarrow=False, font=dict(size=13, color="#37474f"),
                           bgcolor="rgba(255,255,255,0.85)", borderpad=1)
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)), showlegend=False, height=430, font=FONT,
        margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white",
        xaxis=dict(visible=False, range=[-span / 2 - 1.3, span / 2 + 0.2]),
        yaxis=dict(visible=False, range=[-0.6, 1.6]),
    )
    for row, y, text in ((ph, 1.0, "hidden h"), (pv, 0.0, "visible v")):
        fig.add_annotation(x=row[0][0] - 0.55, y=y, text=text, showarrow=False, xanchor="right",
                           font=dict(size=15, color="#616161"))
    return fig


def qubo_figure(Q: np.ndarray, n_v: int) -> go.Figure:
    """Q as a heat map, lower triangle blank; the diagonal (biases) and W block outlined."""
    N = Q.shape[0]
    labels = unit_labels(n_v, N - n_v)
    Z = np.where(np.tril(np.ones((N, N)), -1) == 1, np.nan, Q)
    text = [["" if np.isnan(z) else f"{z:.1f}" for z in row] for row in Z]
    zmax = max(1.0, float(np.abs(Q).max()))
    fig = go.Figure(
        go.Heatmap(
            z=Z, x=labels, y=labels, text=text, texttemplate="%{text}", textfont=dict(size=15),
            colorscale="RdBu_r", zmin=-zmax, zmax=zmax, xgap=2, ygap=2, hoverongaps=False,
            hovertemplate="Q[%{y}, %{x}] = %{z:.2f}<extra></extra>",
            colorbar=dict(thickness=14),
        )
    )
    for k in range(N):  # the diagonal: biases
        fig.add_shape(type="rect", x0=k - 0.5, x1=k + 0.5, y0=k - 0.5, y1=k + 0.5,
                      line=dict(color="black", width=3))
    if 0 < n_v < N:  # the visible-hidden block: W
        fig.add_shape(type="rect", x0=n_v - 0.5, x1=N - 0.5, y0=-0.5, y1=n_v - 0.5,
                      line=dict(color="#ff8f00", width=3, dash="dash"))
    fig.update_layout(
        height=90 + 48 * N, font=FONT, margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(side="top", tickfont=dict(size=16)),
        yaxis=dict(autorange="reversed", tickfont=dict(size=16), scaleanchor="x"),
    )
    return fig


def bar_layout(fig: go.Figure, xtitle: str, ytitle: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        height=height, font=FONT, margin=dict(l=10, r=10, t=30, b=10), bargap=0.15,
        xaxis=dict(title=xtitle, type="category"), yaxis=dict(title=ytitle, rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig


# --- page -------------------------------------------------------------------------------------
lesson_header(
    "Energy and probability",
    "Give every state an energy E, and exp(−E) divided by its sum over all states, Z, is a "
    "probability distribution: low energy means likely.",
)
st.latex(r"p(\mathbf v,\mathbf h)=\frac{e^{-E(\mathbf v,\mathbf h)}}{Z},\qquad "
         r"Z=\sum_{\mathbf v,\mathbf h}e^{-E(\mathbf v,\mathbf h)},\qquad "
         r"E(\mathbf v,\mathbf h)=-\mathbf b^\top\mathbf v-\mathbf v^\top W\mathbf h-\mathbf c^\top\mathbf h")

# --- 1. the model ---
st.header("1 · A restricted Boltzmann machine small enough to list every state", divider="gray")
ctrl = st.columns([1.1, 1.1, 1.0, 1.0, 1.3, 1.3])
n_v = ctrl[0].slider("visible units n_v", 1, N_V_MAX, key=remembered(f"{P}n_v"))
n_h = ctrl[1].slider("hidden units n_h", 1, N_H_MAX, key=remembered(f"{P}n_h"))
seed = ctrl[2].number_input("seed", 0, 2**31 - 1, step=1, key=remembered(f"{P}seed"),
                            help="The random weights are drawn from this seed; the same seed gives the same model.")
scale = ctrl[3].slider("weight scale σ", 0.1, LIMIT, step=0.1, key=remembered(f"{P}scale"),
                       help="Random W, b and c are drawn from N(0, σ²) (and clipped to the slider range).")
for key, value in ((f"{P}n_v", n_v), (f"{P}n_h", n_h), (f"{P}seed", seed), (f"{P}scale", scale)):
    remember(key, value)
with ctrl[4]:
    st.write("")  # align the buttons with the inputs
    st.button("Random weights", on_click=on_random, icon=":material/casino:", key=f"{P}random",
              width="stretch")
with ctrl[5]:
    st.write("")
    st.button("Reset W, b, c to zero", on_click=on_reset, icon=":material/restart_alt:", key=f"{P}reset",
              width="stretch")
last_seed = st.session_state.get(f"{P}last_seed")
st.caption(
    f"{n_v} visible × {n_h} hidden units: 2^{n_v + n_h} = {2 ** (n_v + n_h)} joint states. "
    + (f"Weights drawn with seed {last_seed} (σ as set when drawn)." if last_seed is not None
       else "All parameters set by hand.")
)

left, right = main_picture().columns([1.15, 1.0], gap="large")
with left:
    st.markdown("**Parameters**, laid out like the matrix Q below: row *i* holds the visible "
                "bias bᵢ and the weights Wᵢⱼ to every hidden unit; the last row the hidden biases cⱼ.")
    for i in range(n_v):
        cols = st.columns(n_h + 1)
        param_slider(cols[0], f"{P}b_{i}", f"$b_{{{i + 1}}}$", help=f"visible bias of v{i + 1}")
        for j in range(n_h):
            param_slider(cols[j + 1], f"{P}W_{i}_{j}", f"$W_{{{i + 1}{j + 1}}}$",
                         help=f"weight between v{i + 1} and h{j + 1}")
    cols = st.columns(n_h + 1)
    cols[0].markdown("<div style='padding-top:2.2em;color:#616161'>hidden biases →</div>",
                     unsafe_allow_html=True)
    for j in range(n_h):
        param_slider(cols[j + 1], f"{P}c_{j}", f"$c_{{{j + 1}}}$", help=f"hidden bias of h{j + 1}")

params = store()
rbm = RBM(params["W"][:n_v, :n_h].copy(), params["b"][:n_v].copy(), params["c"][:n_h].copy())
try:
    table = bm.joint_table(rbm)
    marg = bm.marginal_v(rbm)
    Q = bm.qubo_from_rbm(rbm)
except ValueError as exc:  # cannot happen with the slider ranges, but never show a traceback
    st.error(f"Could not compute the model: {exc}")
    st.stop()

with right:
    slides.chart(st, model_figure(Q, n_v, "The RBM as an undirected graph (an MRF)"), key=f"{P}graph",
                 width="stretch")
    st.caption("Red edges: W > 0 (the two units like to be on together); blue: W < 0; "
               "thickness grows with |W|; dotted: W = 0. Node colour is the bias.")

# --- Z ---
try:
    log_Z_closed = log_Z_exact(rbm)
except Exception as exc:  # the closed form is a cross-check only; the page works without it
    log_Z_closed = None
    st.warning(f"The closed-form log Z could not be computed: {exc}")

m = st.columns(3)
m[0].metric("Z = Σ exp(−E)", f"{table.Z:.6g}" if table.Z is not None else "overflows float64",
            help="The partition function: the sum of exp(−E) over all joint states.")
m[1].metric("log Z, summing the table", f"{table.log_Z:.6f}",
            help="logsumexp over all joint states, exact in float64 even when Z itself overflows.")
m[2].metric("log Z, larger layer summed out in closed form",
            f"{log_Z_closed:.6f}" if log_Z_closed is not None else "n/a",
            help="pgmviz.sampling.partition.log_Z_exact: an independent computation of the same number.")
m = st.columns(3)
m[0].metric("Σ p(v,h) over all joint states", f"{table.p.sum():.12f}")
m[1].metric("Σ p(v) over all visible states", f"{marg.p.sum():.12f}")
m[2].metric("joint states enumerated", f"{table.n_states}")

# --- 2. the joint table ---
st.header("2 · Every joint state: energy, Boltzmann weight, probability", divider="gray")
v_labels = [bm.state_label(v) for v in table.V]
h_labels = [bm.state_label(h) for h in table.H]
joint_df = pd.DataFrame({
    "v": v_labels,
    "h": h_labels,
    "E(v,h)": table.E,
    "exp(−E)": table.weight,
    "p(v,h)": table.p,
})
t1, t2 = st.columns([1.0, 1.4], gap="large")
with t1:
    st.dataframe(
        joint_df, hide_index=True, width="stretch", height=420, key=f"{P}joint_df",
        column_config={
            "E(v,h)": st.column_config.NumberColumn(format="%.3f"),
            "exp(−E)": st.column_config.NumberColumn(format="%.4g"),
            "p(v,h)": st.column_config.NumberColumn(format="%.5f"),
        },
    )
    st.caption("Click a column header to sort: the lowest energies have the highest probabilities.")
with t2:
    fig = go.Figure(go.Bar(
        x=[f"{v}|{h}" for v, h in zip(v_labels, h_labels)], y=table.p, name="p(v,h)",
        marker=dict(color=table.E, colorscale="Viridis", colorbar=dict(title="E", thickness=14)),
        hovertemplate="v|h = %{x}<br>p = %{y:.5f}<extra></extra>",
    ))
    slides.chart(st, bar_layout(fig, "joint state v|h", "p(v,h)"), key=f"{P}joint_bar",
                 width="stretch")
    st.caption("Bar colour is the energy: dark (low E) bars are the tall ones.")

# --- 3. the marginal ---
st.header("3 · Summing out h: the marginal p(v) and the free energy F(v)", divider="gray")
st.latex(r"p(\mathbf v)=\sum_{\mathbf h}p(\mathbf v,\mathbf h)=\frac{e^{-F(\mathbf v)}}{Z},\qquad "
         r"F(\mathbf v)=-\mathbf b^\top\mathbf v-\sum_j\log\!\left(1+e^{\,c_j+\mathbf v^\top W_{:,j}}\right)")
vis_labels = [bm.state_label(v) for v in marg.V]
marg_df = pd.DataFrame({
    "v": vis_labels,
    "F(v)": marg.F,
    "Σ_h p(v,h)": marg.p,
    "exp(−F(v))/Z": marg.p_from_F,
})
ALL_EQUAL = "all equally probable"
most_probable = ALL_EQUAL if np.ptp(marg.p) < 1e-9 else vis_labels[int(np.argmax(marg.p))]
q_mode = predict.ask(P + "q_mode", "Looking at the parameters (and the table above), which visible state v will "
                     "have the lowest free energy F(v), that is the highest p(v)?",
                     predict.Choice([*vis_labels, ALL_EQUAL]), answer=most_probable,
                     about=(rbm.W.tobytes(), rbm.b.tobytes(), rbm.c.tobytes()))
if q_mode.reveals("p(v) and F(v) for every visible state"):
    u1, u2 = st.columns([1.0, 1.4], gap="large")
    with u1:
        st.dataframe(
            marg_df, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(marg_df)),
            key=f"{P}marg_df",
            column_config={
                "F(v)": st.column_config.NumberColumn(format="%.4f"),
                "Σ_h p(v,h)": st.column_config.NumberColumn(format="%.6f"),
                "exp(−F(v))/Z": st.column_config.NumberColumn(format="%.6f"),
            },
        )
        st.metric("largest |Σ_h p(v,h) − exp(−F(v))/Z|", f"{marg.max_abs_diff:.2e}",
                  help="Two independent computations of p(v): summing the table, and the closed-form free energy.")
    with u2:
        fig = go.Figure([
            go.Bar(x=vis_labels, y=marg.p, name="Σ_h p(v,h) (sum of the table)", marker_color="#5c6bc0"),
            go.Scatter(x=vis_labels, y=marg.p_from_F, name="exp(−F(v))/Z (free energy)", mode="markers",
                       marker=dict(symbol="diamond", size=12, color="#ff8f00", line=dict(color="black", width=1))),
        ])
        slides.chart(st, bar_layout(fig, "visible state v", "p(v)"), key=f"{P}marg_bar", width="stretch")

# --- 4. two readings ---
st.header("4 · Two readings of the same formula", divider="gray")
r1, r2 = st.columns(2, gap="large")
with r1:
    st.subheader("A Markov random field")
    st.markdown("One potential per node and per edge of the graph; the distribution is their "
                "product, normalised.")
    st.latex(r"p(\mathbf v,\mathbf h)=\frac1Z\prod_i e^{\,b_i v_i}\;\prod_j e^{\,c_j h_j}\;"
             r"\prod_{i,j} e^{\,W_{ij} v_i h_j}")
    st.markdown("An edge potential is 1 unless both of its units are on. Units that share no "
                "edge (two hidden units) share no potential, which is why h is independent given v.")
with r2:
    st.subheader("An exponential family")
    st.markdown("Sufficient statistics T, natural parameters θ, and log Z as the log-partition function.")
    st.latex(r"T(\mathbf v,\mathbf h)=(\mathbf v,\;\mathbf h,\;\mathbf v\mathbf h^\top),\qquad "
             r"\theta=(\mathbf b,\;\mathbf c,\;W)")
    st.latex(r"-E(\mathbf v,\mathbf h)=\langle\theta,T(\mathbf v,\mathbf h)\rangle"
             r"=\mathbf b^\top\mathbf v+\mathbf c^\top\mathbf h+\textstyle\sum_{ij}W_{ij}v_ih_j")
    st.latex(r"p(\mathbf v,\mathbf h)=\exp\big(\langle\theta,T(\mathbf v,\mathbf h)\rangle-A(\theta)\big),"
             r"\qquad A(\theta)=\log Z(\theta)")

x_pick = st.selectbox(
    "Check both readings on one joint state (v | h)", range(table.n_states),
    index=int(np.argmax(table.p)), format_func=lambda k: f"v = {v_labels[k]}  |  h = {h_labels[k]}"
    + f"   (p = {table.p[k]:.4f})", key=f"{P}x_pick_{n_v}_{n_h}",
)
v_x, h_x = table.V[x_pick], table.H[x_pick]
node_v, node_h, edge = bm.log_potentials(rbm, v_x, h_x)
_, _, vh = bm.sufficient_statistics(v_x, h_x)
names = ([f"b{i + 1} · v{i + 1}" for i in range(n_v)] + [f"c{j + 1} · h{j + 1}" for j in range(n_h)]
         + [f"W{i + 1}{j + 1} · v{i + 1}h{j + 1}" for j in range(n_h) for i in range(n_v)])
theta = bm.theta_vector(rbm)  # [b, c, vec(W)], vec stacking columns
T = bm.statistics_vector(v_x, h_x)[0]
terms = np.concatenate([node_v, node_h, edge.ravel(order="F")])  # log potentials, same order
factor_df = pd.DataFrame({"term θₖ · Tₖ": names, "θₖ": theta, "Tₖ(v,h)": T,
                          "θₖTₖ = log potential": terms, "potential exp(θₖTₖ)": np.exp(terms)})
f1, f2 = st.columns([1.3, 1.0], gap="large")
with f1:
    st.dataframe(
        factor_df, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(factor_df)),
        key=f"{P}factor_df",
        column_config={c: st.column_config.NumberColumn(format="%.3f") for c in factor_df.columns[1:]},
    )
with f2:
    inner = float(T @ theta)
    E_x = float(table.E[x_pick])
    with np.errstate(over="ignore"):
        prod = float(np.exp(terms.sum()))
    g = st.columns(2)
    g[0].metric("⟨θ, T(v,h)⟩ = Σ log potentials", f"{inner:.6f}")
    g[1].metric("−E(v,h)", f"{-E_x:.6f}")
    g = st.columns(2)
    g[0].metric("Π potentials / Z", f"{np.exp(inner - table.log_Z):.6g}")
    g[1].metric("p(v,h) from the table", f"{table.p[x_pick]:.6g}")
    g = st.columns(2)
    g[0].metric("log p = ⟨θ,T⟩ − A(θ)", f"{inner - table.log_Z:.6f}")
    g[1].metric("Π potentials = exp(−E)", f"{prod:.6g}" if np.isfinite(prod) else "overflows float64")

# --- 5. QUBO ---
st.header("5 · The same model as one matrix: QUBO form", divider="gray")
q1, q2 = st.columns([1.0, 1.0], gap="large")
with q1:
    slides.chart(st, qubo_figure(Q, n_v), key=f"{P}qubo", width="stretch")
with q2:
    st.latex(r"E(\mathbf x)=-\mathbf x^\top Q\,\mathbf x=-\sum_{i\le j}x_i Q_{ij}x_j,\qquad "
             r"\mathbf x=(\mathbf v,\mathbf h)")
    st.markdown(
        "- Binary units satisfy $x_i^2=x_i$, so a diagonal entry $Q_{ii}x_i^2=Q_{ii}x_i$ is a **bias** "
        "(black boxes: b then c).\n"
        "- An entry above the diagonal is a **coupling**, stored once (the lower triangle is empty).\n"
        "- An RBM fills only the visible–hidden block with W (dashed orange); the v–v and h–h blocks "
        "are zero. Filling them gives a general Boltzmann machine (section 6)."
    )
    X_all = np.hstack([table.V, table.H])
    st.metric("largest |−xᵀQx − E(v,h)| over all joint states",
              f"{np.max(np.abs(bm.qubo_energy(Q, X_all) - table.E)):.2e}",
              help="The QUBO energy and the RBM energy, compared on every state.")
    st.dataframe(pd.DataFrame(Q, index=unit_labels(n_v, n_h), columns=unit_labels(n_v, n_h)),
                 width="stretch", key=f"{P}qubo_df",
                 column_config={c: st.column_config.NumberColumn(format="%.1f") for c in unit_labels(n_v, n_h)})

# --- 6. lateral couplings ---
st.header("6 · Beyond the RBM: couplings inside a layer", divider="gray")
st.markdown("In an RBM the hidden units are independent once v is fixed, so the exact posterior "
            "p(h|v) equals the product of its one-unit marginals. Couple two hidden units and that "
            "breaks; the KL divergence between the two measures by how much.")
lateral = st.toggle("Add hidden–hidden / visible–visible couplings", key=remembered(f"{P}lateral"))
remember(f"{P}lateral", lateral)
URL_SETTINGS.write()
Q_model = Q
if lateral:
    k1, k2 = st.columns([1.0, 1.0], gap="large")
    with k1:
        st.markdown("**Hidden–hidden couplings** $L^{hh}_{jk}$: they change p(h|v).")
        pairs = [(j, k) for j in range(n_h) for k in range(j + 1, n_h)]
        if not pairs:
            st.info("With one hidden unit there is nothing to couple: add a second one above.")
        cols = st.columns(min(3, max(1, len(pairs))))
        for n, (j, k) in enumerate(pairs):
            param_slider(cols[n % len(cols)], f"{P}hh_{j}_{k}", f"$L^{{hh}}_{{{j + 1}{k + 1}}}$ (h{j + 1}–h{k + 1})")
        st.markdown("**Visible–visible couplings** $L^{vv}_{ik}$: they change p(v) but not p(h|v), since with v "
                    "fixed they only add a constant to E.")
        pairs = [(i, k) for i in range(n_v) for k in range(i + 1, n_v)]
        if not pairs:
            st.info("With one visible unit there is nothing to couple.")
        cols = st.columns(min(3, max(1, len(pairs))))
        for n, (i, k) in enumerate(pairs):
            param_slider(cols[n % len(cols)], f"{P}vv_{i}_{k}", f"$L^{{vv}}_{{{i + 1}{k + 1}}}$ (v{i + 1}–v{k + 1})")
    L_hh = params["L_hh"][:n_h, :n_h].copy()
    L_vv = params["L_vv"][:n_v, :n_v].copy()
    Q_model = bm.add_lateral(Q, n_v, hh=L_hh, vv=L_vv)
    with k2:
        slides.chart(st, model_figure(Q_model, n_v, "A general Boltzmann machine"), key=f"{P}graph_lateral",
                     width="stretch")
        st.latex(r"E(\mathbf v,\mathbf h)=E_{\mathrm{RBM}}(\mathbf v,\mathbf h)"
                 r"-\sum_{j<k}L^{hh}_{jk}h_jh_k-\sum_{i<k}L^{vv}_{ik}v_iv_k")

v_pick = st.selectbox("Clamp the visible units to v =", range(2**n_v), format_func=lambda k: vis_labels[k],
                      key=f"{P}v_pick_{n_v}")
v_c = marg.V[v_pick]
p_h = bm.conditional_h_given_v(Q_model, n_v, v_c)
q_h = bm.product_of_marginals(p_h, n_h)
kl_value = bm.kl(p_h, q_h)
m_h = bm.hidden_marginals(p_h, n_h)
hid_labels = [bm.state_label(h) for h in bm.all_states(n_h)]
model_name = "this Boltzmann machine" if lateral else "the RBM"
c1, c2 = st.columns([1.0, 1.4], gap="large")
with c1:
    st.dataframe(
        pd.DataFrame({"h": hid_labels, "p(h|v) exact": p_h, "Π_j p(h_j|v)": q_h}), hide_index=True,
        width="stretch", key=f"{P}cond_df",
        column_config={c: st.column_config.NumberColumn(format="%.5f") for c in ("p(h|v) exact", "Π_j p(h_j|v)")},
    )
    st.metric(f"KL( p(h|v) ‖ Π_j p(h_j|v) ) for {model_name}", f"{kl_value:.4g} nats",
              help="Zero exactly when the hidden units are independent given v; values "
                   "around 1e-16 are floating-point rounding.")
    st.caption(
        "Zero up to floating-point rounding: p(h|v) is exactly the product of its marginals."
        if kl_value < 1e-12 else
        "Not zero: p(h|v) is not a product, so the hidden units are dependent given v."
    )
    st.caption("One-unit marginals p(h_j=1|v): " + ", ".join(f"h{j + 1}: {x:.4f}" for j, x in enumerate(m_h)))
with c2:
    fig = go.Figure([
        go.Bar(x=hid_labels, y=p_h, name="p(h|v), exact", marker_color="#5c6bc0"),
        go.Bar(x=hid_labels, y=q_h, name="Π_j p(h_j|v), product of marginals", marker_color="#ffb74d"),
    ])
    fig.update_layout(barmode="group")
    slides.chart(st, bar_layout(fig, "hidden state h", "probability", height=360), key=f"{P}cond_bar",
                 width="stretch")

# --- 7. which of these are exponential families? ---
st.header("7 · Which of these models are exponential families?", divider="gray")
st.markdown(
    "In an exponential family with natural parameters θ, log p_θ(x) = ⟨θ, T(x)⟩ − A(θ) is linear in θ but "
    "for A. So its curvature ∂²log p_θ(x)/∂θ² = −∂²A/∂θ² is **the same for every state x**, whatever the "
    "statistics T are. Measure that curvature, state by state, on this page's model: one number means the "
    "form fits, a spread of numbers rules it out."
)
WEIGHT_DECAY = 2e-4  # the coefficient the bundled models were trained with
curv = {"joint": expfam.joint_curvature(rbm), "marginal": expfam.marginal_curvature(rbm),
        "directed": expfam.directed_curvature(rbm.W, rbm.b)}
per_x, over_x = expfam.conditional_sums(rbm, 0)
penalty, log_prior, prior_const = expfam.weight_decay_as_prior(rbm.W, WEIGHT_DECAY)


def curvature_row(model: str, theta: str, c: np.ndarray, states: str) -> dict:
    """The unit whose curvature varies most across states: its lowest and highest value."""
    j = int(np.argmax(expfam.spread(c)))
    sp = float(expfam.spread(c)[j])
    return {"model": model, "curvature of": f"{theta}{j + 1}", "over": states,
            "lowest": float(c[:, j].min()), "highest": float(c[:, j].max()), "spread": sp,
            "exponential family in θ?": "yes: one curvature for every state" if sp < 1e-6
            else "no: the curvature changes with the state"}


ef_rows = [
    curvature_row("RBM joint p(v, h)", "hidden bias c", curv["joint"], f"all {table.n_states} (v, h)"),
    curvature_row("RBM marginal p(v) = Σ_h p(v, h)", "hidden bias c", curv["marginal"], f"all {2 ** n_v} v"),
    curvature_row("sigmoid belief net p(v | h), W pointing down", "visible bias b", curv["directed"],
                  f"all {2 ** n_h} h"),
]
st.dataframe(pd.DataFrame(ef_rows), hide_index=True, width="stretch", key=f"{P}expfam",
             column_config={c: st.column_config.NumberColumn(format="%.3g") for c in ("lowest", "highest", "spread")})
joint_ok, marg_ok, dir_ok = (row["spread"] < 1e-6 for row in ef_rows)
st.markdown(
    ("**The joint is one**: T = (v, h, v hᵀ), θ = (b, c, W), and the curvature is −Var(h_j) in every state. "
     if joint_ok else "The joint's curvature varies here, against the theory: ")
    + ("**The marginal p(v) is not**, not in θ = (b, c, W) with any statistics of v: its log is "
       "b·v + Σ_j softplus(c_j + v·W_j) − log Z, and the softplus bends differently for each v "
       f"(in {ef_rows[1]['curvature of']}: from {ef_rows[1]['lowest']:.3g} to {ef_rows[1]['highest']:.3g}). "
       if not marg_ok else "With these weights the marginal's curvature does not vary (v tells nothing about h). ")
    + ("**A directed sigmoid layer is not either**: each conditional carries its own normaliser "
       "softplus(b_i + W_i·h), which bends with h; a deep belief net's directed layers, and so the DBN, "
       "inherit that. " if not dir_ok else "With these weights the directed layer's curvature does not vary. ")
    + f"**A feed-forward net** (or a CNN) defines only p(y | x): for the unit y = h₁ of this model, "
      f"Σ_y p(y | x) = 1 for each of the {2 ** n_v} inputs (largest error {np.abs(per_x - 1).max():.1e}), "
      f"but Σ_x p(y = 1 | x) = {over_x:.3f}: there is no distribution over x to be a family of. "
    + f"**Weight decay** is a Gaussian prior: (λ/2)‖W‖² = {penalty:.4g} with λ = {WEIGHT_DECAY:g}, and "
      f"log N(W; 0, I/λ) = {log_prior:.6g}; their sum {prior_const:.6g} does not depend on W, so training "
      "with weight decay maximises log-likelihood + log prior: a MAP estimate, not maximum likelihood."
)

with st.expander("Show the code that computed this page's numbers"):
    st.code(
        """from pgmviz import boltzmann as bm
from pgmviz.sampling.partition import log_Z_exact

table = bm.joint_table(rbm)          # E, exp(-E), p(v,h) for every joint state; Z and log Z
marg  = bm.marginal_v(rbm)           # p(v) = sum_h p(v,h), and exp(-F(v))/Z beside it
log_Z_exact(rbm)                     # log Z with the larger layer summed out in closed form
Q = bm.qubo_from_rbm(rbm)            # E(x) = -x^T Q x, biases on the diagonal
Q2 = bm.add_lateral(Q, n_v, hh=L_hh, vv=L_vv)
p = bm.conditional_h_given_v(Q2, n_v, v)      # exact p(h|v) over all 2^n_h states
q = bm.product_of_marginals(p, n_h)
bm.kl(p, q)                          # 0 for an RBM, > 0 with hidden-hidden couplings""",
        language="python",
    )

notice(
    "Nothing but the energy was specified, yet every probability is fixed by it: move one weight "
    "and all the numbers change together while their sum stays exactly one. The two readings, "
    "product of edge potentials and exponential family, are the same sum rearranged, and the "
    "RBM's missing hidden–hidden edges are what make p(h|v) factorise (KL = 0)."
)
