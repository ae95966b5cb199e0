"""Losses of a unit with output o = sigmoid(z) and target t, averaged over examples, and what they are.

    squared error    L = mean 1/2 (t - o)^2                  = Gaussian NLL up to scale and constant
    cross-entropy    L = mean -[t log o + (1-t) log(1-o)]    = Bernoulli NLL exactly

`loss_value` from the logit (stable), `dloss_dz` the gradient backprop starts from; the
likelihood functions make the two readings checkable number by number.
"""

from __future__ import annotations

import numpy as np

from pgmviz.special import sigmoid, softplus

LOSSES = ("cross_entropy", "squared")


def squared_error(o, t) -> float:
    """L = mean_n 1/2 (t_n - o_n)^2."""
    o, t = np.asarray(o, float), np.asarray(t, float)
    return float(np.mean(0.5 * (t - o) ** 2))


def cross_entropy(o, t) -> float:
    """L = mean_n -[t_n log o_n + (1 - t_n) log(1 - o_n)], from probabilities o in (0, 1)."""
    o, t = np.asarray(o, float), np.asarray(t, float)
    return float(np.mean(-(t * np.log(o) + (1.0 - t) * np.log1p(-o))))


def cross_entropy_from_logit(z, t) -> float:
    """The same cross-entropy from the logit z = logit(o): mean softplus(z) - t z (no log(0))."""
    z, t = np.asarray(z, float), np.asarray(t, float)
    return float(np.mean(softplus(z) - t * z))


def loss_value(kind: str, z, t) -> float:
    """The mean loss of kind "cross_entropy" or "squared" for logits z and targets t."""
    if kind == "cross_entropy":
        return cross_entropy_from_logit(z, t)
    if kind == "squared":
        return squared_error(sigmoid(z), t)
    raise ValueError(f"loss must be one of {LOSSES}, not {kind!r}")


def dloss_dz(kind: str, o, t):
    """dL_n/dz_n for one example: o - t (cross-entropy) or (o - t) o (1 - o) (squared error).

    Cross-entropy's gradient keeps no o(1-o) factor, so a confidently wrong sigmoid output still
    learns fast; squared error's gradient vanishes there.
    """
    o, t = np.asarray(o, float), np.asarray(t, float)
    if kind == "cross_entropy":
        return o - t
    if kind == "squared":
        return (o - t) * o * (1.0 - o)
    raise ValueError(f"loss must be one of {LOSSES}, not {kind!r}")


# likelihoods
def gaussian_nll(y, f, sigma):
    """-log N(y; f, sigma^2), evaluated from the density itself: -log[exp(-(y-f)^2/2s^2)/sqrt(2 pi s^2)]."""
    y, f, sigma = (np.asarray(a, float) for a in (y, f, sigma))
    density = np.exp(-((y - f) ** 2) / (2.0 * sigma**2)) / np.sqrt(2.0 * np.pi * sigma**2)
    return -np.log(density)


def gaussian_nll_as_squared_error(y, f, sigma):
    """(y - f)^2 / (2 sigma^2) + 1/2 log(2 pi sigma^2): squared error, scaled, plus a constant in f."""
    y, f, sigma = (np.asarray(a, float) for a in (y, f, sigma))
    return (y - f) ** 2 / (2.0 * sigma**2) + 0.5 * np.log(2.0 * np.pi * sigma**2)


def bernoulli_nll(t, o):
    """-log Bern(t; o) = -log(o^t (1 - o)^(1 - t)), evaluated from the probability mass itself."""
    t, o = np.asarray(t, float), np.asarray(o, float)
    return -np.log(o**t * (1.0 - o) ** (1.0 - t))


def cross_entropy_terms(t, o):
    """-[t log o + (1 - t) log(1 - o)] per example: the cross-entropy loss before averaging."""
    t, o = np.asarray(t, float), np.asarray(o, float)
    return -(t * np.log(o) + (1.0 - t) * np.log1p(-o))
