"""The small-model Gibbs kernel: block-Gibbs chains of a tiny RBM (n_v * n_h <= SMALL_MODEL_SIZE) in Numba.

`gibbs_chains` is what `RBM.gibbs` calls for small models; the comment block below says how a
sweep costs no exp and about 16 random bits a unit. A layer whose input has at most 16 bits is
drawn from a full threshold table instead (`pgmviz.sampling.gibbs_tables`), with the same bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pgmviz.sampling.gibbs_tables import (
    SMALL_LANES,
    TABLE_H,
    TABLE_V,
    _draw_table,
    _gibbs_lanes_tables,
    _table_rows,
    table_layers,
)
from pgmviz.sampling.parallel import run_parallel, twins
from pgmviz.sampling.splitmix import _GOLDEN, _M1, _M2, _U16, _bit_from_16, _mix64  # noqa: F401  (fused.py's too)

# ---------------------------------------------------------------------------- small-model Gibbs
# Chains of a tiny RBM: no BLAS call is worth its overhead, so each chain runs in registers and L1.
# - Units are binary, so the input to a layer is a sum of weight rows selected by the other
#   layer's bits. Precomputed partial sums over 8 units at a time ("byte tables",
#   S[g*256 + byte] = sum of the rows whose bits are set in byte) turn n_in multiply-adds per
#   output unit into ceil(n_in / 8) table lookups.
# - No exp per draw: the tables hold exp(-S), so e^-x = prod_g exp(-S_g) and
#   sigmoid(x) = 1 / (1 + prod_g exp(-S_g)), products and one division that vectorise across the
#   layer. When some state's partial products could leave float64's range (the summed |S| bound
#   reaches EXP_TABLE_LIMIT, weights in the hundreds) the tables hold S and the sigmoid is computed.
# - Each chain has its own counter-based random stream (splitmix64 of seed and chain index), so
#   the chains are independent of the order they run in: serial and parallel twins give
#   bit-identical samples.
# - Four uniforms per 64-bit random: each draw compares 16 random bits with floor(2^16 p). Only
#   when they are equal (probability < 2^-16) can 16 bits not decide; then 37 more bits make a
#   53-bit uniform u and the bit is u < p. So the draw is exact to 2^-53 for any p, also below
#   2^-16 (plain 16-bit uniforms would turn every p < 2^-16 into 2^-16), at ~16 bits a draw.
# - The sampled bit is set without a branch (a branch on a coin flip is mispredicted half the
#   time); the refinement's branch is almost never taken, so it is predicted.
# Below this bound on |sum_g S_g| no partial product of exp(-S_g) over- or underflows float64.
EXP_TABLE_LIMIT = 700.0
# A parallel Gibbs call is worth its thread start-up from about this many chain-sweeps.
GIBBS_PARALLEL_MIN_WORK = 200_000


@njit(cache=True)
def _byte_tables(Wrows, bias):
    """Input to one layer from the other's bits, 8 at a time: S[g*256 + byte] = sum of selected rows (float64).

    ``Wrows`` (n_in, n_out): row i is what input unit i adds. S[g*256 + byte, :] = sum of
    Wrows[8g + t] over the set bits t of byte, plus ``bias`` in group 0, so the input for a state
    is sum_g S[g*256 + byte_g].
    """
    m, n_out = Wrows.shape
    G = (m + 7) // 8
    S = np.zeros((G * 256, n_out))
    S[0, :] = bias
    for g in range(G):
        for code in range(1, 256):
            t = 0
            while ((code >> t) & 1) == 0:
                t += 1
            i = 8 * g + t
            prev = code & (code - 1)  # code without its lowest set bit
            for j in range(n_out):
                S[g * 256 + code, j] = S[g * 256 + prev, j] + (Wrows[i, j] if i < m else 0.0)
    return S


@njit(cache=True)
def _exp_tables(S):
    """exp(-S) when every product of one row per group stays in float64's range; else S itself.

    Returns (table, multiplicative). |sum over groups of any chosen rows| <= sum_g max |S_g|, so
    the bound is checked per output unit over the groups' largest entries.
    """
    G = S.shape[0] // 256
    bound = 0.0
    for j in range(S.shape[1]):
        total = 0.0
        for g in range(G):
            total += np.abs(S[g * 256:(g + 1) * 256, j]).max()
        bound = max(bound, total)
    if bound < EXP_TABLE_LIMIT:  # False for NaN weights too: they take the plain path
        return np.exp(-S), True
    return S, False


@njit(cache=True, inline="always")
def _draw_layer(T, mult, codes_in, p, words, codes_out, state, l):
    """Sample a layer of lane l given the other layer's packed bits ``codes_in[l]``; bits to ``codes_out[l]``.

    Returns lane l's RNG state."""
    n_out = p.shape[1]
    row = codes_in[l, 0]
    for j in range(n_out):
        p[l, j] = T[row, j]
    for g in range(1, codes_in.shape[1]):
        row = g * 256 + codes_in[l, g]
        if mult:
            for j in range(n_out):
                p[l, j] *= T[row, j]  # e^-x, one group at a time
        else:
            for j in range(n_out):
                p[l, j] += T[row, j]
    if not mult:
        for j in range(n_out):
            p[l, j] = np.exp(-p[l, j])
    # p[l] now holds e^-x, and sigmoid(x) = 1 / s with s = 1 + e^-x: compare without dividing.
    n_words = words.shape[1]
    for w in range(n_words):  # counter-based: the draws of a layer are independent, so they vectorise
        words[l, w] = _mix64(state + np.uint64(w + 1) * _GOLDEN)
    state += np.uint64(n_words) * _GOLDEN
    byte = 0
    undecided = False
    for j in range(n_out):
        hi = np.int64((words[l, j >> 2] >> np.uint64(16 * (j & 3))) & _U16)
        s = 1.0 + p[l, j]
        # u in [hi, hi + 1) / 2^16 is below 1/s for all of the bucket if d = 2^16 - hi s >= s and
        # for none of it if d <= 0; 0 < d < s (probability < 2^-16) leaves 16 bits undecided.
        # Written as |d - s/2| < s/2, one comparison: `and` of two would be split into two
        # branches, one of them on the coin flip.
        m = 65536.0 - hi * s - 0.5 * s
        byte |= np.int64(m >= 0.5 * s) << (j & 7)  # branchless: the bit is a coin flip
        undecided |= abs(m) < 0.5 * s
        if (j & 7) == 7 or j == n_out - 1:
            codes_out[l, j >> 3] = byte
            byte = 0
    if undecided:  # rare, and outside the loop above so that loop stays branch-free
        for j in range(n_out):  # decided units get their bit again; undecided ones draw 37 more bits
            hi = np.int64((words[l, j >> 2] >> np.uint64(16 * (j & 3))) & _U16)
            bit, state = _bit_from_16(hi, 1.0 + p[l, j], state)
            codes_out[l, j >> 3] |= bit << (j & 7)
    return state


