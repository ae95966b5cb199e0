"""Measured and not taken (issue 15): the fused CD/PCD update split over two Python threads, one BLAS thread each.

    python bench/fused_split.py [--repeat 5] [--runs 3]

With two BLAS threads OpenBLAS splits each product, but the passes between products run on one
core while its second thread spins. The idea measured here: a data-parallel update instead, the
BLAS pool limited to one thread and two Python threads (this one and a persistent worker, handed
each phase through two locks) each doing half of every product and pass:

1. hidden units [0, j) / [j, n_h): V_pos W[:, cols], p(h | v_pos) and the first hidden draw;
2. visible units [0, i) / [i, n_v): H W[rows]^T and the visible draw, into VV's bottom rows;
3. hidden units again: V_neg W[:, cols], p(h | v_neg), PP's columns and grad_c;
4. grad_W's row blocks VV[:, rows]^T PP, grad_b, and `kernels.momentum_apply` on each block.

The fused kernel's ``row0`` and ``cols`` make a block draw the bits it draws in the whole batch,
and the sums keep the serial order, so in float32 with one BLAS thread the split update's
parameters are bit-identical to the serial fused update's (printed; OpenBLAS's one-thread and
two-thread products differ in the last bit, and its dgemm rounds a column block differently, so
float64 agrees to ~1e-16). Splitting the batch by rows instead was slower still: every thread
then streams all of W for 50 rows (bench/README.md, "The fused CD/PCD kernel").

Prints, per run (a process each): the five products' epoch with two BLAS threads (the floor), the
serial fused epoch and the split one against it, interleaved best of ``--repeat``, and the load.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import threading
import time

import numpy as np
from baselines import MatmulLowerBound  # bench/baselines.py
from numba import njit

from pgmviz.data import binarize, load_mnist_subset
from pgmviz.models.rbm import RBM
from pgmviz.sampling import kernels
from pgmviz.sampling.fused import DRAW_ONLY, PROB_ONLY, SAMPLE, _fused_serial
from pgmviz.training.negative import PCD
from pgmviz.training.train import Trainer, TrainSettings


class _Worker:
    """One persistent thread running one job at a time: `start(fn, *args)`, then `join()` returns fn's result."""

    def __init__(self) -> None:
        self.busy = threading.Lock()  # held by the caller using the worker
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job = self._result = None
        threading.Thread(target=self._loop, name="pgmviz-split", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            fn, args = self._job
            try:
                self._result = (fn(*args), None)
            except BaseException as error:  # handed to the caller's join
                self._result = (None, error)
            self._done.release()

    def start(self, fn, *args) -> None:
        self._job = (fn, args)
        self._go.release()

    def join(self):
        self._done.acquire()
        result, error = self._result
        self._result = None
        if error is not None:
            raise error
        return result


_WORKER: _Worker | None = None
_WORKER_LOCK = threading.Lock()


def run_halves(fn, args_a, args_b):
    """(fn(*args_a), fn(*args_b)): the second on the worker thread while this one runs the first, if it is free."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = _Worker()
    worker = _WORKER
    if not worker.busy.acquire(blocking=False):  # another trainer splits right now: both halves here
        return fn(*args_a), fn(*args_b)
    try:
        worker.start(fn, *args_b)
        try:
            a = fn(*args_a)
        finally:
            b = worker.join()
        return a, b
    finally:
        worker.busy.release()


_CONTROLLER = None


def _blas():
    """threadpoolctl's controller of the BLAS libraries numpy loaded (built once: it scans the process's libraries)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController().select(user_api="blas")
    return _CONTROLLER


def blas_threads() -> int:
    """The size of the process's BLAS pool now (1 under ``threadpool_limits(1, "blas")``, as in the app's sessions)."""
    return max((lib.num_threads for lib in _blas().lib_controllers), default=1)


def one_blas_thread():
    """A context limiting the BLAS pool to one thread (each half calls BLAS itself); nothing if it is one already."""
    if blas_threads() == 1:
        return contextlib.nullcontext()
    return _blas().limit(limits=1)


