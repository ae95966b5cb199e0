"""Numba kernels: the loops that beat BLAS (exact enumeration, Gibbs chains of tiny models).

Each kernel is a plain function compiled once at module level with ``cache=True``; the Python
wrappers in ``rbm.py`` and ``partition.py`` validate inputs and convert seeds. Importing this
module changes no process-wide setting; the app's server picks Numba's threading layer
(`use_threading_layer`), and parallel kernels run under a lock whatever the layer
(`_run_parallel`). The kernels a training slice calls are compiled ``nogil=True``: they release
the interpreter lock, so slices of several sessions run on several cores
(`pgmviz.ui.scheduler`).
"""

from __future__ import annotations

import threading

import numba
import numpy as np
from numba import njit, prange

# The threading layer the app's server uses for parallel kernels: with the OpenMP layer a parallel
# Numba loop next to BLAS's own thread pool ran several times slower on this 2-core machine. The
# choice is process-wide, so it is made where the server starts (pgmviz.ui.layout) and by the
# benchmarks, never on import: a notebook keeps numba's default.
SERVER_THREADING_LAYER = "workqueue"


def use_threading_layer(layer: str = SERVER_THREADING_LAYER) -> None:
    """Choose Numba's threading layer for this process (it takes effect if no parallel kernel ran yet)."""
    numba.config.THREADING_LAYER = layer

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


@njit(cache=True)
def _log_Z_gray_block(Wt, nWt, expW, expnW, b, c, inner_bits, blk):
    """logsumexp of the 2**inner_bits terms of block ``blk`` (its high bits fixed), in Gray-code order."""
    n_v = Wt.shape[1]
    n_inner = 1 << inner_bits
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
    return _logsumexp(terms)


@njit(cache=True)
def _log_Z_softplus_block(Wt, b, c, inner_bits, blk):
    """The same block sum with softplus evaluated directly: slower, valid for any weights."""
    n_h, n_v = Wt.shape
    n_inner = 1 << inner_bits
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
    return _logsumexp(terms)


