"""Sum-product belief propagation on a pairwise binary MRF (`pgmviz.models.mrf.MRF`), one message at a time.

The message from unit s to its neighbour t sums s out of everything s knows except what t told it:

    m_{s->t}(x_t) = sum_{x_s} exp(theta_s(x_s) + theta_st(x_s, x_t)) prod_{k in N(s) \\ t} m_{k->s}(x_s)

With binary units a message is one number, its log-odds u_{s->t} = log m_{s->t}(1) - log m_{s->t}(0),
and the belief is b_i(x_i = 1) = sigmoid(theta_i(1) - theta_i(0) + sum_{k in N(i)} u_{k->i}). The
all-zero messages (uniform m) are the start. Directed edge d = 2e carries edges[e, 0] -> edges[e, 1]
and d = 2e + 1 the way back, so d ^ 1 is always d's reverse.

On a tree, one pass from the leaves to a root and one back (2(n - 1) messages) gives the exact
marginals. On a graph with loops the same rule, iterated ("loopy BP"), may converge to beliefs that
are only approximate, or not converge at all; damping (u <- (1 - delta) u_new + delta u_old) helps.
At a fixed point, the Bethe free energy gives an estimate of log Z, exact on trees.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from pgmviz.models.mrf import MRF
from pgmviz.special import sigmoid


# ---------------------------------------------------------------------- directed edges
def directed_edges(mrf: MRF) -> np.ndarray:
    """(2m, 2) array of (source, target): row 2e is edges[e], row 2e + 1 is edges[e] reversed."""
    out = np.empty((2 * mrf.m, 2), dtype=np.int64)
    out[0::2], out[1::2] = mrf.edges, mrf.edges[:, ::-1]
    return out


def directed_index(mrf: MRF) -> dict[tuple[int, int], int]:
    """(source, target) -> its directed-edge index d."""
    return {(int(s), int(t)): d for d, (s, t) in enumerate(directed_edges(mrf))}


def _oriented_tables(mrf: MRF) -> np.ndarray:
    """theta_d[x_s, x_t] for each directed edge d = s -> t. -> (2m, 2, 2)"""
    out = np.empty((2 * mrf.m, 2, 2))
    out[0::2], out[1::2] = mrf.pairwise, mrf.pairwise.transpose(0, 2, 1)
    return out


def _cavity(mrf: MRF, u: np.ndarray) -> np.ndarray:
    """For each directed s -> t: sum_{k in N(s) \\ t} u_{k->s} (what s heard from everyone but t). -> (2m,)"""
    D = directed_edges(mrf)
    into = np.bincount(D[:, 1], weights=u, minlength=mrf.n)  # sum of all messages into each unit
    return into[D[:, 0]] - u[np.arange(u.shape[0]) ^ 1]


def _messages(mrf: MRF, cavity: np.ndarray, which: np.ndarray) -> np.ndarray:
    """u_{s->t} = log sum_{x_s} exp(a_s(x_s) + theta_st(x_s, 1)) - (same with x_t = 0), a_s = theta_s + x_s cavity."""
    D, T = directed_edges(mrf)[which], _oriented_tables(mrf)[which]
    a = mrf.unary[D[:, 0]].copy()  # (k, 2): log-potential of x_s = 0, 1
    a[:, 1] += cavity[which]
    log_m = np.logaddexp(a[:, 0, None] + T[:, 0, :], a[:, 1, None] + T[:, 1, :])  # (k, 2) over x_t
    return log_m[:, 1] - log_m[:, 0]


def send(mrf: MRF, u: np.ndarray, d: int) -> float:
    """The new log-odds message along directed edge d, from the current messages u (2m,)."""
    return float(_messages(mrf, _cavity(mrf, u), np.array([d]))[0])


def beliefs(mrf: MRF, u: np.ndarray) -> np.ndarray:
    """b_i(x_i = 1) = sigmoid(theta_i(1) - theta_i(0) + sum_k u_{k->i}). -> (n,)"""
    into = np.bincount(directed_edges(mrf)[:, 1], weights=u, minlength=mrf.n)
    return sigmoid(mrf.unary[:, 1] - mrf.unary[:, 0] + into)


def pair_beliefs(mrf: MRF, u: np.ndarray) -> np.ndarray:
    """b_ij(x_i, x_j) ~ exp(theta_i + theta_j + theta_ij) x the messages from i's and j's other neighbours."""
    cav = _cavity(mrf, u)
    i, j = mrf.edges[:, 0], mrf.edges[:, 1]
    log_b = (mrf.pairwise + mrf.unary[i][:, :, None] + mrf.unary[j][:, None, :]
             + (np.array([0.0, 1.0])[None, :, None] * cav[0::2, None, None])  # x_i times what i heard, but from j
             + (np.array([0.0, 1.0])[None, None, :] * cav[1::2, None, None]))
    log_b -= log_b.max(axis=(1, 2), keepdims=True)
    b = np.exp(log_b)
    return b / b.sum(axis=(1, 2), keepdims=True)


def _entropy(p: np.ndarray, axis) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=axis)


def bethe_log_Z(mrf: MRF, u: np.ndarray) -> float:
    """-F_Bethe = sum_i E_b[theta_i] + sum_e E_b[theta_e] + sum_e H(b_e) - sum_i (d_i - 1) H(b_i); exact on trees."""
    p1 = beliefs(mrf, u)
    b1 = np.stack([1.0 - p1, p1], axis=1)  # (n, 2)
    b2 = pair_beliefs(mrf, u)
    energy = float((b1 * mrf.unary).sum() + (b2 * mrf.pairwise).sum())
    entropy = float(_entropy(b2, (1, 2)).sum() - ((mrf.degrees() - 1) * _entropy(b1, 1)).sum())
    return energy + entropy


# ---------------------------------------------------------------------- schedules
def tree_schedule(mrf: MRF, root: int = 0) -> list[int]:
    """Leaves to root, then root to leaves: 2(n - 1) directed edges that leave every message exact.

    Each component of a forest is rooted at ``root`` if it holds it, else at its lowest unit.
    """
    if not mrf.is_tree():
        raise ValueError(f"the graph has loops ({mrf.m} edges, {mrf.n} units, {mrf.n_components()} "
                         "components): there is no leaves-to-root order; use loopy_bp")
    index, nbrs = directed_index(mrf), mrf.neighbours()
    parent, order = {}, []
    for start in [root] + list(range(mrf.n)):
        if start in parent:
            continue
        parent[start] = -1
        queue = deque([start])
        while queue:  # breadth first: a unit comes after its parent
            s = queue.popleft()
            order.append(s)
            for t in nbrs[s]:
                if t not in parent:
                    parent[t] = s
                    queue.append(t)
    up = [index[(s, parent[s])] for s in reversed(order) if parent[s] >= 0]
    down = [index[(parent[s], s)] for s in order if parent[s] >= 0]
    return up + down


def sweep_schedule(mrf: MRF, sweeps: int = 1) -> list[int]:
    """Every directed edge once per sweep: each edge forwards in list order, then each backwards in reverse."""
    one = [2 * e for e in range(mrf.m)] + [2 * e + 1 for e in reversed(range(mrf.m))]
    return one * int(sweeps)


def default_schedule(mrf: MRF, sweeps: int = 8) -> list[int]:
    """The two-pass schedule on a tree (exact after it); ``sweeps`` sweeps of every edge on a loopy graph."""
    return tree_schedule(mrf) if mrf.is_tree() else sweep_schedule(mrf, sweeps)


# ---------------------------------------------------------------------- running
@dataclass
class BPTrace:
    """Messages sent one at a time along ``schedule``.

    schedule : (T,) directed edges in the order sent;  messages : (T + 1, 2m) log-odds after each
    message (row 0: all zero);  beliefs : (T + 1, n) b_i(x_i = 1) after each message
    """

    schedule: np.ndarray
    messages: np.ndarray
    beliefs: np.ndarray

    def change(self, k: int) -> float:
        """max_d |u_d now - u_d k messages ago|: whether the last k messages (a sweep) still moved anything."""
        k = min(int(k), self.messages.shape[0] - 1)
        return float(np.max(np.abs(self.messages[-1] - self.messages[-1 - k]), initial=0.0))


def run_schedule(mrf: MRF, schedule: list[int], damping: float = 0.0) -> BPTrace:
    """Send the messages of ``schedule`` in turn, each from the messages current at its turn."""
    u = np.zeros(2 * mrf.m)
    msgs, bels = [u.copy()], [beliefs(mrf, u)]
    for d in schedule:
        u[d] = (1.0 - damping) * send(mrf, u, d) + damping * u[d]
        msgs.append(u.copy())
        bels.append(beliefs(mrf, u))
    return BPTrace(np.asarray(schedule, dtype=np.int64), np.array(msgs), np.array(bels))


@dataclass
class BPResult:
    """Loopy BP run to a fixed point (or to ``max_iters``).

    messages : (2m,) log-odds;  beliefs : (n,);  converged : max message change < tol;
    iterations : parallel updates made;  residuals : (iterations,) max |u_new - u| of each;
    log_Z : the Bethe estimate at the last messages (exact on trees at convergence)
    """

    messages: np.ndarray
    beliefs: np.ndarray
    converged: bool
    iterations: int
    residuals: np.ndarray
    log_Z: float


def loopy_bp(mrf: MRF, damping: float = 0.0, max_iters: int = 500, tol: float = 1e-12) -> BPResult:
    """Every message updated at once from the previous ones (flooding), damped, until none moves by tol."""
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1); got {damping}")
    u = np.zeros(2 * mrf.m)
    every = np.arange(2 * mrf.m)
    residuals, converged = [], mrf.m == 0
    for _ in range(int(max_iters) if mrf.m else 0):
        new = _messages(mrf, _cavity(mrf, u), every)
        residuals.append(float(np.max(np.abs(new - u))))
        u = (1.0 - damping) * new + damping * u
        if residuals[-1] < tol:
            converged = True
            break
    return BPResult(u, beliefs(mrf, u), converged, len(residuals), np.array(residuals), bethe_log_Z(mrf, u))
