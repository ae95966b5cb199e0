"""The exact posterior p(h | v) of a small Boltzmann machine, and how far it is from factorising.

Everything enumerates the 2^n_h hidden states (rows ordered as ``all_states(n_h)``, the order of
`pgmviz.models.boltzmann`), so no factorisation is assumed: right for a general Boltzmann machine
with lateral couplings as well as for an RBM, where KL(p(h|v) || prod_j p(h_j|v)) is 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, rel_entr

from pgmviz.models.boltzmann import _binary_vector, _check_n_v, _check_size, check_qubo, qubo_energy
from pgmviz.sampling.partition import all_states


def log_conditional_h_given_v(Q: np.ndarray, n_v: int, v: np.ndarray) -> np.ndarray:
    """log p(h | v) = -E(v, h) - logsumexp_h'(-E(v, h')) for every hidden state h.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    n_v : int
        Number of visible units; n_h = N - n_v <= MAX_UNITS.
    v : ndarray of shape (n_v,)
        The clamped binary visible vector.

    Returns
    -------
    log_p : ndarray of shape (2^n_h,), rows ordered as ``all_states(n_h)``
    """
    Q = check_qubo(Q)
    N = Q.shape[0]
    n_v = _check_n_v(n_v, N)
    n_h = N - n_v
    _check_size(n_h)
    v = _binary_vector(v, "v")
    if v.shape != (n_v,):
        raise ValueError(f"v must have shape ({n_v},); got {v.shape}")
    H = all_states(n_h)
    X = np.hstack([np.broadcast_to(v, (H.shape[0], n_v)), H])  # (2^n_h, N): v clamped, h enumerated
    neg_E = -qubo_energy(Q, X)
    return neg_E - logsumexp(neg_E)


def conditional_h_given_v(Q: np.ndarray, n_v: int, v: np.ndarray) -> np.ndarray:
    """p(h | v) = exp(-E(v, h)) / sum_h' exp(-E(v, h')), exactly, over all 2^n_h hidden states.

    No factorisation is assumed: this is the full joint posterior over h, so it is right for a
    general Boltzmann machine as well as for an RBM.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    n_v : int
        Number of visible units.
    v : ndarray of shape (n_v,)
        The clamped binary visible vector.

    Returns
    -------
    p : ndarray of shape (2^n_h,), rows ordered as ``all_states(n_h)``; sums to 1
    """
    return np.exp(log_conditional_h_given_v(Q, n_v, v))


def hidden_marginals(p_joint: np.ndarray, n_h: int) -> np.ndarray:
    """m_j = p(h_j = 1 | v) = sum_h p(h | v) h_j, from a joint distribution over all h.

    Parameters
    ----------
    p_joint : ndarray of shape (2^n_h,), rows ordered as ``all_states(n_h)``
    n_h : int

    Returns
    -------
    m : ndarray of shape (n_h,)
    """
    p_joint = _check_distribution(p_joint, n_h)
    return p_joint @ all_states(n_h)


def product_of_marginals(p_joint: np.ndarray, n_h: int) -> np.ndarray:
    """q(h) = prod_j m_j^h_j (1 - m_j)^(1 - h_j) with m_j = p(h_j = 1 | v): the factorised fit.

    q is the distribution with the same one-unit marginals as p but with the units independent;
    it equals p exactly when the hidden units are conditionally independent (as in an RBM).

    Parameters
    ----------
    p_joint : ndarray of shape (2^n_h,), rows ordered as ``all_states(n_h)``
    n_h : int

    Returns
    -------
    q : ndarray of shape (2^n_h,), same order; sums to 1
    """
    p_joint = _check_distribution(p_joint, n_h)
    H = all_states(n_h)
    on = p_joint @ H  # p(h_j = 1)
    off = p_joint @ (1.0 - H)  # p(h_j = 0), summed directly rather than as 1 - on, to keep tiny values
    with np.errstate(divide="ignore"):
        log_on, log_off = np.log(on), np.log(off)  # -inf for a unit that is never on (off)
    log_q = np.where(H == 1, log_on, log_off).sum(axis=1)  # (2^n_h,): pick the factor each h_j uses
    return np.exp(log_q)


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) = sum_x p(x) log(p(x) / q(x)) in nats, with 0 log 0 = 0.

    Parameters
    ----------
    p, q : ndarray of shape (S,)
        Distributions over the same S states.

    Returns
    -------
    float
        >= 0; zero iff p = q; inf when q(x) = 0 somewhere p(x) > 0.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D and of the same shape; got {p.shape} and {q.shape}")
    if not (np.isfinite(p).all() and np.isfinite(q).all()) or (p < 0).any() or (q < 0).any():
        raise ValueError("p and q must be finite and non-negative")
    # Rounding can leave a sum of tiny negative terms; KL itself is never negative.
    return max(float(rel_entr(p, q).sum()), 0.0)


def kl_to_product_of_marginals(Q: np.ndarray, n_v: int, v: np.ndarray) -> float:
    """KL(p(h|v) || prod_j p(h_j|v)): 0 when the hidden units are independent given v."""
    p = conditional_h_given_v(Q, n_v, v)
    n_h = Q.shape[0] - n_v
    return kl(p, product_of_marginals(p, n_h))


def _check_distribution(p: np.ndarray, n_h: int) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape != (2**n_h,):
        raise ValueError(f"expected a distribution over 2^{n_h} = {2**n_h} states; got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("a distribution must be finite and non-negative")
    return p
