"""Numba kernels: the loops that beat BLAS (exact enumeration, Gibbs chains of tiny models).

Each kernel is a plain function compiled once at module level with ``cache=True``; the Python
wrappers in ``rbm.py`` and ``partition.py`` validate inputs and convert seeds. Kernels that run
in parallel use Numba's ``workqueue`` threading layer: with the OpenMP layer a parallel Numba loop
next to BLAS's own thread pool ran several times slower on this 2-core machine.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

numba.config.THREADING_LAYER = "workqueue"

# Enumeration splits the enumerated layer into an inner Gray-code block of 2**INNER_BITS states
# and an outer loop over blocks, recomputing the activations exactly at each block start so that
# incremental rounding never accumulates over more than 2**INNER_BITS steps.
INNER_BITS = 10
# exp(a) is tracked multiplicatively and clipped at +-EXP_CLIP at each block start; see
# `log_Z_gray` for why the result stays exact while activations move less than this in a block.
EXP_CLIP = 700.0
SAFE_BLOCK_RANGE = 600.0


@njit(cache=True, inline="always")
def _softplus(x):
    if x > 0:
        return x + np.log1p(np.exp(-x))
    return np.log1p(np.exp(x))


@njit(cache=True)
def _trailing_zeros(m):
    j = 0
    while (m & 1) == 0:
        m >>= 1
        j += 1
    return j


@njit(cache=True)
def _logsumexp(x):
    m = -np.inf
    for t in x:
        if t > m:
            m = t
    if m == -np.inf:
        return m
    s = 0.0
    for t in x:
        s += np.exp(t - m)
    return m + np.log(s)


@njit(cache=True, fastmath={"reassoc", "contract"})
def _gray_step(a, E, Einv, w, f, g):
    """Move activations a += w, exp(a) *= f, exp(-a) *= g; return (sum max(a,0), prod (1+e^-|a|)).

    Pure arithmetic (no exp/log/division), so reassociation is safe and lets LLVM vectorise
    the two reductions.
    """
    pos = 0.0
    prod = 1.0
    for i in range(a.shape[0]):
        a[i] += w[i]
        E[i] *= f[i]
        Einv[i] *= g[i]
        pos += max(a[i], 0.0)
        prod *= 1.0 + min(E[i], Einv[i])
    return pos, prod


@njit(cache=True)
def _block_start(Wt, b, c, hi, inner_bits, a, E, Einv):
    """Exact activations a = b + sum_{j in hi} Wt[j], and s = c.h, for the block's first state."""
    a[:] = b
    s = 0.0
    n_h = Wt.shape[0]
    for j in range(inner_bits, n_h):
        if (hi >> (j - inner_bits)) & 1:
            a += Wt[j]
            s += c[j]
    for i in range(a.shape[0]):
        x = min(max(a[i], -EXP_CLIP), EXP_CLIP)
        E[i] = np.exp(x)
        Einv[i] = np.exp(-x)
    return s


@njit(cache=True, parallel=True)
def log_Z_gray(Wt, b, c, inner_bits):
    """log sum_h exp(c.h + sum_i softplus(b_i + Wt[:, i].h)) over all h in {0,1}^n_h.

    ``Wt`` is (n_h, n_v): the enumerated layer's weights as contiguous rows. The inner 2**inner_bits
    states of each block are visited in Gray-code order, so each step adds or removes one row of
    Wt: O(n_v) per state. softplus(a) = max(a, 0) + log(1 + e^-|a|), and e^-|a| = min(e^a, e^-a)
    is tracked by multiplication with precomputed exp(+-W), so each state costs one log of a
    product of factors in (1, 2] (no overflow for n_v < 1000) instead of n_v exp/log pairs.
    Clipping e^+-a at +-700 at a block start is harmless while |a| cannot fall below ~37 (where
    e^-|a| vanishes against 1) within the block; the caller checks that bound.
    """
    n_h, n_v = Wt.shape
    n_blocks = 1 << (n_h - inner_bits)
    n_inner = 1 << inner_bits
    nWt = -Wt
    expW = np.exp(Wt)
    expnW = np.exp(nWt)
    block_lse = np.empty(n_blocks)
    for blk in prange(n_blocks):
        a = np.empty(n_v)
        E = np.empty(n_v)
        Einv = np.empty(n_v)
        terms = np.empty(n_inner)
        zero = np.zeros(n_v)
        ones = np.ones(n_v)
        s = _block_start(Wt, b, c, blk, inner_bits, a, E, Einv)
        pos, prod = _gray_step(a, E, Einv, zero, ones, ones)
        terms[0] = s + pos + np.log(prod)
        code = 0
        for m in range(1, n_inner):
            j = _trailing_zeros(m)
            code ^= 1 << j
            if (code >> j) & 1:
                pos, prod = _gray_step(a, E, Einv, Wt[j], expW[j], expnW[j])
                s += c[j]
            else:
                pos, prod = _gray_step(a, E, Einv, nWt[j], expnW[j], expW[j])
                s -= c[j]
            terms[m] = s + pos + np.log(prod)
        block_lse[blk] = _logsumexp(terms)
    return _logsumexp(block_lse)


