"""Lesson 1, energy and probability: a tiny RBM with every one of its states listed.

Widgets and drawing only; the numbers come from pgmviz.models.boltzmann (tables, QUBO form, p(h|v)),
pgmviz.models.expfam (the two readings, the curvature test) and pgmviz.sampling.partition (log Z in closed
form); the charts are pgmviz.ui.charts.energy. The parameters live in ``st.session_state`` as arrays of the
largest allowed size, so shrinking and growing the model keeps what was set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.models import bm_posterior, expfam
from pgmviz.models import boltzmann as bm
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import log_Z_exact
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import energy as charts
from pgmviz.ui.layout import lesson_header, notice, on_demand
from pgmviz.ui.memory import remember, remembered, saved
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Energy and probability · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
N_V_MAX, N_H_MAX = 6, 4  # at most 2^10 = 1024 joint states: the whole table computes instantly
LIMIT = 10.0  # every slider runs over [-LIMIT, LIMIT]
STEP = 0.1
DEFAULT = {"n_v": 3, "n_h": 2, "seed": 0, "scale": 2.0, "hh": 3.0, "vv": 0.0}  # hh: the h1-h2 coupling
P = "en_"  # prefix of this page's session-state keys (the session is shared by all pages)


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


@st.cache_resource(max_entries=32, show_spinner=False)
def chart(builder: str, *args):
    """A chart of pgmviz.ui.charts.energy (SVG markup, or a Plotly figure), built once per input, never mutated.

    Most reruns do not change the model (a pick, a toggle, a prediction), so its charts are kept by
    their inputs.
    """
    return getattr(charts, builder)(*args)


def show_chart(where, name: str, *args, key: str):
    """Chart ``name`` as server-drawn SVG (``charts.<name>_svg``); its Plotly twin is built for a download only.

    No Plotly on this page: its 4.7 MB chunk was over half of a fresh browser's time to show the page
    (bench/README.md, the latecomer).
    """
    figure = getattr(charts, f"{name}_figure")
    return slides.svg_chart(where, chart(f"{name}_svg", *args), key=key, figure=lambda: figure(*args))


def small_table(where, df: pd.DataFrame, formats: dict[str, str], *, hide_index: bool = True,
                height: int | None = None):
    """A small read-only table as plain HTML (``st.table``): no data-grid bundle or canvas for the browser to load.

    ``formats``: column -> format spec (``"{:.4f}"``); ``height``: scroll within this many pixels.
    """
    return where.table(df.style.format(formats), hide_index=hide_index, height=height or "content")


def table_height(n_rows: int) -> int | None:
    """Scroll tables longer than about twelve rows within 420 px, as the page's data grids did."""
    return 420 if n_rows > 12 else None


first_visit = f"{P}params" not in st.session_state
if first_visit:
    st.session_state[f"{P}params"] = {**draw_parameters(DEFAULT["seed"], DEFAULT["scale"]), **default_lateral()}
    st.session_state[f"{P}last_seed"] = DEFAULT["seed"]
    st.session_state[f"{P}last_scale"] = DEFAULT["scale"]
    saved(P).update(n_v=DEFAULT["n_v"], n_h=DEFAULT["n_h"], seed=DEFAULT["seed"] + 1, scale=DEFAULT["scale"],
                    lateral=False)
for _key in ("n_v", "n_h", "lateral"):
    remembered(P, _key)  # before bind, which would otherwise put the defaults back
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
    saved(P).update(seed=(_drawn[0] + 1) % 2**31, scale=_drawn[1])


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
n_v = ctrl[0].slider("visible units n_v", 1, N_V_MAX, key=remembered(P, "n_v"))
n_h = ctrl[1].slider("hidden units n_h", 1, N_H_MAX, key=remembered(P, "n_h"))
seed = ctrl[2].number_input("seed", 0, 2**31 - 1, step=1, key=remembered(P, "seed"),
                            help="The random weights are drawn from this seed; the same seed gives the same model.")
