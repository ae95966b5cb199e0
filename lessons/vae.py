"""Lesson: the variational autoencoder as a directed graphical model with a neural conditional.

Widgets and drawing only; the numbers come from pgmviz.models.vae (ELBO, its two terms, the importance-
weighted log p(x)) and pgmviz.models.m2, for the comparison pgmviz.sampling.partition on the bundled RBMs and
what the evaluate page published (pgmviz.ui.scores); the charts are pgmviz.ui.charts.vae. Pretrained VAEs
come from assets/vae (scripts/train_vae.py); "Yours" trains live through
``pgmviz.ui.live.LiveRun`` (Train / Pause / Step / Reset, slices through the server's scheduler),
with the trainer in ``st.session_state`` so a rerun continues; a plain rerun after Train or Step
(AppTest does not tick fragments) already shows a trained model.
"""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import numpy as np
import streamlit as st

from pgmviz.io import load_model
from pgmviz.models import m2 as m2lib
from pgmviz.models.vae import VAE, VAEConfig, VAETrainer, load_pretrained
from pgmviz.sampling import partition
from pgmviz.training.protocol import Budget
from pgmviz.ui import predict, scores, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import vae as charts
from pgmviz.ui.graphs import graphviz_chart
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.live import LiveRun
from pgmviz.ui.models import dataset
from pgmviz.ui.present import main_picture
from pgmviz.viz import sample_grid

st.set_page_config(page_title="VAE · pgmviz", layout="wide")

P = "vae_"  # prefix of this page's session-state keys (the session is shared by all pages)
ss = st.session_state
ROOT = Path(__file__).resolve().parents[1]
VAE_DIR = ROOT / "assets" / "vae"
RBM_SMALL = ROOT / "assets" / "models" / "mnist_784x20_cd1.npz"
RBM_BIG = ROOT / "assets" / "models" / "mnist_784x500_pcd1.npz"
SHAPE = (28, 28)
YOURS = "Yours (train live)"
TICK_S, SLICE_S = 0.5, 0.3  # the fragment reruns this often; at most this many seconds of training per tick
SLICE_STEPS = 20  # and at most this many updates: half an epoch a tick, so the first epochs can be watched
IWAE_KS = (10, 100, 500)

lesson_header(
    "VAE: a graphical model with a neural conditional",
    "A variational autoencoder is a directed graphical model, z → x, whose conditional p(x | z) is a "
    "neural network; a second network q(z | x) inverts it approximately, and both learn together by "
    "raising a lower bound on log p(x) that needs no partition function.",
)


# --- shared, read-only things ---------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the pretrained VAEs ...")
def pretrained() -> dict[str, tuple[VAE, dict]]:
    return load_pretrained(VAE_DIR)  # shared across sessions: never mutate


@st.cache_resource(show_spinner="Exact log-likelihood of the 20-hidden-unit RBM (2^20 hidden states) ...")
def rbm_small_exact() -> dict | None:
    """The 784x20 RBM's exact mean log p(v) on the held-out digits (exact log Z by enumeration)."""
    if not RBM_SMALL.exists():
        return None
    rbm, meta = load_model(RBM_SMALL)
    log_Z = partition.log_Z_exact(rbm)
    X = dataset("mnist").X_test
    return dict(title=meta.get("title", RBM_SMALL.stem), log_Z=log_Z,
                ll=partition.log_likelihood_exact(rbm, X, log_Z=log_Z))


@st.cache_resource(show_spinner="Running Gibbs chains on the 500-unit RBM ...")
def rbm_samples(n: int = 16, steps: int = 300) -> tuple[str, np.ndarray] | None:
    """p(v | h) after ``steps`` block-Gibbs steps of the 784x500 PCD-1 RBM, chains started at
    held-out digits (fixed seed): its fantasies need a Markov chain, the VAE's one decoder pass."""
    if not RBM_BIG.exists():
        return None
    rbm, meta = load_model(RBM_BIG)
    X = dataset("mnist").X_test[:n]
    V, H = rbm.gibbs(X, k=steps, rng=0)
    return meta.get("title", RBM_BIG.stem), rbm.p_v_given_h(H)


