"""Numba kernels: the loops that beat BLAS (exact enumeration, the fused momentum step), and their warm-up.

The small-model Gibbs kernel lives in `pgmviz.sampling.gibbs_kernel` (``gibbs_chains`` is
re-exported here), how kernels run in parallel in `pgmviz.sampling.parallel`. Each kernel is a
plain function compiled at module level with ``cache=True``; the Python wrappers in ``rbm.py``
and ``partition.py`` validate inputs and convert seeds. Importing this module changes no
process-wide setting; the app's server picks Numba's threading layer (`use_threading_layer`),
and parallel kernels run under a lock whatever the layer (`run_parallel`). The kernels a training
slice calls are compiled ``nogil=True``: they release the interpreter lock, so slices of several
sessions run on several cores (`pgmviz.ui.scheduler`).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from pgmviz.sampling import fused, gibbs_kernel
from pgmviz.sampling.gibbs_kernel import GIBBS_PARALLEL_MIN_WORK, gibbs_chains  # noqa: F401  (the kernels' API)
from pgmviz.sampling.parallel import SERVER_THREADING_LAYER, run_parallel, twins, use_threading_layer  # noqa: F401

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


def _log_Z_gray_blocks(Wt, b, c, inner_bits):
    """logsumexp over blocks of `_log_Z_gray_block` (one body: compiled serial and parallel by `twins`)."""
    nWt = -Wt
    expW, expnW = np.exp(Wt), np.exp(nWt)
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in prange(block_lse.shape[0]):
        block_lse[blk] = _log_Z_gray_block(Wt, nWt, expW, expnW, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


def _log_Z_softplus_blocks(Wt, b, c, inner_bits):
    """logsumexp over blocks of `_log_Z_softplus_block` (one body, two compilations)."""
    block_lse = np.empty(1 << (Wt.shape[0] - inner_bits))
    for blk in prange(block_lse.shape[0]):
        block_lse[blk] = _log_Z_softplus_block(Wt, b, c, inner_bits, blk)
    return _logsumexp(block_lse)


_log_Z_gray_serial, _log_Z_gray_par = twins(_log_Z_gray_blocks)
_log_Z_softplus_serial, _log_Z_softplus_par = twins(_log_Z_softplus_blocks)


def log_Z_gray(Wt, b, c, inner_bits):
    """log sum_h exp(c.h + sum_i softplus(b_i + Wt[:, i].h)) over all h in {0,1}^n_h.

    ``Wt`` is (n_h, n_v): the enumerated layer's weights as contiguous rows. The inner 2**inner_bits
    states of each block are visited in Gray-code order, so each step adds or removes one row of
    Wt: O(n_v) per state. softplus(a) = max(a, 0) + log(1 + e^-|a|), and e^-|a| = min(e^a, e^-a)
    is tracked by multiplication with precomputed exp(+-W), so each state costs one log of a
    product of factors in (1, 2] (no overflow for n_v < 1000) instead of n_v exp/log pairs.
    Clipping e^+-a at +-700 at a block start is harmless while |a| cannot fall below ~37 (where
    e^-|a| vanishes against 1) within the block; the caller checks that bound.
    Blocks run in parallel when no other thread is in a parallel kernel (see `run_parallel`).
    """
    return run_parallel(_log_Z_gray_par, _log_Z_gray_serial, Wt, b, c, inner_bits)


def log_Z_softplus(Wt, b, c, inner_bits):
    """The same sum as `log_Z_gray` with softplus evaluated directly: slower, valid for any weights."""
    return run_parallel(_log_Z_softplus_par, _log_Z_softplus_serial, Wt, b, c, inner_bits)


# ---------------------------------------------------------------------------- SGD step
@intrinsic
def _bits(typingctx, x):
    """A float's bits as the signed int of its width (float32 -> int32, float64 -> int64)."""
    width = 32 if x == types.float32 else 64
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(width))
    return (types.int32 if width == 32 else types.int64)(x), codegen


@intrinsic
def _float_from_bits(typingctx, bits, array):
    """The float of ``array``'s dtype whose bits are ``bits`` (the inverse of `_bits`)."""
    like = array.dtype
    def codegen(context, builder, signature, args):
        value = builder.trunc(args[0], ir.IntType(32)) if like == types.float32 else args[0]
        return builder.bitcast(value, context.get_value_type(like))
    return like(types.int64, array), codegen