scale = ctrl[3].slider("weight scale σ", 0.1, LIMIT, step=0.1, key=remembered(P, "scale"),
                       help="Random W, b and c are drawn from N(0, σ²) (and clipped to the slider range).")
remember(P, "n_v", "n_h", "seed", "scale")
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
    show_chart(st, "model", Q, n_v, "The RBM as an undirected graph (an MRF)", key=f"{P}graph")
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
    show_chart(st, "joint", v_labels, h_labels, table.p, table.E, key=f"{P}joint_bar")
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
        small_table(st, marg_df, {"F(v)": "{:.4f}", "Σ_h p(v,h)": "{:.6f}", "exp(−F(v))/Z": "{:.6f}"},
                    height=table_height(len(marg_df)))
        st.metric("largest |Σ_h p(v,h) − exp(−F(v))/Z|", f"{marg.max_abs_diff:.2e}",
                  help="Two independent computations of p(v): summing the table, and the closed-form free energy.")
    with u2:
        show_chart(st, "marginal", vis_labels, marg.p, marg.p_from_F, key=f"{P}marg_bar")


def curvature_row(model: str, theta: str, curvature: np.ndarray, states: str) -> dict:
    """The table row of the parameter whose curvature varies most across the states."""
    x = expfam.most_varying(curvature)
    return {"model": model, "curvature of": f"{theta}{x.j + 1}", "over": states, "lowest": x.lowest,
            "highest": x.highest, "spread": x.spread, "exponential family in θ?":
            "yes: one curvature for every state" if x.is_family else "no: the curvature changes with the state"}


# Sections 4-7 read the model the page computed above (rbm, table, marg, Q and their labels).
def two_readings() -> None:
    """Section 4: the MRF's product of potentials and the exponential family's ⟨θ, T⟩ − A(θ), checked on one state."""
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
    terms = expfam.factor_terms(rbm, table.V[x_pick], table.H[x_pick])
    factor_df = pd.DataFrame({"term θₖ · Tₖ": terms.names, "θₖ": terms.theta, "Tₖ(v,h)": terms.T,
                              "θₖTₖ = log potential": terms.log_potentials,
                              "potential exp(θₖTₖ)": np.exp(terms.log_potentials)})
    f1, f2 = st.columns([1.3, 1.0], gap="large")
    with f1:
        small_table(st, factor_df, dict.fromkeys(factor_df.columns[1:], "{:.3f}"), height=table_height(len(factor_df)))
    with f2:
        inner, prod = terms.inner, terms.product
        E_x = float(table.E[x_pick])
        g = st.columns(2)
        g[0].metric("⟨θ, T(v,h)⟩ = Σ log potentials", f"{inner:.6f}")
        g[1].metric("−E(v,h)", f"{-E_x:.6f}")
        g = st.columns(2)
        g[0].metric("Π potentials / Z", f"{np.exp(inner - table.log_Z):.6g}")
        g[1].metric("p(v,h) from the table", f"{table.p[x_pick]:.6g}")
        g = st.columns(2)
        g[0].metric("log p = ⟨θ,T⟩ − A(θ)", f"{inner - table.log_Z:.6f}")
        g[1].metric("Π potentials = exp(−E)", f"{prod:.6g}" if np.isfinite(prod) else "overflows float64")


def qubo_form() -> None:
    """Section 5: E(x) = −xᵀQx with the biases on the diagonal, compared with E(v, h) on every state."""
    q1, q2 = st.columns([1.0, 1.0], gap="large")
    with q1:
        show_chart(st, "qubo", Q, n_v, key=f"{P}qubo")
    with q2:
        st.latex(r"E(\mathbf x)=-\mathbf x^\top Q\,\mathbf x=-\sum_{i\le j}x_i Q_{ij}x_j,\qquad "
                 r"\mathbf x=(\mathbf v,\mathbf h)")
        st.markdown(
            "- Binary units satisfy $x_i^2=x_i$, so a diagonal entry $Q_{ii}x_i^2=Q_{ii}x_i$ is a **bias** "
            "(the boxed cells of the diagonal: b then c).\n"
            "- An entry above the diagonal is a **coupling**, stored once (the lower triangle is empty).\n"
            "- An RBM fills only the visible–hidden block with W (dashed orange); the v–v and h–h blocks "
            "are zero. Filling them gives a general Boltzmann machine (section 6)."
        )
        X_all = np.hstack([table.V, table.H])
        st.metric("largest |−xᵀQx − E(v,h)| over all joint states",
                  f"{np.max(np.abs(bm.qubo_energy(Q, X_all) - table.E)):.2e}",
                  help="The QUBO energy and the RBM energy, compared on every state.")
        units = charts.unit_labels(n_v, n_h)
        small_table(st, pd.DataFrame(Q, index=units, columns=units), dict.fromkeys(units, "{:.1f}"), hide_index=False)