@njit(cache=True, parallel=True, nogil=True)
def _log_Z_gray_par(Wt, b, c, inner_bits):
    nWt = -Wt
    expW, expnW = np.exp(Wt), np.exp(nWt)
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in prange(block_lse.shape[0]):
        block_lse[blk] = _log_Z_gray_block(Wt, nWt, expW, expnW, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


@njit(cache=True, nogil=True)
def _log_Z_gray_serial(Wt, b, c, inner_bits):
    nWt = -Wt
    expW, expnW = np.exp(Wt), np.exp(nWt)
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in range(block_lse.shape[0]):
        block_lse[blk] = _log_Z_gray_block(Wt, nWt, expW, expnW, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


@njit(cache=True, parallel=True, nogil=True)
def _log_Z_softplus_par(Wt, b, c, inner_bits):
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in prange(block_lse.shape[0]):
        block_lse[blk] = _log_Z_softplus_block(Wt, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


@njit(cache=True, nogil=True)
def _log_Z_softplus_serial(Wt, b, c, inner_bits):
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in range(block_lse.shape[0]):
        block_lse[blk] = _log_Z_softplus_block(Wt, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


def log_Z_gray(Wt, b, c, inner_bits):
    """log sum_h exp(c.h + sum_i softplus(b_i + Wt[:, i].h)) over all h in {0,1}^n_h.

    ``Wt`` is (n_h, n_v): the enumerated layer's weights as contiguous rows. The inner 2**inner_bits
    states of each block are visited in Gray-code order, so each step adds or removes one row of
    Wt: O(n_v) per state. softplus(a) = max(a, 0) + log(1 + e^-|a|), and e^-|a| = min(e^a, e^-a)
    is tracked by multiplication with precomputed exp(+-W), so each state costs one log of a
    product of factors in (1, 2] (no overflow for n_v < 1000) instead of n_v exp/log pairs.
    Clipping e^+-a at +-700 at a block start is harmless while |a| cannot fall below ~37 (where
    e^-|a| vanishes against 1) within the block; the caller checks that bound.
    Blocks run in parallel when no other thread is in a parallel kernel (see `_run_parallel`).
    """
    return _run_parallel(_log_Z_gray_par, _log_Z_gray_serial, Wt, b, c, inner_bits)


def log_Z_softplus(Wt, b, c, inner_bits):
    """The same sum as `log_Z_gray` with softplus evaluated directly: slower, valid for any weights."""
    return _run_parallel(_log_Z_softplus_par, _log_Z_softplus_serial, Wt, b, c, inner_bits)


# ---------------------------------------------------------------------------- SGD step
_LANES = 16  # independent running maxima: lets LLVM vectorise the peak (one running max cannot be)


@njit(cache=True, nogil=True)
def momentum_step(W, dW, grad, lr, momentum, weight_decay):
    """dW <- momentum dW + lr (grad - weight_decay W), in place; return max |W + dW| (inf if not finite).

    One pass over the weights instead of numpy's half-dozen (temporaries for the decay, the step,
    a safety copy of W and the divergence checks), and W itself is not touched: the caller
    applies W += dW only when the returned peak is sane, so a diverging step never reaches the
    model and no copy of the last good weights is needed. The peak is kept in ``_LANES``
    branch-free running maxima and non-finite values are caught by summing a - a (0, or NaN for
    inf and NaN), so the loop vectorises: 2.2x faster than one running max on 784x500 float32.
    """
    Wf, dWf, gf = W.ravel(), dW.ravel(), grad.ravel()
    n = Wf.size
    lanes = np.zeros(_LANES, dtype=Wf.dtype)
    bad = np.zeros(_LANES, dtype=Wf.dtype)
    m = n - n % _LANES
    for i in range(0, m, _LANES):
        for j in range(_LANES):
            d = momentum * dWf[i + j] + lr * (gf[i + j] - weight_decay * Wf[i + j])
            dWf[i + j] = d
            a = abs(Wf[i + j] + d)
            lanes[j] = a if a > lanes[j] else lanes[j]
            bad[j] += a - a
    for i in range(m, n):  # the tail
        d = momentum * dWf[i] + lr * (gf[i] - weight_decay * Wf[i])
        dWf[i] = d
        a = abs(Wf[i] + d)
        lanes[0] = a if a > lanes[0] else lanes[0]
        bad[0] += a - a
    peak = 0.0
    for j in range(_LANES):
        peak = max(peak, lanes[j])
        if bad[j] != 0.0:  # NaN != 0 is True as well
            return np.inf
    return peak


# ---------------------------------------------------------------------------- small-model Gibbs
# Chains of a tiny RBM: no BLAS call is worth its overhead, so each chain runs in registers and L1.
# - Units are binary, so the input to a layer is a sum of weight rows selected by the other
#   layer's bits. Precomputed partial sums over 8 units at a time ("byte tables",
#   T[g*256 + byte] = sum of the rows whose bits are set in byte) turn n_in multiply-adds per
#   output unit into ceil(n_in / 8) table lookups. When the other layer has <= 8 units the table
#   holds sigmoid(input) directly and that half-sweep needs no exp at all.
# - Each chain has its own counter-based random stream (splitmix64 of seed and chain index), so
#   the chains are independent of the order they run in: serial and parallel kernels give
#   bit-identical samples. float32 models use 24 random bits per uniform (two per 64-bit draw),
#   float64 models 53, like numpy's Generator.random.
# - The sampled bit is set without a branch (a branch on a coin flip is mispredicted half the
#   time, which cost more than the exp and the random draw together).
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_U24 = np.uint64(0xFFFFFF)
# A parallel Gibbs call is worth its thread start-up from about this many chain-sweeps.
GIBBS_PARALLEL_MIN_WORK = 200_000


@njit(cache=True, inline="always")
def _mix64(z):
    """splitmix64's finaliser: a bijection of uint64 that scrambles every input bit into every output bit."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _byte_tables(Wrows, bias, as_prob):
    """Input to one layer from the other's bits, 8 at a time: T[g*256 + byte] (float64 sums, returned in Wrows' dtype).

    ``Wrows`` (n_in, n_out): row i is what input unit i adds. T[g*256 + byte, :] = sum of
    Wrows[8g + t] over the set bits t of byte, plus ``bias`` in group 0, so the input for a state
    is sum_g T[g*256 + byte_g]. With ``as_prob`` (one group) the table holds sigmoid(input).
    """
    m, n_out = Wrows.shape
    G = (m + 7) // 8
    T = np.zeros((G * 256, n_out))
    T[0, :] = bias
    for g in range(G):
        for code in range(1, 256):
            t = 0
            while ((code >> t) & 1) == 0:
                t += 1
            i = 8 * g + t
            prev = code & (code - 1)  # code without its lowest set bit
            for j in range(n_out):
                T[g * 256 + code, j] = T[g * 256 + prev, j] + (Wrows[i, j] if i < m else 0.0)
    if as_prob:
        for code in range(256):
            for j in range(n_out):
                T[code, j] = 1.0 / (1.0 + np.exp(-T[code, j]))
    return T.astype(Wrows.dtype)


@njit(cache=True, inline="always")
def _draw_layer(T, as_prob, codes_in, x, codes_out, state, one, wide):
    """Sample a layer given the other's packed bits ``codes_in``; write its bits to ``codes_out``.

    Returns the RNG state."""
    n_out = x.shape[0]
    row = codes_in[0]
    for j in range(n_out):
        x[j] = T[row, j]
    for g in range(1, codes_in.shape[0]):
        row = g * 256 + codes_in[g]
        for j in range(n_out):
            x[j] += T[row, j]
    if not as_prob:
        for j in range(n_out):
            x[j] = one / (one + np.exp(-x[j]))
    byte = 0
    z = np.uint64(0)
    for j in range(n_out):
        if wide:  # float64: 53 random bits per uniform
            state += _GOLDEN
            u = np.int64(_mix64(state) >> np.uint64(11)) * 1.1102230246251565e-16
        elif (j & 1) == 0:  # float32: 24 bits per uniform, two uniforms per 64-bit draw
            state += _GOLDEN
            z = _mix64(state)
            u = np.int64(z >> np.uint64(40)) * 5.960464477539063e-08
        else:
            u = np.int64((z >> np.uint64(8)) & _U24) * 5.960464477539063e-08
        byte |= np.int64(u < x[j]) << (j & 7)  # branchless: the bit is a coin flip
        if (j & 7) == 7 or j == n_out - 1:
            codes_out[j >> 3] = byte
            byte = 0
    return state


@njit(cache=True, inline="always")
def _gibbs_chain(r, V, k, base, Th, Tv, prob_h, prob_v, V_out, H_out, vb, hb, xh, xv, one, wide):
    """Chain r: pack V[r] into bytes, k sweeps h|v then v|h, a last h|v, unpack into V_out[r], H_out[r]."""
    n_v, n_h = V.shape[1], H_out.shape[1]
    state = _mix64(base ^ (np.uint64(r) * _M2))
    for g in range(vb.shape[0]):
        byte = 0
        for t in range(8):
            i = 8 * g + t
            if i < n_v and V[r, i] > 0.5:
                byte |= 1 << t
        vb[g] = byte
    for step in range(k + 1):
        state = _draw_layer(Th, prob_h, vb, xh, hb, state, one, wide)
        if step == k:
            break
        state = _draw_layer(Tv, prob_v, hb, xv, vb, state, one, wide)
    for i in range(n_v):
        V_out[r, i] = (vb[i >> 3] >> (i & 7)) & 1
    for j in range(n_h):
        H_out[r, j] = (hb[j >> 3] >> (j & 7)) & 1


@njit(cache=True, nogil=True)
def _gibbs_kernel(W, b, c, V, k, seed, one, wide):
    """k block-Gibbs sweeps per chain, chain after chain (one thread). Returns (V_k, H_k)."""
    n, n_v = V.shape
    n_h = W.shape[1]
    Gv, Gh = (n_v + 7) // 8, (n_h + 7) // 8
    Th = _byte_tables(W, c, Gv == 1)  # input to h from v's bytes
    Tv = _byte_tables(np.ascontiguousarray(W.T), b, Gh == 1)  # input to v from h's bytes
    V_out = np.empty_like(V)
    H_out = np.empty((n, n_h), dtype=V.dtype)
    vb = np.empty(Gv, np.int64)
    hb = np.empty(Gh, np.int64)
    xh = np.empty(n_h, dtype=W.dtype)
    xv = np.empty(n_v, dtype=W.dtype)
    base = _mix64(np.uint64(seed) * _GOLDEN + np.uint64(1))
    for r in range(n):
        _gibbs_chain(r, V, k, base, Th, Tv, Gv == 1, Gh == 1, V_out, H_out, vb, hb, xh, xv, one, wide)
    return V_out, H_out


@njit(cache=True, parallel=True, nogil=True)
def _gibbs_kernel_par(W, b, c, V, k, seed, one, wide):
    """`_gibbs_kernel` with the chains split over threads; the same samples bit for bit."""
    n, n_v = V.shape
    n_h = W.shape[1]
    Gv, Gh = (n_v + 7) // 8, (n_h + 7) // 8
    Th = _byte_tables(W, c, Gv == 1)
    Tv = _byte_tables(np.ascontiguousarray(W.T), b, Gh == 1)
    V_out = np.empty_like(V)
    H_out = np.empty((n, n_h), dtype=V.dtype)
    base = _mix64(np.uint64(seed) * _GOLDEN + np.uint64(1))
    n_blocks = min(n, 64)
    for blk in prange(n_blocks):
        vb = np.empty(Gv, np.int64)
        hb = np.empty(Gh, np.int64)
        xh = np.empty(n_h, dtype=W.dtype)
        xv = np.empty(n_v, dtype=W.dtype)
        for r in range(blk * n // n_blocks, (blk + 1) * n // n_blocks):
            _gibbs_chain(r, V, k, base, Th, Tv, Gv == 1, Gh == 1, V_out, H_out, vb, hb, xh, xv, one, wide)
    return V_out, H_out


# The workqueue threading layer (the server's) aborts the process if two Python threads enter
# parallel kernels at once (Streamlit runs each session in its own thread). So a parallel kernel
# runs only while its caller holds this lock, whatever the layer; a caller that finds it taken runs
# the serial twin, which computes the same result.
_PARALLEL_LOCK = threading.Lock()


def _run_parallel(parallel_kernel, serial_kernel, *args):
    if _PARALLEL_LOCK.acquire(blocking=False):
        try:
            return parallel_kernel(*args)
        finally:
            _PARALLEL_LOCK.release()
    return serial_kernel(*args)


def gibbs_chains(W, b, c, V, k, seed, parallel=None):
    """Run `k` block-Gibbs steps from each row of V with a seeded Numba kernel. Returns (V_k, H_k).

    ``parallel=None`` splits the chains over threads when the work is large enough (and no other
    thread is in a parallel kernel); the result does not depend on it: each chain has its own
    random stream.
    """
    W, b, c = (np.ascontiguousarray(x) for x in (W, b, c))
    V = np.ascontiguousarray(V, dtype=W.dtype)
    args = (W, b.astype(W.dtype, copy=False), c.astype(W.dtype, copy=False), V, int(k), int(seed),
            W.dtype.type(1.0), W.dtype == np.float64)
    if parallel is None:
        parallel = V.shape[0] > 1 and V.shape[0] * (int(k) + 1) >= GIBBS_PARALLEL_MIN_WORK
    if parallel:
        return _run_parallel(_gibbs_kernel_par, _gibbs_kernel, *args)
    return _gibbs_kernel(*args)


def warm_up() -> None:
    """Compile (or load from cache) every kernel on tiny inputs, so the first real call is fast."""
    for dtype in (np.float32, np.float64):
        W = np.zeros((2, 2), dtype)
        args = (W, np.zeros(2, dtype), np.zeros(2, dtype), np.zeros((2, 2), dtype), 1, 0)
        gibbs_chains(*args, parallel=False)
        # Compile (or load) the parallel kernel without running it: entering the workqueue from
        # this (possibly background) thread could collide with a kernel running in another one.
        full = (*args[:4], np.int64(1), np.int64(0), dtype(1.0), dtype == np.float64)
        _gibbs_kernel_par.compile(tuple(numba.typeof(a) for a in full))
    for dtype in (np.float32, np.float64):
        W = np.zeros((2, 2), dtype)
        one = dtype(1.0)
        momentum_step(W, W.copy(), W.copy(), one, one, one)
    Wt, b3, c2 = np.zeros((2, 3)), np.zeros(3), np.zeros(2)
    for kernel in (_log_Z_gray_serial, _log_Z_softplus_serial):
        kernel(Wt, b3, c2, 1)
    # Parallel twins: compiled (or loaded), not run, for the same reason as above.
    sig = (numba.typeof(Wt), numba.typeof(b3), numba.typeof(c2), numba.typeof(1))
    _log_Z_gray_par.compile(sig)
    _log_Z_softplus_par.compile(sig)
