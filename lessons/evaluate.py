"""Lesson: how good is the model? Mean test log p(v) in nats, and the log Z it needs.

Widgets and drawing only; the numbers come from pgmviz.sampling.partition (exact log Z, AIS, PA) through
pgmviz.evaluation.evaluate (request limits, one BLAS thread, cancelling, the convergence sweep) and
pgmviz.evaluation.held_out (the held-out table, the checks on estimates); the charts are
pgmviz.ui.charts.evaluate. Results are
kept in ``st.session_state`` per model (name + parameter hash), so reruns and visits to other
pages keep them. A run is blocking, with a progress bar and a Stop button: clicking Stop (or any
widget) interrupts the run, and the next run of the script says where it stopped.
"""

from __future__ import annotations

import math
import time

import pandas as pd
import streamlit as st

from pgmviz import datasets
from pgmviz.evaluation import evaluate as ev
from pgmviz.evaluation import held_out as ho
from pgmviz.sampling.partition import MAX_EXACT_UNITS, exact_feasible, log_Z_exact
from pgmviz.ui import compute, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts.evaluate import COLOURS, estimate_chart, interval_text, nats_chart, sweep_chart
from pgmviz.ui.layout import lesson_header, notice, warm_up_kernels
from pgmviz.ui.models import dataset, model_picker, model_setting, pretrained_models
from pgmviz.ui.present import main_picture
from pgmviz.ui.scores import publish

st.set_page_config(page_title="How good is the model? · pgmviz", layout="wide")

# --- settings ---------------------------------------------------------------------------------
P = "ev_"  # prefix of this page's session-state keys (the session is shared by all pages)
PREFERRED = "MNIST 784x20 CD-1"  # small enough for exact log Z: the estimates can be checked
DEFAULTS = {
    "ais_runs": 100, "ais_temps": 1000, "ais_seed": 0,  # ~2 s on 784x20, ~11 s on 784x500
    "pa_runs": 100, "pa_temps": 1000, "pa_seed": 0,  # ~5 s on 784x20, ~30 s on 784x500
    "sweep_temps": list(ev.SWEEP_TEMPERATURES), "sweep_methods": ["AIS", "PA"], "sweep_runs": 100,
    "sweep_seed": 0,
}
SWEEP_CHOICES = [30, 100, 300, 1000, 3000, 10000]
PUBLISHED_NATS = -86.0  # Salakhutdinov & Murray 2008: 784x500 RBM, CD-25, full MNIST (about -86)

ss = st.session_state
# The model and every estimate's settings, shareable as a link (?ev_pa_temps=3000 ...); the
# results are not: a link's reader presses Run.
RUNS, TEMPS, SEEDS = (1, ev.MAX_RUNS), (1, ev.MAX_TEMPERATURES), (0, 2**31 - 1)
URL_SETTINGS = url.bind(P, {
    "model": model_setting(PREFERRED),
    "ais_runs": url.integer(DEFAULTS["ais_runs"], *RUNS),
    "ais_temps": url.integer(DEFAULTS["ais_temps"], *TEMPS),
    "ais_seed": url.integer(DEFAULTS["ais_seed"], *SEEDS),
    "pa_runs": url.integer(DEFAULTS["pa_runs"], *RUNS),
    "pa_temps": url.integer(DEFAULTS["pa_temps"], *TEMPS),
    "pa_seed": url.integer(DEFAULTS["pa_seed"], *SEEDS),
    "sweep_temps": url.subset(DEFAULTS["sweep_temps"], SWEEP_CHOICES),
    "sweep_methods": url.subset(DEFAULTS["sweep_methods"], ev.METHODS),
    "sweep_runs": url.integer(DEFAULTS["sweep_runs"], *RUNS),
    "sweep_seed": url.integer(DEFAULTS["sweep_seed"], *SEEDS),
})


# --- helpers ----------------------------------------------------------------------------------
def load_data(key: str | None, n_v: int):
    """The model's data set, if it is known and its images fit the model; else None."""
    try:
        data = dataset(key) if key else None
    except ValueError:
        return None
    return data if data is not None and data.n_v == n_v else None


