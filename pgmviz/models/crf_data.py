"""A sequence task where transitions help: noisy glyphs whose labels follow a Markov chain (an HMM).

The labels y_1..y_T come from a Markov chain over K = 4 glyphs: p(y_1) uniform, then from each
label the chain stays with probability ``stay``, moves to the next glyph in a cycle with
probability ``step``, and jumps to one of the other two with the rest, shared evenly:

    P[j, j] = stay,   P[j, j+1 mod K] = step,   P[j, k] = (1 - stay - step) / (K - 2) otherwise.

Each column of P sums to one too, so the uniform start is the chain's stationary distribution:
every position's label is uniform on its own, and only the neighbours say more. Each position
shows its glyph, a 5x5 bitmap, with every pixel flipped independently with probability ``noise``:

    p(x_t | y_t = k) = prod_i q_ki^x_ti (1 - q_ki)^(1 - x_ti),
    q_ki = 1 - noise if pixel i of glyph k is on, else noise.

The generating HMM is itself a linear-chain CRF (`generating_hmm`): U_tk = log p(x_t | y_t = k),
A = log P, s = log p(y_1); it gives the best held-out numbers any model of p(y | x) can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.rng import as_rng

SHAPE = (5, 5)
_BARS = np.zeros((4, 5, 5))
_BARS[0, :, 2] = 1  # vertical bar
_BARS[1, 2, :] = 1  # horizontal bar
_BARS[2, np.arange(5), 4 - np.arange(5)] = 1  # rising diagonal
_BARS[3, np.arange(5), np.arange(5)] = 1  # falling diagonal
GLYPHS = _BARS.reshape(4, 25)  # (K, d): each glyph lights 5 pixels, any two share the centre
NAMES = ("│", "─", "╱", "╲")
MAX_SEQUENCES = 5000  # per split: the page's largest request, with room


def cyclic_transitions(stay: float, step: float, n_labels: int = len(GLYPHS)) -> np.ndarray:
    """P[j, j] = stay, P[j, j+1 mod K] = step, the rest (1 - stay - step) shared by the other K - 2. (K, K)"""
    if not (0.0 <= stay <= 1.0 and 0.0 <= step <= 1.0 and stay + step <= 1.0 + 1e-12):
        raise ValueError(f"stay and step must be probabilities with stay + step <= 1; got {stay}, {step}")
    K = n_labels
    P = np.full((K, K), (1.0 - stay - step) / (K - 2))
    P[np.arange(K), np.arange(K)] = stay
    P[np.arange(K), (np.arange(K) + 1) % K] = step
    return P


def markov_labels(n: int, T: int, P: np.ndarray, pi: np.ndarray, rng: int | np.random.Generator | None = 0
                  ) -> np.ndarray:
    """n label sequences of length T: y_1 ~ pi, y_t+1 ~ P[y_t]. (n, T) integers."""
    gen = as_rng(rng)
    Y = np.empty((n, T), dtype=np.int64)
    Y[:, 0] = gen.choice(len(pi), size=n, p=pi)
    cum = np.cumsum(P, axis=1)
    for t in range(1, T):
        u = gen.random(n)[:, None]
        Y[:, t] = np.minimum((u > cum[Y[:, t - 1]]).sum(axis=1), len(pi) - 1)  # inverse-CDF draw per row
    return Y


def observe(Y: np.ndarray, noise: float, rng: int | np.random.Generator | None = 0) -> np.ndarray:
    """Each label's glyph with every pixel flipped with probability ``noise``. (n, T, d) in {0, 1}."""
    gen = as_rng(rng)
    clean = GLYPHS[Y]
    flips = gen.random(clean.shape) < noise
    return np.where(flips, 1.0 - clean, clean)


@dataclass(frozen=True)
class SequenceTask:
    """Training and held-out sequences of one seed, and the chain that made them."""

    X_train: np.ndarray  # (n, T, d) noisy glyphs, 0/1
    Y_train: np.ndarray  # (n, T) labels
    X_test: np.ndarray
    Y_test: np.ndarray
    P: np.ndarray  # (K, K) the true transition matrix
    pi: np.ndarray  # (K,) the start distribution
    noise: float

    @property
    def n_labels(self) -> int:
        return len(self.pi)

    @property
    def n_inputs(self) -> int:
        return self.X_train.shape[2]


def make_task(n_train: int = 300, n_test: int = 300, length: int = 20, noise: float = 0.3, stay: float = 0.6,
              step: float = 0.35, seed: int = 0) -> SequenceTask:
    """Sequences of noisy glyphs whose labels follow `cyclic_transitions(stay, step)`; the same seed, the same task."""
    for name, value, low, high in (("n_train", n_train, 1, MAX_SEQUENCES), ("n_test", n_test, 1, MAX_SEQUENCES),
                                   ("length", length, 1, 200)):
        if int(value) != value or not low <= value <= high:
            raise ValueError(f"{name} must be a whole number in {low}..{high}; got {value!r}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must lie in [0, 0.5] (above 0.5 the glyphs are inverted); got {noise!r}")
    P = cyclic_transitions(stay, step)
    pi = np.full(len(P), 1.0 / len(P))
    gen = as_rng(seed)
    Y_train, Y_test = markov_labels(n_train, length, P, pi, gen), markov_labels(n_test, length, P, pi, gen)
    return SequenceTask(observe(Y_train, noise, gen), Y_train, observe(Y_test, noise, gen), Y_test, P, pi,
                        float(noise))


def emission_log_likelihood(X: np.ndarray, noise: float) -> np.ndarray:
    """log p(x_t | y_t = k) = sum_i x_ti log q_ki + (1 - x_ti) log(1 - q_ki). (n, T, K)"""
    q = np.clip(np.where(GLYPHS > 0, 1.0 - noise, noise), 1e-12, 1 - 1e-12)  # noise 0: log 0 made finite
    X = np.asarray(X, dtype=np.float64)
    return X @ np.log(q).T + (1.0 - X) @ np.log1p(-q).T


def generating_hmm(task: SequenceTask, X: np.ndarray, transitions: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(U, A, s) of the HMM that made the data, read as a CRF: p(y | x) is its exact posterior.

    ``transitions=False``: the best per-position model, p(y_t | x_t) ∝ p(y_t) p(x_t | y_t) with the
    uniform marginal p(y_t), so A = s = 0 (any constant in U cancels in the softmax).
    """
    U = emission_log_likelihood(X, task.noise)
    K = task.n_labels
    if not transitions:
        return U, np.zeros((K, K)), np.zeros(K)
    with np.errstate(divide="ignore"):  # a zero transition probability is a score of -inf: never taken
        return U, np.maximum(np.log(task.P), -1e6), np.log(task.pi)