@njit(cache=True, nogil=True, error_model="numpy")
def _stack_columns(P_pos, P_neg, w, inv_n, PP, grad_c, j0, j1):
    """PP[:, j0:j1] = [P_pos inv_n; -w P_neg], grad_c[j0:j1] = 1^T PP: `fused._stack_phases`'s arithmetic and order."""
    n = P_pos.shape[0]
    for j in range(j0, j1):
        grad_c[j] = 0
    for r in range(n):
        for j in range(j0, j1):
            p = P_pos[r, j] * inv_n
            PP[r, j] = p
            grad_c[j] += p
    for r in range(P_neg.shape[0]):
        for j in range(j0, j1):
            p = -w[r] * P_neg[r, j]
            PP[n + r, j] = p
            grad_c[j] += p


@njit(cache=True, nogil=True, error_model="numpy")
def _visible_sums(VV, w, inv_n, n, i0, i1, grad_b):
    """grad_b[i0:i1] = inv_n 1^T V_pos - w^T V_neg (VV = [V_pos; V_neg]): `fused._stack_phases`'s order."""
    for i in range(i0, i1):
        grad_b[i] = 0
    for r in range(n):
        for i in range(i0, i1):
            grad_b[i] += VV[r, i]
    for i in range(i0, i1):
        grad_b[i] *= inv_n
    for r in range(VV.shape[0] - n):
        for i in range(i0, i1):
            grad_b[i] -= w[r] * VV[n + r, i]


