"""Pairwise binary Markov random fields: p(x) = exp(sum_i theta_i(x_i) + sum_(ij) theta_ij(x_i, x_j)) / Z.

Units x_i in {0, 1}. Each unit has a log-potential table ``unary[i]`` (2,) and each edge e = (i, j)
of the edge list a table ``pairwise[e]`` (2, 2) indexed [x_i, x_j]. This is the most general binary
pairwise model (Wainwright & Jordan's canonical form); two readings of it recur in pgmviz:

    Boltzmann machine / RBM   theta_i = (0, b_i),          theta_ij = ((0, 0), (0, w_ij))   E = -b.x - sum w x_i x_j
    Ising model (spins)       theta_i = (-h_i, h_i),       theta_ij = ((J, -J), (-J, J))    s_i = 2 x_i - 1

Ising's split keeps the all-off and all-on states symmetric when h = 0: the ferromagnet of the
message-passing lesson. Everything exact here enumerates the 2^n states (rows of
``pgmviz.sampling.partition.all_states``, unit 0 most significant), so it is for lesson-sized
graphs; ``pos`` only says where a page draws each node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.rbm import RBM
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states

MAX_ENUM_UNITS = 20  # 2^20 states of log-potentials: 8 MB, well under a second


@dataclass
class MRF:
    """A pairwise binary MRF.

    Parameters
    ----------
    unary : ndarray of shape (n, 2), log-potentials theta_i(x_i)
    edges : int ndarray of shape (m, 2), edge e joins units edges[e, 0] and edges[e, 1]
    pairwise : ndarray of shape (m, 2, 2), log-potentials theta_e[x_i, x_j]
    pos : ndarray of shape (n, 2), optional: where to draw each node (not part of the model)
    """

    unary: np.ndarray
    edges: np.ndarray
    pairwise: np.ndarray
    pos: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.unary = np.asarray(self.unary, dtype=np.float64).reshape(-1, 2)
        n = self.unary.shape[0]
        self.edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        self.pairwise = np.asarray(self.pairwise, dtype=np.float64).reshape(-1, 2, 2)
        if self.pairwise.shape[0] != self.edges.shape[0]:
            raise ValueError(f"need one (2, 2) table per edge: {self.edges.shape[0]} edges, "
                             f"{self.pairwise.shape[0]} tables")
        if self.edges.size and (self.edges.min() < 0 or self.edges.max() >= n):
            raise ValueError(f"edges must join units 0..{n - 1}")
        if (self.edges[:, 0] == self.edges[:, 1]).any():
            raise ValueError("an edge must join two different units")
        if len({tuple(sorted(e)) for e in self.edges.tolist()}) != self.edges.shape[0]:
            raise ValueError("each pair of units may be joined by one edge only")
        if not (np.isfinite(self.unary).all() and np.isfinite(self.pairwise).all()):
            raise ValueError("log-potentials must be finite")
        if self.pos is not None:
            self.pos = np.asarray(self.pos, dtype=np.float64).reshape(n, 2)

    # ------------------------------------------------------------------ structure
    @property
    def n(self) -> int:
        return self.unary.shape[0]

    @property
    def m(self) -> int:
        return self.edges.shape[0]

    def neighbours(self) -> list[list[int]]:
        """neighbours()[i]: the units joined to i, in edge-list order."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for i, j in self.edges.tolist():
            out[i].append(j)
            out[j].append(i)
        return out

    def degrees(self) -> np.ndarray:
        return np.bincount(self.edges.ravel(), minlength=self.n)

    def n_components(self) -> int:
        """Connected components, by union-find."""
        parent = list(range(self.n))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in self.edges.tolist():
            parent[root(i)] = root(j)
        return len({root(i) for i in range(self.n)})

    def is_tree(self) -> bool:
        """No loops: a forest has exactly n - (number of components) edges."""
        return self.m == self.n - self.n_components()

    # ------------------------------------------------------------------ exact, by enumeration
    def log_potential(self, X: np.ndarray) -> np.ndarray:
        """sum_i theta_i(x_i) + sum_e theta_e(x_i, x_j) for each binary row of X. -> (k,)"""
        X = np.atleast_2d(np.asarray(X)).round().astype(np.int64)
        if X.shape[1] != self.n:
            raise ValueError(f"states must have {self.n} units; got {X.shape[1]}")
        out = self.unary[np.arange(self.n), X].sum(axis=1)
        if self.m:
            i, j = self.edges[:, 0], self.edges[:, 1]
            out = out + self.pairwise[np.arange(self.m), X[:, i], X[:, j]].sum(axis=1)
        return out

    def log_table(self) -> np.ndarray:
        """log p(x) for all 2^n states (``all_states`` order)."""
        if self.n > MAX_ENUM_UNITS:
            raise ValueError(f"cannot enumerate 2^{self.n} states (at most 2^{MAX_ENUM_UNITS})")
        lp = self.log_potential(all_states(self.n))
        return lp - logsumexp(lp)

    def log_Z(self) -> float:
        """log Z = logsumexp_x [sum_i theta_i(x_i) + sum_e theta_e(x_i, x_j)], over all 2^n states."""
        if self.n > MAX_ENUM_UNITS:
            raise ValueError(f"cannot enumerate 2^{self.n} states (at most 2^{MAX_ENUM_UNITS})")
        return float(logsumexp(self.log_potential(all_states(self.n))))

    def probabilities(self) -> np.ndarray:
        """p(x) for all 2^n states (``all_states`` order); sums to 1."""
        return np.exp(self.log_table())

    def marginals(self) -> np.ndarray:
        """p(x_i = 1) = sum_x p(x) x_i, exactly. -> (n,)"""
        return self.probabilities() @ all_states(self.n)

    def pair_marginals(self) -> np.ndarray:
        """p(x_i = a, x_j = b) for each edge, exactly. -> (m, 2, 2)"""
        p, X = self.probabilities(), all_states(self.n).astype(np.int64)
        out = np.zeros((self.m, 2, 2))
        for e, (i, j) in enumerate(self.edges.tolist()):
            np.add.at(out[e], (X[:, i], X[:, j]), p)
        return out

    # ------------------------------------------------------------------ evidence
    def condition(self, clamped: dict[int, int]) -> "MRF":
        """p(x_free | x_clamped) as an MRF over the free units (in their order).

        An edge to a clamped unit becomes part of the free unit's unary table; edges between
        clamped units only change Z. Conditioning an RBM on v leaves no edges at all.
        """
        free = [i for i in range(self.n) if i not in clamped]
        if any(i not in range(self.n) or clamped[i] not in (0, 1) for i in clamped):
            raise ValueError("clamp units 0..n-1 to 0 or 1")
        new = {i: k for k, i in enumerate(free)}
        unary = self.unary[free].copy()
        edges, tables = [], []
        for (i, j), T in zip(self.edges.tolist(), self.pairwise):
            if i in new and j in new:
                edges.append((new[i], new[j]))
                tables.append(T)
            elif i in new:
                unary[new[i]] += T[:, clamped[j]]
            elif j in new:
                unary[new[j]] += T[clamped[i], :]
        pos = None if self.pos is None else self.pos[free]
        return MRF(unary, np.array(edges, dtype=np.int64).reshape(-1, 2), np.array(tables).reshape(-1, 2, 2), pos)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def boltzmann(cls, b: np.ndarray, edges: np.ndarray, w: np.ndarray, pos: np.ndarray | None = None) -> "MRF":
        """E(x) = -b.x - sum_e w_e x_i x_j: theta_i = (0, b_i), theta_e = ((0, 0), (0, w_e))."""
        b, w = np.asarray(b, dtype=np.float64), np.asarray(w, dtype=np.float64).reshape(-1)
        unary = np.stack([np.zeros_like(b), b], axis=1)
        pairwise = np.zeros((w.shape[0], 2, 2))
        pairwise[:, 1, 1] = w
        return cls(unary, edges, pairwise, pos)

    @classmethod
    def from_rbm(cls, rbm: RBM) -> "MRF":
        """An RBM as the bipartite MRF it is: units v_0..v_{n_v-1}, then h_0..h_{n_h-1}, an edge per W_ij."""
        n_v, n_h = rbm.W.shape
        edges = np.array([(i, n_v + j) for i in range(n_v) for j in range(n_h)], dtype=np.int64)
        pos = np.array([(i - (n_v - 1) / 2, 0.0) for i in range(n_v)] + [(j - (n_h - 1) / 2, 1.0) for j in range(n_h)])
        b = np.concatenate([np.asarray(rbm.b, dtype=np.float64), np.asarray(rbm.c, dtype=np.float64)])
        return cls.boltzmann(b, edges, np.asarray(rbm.W, dtype=np.float64).reshape(-1), pos)

    @classmethod
    def ising(cls, edges: np.ndarray, J: float | np.ndarray, h: float | np.ndarray, n: int,
              pos: np.ndarray | None = None) -> "MRF":
        """-E(s) = h.s + sum_e J_e s_i s_j (s = 2x - 1): theta_i = (-h_i, h_i), theta_e = J((1, -1), (-1, 1))"""
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        h = np.broadcast_to(np.asarray(h, dtype=np.float64), (n,))
        J = np.broadcast_to(np.asarray(J, dtype=np.float64), (edges.shape[0],))
        return cls(np.stack([-h, h], axis=1), edges, J[:, None, None] * np.array([[1.0, -1.0], [-1.0, 1.0]]), pos)


