"""Sampled against exact, for a small Boltzmann machine: the gradient, p(h|v), and p_T at any T.

Each function runs fresh Gibbs chains (`pgmviz.sampling.bm_gibbs`) and sets their result beside
the same quantity by enumeration, so a page can show how far the samples are from the truth:

- `gradient_check`: one sampled estimate of (<x x^T>_clamped - <x x^T>_free) / T vs the exact one;
- `conditional_check`: the clamped chain's p(h | v) vs the exact posterior, which with
  hidden-hidden couplings does not factorise (KL to the product of its marginals > 0);
- `temperature_check`: free chains at temperature T vs p_T(v) = sum_h exp(-E(v, h)/T) / Z_T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models import bm_posterior, boltzmann
from pgmviz.rng import as_rng
from pgmviz.sampling.bm_gibbs import (
    check_temperature,
    gibbs_sweeps,
    histogram,
    noise_floor,
    p_T_visible,
    state_indices,
    total_variation,
)
from pgmviz.training.bm_learning import check_data, exact_gradient, sampled_statistics
from pgmviz.training.gradients import cosine


@dataclass
class GradientCheck:
    exact: np.ndarray  # (N, N) d mean log p_T / dQ on the mask
    sampled: np.ndarray  # (N, N) one estimate from fresh chains
    cosine: float  # cos(sampled, exact) over the learnable entries
    exact_norm: float
    error_norm: float  # |sampled - exact|
    unit_updates: int


def gradient_check(Q: np.ndarray, n_v: int, V: np.ndarray, sweeps: int, n_free: int, T: float = 1.0,
                   mask: np.ndarray | None = None, rng: int | np.random.Generator | None = 0) -> GradientCheck:
    """One sampled gradient (a clamped chain per data row, ``n_free`` free chains, fresh, ``sweeps``
    sweeps each) beside the exact gradient, both at temperature T."""
    V = check_data(V, n_v)
    G = exact_gradient(Q, n_v, V, T, mask)
    stats = sampled_statistics(Q, n_v, V, sweeps, T, n_free=n_free, rng=as_rng(rng))
    G_hat = stats.gradient(T, mask)
    keep = np.triu(np.ones_like(G, dtype=bool)) if mask is None else mask
    return GradientCheck(G, G_hat, cosine(G_hat[keep], G[keep]), float(np.linalg.norm(G[keep])),
                         float(np.linalg.norm((G_hat - G)[keep])), stats.unit_updates)


@dataclass
class ConditionalCheck:
    exact: np.ndarray  # (2^n_h,) p_T(h | v), rows as all_states(n_h)
    sampled: np.ndarray  # (2^n_h,) the clamped chains' histogram
    tv: float  # total variation between them
    kl_factorial: float  # KL(p(h|v) || prod_j p(h_j|v)): 0 iff the posterior factorises
    flip_rate: float
    tv_floor: float  # TV of as many independent exact draws: the sampling noise alone


def conditional_check(Q: np.ndarray, n_v: int, v: np.ndarray, sweeps: int, n_chains: int, T: float = 1.0,
                      rng: int | np.random.Generator | None = 0) -> ConditionalCheck:
    """Clamped-phase chains (v fixed, h swept ``sweeps`` times from random starts) beside p_T(h | v)."""
    T = check_temperature(T)
    Q = boltzmann.check_qubo(Q)
    v = check_data(np.atleast_2d(v), n_v)[0]
    n_h = Q.shape[0] - n_v
    rng = as_rng(rng)
    exact = bm_posterior.conditional_h_given_v(Q / T, n_v, v)  # p_T(h|v) is p(h|v) of the energy E/T
    start = np.hstack([np.tile(v, (n_chains, 1)), (rng.random((n_chains, n_h)) < 0.5).astype(np.float64)])
    run = gibbs_sweeps(Q, start, sweeps, T, units=range(n_v, Q.shape[0]), rng=rng)
    sampled = histogram(run.X[:, n_v:])
    kl = bm_posterior.kl(exact, bm_posterior.product_of_marginals(exact, n_h))
    return ConditionalCheck(exact, sampled, total_variation(exact, sampled), kl, run.flip_rate,
                            noise_floor(exact, n_chains, rng))


@dataclass
class TemperatureCheck:
    T: float
    exact: np.ndarray  # (2^n_v,) p_T(v)
    sampled: np.ndarray  # (2^n_v,) the free chains' visible histogram
    exact_at_1: np.ndarray  # (2^n_v,) p_1(v), the model itself
    tv: float  # TV(sampled, p_T)
    tv_to_model: float  # TV(sampled, p_1): what sampling at T != 1 gets wrong about the model
    mass_on: dict[str, float]  # exact p_T, sampled, exact p_1 of the given patterns (e.g. the data)
    flip_rate: float
    tv_floor: float  # TV(independent exact draws from p_T, p_T), as many as the chains: the noise alone


def temperature_check(Q: np.ndarray, n_v: int, T: float, sweeps: int, n_chains: int,
                      patterns: np.ndarray | None = None, rng: int | np.random.Generator | None = 0
                      ) -> TemperatureCheck:
    """Free chains at temperature T from random states, ``sweeps`` sweeps, beside the exact p_T(v) and p_1(v)."""
    T = check_temperature(T)
    Q = boltzmann.check_qubo(Q)
    rng = as_rng(rng)
    exact, model = p_T_visible(Q, n_v, T), p_T_visible(Q, n_v, 1.0)
    start = (rng.random((int(n_chains), Q.shape[0])) < 0.5).astype(np.float64)
    run = gibbs_sweeps(Q, start, sweeps, T, rng=rng)
    sampled = histogram(run.X[:, :n_v])
    mass = {}
    if patterns is not None:
        idx = np.unique(state_indices(check_data(patterns, n_v)))
        mass = {"exact": float(exact[idx].sum()), "sampled": float(sampled[idx].sum()),
                "model": float(model[idx].sum())}
    return TemperatureCheck(T, exact, sampled, model, total_variation(sampled, exact),
                            total_variation(sampled, model), mass, run.flip_rate, noise_floor(exact, n_chains, rng))