def fmt_states(n: int) -> str:
    """2**n written so a student can feel its size."""
    if n <= 40:
        return f"2^{n} = {2**n:,}"
    return f"2^{n} ≈ 10^{n * math.log10(2):.0f}"


def _stop() -> None:
    ss[P + "stop"] = True


def run_with_progress(what: str, work, *, slot):
    """Run ``work(progress, cancel)`` behind a progress bar and a Stop button; None if stopped.

    Clicking Stop makes Streamlit interrupt this script run at the next progress update; the
    marker ``ev_running`` survives, so the next run reports how far it got. The ``cancel``
    callback is the relay's: true once the wait was interrupted, for runs that check it.
    """
    ss[P + "stop"] = False
    ss[P + "running"] = {"what": what, "fraction": 0.0}
    with slot.container():
        left, right = st.columns([6, 1], vertical_alignment="center")
        bar = left.progress(0.0, text=f"{what} ...")
        right.button("Stop", key=P + "stop_button", on_click=_stop, icon=":material/stop_circle:")
    shown = [0.0]

    def progress(fraction: float) -> None:
        ss[P + "running"]["fraction"] = fraction
        if fraction - shown[0] >= 0.01 or fraction >= 1.0:  # ~100 updates, not one per temperature
            shown[0] = fraction
            bar.progress(min(1.0, fraction), text=f"{what}: {fraction:.0%}")

    # Not try/finally: when Streamlit interrupts the run, the marker must stay for the next run.
    try:
        # On a scheduler thread (a class shares the cores); the bar is drawn here, so Stop interrupts the
        # wait at a redraw and the relay stops the run at its next report.
        relay = compute.Relay(progress)
        out = compute.run(P + "estimate", work, relay, relay.stopped, relay=relay)
    except InterruptedError:
        ss[P + "message"] = (f"Stopped: {what}, at {ss[P + 'running']['fraction']:.0%}. "
                             "An unfinished estimate is discarded.")
        out = None
    ss.pop(P + "running", None)
    slot.empty()
    return out


def exact_log_Z(rbm, res: dict) -> None:
    """Enumerate the smaller layer's states once per model, timed."""
    warm_up_kernels()
    t0 = time.perf_counter()
    res["exact"] = log_Z_exact(rbm)
    res["exact_s"] = time.perf_counter() - t0


# --- page -------------------------------------------------------------------------------------
lesson_header(
    "How good is the model?",
    "A model of digits is as good as the probability it gives to digits it has never seen. "
    "That number needs log Z, a sum over more states than there are atoms in the universe, "
    "and annealing estimates it, with an error bar you can check against exact enumeration.",
)

picked = model_picker(prefer=PREFERRED)
if picked is None:
    st.info("There is no model to evaluate yet: train one on the *Filter learning* page or load a .npz "
            "in the sidebar.")
    st.stop()
name, rbm, meta = picked  # shared when pretrained: read only

results = ss.setdefault(P + "results", {})  # (name, fingerprint) -> {"exact", "exact_s", "runs", "sweep"}
res = results.setdefault((name, ev.model_fingerprint(rbm)), {"exact": None, "exact_s": None, "runs": [], "sweep": []})

# A run that was interrupted (Stop, or any widget while it ran) left its marker behind.
if P + "running" in ss:
    r = ss.pop(P + "running")
    ss[P + "message"] = f"Stopped: {r['what']}, at {r['fraction']:.0%}. An unfinished estimate is discarded."
if ss.get(P + "message"):
    st.warning(ss.pop(P + "message"), icon=":material/stop_circle:")

key = datasets.for_model(rbm.n_v, meta)  # its file's data set, or a guess from its size
data = load_data(key, rbm.n_v)
m = min(rbm.n_v, rbm.n_h)
if data is not None and "neg_F" not in res:  # one pass over 5,000 digits: once per model
    res["neg_F"] = (ev.mean_neg_free_energy(rbm, data.X_test), ev.mean_neg_free_energy(rbm, data.X_train))
neg_F_test, neg_F_train = res.get("neg_F", (None, None))

# --- why log Z is hard -------------------------------------------------------------------------
st.subheader("log p(v) = −F(v) − log Z: one easy part, one hard part")
c1, c2, c3 = st.columns(3)
c1.metric("Model", f"{rbm.n_v} × {rbm.n_h}", help=name)
c2.metric("mean −F(v) over the held-out digits", f"{neg_F_test:.2f}" if neg_F_test is not None else "no data",
          help="The free energy sums the hidden units out in closed form: cheap for every digit.")
