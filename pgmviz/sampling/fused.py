"""The fused CD/PCD draw: p = sigmoid(X + bias) and s ~ Bernoulli(p) in one pass over a batch, in Numba.

`FusedDraws` is the workspace a `Trainer` keeps when ``TrainSettings.stream == "fused"``: its
own counter-based random stream and the pre-activation buffers the matrix products write into,
reused across updates. What it replaces on numpy's stream, per CD-1 update of 784x500, batch 100:
two Bernoulli draws through PCG64 (``rng.random`` then a compare and a cast: three passes) and
numpy's sigmoid (an exp, an add, a divide: three more), now one pass each, over rows in parallel.

- The exp is a float32 polynomial (Cody-Waite reduction to |r| <= ln2/2, degree 6, 2^k from the
  exponent bits), branch-free so LLVM vectorises it: 7x faster than the scalar libm call Numba
  makes without SVML, within 3 ulp of the float64 exp on [-87, 88]. float64 models use libm.
- Uniforms: each 64-bit splitmix64 output gives two 24-bit uniforms (k / 2^24), the resolution of
  numpy's float32 ``rng.random``; float64 models take one 53-bit uniform per output.
- Row r of call t draws from splitmix64(seed, t, r) alone, so rows run in any order: the serial
  and ``prange`` twins (`pgmviz.sampling.parallel.twins`) give identical bits, and a seeded trainer
  repeats itself exactly. The stream is not numpy's: a run on it differs sample by sample from a
  run on numpy's stream with the same seed (the same in distribution; tests/unit/test_fused.py).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from pgmviz.sampling.gibbs_kernel import _GOLDEN, _M1, _M2, _mix64
from pgmviz.sampling.parallel import run_parallel, twins

# Threads only from this many units a call (a CD batch of 100 x 500 is 50,000): on the quiet machine the
# parallel twin took 25 us on 100 x 500 against the serial 39 us, but at load 17 it took 9.9 ms (a worker
# thread waits for a time slice), so a call must be long enough for a late worker not to matter.
FUSED_PARALLEL_MIN_WORK = 2_000_000
_F = np.float32
_TWO_M24 = _F(2.0**-24)
_TWO_M53 = 2.0**-53
_U24 = np.uint64(0xFFFFFF)
# The modes of `_fused_body`: what it computes from X.
SAMPLE, DRAW_ONLY, PROB_ONLY = 0, 1, 2


@intrinsic
def _float32_from_bits(typingctx, bits):
    """Reinterpret an int32's bits as a float32 (2^k is the int (k + 127) << 23)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@njit(cache=True, inline="always", error_model="numpy")
def exp_f32(x):
    """exp(x) in float32 = 2^k e^r with k = round(x / ln2), r = x - k ln2 (Cody-Waite), e^r by a degree-6 polynomial.

    Clamped to [-87, 88] (below, exp(x) is subnormal in float32; above, it overflows), so a
    sigmoid built on it is finite for every finite input.
    """
    x = min(max(x, _F(-87.0)), _F(88.0))
    k = np.floor(x * _F(1.4426950408889634) + _F(0.5))
    r = x - k * _F(0.693145751953125) - k * _F(1.428606765330187e-06)  # ln2 split in two: r exact
    p = _F(1.0) + r * (_F(1.0) + r * (_F(0.5) + r * (_F(0.16666667) + r * (
        _F(0.041666668) + r * (_F(0.008333334) + r * _F(0.0013888889))))))
    return p * _float32_from_bits((np.int32(k) + np.int32(127)) << np.int32(23))


def _sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)) for one scalar: `exp_f32` for float32, libm's exp for float64."""


@overload(_sigmoid, inline="always")
def _sigmoid_impl(x):
    if x == types.float32:
        return lambda x: _F(1.0) / (_F(1.0) + exp_f32(-x))
    return lambda x: 1.0 / (1.0 + np.exp(-x))