@njit(cache=True, nogil=True, error_model="numpy")
def momentum_step(W, dW, grad, lr, momentum, weight_decay):
    """dW <- momentum dW + lr (grad - weight_decay W), in place; return max |W + dW| (inf if not finite).

    One pass over the weights instead of numpy's half-dozen (temporaries for the decay, the step,
    a safety copy of W and the divergence checks), and W itself is not touched: the caller
    applies W += dW only when the returned peak is sane, so a diverging step never reaches the
    model and no copy of the last good weights is needed. The peak is an integer maximum of the
    bits of |W + dW| (sign bit cleared): for non-negative floats the bits order like the values,
    and inf and NaN sit above every finite value, so one max finds the peak and any non-finite
    step at once, and LLVM vectorises an integer max (a float max with NaNs it does not):
    191 -> 55 us on 784x500 float32 (the 16 running float maxima before; `W += dW` is 33 us).
    """
    Wf, dWf, gf = W.ravel(), dW.ravel(), grad.ravel()
    mask = (1 << 31) - 1 if Wf.itemsize == 4 else (1 << 63) - 1
    inf_bits = 0x7F800000 if Wf.itemsize == 4 else 0x7FF0000000000000
    top = 0
    for i in range(Wf.size):
        d = momentum * dWf[i] + lr * (gf[i] - weight_decay * Wf[i])
        dWf[i] = d
        top = max(top, _bits(Wf[i] + d) & mask)
    if top >= inf_bits:  # inf, or a NaN (its bits lie above inf's)
        return np.inf
    return float(_float_from_bits(np.int64(top), Wf))


@njit(cache=True, nogil=True, error_model="numpy")
def momentum_apply(W, dW, grad, lr, momentum, weight_decay):
    """dW <- momentum dW + lr (grad - weight_decay W); W += dW; grad <- the old W; return max |W| (inf if not finite).

    `momentum_step` and ``W += dW`` in one pass (the same arithmetic, so the same bits): W, dW and
    grad are read once instead of W and dW twice. W is written before the peak is known, so the
    old weights go into grad's buffer, whose lines the pass has just read: a caller that refuses
    the step puts them back (``W[...] = grad``), bit for bit. Measured per CD-1 update of 784x500
    float32, in sequence (thread CPU, one BLAS thread, load 3-4): 42-62 us less than the two passes.
    """
    if not (W.flags.c_contiguous and dW.flags.c_contiguous and grad.flags.c_contiguous):
        raise ValueError("momentum_apply needs C-contiguous W, dW and grad (it writes them through flat views)")
    Wf, dWf, gf = W.ravel(), dW.ravel(), grad.ravel()
    mask = (1 << 31) - 1 if Wf.itemsize == 4 else (1 << 63) - 1
    inf_bits = 0x7F800000 if Wf.itemsize == 4 else 0x7FF0000000000000
    top = 0
    for i in range(Wf.size):
        w = Wf[i]
        d = momentum * dWf[i] + lr * (gf[i] - weight_decay * w)
        dWf[i] = d
        x = w + d
        Wf[i] = x
        gf[i] = w
        top = max(top, _bits(x) & mask)
    if top >= inf_bits:  # inf, or a NaN (its bits lie above inf's)
        return np.inf
    return float(_float_from_bits(np.int64(top), Wf))


def warm_up() -> None:
    """Compile (or load from cache) every kernel on tiny inputs, so the first real call is fast."""
    for dtype in (np.float32, np.float64):
        W = np.zeros((2, 2), dtype)
        args = (W, np.zeros(2, dtype), np.zeros(2, dtype), np.zeros((2, 2), dtype), 1, 0)
        gibbs_chains(*args, parallel=False)
        # Compile (or load) the parallel kernel without running it: entering the workqueue from
        # this (possibly background) thread could collide with a kernel running in another one.
        full = (*args[:4], np.int64(1), np.int64(0))
        gibbs_kernel._gibbs_kernel_par.compile(tuple(numba.typeof(a) for a in full))
    for dtype in (np.float32, np.float64):
        W = np.zeros((2, 2), dtype)
        one = dtype(1.0)
        momentum_step(W, W.copy(), W.copy(), one, one, one)
        momentum_step(W[0], W[0].copy(), W[0].copy(), one, one, one)
        momentum_apply(W.copy(), W.copy(), W.copy(), one, one, one)  # the fused stream's weights
        momentum_apply(W[0].copy(), W[0].copy(), W[0].copy(), one, one, one)  # and its biases
    Wt, b3, c2 = np.zeros((2, 3)), np.zeros(3), np.zeros(2)
    for kernel in (_log_Z_gray_serial, _log_Z_softplus_serial):
        kernel(Wt, b3, c2, 1)
    # Parallel twins: compiled (or loaded), not run, for the same reason as above.
    sig = (numba.typeof(Wt), numba.typeof(b3), numba.typeof(c2), numba.typeof(1))
    _log_Z_gray_par.compile(sig)
    _log_Z_softplus_par.compile(sig)
    fused.warm_up()  # the CD/PCD kernel of TrainSettings(stream="fused")