c3.metric("Terms in Z after summing one layer out", fmt_states(m))
with st.expander("Why log Z is the hard part, and how annealing gets around it", expanded=False):
    st.markdown(
        f"""
**The easy part.** The free energy F(v) = −b·v − Σ_j softplus(c_j + v·W[:, j]) sums the
{rbm.n_h} hidden units out in closed form: one pass over the weights per digit.

**The hard part.** Z = Σ_v Σ_h exp(−E(v, h)) has 2^{rbm.n_v + rbm.n_h} terms. Summing the larger
layer out in closed form leaves 2^{m} terms: {fmt_states(m)}. A million terms take a fraction of a
second; 2^500 ≈ 10^150 terms could not be added up by every computer there will ever be. Yet
Z is the same for every digit, and without it −F(v) is only a score, not a probability: a model
could raise every −F(v) by making all states more probable, and only Z says it cannot.

**How annealing gets around it.** Pick a path of distributions p_β, β from 0 to 1, from one whose
Z is known to the model:
- AIS here starts from the *base-rate model*: independent pixels with the training data's
  frequencies and the hidden units ignored, so Z_A = Π_i (1 + e^(b_A,i)) · 2^{rbm.n_h};
  population annealing starts from the uniform distribution, Z_0 = 2^(n_v + n_h).
- Z_1/Z_0 is a product of ratios Z_βk / Z_βk−1. Neighbouring distributions are so alike that
  each ratio is an easy importance-sampling average of p*_βk(v) / p*_βk−1(v) over samples of the
  previous one, and a Gibbs step at each temperature moves the samples along the path.
- **AIS** (Neal 2001; Salakhutdinov & Murray 2008) runs many independent chains; each collects
  a weight w, and mean(w) is an unbiased estimate of Z/Z_A. Its log is not unbiased: averaged
  over many tries log mean(w) is *below* log Z (Jensen), so a poorly annealed AIS makes the
  model look better than it is.
- **Population annealing** (Machta 2010) moves a whole population together, estimates each
  ratio from the population's weighted mean, and resamples when the weights get uneven (the
  effective sample size falls below half): the machinery the QuPA library uses both for
  training and for estimating log Z.

More temperatures make neighbouring distributions closer and the estimate better; the sweep
below shows how many are enough.
"""
    )

# --- exact -------------------------------------------------------------------------------------
st.subheader("Exact log Z")
if exact_feasible(rbm):
    if res["exact"] is None:
        exact_log_Z(rbm, res)
    e1, e2 = st.columns([1, 3])
    e1.metric("exact log Z", f"{res['exact']:.3f}", help="Enumerating every state of the smaller layer.")
    e2.markdown(f"Enumerating all {fmt_states(m)} states of the smaller layer took "
                f"{res['exact_s']:.2f} s. The estimates below can be checked against it.")
elif m <= MAX_EXACT_UNITS:
    if res["exact"] is None:
        st.markdown(f"{fmt_states(m)} states: possible, but slow (up to minutes).")
        if st.button(f"Enumerate all 2^{m} states", key=P + "exact_anyway"):
            with st.spinner(f"Enumerating 2^{m} states ..."):
                exact_log_Z(rbm, res)
            st.rerun()
    else:
        st.metric("exact log Z", f"{res['exact']:.3f}")
else:
    st.markdown(f"Not possible for this model: {fmt_states(m)} terms. Only the estimates below "
                "can say what log Z is, and only their agreement with each other says they can be trusted.")
exact = res["exact"]