def coupling_sliders(layer: str, n: int, if_none: str) -> None:
    """One slider per pair of units of a layer ("h" or "v"): the couplings L^hh_jk or L^vv_ik, three to a row."""
    pairs = [(j, k) for j in range(n) for k in range(j + 1, n)]
    if not pairs:
        st.info(if_none)
    cols = st.columns(min(3, max(1, len(pairs))))
    for m, (j, k) in enumerate(pairs):
        param_slider(cols[m % len(cols)], f"{P}{layer * 2}_{j}_{k}",
                     f"$L^{{{layer * 2}}}_{{{j + 1}{k + 1}}}$ ({layer}{j + 1}–{layer}{k + 1})")


def lateral_couplings() -> None:
    """Section 6: couplings inside a layer; the KL divergence of p(h|v) from the product of its marginals."""
    st.markdown("In an RBM the hidden units are independent once v is fixed, so the exact posterior "
                "p(h|v) equals the product of its one-unit marginals. Couple two hidden units and that "
                "breaks; the KL divergence between the two measures by how much.")
    lateral = st.toggle("Add hidden–hidden / visible–visible couplings", key=remembered(P, "lateral"))
    remember(P, "lateral")
    Q_model = Q
    if lateral:
        k1, k2 = st.columns([1.0, 1.0], gap="large")
        with k1:
            st.markdown("**Hidden–hidden couplings** $L^{hh}_{jk}$: they change p(h|v).")
            coupling_sliders("h", n_h, "With one hidden unit there is nothing to couple: add a second one above.")
            st.markdown("**Visible–visible couplings** $L^{vv}_{ik}$: they change p(v) but not p(h|v), since with v "
                        "fixed they only add a constant to E.")
            coupling_sliders("v", n_v, "With one visible unit there is nothing to couple.")
        L_hh = params["L_hh"][:n_h, :n_h].copy()
        L_vv = params["L_vv"][:n_v, :n_v].copy()
        Q_model = bm.add_lateral(Q, n_v, hh=L_hh, vv=L_vv)
        with k2:
            show_chart(st, "model", Q_model, n_v, "A general Boltzmann machine", key=f"{P}graph_lateral")
            st.latex(r"E(\mathbf v,\mathbf h)=E_{\mathrm{RBM}}(\mathbf v,\mathbf h)"
                     r"-\sum_{j<k}L^{hh}_{jk}h_jh_k-\sum_{i<k}L^{vv}_{ik}v_iv_k")

    v_pick = st.selectbox("Clamp the visible units to v =", range(2**n_v), format_func=lambda k: vis_labels[k],
                          key=f"{P}v_pick_{n_v}")
    v_c = marg.V[v_pick]
    p_h = bm_posterior.conditional_h_given_v(Q_model, n_v, v_c)
    q_h = bm_posterior.product_of_marginals(p_h, n_h)
    kl_value = bm_posterior.kl(p_h, q_h)
    m_h = bm_posterior.hidden_marginals(p_h, n_h)
    hid_labels = [bm.state_label(h) for h in bm.all_states(n_h)]
    model_name = "this Boltzmann machine" if lateral else "the RBM"
    c1, c2 = st.columns([1.0, 1.4], gap="large")
    with c1:
        small_table(st, pd.DataFrame({"h": hid_labels, "p(h|v) exact": p_h, "Π_j p(h_j|v)": q_h}),
                    dict.fromkeys(("p(h|v) exact", "Π_j p(h_j|v)"), "{:.5f}"), height=table_height(len(hid_labels)))
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
        show_chart(st, "conditional", hid_labels, p_h, q_h, key=f"{P}cond_bar")


