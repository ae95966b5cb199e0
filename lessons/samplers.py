"""Samplers compared (live): CD-k, PCD, population annealing and parallel tempering race on one model.

Widgets and drawing only; the race is ``pgmviz.training.compare.Race`` (same initial RBM, data and batch
order for every method), read out by ``pgmviz.training.race_readout`` and drawn by
``pgmviz.ui.charts.samplers``. Train / Pause / Step / Reset and the frame loop are
``pgmviz.ui.live.LiveRun``: the race lives in ``st.session_state``, slices run through the server's
scheduler, and a plain rerun after Step or Train (AppTest does not tick fragments) already shows
the advanced race.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz import viz
from pgmviz.training.compare import Race
from pgmviz.training.protocol import Budget
from pgmviz.training.race_readout import best_log_likelihood, collapsed, gradient_reading, lane_rows, standings
from pgmviz.training.race_settings import PRESETS, Method, RaceSettings
from pgmviz.ui import predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts.samplers import gradient_figure, likelihood_figure, swap_pairs_figure, trace_figure
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.live import LiveRun
from pgmviz.ui.models import dataset
from pgmviz.ui.present import main_picture

st.set_page_config(page_title="Samplers compared · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "sc_"  # prefix of this page's session-state keys (the session is shared by all pages)
TICK_S = 0.8  # the fragment reruns this often while training
SLICE_S = 0.5  # wall time of training per tick; the rest is drawing
STEP_UPDATES = 100  # updates per click on Step
MAX_UPDATES = 200_000  # a race stops here (keeps the session's curves small)
SHOWN_PARTICLES = 36
DATASETS = {"bars4": "Bars and stripes, 4x4 (30 patterns)", "bars3": "Bars and stripes, 3x3 (14 patterns)",
            "mnist16": "MNIST digits, 16x16 (exact only up to 20 hidden units)"}
SAMPLERS = {"cd": "CD-k (contrastive divergence)", "pcd": "PCD-k (persistent chains)",
            "pa": "Population annealing (reweighted PCD)", "pt": "Parallel tempering"}
EXACT_MAX_HIDDEN = 20
RECORD_EVERY = {"bars4": 50, "bars3": 50}  # updates between records; others 100 (exact log Z costs more)

ss = st.session_state


def _defaults() -> dict:
    """Widget values: the first preset's settings."""
    return settings_to_widgets(PRESETS["cd_fails"].settings)


def settings_to_widgets(s: RaceSettings) -> dict:
    w = {"dataset": s.dataset, "n_hidden": s.n_hidden, "lr": s.lr, "momentum": s.momentum,
         "weight_decay": s.weight_decay, "batch_size": s.batch_size, "seed": s.seed}
    chosen = {m.sampler: m for m in s.methods}
    for name in SAMPLERS:
        m = chosen.get(name, Method(name))
        w.update({f"use_{name}": name in chosen, f"k_{name}": m.k, f"chains_{name}": m.n_chains})
    w["temps_pt"] = chosen.get("pt", Method("pt")).n_temps
    return w


def widgets_to_settings() -> RaceSettings:
    """The race the controls describe (raises ValueError for impossible settings)."""
    methods = []
    for name in SAMPLERS:
        if ss[P + f"use_{name}"]:
            methods.append(Method(name, k=int(ss[P + f"k_{name}"]), n_chains=int(ss[P + f"chains_{name}"]),
                                  n_temps=int(ss[P + "temps_pt"])))
    return RaceSettings(dataset=ss[P + "dataset"], n_hidden=int(ss[P + "n_hidden"]), lr=float(ss[P + "lr"]),
                        momentum=float(ss[P + "momentum"]), weight_decay=float(ss[P + "weight_decay"]),
                        batch_size=int(ss[P + "batch_size"]), seed=int(ss[P + "seed"]), methods=tuple(methods))


def url_settings() -> url.Binding:
    """The preset and the custom race's settings, shareable as a link (the race itself is not)."""
    d = _defaults()
    spec = {
        "preset": url.choice("cd_fails", PRESETS),
        "dataset": url.choice(d["dataset"], DATASETS),
        "n_hidden": url.integer(d["n_hidden"], 1, 64),
        "lr": url.number(d["lr"], 0.0, 10_000.0),
        "momentum": url.number(d["momentum"], 0.0, 0.99),
        "weight_decay": url.number(d["weight_decay"], 0.0, 1.0),
        "batch_size": url.integer(d["batch_size"], 1, 1000),
        "seed": url.integer(d["seed"], 0, 10_000),
        "temps_pt": url.integer(d["temps_pt"], 2, 50),
    }
    for name in SAMPLERS:
        spec.update({f"use_{name}": url.flag(d[f"use_{name}"]), f"k_{name}": url.integer(d[f"k_{name}"], 1, 100),
                     f"chains_{name}": url.integer(d[f"chains_{name}"], 1, 5000)})
    return url.bind(P, spec)