# --- estimates ---------------------------------------------------------------------------------
st.subheader("Estimates by annealing")
base = data.X_train if data is not None else None
cols = st.columns(2)
buttons = {}
for col, method, title, runs_label in (
    (cols[0], "AIS", "Annealed importance sampling", "Independent runs"),
    (cols[1], "PA", "Population annealing", "Population (particles)"),
):
    k = method.lower()
    with col.container(border=True):
        st.markdown(f"**{title}** ({method})")
        a, b, c = st.columns([1.2, 1.2, 0.8])
        a.number_input(runs_label, min_value=1, step=50, key=f"{P}{k}_runs")
        b.number_input("Temperatures", min_value=1, step=500, key=f"{P}{k}_temps")
        c.number_input("Seed", min_value=0, step=1, key=f"{P}{k}_seed")
        secs = ev.estimated_seconds(method, ss[f"{P}{k}_runs"], ss[f"{P}{k}_temps"], rbm.n_v, rbm.n_h)
        start = "the base-rate model of the training digits" if method == "AIS" and base is not None \
            else "the uniform distribution"
        st.caption(f"Starts from {start}. Roughly {secs:,.0f} s for this model.")
        buttons[method] = st.button(f"Run {method}", key=f"{P}run_{k}", type="primary",
                                    icon=":material/play_arrow:")
slot = st.empty()
for method, clicked in buttons.items():
    if not clicked:
        continue
    k = method.lower()
    runs, temps, seed = (int(ss[f"{P}{k}_{s}"]) for s in ("runs", "temps", "seed"))
    try:
        ev.check_request(method, runs, temps, rbm.n_v, rbm.n_h)
    except ValueError as e:
        st.error(f"Not run: {e}.", icon=":material/block:")
        continue
    est = run_with_progress(
        f"{method} with {runs:,} {'runs' if method == 'AIS' else 'particles'} x {temps:,} temperatures",
        lambda progress, cancel: ev.estimate_log_Z(rbm, method, runs, temps, seed, base, progress, cancel),
        slot=slot)
    if est is not None:
        res["runs"].append(est)
if res["runs"] and neg_F_test is not None and key:  # for the pages that compare models (the VAE page)
    last = res["runs"][-1]
    publish(key, f"RBM {name}", neg_F_test - last.log_Z, f"{last.method} log Z (evaluate page)")

if res["runs"]:
    table = pd.DataFrame([{
        "method": e.method, "runs / particles": e.n_runs, "temperatures": e.n_betas, "seed": e.seed,
        "log Z": e.log_Z, "interval": interval_text(e.low, e.high),
        **({"minus exact": e.log_Z - exact, "exact inside": e.contains(exact)} if exact is not None else {}),
        "ESS of weights": e.ess, "seconds": e.seconds,
    } for e in res["runs"]])
    slides.chart(main_picture(), estimate_chart(res, exact), key=P + "estimates_chart",
                 config={"displayModeBar": False})
    st.dataframe(table, hide_index=True, key=P + "estimates_table", column_config={
        "log Z": st.column_config.NumberColumn(format="%.3f"),
        "minus exact": st.column_config.NumberColumn(format="%+.3f"),
        "ESS of weights": st.column_config.NumberColumn(format="%.1f", help=(
            "AIS: how many equally weighted runs the weights are worth. Far below the number of runs "
            "means a few lucky runs dominate, and the interval is not to be trusted.")),
        "seconds": st.column_config.NumberColumn(format="%.1f"),
    })
    latest = {e.method: e for e in res["runs"]}  # the last of each method
    if "AIS" in latest and ho.thin_weights(latest["AIS"]):
        a = latest["AIS"]
        st.warning(f"The latest AIS weights are worth only {a.ess:.1f} of its {a.n_runs} runs: a few lucky runs "
                   "carry the estimate, so its interval is not to be trusted and log Z is probably too low. "
                   "Use more temperatures.", icon=":material/warning:")
    if len(latest) == 2 and ho.disagree(latest["AIS"], latest["PA"]):
        gap = latest["PA"].log_Z - latest["AIS"].log_Z
        st.warning(f"AIS and PA disagree by {abs(gap):.1f} nats, more than their intervals allow: at least one "
                   "has not converged. Run the sweep below to see which one moves as the temperatures grow.",
                   icon=":material/warning:")
    if st.button("Clear these estimates", key=P + "clear_runs"):
        res["runs"].clear()
        st.rerun()
else:
    st.caption("No estimates yet for this model: press Run AIS or Run PA. Results stay while you "
               "visit other pages.")

