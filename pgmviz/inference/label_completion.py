"""Evidence at either end of a label DBN: fill in the label from an image, or an image from a label.

The top RBM's visible layer is [x, y] (`pgmviz.models.labels`): x the penultimate layer, y ten softmax
label units. Clamping x (the mean-field up-pass of an image) and sampling y by block Gibbs in the top
RBM estimates p(y | x), which is also exactly softmax(-F([x, e_y])): ten completions to enumerate.
Clamping y instead and running the chain draws images of that class (`DBN.top_chain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.inference.completion import check_steps
from pgmviz.models.dbn import DBN, Chain
from pgmviz.models.labels import sample_one_hot
from pgmviz.models.rbm import check_visible
from pgmviz.rng import as_rng


@dataclass
class LabelInference:
    """p(y | image) in a label DBN: the exact answer and the clamped Gibbs chain's running estimate."""

    exact: np.ndarray  # (K,) softmax(-F([x, e_y])), x the mean-field up-pass of the image
    estimates: np.ndarray  # (n_steps, K) mean of p(y | h_top) over chains and steps 1..t

    def tv(self) -> np.ndarray:
        """TV between the running estimate and the exact p(y | x) after each step. (n_steps,)"""
        return 0.5 * np.abs(self.estimates - self.exact[None, :]).sum(axis=1)


def label_from_image(net: DBN, v: np.ndarray, n_steps: int = 100, n_chains: int = 1,
                     rng: int | np.random.Generator | None = 0) -> LabelInference:
    """Fill in the label from the image: x = up-pass(v) clamped in the top RBM, y ~ softmax(b_y + W_y h_top).

    The labels start neutral (1/K each), as in `DBN.classify(v, T)`, which the estimate after T
    steps equals for one chain and the same seed; it tends to the exact softmax(-F([x, e_y])).
    """
    check_steps(n_steps, n_chains)
    top = net._need_labels()
    rng = as_rng(rng)
    K = top.n_labels
    x = net.up_pass(check_visible(v, net.sizes[0]))[-1][:1]  # (1, n_x)
    X = np.repeat(x, n_chains, axis=0)
    Y = np.full((n_chains, K), 1.0 / K, dtype=top.dtype)
    total, estimates = np.zeros(K), []
    for t in range(1, n_steps + 1):
        P_y = top.p_v_given_h(top.sample_h(np.hstack([X, Y]), rng))[:, -K:]
        total += P_y.sum(axis=0)
        estimates.append(total / (t * n_chains))
        Y = sample_one_hot(P_y, rng)
    return LabelInference(top.p_y_given_x(x)[0], np.array(estimates))


def image_from_label(net: DBN, label: int, n_frames: int = 10, every: int = 20, n: int = 4,
                     rng: int | np.random.Generator | None = 0, reader=None) -> tuple[Chain, np.ndarray | None]:
    """Fill in the image from the label: the label clamped in the top RBM, frames every ``every`` steps
    drawn top-down (`DBN.top_chain`), and per frame how many of the n drawings ``reader`` reads as the label."""
    if not 0 <= int(label) < net.n_labels:
        raise ValueError(f"label must lie in 0..{net.n_labels - 1}; got {label}")
    chain = net.top_chain(n_frames, every, n=n, rng=rng, clamp_labels=np.full(n, int(label)))
    read = None if reader is None else np.array([(reader.read(f) == int(label)).sum() for f in chain.images])
    return chain, read