def picture(V: np.ndarray, n_cols: int | None = None, scale: int = 3) -> np.ndarray:
    return sample_grid(np.asarray(V, dtype=np.float64), SHAPE, n_cols=n_cols, scale=scale)


# The model shown and the live model's settings, shareable as a link (?vae_source=...&vae_n_z=10).
URL_SETTINGS = url.bind(P, {
    "with_y": url.flag(False),
    "source": url.choice(next(iter(pretrained()), YOURS), [*pretrained(), YOURS]),
    "n_z": url.choice(2, range(2, 21)),
    "n_hidden": url.choice(100, [50, 100, 200]),
    "lr": url.choice(0.002, [0.0005, 0.001, 0.002, 0.005]),
    "seed": url.integer(0, 0, 10_000),
    "sample_seed": url.integer(0, 0, 10_000),
})


# --- 1. the graphical model -------------------------------------------------------------------------
st.header("1 · The graphical model", divider="gray")
g_left, g_right = st.columns([1.8, 3], gap="large")
with g_left:
    with_label = st.toggle("Add a label y (semi-supervised, M2)", key=P + "with_y")
    graphviz_chart(charts.model_dot(with_label), key=P + "graph")
    st.caption("Solid: the generative model, a Bayesian network. Dashed: the recognition network that "
               "infers the causes from the picture. Blue: observed.")
with g_right:
    st.markdown(r"""
| | the piece | here |
|---|---|---|
| prior | $p(z) = \mathcal N(0, I)$ | $z \in \mathbb R^{n_z}$ |
| generative conditional | $p(x\mid z) = \prod_i \mathrm{Bern}\big(x_i;\ \sigma(\ell_i(z))\big)$ | decoder net $n_z$→200→784 |
| recognition model | $q(z\mid x) = \mathcal N\big(\mu(x), \mathrm{diag}\,\sigma^2(x)\big)$ | encoder net 784→200→$2n_z$ |
| bound | $\log p(x) \ge \underbrace{\mathbb E_q[\log p(x\mid z)]}_{\text{reconstruction}} - \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{closed form}}$ | the ELBO, per digit |
""")  # noqa: E501 - a markdown table: one row per line
    st.markdown(
        r"The expectation is taken with one sample $z = \mu(x) + \sigma(x)\odot\varepsilon$, "
        r"$\varepsilon \sim \mathcal N(0, I)$: the noise is moved outside the network, so backpropagation "
        r"reaches $\mu$ and $\sigma$ (the *reparameterisation*). The KL between two Gaussians needs no "
        r"sampling: $\tfrac12\sum_j(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2)$."
    )
    with st.expander("The backward pass, by hand (the code that trains every model on this page)"):
        st.code(inspect.getsource(VAE.elbo_and_grad), language="python")
    if with_label:
        st.markdown(
            "With a label **y** as a second cause of x (Kingma et al. 2014, model M2), y is observed for "
            "the digits that carry a label and a latent variable for the rest, summed over its 10 values, "
            "and the recognition side gains a classifier q(y | x). Section 7 trains it."
        )

# --- 2. the model and training -------------------------------------------------------------------------
st.header("2 · Training: the ELBO and its two terms", divider="gray")
models = pretrained()
choices = list(models) + [YOURS]
source = st.segmented_control("Model", choices, required=True, key=P + "source")
ds = dataset("mnist")


def new_trainer() -> VAETrainer:
    cfg = VAEConfig(n_z=int(ss[P + "n_z"]), n_hidden=int(ss[P + "n_hidden"]), lr=float(ss[P + "lr"]),
                    seed=int(ss[P + "seed"]))
    # one history point per slice, with the held-out ELBO on 500 digits
    return VAETrainer(VAE(cfg), ds.X_train, ds.X_test, n_test=500)


def on_reset() -> None:
    """No model until Train: the architecture controls unlock again."""
    RUN.stop(keep=False)
    ss.pop(P + "trainer", None)
    ss.pop(P + "iwae", None)


