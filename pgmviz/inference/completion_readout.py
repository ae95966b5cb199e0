"""What the Inference with evidence lesson's numbers say, in sentences chosen by them.

Reads ``pgmviz.inference.completion``'s errors and ``completion_studies``'s comparison; computes nothing new.
"""

from __future__ import annotations

import numpy as np


def error_sentence(squared: np.ndarray, unit: str, step_word: str, noisy: bool) -> str:
    """Whether the completion's error fell from its (random or noisy) start, with both ends."""
    first, last, n = squared[0], squared[-1], len(squared) - 1
    return (f"From the {'random' if not noisy else 'noisy'} start the error "
            + (f"falls from **{first:.3f}** to **{last:.3f}** per {unit} in {n} {step_word}s"
               if last < first else f"does not fall (**{first:.3f}** → **{last:.3f}** per {unit})") + ".")


def comparison_rows(comp, unit: str, averaged: bool) -> dict[str, list]:
    """The models' comparison as table columns (the average over the steps only for Gibbs)."""
    rows = {"model": list(comp.names), f"squared error per {unit}": comp.squared, f"{unit}s wrong": comp.wrong}
    if averaged:
        rows["averaged over the steps"] = comp.squared_averaged
    return rows


def comparison_sentence(comp, hide_noun: str, per_class: int, n_steps: int, step_word: str, unit: str) -> str:
    """Which model completes the same held-out digits best, against the worst."""
    best = comp.names[int(np.argmin(comp.squared))]
    return (f"With the same {hide_noun} on {comp.n_digits} held-out digits ({per_class} of each "
            f"class), {n_steps} {step_word}s each, the same seeds: **{best}** completes them best here "
            f"({comp.squared.min():.3f} against {comp.squared.max():.3f} per {unit} for the worst).")


def closer_words(tv: np.ndarray, tv_mean_field: float) -> str:
    """Is the sampled conditional, at its last step, closer to the exact one than mean field's product?"""
    return "closer than" if tv[-1] < tv_mean_field else "no closer than"


def patch_sentence(tv: np.ndarray, tv_mean_field: float) -> str:
    return (f"After {tv.size:,} steps of 100 chains the sampled conditional is **{tv[-1]:.3f}** from the exact "
            f"one in total variation, {closer_words(tv, tv_mean_field)} mean field's factorial answer "
            f"(**{tv_mean_field:.3f}**); after one step it was **{tv[0]:.3f}**.")


def how_fast(squared: np.ndarray, unit: str, step_word: str) -> str:
    """How the error fell: mostly in the first step (the hidden units read the seen part at once), slowly, or not."""
    n = len(squared) - 1
    a, b, z = squared[0], squared[min(1, n)], squared[-1]
    if z < a and a - b >= 0.5 * (a - z):
        return (f"most of the error goes in the first {step_word} ({a:.3f} → {b:.3f} per {unit}, then {z:.3f} "
                f"after {n}): the hidden units read the seen part at once")
    if z < a:
        return f"the error falls from {a:.3f} to {z:.3f} per {unit} over {n} {step_word}s"
    return f"the error does not fall here ({a:.3f} → {z:.3f} per {unit})"