# --- convergence -------------------------------------------------------------------------------
st.subheader("How many temperatures are enough?")
s1, s2, s3, s4 = st.columns([2.2, 1.2, 1, 0.7])
s1.multiselect("Temperatures", SWEEP_CHOICES, key=P + "sweep_temps", format_func=lambda t: f"{t:,}")
s2.multiselect("Methods", list(ev.METHODS), key=P + "sweep_methods")
s3.number_input("Runs / particles", min_value=1, step=50, key=P + "sweep_runs")
s4.number_input("Seed", min_value=0, step=1, key=P + "sweep_seed")
URL_SETTINGS.write()
temps = sorted(int(t) for t in ss[P + "sweep_temps"])
methods = list(ss[P + "sweep_methods"])
sweep_secs = sum(ev.estimated_seconds(mth, ss[P + "sweep_runs"], sum(temps), rbm.n_v, rbm.n_h) for mth in methods)
st.caption(f"One estimate per number of temperatures and method (independent seeds); roughly "
           f"{sweep_secs:,.0f} s for this model. Points that finish are kept if you stop.")
sweep_clicked = st.button("Run the sweep", key=P + "run_sweep", type="primary", icon=":material/show_chart:")
sweep_slot = st.empty()
if sweep_clicked:
    runs, seed = int(ss[P + "sweep_runs"]), int(ss[P + "sweep_seed"])
    try:
        ho.check_sweep(rbm, methods, temps, runs)
    except ValueError as e:
        st.error(f"Not run: {e}.", icon=":material/block:")
    else:
        res["sweep"] = [e for e in res["sweep"] if e.method not in methods]

        def sweep(progress, cancel):
            return ho.sweep(rbm, methods, temps, runs, seed, base, progress, cancel, on_point=res["sweep"].append)

        run_with_progress(f"Sweep over {', '.join(f'{t:,}' for t in temps)} temperatures "
                          f"({' and '.join(methods)}, {runs:,} runs each)", sweep, slot=sweep_slot)
if res["sweep"]:
    slides.chart(st, sweep_chart(res["sweep"], exact), key=P + "sweep_chart", config={"displayModeBar": False})
else:
    st.caption("No sweep yet for this model.")

# --- test log-likelihood -----------------------------------------------------------------------
st.subheader("Mean log-likelihood of held-out digits")
if data is None:
    st.markdown("This model's training data is unknown, so there are no held-out digits to score. "
                "log Z above is still the model's.")
else:
    sources = ho.log_Z_sources(exact, res["runs"])
    if not sources:
        st.markdown("Compute or estimate log Z above first: the log-likelihood is mean −F(v) minus log Z.")
    else:
        rows = ho.held_out(neg_F_test, neg_F_train, sources)
        source, ll, ll_train = rows[0].source.label, rows[0].test, rows[0].train
        k1, k2, k3, k4 = st.columns(4)
        k1.metric(f"Mean test log p(v) (nats, {source})", f"{ll:.2f}")
        k2.metric("…in bits per digit", f"{ev.nats_to_bits(ll):.1f}")
        k3.metric("…in bits per pixel", f"{ev.nats_to_bits(ll) / rbm.n_v:.3f}")
        k4.metric("Training digits (nats)", f"{ll_train:.2f}", help="Same log Z, the training digits' −F(v).")
        rows = [{"log Z from": r.source.label, "log Z": r.source.log_Z, "test log p(v) (nats)": r.test,
                 "interval (nats)": "exact" if r.exact else interval_text(*r.test_interval),
                 "bits per digit": ev.nats_to_bits(r.test), "training log p(v) (nats)": r.train} for r in rows]
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=P + "ll_table", column_config={
            c: st.column_config.NumberColumn(format="%.2f") for c in
            ("log Z", "test log p(v) (nats)", "bits per digit", "training log p(v) (nats)")})
        uniform = ev.uniform_log_likelihood(rbm.n_v)
        line = [("uniform (coin-flip pixels)", uniform, "#9e9e9e"), ("this model, test digits", ll, COLOURS["AIS"])]
        if rbm.n_v == 784:
            line.append(("Salakhutdinov & Murray 2008 (784x500, CD-25)", PUBLISHED_NATS, "#54a24b"))
        slides.chart(st, nats_chart(line), key=P + "nats_chart", config={"displayModeBar": False})
        st.markdown(
            f"""
**What the number means.** It is the average, over the {len(data.X_test):,} held-out digits, of
log p(v), the natural log of the probability the model gives to that exact image: a *nat* is
a unit of log-probability with base e. {ll:.1f} nats means a typical test digit gets probability
about e^{ll:.0f}. Divide by ln 2 for bits: {ll:.1f} nats = {ev.nats_to_bits(ll):.1f} bits, so a code
built from the model would need about {-ev.nats_to_bits(ll):.0f} bits to send a digit, against
{rbm.n_v} bits for the raw pixels. That reference is the uniform model, where every pixel is a fair coin:
log p(v) = −log 2^{rbm.n_v} = −{rbm.n_v} ln 2 = {uniform:.1f} nats for every image. An error of δ in log Z
shifts every log p(v) by exactly δ, so the interval on log Z is the interval on this number.

**The published figure.** Salakhutdinov & Murray (2008) report about −86 nats per MNIST test digit
for a 784×500 RBM trained with CD-25 on all 60,000 training digits, with log Z from AIS. Our numbers
are not directly comparable: this data set is {data.note}, a different test set and binarisation,
and our models are trained for seconds to minutes on 4,000 digits.
"""
        )

