"""The partition function Z = sum_{v,h} exp(-E(v, h)) and the exact log-likelihood it buys.

Summing over the larger layer is done in closed form (it is the free energy), so only the smaller
layer is enumerated: 2**min(n_v, n_h) states. By the symmetry of the bipartite graph,

    log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W[i, :].h) ]     (enumerate h)
          = logsumexp_v [ b.v + sum_j softplus(c_j + v.W[:, j]) ]     (enumerate v)

Feasible up to about 24 units on the smaller side. Estimates for bigger models (AIS, population
annealing) belong to their own module.
"""

from __future__ import annotations

import numpy as np

from pgmviz import kernels
from pgmviz.rbm import RBM, check_visible

MAX_EXACT_UNITS = 26  # 2**26 states: minutes; beyond that refuse rather than hang a page


def exact_feasible(rbm: RBM, max_units: int = 20) -> bool:
    """Whether exact enumeration is cheap enough to run interactively (default: <= 2**20 states)."""
    return min(rbm.n_v, rbm.n_h) <= max_units


def all_states(n: int) -> np.ndarray:
    """All 2**n binary vectors as rows (float64); row i holds the bits of i, unit 0 most significant."""
    if not 0 <= n <= MAX_EXACT_UNITS:
        raise ValueError(f"cannot enumerate 2**{n} states (at most 2**{MAX_EXACT_UNITS})")
    idx = np.arange(2**n)[:, None]
    return ((idx >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def log_Z_exact(rbm: RBM) -> float:
    """log Z by enumerating the smaller layer, in float64 (exact up to rounding).

    Uses the Gray-code kernel with multiplicative exp tracking; for weights so large that
    activations could move by hundreds within one block it falls back to evaluating softplus
    directly (slower, equally exact).
    """
    W, b, c = (np.asarray(x, dtype=np.float64) for x in (rbm.W, rbm.b, rbm.c))
    if not (np.isfinite(W).all() and np.isfinite(b).all() and np.isfinite(c).all()):
        raise ValueError("the model has NaN or infinite parameters; log Z is undefined")
    # Enumerate the smaller layer: its weights become the rows of Wt.
    if rbm.n_h <= rbm.n_v:
        Wt, outer_bias, inner_bias = W.T, b, c
    else:
        Wt, outer_bias, inner_bias = W, c, b
    n_enum = Wt.shape[0]
    if n_enum > MAX_EXACT_UNITS:
        raise ValueError(
            f"exact log Z needs 2**{n_enum} terms (smaller layer has {n_enum} units; at most "
            f"{MAX_EXACT_UNITS}): use an estimate such as AIS instead"
        )
    Wt = np.ascontiguousarray(Wt)
    inner_bits = min(n_enum, kernels.INNER_BITS)
    block_range = np.abs(Wt[:inner_bits]).sum(axis=0).max(initial=0.0)
    n_other = Wt.shape[1]
    if block_range < kernels.SAFE_BLOCK_RANGE and np.abs(Wt).max(initial=0.0) < kernels.EXP_CLIP and n_other < 1000:
        return float(kernels.log_Z_gray(Wt, outer_bias, inner_bias, inner_bits))
    return float(kernels.log_Z_softplus(Wt, outer_bias, inner_bias, inner_bits))


def log_likelihood_exact(rbm: RBM, V: np.ndarray, log_Z: float | None = None) -> float:
    """Mean log p(v) = mean(-F(v)) - log Z over the rows of V, in nats."""
    V = check_visible(V, rbm.n_v, np.float64)
    if log_Z is None:
        log_Z = log_Z_exact(rbm)
    return float(-rbm.astype(np.float64).free_energy(V).mean() - log_Z)


def log_p_v_all(rbm: RBM) -> np.ndarray:
    """log p(v) for every v in {0,1}^n_v (n_v small), rows ordered as in `all_states`."""
    V = all_states(rbm.n_v)
    return -rbm.astype(np.float64).free_energy(V) - log_Z_exact(rbm)
