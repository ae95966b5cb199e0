"""Annealing between a simple distribution and an RBM: the machinery behind PA, PT and AIS.

All of it rests on the tempered family p_beta(v, h) ~ exp(-beta E(v, h)) (or, for AIS, a path from
a base-rate model to the RBM) and on importance weights carried as logs:

- `effective_sample_size` (ESS) says how many equally weighted particles the weights are worth;
- `systematic_resample` replaces weighted particles by equally weighted copies;
- `anneal_population` moves a population from beta = 0 to 1 (population annealing, Machta 2010);
- `ais` runs independent annealed importance sampling chains (Neal 2001; Salakhutdinov & Murray 2008).
"""

from __future__ import annotations

import numpy as np

from pgmviz.models.rbm import RBM, bernoulli
from pgmviz.special import sigmoid, softplus


def require_binary(rbm: RBM, what: str) -> None:
    """Refuse a model whose units are not all binary: every tempered formula here is the binary RBM's.

    Multiplying E by beta is not "all parameters times beta" for Gaussian visible units (the
    quadratic term) or linear hidden units, and sigmoid(beta x) is not their conditional.
    """
    if rbm.visible_units != "bernoulli" or rbm.hidden_units != "bernoulli":
        raise ValueError(f"{what} is written for binary units; this {type(rbm).__name__} has "
                         f"{rbm.visible_units} visible and {rbm.hidden_units} hidden units "
                         f"(use CD or PCD for it, and exact enumeration or a binary RBM for log Z)")


def tempered(rbm: RBM, beta: float) -> RBM:
    """The RBM at inverse temperature beta: p_beta(v, h) ~ exp(-beta E(v, h)), i.e. all parameters times beta."""
    require_binary(rbm, "tempering")
    return RBM(rbm.W * beta, rbm.b * beta, rbm.c * beta)


