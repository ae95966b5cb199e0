"""Gibbs sampling of a sigmoid belief net's hidden layers given v, one unit at a time from its Markov blanket.

p(s = x | rest) ∝ p(s = x | parents) prod_{children} p(child | its parents, s = x) (`gibbs_logit`);
`gibbs_posterior` runs chains of such sweeps and tracks the running estimate of p(x_layer | v), to set
beside the exact posterior of `pgmviz.models.sbn.SBN.posterior_layer`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.sbn import SBN, state_index
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid


def gibbs_logit(net: SBN, layers: list[np.ndarray], l: int, j: int) -> np.ndarray:
    """log p(x_l,j = 1 | rest) - log p(x_l,j = 0 | rest), from the unit's Markov blanket.

    p(s = x | rest) is proportional to p(s = x | parents) prod_{children} p(child | its parents, s = x):
    only layer l's own term (the unit's prior given the layer above) and layer l-1's (its
    children, given s and their other parents in layer l) change with s; every other factor of
    the joint cancels. ``layers`` lists the states of every layer bottom first, each (n, n_l). -> (n,)
    """
    if not 1 <= l < net.n_layers:
        raise ValueError(f"l must be a hidden layer, 1..{net.n_layers - 1}; got {l}")
    on, off = layers[l].copy(), layers[l].copy()
    on[:, j], off[:, j] = 1.0, 0.0
    above = layers[l + 1] if l + 1 < net.n_layers else None
    logit = net.log_prob_layer(l, on, above) - net.log_prob_layer(l, off, above)  # the unit's own prior
    return logit + net.log_prob_layer(l - 1, layers[l - 1], on) - net.log_prob_layer(l - 1, layers[l - 1], off)


@dataclass
class GibbsRun:
    """Gibbs sampling of the hidden layers given v, one unit at a time, in ``n_chains`` chains.

    estimates : (n_sweeps, 2^n_layer) the running estimate of p(x_layer | v) after each sweep: the
        fraction of all (chain, sweep) states so far in each state of ``layer``
    moves : (n_sweeps,) how many chains changed their state of ``layer`` in that sweep
    final : the chains' last states, one array per layer (bottom first)
    """

    estimates: np.ndarray
    moves: np.ndarray
    final: list[np.ndarray]
    layer: int

    def tv_to(self, p: np.ndarray) -> np.ndarray:
        """Total variation between the running estimate and a table p, after each sweep."""
        return 0.5 * np.abs(self.estimates - np.asarray(p)[None, :]).sum(axis=1)


def gibbs_posterior(net: SBN, v: np.ndarray, n_sweeps: int = 1000, n_chains: int = 10,
                    rng: int | np.random.Generator | None = 0, start: str | list[np.ndarray] = "uniform",
                    layer: int = 1) -> GibbsRun:
    """Sample p(hidden | v) by Gibbs sampling: each sweep visits every hidden unit, bottom layer first,
    and draws it from its conditional given its Markov blanket (`gibbs_logit`).

    start : "uniform" (every hidden unit a fair coin), "off" (all zero), or a list of hidden-layer
        states, each (n_chains, n_l), layers 1..L.
    """
    v = net._visible(v)
    if n_sweeps < 1 or n_chains < 1:
        raise ValueError(f"need at least one sweep and one chain; got {n_sweeps}, {n_chains}")
    if not 1 <= layer < net.n_layers:
        raise ValueError(f"layer must be a hidden layer, 1..{net.n_layers - 1}; got {layer}")
    rng = as_rng(rng)
    sizes = net.sizes
    if isinstance(start, str):
        if start not in ("uniform", "off"):
            raise ValueError(f"start must be 'uniform', 'off' or a list of states; got {start!r}")
        hidden = [(rng.random((n_chains, n)) < 0.5).astype(np.float64) if start == "uniform"
                  else np.zeros((n_chains, n)) for n in sizes[1:]]
    else:
        hidden = [np.array(np.broadcast_to(np.asarray(x, dtype=np.float64), (n_chains, n)))
                  for x, n in zip(start, sizes[1:])]
        if len(hidden) != net.n_layers - 1:
            raise ValueError(f"start needs {net.n_layers - 1} hidden layers of states")
    layers = [np.repeat(v, n_chains, axis=0), *hidden]
    counts = np.zeros(2 ** sizes[layer])
    estimates, moves = np.empty((n_sweeps, counts.size)), np.empty(n_sweeps, dtype=np.int64)
    before = state_index(layers[layer])
    for s in range(n_sweeps):
        for l in range(1, net.n_layers):
            for j in range(sizes[l]):
                p_on = sigmoid(gibbs_logit(net, layers, l, j))
                layers[l][:, j] = (rng.random(n_chains) < p_on).astype(np.float64)
        now = state_index(layers[layer])
        moves[s] = int((now != before).sum())
        before = now
        np.add.at(counts, now, 1.0)
        estimates[s] = counts / counts.sum()
    return GibbsRun(estimates, moves, layers[1:], layer)
