"""The lesson's ready-made autoencoders: how they are made (`READY_MADE`) and read back (`load_ready_made`).

The bundled files (``scripts/train_autoencoder.py``) and the page's fallback make them by the same
calls: `pretrain_bottom` once for the binary layers every code size shares, then
`pretrain_and_finetune` per code size, and the control `finetune_from_random`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pgmviz.models.rbm import RBM
from pgmviz.nets.autoencoder import (
    READY_MADE_PRE_EPOCHS,
    Autoencoder,
    pretrain,
    pretraining,
    random_autoencoder,
    unroll,
)
from pgmviz.nets.autoencoder_finetune import FineTuner, history_row
from pgmviz.nets.autoencoder_io import load_autoencoder


@dataclass(frozen=True)
class Recipe:
    """How the lesson's ready-made nets are made: the bundled files and the page's fallback alike."""

    side: int = 16  # 16x16 grey-level digits (pgmviz.data.downsample of the bundled split): 256 pixels
    hidden: tuple[int, ...] = (128, 64)  # binary layers below the code (H&S 2006: 1000-500-250 on 28x28)
    code_sizes: tuple[int, ...] = (2, 6, 16, 30)
    pre_epochs: int = READY_MADE_PRE_EPOCHS  # CD-1 epochs per RBM
    ft_epochs: int = 15  # epochs of backprop
    seed: int = 0  # bottom RBMs: seed; the code RBM: seed + 1; fine-tuning (and the random start): seed

    def sizes(self, code: int) -> list[int]:
        """[side^2, *hidden, code]: the encoder's layer sizes."""
        return [self.side * self.side, *self.hidden, code]


READY_MADE = Recipe()


READY_MADE_META = ("pretrain_log", "history", "random_history", "pretrain_seconds", "finetune_seconds")


def load_ready_made(source: str | Path | BinaryIO | bytes, code: int, recipe: Recipe = READY_MADE
                    ) -> tuple[Autoencoder, dict]:
    """A bundled net of ``recipe`` with this code size and its meta; ValueError if unreadable, made with
    another recipe, or lacking what the lesson shows (`READY_MADE_META`)."""
    net, meta = load_autoencoder(source)
    wanted = {"hidden": list(recipe.hidden), "code": code, "pre_epochs": recipe.pre_epochs,
              "ft_epochs": recipe.ft_epochs, "seed": recipe.seed}
    sizes = recipe.sizes(code)
    if meta.get("recipe") != wanted or net.sizes != sizes + sizes[-2::-1]:
        raise ValueError(f"it was made with another recipe ({meta.get('recipe')}; this page uses {wanted})")
    missing = [k for k in READY_MADE_META if k not in meta]
    if missing:
        raise ValueError(f"its meta lacks {', '.join(missing)}")
    return net, meta


def pretrain_bottom(X_train: np.ndarray, sizes: list[int], epochs: int, seed: int
                    ) -> tuple[list[RBM], list[tuple[int, int, float]], float]:
    """The binary RBMs below the code, ``sizes`` = [n_in, *hidden]: (stack, log of (layer, epoch, error), seconds).

    Every code size can share them: greedy training never revisits a lower layer.
    """
    log, prog = [], None
    for prog in pretrain(X_train, sizes, pretraining(epochs, seed), linear_code=False):
        log.append((prog.layer, prog.epoch, prog.recon_error))
    return prog.stack, log, prog.seconds


def pretrain_and_finetune(X_train: np.ndarray, X_test: np.ndarray, sizes: list[int], pre_epochs: int,
                          ft_epochs: int, seed: int,
                          bottom: tuple[list[RBM], list[tuple[int, int, float]], float] | None = None) -> dict:
    """Pretrain (on top of ``bottom`` from `pretrain_bottom`, made here if not given), unroll, fine-tune.

    Returns a dict: ``net``, ``pretrain_log`` [(layer, epoch, error), ...], ``history`` (`history_row`
    per epoch, 0 = just unrolled), ``pretrain_s`` (bottom and code RBM), ``finetune_s``.
    """
    bottom = bottom or pretrain_bottom(X_train, sizes[:-1], pre_epochs, seed)
    stack, log, bottom_s = bottom
    log = list(log)
    t0 = time.perf_counter()
    prog = None
    for prog in pretrain(X_train, sizes, pretraining(pre_epochs, seed + 1), reuse=stack):
        log.append((prog.layer, prog.epoch, prog.recon_error))
    net = unroll(prog.stack)
    pretrain_s = bottom_s + time.perf_counter() - t0
    tuner = FineTuner(net, X_train, rng=seed)
    history = [history_row(net, X_test, 0, net.loss(X_train))]
    for _ in range(ft_epochs):
        loss = tuner.run(1)
        history.append(history_row(net, X_test, tuner.epoch, loss))
    return {"net": net, "pretrain_log": log, "history": history, "pretrain_s": pretrain_s,
            "finetune_s": tuner.seconds}


def finetune_from_random(X_train: np.ndarray, X_test: np.ndarray, sizes: list[int], ft_epochs: int, seed: int
                         ) -> dict:
    """The control: the same architecture and the same fine-tuning from small random weights.

    Returns a dict: ``net``, ``history`` (`history_row` per epoch), ``finetune_s``.
    """
    net = random_autoencoder(sizes, rng=seed)
    tuner = FineTuner(net, X_train, rng=seed)
    history = [history_row(net, X_test, 0, net.loss(X_train))]
    for _ in range(ft_epochs):
        loss = tuner.run(1)
        history.append(history_row(net, X_test, tuner.epoch, loss))
    return {"net": net, "history": history, "finetune_s": tuner.seconds}
