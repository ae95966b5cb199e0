"""The infinite belief net lesson's experiments, built on ``pgmviz.models.unroll``.

* its small RBM, drawn from one seed: W = scale x N(0, 1), b, c ~ N(0, 1);
* untying (section 4): W_above = W + eps D for every level above h_0, D = ``perturbation`` with seed + 1;
  the exact posterior p(h_0 | v_0) against q = prod_j sigmoid(c + v_0 W)_j, along an eps grid too;
* CD-k against the telescoped sum (section 5): sampled and exact, and the objective CD-k follows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models import sbn, unroll
from pgmviz.models.bm_posterior import kl
from pgmviz.models.rbm import RBM
from pgmviz.training.gradients import cd_expected_update, cosine


def small_rbm(n_v: int, n_h: int, scale: float, seed: int) -> RBM:
    """W = scale x N(0, 1), b, c ~ N(0, 1): the standard normals come first, so the scale only stretches W."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n_v, n_h))
    return RBM(scale * Z, rng.standard_normal(n_v), rng.standard_normal(n_h))


@dataclass(frozen=True)
class Untied:
    """The exact posterior over h_0 with the weights above untied by eps, and the factorial q."""

    posterior: np.ndarray  # p(h_0 | v_0) over the 2^n_h states, by enumeration
    factorial: np.ndarray  # q(h_0) = prod_j sigmoid(c + v_0 W)_j: one multiplication by W^T
    kl_to_factorial: float  # KL(p || prod of p's marginals): 0 when the posterior factorises
    slack: float  # KL(q || p): log p(v_0) minus the variational bound with q

    @property
    def max_diff(self) -> float:
        """max |p(h_0 | v_0) - q(h_0)| over the states."""
        return float(np.abs(self.posterior - self.factorial).max())


def untied(rbm: RBM, v0: np.ndarray, eps: float, seed: int, K: int) -> Untied:
    """p(h_0 | v_0) in the K-level net whose weights above h_0 are W + eps D (D from ``seed + 1``)."""
    W_above = rbm.W + eps * unroll.perturbation(rbm.W.shape, seed=seed + 1)
    post = unroll.posterior_h0(rbm, v0, W_above=W_above, K=K)
    fact = unroll.factorial_posterior(rbm, v0)
    return Untied(post, fact, sbn.kl_to_factorial(post, rbm.n_h), kl(fact, post))


def untying_curve(rbm: RBM, v0: np.ndarray, eps_grid: np.ndarray, seed: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Both KLs of ``untied`` along ``eps_grid``: (KL(p || prod of marginals), slack KL(q || p))."""
    points = [untied(rbm, v0, float(e), seed, K) for e in eps_grid]
    return np.array([u.kl_to_factorial for u in points]), np.array([u.slack for u in points])


def levels_within(tele: unroll.Telescope, fraction: float = 0.01) -> int | None:
    """The fewest levels k whose 2k terms come within ``fraction`` of the gradient's length; None if none do."""
    gaps, norm = tele.gaps(), tele.exact.norm
    return next((k for k in range(1, len(gaps)) if gaps[k] <= fraction * norm), None)


@dataclass(frozen=True)
class CDReading:
    """CD-k read three ways against the tied net's terms."""

    sampled_gap: float  # max |CD-k averaged over chains - the first 2k exact terms|: sampling noise only
    objective: float  # KL(p_0 || p_inf) - KL(p_k || p_inf), nats
    dropped: float  # |objective's gradient - CD-k's update|: the part that moves p_k
    update_norm: float  # |CD-k's update|
    cosine: float  # cos(objective's gradient, CD-k's update)


def cd_reading(rbm: RBM, v0: np.ndarray, k: int, tele: unroll.Telescope, n_chains: int, seed: int) -> CDReading:
    """CD-k from the data v_0: sampled over ``n_chains`` chains, and exactly, with its objective."""
    p0 = unroll.point_mass(v0)
    sampled = cd_expected_update(rbm, v0[None, :], k=k, n_chains=n_chains, rng=seed)
    grad = unroll.cd_objective_gradient(rbm, p0, k)
    cd = tele.cd[k]
    return CDReading(float(np.abs((sampled.update - tele.partial[k]).flat()).max()), unroll.cd_objective(rbm, p0, k),
                     (grad - cd).norm, cd.norm, cosine(grad.flat(), cd.flat()))