@njit(cache=True, parallel=True)
def log_Z_softplus(Wt, b, c, inner_bits):
    """The same sum as `log_Z_gray` with softplus evaluated directly: slower, valid for any weights."""
    n_h, n_v = Wt.shape
    n_blocks = 1 << (n_h - inner_bits)
    n_inner = 1 << inner_bits
    block_lse = np.empty(n_blocks)
    for blk in prange(n_blocks):
        a = b.copy()
        s = 0.0
        for j in range(inner_bits, n_h):
            if (blk >> (j - inner_bits)) & 1:
                a += Wt[j]
                s += c[j]
        terms = np.empty(n_inner)
        code = 0
        for m in range(n_inner):
            if m > 0:
                j = _trailing_zeros(m)
                code ^= 1 << j
                sign = 1.0 if (code >> j) & 1 else -1.0
                for i in range(n_v):
                    a[i] += sign * Wt[j, i]
                s += sign * c[j]
            t = s
            for i in range(n_v):
                t += _softplus(a[i])
            terms[m] = t
        block_lse[blk] = _logsumexp(terms)
    return _logsumexp(block_lse)


@njit(cache=True)
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True)
def _gibbs_kernel(W, b, c, V, k, seed):
    """k block-Gibbs steps per chain, chain by chain (a tiny model lives in L1 cache)."""
    np.random.seed(seed)
    n, n_v = V.shape
    n_h = W.shape[1]
    V_out = np.empty_like(V)
    H_out = np.empty((n, n_h), dtype=V.dtype)
    v = np.empty(n_v, dtype=V.dtype)
    h = np.empty(n_h, dtype=V.dtype)
    for r in range(n):
        v[:] = V[r]
        for step in range(k + 1):
            for j in range(n_h):
                x = c[j]
                for i in range(n_v):
                    x += v[i] * W[i, j]
                h[j] = 1.0 if np.random.random() < _sigmoid(x) else 0.0
            if step == k:
                break
            for i in range(n_v):
                x = b[i]
                for j in range(n_h):
                    x += W[i, j] * h[j]
                v[i] = 1.0 if np.random.random() < _sigmoid(x) else 0.0
        V_out[r] = v
        H_out[r] = h
    return V_out, H_out


def gibbs_chains(W, b, c, V, k, seed):
    """Run `k` block-Gibbs steps from each row of V with a seeded Numba kernel. Returns (V_k, H_k)."""
    V = np.ascontiguousarray(V, dtype=W.dtype)
    return _gibbs_kernel(W, b, c, V, int(k), int(seed))


def warm_up() -> None:
    """Compile (or load from cache) every kernel on tiny inputs, so the first real call is fast."""
    for dtype in (np.float32, np.float64):
        W = np.zeros((2, 2), dtype)
        gibbs_chains(W, np.zeros(2, dtype), np.zeros(2, dtype), np.zeros((1, 2), dtype), 1, 0)
    Wt = np.zeros((2, 3))
    log_Z_gray(Wt, np.zeros(3), np.zeros(2), 1)
    log_Z_softplus(Wt, np.zeros(3), np.zeros(2), 1)
