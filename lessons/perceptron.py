"""From perceptrons to backprop: one unit learns AND and OR but never XOR; a hidden layer does.

Widgets and drawing only; every number comes from ``pgmviz.nets.mlp`` (with ``single_unit``, ``losses``,
``comp_graph``) and ``pgmviz.nets.xor_checks``, the charts from ``pgmviz.ui.charts.perceptron``. Training runs
are tiny (four examples), so each is computed whole and cached; the animations only pick which recorded epoch
to draw, with the app's one animation player (``pgmviz.ui.player``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz.nets import comp_graph, losses, mlp, single_unit, xor_checks
from pgmviz.ui import memory, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import perceptron as charts
from pgmviz.ui.charts.perceptron import BACK, FWD
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.player import player as play
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="From perceptrons to backprop · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "pc_"  # prefix of this page's session-state keys (the session is shared by all pages)
ss = st.session_state
DEFAULTS = {
    # one unit
    "task": "AND", "rule": "perceptron", "unit_loss": "cross_entropy", "unit_lr": 1.0, "unit_seed": 0,
    # the XOR sliders of section 2
    "q_w1": 1.0, "q_w2": 1.0, "q_theta": 0.5,
    # the 2-H-1 network
    "net_task": "XOR", "n_hidden": 2, "act": "tanh", "net_loss": "cross_entropy", "net_lr": 1.0,
    "net_epochs": 600, "net_seed": 0,
    # the computation graph
    "g_input": "01", "g_epoch": 0,
    # likelihoods
    "lk_y": 1.0, "lk_f": 0.4, "lk_sigma": 0.5, "lk_t": 1, "lk_o": 0.8,
}
RULES = {"perceptron": "Perceptron rule (threshold unit)", "logistic": "Logistic unit, gradient descent"}
LOSS_NAMES = {"cross_entropy": "cross-entropy", "squared": "squared error"}
UNIT_EPOCHS = {"perceptron": 30, "logistic": 300}  # the perceptron makes one decision per example
LEARNING_RATES = [0.1, 0.2, 0.5, 1.0, 2.0, 4.0]
MAX_FRAMES = 61  # frames of an animation: enough to look smooth, few enough to step through
TICK_S = {"unit": 0.35, "net": 0.15}  # seconds between animation frames
INPUT_LABELS = ["00", "01", "10", "11"]

PLOT_CONFIG = {"displayModeBar": False}


def remembered(key: str) -> str:
    """The control's key, its value restored before it renders (`pgmviz.ui.memory`)."""
    return memory.remembered(P, key, DEFAULTS[key])


def remember(*keys: str) -> None:
    memory.remember(P, *keys)


# Every control but the graph's epoch, shareable as a link (?pc_task=XOR&pc_net_seed=3 ...).
URL_SPEC = {
    "task": url.choice(DEFAULTS["task"], mlp.TASKS), "rule": url.choice(DEFAULTS["rule"], RULES),
    "unit_loss": url.choice(DEFAULTS["unit_loss"], LOSS_NAMES),
    "unit_lr": url.choice(DEFAULTS["unit_lr"], LEARNING_RATES),
    "unit_seed": url.integer(DEFAULTS["unit_seed"], 0, 10_000),
    **{k: url.number(DEFAULTS[k], -3.0, 3.0) for k in ("q_w1", "q_w2", "q_theta")},
    "net_task": url.choice(DEFAULTS["net_task"], mlp.TASKS), "n_hidden": url.choice(DEFAULTS["n_hidden"], [2, 3, 4]),
    "act": url.choice(DEFAULTS["act"], mlp.ACTIVATIONS), "net_loss": url.choice(DEFAULTS["net_loss"], LOSS_NAMES),
    "net_lr": url.choice(DEFAULTS["net_lr"], LEARNING_RATES),
    "net_epochs": url.choice(DEFAULTS["net_epochs"], [200, 600, 1500, 3000]),
    "net_seed": url.integer(DEFAULTS["net_seed"], 0, 10_000),
    "g_input": url.choice(DEFAULTS["g_input"], INPUT_LABELS),
    "lk_y": url.number(DEFAULTS["lk_y"], -2.0, 2.0), "lk_f": url.number(DEFAULTS["lk_f"], -2.0, 2.0),
    "lk_sigma": url.number(DEFAULTS["lk_sigma"], 0.1, 2.0), "lk_t": url.choice(DEFAULTS["lk_t"], [0, 1]),
    "lk_o": url.number(DEFAULTS["lk_o"], 0.01, 0.99),
}
for _key in URL_SPEC:
    remembered(_key)  # before bind, which would otherwise put the defaults back after a visit elsewhere