URL_SETTINGS = url_settings()  # the widgets' defaults, or a link's values on the session's first run


# --- state ------------------------------------------------------------------------------------
def build_race() -> Race:
    """A fresh race from the controls (what Reset does); ValueError with a message."""
    try:
        settings = widgets_to_settings()
        if settings.dataset == "mnist16" and settings.n_hidden > EXACT_MAX_HIDDEN:
            raise ValueError(f"with more than {EXACT_MAX_HIDDEN} hidden units the exact log-likelihood of "
                             "16x16 digits is out of reach; choose fewer")
    except ValueError as e:
        raise ValueError(f"These settings cannot start a race: {e}. Fix them and press Reset.") from e
    data = dataset(settings.dataset)
    mass_rows = data.X_train if settings.dataset.startswith("bars") else None
    # On bars and stripes (2^16 states at most) CD lanes are also compared with the exact gradient.
    # Records every few updates (not once per slice), so the curves have the same resolution
    # however fast the machine is.
    race = Race(settings, data.X_train, data.X_test if mass_rows is None else None, mass_rows=mass_rows,
                compare_gradient=mass_rows is not None, record_every=RECORD_EVERY.get(settings.dataset, 100),
                max_updates=MAX_UPDATES)
    ss[P + "meta"] = {"image_shape": data.image_shape, "n_patterns": data.X_train.shape[0], "title": data.title,
                      "best": best_log_likelihood(settings.dataset, data.X_train.shape[0])}
    ss[P + "built"] = settings
    return race


def slice_budget(kind: str, seconds: float) -> Budget:
    """Step: a fixed number of updates; a frame: as many as fit in ``seconds``."""
    return Budget(updates=STEP_UPDATES) if kind == "step" else Budget(seconds=seconds)


# Drawing reads the live race (its curves, particles and costs), so slices and drawing take turns.
RUN = LiveRun(P, build_race, slice_s=SLICE_S, tick_s=TICK_S, budget=slice_budget, key="race", locked=True)


# --- button callbacks -------------------------------------------------------------------------
def load_preset() -> None:
    for k, v in settings_to_widgets(PRESETS[ss[P + "preset"]].settings).items():
        ss[P + k] = v


def on_show_preset() -> None:
    """One click for the teacher: load the chosen preset, start a fresh race and train."""
    load_preset()
    if RUN.reset():
        RUN.on_train()


def on_load_preset() -> None:
    load_preset()
    RUN.reset()


# --- sentences and the table -------------------------------------------------------------------
def gradient_sentence(race: Race) -> str | None:
    """What the last comparison shows, in words chosen by its numbers."""
    g = gradient_reading(race)
    if g is None:
        return None
    text = (f"At update {g.step:,}: cos(E[{g.key} update], exact gradient) = **{fmt(g.cos)}**, "
            f"|E[{g.key} update]| = **{fmt(g.cd_norm, '.3g')}**, |exact gradient| = **{fmt(g.grad_norm, '.3g')}**.")
    if g.stalled:
        text += (f" {g.key} has all but stopped (its update is {g.cd_norm / g.grad_norm:.0%} of the gradient's length) "
                 "where the likelihood still has a steep slope: it is settling on a fixed point of its own rule, not "
                 "on a maximum of the likelihood.")
    elif np.isfinite(g.cos) and g.cos < 0.5:
        text += f" They are {g.angle_degrees:.0f}° apart."
    elif np.isfinite(g.cos):
        text += f" So far {g.key} points roughly along the gradient."
    return text


def standing_sentence(race: Race) -> str | None:
    """Where each method is on the exact log-likelihood: now, its best, and what it lost since."""
    st_ = standings(race)
    if not st_ or race.step_count == 0:
        return None
    parts = []
    for s in st_:
        part = f"**{s.key}** {s.now:.2f}"
        if s.fallen > 0.05:
            part += f" (down {s.fallen:.2f} from its best, {s.best:.2f} at update {s.best_step:,})"
        parts.append(part)
    best = max(st_, key=lambda s: s.now)
    return (f"After {race.step_count:,} updates, mean log p(v) in nats: " + "; ".join(parts)
            + f". Highest now: {best.key}.")


def fmt(x: float, spec: str = ".2f") -> str:
    return "-" if x is None or not np.isfinite(x) else format(x, spec)


