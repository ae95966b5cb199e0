"""Full threshold tables for small-model Gibbs: bit_j = [u16_j < floor(2^16 p_j(code))], one table row a layer.

When a layer's input has few bits (n_in <= FULL_TABLE_MAX_BITS), p(unit j = 1 | input) takes at
most 2^n_in values: the table holds, for every input code, each unit's 16-bit threshold, so a
draw is one table row and one vector compare against the 16-bit uniforms. `gibbs_kernel` chooses
per layer (`table_layers`) and draws the other layer from its byte tables.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from pgmviz.sampling.splitmix import _GOLDEN, _M2, _U16, _bit_from_16, _mix64

# ---------------------------------------------------------------------------- threshold tables
# The byte kernel (`gibbs_kernel._draw_layer`) draws unit j from 16 random bits hi as
# [m(hi) >= s/2], m(hi) = 2^16 - hi s - s/2, s = 1 + e^-x, refining to 53 bits when |m| < s/2.
# m falls as hi grows, so for a given input the bits are 1 exactly for hi < t, with t the count
# of hi for which m(hi) >= s/2 (t = floor(2^16 p) up to rounding, and computed with that same
# float arithmetic): the table stores min(t, 2^16 - 1). A draw whose hi differs from the stored
# value is decided by one unsigned compare; when they are equal (probability 2^-16 a unit) the
# unit is decided as the byte kernel decides it, refinement included. So both paths give the same
# bits from the same stream, and a seeded run does not depend on which path the dispatch chose.
# - A row is ceil(n_out / 8) chunks of 8 thresholds (two uint64 words, four 16-bit fields each,
#   field j & 3 of word j >> 2: the order the stream's words are read in). Compares are on the
#   whole chunk (`_lt_eq_8x16`, one AVX-512 vpcmpuw or a few SSE instructions): its 8-bit mask is
#   the chunk's byte of output bits.
# - Input codes index rows directly: the byte kernel's bytes, byte g in bits 8g .. 8g + 7.
FULL_TABLE_MAX_BITS = 16
# 16x8 is 1 MiB (a core's L2 on this machine), 16x16 2 MiB; beyond that the byte kernel wins.
FULL_TABLE_MAX_BYTES = 2**21
TABLE_H, TABLE_V = 1, 2  # p(h | v) (input v, 2^n_v rows), p(v | h) (input h, 2^n_h rows)
# Chains of the all-table path advance four at a time, each lane's bits and state in scalars (the
# CPU overlaps the lanes' table loads; kept in arrays they went through memory, 3-30% slower:
# 16x16 24 -> 17 ns a chain-sweep); four measured ~7% faster than eight.
SMALL_LANES = 4


@njit(cache=True)
def _table_pays(n_in, n_out, draws):
    """Build a table of 2^n_in rows when it fits and the call draws the layer at least once a row."""
    if n_in > FULL_TABLE_MAX_BITS:
        return False
    rows = 1 << n_in
    return rows * 16 * ((n_out + 7) // 8) <= FULL_TABLE_MAX_BYTES and rows <= draws


@njit(cache=True)
def table_layers(n_v, n_h, n_chains, k):
    """Which layers a call draws from full tables: TABLE_H | TABLE_V, each if `_table_pays`.

    A row costs about one byte-kernel draw to build, so a table pays when the call draws its
    layer at least as often as it has rows: n_chains (k + 1) times for h, n_chains k for v.
    """
    tables = 0
    if _table_pays(n_v, n_h, n_chains * (k + 1)):
        tables |= TABLE_H
    if _table_pays(n_h, n_v, n_chains * k):
        tables |= TABLE_V
    return tables


@intrinsic
def _lt_eq_8x16(typingctx, r0, r1, t0, t1):
    """Masks of the eight 16-bit fields of (r0, r1) below / equal to those of (t0, t1), field i -> bit i."""
    sig = types.UniTuple(types.int64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        v2, v8 = ir.VectorType(ir.IntType(64), 2), ir.VectorType(ir.IntType(16), 8)

        def fields(a, b):  # little-endian: field 0 is a's low 16 bits
            x = builder.insert_element(ir.Constant(v2, ir.Undefined), a, ir.Constant(ir.IntType(32), 0))
            return builder.bitcast(builder.insert_element(x, b, ir.Constant(ir.IntType(32), 1)), v8)

        r, t = fields(args[0], args[1]), fields(args[2], args[3])
        masks = [builder.zext(builder.bitcast(builder.icmp_unsigned(op, r, t), ir.IntType(8)), ir.IntType(64))
                 for op in ("<", "==")]
        return context.make_tuple(builder, signature.return_type, masks)

    return sig, codegen


@njit(cache=True, inline="always")
def _e_neg_x(T, mult, code, G, j):
    """e^-x_j for an input code from the byte tables T, with `gibbs_kernel._draw_layer`'s arithmetic (same float)."""
    e = T[code & 255, j]
    for g in range(1, G):
        row = g * 256 + ((code >> (8 * g)) & 255)
        if mult:
            e *= T[row, j]
        else:
            e += T[row, j]
    if not mult:
        e = np.exp(-e)
    return e


