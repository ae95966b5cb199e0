"""What a generative model draws, as the independent reader reads it (`pgmviz.evaluation.reader`).

Three censuses, each with a fixed seed so a page and a test see the same pictures:

- `fantasy_census`: an RBM's block-Gibbs chains from noise, T sweeps, read at p(v | h_T); with the
  mean free energy of the fantasies beside that of real held-out digits. A model that has learnt
  spurious modes sends its chains to states it rates far more probable (lower F) than real digits.
- `clamped_census`: a labelled DBN's drawings with one label clamped during T Gibbs steps in its
  top RBM, then one top-down pass; how many the reader files under the clamped class.
- `free_census`: the same DBN with nothing clamped (labels free in the chain).
- `round_trip_census`: real digits up the DBN and down the drawings' top-down pass: what the lower
  layers can render.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.evaluation.reader import Reader, agreement, class_counts, class_entropy
from pgmviz.models.dbn import DBN
from pgmviz.models.rbm import RBM
from pgmviz.rng import as_rng
from pgmviz.sampling import chains


@dataclass
class Census:
    """The pictures, the classes the reader gives them and, for clamped drawings, the classes meant."""

    images: np.ndarray  # (n, n_v) float32 in [0, 1]
    read: np.ndarray  # (n,) the reader's classes
    intended: np.ndarray | None = None  # (n,) the clamped labels
    free_energy: float | None = None  # mean F(v_T) of RBM fantasies
    free_energy_test: float | None = None  # mean F(v) of real held-out digits, same model

    @property
    def counts(self) -> np.ndarray:
        return class_counts(self.read)

    @property
    def entropy(self) -> float:
        """Bits: log2 10 = 3.32 when the reader sees all ten classes equally often."""
        return class_entropy(self.read)

    @property
    def per_class(self) -> np.ndarray:
        """(10, 2): drawings meant as k, and of those read as k (clamped censuses only)."""
        if self.intended is None:
            raise ValueError("nothing was clamped: there is no intended class")
        return agreement(self.read, self.intended)

    @property
    def accuracy(self) -> float:
        """Fraction of clamped drawings read as the clamped class."""
        if self.intended is None:
            raise ValueError("nothing was clamped: there is no intended class")
        return float((self.read == self.intended).mean())


def fantasy_census(rbm: RBM, reader: Reader, X_test: np.ndarray, n_chains: int = 300, n_steps: int = 1000,
                   seed: int = 0) -> Census:
    """n_chains chains from uniform noise (`chains.start_noise`), n_steps sweeps (`chains.run_chains`)."""
    V0 = chains.start_noise(n_chains, rbm.n_v, seed)
    rec = chains.run_chains(rbm, V0, n_steps, every=n_steps, rng=seed + 1)
    P = rec.P_v[-1].astype(np.float32)
    return Census(P, reader.read(P), None, float(rec.free_energy[-1].mean()),
                  float(rbm.free_energy(X_test).mean()))


def clamped_census(net: DBN, reader: Reader, n_per_label: int = 30, T: int = 1000, seed: int = 0) -> Census:
    """n_per_label drawings of each label 0..9 (`DBN.generate` with ``clamp_labels``), read."""
    y = np.repeat(np.arange(net.n_labels), n_per_label)
    X = net.generate(T, len(y), as_rng(seed), clamp_labels=y)[0]
    return Census(X, reader.read(X), y)


def free_census(net: DBN, reader: Reader, n: int = 300, T: int = 1000, seed: int = 0) -> Census:
    """n free samples (`DBN.generate`, labels free in the top chain), read."""
    X = net.generate(T, n, as_rng(seed))[0]
    return Census(X, reader.read(X))


def round_trip_census(net: DBN, reader: Reader, X: np.ndarray, y: np.ndarray, seed: int = 0) -> Census:
    """Real digits up and down again: h ~ p(h_{l+1} | h_l) to the top RBM's visible layer, then `DBN.down_pass`.

    The drawings take the same top-down pass from the top RBM's states, so the share read right here
    is about what the lower layers let a top RBM reach whose states look like real digits' posteriors
    (a top that draws more typical states than the average digit's can do a little better).
    """
    rng = as_rng(seed)
    H = net.up_pass(X, sample=True, rng=rng)
    images = net.down_pass(H[-1], len(H) - 1, rng)[0].astype(np.float32)
    return Census(images, reader.read(images), np.asarray(y).astype(np.int64).ravel())


def compare_fantasies(models: dict[str, RBM], reader: Reader, X_test: np.ndarray, n_chains: int = 30,
                      n_steps: int = 1000, seed: int = 0) -> dict[str, Census]:
    """`fantasy_census` of each model from the same noise (the same seed): CD-1 vs PCD vs PA, side by side."""
    return {name: fantasy_census(rbm, reader, X_test, n_chains, n_steps, seed) for name, rbm in models.items()}


def describe_reading(c: Census) -> str:
    """One sentence a page can show: what the reader makes of the pictures."""
    counts = c.counts
    top = int(np.argmax(counts))
    n, n_classes = int(counts.sum()), int((counts > 0).sum())
    if c.intended is not None:
        return f"{int((c.read == c.intended).sum())} of {n} drawings read as the clamped digit"
    return (f"read as {n_classes} different digit{'s' if n_classes != 1 else ''} "
            f"(most often {top}: {int(counts[top])} of {n}; {c.entropy:.2f} bits)")


# The settings the bundled label DBNs are judged with (scripts, tests and pages use the same).
CLAMPED = {"n_per_label": 30, "T": 1000, "seed": 0}
FREE = {"n": 300, "T": 1000, "seed": 1}


def judge_label_dbn(net: DBN, reader: Reader) -> dict:
    """The clamped drawings and free samples of a label DBN as ``reader`` reads them, as JSON-able meta."""
    clamped = clamped_census(net, reader, **CLAMPED)
    free = free_census(net, reader, **FREE)
    return {"clamped": {**CLAMPED, "accuracy": clamped.accuracy, "per_class": clamped.per_class.tolist()},
            "free": {**FREE, "counts": free.counts.tolist(), "entropy_bits": free.entropy},
            "reader_test_accuracy": reader.test_accuracy}
