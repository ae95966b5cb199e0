"""One unit on the four boolean inputs: the perceptron and the logistic unit, and why XOR defeats both.

    perceptron       y = 1[w.x >= theta]              rule: w += lr (t - y) x,  theta -= lr (t - y)
    logistic unit    o = sigmoid(w.x - theta)         batch gradient descent on a loss

``w`` has shape (2,), ``theta`` is a number; the tasks are `pgmviz.nets.mlp.TASKS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.nets.losses import dloss_dz, loss_value
from pgmviz.nets.mlp import X_BOOL, boolean_task
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid


@dataclass
class UnitRun:
    """The history of one single-unit training run, one row per recorded epoch.

    epochs : (n_rec,) int     the epoch after which each row was recorded (0 = initial weights)
    w      : (n_rec, 2)       weights w1, w2
    theta  : (n_rec,)         the threshold
    errors : (n_rec,) int     misclassified inputs out of four (threshold at 0.5 for the logistic unit)
    loss   : (n_rec,) | None  mean loss (logistic unit only)
    converged_at : first recorded epoch with zero errors, or None
    """

    rule: str
    task: str
    epochs: np.ndarray
    w: np.ndarray
    theta: np.ndarray
    errors: np.ndarray
    loss: np.ndarray | None = None
    loss_kind: str | None = None
    converged_at: int | None = None

    def outputs(self, k: int, X: np.ndarray = X_BOOL) -> np.ndarray:
        """The unit's output at row k for inputs X: 0/1 for the perceptron, o in (0,1) else."""
        net = X @ self.w[k] - self.theta[k]
        return (net >= 0).astype(float) if self.rule == "perceptron" else sigmoid(net)


def threshold_unit(X: np.ndarray, w: np.ndarray, theta: float) -> np.ndarray:
    """y = 1[w.x >= theta] for each row x of X."""
    return (np.asarray(X, float) @ np.asarray(w, float) >= theta).astype(float)


def _first_zero(epochs: np.ndarray, errors: np.ndarray) -> int | None:
    hits = np.flatnonzero(errors == 0)
    return int(epochs[hits[0]]) if hits.size else None


def perceptron_train(task: str, epochs: int = 30, lr: float = 1.0, rng=0) -> UnitRun:
    """Rosenblatt's rule, one example at a time: w += lr (t - y) x, theta -= lr (t - y).

    The weights start at small random values and the examples are visited in a fresh random
    order each epoch (both from ``rng``). On a linearly separable task (AND, OR) the rule stops
    changing anything after finitely many mistakes; on XOR it cycles for ever.
    """
    X, t = boolean_task(task)
    gen = as_rng(rng)
    w = gen.normal(0.0, 0.5, 2)
    theta = float(gen.normal(0.0, 0.5))
    W_hist, th_hist, err_hist = [w.copy()], [theta], [int(np.sum(threshold_unit(X, w, theta) != t))]
    for _ in range(epochs):
        for n in gen.permutation(len(X)):
            y = float(X[n] @ w >= theta)
            w = w + lr * (t[n] - y) * X[n]  # no change when the example is right
            theta = theta - lr * (t[n] - y)
        W_hist.append(w.copy())
        th_hist.append(theta)
        err_hist.append(int(np.sum(threshold_unit(X, w, theta) != t)))
    ep = np.arange(epochs + 1)
    errors = np.array(err_hist)
    return UnitRun("perceptron", task, ep, np.array(W_hist), np.array(th_hist), errors,
                   converged_at=_first_zero(ep, errors))


def logistic_gradient(X, t, w, theta, loss: str) -> tuple[np.ndarray, float]:
    """(dL/dw, dL/dtheta) of the mean loss of o = sigmoid(w.x - theta).

    dL/dw = mean_n dL_n/dnet_n x_n, and dL/dtheta = -mean_n dL_n/dnet_n since d net/d theta = -1.
    """
    o = sigmoid(X @ w - theta)
    delta = dloss_dz(loss, o, t)  # (n,) dL_n / d net_n
    return X.T @ delta / len(X), -float(np.mean(delta))


def logistic_train(task: str, epochs: int = 300, lr: float = 2.0, loss: str = "cross_entropy",
                   rng=0) -> UnitRun:
    """A logistic unit o = sigmoid(w.x - theta) trained by batch gradient descent on ``loss``.

    On XOR no single unit can do better than w = 0, theta = 0 under cross-entropy (the loss is
    convex and that point is stationary), so the loss stalls at log 2 per example.
    """
    X, t = boolean_task(task)
    gen = as_rng(rng)
    w = gen.normal(0.0, 0.5, 2)
    theta = float(gen.normal(0.0, 0.5))
    W_hist = np.empty((epochs + 1, 2))
    th_hist = np.empty(epochs + 1)
    loss_hist = np.empty(epochs + 1)
    for e in range(epochs + 1):
        W_hist[e], th_hist[e] = w, theta
        loss_hist[e] = loss_value(loss, X @ w - theta, t)
        if e == epochs:
            break
        gw, gth = logistic_gradient(X, t, w, theta, loss)
        w = w - lr * gw
        theta = theta - lr * gth
    out = sigmoid(X @ W_hist.T - th_hist)  # (4, epochs+1)
    errors = np.sum((out >= 0.5) != (t[:, None] == 1), axis=0).astype(int)
    ep = np.arange(epochs + 1)
    return UnitRun("logistic", task, ep, W_hist, th_hist, errors, loss_hist, loss,
                   converged_at=_first_zero(ep, errors))


def xor_inequalities(w1: float, w2: float, theta: float) -> list[tuple[str, str, bool]]:
    """The four conditions a threshold unit y = 1[w.x >= theta] needs for XOR, checked.

    Returns (input x1x2, condition, holds) for x = 00, 10, 01, 11, numbered (1)-(4) as on the
    slide. No (w1, w2, theta) makes all four hold: (1) needs 0 < theta, (2) + (3) give
    w1 + w2 >= 2 theta > theta, against (4).
    """
    return [
        ("00", "w1·0 + w2·0 < θ", bool(0.0 < theta)),
        ("10", "w1 ≥ θ", bool(w1 >= theta)),
        ("01", "w2 ≥ θ", bool(w2 >= theta)),
        ("11", "w1 + w2 < θ", bool(w1 + w2 < theta)),
    ]


SLIDE_COUNTEREXAMPLE = (-1.0, -1.0, 0.2)  # w1, w2, theta: the slide's three conditions all hold


def slide_xor_conditions(w1: float, w2: float, theta: float) -> list[tuple[str, str, float, bool]]:
    """The slide's XOR argument for a unit sigma(w1 x1 + w2 x2) thresholded at theta, checked.

    Returns (input x1x2, condition, sigma(w.x), holds) for x = 10, 01, 11 (the slide's three
    equations) and then 00, which the slide leaves out. The three alone can all hold
    (`SLIDE_COUNTEREXAMPLE`: sigma(-1) = 0.27 >= 0.2 twice, sigma(-2) = 0.12 < 0.2); the (0,0) case,
    sigma(0) = 1/2 < theta, is what rules such weights out.
    """
    s = lambda z: float(1.0 / (1.0 + np.exp(-z)))  # noqa: E731
    return [
        ("10", "σ(w1) ≥ θ", s(w1), s(w1) >= theta),
        ("01", "σ(w2) ≥ θ", s(w2), s(w2) >= theta),
        ("11", "σ(w1 + w2) < θ", s(w1 + w2), s(w1 + w2) < theta),
        ("00", "σ(0) < θ", s(0.0), s(0.0) < theta),
    ]
