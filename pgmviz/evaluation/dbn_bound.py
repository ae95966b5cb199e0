"""The variational bound of a two-layer DBN, exactly: log p(v) >= sum_h Q(h|v) [log p2(h) + log p(v|h)] + H(Q).

Q(h|v) = sigmoid(c1 + v W1) is the first RBM's factorial posterior, p(v|h) its generative
conditional and p2(h) the second RBM's marginal over its visible layer (= h_1). When the second RBM
is the first one's `transpose`, p2(h) is the first RBM's own p(h), Q is the exact posterior and the
bound is tight: it equals the one-layer log p(v). Training the second RBM on the aggregated
posterior raises sum Q log p2 and so raises the bound. Every term enumerates the 2^n_h hidden states
(n_h <= `MAX_EXACT_HIDDEN`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM, check_visible
from pgmviz.sampling.partition import all_states
from pgmviz.special import bernoulli_entropy, log_sigmoid

MAX_EXACT_HIDDEN = 16  # the exact bound enumerates the 2^n_h1 states of the first hidden layer


def transpose(rbm: RBM) -> RBM:
    """The same RBM seen from the other side: RBM(W^T, c, b). Its p(v) is the original's p(h)."""
    return RBM(rbm.W.T.copy(), rbm.c.copy(), rbm.b.copy())


def _f64(rbm: RBM) -> RBM:
    return rbm.astype(np.float64)


def _check_small(rbm1: RBM) -> None:
    if rbm1.n_h > MAX_EXACT_HIDDEN:
        raise ValueError(f"the exact bound enumerates 2^{rbm1.n_h} hidden states; at most "
                         f"{MAX_EXACT_HIDDEN} hidden units")


def log_p_marginal_all(rbm: RBM) -> np.ndarray:
    """log p(x) of the RBM's *visible* marginal for every state x (``all_states`` order). (2^n_v,)"""
    r = _f64(rbm)
    neg_F = -r.free_energy(all_states(r.n_v))
    return neg_F - logsumexp(neg_F)


def log_p_v_rbm(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """One-layer model: log p(v) = -F1(v) - log Z1, per row, with log Z1 summed over the 2^n_h states."""
    r = _f64(rbm1)
    V = check_visible(V, r.n_v)
    log_Z = float(logsumexp(-transpose(r).free_energy(all_states(r.n_h))))  # enumerate h (n_h small)
    return -r.free_energy(V) - log_Z


def log_p_v_given_h_all(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """log p(v | h) = sum_i [v_i log s(b_i + W_i.h) + (1 - v_i) log s(-...)] for every h. (n, 2^n_h)"""
    r = _f64(rbm1)
    V = check_visible(V, r.n_v)
    A = all_states(r.n_h) @ r.W.T + r.b  # (2^n_h, n_v): input to v from each h
    return V @ log_sigmoid(A).T + (1.0 - V) @ log_sigmoid(-A).T


def posterior_table(rbm1: RBM, V: np.ndarray) -> np.ndarray:
    """Q(h | v) = prod_j q_j^h_j (1 - q_j)^(1 - h_j), q = sigmoid(c + v W), for every h. (n, 2^n_h)"""
    r = _f64(rbm1)
    q = r.p_h_given_v(V)  # (n, n_h)
    H = all_states(r.n_h)
    with np.errstate(divide="ignore"):
        log_Q = np.log(q) @ H.T + np.log1p(-q) @ (1.0 - H).T
    return np.exp(log_Q)



@dataclass
class Bound:
    """The terms of the variational bound for each row of V (all in nats, shape (n,)).

    bound = expected_log_prior + expected_log_lik + entropy <= log_p_dbn
    """

    log_p_rbm1: np.ndarray  # log p(v) under the first RBM alone
    expected_log_prior: np.ndarray  # sum_h Q(h|v) log p2(h)
    expected_log_lik: np.ndarray  # sum_h Q(h|v) log p(v|h)
    entropy: np.ndarray  # H(Q(.|v))
    log_p_dbn: np.ndarray  # log p(v) = log sum_h p2(h) p(v|h) of the two-layer DBN, exactly

    @property
    def bound(self) -> np.ndarray:
        return self.expected_log_prior + self.expected_log_lik + self.entropy

    def means(self) -> dict[str, float]:
        """Averages over the rows: what a chart of the bound plots."""
        return {"log_p_rbm1": float(self.log_p_rbm1.mean()), "bound": float(self.bound.mean()),
                "log_p_dbn": float(self.log_p_dbn.mean()),
                "expected_log_prior": float(self.expected_log_prior.mean()),
                "expected_log_lik": float(self.expected_log_lik.mean()), "entropy": float(self.entropy.mean())}


def variational_bound(rbm1: RBM, rbm2: RBM, V: np.ndarray) -> Bound:
    """log p(v) >= sum_h Q(h|v) [log p2(h) + log p(v|h)] + H(Q), every term by enumerating h.

    Parameters
    ----------
    rbm1 : RBM (n_v, n_h), n_h <= 16
        Gives Q(h|v) = sigmoid(c1 + v W1) (factorial) and p(v|h) = sigmoid(b1 + W1 h).
    rbm2 : RBM (n_h, n_2)
        Its marginal over its visible layer, p2(h), is the prior over h. With
        ``rbm2 = transpose(rbm1)`` the bound equals log p(v) under rbm1.
    V : ndarray of shape (n, n_v)
    """
    _check_small(rbm1)
    if rbm2.n_v != rbm1.n_h:
        raise ValueError(f"rbm2 must have {rbm1.n_h} visible units (rbm1's hidden layer); got {rbm2.n_v}")
    r1 = _f64(rbm1)
    V = check_visible(V, r1.n_v)
    log_prior = log_p_marginal_all(rbm2)  # (2^n_h,) log p2(h)
    log_lik = log_p_v_given_h_all(r1, V)  # (n, 2^n_h) log p(v|h)
    Q = posterior_table(r1, V)  # (n, 2^n_h)
    # Q(h|v) may be exactly 0 where log p(v|h) is finite; 0 * finite = 0, so plain products are fine.
    return Bound(
        log_p_rbm1=log_p_v_rbm(r1, V),
        expected_log_prior=Q @ log_prior,
        expected_log_lik=(Q * log_lik).sum(axis=1),
        entropy=bernoulli_entropy(r1.p_h_given_v(V)),
        log_p_dbn=logsumexp(log_lik + log_prior, axis=1),
    )



def aggregated_posterior(rbm1: RBM, X: np.ndarray) -> np.ndarray:
    """q(h) = (1/N) sum_n Q(h | v_n) over every hidden state h (``all_states`` order). (2^n_h,)"""
    _check_small(rbm1)
    return posterior_table(rbm1, X).mean(axis=0)


def best_prior_bound(rbm1: RBM, V: np.ndarray) -> float:
    """The mean bound with p2 = q, the aggregated posterior: the most any RBM 2 can reach for this W1.

    The mean of sum_h Q(h|v) log p2(h) over the rows is sum_h q(h) log p2(h), which over all
    distributions p2 is largest at p2 = q (Gibbs' inequality); the other terms do not involve p2.
    """
    r1 = _f64(rbm1)
    V = check_visible(V, r1.n_v)
    q = aggregated_posterior(r1, V)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_log_q = float(np.sum(np.where(q > 0, q * np.log(q), 0.0)))
    Q = posterior_table(r1, V)
    rest = (Q * log_p_v_given_h_all(r1, V)).sum(axis=1) + bernoulli_entropy(r1.p_h_given_v(V))
    return float(rest.mean() + q_log_q)