# Drawing samples from the live model: slices and drawing take turns.
RUN = LiveRun(P, new_trainer, slice_s=SLICE_S, tick_s=TICK_S, locked=True,
              budget=lambda kind, seconds: Budget(updates=SLICE_STEPS, seconds=seconds))
URL_SETTINGS.write()  # here, before the page may stop to wait for Train

running = RUN.running and source == YOURS
if source == YOURS:
    tr = ss.get(P + "trainer")
    locked = tr is not None  # the architecture is fixed once training has started: Reset to change it
    c = st.columns([1.3, 1.3, 1.3, 0.8], gap="medium")
    c[0].select_slider("Latent size n_z", options=list(range(2, 21)), key=P + "n_z", disabled=locked,
                       help="2 to draw the latent space; 10-20 for better digits.")
    c[1].select_slider("Hidden units per net", options=[50, 100, 200], key=P + "n_hidden", disabled=locked)
    c[2].select_slider("Adam step size", options=[0.0005, 0.001, 0.002, 0.005], key=P + "lr", disabled=locked)
    c[3].number_input("Seed", min_value=0, max_value=10_000, step=1, key=P + "seed", disabled=locked)
    RUN.buttons(widths=(1, 1, 1, 1), show_reset=False)
    st.button("Reset", key=P + "reset", icon=":material/restart_alt:", on_click=on_reset,
              help="Forget this model: the settings above unlock.")
    RUN.messages()
    tr = ss.get(P + "trainer")
    if tr is None:
        st.info("Press **Train**: a fresh VAE with these settings learns the 4,000 training digits in short "
                "slices of Adam updates (batches of 100), while this page keeps redrawing.")
        st.stop()
    vae, meta = tr.vae, None
else:
    vae, meta = models[source]


def curve_rows() -> tuple[list, list, list, list, list]:
    """(epoch, train ELBO, reconstruction, KL, held-out ELBO): the live history, or the bundled model's curve."""
    if source == YOURS:
        h = ss[P + "trainer"].history
        return ([p.epoch for p in h], [p.elbo for p in h], [p.recon for p in h], [p.kl for p in h],
                [p.elbo_test for p in h])
    cols = list(zip(*meta["curve"]))
    return tuple(list(c) for c in cols)


def draw_training() -> None:
    if source == YOURS:
        tr = ss[P + "trainer"]
        p = tr.history[-1]
        m = st.columns(5)
        m[0].metric("updates", f"{tr.step:,}")
        m[1].metric("epochs", f"{tr.epoch:.1f}")
        m[2].metric("ELBO, training batches", f"{p.elbo:.1f}")
        m[3].metric("reconstruction, batches", f"{p.recon:.1f}")
        m[4].metric("KL, batches", f"{p.kl:.2f}")
        st.caption(f"{tr.seconds:.1f} s of computing so far; the held-out ELBO (red) is measured on 500 "
                   "test digits after every slice.")
    slides.chart(main_picture(), charts.elbo_chart(*curve_rows()), key=P + "curve", width="stretch")


if source == YOURS:
    def live_view() -> None:
        with RUN.quiet():
            draw_training()
            slides.picture(st, picture(ss[P + "trainer"].vae.sample_prior(30, rng=0), n_cols=15, scale=2),
                           caption="p(x | z) for 30 fixed draws z ~ N(0, I), redrawn as it learns",
                           name=P + "training_samples")

    RUN.fragment(live_view)
else:
    draw_training()
    st.caption(
        f"**{source}**: {meta['n_z']}-dimensional z, {meta['n_hidden']} tanh units per net, Adam "
        f"(step {meta['lr']}, batches of {meta['batch_size']}) for {meta['epochs']} epochs "
        f"({meta['step']:,} updates, seed {meta['seed']}) in {meta['train_seconds']:.0f} s on this machine "
        "(scripts/train_vae.py). The held-out ELBO is measured every 5 epochs."
    )

# The rest of the page describes the model as it is now (for yours: as of this rerun; Pause to refresh).
terms = vae.elbo_terms(ds.X_test, rng=0)
k = st.columns(4)
k[0].metric("held-out ELBO (nats per digit)", f"{terms.elbo.mean():.2f}",
            help="Mean over the 1,000 held-out digits, one fixed noise draw per digit (seed 0).")