@njit(cache=True, inline="always")
def _threshold(s):
    """t = #{hi in [0, 2^16) : 2^16 - hi s - s/2 >= s/2}: floor(2^16 / s), checked in the draw's float arithmetic."""
    if not s < np.inf:  # s = inf or NaN (NaN weights): the byte kernel draws 0 for every hi
        return 0
    t = np.int64(65536.0 / s)  # s >= 1
    while t < 65536 and 65536.0 - t * s - 0.5 * s >= 0.5 * s:
        t += 1
    while t > 0 and not (65536.0 - (t - 1) * s - 0.5 * s >= 0.5 * s):
        t -= 1
    return t


@njit(cache=True)
def _table_rows(tab, n_out, T, mult, G, lo, hi):
    """Rows lo .. hi-1 of a threshold table from byte tables T (input of G bytes); see the comment above."""
    for code in range(lo, hi):
        for w in range(tab.shape[1]):
            tab[code, w] = 0
        for j in range(n_out):
            t = min(_threshold(1.0 + _e_neg_x(T, mult, code, G, j)), 65535)
            tab[code, j >> 2] |= np.uint64(t) << np.uint64(16 * (j & 3))


@njit(cache=True, inline="always")
def _draw_table(tab, T, mult, codes_in, words, codes_out, state, l, n_out):
    """A layer of lane l from its table row, input bytes ``codes_in[l]``, output bytes to ``codes_out[l]``.

    Returns lane l's RNG state. The stream is the byte kernel's: ceil(n_out / 4) words, then one
    more for each unit refined, in unit order. ``words`` has two columns a chunk (the last ones
    stay 0: their fields are masked out).
    """
    G = codes_in.shape[1]
    code = codes_in[l, 0]
    if G > 1:
        code |= codes_in[l, 1] << 8
    n_words = (n_out + 3) >> 2
    for w in range(n_words):
        words[l, w] = _mix64(state + np.uint64(w + 1) * _GOLDEN)
    state += np.uint64(n_words) * _GOLDEN
    suspect = 0
    n_chunks = tab.shape[1] >> 1
    for ch in range(n_chunks):
        lt, eq = _lt_eq_8x16(words[l, 2 * ch], words[l, 2 * ch + 1], tab[code, 2 * ch], tab[code, 2 * ch + 1])
        codes_out[l, ch] = lt
        suspect |= eq & (255 if ch < n_chunks - 1 else (1 << (n_out - 8 * ch)) - 1)
    if suspect:  # rare: recheck every chunk's equal fields in unit order
        for j in range(n_out):
            shift = np.uint64(16 * (j & 3))
            hi = np.int64((words[l, j >> 2] >> shift) & _U16)
            if hi == np.int64((tab[code, j >> 2] >> shift) & _U16):
                bit, state = _bit_from_16(hi, 1.0 + _e_neg_x(T, mult, code, G, j), state)
                codes_out[l, j >> 3] |= bit << (j & 7)
    return state


# ---------------------------------------------------------------------------- both layers from tables
@njit(cache=True)
def _refine(bits, eq, start, state, code, n_out, T, mult, G):
    """The units whose 16 bits equal their stored threshold, decided as the byte kernel decides them."""
    for j in range(n_out):
        if (eq >> j) & 1:
            word = _mix64(start + np.uint64((j >> 2) + 1) * _GOLDEN)
            hi = np.int64((word >> np.uint64(16 * (j & 3))) & _U16)
            bit, state = _bit_from_16(hi, 1.0 + _e_neg_x(T, mult, code, G, j), state)
            bits |= bit << j
    return bits, state