# ---------------------------------------------------------------------- the lesson's graphs
GRAPHS = ("chain", "tree", "grid")


def chain_edges(n: int) -> np.ndarray:
    return np.array([(i, i + 1) for i in range(n - 1)], dtype=np.int64).reshape(-1, 2)


def tree_edges(depth: int) -> np.ndarray:
    """A complete binary tree: node k's children are 2k + 1 and 2k + 2 (2^(depth+1) - 1 nodes)."""
    n = 2 ** (depth + 1) - 1
    return np.array([((k - 1) // 2, k) for k in range(1, n)], dtype=np.int64)


def grid_edges(rows: int, cols: int) -> np.ndarray:
    """Nearest neighbours on a rows x cols grid, node r * cols + c: right neighbours, then down."""
    right = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    down = [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return np.array(right + down, dtype=np.int64)


def field_pattern(n: int, seed: int = 0) -> np.ndarray:
    """A fixed standard-normal pattern z (n,), so a 'field spread' slider only stretches it."""
    return as_rng(seed).standard_normal(n)


def lesson_graph(kind: str, J: float, h: float, spread: float = 0.0, seed: int = 0) -> MRF:
    """The lesson's Ising models: a chain of 6, a binary tree of 7, a 3x3 grid (4 loops).

    Every edge has coupling J; node i has field h + spread * z_i with z = ``field_pattern(n, seed)``.
    """
    if kind == "chain":
        n, edges = 6, chain_edges(6)
        pos = np.array([(float(i), 0.0) for i in range(n)])
    elif kind == "tree":
        n, edges = 7, tree_edges(2)
        # leaves spread along the bottom, each parent centred over its children
        pos = np.array([(1.5, 2.0), (0.5, 1.0), (2.5, 1.0), (0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)])
    elif kind == "grid":
        n, edges = 9, grid_edges(3, 3)
        pos = np.array([(float(k % 3), -float(k // 3)) for k in range(n)])
    else:
        raise ValueError(f"graph must be one of {GRAPHS}, not {kind!r}")
    return MRF.ising(edges, J, h + spread * field_pattern(n, seed), n, pos)