def _fused_body(X, bias, P, S, seed, call, mode):
    """Rows in parallel: P = sigmoid(X + bias) and S = [u < P] (mode SAMPLE); S = [u < X] (DRAW_ONLY); P only.

    u is row r's uniform stream of this call: two 24-bit uniforms per splitmix64 output when X is
    float32, one 53-bit uniform otherwise. P should not be X (it would work, but the aliasing stops LLVM vectorising).
    """
    n, m = X.shape
    two = X.itemsize == 4  # two uniforms per 64-bit word in float32
    base = _mix64(np.uint64(seed) * _GOLDEN + np.uint64(call) * _M1 + np.uint64(1))
    for r in prange(n):
        state = _mix64(base ^ (np.uint64(r) * _M2))
        if mode != DRAW_ONLY:
            for j in range(m):  # branch-free: vectorises
                P[r, j] = _sigmoid(X[r, j] + bias[j])
        if mode == PROB_ONLY:
            continue
        Q = X if mode == DRAW_ONLY else P
        if two:
            for w in range(m // 2):
                z = _mix64(state + np.uint64(w + 1) * _GOLDEN)
                S[r, 2 * w] = np.float32(np.float32(z >> np.uint64(40)) * _TWO_M24 < Q[r, 2 * w])
                S[r, 2 * w + 1] = np.float32(np.float32((z >> np.uint64(8)) & _U24) * _TWO_M24 < Q[r, 2 * w + 1])
            if m % 2:
                z = _mix64(state + np.uint64(m // 2 + 1) * _GOLDEN)
                S[r, m - 1] = np.float32(np.float32(z >> np.uint64(40)) * _TWO_M24 < Q[r, m - 1])
        else:
            for j in range(m):
                z = _mix64(state + np.uint64(j + 1) * _GOLDEN)
                S[r, j] = (z >> np.uint64(11)) * _TWO_M53 < Q[r, j]


_fused_serial, _fused_parallel = twins(_fused_body)
for _kernel in (_fused_serial, _fused_parallel):  # error_model numpy: no zero-division branch in the loops
    _kernel.targetoptions["error_model"] = "numpy"


def fused_layer(X, bias, P, S, seed, call, mode=SAMPLE, parallel=None):
    """Run the fused kernel (see `_fused_body`) on C-contiguous X, P, S of one dtype; in place, returns None.

    ``parallel=None`` splits the rows over threads when the batch is large enough and no other
    thread is in a parallel kernel; the bits do not depend on it.
    """
    # Python ints, not numpy scalars: building three np.uint64 cost 3 us a call, more than the dispatch (1.4 us).
    args = (X, bias, P, S, int(seed), int(call), int(mode))
    if parallel is None:
        parallel = X.shape[0] > 1 and X.size >= FUSED_PARALLEL_MIN_WORK
    if parallel:
        run_parallel(_fused_parallel, _fused_serial, *args)
    else:
        _fused_serial(*args)


class FusedDraws:
    """A trainer's fused sampling workspace: a seeded counter-based stream and reusable pre-activation buffers.

    Every call advances the call counter, so a sequence of calls from one seed is reproducible.
    Returned arrays are new (a page may keep them); only the pre-activations X = V W and
    X = H W^T, the gradient's stacked operands and the gradients themselves live in the buffers,
    and, for a trainer's update, the batch (`gather`) and, with ``stack_negatives``, the
    negative samples: both written straight into the stacked operand VV = [V_pos; V_neg], so
    `stacked_gradient` need not copy them (CD's negatives only: PCD's chains outlive the update).
    """

    def __init__(self, seed: int, parallel: bool | None = None, stack_negatives: bool = False) -> None:
        self.seed = int(seed) & (2**63 - 1)
        self.calls = 0
        self.parallel = parallel
        self.stack_negatives = stack_negatives
        self._buffers: dict[str, np.ndarray] = {}
        self._pos: tuple[np.ndarray, np.ndarray] | None = None  # (VV, VV[:n]) of the last `gather`
        self._neg: tuple[np.ndarray, np.ndarray] | None = None  # (VV, VV[n:]) handed to `v_given_h`
        self._neg_rows: int | None = None  # m of the last `stacked_gradient` (VV has n + m rows)

    def buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """The workspace's array ``name`` with this shape and dtype (kept and reused while those stay the same)."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(shape, dtype)
        return buf

    def _run(self, X, bias, P, S, mode):
        fused_layer(X, bias, P, S, self.seed, self.calls, mode, self.parallel)
        self.calls += 1

    def h_given_v(self, rbm, V, sample: bool = True):
        """(P, H): P = sigmoid(V W + c) and H ~ Bernoulli(P) in one pass (H is None when ``sample`` is False)."""
        X = np.matmul(V, rbm.W, out=self.buffer("x_h", (V.shape[0], rbm.n_h), rbm.dtype))
        P = np.empty_like(X)
        H = np.empty_like(X) if sample else P
        self._run(X, rbm.c, P, H, SAMPLE if sample else PROB_ONLY)
        return P, (H if sample else None)

    def gather(self, X, idx):
        """X[idx] (a batch of rows) written into the top rows of the stacked operand VV; returns that view.

        Valid until the next `gather`; `stacked_gradient` finds it in place and does not copy it.
        """
        n = idx.shape[0]
        VV = self.buffer("vv", (n + (self._neg_rows or n), X.shape[1]), X.dtype)
        # mode="clip": with out=, numpy's default "raise" copies through a temporary (idx: a permutation's slice)
        V = np.take(X, idx, axis=0, out=VV[:n], mode="clip")
        self._pos, self._neg = (VV, V), None
        return V

    def _negative_rows(self, m: int, X):
        """Where `v_given_h` puts m samples: VV's bottom rows after a `gather` (``stack_negatives``), else a new one."""
        if self.stack_negatives and self._pos is not None:
            VV, V_pos = self._pos
            if VV.shape[0] == V_pos.shape[0] + m and VV.dtype == X.dtype and VV.shape[1] == X.shape[1]:
                self._neg = (VV, VV[V_pos.shape[0]:])
                return self._neg[1]
        return np.empty_like(X)

    def v_given_h(self, rbm, H):
        """V ~ Bernoulli(sigmoid(H W^T + b)), the sigmoid and the draw in one pass."""
        X = np.matmul(H, rbm.W.T, out=self.buffer("x_v", (H.shape[0], rbm.n_v), rbm.dtype))
        V = self._negative_rows(H.shape[0], X)
        # The probabilities in a buffer of their own: written over X, the loop would not vectorise (aliasing).
        self._run(X, rbm.b, self.buffer("p_v", X.shape, X.dtype), V, SAMPLE)
        return V

    def bernoulli(self, P):
        """S ~ Bernoulli(P) elementwise, in P's dtype (P: 2-D, float32 or float64)."""
        P = np.ascontiguousarray(P)
        S = np.empty_like(P)
        self._run(P, np.zeros(P.shape[1], P.dtype), P, S, DRAW_ONLY)
        return S

    def gibbs_from_hidden(self, rbm, H, k: int):
        """k steps h -> v -> h from hidden states H; returns (v_k, p(h | v_k)) (as `negative.gibbs_from_hidden`)."""
        for step in range(k):
            V = self.v_given_h(rbm, H)
            P_h, H = self.h_given_v(rbm, V, sample=step < k - 1)
        return V, P_h

    def stacked_gradient(self, V_pos, P_pos, V_neg, P_neg, w):
        """(grad_W, grad_b, grad_c): grad_W = V_pos^T P_pos / n - V_neg^T diag(w) P_neg, one product of stacked buffers.

        grad_b = mean V_pos - w V_neg and grad_c = mean P_pos - w P_neg are summed in the same pass
        that stacks the operands (`_stack_phases`), so the biases cost no pass of their own. All
        three are workspace buffers, overwritten by the next call.
        """
        n, m = V_pos.shape[0], V_neg.shape[0]
        n_v, n_h, dtype = V_pos.shape[1], P_pos.shape[1], V_pos.dtype
        VV, PP = self.buffer("vv", (n + m, n_v), dtype), self.buffer("pp", (n + m, n_h), dtype)
        grad_b, grad_c = self.buffer("grad_b", (n_v,), dtype), self.buffer("grad_c", (n_h,), dtype)
        # Rows `gather` and `v_given_h` already wrote into this VV are not copied again.
        pos_in_place = self._pos is not None and self._pos[0] is VV and self._pos[1] is V_pos
        neg_in_place = self._neg is not None and self._neg[0] is VV and self._neg[1] is V_neg
        _stack_phases(V_pos, P_pos, V_neg, P_neg, w, dtype.type(1.0 / n), VV, PP, grad_b, grad_c,
                      not pos_in_place, not neg_in_place)
        self._pos, self._neg, self._neg_rows = None, None, m
        return np.matmul(VV.T, PP, out=self.buffer("grad_W", (n_v, n_h), dtype)), grad_b, grad_c


@njit(cache=True, nogil=True, error_model="numpy")
def _stack_phases(V_pos, P_pos, V_neg, P_neg, w, inv_n, VV, PP, grad_b, grad_c, copy_pos, copy_neg):
    """VV = [V_pos; V_neg], PP = [P_pos inv_n; -w P_neg], grad_b = inv_n 1^T V_pos - w^T V_neg, grad_c = 1^T PP.

    One pass over the four arrays instead of numpy's ten calls (two copies, two scalings, two
    means, two products with w, two differences); rows are summed in order, in the model's dtype.
    ``copy_pos`` / ``copy_neg`` False: that half of VV already is V_pos / V_neg (read, not rewritten).
    """
    n, m = V_pos.shape[0], V_neg.shape[0]
    grad_b[:] = 0
    grad_c[:] = 0
    for r in range(n):
        if copy_pos:
            for i in range(V_pos.shape[1]):
                VV[r, i] = V_pos[r, i]
        for i in range(V_pos.shape[1]):
            grad_b[i] += V_pos[r, i]
        for j in range(P_pos.shape[1]):
            p = P_pos[r, j] * inv_n
            PP[r, j] = p
            grad_c[j] += p
    for i in range(V_pos.shape[1]):
        grad_b[i] *= inv_n
    for r in range(m):
        if copy_neg:
            for i in range(V_neg.shape[1]):
                VV[n + r, i] = V_neg[r, i]
        for i in range(V_neg.shape[1]):
            grad_b[i] -= w[r] * V_neg[r, i]
        for j in range(P_neg.shape[1]):
            p = -w[r] * P_neg[r, j]
            PP[n + r, j] = p
            grad_c[j] += p


def warm_up() -> None:
    """Compile (or load) the fused kernels for float32 and float64; the parallel twin compiled, not run."""
    import numba

    for dtype in (np.float32, np.float64):
        X = np.zeros((2, 3), dtype)
        args = (X, np.zeros(3, dtype), X.copy(), X.copy(), 0, 0, 0)  # the ints fused_layer passes
        _fused_serial(*args)
        _fused_parallel.compile(tuple(numba.typeof(a) for a in args))
        V, P = np.zeros((1, 3), dtype), np.zeros((1, 2), dtype)
        _stack_phases(V, P, V, P, np.ones(1, dtype), dtype(1.0), np.zeros((2, 3), dtype), np.zeros((2, 2), dtype),
                      np.zeros(3, dtype), np.zeros(2, dtype), True, True)
