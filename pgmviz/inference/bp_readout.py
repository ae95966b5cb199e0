"""What the Message passing lesson's numbers say: its tables' rows and the sentences chosen by them.

Reads ``pgmviz.inference.accuracy``'s comparison and coupling sweeps; computes nothing new.
"""

from __future__ import annotations

import numpy as np

HOW_FAR = ("equal, up to rounding", "off by less than 0.01", "off by 0.01 or more")  # the question's choices


def fmt(p: float) -> str:
    """A probability: 4 decimals."""
    return f"{p:.4f}"


def err(x: float) -> str:
    """An error: 3 significant digits (rounding-level errors show as such, e.g. 2.2e-16)."""
    return f"{x:.3g}"


def how_far(error: float) -> str:
    """Which of the question's choices a largest error is (rounding: below 1e-10)."""
    return HOW_FAR[0] if error < 1e-10 else HOW_FAR[1] if error < 0.01 else HOW_FAR[2]


def answers_rows(cmp, n: int) -> dict[str, list[str]]:
    """Per unit: the exact marginal, BP's belief, mean field's q_i and both errors, as printed."""
    return {"unit": [f"x{i}" for i in range(n)],
            "exact p(x_i = 1)": [fmt(p) for p in cmp.exact],
            "BP belief": [fmt(p) for p in cmp.bp],
            "mean field q_i": [fmt(p) for p in cmp.mf],
            "|BP − exact|": [err(x) for x in np.abs(cmp.bp - cmp.exact)],
            "|MF − exact|": [err(x) for x in np.abs(cmp.mf - cmp.exact)]}


def starts_rows(runs: dict) -> list[dict]:
    """One row per mean-field start: its fixed point's means, KL(q ‖ p) and sweeps."""
    return [{"start": name, "mean of q_i": fmt(float(r.means.mean())), "smallest q_i": fmt(float(r.means.min())),
             "largest q_i": fmt(float(r.means.max())), "KL(q ‖ p), nats": f"{r.kl:.4f}", "sweeps": r.sweeps}
            for name, r in runs.items()]


def coupling_sentence(couplings: np.ndarray, curves: dict, kind: str) -> str:
    """BP's worst error on the trees against the grid's over the J sweep, and mean field's on ``kind``."""
    grid_curve, tree_max = curves["grid"], max(float(curves[k].bp_error.max()) for k in ("chain", "tree"))
    peak = int(np.argmax(grid_curve.bp_error))
    return (f"With these fields, BP's error on the chain and the tree stays below **{err(tree_max)}** at every J up "
            f"to 2. On the grid it is **{err(float(grid_curve.bp_error[peak]))}** at its worst, at "
            f"J = {couplings[peak]:g}"
            + ("" if grid_curve.bp_converged.all() else
               f" (BP did not converge at {int((~grid_curve.bp_converged).sum())} of the {len(couplings)} couplings)")
            + f"; mean field's worst on the {kind} is **{err(float(curves[kind].mf_error.max()))}**. "
            "Messages that go round a loop come back as if they were news: BP counts the same evidence twice.")


def modes_sentence(runs: dict, exact: np.ndarray) -> str:
    """Did the two starts (all off, all on) reach different fixed points, i.e. one mode each?"""
    off, on = runs["all off"], runs["all on"]
    if np.max(np.abs(off.means - on.means)) > 0.1:
        return ("Two starts, two fixed points: from *all off* mean field settles with mean q = "
                f"**{fmt(float(off.means.mean()))}**, from *all on* with **{fmt(float(on.means.mean()))}**, while "
                f"the exact marginals average **{fmt(float(exact.mean()))}**. Each q sits in one mode of p and "
                "ignores the other; KL(q ‖ p) punishes q for putting mass where p has none, not for missing a mode.")
    return (f"Here every start reaches the same fixed point (mean q = {fmt(float(off.means.mean()))}; the exact "
            f"marginals average {fmt(float(exact.mean()))}): at this coupling p has one mode. Press *Show it* above "
            "for a coupling strong enough for two.")
