"""How right each inference is: BP and mean field beside the exact marginals, and where one is exact.

- ``compare``: one MRF, three answers for p(x_i = 1): enumeration, loopy BP, mean field (its best start).
- ``error_vs_coupling``: max_i |belief_i - p(x_i = 1)| as the lesson graph's coupling J grows
  (zero for BP on a chain or a tree at every J; on the 3x3 grid the loops make it grow).
- ``rbm_half_step``: on an RBM, p(h | v) = prod_j sigmoid(c_j + v.W_j) exactly, so one half-step
  of block Gibbs samples the exact posterior: conditioning on v removes every edge between free units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.inference import bp, meanfield
from pgmviz.models.mrf import MRF, lesson_graph
from pgmviz.models.rbm import RBM
from pgmviz.models.sbn import factorial_table


@dataclass
class Comparison:
    """Exact, BP and mean-field marginals of one MRF, and the log Z of each reading.

    exact, bp, mf : (n,) p(x_i = 1);  bp_result : the loopy-BP run;  mf_start : the best start's name
    log_Z : exact;  mf_kl : KL(q || p) of that q;  mf_runs : every start's run
    """

    exact: np.ndarray
    bp: np.ndarray
    mf: np.ndarray
    bp_result: bp.BPResult
    mf_start: str
    mf_kl: float
    mf_runs: dict[str, meanfield.MeanFieldRun]
    log_Z: float

    @property
    def bp_error(self) -> float:
        return float(np.max(np.abs(self.bp - self.exact)))

    @property
    def mf_error(self) -> float:
        return float(np.max(np.abs(self.mf - self.exact)))

    @property
    def elbo(self) -> float:
        """log Z - KL(q || p): mean field's lower bound on log Z."""
        return self.log_Z - self.mf_kl


def compare(mrf: MRF, damping: float = 0.0, max_iters: int = 500) -> Comparison:
    """Enumeration, loopy BP (exact on trees) and mean field from ``meanfield.standard_starts`` (best KL kept)."""
    runs = meanfield.from_starts(mrf)
    name, run = meanfield.best(runs)
    result = bp.loopy_bp(mrf, damping=damping, max_iters=max_iters)
    return Comparison(mrf.marginals(), result.beliefs, run.means, result, name, run.kl, runs, mrf.log_Z())


@dataclass
class CouplingSweep:
    """``error_vs_coupling``'s curves, one value per coupling J.

    bp_error, mf_error : max_i |answer_i - p(x_i = 1)|;  bp_converged : loopy BP's flag;
    bethe_error : log Z_Bethe - log Z;  mf_kl : mean field's KL(q || p) (its bound's gap)
    """

    couplings: np.ndarray
    bp_error: np.ndarray
    mf_error: np.ndarray
    bp_converged: np.ndarray
    bethe_error: np.ndarray
    mf_kl: np.ndarray


def error_vs_coupling(kind: str, couplings: np.ndarray, h: float, spread: float = 0.0,
                      damping: float = 0.0) -> CouplingSweep:
    """``compare`` on ``lesson_graph(kind, J, h, spread)`` for each J of ``couplings``."""
    couplings = np.asarray(couplings, dtype=np.float64)
    rows = [compare(lesson_graph(kind, float(J), h, spread), damping=damping) for J in couplings]
    return CouplingSweep(
        couplings=couplings,
        bp_error=np.array([r.bp_error for r in rows]),
        mf_error=np.array([r.mf_error for r in rows]),
        bp_converged=np.array([r.bp_result.converged for r in rows]),
        bethe_error=np.array([r.bp_result.log_Z - r.log_Z for r in rows]),
        mf_kl=np.array([r.mf_kl for r in rows]),
    )


@dataclass
class HalfStep:
    """p(h | v) of an RBM two ways, over all 2^n_h hidden states (``all_states`` order).

    exact : by enumeration of the conditioned MRF;  product : prod_j sigmoid(c_j + v.W_j)^h_j (...)^(1-h_j)
    p_h : (n_h,) sigmoid(c + vW), what one half-step of block Gibbs samples from
    max_abs_diff : max over h of |exact - product|;  edges_left : edges among the h once v is clamped
    loops : independent cycles of the full RBM graph, m - n + components (it is not a tree)
    """

    exact: np.ndarray
    product: np.ndarray
    p_h: np.ndarray
    max_abs_diff: float
    edges_left: int
    loops: int


def rbm_half_step(rbm: RBM, v: np.ndarray) -> HalfStep:
    """Clamp v in the RBM's bipartite MRF: the h are left unconnected, so p(h | v) is a product of sigmoids."""
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    if v.shape != (rbm.n_v,) or not np.isin(v, (0.0, 1.0)).all():
        raise ValueError(f"v must be {rbm.n_v} binary values")
    full = MRF.from_rbm(rbm)
    given_v = full.condition({i: int(x) for i, x in enumerate(v)})
    exact = given_v.probabilities()
    p_h = rbm.p_h_given_v(v[None, :].astype(rbm.W.dtype))[0].astype(np.float64)
    product = factorial_table(p_h)
    return HalfStep(exact, product, p_h, float(np.max(np.abs(exact - product))), given_v.m,
                    full.m - full.n + full.n_components())