# --- reconstruction error is not likelihood ------------------------------------------------------
st.subheader("Reconstruction error is not likelihood")
big = {n: e for n, e in pretrained_models().items() if (e["rbm"].n_v, e["rbm"].n_h) == (784, 500)}
digits = load_data("mnist", 784)
scores = []
for title, entry in big.items():
    mine = results.get((title, ev.model_fingerprint(entry["rbm"])), {}).get("runs", [])
    estimated = {e.method: e.log_Z for e in mine}  # the latest estimate of each method made on this page
    try:
        scores.append(ev.model_score(title, entry["rbm"], entry["meta"], None if digits is None else digits.X_test,
                                     estimated))
    except ValueError:
        pass  # no figure recorded and no digits to compute it from: leave the model out
verdict = ev.recon_vs_likelihood(scores)
if not scores:
    st.markdown("No bundled 784×500 model to compare.")
else:
    st.markdown(
        "CD-1 is trained to make the reconstruction p(v | h ~ p(h | v)) look like the data, so its learning "
        "curve is usually the reconstruction error. The question a generative model answers is another: "
        "how much probability it gives to digits it has never seen. The bundled 784×500 models, measured "
        "on the same held-out digits:"
    )
    SAME, OTHER = "yes, the same model", "no, another one"
    q_same = predict.ask(P + "q_same", "Of these models, will the one that **reconstructs** held-out digits best "
                         "also give them the highest **likelihood**?", predict.Choice([SAME, OTHER]),
                         answer=None if verdict is None else (OTHER if verdict.disagree else SAME),
                         about=tuple(sc.name for sc in scores))
    if verdict is None:
        q_same.wait("Fewer than two models have a held-out log-likelihood yet: estimate them below.")
    if q_same.reveals("the two measures of each model"):
        st.dataframe(pd.DataFrame([{
            "model": sc.name, "held-out reconstruction error (per pixel)": sc.recon_error, "error from": sc.recon_from,
            "held-out log p(v), AIS (nats)": sc.ll.get("AIS"), "held-out log p(v), PA (nats)": sc.ll.get("PA"),
            "log p(v) from": ", ".join(f"{m}: {w}" for m, w in sc.ll_from.items()) or "not measured",
        } for sc in scores]), hide_index=True, key=P + "recon_vs_ll", column_config={
            "held-out reconstruction error (per pixel)": st.column_config.NumberColumn(format="%.4f"),
            "held-out log p(v), AIS (nats)": st.column_config.NumberColumn(format="%.1f"),
            "held-out log p(v), PA (nats)": st.column_config.NumberColumn(format="%.1f")})
        if verdict is None:
            st.markdown(
                "Fewer than two of these models have a held-out log-likelihood yet: their files record none and "
                "none was estimated on this page. Estimate them below (population annealing with the settings "
                "above), then compare the two columns."
            )
        else:
            by_name = {sc.name: sc for sc in scores}
            r_best, l_best = by_name[verdict.best_recon], by_name[verdict.best_ll]
            if verdict.disagree:
                text = (f"**{r_best.name}** reconstructs the held-out digits best ({r_best.recon_error:.4f} per "
                        f"pixel, against {l_best.recon_error:.4f} for {l_best.name}), yet **{l_best.name}** gives "
                        "them the most "
                        f"probability ({l_best.ll[verdict.method]:.1f} nats per digit against "
                        f"{r_best.ll[verdict.method]:.1f}, log Z by {verdict.method}): the model with the best "
                        "reconstruction error is not the one with the best likelihood.")
            else:
                text = (f"Here the model that reconstructs best, **{r_best.name}** ({r_best.recon_error:.4f} per "
                        f"pixel), also has the highest held-out log-likelihood ({r_best.ll[verdict.method]:.1f} "
                        "nats, log Z by "
                        f"{verdict.method}).")
            if verdict.pairs > 1:
                text += (f" Of the {verdict.pairs} pair{'s' if verdict.pairs > 1 else ''} of models compared, the two "
                         f"measures order {verdict.discordant} the opposite way.")
            st.markdown(text + " A reconstruction starts at the data and takes one step away from it; the "
                        "likelihood depends on every state the model can reach, including modes far from any digit.")
    missing = [title for title in big if title not in {sc.name for sc in scores if "PA" in sc.ll}]
    if missing:
        secs = len(missing) * ev.estimated_seconds("PA", ss[P + "pa_runs"], ss[P + "pa_temps"], 784, 500)
        if st.button(f"Estimate log Z by PA for {len(missing)} model{'s' if len(missing) > 1 else ''} "
                     f"(about {secs:,.0f} s)", key=P + "run_big", icon=":material/play_arrow:"):
            runs, temps, seed = (int(ss[f"{P}pa_{k}"]) for k in ("runs", "temps", "seed"))
            try:
                ev.check_request("PA", runs, temps, 784, 500)
            except ValueError as e:
                st.error(f"Not run: {e}.", icon=":material/block:")
            else:
                for title in missing:
                    r_big = big[title]["rbm"]
                    est = run_with_progress(
                        f"PA on {title} with {runs:,} particles x {temps:,} temperatures",
                        lambda progress, cancel, r_big=r_big: ev.estimate_log_Z(
                            r_big, "PA", runs, temps, seed, None, progress, cancel), slot=st.empty())
                    if est is None:
                        break
                    results.setdefault((title, ev.model_fingerprint(r_big)),
                                       {"exact": None, "exact_s": None, "runs": [], "sweep": []})["runs"].append(est)
                st.rerun()