def tempered_gibbs(rbm: RBM, V: np.ndarray, betas: np.ndarray, k: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """k block-Gibbs steps of every chain at its own temperature: V[m] samples p_{beta_m}(v, h).

    V : (M, R, n_v) chains, R per inverse temperature betas[m]. All M * R chains share one matrix
    product per half-step (the tempered pre-activation is beta_m (v W + c)), rather than M small
    products with a tempered copy of W each. -> (V, H) of shapes (M, R, n_v), (M, R, n_h).
    """
    require_binary(rbm, "parallel tempering")
    M, R, n_v = V.shape
    beta = np.asarray(betas, dtype=rbm.dtype).reshape(M, 1, 1)
    flat = V.reshape(M * R, n_v)

    def sample_h(X: np.ndarray) -> np.ndarray:
        A = (X @ rbm.W + rbm.c).reshape(M, R, rbm.n_h)
        return bernoulli(sigmoid(beta * A), rng).reshape(M * R, rbm.n_h)

    H = sample_h(flat)
    for _ in range(k):
        A = (H @ rbm.W.T + rbm.b).reshape(M, R, n_v)
        flat = bernoulli(sigmoid(beta * A), rng).reshape(M * R, n_v)
        H = sample_h(flat)
    return flat.reshape(M, R, n_v), H.reshape(M, R, rbm.n_h)


def effective_sample_size(log_w: np.ndarray) -> float:
    """ESS = (sum w)^2 / sum w^2 of importance weights given as logs (R for equal weights, 1 for one)."""
    if len(log_w) == 0:
        return 0.0
    w = np.exp(log_w - np.max(log_w))
    return float(w.sum() ** 2 / (w**2).sum())


def systematic_resample(log_w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of R particles drawn in proportion to their weights with one uniform offset.

    Systematic resampling keeps particle r about R * w_r times (never fewer than floor, never more
    than ceil), so it adds less noise than multinomial draws while preserving the weighted mean.
    """
    w = np.exp(log_w - np.max(log_w))
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    R = len(log_w)
    points = (rng.random() + np.arange(R)) / R
    return np.searchsorted(cdf, points, side="right").clip(0, R - 1)


def anneal_population(rbm: RBM, n: int, betas: np.ndarray, rng: np.random.Generator, k: int = 1,
                      ess_threshold: float = 0.5, progress=None, cancel=None):
    """Anneal n particles from beta = betas[0] (0: uniform) to betas[-1], reweighting, resampling, sweeping.

    Returns ``(V, log_w, log_Z_ratio, var_log_Z, n_resamples)``: final particles and log-weights,
    the estimate of log Z(betas[-1]) - log Z(betas[0]) as the sum over steps of the log weighted
    mean of the incremental weights, and a delta-method variance of that sum.
    """
    require_binary(rbm, "population annealing")
    V = bernoulli(np.full((n, rbm.n_v), 0.5, dtype=rbm.dtype), rng)
    if betas[0] != 0:
        V = tempered(rbm, betas[0]).gibbs(V, 50, rng)[0]
    W, b64, c64 = rbm.W, rbm.b.astype(np.float64), rbm.c.astype(np.float64)
    # Every tempered quantity comes from the hidden inputs X = v.W + c at beta = 1:
    #   F_beta(v) = -beta b.v - sum_j softplus(beta X_j),  p_beta(h_j = 1 | v) = sigmoid(beta X_j),
    # so a temperature step costs two matrix products, as in AIS, and no tempered copy of W.
    X = V @ W + c64

    def free_energy(beta: float) -> np.ndarray:
        return -beta * (V @ b64) - softplus(beta * X).sum(axis=1)

    log_w = np.zeros(n)
    log_ratio, var, n_res = 0.0, 0.0, 0
    F_prev = free_energy(betas[0])
    for t in range(1, len(betas)):
        beta = betas[t]
        inc = -(free_energy(beta) - F_prev)
        # log of the weighted mean of the incremental weights = this step's log Z ratio
        w_prev = np.exp(log_w - log_w.max())
        w_prev /= w_prev.sum()
        m = inc.max()
        e = np.exp(inc - m)
        mean_e = float(w_prev @ e)
        log_ratio += m + np.log(mean_e)
        var += float(w_prev @ (e / mean_e - 1) ** 2) / effective_sample_size(log_w)
        log_w = log_w + inc
        if effective_sample_size(log_w) < ess_threshold * n:
            idx = systematic_resample(log_w, rng)
            V, X = V[idx], X[idx]
            log_w = np.zeros(n)
            n_res += 1
        for _ in range(k):  # block Gibbs sweeps that leave p_beta invariant
            H = bernoulli(sigmoid(beta * X).astype(rbm.dtype), rng)
            V = bernoulli(sigmoid(beta * (b64 + H @ W.T)).astype(rbm.dtype), rng)
            X = V @ W + c64
        F_prev = free_energy(beta)
        if progress is not None:
            progress(t / (len(betas) - 1))
        if cancel is not None and cancel():
            raise InterruptedError(f"population annealing cancelled after {t} of {len(betas) - 1} temperatures")
    return V, log_w, log_ratio, var, n_res


def base_rate_biases(X: np.ndarray | None, n_v: int) -> np.ndarray:
    """Visible biases of the AIS base model: the data's log-odds per pixel (zeros without data).

    A base model that already matches the pixel marginals starts the annealing path much closer
    to the RBM than the uniform distribution does (Salakhutdinov & Murray 2008).
    """
    if X is None:
        return np.zeros(n_v)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n_v:
        raise ValueError(f"base-rate data must have shape (n, {n_v}); got {X.shape}")
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def ais(rbm: RBM, n_runs: int, betas: np.ndarray, rng: np.random.Generator, b_A: np.ndarray,
        progress=None, cancel=None) -> np.ndarray:
    """Annealed importance sampling from a base model with visible biases b_A (no weights) to the RBM.

    Intermediate (unnormalised) marginals, h summed out in closed form:
        log p*_beta(v) = (1 - beta) b_A.v + beta b.v + sum_j softplus(beta (c_j + v.W[:, j]))
    Each run draws v from the base model exactly, then for beta_1 < ... < beta_K = 1 adds
    log p*_beta_k(v) - log p*_beta_{k-1}(v) to its log-weight and moves v by one Gibbs step that
    leaves p_beta_k invariant. Returns the runs' log-weights; mean(w) estimates Z_B / Z_A.
    ``progress(fraction)`` is called now and then; ``cancel()`` returning True stops early
    (raising InterruptedError).
    """
    require_binary(rbm, "AIS")
    W, dtype = rbm.W, rbm.dtype
    b64, c64, b_A = (np.asarray(x, dtype=np.float64) for x in (rbm.b, rbm.c, b_A))
    V = bernoulli(np.broadcast_to(sigmoid(b_A), (n_runs, rbm.n_v)).astype(dtype), rng)
    log_w = np.zeros(n_runs)
    db = b64 - b_A
    # Products in the model's dtype (BLAS), log-weight increments in float64: they are small
    # differences of large softplus sums, summed over thousands of temperatures.
    X = (V @ W) + c64  # hidden inputs at beta = 1
    K = len(betas) - 1
    report = max(1, K // 100)
    for k in range(1, K + 1):
        beta, beta_prev = betas[k], betas[k - 1]
        log_w += (beta - beta_prev) * (V @ db) + (softplus(beta * X) - softplus(beta_prev * X)).sum(axis=1)
        if k < K:
            H = bernoulli(sigmoid(beta * X).astype(dtype), rng)
            V = bernoulli(sigmoid((1 - beta) * b_A + beta * (b64 + H @ W.T)).astype(dtype), rng)
            X = (V @ W) + c64
        if k % report == 0:
            if progress is not None:
                progress(k / K)
            if cancel is not None and cancel():
                raise InterruptedError(f"AIS cancelled after {k} of {K} temperatures")
    return log_w