def summary_table(race: Race) -> pd.DataFrame:
    """One row per method: the numbers the charts show, at the last record."""
    return pd.DataFrame([{
        "method": r.key, "updates": r.updates, "log-likelihood now": r.ll_now, "best so far": r.ll_best,
        **({"p(data patterns)": r.p_data} if r.p_data is not None else {}),
        "ms per update": r.ms_per_update, "x CD-1": r.x_cd1, "sampler": r.sampler,
    } for r in lane_rows(race)])


# --- the page ---------------------------------------------------------------------------------
lesson_header(
    "Samplers compared",
    "Every learning rule here has the same form, <vh>_data - <vh>_samples; they differ only in where the "
    "samples come from. Samples of the model itself make it a noisy estimate of the likelihood gradient; CD-1's "
    "samples start at the data, and its expected update is not that gradient. Judged by the exact "
    "log-likelihood, CD-1 can settle short of what the samplers of the model reach.",
)
warm_up_kernels()

with st.sidebar:
    st.markdown("**Custom race** (press Reset to apply)")
    st.selectbox("Data", list(DATASETS), format_func=DATASETS.get, key=P + "dataset")
    st.number_input("Hidden units", 1, 64, key=P + "n_hidden",
                    help="The exact log-likelihood enumerates 2^min(n_v, n_h) states: keep 16x16 digits at 16.")
    st.number_input("Learning rate", 0.0, 10_000.0, step=0.01, format="%.3f", key=P + "lr")
    st.number_input("Momentum", 0.0, 0.99, step=0.1, format="%.2f", key=P + "momentum")
    st.number_input("Weight decay", 0.0, 1.0, step=0.0001, format="%.4f", key=P + "weight_decay")
    st.number_input("Batch size", 1, 1000, key=P + "batch_size")
    st.number_input("Seed", 0, 10_000, key=P + "seed", help="Initial weights, batch order and every sampler's noise.")
    for name, label in SAMPLERS.items():
        st.checkbox(label, key=P + f"use_{name}")
        if ss[P + f"use_{name}"]:
            c1, c2 = st.columns(2)
            c1.number_input("k", 1, 100, key=P + f"k_{name}", help="Gibbs sweeps per update")
            if name != "cd":
                c2.number_input("chains" if name != "pt" else "chains per temp.", 1, 5000, key=P + f"chains_{name}")
            if name == "pt":
                st.number_input("temperatures", 2, 50, key=P + "temps_pt")
    st.button("Reset", key=P + "reset_side", on_click=RUN.on_reset, width="stretch")

c_preset, c_show, c_load = st.columns([3, 1.2, 1])
c_preset.selectbox("Preset", list(PRESETS), format_func=lambda k: PRESETS[k].title, key=P + "preset",
                   label_visibility="collapsed")
c_show.button("Show it: load and train", key=P + "show", on_click=on_show_preset, type="primary",
              width="stretch")
c_load.button("Load preset", key=P + "load", on_click=on_load_preset, width="stretch")
st.caption(PRESETS[ss[P + "preset"]].claim + f" (about {PRESETS[ss[P + 'preset']].n_updates:,} updates)")
URL_SETTINGS.write()

RUN.ensure()
RUN.buttons(step_label=f"Step ({STEP_UPDATES})", step_help=f"{STEP_UPDATES} updates of every method, then stop.",
            widths=(1, 1, 1, 1, 3))
RUN.messages()
# Asked before the race is trained: who ends on top? Read off the race (race_readout.standings) when paused.
race_now: Race | None = RUN.trainer
q_top = predict.ask(P + "q_top", "Train the race, then pause: which method will have the **highest exact "
                    "log-likelihood** at that point?", predict.Choice(list(race_now.lanes) if race_now else []),
                    about=ss.get(P + "built"))
if race_now is not None and race_now.step_count > 0 and not RUN.running:
    q_top.reveal(max(standings(race_now), key=lambda s: s.now).key)
else:
    q_top.wait("Press Train (or Step), then Pause: the answer is this race's own standing.")
race_shown = q_top.reveals("the race's curves, table and samples")


def live() -> None:
    race: Race | None = RUN.trainer
    if race is None or not race_shown:
        return
    with RUN.quiet():
        draw(race)