URL_SETTINGS = url.bind(P, URL_SPEC)


# --- cached runs (read-only results, copies handed out by st.cache_data) ----------------------
@st.cache_data(max_entries=64, show_spinner=False)
def unit_run(rule: str, task: str, lr: float, loss: str, seed: int) -> single_unit.UnitRun:
    if rule == "perceptron":
        return single_unit.perceptron_train(task, UNIT_EPOCHS[rule], lr, seed)
    return single_unit.logistic_train(task, UNIT_EPOCHS[rule], lr, loss, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def net_run(settings: mlp.MLPSettings) -> mlp.MLPRun:
    return mlp.train_mlp(settings)


@st.cache_data(max_entries=256, show_spinner=False)
def net_grid(settings: mlp.MLPSettings, epoch: int) -> tuple[np.ndarray, np.ndarray]:
    return mlp.output_grid(net_run(settings).snapshot(epoch), settings.act, n=61)


def frame_epochs(n_epochs: int) -> np.ndarray:
    """The epochs an animation shows: all of them, or MAX_FRAMES spread evenly."""
    return np.unique(np.linspace(0, n_epochs, min(n_epochs + 1, MAX_FRAMES)).round().astype(int))


def player(name: str, labels: list[str], signature: tuple, draw) -> None:
    """The epochs of run ``name`` ("unit" or "net") in the app's player: the last epoch first."""
    play(P, name, labels, signature, draw, tick_s=TICK_S[name], slider_label="Epoch",
         first_help="The initial weights", last_help="The last epoch")


# ============================================================================================
lesson_header(
    "From perceptrons to backprop",
    "One threshold unit draws a single straight line, so it can learn AND and OR but never XOR; "
    "add a hidden layer and train it with backpropagation, the chain rule run backwards over the "
    "computation graph, and XOR is learned.",
)

# --- 1. one unit ------------------------------------------------------------------------------
st.header("1 · One unit learns AND and OR, and fails on XOR", divider="gray")
c = st.columns([1.2, 1.6, 1.1, 1.0, 0.8], vertical_alignment="bottom")
task = c[0].segmented_control("Task", list(mlp.TASKS), key=remembered("task"), required=True)
rule = c[1].radio("Unit", list(RULES), format_func=RULES.get, key=remembered("rule"))
unit_loss = c[2].selectbox("Loss (logistic unit)", list(LOSS_NAMES), format_func=LOSS_NAMES.get,
                           key=remembered("unit_loss"), disabled=rule == "perceptron")
unit_lr = c[3].select_slider("Learning rate η", LEARNING_RATES, key=remembered("unit_lr"))
unit_seed = c[4].number_input("Seed", 0, 10_000, step=1, key=remembered("unit_seed"),
                              help="Seeds the initial weights and the order of the examples.")
remember("task", "rule", "unit_loss", "unit_lr", "unit_seed")

if rule == "perceptron":
    st.latex(r"y=\mathbb 1[w_1x_1+w_2x_2\ge\theta],\qquad w\leftarrow w+\eta\,(t-y)\,x,\qquad "
             r"\theta\leftarrow\theta-\eta\,(t-y)\quad\text{(one example at a time)}")
else:
    st.latex(r"o=\sigma(w_1x_1+w_2x_2-\theta),\qquad w\leftarrow w-\eta\,\frac{\partial L}{\partial w},\quad"
             r"\frac{\partial L}{\partial w}=\tfrac14\sum_n \delta_n\,x_n,\quad "
             + (r"\delta_n=o_n-t_n" if unit_loss == "cross_entropy" else r"\delta_n=(o_n-t_n)\,o_n(1-o_n)"))

run = unit_run(rule, task, float(unit_lr), unit_loss, int(unit_seed))
n_ep = UNIT_EPOCHS[rule]
q_wrong = predict.ask(P + "q_wrong", f"Trained on {task} for {n_ep} epochs, how many of the four inputs will this unit "
                      "still get wrong at its best epoch?", predict.Choice(["0", "1", "2", "3", "4"]),
                      answer=str(int(run.errors.min())), about=(rule, task, unit_lr, unit_loss, unit_seed))
unit_shown = q_wrong.reveals("whether the unit learns it, and its training run")
if unit_shown and run.converged_at is not None:
    st.success(f"**{task} learned**: all four inputs on the right side of the line from epoch "
               f"{run.converged_at} on.", icon=":material/check_circle:")
elif unit_shown:
    best = int(run.errors.min())
    msg = (f"**{task} not learned** in {n_ep} epochs: at every epoch at least {best} of the four inputs "
           f"{'is' if best == 1 else 'are'} on the wrong side of the line.")
    if rule == "logistic":
        msg += f" The loss levels off at {run.loss[-1]:.4f} instead of going to zero."
    st.warning(msg, icon=":material/block:")

unit_frames = frame_epochs(n_ep)


def draw_unit(frame: int) -> None:
    k = int(unit_frames[frame])
    m = st.columns(6)
    m[0].metric("Epoch", f"{run.epochs[k]}")
    m[1].metric("w1", f"{run.w[k, 0]:+.3f}")
    m[2].metric("w2", f"{run.w[k, 1]:+.3f}")
    m[3].metric("θ (threshold)", f"{run.theta[k]:+.3f}")
    m[4].metric("Inputs misclassified", f"{run.errors[k]} of 4")
    if run.loss is not None:
        m[5].metric(f"Loss ({LOSS_NAMES[run.loss_kind]})", f"{run.loss[k]:.4f}")
    left, right = main_picture().columns(2, gap="large")
    slides.chart(left, charts.unit_figure(run, k, *xor_checks.unit_output_grid(run, k)), key=f"{P}unit_plane",
                 config=PLOT_CONFIG, width="stretch")
    if run.loss is None:
        fig = charts.curve_figure(run.epochs, run.errors, k, "inputs misclassified")
        fig.update_yaxes(range=[-0.1, 4.2], dtick=1)
    else:
        floor = None
        if task == "XOR":
            floor = np.log(2) if run.loss_kind == "cross_entropy" else 0.125
        fig = charts.curve_figure(run.epochs, run.loss, k, f"loss ({LOSS_NAMES[run.loss_kind]})", floor=floor,
                           floor_text="what w = 0, θ = 0 scores on XOR")
    slides.chart(right, fig, key=f"{P}unit_curve", config=PLOT_CONFIG, width="stretch")


if unit_shown:
    player("unit", [f"epoch {e}" for e in unit_frames], (rule, task, unit_lr, unit_loss, unit_seed), draw_unit)
    st.caption("Blue dots have target 1, red dots target 0; a black ring marks an input the unit gets wrong. "
               "The background is the unit's output (blue side: 1). Press **Play** to watch it learn.")

# --- 2. why XOR is impossible -----------------------------------------------------------------
st.header("2 · Why no single unit can compute XOR", divider="gray")
a, b = st.columns([1.1, 1.0], gap="large")
with a:
    st.markdown("A threshold unit answers 1 exactly when $w_1x_1+w_2x_2\\ge\\theta$. "
                "XOR asks for four things at once:")
    st.latex(r"\begin{array}{lll}"
             r"x=(0,0)\mapsto 0: & w_1\cdot0+w_2\cdot0<\theta & (1)\\"
             r"x=(1,0)\mapsto 1: & w_1\ge\theta & (2)\\"
             r"x=(0,1)\mapsto 1: & w_2\ge\theta & (3)\\"
             r"x=(1,1)\mapsto 0: & w_1+w_2<\theta & (4)"
             r"\end{array}")
    st.markdown("By (1) the threshold is positive. Adding (2) and (3) gives "
                "$w_1+w_2\\ge2\\theta>\\theta$, which contradicts (4). So no choice of "
                "$w_1, w_2, \\theta$ satisfies all four. A sigmoid unit is no better: "
                "$\\sigma$ is increasing, so $\\sigma(w\\cdot x-\\theta)\\ge\\tfrac12$ is the same "
                "condition as $w\\cdot x\\ge\\theta$.")
    w1_s, w2_s, th_s = single_unit.SLIDE_COUNTEREXAMPLE
    slide = single_unit.slide_xor_conditions(w1_s, w2_s, th_s)
    three = sum(c[3] for c in slide[:3])
    st.markdown(
        "**A note on the lecture's version.** The slide's proof uses only (2), (3) and (4), written "
        "with the sigmoid inside: σ(w₁) ≥ θ, σ(w₂) ≥ θ, σ(w₁ + w₂) < θ. Those three alone do not "
        f"contradict each other: w₁ = w₂ = {w1_s:g}, θ = {th_s:g} satisfies {three} of the three. "
        "Adding (2) and (3) works for the line w·x, not for σ(w·x), and it is the (0,0) case that closes "
        f"the gap: it asks σ(0) = {slide[3][2]:g} < θ, which "
        + ("fails" if not slide[3][3] else "holds") + " here. The argument is right once (1) is in it, as above."
    )
    st.dataframe(pd.DataFrame({"input x₁x₂": [c[0] for c in slide], "condition": [c[1] for c in slide],
                               "σ(w·x)": [c[2] for c in slide], "holds": ["yes" if c[3] else "NO" for c in slide]}),
                 hide_index=True, key=f"{P}slide_checks",
                 column_config={"σ(w·x)": st.column_config.NumberColumn(format="%.3f")})
with b:
    st.markdown("**Try it.** Find weights that satisfy all four conditions.")
    s = st.columns(3)
    q_w1 = s[0].slider("w1", -3.0, 3.0, step=0.1, key=remembered("q_w1"))
    q_w2 = s[1].slider("w2", -3.0, 3.0, step=0.1, key=remembered("q_w2"))
    q_theta = s[2].slider("θ", -3.0, 3.0, step=0.1, key=remembered("q_theta"))
    remember("q_w1", "q_w2", "q_theta")
    checks = xor_checks.xor_conditions(q_w1, q_w2, q_theta)
    st.dataframe(
        pd.DataFrame({"": [f"({k + 1})" for k in range(4)], "x₁x₂": [c["input"] for c in checks],
                      "condition": [c["condition"] for c in checks], "w·x": [c["w·x"] for c in checks],
                      "θ": q_theta, "holds": ["yes" if c["holds"] else "NO" for c in checks]}),
        hide_index=True, width="stretch", key=f"{P}xor_checks",
        column_config={"w·x": st.column_config.NumberColumn(format="%.1f"),
                       "θ": st.column_config.NumberColumn(format="%.1f")},
    )
    n_hold = sum(c["holds"] for c in checks)
    st.metric("Conditions satisfied", f"{n_hold} of 4", help="Never 4: see the argument on the left.")

# --- 3. a hidden layer ------------------------------------------------------------------------
st.header("3 · A hidden layer, trained by backprop, solves XOR", divider="gray")
c = st.columns([1.5, 1.0, 1.0, 1.2, 1.0, 1.0, 0.8], vertical_alignment="bottom")
net_task = c[0].segmented_control("Task", list(mlp.TASKS), key=remembered("net_task"), required=True)
n_hidden = c[1].select_slider("Hidden units H", [2, 3, 4], key=remembered("n_hidden"))
act = c[2].selectbox("Hidden activation", list(mlp.ACTIVATIONS), key=remembered("act"))
net_loss = c[3].selectbox("Loss", list(LOSS_NAMES), format_func=LOSS_NAMES.get, key=remembered("net_loss"))
net_lr = c[4].select_slider("Learning rate η", LEARNING_RATES, key=remembered("net_lr"))
net_epochs = c[5].select_slider("Epochs", [200, 600, 1500, 3000], key=remembered("net_epochs"))
net_seed = c[6].number_input("Seed", 0, 10_000, step=1, key=remembered("net_seed"),
                             help="Seeds the initial weights. Some seeds get stuck: try a few.")
remember("net_task", "n_hidden", "act", "net_loss", "net_lr", "net_epochs", "net_seed")
settings = mlp.MLPSettings(task=net_task, n_hidden=int(n_hidden), act=act, loss=net_loss, lr=float(net_lr),
                           epochs=int(net_epochs), seed=int(net_seed), n_snapshots=MAX_FRAMES)
nrun = net_run(settings)
st.latex(r"a=xW_1+b_1,\quad h=" + (r"\tanh(a)" if act == "tanh" else r"\sigma(a)")
         + r",\quad z=h\cdot w_2+b_2,\quad o=\sigma(z),\qquad "
         + (r"L=-\tfrac14\sum_n\big[t_n\log o_n+(1-t_n)\log(1-o_n)\big]" if net_loss == "cross_entropy"
            else r"L=\tfrac14\sum_n\tfrac12(t_n-o_n)^2"))
if nrun.solved_at is not None and nrun.errors[-1] == 0:
    st.success(f"**{net_task} learned** by the 2-{n_hidden}-1 network: all four outputs on the right side "
               f"of 0.5 from epoch {nrun.solved_at} on; final loss {nrun.loss[-1]:.4f}.",
               icon=":material/check_circle:")
else:
    st.warning(f"**Stuck** after {net_epochs} epochs with {nrun.errors[-1]} of 4 wrong (loss {nrun.loss[-1]:.4f}): "
               "gradient descent found a local minimum from this start. Try another seed or more hidden units.",
               icon=":material/block:")

X_task, t_task = mlp.boolean_task(net_task)


def draw_net(frame: int) -> None:
    epoch = int(nrun.snapshot_epochs[frame])
    params = nrun.snapshots[frame]
    fwd = mlp.forward(params, X_task, act)
    m = st.columns(4)
    m[0].metric("Epoch", f"{epoch}")
    m[1].metric(f"Loss ({LOSS_NAMES[net_loss]})", f"{nrun.loss[epoch]:.4f}")
    m[2].metric("Inputs misclassified", f"{nrun.errors[epoch]} of 4")
    m[3].metric("Hidden units H", f"{n_hidden}")
    left, right = st.columns([1.1, 1.0], gap="large")
    slides.chart(left, charts.net_figure(settings, params, epoch, *net_grid(settings, epoch)), key=f"{P}net_plane",
                 config=PLOT_CONFIG, width="stretch")
    slides.chart(right, charts.curve_figure(np.arange(len(nrun.loss)), nrun.loss, epoch,
                                            f"loss ({LOSS_NAMES[net_loss]})", log_y=True),
                 key=f"{P}net_curve", config=PLOT_CONFIG, width="stretch")
    left, right = st.columns([1.1, 1.0], gap="large")
    with left:
        st.markdown("**The four inputs through the network**")
        table = {"x₁x₂": INPUT_LABELS, "target t": t_task.astype(int)}
        table.update({f"h{j + 1}": fwd.h[:, j] for j in range(n_hidden)})
        table["o(x)"] = fwd.o
        table["right side of 0.5?"] = ["yes" if (o >= 0.5) == (tt == 1) else "NO" for o, tt in zip(fwd.o, t_task)]
        config = {k: st.column_config.NumberColumn(format="%.3f") for k in table if k.startswith("h") or k == "o(x)"}
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key=f"{P}net_outputs",
                     column_config=config)
    right.markdown("Black line: the network's boundary o(x) = 0.5. Dashed purple: each hidden unit's own "
                   "line aⱼ = 0. Each hidden unit answers a linearly separable question (\"is x above my "
                   "line?\"), and in the hidden units' coordinates XOR becomes linearly separable, so one "
                   "more unit on top can finish the job.")