# Chains advance LANES at a time, sweep by sweep: one chain's sweep is a chain of dependent
# latencies (lookup, product, division, compare, next lookup), and interleaving independent
# chains lets the CPU overlap them. All LANES lanes run, lanes past the block's end from v = 0,
# discarded: the constant trip count lets LLVM unroll, and the dispatch between a layer's table
# and byte path sits outside the lanes' loops (inside them it cost ~15%). The lanes functions
# are calls, not inlined into the body (one call runs a block of chains through every sweep):
# inlined, numba's parfor passes took ~170 s to compile the parallel twin cold (load 14).
LANES = 8


@njit(cache=True)
def _gibbs_lanes(r0, r1, V, k, base, tables, Th, Tv, mult_h, mult_v, tab_h, tab_v, V_out, H_out,
                 vb, hb, ph, pv, wh, wv, wh8, wv8, state):
    """Chains r0 .. r1-1 (at most LANES) together: pack V into bytes, k sweeps, a last h|v, unpack.

    A layer in ``tables`` draws from its threshold table (`gibbs_tables._draw_table`), the other
    from its byte tables; either way the same bits.
    """
    n_v, n_h = V.shape[1], H_out.shape[1]
    for l in range(LANES):
        r = r0 + l
        state[l] = _mix64(base ^ (np.uint64(r) * _M2))
        for g in range(vb.shape[1]):
            byte = 0
            for t in range(8):
                i = 8 * g + t
                if r < r1 and i < n_v and V[r, i] > 0.5:
                    byte |= 1 << t
            vb[l, g] = byte
    for step in range(k + 1):
        if tables & TABLE_H:
            for l in range(LANES):
                state[l] = _draw_table(tab_h, Th, mult_h, vb, wh8, hb, state[l], l, n_h)
        else:
            for l in range(LANES):
                state[l] = _draw_layer(Th, mult_h, vb, ph, wh, hb, state[l], l)
        if step == k:
            break
        if tables & TABLE_V:
            for l in range(LANES):
                state[l] = _draw_table(tab_v, Tv, mult_v, hb, wv8, vb, state[l], l, n_v)
        else:
            for l in range(LANES):
                state[l] = _draw_layer(Tv, mult_v, hb, pv, wv, vb, state[l], l)
    for l in range(r1 - r0):
        for i in range(n_v):
            V_out[r0 + l, i] = (vb[l, i >> 3] >> (i & 7)) & 1
        for j in range(n_h):
            H_out[r0 + l, j] = (hb[l, j >> 3] >> (j & 7)) & 1


