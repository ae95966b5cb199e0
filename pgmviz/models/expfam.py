"""Which models here are exponential families, tested by curvature on a tiny RBM.

An exponential family with natural parameters theta has log p_theta(x) = <theta, T(x)> - A(theta):
linear in theta apart from A, so its curvature d^2/dtheta^2 log p_theta(x) = -d^2A/dtheta^2 is the
same for every x, whatever the statistics T. A curvature that changes with x rules the form out.

* RBM joint p(v, h): T = (v, h, v h^T), theta = (b, c, W); d^2/dc_j^2 log p(v, h) = -Var(h_j), for
  every (v, h).
* RBM marginal p(v) = exp(-F(v))/Z: -F(v) = b.v + sum_j softplus(c_j + v.W_j), and the softplus
  bends: d^2/dc_j^2 log p(v) = sigmoid'(c_j + v.W_j) - Var(h_j) changes with v.
* A sigmoid belief net (and so a DBN's directed layers): log p(v | h) = sum_i v_i a_i - softplus(a_i),
  a_i = b_i + W_i.h, so d^2/db_i^2 log p(v, h) = -sigmoid'(a_i) changes with h.
* A feed-forward net gives p(y | x) for each x and nothing about x itself.
* Weight decay (lam/2)|W|^2 is minus the log of a Gaussian prior N(0, 1/lam) up to a constant:
  gradient ascent on log-likelihood minus it is MAP estimation.

The RBM's reading as an exponential family comes first: `sufficient_statistics` T(x),
`natural_parameters` theta, their stacked vectors (-E = T(x) @ theta) and the MRF's `log_potentials`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.boltzmann import joint_table
from pgmviz.models.rbm import RBM
from pgmviz.sampling.partition import all_states
from pgmviz.special import sigmoid


def log_potentials(rbm: RBM, v: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log phi_i = b_i v_i, log psi_j = c_j h_j, log phi_ij = W_ij v_i h_j: the MRF's factors.

    The RBM as a Markov random field: p(v, h) = (1/Z) prod_i exp(b_i v_i) prod_j exp(c_j h_j)
    prod_ij exp(W_ij v_i h_j), one factor per node and per edge; the logs add up to -E(v, h).

    Parameters
    ----------
    rbm : RBM
    v : ndarray of shape (n_v,)
    h : ndarray of shape (n_h,)

    Returns
    -------
    node_v : ndarray of shape (n_v,), b_i v_i
    node_h : ndarray of shape (n_h,), c_j h_j
    edge : ndarray of shape (n_v, n_h), W_ij v_i h_j
    """
    v, h, vh = sufficient_statistics(v, h)
    b, c, W = natural_parameters(rbm)
    return b * v, c * h, W * vh


