"""Linear-chain CRF: p(y | x) = exp(score(y)) / Z(x), score(y) = s[y_1] + sum_t U[t, y_t] + sum_t A[y_t, y_t+1].

One orientation everywhere: a batch of ``n`` sequences of length ``T`` over ``K`` labels has unary
scores ``U`` of shape (n, T, K), the transition scores ``A`` are (K, K) with ``A[j, k]`` the score of
label j followed by label k, and ``s`` (K,) scores the first label. Labels ``Y`` are (n, T) integers.

Inference is exact and in log space (scipy's logsumexp), by the forward-backward recursions

    log alpha_1(k) = s_k + U_1k,      log alpha_t(k) = U_tk + logsumexp_j [log alpha_t-1(j) + A_jk]
    log beta_T(k)  = 0,               log beta_t(j)  = logsumexp_k [A_jk + U_t+1,k + log beta_t+1(k)]
    log Z = logsumexp_k log alpha_T(k);   mu_t(k) = p(y_t = k | x) = alpha_t(k) beta_t(k) / Z
    xi_t(j, k) = p(y_t = j, y_t+1 = k | x) = alpha_t(j) exp(A_jk + U_t+1,k) beta_t+1(k) / Z

so the gradient of log p(y | x) is observed minus expected: d/dU_tk = 1[y_t = k] - mu_t(k),
d/dA_jk = sum_t (1[y_t = j, y_t+1 = k] - xi_t(j, k)), d/ds_k = 1[y_1 = k] - mu_1(k).

`NeuralCRF` is the hybrid of the lecture: the unary scores are the logits of a small dense net
(`pgmviz.training.finetune.Classifier`) applied to each position's input, and the gradient at U
flows into the net by its own backprop. With ``transitions=False`` (A = 0, s = 0) p(y | x) is the
product of per-position softmaxes: the same net without the graphical model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.special import log_softmax, one_hot
from pgmviz.training.finetune import Classifier, random_classifier


def _check(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    U, A, s = (np.asarray(a, dtype=np.float64) for a in (U, A, s))
    if U.ndim != 3 or U.shape[1] < 1:
        raise ValueError(f"unary scores U must be (n sequences, T >= 1 positions, K labels); got {U.shape}")
    K = U.shape[2]
    if A.shape != (K, K) or s.shape != (K,):
        raise ValueError(f"with K = {K} labels, A must be ({K}, {K}) and s ({K},); got {A.shape} and {s.shape}")
    return U, A, s


def _labels(Y: np.ndarray, shape: tuple[int, int], K: int) -> np.ndarray:
    Y = np.asarray(Y)
    if Y.shape != shape or not np.issubdtype(Y.dtype, np.integer) or (Y.size and (Y.min() < 0 or Y.max() >= K)):
        raise ValueError(f"labels Y must be integers in 0..{K - 1} of shape {shape}; got {Y.dtype} {Y.shape}")
    return Y.astype(np.int64)


# ---------------------------------------------------------------------------- scores and messages
def score(U: np.ndarray, A: np.ndarray, s: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """score(y) = s[y_1] + sum_t U[t, y_t] + sum_t A[y_t, y_t+1] for each sequence. (n,)"""
    U, A, s = _check(U, A, s)
    n, T, K = U.shape
    Y = _labels(Y, (n, T), K)
    unary = np.take_along_axis(U, Y[:, :, None], axis=2)[:, :, 0].sum(axis=1)
    return s[Y[:, 0]] + unary + A[Y[:, :-1], Y[:, 1:]].sum(axis=1)


def forward_messages(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> np.ndarray:
    """log alpha_t(k) = U_tk + logsumexp_j [log alpha_t-1(j) + A_jk], log alpha_1 = s + U_1. (n, T, K)"""
    U, A, s = _check(U, A, s)
    log_alpha = np.empty_like(U)
    log_alpha[:, 0] = s + U[:, 0]
    for t in range(1, U.shape[1]):
        log_alpha[:, t] = U[:, t] + logsumexp(log_alpha[:, t - 1, :, None] + A, axis=1)
    return log_alpha


def backward_messages(U: np.ndarray, A: np.ndarray) -> np.ndarray:
    """log beta_t(j) = logsumexp_k [A_jk + U_t+1,k + log beta_t+1(k)], log beta_T = 0. (n, T, K)"""
    U, A, _ = _check(U, A, np.zeros(np.shape(U)[-1]))
    log_beta = np.zeros_like(U)
    for t in range(U.shape[1] - 2, -1, -1):
        log_beta[:, t] = logsumexp(A + (U[:, t + 1] + log_beta[:, t + 1])[:, None, :], axis=2)
    return log_beta


@dataclass
class ChainInference:
    """Exact inference in a batch of chains: log Z (n,), marginals mu (n, T, K), pairwise xi (n, T-1, K, K)."""

    log_Z: np.ndarray
    mu: np.ndarray
    xi: np.ndarray


def forward_backward(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> ChainInference:
    """log Z, mu_t(k) = alpha_t(k) beta_t(k) / Z and xi_t(j, k) = alpha_t(j) exp(A_jk + U_t+1,k) beta_t+1(k) / Z."""
    U, A, s = _check(U, A, s)
    log_alpha, log_beta = forward_messages(U, A, s), backward_messages(U, A)
    log_Z = logsumexp(log_alpha[:, -1], axis=1)
    mu = np.exp(log_alpha + log_beta - log_Z[:, None, None])
    log_xi = (log_alpha[:, :-1, :, None] + A + (U[:, 1:] + log_beta[:, 1:])[:, :, None, :]
              - log_Z[:, None, None, None])  # (n, T-1, K, K)
    return ChainInference(log_Z, mu, np.exp(log_xi))


def log_partition(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> np.ndarray:
    """log Z(x) = logsumexp over all K^T labelings of score(y), by the forward recursion. (n,)"""
    return logsumexp(forward_messages(U, A, s)[:, -1], axis=1)


def log_likelihood(U: np.ndarray, A: np.ndarray, s: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """log p(y | x) = score(y) - log Z(x) for each sequence, in nats. (n,)"""
    return score(U, A, s, Y) - log_partition(U, A, s)


def gradients(U: np.ndarray, A: np.ndarray, s: np.ndarray, Y: np.ndarray
              ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(sum_n log p(y_n | x_n), d/dU, d/dA, d/ds): observed minus expected under forward-backward."""
    U, A, s = _check(U, A, s)
    n, T, K = U.shape
    Y = _labels(Y, (n, T), K)
    inf = forward_backward(U, A, s)
    observed = one_hot(Y, K, np.float64).reshape(n, T, K)
    dU = observed - inf.mu
    pairs = np.zeros((K, K))
    np.add.at(pairs, (Y[:, :-1].ravel(), Y[:, 1:].ravel()), 1.0)  # observed transition counts
    dA = pairs - inf.xi.sum(axis=(0, 1))
    ds = observed[:, 0].sum(axis=0) - inf.mu[:, 0].sum(axis=0)
    return float((score(U, A, s, Y) - inf.log_Z).sum()), dU, dA, ds


