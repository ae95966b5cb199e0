"""A DBM beside a DBN of the same sizes: how each infers h1, how each generates, what each assigns the data.

    DBM   p(h1 | v) ∝ exp(c1.h1 + v.W1.h1) prod_k (1 + exp(c2_k + h1.W2[:, k]))   depends on W2
    DBN   q(h1 | v) = sigmoid(c1 + v W1)                                          the recognition pass:
                                                                                  nothing from above
          p(h1 | v) ∝ p2(h1) p(v | h1)                                            its true posterior, which
                                                                                  the top RBM p2 shapes

`h1_posterior_vs_scale` scales the weights to the top layer (W2 of the DBM, the top RBM's W of the
DBN) by s and returns the posteriors' marginals for each s: the DBM's move, the DBN recognition's stay put.
`draw_samples` generates from both: T Gibbs sweeps over all layers of the DBM, T Gibbs steps in the
DBN's top RBM then one top-down pass. `data_mass` is the exact probability a model gives the data's
distinct patterns (for bars and stripes, all of them: 1 would be perfect); `fraction_in` how many
samples are such patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.evaluation import dbn_bound
from pgmviz.models.dbm import DBM
from pgmviz.models.dbn import DBN
from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.training.dbm_train import dbn_log_p_v


@dataclass
class PosteriorScan:
    """p(h1_j = 1 | v) as the top weights are scaled by ``scales``: rows = scales, columns = units."""

    scales: np.ndarray  # (S,)
    dbm: np.ndarray  # (S, n_h1) the DBM's exact marginals
    dbn: np.ndarray  # (S, n_h1) the DBN's recognition pass
    dbn_exact: np.ndarray  # (S, n_h1) the DBN's true posterior p(h1 | v) ∝ p2(h1) p(v | h1)

    @property
    def dbm_range(self) -> float:
        """The largest change of one unit's p(h1_j = 1 | v) over the scales, in the DBM."""
        return float((self.dbm.max(axis=0) - self.dbm.min(axis=0)).max())

    @property
    def dbn_range(self) -> float:
        """The same for the DBN's recognition pass (0: the layer above never enters it)."""
        return float((self.dbn.max(axis=0) - self.dbn.min(axis=0)).max())

    @property
    def dbn_exact_range(self) -> float:
        """The same for the DBN's true posterior, which its top RBM does shape (the up-pass ignores it)."""
        return float((self.dbn_exact.max(axis=0) - self.dbn_exact.min(axis=0)).max())


def h1_posterior_vs_scale(dbm: DBM, net: DBN, v: np.ndarray, scales: np.ndarray) -> PosteriorScan:
    """Both posteriors over h1 for one image v with the top weights times each s in ``scales``."""
    if net.n_layers != 2:
        raise ValueError(f"need a two-layer DBN; got {net.n_layers} layer(s)")
    v = check_visible(v, dbm.sizes[0], np.float64)[:1]
    scales = np.asarray(scales, dtype=np.float64)
    P_dbm, P_dbn, P_true = [], [], []
    H1 = all_states(net.sizes[1])
    log_lik = dbn_bound.log_p_v_given_h_all(net.rbms[0], v)[0]  # log p(v | h1), every h1: the top does not enter
    for s in scales:
        P_dbm.append(dbm.with_W2(s * dbm.W2).p_h1_given_v(v)[0])
        top = net.rbms[1]
        scaled = RBM(s * top.W, top.b, top.c)
        P_dbn.append(DBN([net.rbms[0], scaled]).up_pass(v)[1][0].astype(np.float64))
        log_post = dbn_bound.log_p_marginal_all(scaled) + log_lik  # p2(h1) p(v | h1), unnormalised
        P_true.append(np.exp(log_post - logsumexp(log_post)) @ H1)
    return PosteriorScan(scales, np.array(P_dbm), np.array(P_dbn), np.array(P_true))


def distinct(X: np.ndarray) -> np.ndarray:
    """The distinct rows of X (binary patterns)."""
    return np.unique(np.asarray(X, dtype=np.float64), axis=0)


def data_mass(model: DBM | DBN, X: np.ndarray) -> float:
    """sum over the distinct patterns x of X of p(x), exactly: how much of the model is the data."""
    P = distinct(X)
    if isinstance(model, DBM):
        return float(np.exp(model.log_p_v(P)).sum())
    return float(np.exp(dbn_log_p_v(model, P)).sum())


def fraction_in(samples: np.ndarray, X: np.ndarray) -> float:
    """The fraction of binary samples (rows) that are one of the patterns of X."""
    samples = np.asarray(samples, dtype=np.float64)
    known = {row.tobytes() for row in distinct(X)}
    return float(np.mean([row.tobytes() in known for row in samples])) if len(samples) else float("nan")


@dataclass
class Samples:
    """Pictures p(v | h1) of the last h1 of each chain, and one binary v drawn from each. (n, n_v) each."""

    dbm_pictures: np.ndarray
    dbm_binary: np.ndarray
    dbn_pictures: np.ndarray
    dbn_binary: np.ndarray


def draw_samples(dbm: DBM, net: DBN, n: int, T: int, rng: int | np.random.Generator | None = None) -> Samples:
    """n samples of each from random states: DBM Gibbs over all layers (T sweeps), DBN top-down (T top steps)."""
    rng = as_rng(rng)
    dbm_pics = dbm.sample(n, T, rng)[0]
    dbn_pics = net.generate(T, n, rng)[0].astype(np.float64)
    return Samples(dbm_pics, bernoulli(dbm_pics, rng), dbn_pics, bernoulli(dbn_pics, rng))