@njit(cache=True, inline="always")
def _draw_8(tab, code, n_out, state, T, mult, G):
    """At most 8 units from row ``code``: returns (bits, state). The rare refinement is a call, off the hot path."""
    bits, eq = _lt_eq_8x16(_mix64(state + _GOLDEN), _mix64(state + np.uint64(2) * _GOLDEN), tab[code, 0], tab[code, 1])
    start = state
    state += np.uint64((n_out + 3) >> 2) * _GOLDEN
    eq &= (1 << n_out) - 1
    if eq:
        return _refine(bits, eq, start, state, code, n_out, T, mult, G)
    return bits, state


@njit(cache=True, inline="always")
def _draw_16(tab, code, n_out, state, T, mult, G):
    """9 to 16 units from row ``code`` (two chunks): returns (bits, state)."""
    bits, eq = _lt_eq_8x16(_mix64(state + _GOLDEN), _mix64(state + np.uint64(2) * _GOLDEN), tab[code, 0], tab[code, 1])
    b2, e2 = _lt_eq_8x16(_mix64(state + np.uint64(3) * _GOLDEN), _mix64(state + np.uint64(4) * _GOLDEN),
                         tab[code, 2], tab[code, 3])
    bits |= b2 << 8
    eq = (eq | (e2 << 8)) & ((1 << n_out) - 1)
    start = state
    state += np.uint64((n_out + 3) >> 2) * _GOLDEN
    if eq:
        return _refine(bits, eq, start, state, code, n_out, T, mult, G)
    return bits, state


@njit(cache=True, inline="always")
def _draw_row(tab, code, n_out, state, T, mult, G):
    """`_draw_8` or `_draw_16` by n_out (a branch that goes the same way every sweep)."""
    if n_out <= 8:
        return _draw_8(tab, code, n_out, state, T, mult, G)
    return _draw_16(tab, code, n_out, state, T, mult, G)


@njit(cache=True)
def _gibbs_lanes_tables(r0, r1, V, k, base, tab_h, tab_v, Th, Tv, mult_h, mult_v, V_out, H_out, state, vc, hc):
    """Chains r0 .. r1-1 (at most 4) with both layers from tables; each lane's bits and state in scalars.

    All four lanes run (lanes past r1 start from v = 0 and are discarded). Per chain the same
    stream as `gibbs_kernel._gibbs_lanes`.
    """
    n_v, n_h = V.shape[1], H_out.shape[1]
    Gv, Gh = (n_v + 7) // 8, (n_h + 7) // 8
    for l in range(SMALL_LANES):
        r = r0 + l
        state[l] = _mix64(base ^ (np.uint64(r) * _M2))
        code = 0
        if r < r1:
            for i in range(n_v):
                code |= np.int64(V[r, i] > 0.5) << i
        vc[l] = code
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    v0, v1, v2, v3 = vc[0], vc[1], vc[2], vc[3]
    h0 = h1 = h2 = h3 = 0
    for step in range(k + 1):
        h0, s0 = _draw_row(tab_h, v0, n_h, s0, Th, mult_h, Gv)
        h1, s1 = _draw_row(tab_h, v1, n_h, s1, Th, mult_h, Gv)
        h2, s2 = _draw_row(tab_h, v2, n_h, s2, Th, mult_h, Gv)
        h3, s3 = _draw_row(tab_h, v3, n_h, s3, Th, mult_h, Gv)
        if step == k:
            break
        v0, s0 = _draw_row(tab_v, h0, n_v, s0, Tv, mult_v, Gh)
        v1, s1 = _draw_row(tab_v, h1, n_v, s1, Tv, mult_v, Gh)
        v2, s2 = _draw_row(tab_v, h2, n_v, s2, Tv, mult_v, Gh)
        v3, s3 = _draw_row(tab_v, h3, n_v, s3, Tv, mult_v, Gh)
    vc[0], vc[1], vc[2], vc[3] = v0, v1, v2, v3
    hc[0], hc[1], hc[2], hc[3] = h0, h1, h2, h3
    for l in range(r1 - r0):
        for i in range(n_v):
            V_out[r0 + l, i] = (vc[l] >> i) & 1
        for j in range(n_h):
            H_out[r0 + l, j] = (hc[l] >> j) & 1