player("net", [f"epoch {e}" for e in nrun.snapshot_epochs], (settings,), draw_net)

# --- 4. the computation graph -----------------------------------------------------------------
st.header("4 · Backprop on the computation graph", divider="gray")
st.markdown(
    "The network for one input as a graph of simple operations. Forward, each node's value "
    f"(<span style='color:{FWD}'>blue</span>) is computed from its parents; backward, each node's "
    f"gradient ∂L/∂node (<span style='color:{BACK}'>red</span>) is the sum, over its children, of the "
    "child's gradient times the local derivative. A weight's gradient is the value at the tail of its edge "
    "times the gradient at its head. Biases are edges from a constant node 1.",
    unsafe_allow_html=True,
)
c = st.columns([1.2, 2.5, 2.0], vertical_alignment="bottom")
g_input = c[0].segmented_control("Input x", INPUT_LABELS, key=remembered("g_input"), required=True)
snap_epochs = [int(e) for e in nrun.snapshot_epochs]
if ss.get(P + "g_epoch") not in snap_epochs:
    ss[P + "g_epoch"] = 0
g_epoch = c[1].select_slider("Weights after epoch", snap_epochs, key=P + "g_epoch",
                             help="Early on the gradients are large; once XOR is learned they are tiny.")
remember("g_input")
k_in = INPUT_LABELS.index(g_input)
g_params = nrun.snapshot(g_epoch)
G = comp_graph.computation_graph(g_params, X_task[k_in], t_task[k_in], net_loss, act)
c[2].markdown(f"x = ({g_input[0]}, {g_input[1]}), target t = {int(t_task[k_in])}: "
              f"o = {G.node('o').value:.4f}, L = {G.loss:.4f}")