def exponential_families() -> None:
    """Section 7: the curvature of log p in θ state by state: one value for an exponential family."""
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
    ef_rows = [
        curvature_row("RBM joint p(v, h)", "hidden bias c", curv["joint"], f"all {table.n_states} (v, h)"),
        curvature_row("RBM marginal p(v) = Σ_h p(v, h)", "hidden bias c", curv["marginal"], f"all {2 ** n_v} v"),
        curvature_row("sigmoid belief net p(v | h), W pointing down", "visible bias b", curv["directed"],
                      f"all {2 ** n_h} h"),
    ]
    small_table(st, pd.DataFrame(ef_rows), dict.fromkeys(("lowest", "highest", "spread"), "{:.3g}"))
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


# --- 4-7: drawn on demand (layout.on_demand): the first screen stays light for a latecomer's browser ---
st.header("4 · Two readings of the same formula", divider="gray")
with on_demand(P, "readings", "The same p(v, h) as a product of potentials and as an exponential family, "
               "checked on one state") as shown:
    if shown:
        two_readings()

st.header("5 · The same model as one matrix: QUBO form", divider="gray")
with on_demand(P, "qubo", "The whole energy as one matrix Q, checked on every state") as shown:
    if shown:
        qubo_form()

st.header("6 · Beyond the RBM: couplings inside a layer", divider="gray")
# A shared link that turns the couplings on opens this section.
with on_demand(P, "lateral", "Couple two hidden units and p(h|v) stops being a product: the KL divergence "
               "measures by how much", open_if=first_visit and bool(st.session_state[f"{P}lateral"]),
               forget=(f"{P}lateral",)) as shown:
    if shown:
        lateral_couplings()
URL_SETTINGS.write()  # after the couplings' toggle, which section 6 draws only when open

st.header("7 · Which of these models are exponential families?", divider="gray")
with on_demand(P, "families", "The curvature of log p in θ, state by state, for the joint, the marginal and "
               "a directed layer") as shown:
    if shown:
        exponential_families()

# The code is drawn only once the expander is opened: a closed one would still load the browser's
# 1.6 MB syntax highlighter for every student who opens the page.
with st.expander("Show the code that computed this page's numbers", key=f"{P}show_code", on_change="rerun"):
    if st.session_state.get(f"{P}show_code"):
        st.code(
            """from pgmviz.models import bm_posterior
from pgmviz.models import boltzmann as bm
from pgmviz.sampling.partition import log_Z_exact

table = bm.joint_table(rbm)          # E, exp(-E), p(v,h) for every joint state; Z and log Z
marg  = bm.marginal_v(rbm)           # p(v) = sum_h p(v,h), and exp(-F(v))/Z beside it
log_Z_exact(rbm)                     # log Z with the larger layer summed out in closed form
Q = bm.qubo_from_rbm(rbm)            # E(x) = -x^T Q x, biases on the diagonal
Q2 = bm.add_lateral(Q, n_v, hh=L_hh, vv=L_vv)
p = bm_posterior.conditional_h_given_v(Q2, n_v, v)   # exact p(h|v) over all 2^n_h states
q = bm_posterior.product_of_marginals(p, n_h)
bm_posterior.kl(p, q)                # 0 for an RBM, > 0 with hidden-hidden couplings""",
            language="python",
        )

notice(
    "Nothing but the energy was specified, yet every probability is fixed by it: move one weight "
    "and all the numbers change together while their sum stays exactly one. The two readings, "
    "product of edge potentials and exponential family, are the same sum rearranged, and the "
    "RBM's missing hidden–hidden edges are what make p(h|v) factorise (KL = 0)."
)