k[1].metric("reconstruction term", f"{terms.recon.mean():.2f}")
k[2].metric("KL term", f"{terms.kl.mean():.2f}")
k[3].metric("latent size n_z", f"{vae.config.n_z}")
if running:
    st.caption("Below: the model as it was when the page last ran. Pause to redraw it.")

# --- 3. reconstructions and samples -------------------------------------------------------------------
st.header("3 · Reconstructions and samples from the prior", divider="gray")
r_left, r_right = st.columns(2, gap="large")
with r_left:
    st.markdown("**Held-out digits (top) and p(x | z = μ(x)) (bottom)**")
    X = ds.X_test[:12]
    slides.picture(st, picture(np.vstack([X, vae.reconstruct(X)]), n_cols=12, scale=2), name=P + "reconstructions")
    st.caption("Up through q(z | x) to the mean code μ(x), down through p(x | z). Pixel means are shown, "
               "not sampled pixels.")
with r_right:
    st.markdown("**z ~ N(0, I), then p(x | z): one pass, no Markov chain**")
    seed = st.number_input("Sample seed", 0, 10_000, key=P + "sample_seed")
    slides.picture(st, picture(vae.sample_prior(36, rng=int(seed)), n_cols=12, scale=2), name=P + "prior_samples")
    st.caption("Ancestral sampling down the graph: draw the cause, then the picture. The blur is p(x | z) "
               "itself: each pixel is an independent Bernoulli given z. A draw that lands where no training "
               "digit's code lies (compare the map below) decodes to a smudge.")

# --- 4. the latent space -------------------------------------------------------------------------------
st.header("4 · The latent space", divider="gray")
if vae.config.n_z != 2:
    st.info(f"This model has a {vae.config.n_z}-dimensional z. Choose the 2-D model (or train yours with "
            "latent size 2) to see the whole latent space as a map.")
else:
    mu_test = vae.encode(ds.X_test)[0]
    l_left, l_right = st.columns(2, gap="large")
    with l_left:
        edge = float(vae.latent_grid(2)[0][:, 0].max())  # the grid's extent, the 95% quantile of N(0, 1)
        fig = charts.latent_map(mu_test, ds.y_test, edge)
        slides.chart(st, fig, key=P + "latent_map", width="stretch")
        st.caption("No label was used in training: the classes separate because different digits need "
                   "different causes to be drawn. Dashed: the square the grid on the right decodes; where "
                   "no digit's code lies, the decoder draws smudges.")
    with l_right:
        n_grid = 15
        _, P_grid = vae.latent_grid(n_grid)
        st.markdown("**p(x | z) on a 15 x 15 grid of z**")
        slides.picture(st, picture(P_grid, n_cols=n_grid, scale=1), width=440, name=P + "latent_grid")
        st.caption("The grid is spaced by the quantiles of N(0, 1) (5% to 95% on each axis), so each cell "
                   "holds equal prior mass; top row = largest z₂.")

# --- 5. interpolation -------------------------------------------------------------------------------------
st.header("5 · Walking from one digit to another", divider="gray")
i_cols = st.columns([1, 1, 2], gap="medium")
first_of = {c: int(np.flatnonzero(ds.y_test == c)[0]) for c in (0, 1)}  # default: from a 1 to a 0
a = i_cols[0].number_input("First held-out digit (index)", 0, len(ds.X_test) - 1, first_of[1], key=P + "ia")
bb = i_cols[1].number_input("Second held-out digit (index)", 0, len(ds.X_test) - 1, first_of[0], key=P + "ib")
i_cols[2].caption(f"Digit {int(a)} is a **{int(ds.y_test[int(a)])}**, digit {int(bb)} a "
                  f"**{int(ds.y_test[int(bb)])}**. The path runs straight from μ(first) to μ(second) "
                  "and decodes every point on it.")
path = vae.interpolate(ds.X_test[int(a)], ds.X_test[int(bb)], n=10)
slides.picture(st, picture(np.vstack([ds.X_test[int(a)], path, ds.X_test[int(bb)]]), n_cols=12, scale=3),
               name=P + "interpolation")