graphviz_chart(charts.graph_dot(G), key=f"{P}graph", width="stretch")

st.markdown("**Every parameter's gradient, two ways**: by backprop (the red numbers on the edges) and by "
            "central finite differences, (L(w+ε) − L(w−ε)) / 2ε with ε = 10⁻⁵, for this one example.")
x_one, t_one = X_task[k_in : k_in + 1], t_task[k_in : k_in + 1]
check = xor_checks.gradient_check(g_params, G, x_one, t_one, net_loss, act)
grad_df = pd.DataFrame({"parameter": check["parameter"], "edge": check["edge"], "value": check["value"],
                        "∂L/∂w by backprop": check["backprop"], "∂L/∂w by finite differences": check["numeric"],
                        "|difference|": check["difference"]})
g1, g2 = st.columns([2.2, 1.0], gap="large")
g1.dataframe(grad_df, hide_index=True, width="stretch", key=f"{P}grads",
             column_config={"value": st.column_config.NumberColumn(format="%.4f"),
                            "∂L/∂w by backprop": st.column_config.NumberColumn(format="%.6e"),
                            "∂L/∂w by finite differences": st.column_config.NumberColumn(format="%.6e"),
                            "|difference|": st.column_config.NumberColumn(format="%.1e")})
g2.metric("Largest |backprop − finite difference|", f"{grad_df['|difference|'].max():.1e}",
          help="Rounding error: backprop computes the exact derivative.")
