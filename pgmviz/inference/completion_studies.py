"""The completion lesson's two studies: the bundled models compared on the same evidence, and a small
patch whose conditional p(v_patch | seen) is enumerated exactly beside the sampled one and mean field's.

Both only combine `pgmviz.inference.completion`: evidence per digit (`make_evidence`), the clamped
samplers, `error_of`, `exact_conditional`, and the TV of the sampled conditional per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.inference.completion import (
    Evidence,
    clamped_gibbs,
    clamped_mean_field,
    error_of,
    exact_conditional,
    make_evidence,
    product_table,
    total_variation,
)
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states


def comparison_digits(X: np.ndarray, y: np.ndarray, per_class: int, hiding: str, shape: tuple[int, int], *,
                      observed: np.ndarray | None = None, seed: int = 0, **how) -> tuple[np.ndarray, list[Evidence]]:
    """The first ``per_class`` digits of each class and their evidence (digit k's random hiding seeded seed + k;
    ``observed`` replaces the mask, e.g. a painted one, for every digit)."""
    pick = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])
    evs = []
    for k, x in enumerate(X[pick]):
        if observed is not None:
            evs.append(Evidence(x, np.asarray(observed, dtype=bool)))
        else:
            evs.append(make_evidence(x, hiding, shape, seed=seed + k, **how))
    return X[pick], evs


@dataclass
class Comparison:
    """Per model, over the same digits and evidence: final-step and step-averaged errors at the free pixels."""

    names: list[str]
    squared: np.ndarray  # (n_models,) mean over digits of the last frame's squared error per free pixel
    wrong: np.ndarray  # (n_models,) fraction of free pixels wrong at the last frame
    squared_averaged: np.ndarray  # (n_models,) the same for the average over steps (mean field: = squared)
    n_digits: int


def compare_models(models: dict[str, RBM], X_true: np.ndarray, evidence: list[Evidence], method: str = "gibbs",
                   n_steps: int = 100, seed: int = 0) -> Comparison:
    """Complete every digit X_true[k] from evidence[k] with every model (same seeds), and average the errors."""
    if method not in ("gibbs", "mean_field") or len(X_true) != len(evidence) or not len(evidence):
        raise ValueError("need method 'gibbs' or 'mean_field' and one Evidence per digit")
    rows = []
    for rbm in models.values():
        errs = []
        for k, ev in enumerate(evidence):
            run = (clamped_gibbs(rbm, ev, n_steps, rng=seed + k) if method == "gibbs"
                   else clamped_mean_field(rbm, ev, n_steps))
            last, avg = error_of(run, X_true[k]), error_of(run, X_true[k], averaged=method == "gibbs")
            errs.append((last.squared[-1], last.wrong[-1], avg.squared[-1]))
        rows.append(np.mean(errs, axis=0))
    R = np.array(rows).reshape(len(models), 3)
    return Comparison(list(models), R[:, 0], R[:, 1], R[:, 2], len(evidence))


@dataclass
class PatchStudy:
    """A small free region done three ways: exactly, by clamped Gibbs, by mean field."""

    states: np.ndarray  # (2^n, n) every completion, as all_states(n)
    exact: np.ndarray  # (2^n,) p(v_F | evidence)
    sampled: np.ndarray  # (2^n,) frequency over all chains and steps
    tv: np.ndarray  # (n_steps,) TV(sampled after t steps, exact)
    tv_mean_field: float  # TV(prod_i q_i, exact) at mean field's fixed point


def patch_study(rbm: RBM, ev: Evidence, n_steps: int = 300, n_chains: int = 100, seed: int = 0,
                mean_field_steps: int = 200) -> PatchStudy:
    """Exact p(v_F | evidence) beside clamped Gibbs (TV per step) and mean field's factorial answer."""
    exact = exact_conditional(rbm, ev)
    run = clamped_gibbs(rbm, ev, n_steps, n_chains, rng=seed, keep=1)
    mf = clamped_mean_field(rbm, ev, mean_field_steps)
    q = product_table(mf.P_v[-1, 0, ev.free])
    return PatchStudy(all_states(int(ev.free.sum())), exact, run.sampled_conditional(), run.tv_to(exact),
                      total_variation(q, exact))