st.caption("Ends: the two digits themselves. Between: p(x | z) along the line, which crosses the regions of "
           "the digits in between (compare the map above); where it passes between regions the picture blurs.")

# --- 6. against the RBM ------------------------------------------------------------------------------------
st.header("6 · The VAE and the RBM on the same held-out digits", divider="gray")
iwae_store = ss.setdefault(P + "iwae", {})  # (model id, step, K) -> mean IWAE estimate
model_id = (source, ss[P + "trainer"].step if source == YOURS else 0)
small = rbm_small_exact()  # cached per server: the RBM with an exact log-likelihood, the question's other side
VAE_WINS, RBM_WINS = "the VAE, even by its lower bound", "the RBM"
q_nats = (predict.ask(P + "q_nats", f"On the same held-out digits, which gives them more probability: the VAE by its "
                      f"ELBO, or the RBM {small['title']} by its exact log-likelihood?",
                      predict.Choice([VAE_WINS, RBM_WINS]),
                      answer=VAE_WINS if float(terms.elbo.mean()) > small["ll"] else RBM_WINS, about=model_id)
          if small is not None else None)
nats_shown = q_nats is None or q_nats.reveals("the held-out nats of every model")
e_left, e_right = st.columns([3, 2], gap="large")
with e_right:
    K = st.segmented_control("Importance samples K", IWAE_KS, default=IWAE_KS[0], required=True,
                             key=P + "K")
    if st.button(f"Estimate log p(x) with K = {K}", key=P + "iwae_run", icon=":material/calculate:"):
        t0 = time.perf_counter()
        with st.spinner(f"{K} samples of z for each of 1,000 held-out digits ..."):
            iwae_store[model_id + (int(K),)] = (float(vae.iwae_log_px(ds.X_test, K=int(K), rng=int(K)).mean()),
                                                time.perf_counter() - t0)
    st.caption(
        r"$\log p(x) \approx \log \frac1K \sum_k \frac{p(x\mid z_k)\,p(z_k)}{q(z_k\mid x)}$, $z_k \sim q(z\mid x)$: "
        "importance sampling with the recognition model as proposal. In expectation it lies below log p(x) "
        "and above the ELBO (K = 1), and rises towards log p(x) as K grows."
    )

rows = [(f"VAE ({vae.config.n_z}-D z): ELBO", float(terms.elbo.mean()), "lower bound, K = 1")]
if meta is not None:
    for k_, v_ in meta["metrics"]["iwae_test"].items():
        if int(k_) > 1:
            rows.append((f"VAE ({vae.config.n_z}-D z): IWAE, K = {k_}", float(v_), "importance sampling (bundled)"))
for (mid_src, mid_step, k_), (v_, sec) in sorted(iwae_store.items(), key=lambda t: t[0][2]):
    if (mid_src, mid_step) == model_id:
        rows.append((f"VAE ({vae.config.n_z}-D z): IWAE, K = {k_}", v_,
                     f"importance sampling (this page, {sec:.1f} s)"))
small = rbm_small_exact()
if small is not None:
    rows.append((f"RBM {small['title']}", small["ll"], f"exact: log Z = {small['log_Z']:.2f} by enumeration"))
rows += scores.published("mnist")  # RBMs scored on the 'How good is the model?' page this session

with e_left:
    if nats_shown:
        fig = charts.nats_bars(rows)
        slides.chart(st, fig, key=P + "vs_rbm", width="stretch")
        st.dataframe([{"model": r[0], "nats per digit": round(r[1], 2), "how": r[2]} for r in rows],
                     hide_index=True, width="stretch", key=P + "vs_table")
        st.caption("All on the same 1,000 held-out digits of the 4,000 / 1,000 split the RBM pages use. The 500-unit "
                   "RBMs need AIS for log Z: score one on the *How good is the model?* page and it appears here.")

s_left, s_right = st.columns(2, gap="large")
with s_left:
    st.markdown("**VAE: 16 draws z ~ p(z), decoded once**")
    slides.picture(st, picture(vae.sample_prior(16, rng=1), n_cols=8, scale=3), name=P + "vae_samples")