g2.metric("Loss on this example", f"{G.loss:.6f}")

# --- 5. losses are likelihoods ----------------------------------------------------------------
st.header("5 · Both losses are negative log-likelihoods", divider="gray")
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Squared error: a Gaussian likelihood", anchor=False)
    st.markdown("Read the output as the mean of a Gaussian: $y\\sim\\mathcal N(f(x),\\sigma^2)$. Then")
    st.latex(r"-\log\mathcal N(y;f,\sigma^2)=\frac{(y-f)^2}{2\sigma^2}+\tfrac12\log(2\pi\sigma^2)")
    st.markdown("The second term does not depend on $f$, so maximising the likelihood over the weights is "
                "minimising the squared error (σ only rescales it).")
    s = st.columns(3)
    lk_y = s[0].slider("y (observed)", -2.0, 2.0, step=0.05, key=remembered("lk_y"))
    lk_f = s[1].slider("f(x) (predicted)", -2.0, 2.0, step=0.05, key=remembered("lk_f"))
    lk_sigma = s[2].slider("σ", 0.1, 2.0, step=0.05, key=remembered("lk_sigma"))
    g_direct = float(losses.gaussian_nll(lk_y, lk_f, lk_sigma))
    g_formula = float(losses.gaussian_nll_as_squared_error(lk_y, lk_f, lk_sigma))
    m = st.columns(2)
    m[0].metric("−log N(y; f, σ²) from the density", f"{g_direct:.6f}")
    m[1].metric("(y−f)²/(2σ²) + ½log(2πσ²)", f"{g_formula:.6f}")