def _gibbs_body(W, b, c, V, k, seed):
    """k block-Gibbs sweeps per chain, then h ~ p(h | v_k). Returns (V_k, H_k).

    One body, compiled serial and parallel (`twins`): the chains are split into blocks, and
    ``prange`` runs the blocks on threads in the parallel twin. Same samples bit for bit: each
    chain's stream depends on the seed and its index only, not on the path `table_layers`
    chooses for the call's size (tables, both layers from tables, or byte tables).
    """
    n, n_v = V.shape
    n_h = W.shape[1]
    Gv, Gh = (n_v + 7) // 8, (n_h + 7) // 8
    Th, mult_h = _exp_tables(_byte_tables(W, c))  # input to h from v's bytes
    Tv, mult_v = _exp_tables(_byte_tables(np.ascontiguousarray(W.T), b))  # input to v from h's bytes
    tables = table_layers(n_v, n_h, n, k)
    tab_h = np.empty(((1 << n_v) if tables & TABLE_H else 1, 2 * Gh), np.uint64)
    tab_v = np.empty(((1 << n_h) if tables & TABLE_V else 1, 2 * Gv), np.uint64)
    n_tb = 64
    for tb in prange(n_tb):  # the tables' rows, on threads in the parallel twin
        if tables & TABLE_H:
            _table_rows(tab_h, n_h, Th, mult_h, Gv, tb * tab_h.shape[0] // n_tb, (tb + 1) * tab_h.shape[0] // n_tb)
        if tables & TABLE_V:
            _table_rows(tab_v, n_v, Tv, mult_v, Gh, tb * tab_v.shape[0] // n_tb, (tb + 1) * tab_v.shape[0] // n_tb)
    V_out = np.empty_like(V)
    H_out = np.empty((n, n_h), dtype=V.dtype)
    base = _mix64(np.uint64(seed) * _GOLDEN + np.uint64(1))
    n_blocks = min(n, 64)
    for blk in prange(n_blocks):
        vb = np.empty((LANES, Gv), np.int64)
        hb = np.empty((LANES, Gh), np.int64)
        ph = np.empty((LANES, n_h))
        pv = np.empty((LANES, n_v))
        wh = np.empty((LANES, (n_h + 3) // 4), np.uint64)
        wv = np.empty((LANES, (n_v + 3) // 4), np.uint64)
        wh8 = np.zeros((LANES, 2 * Gh), np.uint64)  # a table draw's words, two a chunk
        wv8 = np.zeros((LANES, 2 * Gv), np.uint64)
        state = np.empty(LANES, np.uint64)
        vc = np.empty(SMALL_LANES, np.int64)
        hc = np.empty(SMALL_LANES, np.int64)
        start, end = blk * n // n_blocks, (blk + 1) * n // n_blocks
        if tables == TABLE_H | TABLE_V:
            for r0 in range(start, end, SMALL_LANES):
                _gibbs_lanes_tables(r0, min(r0 + SMALL_LANES, end), V, k, base, tab_h, tab_v, Th, Tv, mult_h,
                                    mult_v, V_out, H_out, state, vc, hc)
        else:
            for r0 in range(start, end, LANES):
                _gibbs_lanes(r0, min(r0 + LANES, end), V, k, base, tables, Th, Tv, mult_h, mult_v, tab_h, tab_v,
                             V_out, H_out, vb, hb, ph, pv, wh, wv, wh8, wv8, state)
    return V_out, H_out


_gibbs_kernel, _gibbs_kernel_par = twins(_gibbs_body)


def gibbs_chains(W, b, c, V, k, seed, parallel=None):
    """Run `k` block-Gibbs steps from each row of V with a seeded Numba kernel. Returns (V_k, H_k).

    ``parallel=None`` splits the chains over threads when the work is large enough (and no other
    thread is in a parallel kernel); the result does not depend on it: each chain has its own
    random stream. The samples have V's dtype (float32 or float64); the conditionals are
    computed in float64 either way.
    """
    W, b, c = (np.ascontiguousarray(x) for x in (W, b, c))
    V = np.ascontiguousarray(V, dtype=W.dtype)
    args = (W, b.astype(W.dtype, copy=False), c.astype(W.dtype, copy=False), V, int(k), int(seed))
    if parallel is None:
        parallel = V.shape[0] > 1 and V.shape[0] * (int(k) + 1) >= GIBBS_PARALLEL_MIN_WORK
    if parallel:
        return run_parallel(_gibbs_kernel_par, _gibbs_kernel, *args)
    return _gibbs_kernel(*args)