def _even_half(size: int) -> int:
    """Where a layer's units split: near the middle, even (a float32 word's two uniforms stay on one side)."""
    return (size // 4) * 2


class SplitUpdate:
    """One CD-k / PCD-k update of a binary RBM on the fused stream, its work in two halves (see the module)."""

    def __init__(self, draws, rbm, X, idx, phase, k: int, persistent: bool) -> None:
        n, m = idx.shape[0], (phase.V_chain.shape[0] if persistent else idx.shape[0])
        n_v, n_h, dt = rbm.n_v, rbm.n_h, rbm.dtype
        buf = draws.buffer
        self.draws, self.rbm, self.k, self.n, self.m = draws, rbm, k, n, m
        self.call = draws.calls  # the serial stream's numbering: 2 + 2k calls an update
        self.VV, self.PP = buf("vv", (n + m, n_v), dt), buf("pp", (n + m, n_h), dt)
        # the batch, gathered here (every column block of V_pos W needs all its rows)
        self.V_pos = np.take(X, idx, axis=0, out=self.VV[:n], mode="clip")
        self.V_neg = self.VV[n:]
        self.X_h, self.P_pos = buf("x_h", (n, n_h), dt), buf("p_pos", (n, n_h), dt)
        self.X_hn, self.P_neg, self.H = buf("x_hn", (m, n_h), dt), buf("p_neg", (m, n_h), dt), buf("h", (m, n_h), dt)
        self.X_v, self.P_v = buf("x_v", (m, n_v), dt), buf("p_v", (m, n_v), dt)
        self.grad_W = buf("grad_W", (n_v, n_h), dt)
        self.grad_b, self.grad_c = buf("grad_b", (n_v,), dt), buf("grad_c", (n_h,), dt)
        self.zeros = np.zeros(n_h, dt)
        self.w = np.full(m, 1.0 / m, dtype=dt)
        self.inv_n = dt.type(1.0 / n)
        self.V_chain = phase.V_chain if persistent else None
        self.V_new = np.empty((m, n_v), dt) if persistent else None  # PCD's chains outlive the update
        iv, ih = _even_half(n_v), _even_half(n_h)
        self.halves = ((0, iv, 0, ih), (iv, n_v, ih, n_h))

    def _layer(self, X, bias, P, S, mode, call, cols):
        _fused_serial(X, bias, P, S, self.draws.seed, self.call + call, mode, 0, cols[0], cols[1])

    def _positive(self, i0, i1, j0, j1):
        """Hidden units [j0, j1): p(h | v_pos), and the first hidden sample of the negative phase."""
        W, c, cols = self.rbm.W, self.rbm.c, (j0, j1)
        np.matmul(self.V_pos, W[:, j0:j1], out=self.X_h[:, j0:j1])
        self._layer(self.X_h, c, self.P_pos, self.P_pos, PROB_ONLY, 0, cols)
        if self.V_chain is None:  # CD: h ~ p(h | v_pos)
            self._layer(self.P_pos, self.zeros, self.P_pos, self.H, DRAW_ONLY, 1, cols)
        else:  # PCD: h ~ p(h | the chains)
            np.matmul(self.V_chain, W[:, j0:j1], out=self.X_hn[:, j0:j1])
            self._layer(self.X_hn, c, self.P_neg, self.H, SAMPLE, 1, cols)

    def _visible(self, i0, i1, j0, j1, step):
        """Visible units [i0, i1) of Gibbs step ``step``: v ~ p(v | h), into VV's bottom rows."""
        np.matmul(self.H, self.rbm.W[i0:i1].T, out=self.X_v[:, i0:i1])
        self._layer(self.X_v, self.rbm.b, self.P_v, self.V_neg, SAMPLE, 2 + 2 * step, (i0, i1))

    def _hidden(self, i0, i1, j0, j1, step):
        """Hidden units [j0, j1) of step ``step``: h ~ p(h | v); after the last, p(h | v) and PP's columns."""
        np.matmul(self.V_neg, self.rbm.W[:, j0:j1], out=self.X_hn[:, j0:j1])
        if step < self.k - 1:
            self._layer(self.X_hn, self.rbm.c, self.P_neg, self.H, SAMPLE, 3 + 2 * step, (j0, j1))
            return
        self._layer(self.X_hn, self.rbm.c, self.P_neg, self.P_neg, PROB_ONLY, 3 + 2 * step, (j0, j1))
        _stack_columns(self.P_pos, self.P_neg, self.w, self.inv_n, self.PP, self.grad_c, j0, j1)

    def _step(self, i0, i1, j0, j1, dW, db, dc, lr, momentum, decay):
        """Visible units [i0, i1) and hidden [j0, j1): grad_b's sums, grad_W's rows, the momentum steps."""
        rbm = self.rbm
        zero = rbm.dtype.type(0.0)
        _visible_sums(self.VV, self.w, self.inv_n, self.n, i0, i1, self.grad_b)
        np.matmul(self.VV[:, i0:i1].T, self.PP, out=self.grad_W[i0:i1])
        if self.V_new is not None:
            self.V_new[:, i0:i1] = self.V_neg[:, i0:i1]
        return (kernels.momentum_apply(rbm.b[i0:i1], db[i0:i1], self.grad_b[i0:i1], lr, momentum, zero),
                kernels.momentum_apply(rbm.c[j0:j1], dc[j0:j1], self.grad_c[j0:j1], lr, momentum, zero),
                kernels.momentum_apply(rbm.W[i0:i1], dW[i0:i1], self.grad_W[i0:i1], lr, momentum, decay))

    def run(self, dW, db, dc, lr, momentum, decay) -> tuple[float, float]:
        """Apply the update; returns (the largest bias peak, max |W|) (inf if a parameter is no longer finite).

        The old parameters are left in (grad_W, grad_b, grad_c), as `kernels.momentum_apply` leaves them.
        """
        a, b = self.halves
        run_halves(self._positive, a, b)
        for step in range(self.k):
            run_halves(self._visible, (*a, step), (*b, step))
            run_halves(self._hidden, (*a, step), (*b, step))
        self.draws.calls += 2 + 2 * self.k
        opts = (dW, db, dc, lr, momentum, decay)
        pa, pb = run_halves(self._step, (*a, *opts), (*b, *opts))
        return max(pa[0], pa[1], pb[0], pb[1]), max(pa[2], pb[2])


def split_updates(trainer, n_updates: int) -> None:
    """``trainer.run(n_updates)``'s updates (fused stream, CD/PCD), each a `SplitUpdate`, BLAS at one thread."""
    s, rbm, phase, dt = trainer.settings, trainer.rbm, trainer.negative_phase, trainer.rbm.dtype.type
    persistent = isinstance(phase, PCD)
    with one_blas_thread():
        for _ in range(n_updates):
            idx = trainer.batches.next()
            if persistent and phase.V_chain is None:
                phase._init_chains(rbm, trainer.X_train[idx], trainer.rng)
            up = SplitUpdate(trainer.draws, rbm, trainer.X_train, idx, phase, phase.k, persistent)
            bias_peak, peak = up.run(trainer.dW, trainer.db, trainer.dc, dt(trainer.lr_now), dt(s.momentum),
                                     dt(s.weight_decay))
            if persistent:
                phase.V_chain = up.V_new
            if not max(bias_peak, peak) < s.max_abs_weight:
                raise FloatingPointError("the split update diverged (the measurement's settings should not)")
            trainer.step += 1


def _digest(trainer) -> str:
    h = hashlib.sha256()
    for a in (trainer.rbm.W, trainer.rbm.b, trainer.rbm.c, trainer.dW, trainer.db, trainer.dc):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def same_bits(X, sampler: str, k: int, dtype=np.float32, updates: int = 40) -> tuple[str, str]:
    """sha256 of (W, b, c, dW, db, dc) after ``updates`` serial and split updates, both with one BLAS thread."""
    from threadpoolctl import threadpool_limits

    out = []
    for use_split in (False, True):
        with threadpool_limits(1, "blas"):
            tr = _trainer(X.astype(dtype), sampler, k)
            split_updates(tr, updates) if use_split else tr.run(updates, with_metrics=False)
        out.append(_digest(tr))
    return out[0], out[1]


def race(variants, repeat):
    """Best wall time of each variant over ``repeat`` interleaved rounds after one warm-up (bench/run.py's race)."""
    best = {name: np.inf for name in variants}
    for fn, setup in variants.values():
        fn(setup() if setup else None)
    for _ in range(repeat):
        for name, (fn, setup) in variants.items():
            arg = setup() if setup else None
            t0 = time.perf_counter()
            fn(arg)
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def _trainer(X, sampler="cd", k=1):
    rbm = RBM.random(X.shape[1], 500, seed=0, data=X, dtype=X.dtype)
    s = TrainSettings(lr=0.05, momentum=0.5, weight_decay=2e-4, batch_size=100, sampler=sampler, k=k, seed=0,
                      stream="fused")
    return Trainer(rbm, X, settings=s)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--bits", action="store_true", help="also compare the split's bits with the serial update's")
    args = ap.parse_args(argv)
    kernels.warm_up()
    X = binarize(load_mnist_subset()[0])
    if args.bits:
        for sampler, k in (("cd", 1), ("cd", 3), ("pcd", 1)):
            a, b = same_bits(X[:1000], sampler, k)
            print(f"{sampler.upper()}-{k} float32, 40 updates, one BLAS thread: serial {a}, split {b}, "
                  f"identical {a == b}")
    n_batches = X.shape[0] // 100
    lb = MatmulLowerBound(_trainer(X).rbm.W, X, 100)
    best = race({"floor": (lambda _: lb.run(), None),
                    "serial": (lambda tr: tr.run(n_batches, with_metrics=False), lambda: _trainer(X)),
                    "split": (lambda tr: split_updates(tr, n_batches), lambda: _trainer(X))}, args.repeat)
    t = best["floor"]
    print(f"{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}, BLAS {blas_threads()} threads: floor {t:.4f} s "
          f"({1e3 * t / n_batches:.2f} ms an update; 1.2x allows {0.2e6 * t / n_batches:.0f} us beyond); "
          + "; ".join(f"{k} {best[k] / t:.3f}x ({1e6 * (best[k] - t) / n_batches:.0f} us beyond)"
                      for k in ("serial", "split")))


if __name__ == "__main__":
    main()