# --- what to notice ----------------------------------------------------------------------------
recorded = [(title, ev.recorded_log_Z(entry["meta"])) for title, entry in big.items()]
recorded = [(title, rec) for title, rec in recorded if rec is not None]


def _recorded_text(title: str, rec: ev.RecordedLogZ) -> str:
    ais = f"{rec.ais_runs:,} runs × {rec.ais_temperatures:,} temperatures" if rec.ais_runs and rec.ais_temperatures \
        else "its recorded settings"
    pa = f"{rec.pa_population:,} particles × {rec.pa_temperatures:,} temperatures" \
        if rec.pa_population and rec.pa_temperatures else "its recorded settings"
    return (f"{title}: AIS ({ais}) {rec.ais:.1f}, PA ({pa}) {rec.pa:.1f}, "
            f"{abs(rec.gap):.1f} nats apart")


notice(
    "log Z is the same for every digit, yet it is the whole difficulty: −F(v) costs one pass over the "
    "weights, log Z costs 2^min(n_v, n_h) terms. On the 784×20 model a good AIS or PA estimate lands within "
    "its interval of the exact value. On a 784×500 model there is no exact value: too few temperatures make "
    "AIS underestimate log Z (a log of an average of weights is low on average), which makes the model look "
    "better than it is. "
    + ("The bundled files record " + "; ".join(_recorded_text(t, r) for t, r in recorded) + ". "
       if recorded else "")
    + "Without an exact answer, trust the nats only when the sweep has levelled off and AIS and PA agree. "
    "Compare the training and test figures: a large gap is overfitting. And reconstruction error is "
    "a different measure from likelihood: compare the columns of the 784×500 models' table."
)
