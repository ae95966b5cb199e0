"""What the full-Boltzmann-machine duel and its checks show, in numbers and in sentences chosen by them.

Reads a ``pgmviz.training.bm_vs_rbm.Duel`` and the results of ``pgmviz.training.bm_checks``; computes
nothing new (the Full Boltzmann machine lesson prints these).
"""

from __future__ import annotations

import numpy as np

from pgmviz.training import bm_checks
from pgmviz.training.bm_vs_rbm import Duel, bm_cost, rbm_cost, updates_to_reach

MNIST_SCALE = {"n_v": 784, "n_h": 500, "batch": 100, "chains": 100, "sweeps": 1}  # a machine the size of MNIST's
COSTS = (("bm", "full Boltzmann machine", "sampled (h swept unit by unit, v clamped)"),
         ("exact", "full machine, exact gradient", "exact, by enumerating all joint states"),
         ("rbm", "RBM", "exact: p(h|v) in one matrix product"))


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None or not np.isfinite(x) else format(x, spec)


def coupling_sums(Q: np.ndarray, n_v: int) -> dict[str, float]:
    """Σ|Q_ij| over the visible–visible, hidden–hidden (i < j) and visible–hidden couplings."""
    return {"visible–visible": float(np.abs(np.triu(Q[:n_v, :n_v], 1)).sum()),
            "hidden–hidden": float(np.abs(np.triu(Q[n_v:, n_v:], 1)).sum()),
            "visible–hidden": float(np.abs(Q[:n_v, n_v:]).sum())}


def gradient_points(exact: np.ndarray, sampled: np.ndarray, mask: np.ndarray, n_v: int
                    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The learnable entries (i <= j) of two gradients, split into biases, visible–hidden and lateral couplings."""
    iu = np.triu_indices(exact.shape[0])
    keep = mask[iu]
    kind = np.where(iu[0] == iu[1], "bias", np.where((iu[0] < n_v) & (iu[1] >= n_v), "visible–hidden", "lateral"))
    kind, ex, sa = kind[keep], exact[iu][keep], sampled[iu][keep]
    return {name: (ex[kind == name], sa[kind == name]) for name in ("bias", "visible–hidden", "lateral")}


def cost_rows(duel: Duel) -> list[dict]:
    """One row per model: what its clamped phase is, the counted costs of an update, the measured ms."""
    rows = []
    for key, name, clamped in COSTS:
        if key not in duel.costs:
            continue
        c = duel.costs[key]
        rows.append({"model": name, "clamped phase": clamped, "sampled unit states": c.sampled_units,
                     "sequential steps": c.sequential_steps, "multiply-adds": c.multiply_adds,
                     "ms per update (measured)": round(duel.ms_per_update(key), 3)})
    return rows


def ll_at_time(seconds: list[float], ll: list[float], t: float) -> float:
    """The log-likelihood a run had reached after t seconds of its own training (last record before t)."""
    reached = [v for s, v in zip(seconds, ll) if s <= t]
    return reached[-1] if reached else float("nan")


def conclusion(duel: Duel, best: float) -> str | None:
    """What the two runs show, per update and per second, in words chosen by their numbers."""
    if duel.step == 0:
        return None
    c = duel.curves()
    a, b = c["ll_bm"][-1], c["ll_rbm"][-1]
    ahead = "the full machine" if a > b else "the RBM"
    text = (f"After **{duel.step:,} updates** the full machine is at **{a:.3f}** nats and the RBM at **{b:.3f}** "
            f"(best possible {best:.3f}): per update, **{ahead}** has learnt more.")
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
    level = best + 0.5
    u_bm, u_rbm = updates_to_reach(c["step"], c["ll_bm"], level), updates_to_reach(c["step"], c["ll_rbm"], level)
    reach = {k: f"update {u:,}" if u is not None else "not yet" for k, u in (("bm", u_bm), ("rbm", u_rbm))}
    return text + f" Within 0.5 nats of the best: the full machine {reach['bm']}, the RBM {reach['rbm']}."


def scale_sentence(s: dict = MNIST_SCALE) -> str:
    """The counted costs of one update at a real image size: sequential steps and multiply-adds, BM against RBM."""
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
    """Does p(h|v) factorise (KL to the product of its marginals), and how close are the clamped chains."""
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
    """p_T against the model's p_1: flatter or sharper, the patterns' mass, and which one the chains sample."""
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