def draw(race: Race) -> None:
    meta = ss[P + "meta"]
    built: RaceSettings = ss[P + "built"]
    st.caption(f"{meta['title']}, {built.n_hidden} hidden units, lr {built.lr:g}, momentum {built.momentum:g}, "
               f"weight decay {built.weight_decay:g}, batches of {built.batch_size}, seed {built.seed}. "
               f"Every method starts from the same weights and sees the same batches.")
    for key, lane in race.lanes.items():
        if lane.stopped:
            st.error(f"**{key}**: {lane.stopped}.", icon=":material/warning:")
        elif collapsed(lane):
            st.warning(f"**{key}**: the log-likelihood fell far below where it started "
                       f"({lane.curves['ll_train'][0]:.1f} -> {lane.curves['ll_train'][-1]:.1f} nats): the learning "
                       "rate is too high for this method. Lower it and press Reset.", icon=":material/warning:")
    st.metric("Updates per method", f"{race.step_count:,}")
    slides.chart(main_picture(), likelihood_figure(race, meta), key=P + "ll_chart", width="stretch")
    sentence = standing_sentence(race)
    if sentence:
        st.markdown(sentence)
    st.dataframe(summary_table(race), hide_index=True, width="stretch", key=P + "table")

    fig = gradient_figure(race)
    if fig is not None:
        st.markdown("**CD against the exact likelihood gradient.** Every 500 updates: the exact gradient of the "
                    "mean log-likelihood (the model term by enumerating all 2^16 states), and CD's expected update "
                    "(1,000 chains from every training pattern), compared by the angle between them and their "
                    "lengths.")
        slides.chart(st, fig, key=P + "grad_chart", width="stretch")
        st.markdown(gradient_sentence(race))

    has_pa = any(lane.method.sampler == "pa" for lane in race.lanes.values())
    pt_lanes = [lane for lane in race.lanes.values() if lane.method.sampler == "pt"]
    if has_pa or pt_lanes:
        cols = st.columns(3)
        if has_pa:
            with cols[0]:
                st.markdown("**Population annealing: effective sample size** (fraction of the particles)")
                slides.chart(st, trace_figure(race, "pa", "ess", "ESS"), key=P + "ess_chart", width="stretch")
        if pt_lanes:
            with cols[1]:
                st.markdown("**Parallel tempering: swap acceptance rate** (all swaps so far)")
                slides.chart(st, trace_figure(race, "pt", "swap_rate", "mean", extra="swap_rate_min"),
                             key=P + "swap_chart", width="stretch")
            with cols[2]:
                st.markdown(f"**{pt_lanes[0].key}: swap rate per neighbouring pair**")
                if pt_lanes[0].swap_rates is not None and race.step_count > 0:
                    slides.chart(st, swap_pairs_figure(pt_lanes[0]), key=P + "pairs_chart", width="stretch")

    st.markdown("**Each method's negative samples now** (for CD: the batch after k Gibbs steps from the data; "
                "for the others: their persistent fantasy particles)")
    cols = st.columns(len(race.lanes))
    shape = meta["image_shape"]
    for col, (key, lane) in zip(cols, race.lanes.items()):
        V = race.particles(key, SHOWN_PARTICLES)
        with col:
            st.markdown(f"**{key}**")
            if V is None:
                st.caption("none yet: press Step or Train")
            else:
                scale = max(1, 180 // (int(np.ceil(np.sqrt(len(V)))) * (shape[1] + 1)))
                slides.picture(st, viz.sample_grid(V, shape, n_cols=6, scale=scale), width="stretch",
                               name=P + f"negatives_{key}")


RUN.fragment(live)  # while training: a slice through the scheduler, then draw

with st.expander("The code that runs"):
    st.code("""from pgmviz.training.compare import Race
from pgmviz.training.race_settings import PRESETS
from pgmviz import datasets
preset = PRESETS["cd_fails"]
data = datasets.load(preset.settings.dataset)
race = Race(preset.settings, data.X_train, mass_rows=data.X_train)   # same init, data, batches
for _ in range(60):
    race.step(100)                      # every method: 100 updates, then exact log p(v) etc.
{k: lane.curves["ll_train"][-1] for k, lane in race.lanes.items()}""", language="python")

notice("All methods start from the same weights, so the curves split only because their negative samples differ. "
       "CD-1's samples start at the data, so it never sees the spurious modes far from the data that soak up "
       "probability, and its expected update is another vector field than the likelihood gradient: on the "
       "preset, watch its cosine with the gradient fall while the gradient itself grows. PCD, population annealing "
       "and parallel tempering sample the model itself: their updates are noisy estimates of the gradient, at a "
       "price (compare the cost per update), and with a learning rate too high for them they fall too. Watch the "
       "ESS: when a "
       "parameter change moves the model's modes, the weights become uneven and population annealing resamples, "
       "which is exactly where plain PCD goes wrong. Watch the swap rates: a pair of temperatures that never "
       "swaps cuts the tempering ladder in two.")
