"""Boltzmann machines as energies over all their states: the QUBO form and exact tables.

The exact posterior p(h | v) and its distance from factorising are `pgmviz.models.bm_posterior`;
the exponential-family reading (potentials, sufficient statistics, natural parameters) is
`pgmviz.models.expfam`.

A Boltzmann machine over binary units ``x = [v, h]`` (visible first, then hidden) gives every
state a probability through its energy:

    p(x) = exp(-E(x)) / Z,        Z = sum_x exp(-E(x)),        log Z = logsumexp_x(-E(x))

QUBO convention, fixed once for this module. The energy is a quadratic form in binary x,

    E(x) = -x^T Q x = -sum_{i<=j} x_i Q_ij x_j          with Q upper triangular (Q_ij = 0, i > j)

Because x_i^2 = x_i for x_i in {0, 1}, the diagonal Q_ii acts linearly: it is the bias of unit i.
An off-diagonal Q_ij (i < j) is the coupling between units i and j, counted once. For an RBM
with weights ``W`` (n_v, n_h), visible bias ``b`` and hidden bias ``c`` this gives

    Q = [[diag(b),  W      ],        E(v, h) = -b.v - v.W.h - c.h
         [0,        diag(c)]]

A general Boltzmann machine adds lateral couplings: visible-visible entries in the top-left
block and hidden-hidden entries in the bottom-right block, both strictly above the diagonal.

Enumeration order, used by every table here: row k of ``pgmviz.sampling.partition.all_states(n)`` holds
the binary digits of k with unit 0 as the most significant bit. For the joint state x = [v, h]
that makes v vary slowest, so the 2^(n_v+n_h) rows reshape to (2^n_v, 2^n_h) with p(v, h) at
[index(v), index(h)].

Everything here enumerates all states, so it is meant for the tiny models of a lesson (at most
``MAX_UNITS`` units); ``pgmviz.sampling.partition`` handles log Z of bigger RBMs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states  # row k = binary digits of k, unit 0 most significant

# 2^16 joint states of 16 float64 columns is 8 MB: instant. Beyond that a table stops being a
# thing a student reads, and log Z should come from pgmviz.sampling.partition instead.
MAX_UNITS = 16


# ---------------------------------------------------------------------------- enumeration
def state_index(x: np.ndarray) -> int:
    """k = sum_i x_i 2^(n-1-i): the row of ``all_states(n)`` that holds the binary vector x."""
    x = _binary_vector(x, "x")
    return int(sum(int(xi) << (len(x) - 1 - i) for i, xi in enumerate(x)))


def state_label(x: np.ndarray) -> str:
    """The binary vector x written as a string of digits, e.g. [1, 0, 1] -> "101"."""
    return "".join(str(int(round(float(xi)))) for xi in np.ravel(x))


# ---------------------------------------------------------------------------- QUBO form
def qubo_from_rbm(rbm: RBM) -> np.ndarray:
    """Q = [[diag(b), W], [0, diag(c)]], so that -x^T Q x = E(v, h) for x = [v, h].

    Parameters
    ----------
    rbm : RBM
        Weights ``W`` (n_v, n_h), biases ``b`` (n_v,) and ``c`` (n_h,).

    Returns
    -------
    Q : ndarray of shape (n_v + n_h, n_v + n_h), float64, upper triangular
    """
    n_v, n_h = rbm.n_v, rbm.n_h
    Q = np.zeros((n_v + n_h, n_v + n_h))
    Q[:n_v, n_v:] = rbm.W  # couplings live only in the visible-hidden block: the graph is bipartite
    Q[np.diag_indices(n_v + n_h)] = np.concatenate([rbm.b, rbm.c])
    return Q


def rbm_from_qubo(Q: np.ndarray, n_v: int) -> RBM:
    """(W, b, c) read off the blocks of Q; fails if Q has lateral (v-v or h-h) couplings."""
    W, b, c, L_vv, L_hh = split_qubo(Q, n_v)
    if np.any(L_vv) or np.any(L_hh):
        raise ValueError("Q has visible-visible or hidden-hidden couplings, so it is not an RBM")
    return RBM(W, b, c)


def split_qubo(Q: np.ndarray, n_v: int) -> tuple[np.ndarray, ...]:
    """Q -> (W, b, c, L_vv, L_hh): the v-h block, the two diagonals and the lateral blocks.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    n_v : int
        Number of visible units; the first n_v entries of x are v.

    Returns
    -------
    W : ndarray of shape (n_v, n_h)
    b : ndarray of shape (n_v,)
    c : ndarray of shape (n_h,)
    L_vv : ndarray of shape (n_v, n_v), strictly upper triangular visible-visible couplings
    L_hh : ndarray of shape (n_h, n_h), strictly upper triangular hidden-hidden couplings
    """
    Q = check_qubo(Q)
    n_v = _check_n_v(n_v, Q.shape[0])
    d = np.diag(Q)
    return (
        Q[:n_v, n_v:].copy(),
        d[:n_v].copy(),
        d[n_v:].copy(),
        np.triu(Q[:n_v, :n_v], 1),
        np.triu(Q[n_v:, n_v:], 1),
    )


def add_lateral(
    Q: np.ndarray,
    n_v: int,
    hh: np.ndarray | None = None,
    vv: np.ndarray | None = None,
) -> np.ndarray:
    """Q' = Q plus couplings inside a layer: E gains -sum_{j<k} L_jk h_j h_k - sum_{i<k} L_ik v_i v_k.

    This turns an RBM into a general (semi-restricted or fully connected) Boltzmann machine.
    Couplings already in Q's lateral blocks are replaced, not added to.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    n_v : int
        Number of visible units; n_h = N - n_v.
    hh : ndarray of shape (n_h, n_h), optional
        Hidden-hidden couplings L_jk, given as a symmetric matrix or a strictly upper triangular
        one, with zero diagonal (a unit's own term is its bias, which lives in c).
    vv : ndarray of shape (n_v, n_v), optional
        Visible-visible couplings, same rules.

    Returns
    -------
    Q : ndarray of shape (N, N), a new upper triangular matrix
    """
    Q = check_qubo(Q).copy()
    N = Q.shape[0]
    n_v = _check_n_v(n_v, N)
    for name, L, block in (("vv", vv, slice(0, n_v)), ("hh", hh, slice(n_v, N))):
        if L is None:
            continue
        n = block.stop - block.start
        Q[block, block] = np.diag(np.diag(Q[block, block])) + _lateral_upper(L, n, name)
    return Q


def check_qubo(Q: np.ndarray) -> np.ndarray:
    """Validate a QUBO matrix: square, finite, upper triangular; returned as float64."""
    Q = np.asarray(Q)
    if Q.ndim != 2 or Q.shape[0] != Q.shape[1]:
        raise ValueError(f"Q must be a square matrix; got shape {Q.shape}")
    if Q.dtype.kind not in "biuf":
        raise ValueError(f"Q must be numeric; got dtype {Q.dtype}")
    Q = Q.astype(np.float64)
    if not np.isfinite(Q).all():
        raise ValueError("Q contains NaN or infinite values")
    if np.any(np.tril(Q, -1)):
        raise ValueError(
            "Q must be upper triangular (each coupling stored once, at i < j); "
            "for a symmetric matrix S use np.triu(S + S.T, 1) + np.diag(np.diag(S))"
        )
    return Q


def qubo_energy(Q: np.ndarray, X: np.ndarray) -> np.ndarray:
    """E(x) = -x^T Q x = -sum_{i<=j} x_i Q_ij x_j, one value per row of X.

    Parameters
    ----------
    Q : ndarray of shape (N, N), upper triangular
    X : ndarray of shape (n, N) or (N,)
        Binary states x = [v, h], one per row.

    Returns
    -------
    E : ndarray of shape (n,)
    """
    Q = check_qubo(Q)
    X = _states(X, Q.shape[0], "X")
    return -np.einsum("ni,ij,nj->n", X, Q, X)


# ---------------------------------------------------------------------------- exact tables
@dataclass
class JointTable:
    """Every joint state of a Boltzmann machine with its energy and probability.

    Row k is the state x^(k) = [v, h] of ``all_states(n_v + n_h)`` (v varies slowest).
    """

    V: np.ndarray  # (S, n_v) visible part of each state
    H: np.ndarray  # (S, n_h) hidden part of each state
    E: np.ndarray  # (S,) energy E(v, h)
    weight: np.ndarray  # (S,) Boltzmann weight exp(-E); inf where it overflows float64
    p: np.ndarray  # (S,) p(v, h) = exp(-E - log Z), always finite
    log_Z: float  # logsumexp(-E), exact in float64
    Z: float | None  # exp(log Z), or None when that overflows float64

    @property
    def n_states(self) -> int:
        return self.E.shape[0]

    def p_matrix(self) -> np.ndarray:
        """p(v, h) arranged as (2^n_v, 2^n_h): row index(v), column index(h)."""
        return self.p.reshape(2 ** self.V.shape[1], 2 ** self.H.shape[1])


@dataclass
class MarginalTable:
    """p(v) for every visible state, computed two ways that must agree.

    Row k is v^(k) = ``all_states(n_v)[k]``.
    """

    V: np.ndarray  # (2^n_v, n_v) visible states
    p: np.ndarray  # (2^n_v,) p(v) = sum_h p(v, h), summed from the joint table
    F: np.ndarray  # (2^n_v,) free energy F(v) = -log sum_h exp(-E(v, h))
    p_from_F: np.ndarray  # (2^n_v,) exp(-F(v) - log Z), which must equal p
    log_Z: float
    Z: float | None

    @property
    def max_abs_diff(self) -> float:
        """max_v |sum_h p(v, h) - exp(-F(v)) / Z|: zero up to rounding."""
        return float(np.max(np.abs(self.p - self.p_from_F)))


def joint_table(rbm: RBM) -> JointTable:
    """p(v, h) = exp(-E(v, h)) / Z for all 2^(n_v+n_h) joint states of an RBM.

    The energies come from ``rbm.energy``; Z is summed in the log domain (logsumexp), so the
    probabilities stay exact and finite even when exp(-E) itself would overflow.

    Parameters
    ----------
    rbm : RBM
        At most ``MAX_UNITS`` units in total.

    Returns
    -------
    JointTable
    """
    _check_size(rbm.n_v + rbm.n_h)
    rbm = rbm.astype(np.float64)
    X = all_states(rbm.n_v + rbm.n_h)
    V, H = X[:, : rbm.n_v], X[:, rbm.n_v :]
    return _table(V, H, rbm.energy(V, H))


def marginal_v(rbm: RBM) -> MarginalTable:
    """p(v) = sum_h p(v, h) = exp(-F(v)) / Z for every visible state v of an RBM.

    ``p`` sums the joint table over h; ``p_from_F`` uses the closed-form free energy
    F(v) = -b.v - sum_j softplus(c_j + v.W[:, j]) from ``rbm.free_energy``. Summing out each
    hidden unit separately is what makes F closed-form: the hidden units are independent given v.

    Parameters
    ----------
    rbm : RBM
        At most ``MAX_UNITS`` units in total.

    Returns
    -------
    MarginalTable
    """
    table = joint_table(rbm)
    rbm = rbm.astype(np.float64)
    V = all_states(rbm.n_v)
    F = rbm.free_energy(V)
    return MarginalTable(
        V=V,
        p=table.p_matrix().sum(axis=1),
        F=F,
        p_from_F=np.exp(-F - table.log_Z),
        log_Z=table.log_Z,
        Z=table.Z,
    )


# ---------------------------------------------------------------------------- helpers
def _table(V: np.ndarray, H: np.ndarray, E: np.ndarray) -> JointTable:
    neg_E = -E
    log_Z = float(logsumexp(neg_E))
    with np.errstate(over="ignore"):
        weight = np.exp(neg_E)
        Z = float(np.exp(log_Z))
    return JointTable(
        V=V, H=H, E=E, weight=weight, p=np.exp(neg_E - log_Z), log_Z=log_Z,
        Z=Z if np.isfinite(Z) else None,
    )


def _lateral_upper(L: np.ndarray, n: int, name: str) -> np.ndarray:
    L = np.asarray(L, dtype=np.float64)
    if L.shape != (n, n):
        raise ValueError(f"{name} couplings must have shape ({n}, {n}); got {L.shape}")
    if not np.isfinite(L).all():
        raise ValueError(f"{name} couplings contain NaN or infinite values")
    if np.any(np.diag(L)):
        raise ValueError(f"{name} couplings must have a zero diagonal (a unit's own term is its bias)")
    lower = np.tril(L, -1)
    if np.any(lower) and not np.allclose(L, L.T):
        raise ValueError(f"{name} couplings must be symmetric or strictly upper triangular")
    return np.triu(L, 1)


def _check_n_v(n_v: int, N: int) -> int:
    if int(n_v) != n_v or not 0 <= n_v <= N:
        raise ValueError(f"n_v must be an integer in [0, {N}]; got {n_v}")
    return int(n_v)


def _check_size(n: int) -> None:
    if n > MAX_UNITS:
        raise ValueError(
            f"enumerating 2^{n} states is too many for a table (at most {MAX_UNITS} units); "
            "use pgmviz.sampling.partition for log Z of larger models"
        )


def _binary_vector(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D binary vector; got shape {x.shape}")
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError(f"{name} must be binary (0/1); got {x}")
    return x


def _states(X: np.ndarray, N: int, name: str) -> np.ndarray:
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if X.ndim != 2 or X.shape[1] != N:
        raise ValueError(f"{name} must have shape (n, {N}); got {X.shape}")
    return X