with s_right:
    samples = rbm_samples()
    if samples is not None:
        st.markdown(f"**RBM {samples[0]}: p(v | h) after 300 Gibbs steps**")
        slides.picture(st, picture(samples[1], n_cols=8, scale=3), name=P + "rbm_samples")
        st.caption("Chains started at the first 16 held-out digits (section 3 shows 12 of them): after 300 "
                   "steps most still look like where they started. The RBM has no way to draw a sample "
                   "without a Markov chain, and its chains mix slowly (see *Fantasy chains*).")
st.markdown(
    "**What each buys.** The RBM is undirected: p(v) is known up to one number, log Z, so a small RBM's "
    "likelihood is exact, but a sample needs a Markov chain and a big model's log Z needs annealing. The VAE "
    "is directed: a sample is one pass down the graph and the recognition net gives each digit's code in one "
    "pass up, but training and scoring see log p(x) only through bounds, and its pixels are independent "
    "given z, which blurs the means."
)

# --- 7. labels as latent variables (M2) ---------------------------------------------------------------------
st.header("7 · Labels as latent variables: semi-supervised learning (M2)", divider="gray")
m2_file = VAE_DIR / "m2_mnist16.json"
m_left, m_right = st.columns([3, 2], gap="large")
with m_right:
    st.markdown(
        r"Add the label $y$ as a second cause of $x$. A labelled digit contributes its bound with $y$ observed, "
        r"$\mathcal L(x, y)$, plus $\alpha \log q(y\mid x)$; an unlabelled digit contributes "
        r"$\sum_y q(y\mid x)\,\mathcal L(x, y) + \mathcal H(q(y\mid x))$: the classifier is rewarded for "
        r"putting its mass on the labels under which the generative model explains the digit best. So "
        "digits without labels teach the classifier too."
    )
    st.caption("16x16 digits (the same split, averaged down) to keep it quick; classifier, encoder and decoder "
               "of 64 tanh units, n_z = 8, α = 50; 'alone' is the same classifier trained on the labelled digits only.")
    if st.button("Train both here with 100 labels (400 steps)", key=P + "m2_run", icon=":material/school:"):
        d16 = dataset("mnist16")
        cfg = m2lib.M2Config(n_x=d16.n_v, n_hidden=64, n_z=8, alpha=50.0, lr=3e-3, seed=0)
        t0 = time.perf_counter()
        with st.spinner("The classifier alone, then M2 with the 3,900 other digits unlabelled ..."):
            gain = m2lib.semi_supervised_gain(d16.X_train, d16.y_train, d16.X_test, d16.y_test, cfg, 10, 400, rng=0)
        ss[P + "m2_live"] = (*gain, time.perf_counter() - t0)
    if P + "m2_live" in ss:
        acc_alone, acc_m2, sec = ss[P + "m2_live"]
        c1, c2 = st.columns(2)
        c1.metric("100 labels, classifier alone", f"{acc_alone:.1%}")
        c2.metric("100 labels + 3,900 unlabelled, M2", f"{acc_m2:.1%}", f"{acc_m2 - acc_alone:+.1%}")
        st.caption(f"Trained here in {sec:.0f} s (400 steps each; the bundled table used 1,500).")
with m_left:
    if m2_file.exists():
        m2_res = json.loads(m2_file.read_text())
        fig = charts.m2_bars(m2_res["rows"])
        slides.chart(st, fig, key=P + "m2_chart", width="stretch")
        st.caption(f"Bundled run (scripts/train_vae.py, {m2_res['steps']:,} steps, seed 0), on the 1,000 held-out "
                   "16x16 digits. With all 4,000 labels nothing is left unlabelled and the two coincide.")

notice(
    "The KL term is what separates a VAE from an autoencoder: it is the price, in nats, of the code "
    "q(z | x) saying more than the prior. With a 2-D z the classes fall into regions of the map without a "
    "single label; the importance-weighted estimate sits above the ELBO and climbs with K, the gap being "
    "how far q(z | x) is from the true posterior."
)
