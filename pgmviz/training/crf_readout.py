"""What the hybrid (CRF) lesson's numbers say, in sentences chosen by them.

Reads ``pgmviz.training.crf_train``'s references, histories and ``worth_of_transitions``; computes nothing new.
"""

from __future__ import annotations

import numpy as np


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def transitions_gain(ref: dict) -> float:
    """The true model's held-out accuracy with its transitions minus one position at a time (a fraction)."""
    return ref["hmm"]["accuracy"] - ref["per_position"]["accuracy"]


def gain_sentence(ref: dict) -> str:
    """What reading each glyph with its neighbours adds to the true model, or that it adds little."""
    gain = transitions_gain(ref)
    if gain > 0.005:
        return (f"Even knowing exactly how the data were made, a position read alone is labelled right only "
                f"{pct(ref['per_position']['accuracy'])} of the time; reading it with its neighbours, "
                f"{pct(ref['hmm']['accuracy'])}: the transitions are worth up to **{100 * gain:.1f} points** here.")
    return (f"With these settings the neighbours add little even to the true model ({100 * gain:+.1f} points): "
            "raise the noise or make the chain stickier to give the transitions something to do.")


def worth_gains(w: dict[str, np.ndarray]) -> np.ndarray:
    """Points of held-out accuracy the transitions add to the true model, per noise level."""
    return 100 * (w["hmm_accuracy"] - w["per_position_accuracy"])


def worth_sentence(noises: list[float], gains: np.ndarray, stay: float, step: float) -> str:
    """Where the transitions are worth most, and what they add at the two ends of the noise range."""
    best = int(np.argmax(gains))
    return (f"With this chain (stay {stay:.2f}, step {step:.2f}) the transitions are worth most at "
            f"noise **{noises[best]:.2f}**, {gains[best]:.1f} points; at noise {noises[0]:.2f} they add "
            f"{gains[0]:.1f} and at {noises[-1]:.2f} {gains[-1]:.1f} (amber: the noise chosen above)."
            + (" Where every glyph reads itself the neighbours add nothing" if abs(gains[0]) < 0.5 else "")
            + ("; where the neighbours are nearly as unreadable as the glyph, they have less to give."
               if 0 < best < len(noises) - 1 and gains[-1] < 0.5 * gains[best] else "."))


def duel_sentence(last_c: dict, last_n: dict, ref: dict) -> str:
    """The CRF against the net alone after the last epoch: a verdict from both held-out measures."""
    ep = int(last_c["epoch"])
    if ep == 0:
        return "Both models start from the same random net and A = 0, so their numbers are equal: press **Train**."
    d_acc = last_c["held-out accuracy"] - last_n["held-out accuracy"]
    d_nats = last_c["held-out nats"] - last_n["held-out nats"]
    verdict = ("the transitions help" if d_acc > 0.005 and d_nats > 0 else
               "the transitions do not help (yet)" if d_acc <= 0.005 and d_nats <= 0 else "the picture is mixed")
    return (f"After {ep} epoch{'s' if ep > 1 else ''}: {verdict}. The CRF labels "
            f"{pct(last_c['held-out accuracy'])} of held-out positions right against "
            f"{pct(last_n['held-out accuracy'])} "
            f"({100 * d_acc:+.1f} points), and its log-likelihood is {d_nats:+.3f} nats per position from the net "
            f"alone's. The generating HMM, best in expectation, scores {pct(ref['hmm']['accuracy'])} and "
            f"{ref['hmm']['nats']:.3f} nats.")


def run_sentence(now: dict, ref: dict, correlation: float) -> str:
    """The user's run in the closing notice: the CRF against the HMM, and whether A has become the grammar."""
    if now["epoch"] == 0:
        return ""
    return (f" In your run, after {now['epoch']} epochs, the CRF reaches {pct(now['held-out accuracy'])} against the "
            f"generating HMM's {pct(ref['hmm']['accuracy'])} on its task, and its learned A "
            + (f"has recovered the grammar (correlation {correlation:.2f} with log P)." if correlation > 0.9 else
               f"is not yet the grammar (correlation {correlation:.2f} with log P)."))


def labelled_rows(names: list[str], y: np.ndarray, decoded: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """The true labels and each decoding's, a wrong label marked ✗."""
    rows = {"true": [names[k] for k in y]}
    for who, labels in decoded.items():
        rows[who] = [names[k] + ("" if k == t else " ✗") for k, t in zip(labels, y)]
    return rows