def sufficient_statistics(
    v: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """T(x) = (v, h, v h^T): the sufficient statistics of the RBM as an exponential family.

    With natural parameters theta = (b, c, W), -E(v, h) = <theta, T(x)> = b.v + c.h + sum_ij
    W_ij (v h^T)_ij, so p(x) = exp(<theta, T(x)> - A(theta)) with log-partition A(theta) = log Z.

    Parameters
    ----------
    v : ndarray of shape (n_v,) or (n, n_v)
    h : ndarray of shape (n_h,) or (n, n_h)

    Returns
    -------
    v : ndarray, as given (float64)
    h : ndarray, as given (float64)
    vh : ndarray of shape (n_v, n_h) or (n, n_v, n_h), the outer products v h^T
    """
    v = np.asarray(v, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    if v.ndim != h.ndim or v.ndim not in (1, 2) or (v.ndim == 2 and v.shape[0] != h.shape[0]):
        raise ValueError(f"v and h must both be vectors or batches of equal length; got {v.shape}, {h.shape}")
    vh = v[..., :, None] * h[..., None, :]  # (..., n_v, n_h)
    return v, h, vh


def natural_parameters(rbm: RBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """theta = (b, c, W): the natural parameters paired with T(x) = (v, h, v h^T)."""
    rbm = rbm.astype(np.float64)
    return rbm.b, rbm.c, rbm.W


def theta_vector(rbm: RBM) -> np.ndarray:
    """theta = [b, c, vec(W)], vec stacking the columns of W: shape (n_v + n_h + n_v n_h,)."""
    b, c, W = natural_parameters(rbm)
    return np.concatenate([b, c, W.ravel(order="F")])


def statistics_vector(V: np.ndarray, H: np.ndarray) -> np.ndarray:
    """T(x) = [v, h, vec(v h^T)] per row, stacked like ``theta_vector``, so -E = T(x) @ theta.

    Parameters
    ----------
    V : ndarray of shape (n, n_v) or (n_v,)
    H : ndarray of shape (n, n_h) or (n_h,)

    Returns
    -------
    T : ndarray of shape (n, n_v + n_h + n_v n_h)
    """
    V = np.atleast_2d(V)
    H = np.atleast_2d(H)
    V, H, VH = sufficient_statistics(V, H)
    vec_VH = VH.transpose(0, 2, 1).reshape(VH.shape[0], -1)  # column-stacked vec(v h^T) per row
    return np.hstack([V, H, vec_VH])


def _dsigmoid(a: np.ndarray) -> np.ndarray:
    s = sigmoid(a)
    return s * (1.0 - s)


def hidden_variance(rbm: RBM) -> np.ndarray:
    """Var(h_j) = m_j (1 - m_j) under the model's p(v, h), m_j = p(h_j = 1), by enumeration. -> (n_h,)"""
    t = joint_table(rbm.astype(np.float64))
    m = t.p @ t.H
    return m * (1.0 - m)


def joint_curvature(rbm: RBM, step: float = 1e-3) -> np.ndarray:
    """d^2/dc_j^2 log p(v, h) for every joint state (``joint_table`` order), by second differences.

    Computed from the exact table, not from the formula: the exponential family predicts
    -Var(h_j) in every row. -> (2^(n_v + n_h), n_h)
    """
    r = rbm.astype(np.float64)
    out = []
    for j in range(r.n_h):
        logs = []
        for d in (step, 0.0, -step):
            c = r.c.copy()
            c[j] += d
            logs.append(np.log(joint_table(RBM(r.W, r.b, c)).p))
        out.append((logs[0] - 2 * logs[1] + logs[2]) / step ** 2)
    return np.array(out).T


def marginal_curvature(rbm: RBM) -> np.ndarray:
    """d^2/dc_j^2 log p(v) = sigmoid'(c_j + v.W_j) - Var(h_j) for every visible state. -> (2^n_v, n_h)"""
    r = rbm.astype(np.float64)
    V = all_states(r.n_v)
    return _dsigmoid(V @ r.W + r.c) - hidden_variance(r)


def directed_curvature(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """d^2/db_i^2 log p(v | h) = -sigmoid'(b_i + W_i.h) for every state h of the layer above. -> (2^n_above, n_below)

    ``W`` (n_below, n_above) points down, as in `pgmviz.models.sbn`. The same for every v: the log
    normaliser softplus(a_i) of each conditional is what bends.
    """
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    H = all_states(W.shape[1])
    return -_dsigmoid(H @ W.T + np.asarray(b, dtype=np.float64))


def spread(curv: np.ndarray) -> np.ndarray:
    """max - min over states (rows) of each curvature column: 0 for an exponential family in theta."""
    return curv.max(axis=0) - curv.min(axis=0)


def conditional_sums(rbm: RBM, j: int = 0) -> tuple[np.ndarray, float]:
    """A feed-forward unit y = h_j, p(y = 1 | x) = sigmoid(c_j + x.W_j): (sum_y p(y|x) for every x, sum_x p(y=1|x)).

    The first is 1 for every x (a distribution over y); the second is whatever it is, because the net
    puts no distribution on its inputs x.
    """
    r = rbm.astype(np.float64)
    p1 = sigmoid(all_states(r.n_v) @ r.W[:, j] + r.c[j])
    return p1 + (1.0 - p1), float(p1.sum())


def weight_decay_as_prior(W: np.ndarray, lam: float) -> tuple[float, float, float]:
    """(lam/2)|W|^2, log N(W; 0, I/lam), and their sum: -(n/2) log(2 pi / lam), the same for every W."""
    if not lam > 0:
        raise ValueError(f"the weight-decay coefficient must be positive; got {lam}")
    W = np.asarray(W, dtype=np.float64)
    penalty = 0.5 * lam * float((W ** 2).sum())
    log_prior = -penalty - 0.5 * W.size * np.log(2 * np.pi / lam)
    return penalty, float(log_prior), float(log_prior + penalty)


# ---------------------------------------------------------------------------- the lesson's two readings
@dataclass(frozen=True)
class FactorTerms:
    """One joint state read both ways: theta_k T_k(v, h) = the log of one MRF potential, term by term."""

    names: list[str]  # "b1 · v1", ..., "c1 · h1", ..., "W11 · v1h1", ... (vec(W) stacks columns)
    theta: np.ndarray  # [b, c, vec(W)]
    T: np.ndarray  # [v, h, vec(v h^T)]
    log_potentials: np.ndarray  # b_i v_i, c_j h_j, W_ij v_i h_j in the same order

    @property
    def inner(self) -> float:
        """<theta, T(v, h)> = sum of the log potentials = -E(v, h)."""
        return float(self.T @ self.theta)

    @property
    def product(self) -> float:
        """prod of the potentials = exp(-E(v, h)); inf when it overflows float64."""
        with np.errstate(over="ignore"):
            return float(np.exp(self.log_potentials.sum()))


def factor_terms(rbm: RBM, v: np.ndarray, h: np.ndarray) -> FactorTerms:
    """-E(v, h) = <theta, T(v, h)> = sum of log potentials, one term per bias and per weight."""
    n_v, n_h = rbm.n_v, rbm.n_h
    node_v, node_h, edge = log_potentials(rbm, v, h)
    names = ([f"b{i + 1} · v{i + 1}" for i in range(n_v)] + [f"c{j + 1} · h{j + 1}" for j in range(n_h)]
             + [f"W{i + 1}{j + 1} · v{i + 1}h{j + 1}" for j in range(n_h) for i in range(n_v)])
    return FactorTerms(names, theta_vector(rbm), statistics_vector(v, h)[0],
                       np.concatenate([node_v, node_h, edge.ravel(order="F")]))


@dataclass(frozen=True)
class CurvatureExtreme:
    """The parameter whose curvature varies most across states: its index, lowest and highest value."""

    j: int
    lowest: float
    highest: float

    @property
    def spread(self) -> float:
        return self.highest - self.lowest

    @property
    def is_family(self) -> bool:
        """One curvature for every state (up to 1e-6): the form of an exponential family fits."""
        return self.spread < 1e-6


def most_varying(curv: np.ndarray) -> CurvatureExtreme:
    """argmax_j of spread(curv) with that column's min and max over the states."""
    j = int(np.argmax(spread(curv)))
    return CurvatureExtreme(j, float(curv[:, j].min()), float(curv[:, j].max()))