with right:
    st.subheader("Cross-entropy: a Bernoulli likelihood", anchor=False)
    st.markdown("Read the sigmoid output as a probability: $t\\sim\\text{Bernoulli}(o)$, "
                "$p(t)=o^t(1-o)^{1-t}$. Then")
    st.latex(r"-\log\big(o^t(1-o)^{1-t}\big)=-\big[t\log o+(1-t)\log(1-o)\big]")
    st.markdown("which is the cross-entropy loss, exactly, with no constant left over.")
    s = st.columns(2)
    lk_t = s[0].radio("t (observed)", [0, 1], horizontal=True, key=remembered("lk_t"))
    lk_o = s[1].slider("o = p(t = 1)", 0.01, 0.99, step=0.01, key=remembered("lk_o"))
    b_direct = float(losses.bernoulli_nll(lk_t, lk_o))
    b_formula = float(losses.cross_entropy_terms(lk_t, lk_o))
    m = st.columns(2)
    m[0].metric("−log Bern(t; o) from the pmf", f"{b_direct:.6f}")
    m[1].metric("−[t log o + (1−t) log(1−o)]", f"{b_formula:.6f}")
remember("lk_y", "lk_f", "lk_sigma", "lk_t", "lk_o")
URL_SETTINGS.write()

final = mlp.forward(nrun.final, X_task, act)
st.markdown("**On the trained network of section 3** (four examples, last epoch):")
lik_df = pd.DataFrame(xor_checks.likelihood_identities(final.o, t_task), columns=["quantity", "value"])
st.dataframe(lik_df, hide_index=True, key=f"{P}lik", width=560,
             column_config={"value": st.column_config.NumberColumn(format="%.8f")})