def viterbi(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(argmax_y score(y) (n, T), its score (n,)): the max-product recursion with back-pointers."""
    U, A, s = _check(U, A, s)
    n, T, K = U.shape
    best = s + U[:, 0]  # (n, K): the best score of a prefix ending in each label
    back = np.zeros((n, T, K), dtype=np.int64)
    for t in range(1, T):
        cand = best[:, :, None] + A  # (n, j, k)
        back[:, t] = cand.argmax(axis=1)
        best = cand.max(axis=1) + U[:, t]
    Y = np.empty((n, T), dtype=np.int64)
    Y[:, -1] = best.argmax(axis=1)
    for t in range(T - 1, 0, -1):
        Y[:, t - 1] = back[np.arange(n), t, Y[:, t]]
    return Y, best.max(axis=1)


# ---------------------------------------------------------------------------- exact, by enumeration
def all_labelings(T: int, K: int) -> np.ndarray:
    """Every label sequence of length T over K labels, the first position slowest. (K^T, T)"""
    if K**T > 2**20:
        raise ValueError(f"{K}^{T} labelings are too many to list")
    return np.indices((K,) * T).reshape(T, -1).T


def enumerate_chain(U: np.ndarray, A: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labelings (K^T, T), log p(y | x) of each) for ONE sequence U (T, K): the brute-force reference."""
    U = np.asarray(U, dtype=np.float64)
    Ys = all_labelings(*U.shape)
    scores = score(np.broadcast_to(U, (len(Ys), *U.shape)), A, s, Ys)
    return Ys, scores - logsumexp(scores)


# ---------------------------------------------------------------------------- the hybrid
@dataclass
class NeuralCRF:
    """A linear-chain CRF whose unary scores are a dense net's logits: U[n, t] = net(X[n, t]).

    net : `Classifier` from the d inputs of one position to K logits; A (K, K), s (K,) transition
    and start scores. ``transitions=False``: A and s stay zero and are not trained, so
    p(y | x) = prod_t softmax(net(x_t))[y_t], the net alone.
    """

    net: Classifier
    A: np.ndarray
    s: np.ndarray
    transitions: bool = True

    @classmethod
    def random(cls, n_inputs: int, n_hidden: int, n_labels: int, transitions: bool = True,
               rng: int | np.random.Generator | None = 0) -> NeuralCRF:
        """Small random net weights (the same for the same seed, with or without transitions), A = s = 0."""
        sizes = [n_inputs] + ([n_hidden] if n_hidden else []) + [n_labels]
        return cls(random_classifier(sizes, rng, dtype=np.float64), np.zeros((n_labels, n_labels)),
                   np.zeros(n_labels), transitions)

    @property
    def n_labels(self) -> int:
        return self.A.shape[0]

    def copy(self, transitions: bool | None = None) -> NeuralCRF:
        return NeuralCRF(self.net.copy(), self.A.copy(), self.s.copy(),
                         self.transitions if transitions is None else transitions)

    def chain(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, s) as inference uses them: zeros without transitions."""
        return (self.A, self.s) if self.transitions else (np.zeros_like(self.A), np.zeros_like(self.s))

    def parameters(self) -> dict[str, np.ndarray]:
        """The trained arrays by name (W0, b0, W1, b1, ..., then A, s if transitions), for the optimiser."""
        params = {f"W{l}": W for l, W in enumerate(self.net.Ws)} | {f"b{l}": b for l, b in enumerate(self.net.bs)}
        return params | ({"A": self.A, "s": self.s} if self.transitions else {})

    def unary(self, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(U (n, T, K), the net's layer outputs): every position of every sequence through the net."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3 or X.shape[2] != self.net.sizes[0]:
            raise ValueError(f"inputs must be (n, T, {self.net.sizes[0]}); got {X.shape}")
        n, T, d = X.shape
        ys, Z = self.net.forward(X.reshape(n * T, d))  # positions as rows of one batch
        return Z.reshape(n, T, -1), ys

    def log_likelihood(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """log p(y | x) per sequence (n,): the chain's, or the sum of per-position log softmax."""
        U, _ = self.unary(X)
        if not self.transitions:
            n, T, K = U.shape
            Y = _labels(Y, (n, T), K)
            return np.take_along_axis(log_softmax(U, axis=2), Y[:, :, None], axis=2)[:, :, 0].sum(axis=1)
        return log_likelihood(U, *self.chain(), Y)

    def loss(self, X: np.ndarray, Y: np.ndarray, weight_decay: float = 0.0) -> float:
        """L = -(1/nT) sum_n log p(y_n | x_n) + (decay/2) sum_l |W_l|^2: nats per position, plus decay."""
        nats = -float(self.log_likelihood(X, Y).sum()) / np.asarray(Y).size
        return nats + 0.5 * weight_decay * sum(float((W**2).sum()) for W in self.net.Ws)

    def loss_and_gradients(self, X: np.ndarray, Y: np.ndarray, weight_decay: float = 0.0
                           ) -> tuple[float, dict[str, np.ndarray]]:
        """(`loss`, its gradient by name): dL/dU = (mu - onehot(y)) / nT, then backprop through the net."""
        U, ys = self.unary(X)
        n_pos = np.asarray(Y).size
        A, s = self.chain()
        ll, dU, dA, ds = gradients(U, A, s, Y)  # with A = s = 0 the marginals are the softmaxes
        gW, gb = self.net.backward(ys, -dU.reshape(n_pos, -1) / n_pos, weight_decay)
        grads = {f"W{l}": g for l, g in enumerate(gW)} | {f"b{l}": g for l, g in enumerate(gb)}
        if self.transitions:
            grads |= {"A": -dA / n_pos, "s": -ds / n_pos}
        loss = -ll / n_pos + 0.5 * weight_decay * sum(float((W**2).sum()) for W in self.net.Ws)
        return loss, grads

    def marginals(self, X: np.ndarray) -> np.ndarray:
        """p(y_t = k | x) for every position. (n, T, K)"""
        U, _ = self.unary(X)
        return forward_backward(U, *self.chain()).mu

    def decode(self, X: np.ndarray) -> np.ndarray:
        """The most probable labeling, argmax_y p(y | x) by Viterbi (per-position argmax without transitions). (n, T)"""
        U, _ = self.unary(X)
        return viterbi(U, *self.chain())[0]
