"""The greedy lesson's experiment: does the bound on log p(v) rise while the second RBM learns?

`bound_experiment` trains RBM 1 on the data, starts RBM 2 at its transpose (the bound is then tight,
`pgmviz.evaluation.dbn_bound`) and trains it on RBM 1's aggregated posterior, recording the mean
bound at checkpoints; `falls` counts the checkpoints where it went down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from pgmviz.evaluation.dbn_bound import aggregated_posterior, transpose, variational_bound
from pgmviz.models.rbm import RBM, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.training.gradients import exact_gradient
from pgmviz.training.greedy import hidden_data
from pgmviz.training.train import Trainer, TrainSettings


@dataclass
class BoundRun:
    """The bound while the second RBM trains: one row of means per checkpoint."""

    steps: list[int]
    history: list[dict[str, float]]
    rbm1: RBM
    rbm2: RBM
    seconds: float


BOUND_RULES = ("pcd", "exact")  # how RBM 2 learns in the bound experiment
EXACT_RULE_LR = 0.05  # full-batch ascent on the exact gradient: small enough to rise at every step



def bound_experiment(X: np.ndarray, n_h: int = 8, steps1: int = 2000, steps2: int = 2000,
                     every: int = 100, settings1: TrainSettings | None = None,
                     settings2: TrainSettings | None = None, propagate: str = "samples",
                     rng: int | np.random.Generator | None = 0,
                     progress: Callable[[int, dict[str, float]], None] | None = None,
                     rule: str = "pcd") -> BoundRun:
    """The lecture's claim on a model small enough to enumerate.

    Train RBM 1 (n_v x n_h) on X; start RBM 2 at its transpose (the bound is then tight); train
    RBM 2 on RBM 1's aggregated posterior and record the mean bound every ``every`` updates.
    ``propagate="samples"`` trains RBM 2 on binary h ~ Q(h|v), 20 per data vector, whose mean
    log-likelihood under RBM 2 estimates exactly the sum_h Q log p2 term of the bound.

    ``rule="exact"`` instead ascends the exact gradient of sum_h q(h) log p2(h), q the aggregated
    posterior (`aggregated_posterior`; ``propagate`` is then moot): the mean bound is that sum plus
    terms RBM 2 does not touch, so with a small enough step it rises at every update. That is the
    guarantee's second condition (RBM 2 improves its likelihood of q); PCD only estimates the
    gradient, and its noise can lower the bound.
    """
    if rule not in BOUND_RULES:
        raise ValueError(f"rule must be one of {BOUND_RULES}; got {rule!r}")
    X = check_visible(X, X.shape[1], np.float32)
    rng = as_rng(rng)
    s1 = settings1 or TrainSettings(lr=0.1, momentum=0.5, weight_decay=0.0, batch_size=10, sampler="pcd",
                                    k=1, n_chains=100, seed=int(rng.integers(2**31)))
    # A small step and many persistent chains keep the curve of the bound from wobbling.
    s2 = settings2 or TrainSettings(lr=0.01, momentum=0.5, weight_decay=0.0, batch_size=100, sampler="pcd",
                                    k=1, n_chains=200, seed=int(rng.integers(2**31)))
    t0 = time.perf_counter()
    rbm1 = RBM.random(X.shape[1], n_h, seed=rng, data=X, sigma=0.1, dtype=np.float64)
    Trainer(rbm1, X, settings=s1).run(steps1, with_metrics=False)
    H = hidden_data(rbm1, np.repeat(X, 20 if propagate == "samples" else 1, axis=0), propagate, rng)
    rbm2 = transpose(rbm1)
    trainer2 = Trainer(rbm2, H, settings=s2) if rule == "pcd" else None
    steps, history = [], []
    q_agg, H_all = (aggregated_posterior(rbm1, X), all_states(n_h)) if rule == "exact" else (None, None)
    done = [0]

    def record() -> None:
        m = variational_bound(rbm1, rbm2, X).means()
        steps.append(done[0])
        history.append(m)
        if progress is not None:
            progress(done[0], m)

    def advance(n: int) -> None:
        if trainer2 is not None:
            trainer2.run(n, with_metrics=False)
            done[0] = trainer2.step
            return
        for _ in range(n):
            g = exact_gradient(rbm2, H_all, weights=q_agg)
            rbm2.W += EXACT_RULE_LR * g.W
            rbm2.b += EXACT_RULE_LR * g.b
            rbm2.c += EXACT_RULE_LR * g.c
        done[0] += n

    record()
    while done[0] < steps2:
        advance(min(every, steps2 - done[0]))
        record()
    return BoundRun(steps, history, rbm1, rbm2.copy(), time.perf_counter() - t0)


def falls(history: list[dict[str, float]], key: str = "bound", tol: float = 1e-9) -> int:
    """How many checkpoints after the first have a lower ``key`` than the checkpoint before."""
    values = [h[key] for h in history]
    return sum(1 for a, b in zip(values, values[1:]) if b < a - tol)