# --- 6. deep nets and graphical models --------------------------------------------------------
st.header("6 · Deep nets and graphical models, side by side", divider="gray")
st.markdown("Both draw a graph and both optimise an objective assembled from local pieces; they use "
            "the graph for different things.")
COMPARISON = [
    ("What the graph is", "A recipe for computing: nodes are operations, edges carry numbers",
     "A statement about the world: nodes are random variables, missing edges are independences"),
    ("What it is for", "Predicting (classify, regress) and learning useful features",
     "Reasoning about hidden variables: inference, explanation, transfer"),
    ("The objective", "A loss summed over examples, built from local functions",
     "A log-likelihood summed over factors, built from local potentials"),
    ("Words", "neuron, activation, layer, weight", "variable, potential, factor, clique"),
    ("How it is solved", "Almost always one method: gradient descent with backprop",
     "Many methods, still researched: message passing, sampling, variational bounds, EM"),
    ("Inference", "One forward pass", "Often the hard part (sums over exponentially many states)"),
    ("How it is judged", "One end score on held-out data",
     "Intermediate quantities too: posteriors, likelihoods, parameters against the truth"),
    ("In practice", "Many tricks; huge real data sets with no known truth",
     "Standard recipes; smaller, often simulated data where the truth is known"),
]
st.markdown("| | Deep network | Graphical model |\n|---|---|---|\n"
            + "\n".join(f"| **{row}** | {net} | {gm} |" for row, net, gm in COMPARISON))
st.markdown("The two meet in the rest of this app: a Boltzmann machine is a network whose graph *is* a "
            "graphical model, and its learning rule is maximum likelihood.")

with st.expander("Show the code that computed this page's numbers"):
    st.code(
        """from pgmviz.nets import comp_graph, losses, mlp, single_unit

run  = single_unit.perceptron_train("XOR", epochs=30, lr=1.0, rng=0)   # w, theta, errors per epoch
run  = single_unit.logistic_train("AND", epochs=300, lr=1.0, loss="cross_entropy", rng=0)
single_unit.xor_inequalities(w1, w2, theta)                            # the four conditions, checked

net  = mlp.train_mlp(mlp.MLPSettings(task="XOR", n_hidden=2, act="tanh", loss="cross_entropy"))
G    = comp_graph.computation_graph(net.final, x=[0, 1], t=1.0)       # values and gradients on every node and edge
fd   = mlp.numerical_gradient(net.final, X, t)                 # central differences, every parameter
losses.gaussian_nll(y, f, sigma); losses.bernoulli_nll(t, o)         # the likelihood readings""",
        language="python",
    )

notice(
    "The perceptron's line stops moving on AND and OR but keeps jumping on XOR, and the logistic unit's "
    "loss flattens at log 2 (cross-entropy) or 0.125 (squared error): no line separates XOR, as the four "
    "inequalities prove. With two hidden units each draws its own line and the output combines them. "
    "Backprop's gradients match finite differences to rounding error, and both losses are negative "
    "log-likelihoods: squared error of a Gaussian, cross-entropy of a Bernoulli."
)
