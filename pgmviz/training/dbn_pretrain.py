"""Greedy CD-1 stacking for the fine-tuning lesson's DBN, and the up-pass through its recognition weights.

RBM l trains on the hidden probabilities of the frozen one below (Hinton, Osindero & Teh 2006);
`up_pass` and `recognition_weights` read a stack, or a `pgmviz.models.dbn.DBN`, bottom up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.rbm import RBM
from pgmviz.special import sigmoid


@dataclass
class PretrainSettings:
    epochs: int = 10  # per RBM
    lr: float = 0.05
    momentum: float = 0.5
    weight_decay: float = 2e-4
    batch_size: int = 50
    seed: int = 0


def pretrain_dbn(X: np.ndarray, sizes: list[int], settings: PretrainSettings | None = None,
                 progress=None) -> list[RBM]:
    """Greedy CD-1 stacking, as `pgmviz.training.greedy.GreedyTrainer` does it: the RBMs, bottom first.

    RBM l trains (with `pgmviz.training.train.Trainer`) on the hidden probabilities p(h_l | h_{l-1}) of
    the frozen one below; its starting weights are `RBM.random` with the seed ``seed + 1000 l``.
    ``progress(layer, fraction_of_that_layer_done)`` is called after every epoch. Wrap the list
    in `pgmviz.models.dbn.DBN` to sample from it; `from_dbn` takes either.
    """
    from pgmviz.training.train import Trainer, TrainSettings

    s = settings or PretrainSettings()
    ts = TrainSettings(lr=s.lr, momentum=s.momentum, weight_decay=s.weight_decay, batch_size=s.batch_size,
                       seed=s.seed)
    data = np.asarray(X, dtype=np.float32)
    per_epoch = int(np.ceil(len(data) / s.batch_size))
    rbms: list[RBM] = []
    for l in range(len(sizes) - 1):
        rbm = RBM.random(sizes[l], sizes[l + 1], seed=s.seed + 1000 * l, data=data)
        trainer = Trainer(rbm, data, settings=ts)
        for e in range(s.epochs):
            trainer.run(per_epoch, with_metrics=False)
            if progress is not None:
                progress(l, (e + 1) / s.epochs)
        rbms.append(trainer.rbm)
        data = trainer.rbm.p_h_given_v(data).astype(np.float32)  # the aggregated posterior, as data
    return rbms


def up_pass(stack, X: np.ndarray) -> list[np.ndarray]:
    """[X, H_1, ..., H_L]: mean-field up-pass p(h_{l+1} | h_l) = sigmoid(c_l + h_l W_l) of a stack."""
    layers = [np.asarray(X, dtype=np.float32)]
    for W, c in recognition_weights(stack):
        layers.append(sigmoid(layers[-1] @ W + c))
    return layers


def recognition_weights(stack) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W_l, c_l)] of a `pgmviz.models.dbn.DBN` (its ``recognition(l)``) or of a list of RBMs."""
    if hasattr(stack, "recognition"):
        return [stack.recognition(l) for l in range(stack.n_layers)]
    return [(r.W, r.c) for r in stack]
