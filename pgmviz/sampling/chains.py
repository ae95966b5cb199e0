"""Fantasy chains: let block Gibbs sampling run on its own and record what the model dreams up.

One chain alternates h_t ~ p(h | v_t) and v_(t+1) ~ p(v | h_t), starting from some v_0 (noise, a
data vector, a drawing). After enough steps v_t is a sample from the model's own p(v): "a
fantasy". A step here is one full v -> h -> v update, as in `RBM.gibbs`.

What is recorded, for chains started from the rows of V0 (n chains) and run for T steps:

    step t = 0, m, 2m, ..., T   v_t, h_t ~ p(h | v_t) and p(v | h_t) (the mean the next v is drawn from)
    step t = 0, 1, ..., T       F(v_t) = -b.v_t - sum_j softplus(c_j + v_t.W[:, j])

Successive samples are too correlated to be worth a frame each, so the pictures keep one frame
every m steps; the free energy is one number per chain and step, so it is kept for every step.

The RBM is only read, never changed. Drawing the record (frames, palette, GIF) is `pgmviz.chain_frames`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from pgmviz.models.rbm import RBM, bernoulli, check_visible, sigmoid, softplus
from pgmviz.rng import as_rng

# Memory guard: frames x chains x (n_v + n_h) recorded values (about two bytes each: v and h as
# uint8, p(v|h) as float16, plus about the same again for the animation frames). 16 M values is
# ~100 chains x 125 frames of a 784x500 model.
MAX_RECORDED_VALUES = 16_000_000
# F(v) is one float64 per chain and step.
MAX_FREE_ENERGY_VALUES = 20_000_000


# --- start states ------------------------------------------------------------------------------
def start_noise(n: int, n_v: int, rng: int | np.random.Generator | None = None,
                p: float | np.ndarray = 0.5) -> np.ndarray:
    """n random binary vectors with P(v_i = 1) = p: uniform bits (p = 0.5) or a base rate.

    Parameters
    ----------
    n, n_v : int
        Number of chains and visible units.
    p : float or ndarray of shape (n_v,)
        Probability that a pixel is on: one number, or one per pixel (e.g. the training data's
        pixel means, so the noise has the data's base rate).

    Returns
    -------
    ndarray of shape (n, n_v), float32 in {0, 1}
    """
    p = np.broadcast_to(np.asarray(p, dtype=np.float64), (n_v,))
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("the base rate p must lie in [0, 1]")
    if n < 1:
        raise ValueError(f"need at least one chain; got n={n}")
    return (as_rng(rng).random((n, n_v)) < p).astype(np.float32)


def start_data(X: np.ndarray, n: int, rng: int | np.random.Generator | None = None) -> np.ndarray:
    """n rows of X picked at random (without replacement while X has enough rows). (n, n_v)"""
    X = np.atleast_2d(np.asarray(X))
    if X.shape[0] == 0:
        raise ValueError("no data to start the chains from")
    if n < 1:
        raise ValueError(f"need at least one chain; got n={n}")
    rng = as_rng(rng)
    idx = rng.choice(X.shape[0], size=n, replace=n > X.shape[0])
    return X[idx].astype(np.float32)


def start_image(img: np.ndarray, image_shape: tuple[int, int], n: int, threshold: float = 0.5) -> np.ndarray:
    """n copies of one picture of a digit (e.g. a drawing), prepared like MNIST and thresholded.

    The picture is centred and scaled like an MNIST digit (`pgmviz.user_digits.digit_from_array`), averaged
    down to the model's square ``image_shape`` (e.g. 16x16) and thresholded to binary.
    Returns ndarray of shape (n, h * w), float32 in {0, 1}.
    """
    from pgmviz.data import SIDE, downsample
    from pgmviz.user_digits import digit_from_array

    h, w = image_shape
    if h != w or not 1 <= h <= SIDE:
        raise ValueError(f"a drawing can start a model of square images up to {SIDE}x{SIDE}; this one is {h}x{w}")
    if n < 1:
        raise ValueError(f"need at least one chain; got n={n}")
    x = digit_from_array(img)                         # (784,) float32 in [0, 1]
    if h != SIDE:
        x = downsample(x, h)                          # (h * h,)
    v = (x > threshold).astype(np.float32)
    return np.repeat(v[None, :], n, axis=0)


# --- the record --------------------------------------------------------------------------------
@dataclass
class ChainRecord:
    """What `run_chains` kept: pictures every ``every`` steps, the free energy at every step."""

    steps: np.ndarray        # (n_frames,) the Gibbs step of each frame: 0, m, 2m, ..., T
    V: np.ndarray            # (n_frames, n, n_v) uint8: the samples v_t
    P_v: np.ndarray          # (n_frames, n, n_v) float16: p(v | h_t), the mean of v_(t+1)
    H: np.ndarray            # (n_frames, n, n_h) uint8: h_t ~ p(h | v_t)
    free_energy: np.ndarray  # (T + 1, n) float64: F(v_t) for t = 0..T
    every: int               # m
    seconds: float           # wall time of the sampling

    @property
    def n_frames(self) -> int:
        return self.V.shape[0]

    @property
    def n_chains(self) -> int:
        return self.V.shape[1]

    @property
    def n_steps(self) -> int:
        return self.free_energy.shape[0] - 1

    def frame_free_energy(self, frame: int) -> np.ndarray:
        """F(v) of each chain at the given frame. (n,)"""
        return self.free_energy[self.steps[frame]]


def frame_steps(n_steps: int, every: int) -> np.ndarray:
    """The steps that get a frame: 0, m, 2m, ... and always the last step T."""
    steps = np.arange(0, n_steps + 1, every)
    if steps[-1] != n_steps:
        steps = np.append(steps, n_steps)
    return steps


def check_request(n_chains: int, n_v: int, n_h: int, n_steps: int, every: int) -> int:
    """Validate a chain request against the memory caps; return the number of frames.

    Raises ValueError with a message a student can act on when the request is too big.
    """
    for name, value, lo in (("number of chains", n_chains, 1), ("number of steps", n_steps, 0),
                            ("frame interval m", every, 1)):
        if not isinstance(value, (int, np.integer)) or value < lo:
            raise ValueError(f"the {name} must be an integer >= {lo}; got {value!r}")
    n_frames = len(frame_steps(n_steps, every))
    values = n_frames * n_chains * (n_v + n_h)
    if values > MAX_RECORDED_VALUES:
        # the largest frame count that would fit, as a suggestion
        fit = max(1, MAX_RECORDED_VALUES // (n_chains * (n_v + n_h)))
        m_ok = int(np.ceil(n_steps / max(fit - 1, 1)))
        raise ValueError(
            f"Too much to record: {n_frames:,} frames x {n_chains} chains x {n_v + n_h} units "
            f"= {values:,} values (the limit is {MAX_RECORDED_VALUES:,}). Use fewer chains, fewer "
            f"steps, or keep a frame less often (m >= {m_ok} would fit)."
        )
    f_values = (n_steps + 1) * n_chains
    if f_values > MAX_FREE_ENERGY_VALUES:
        raise ValueError(
            f"Too many steps: {n_steps + 1:,} steps x {n_chains} chains of free energies "
            f"= {f_values:,} values (the limit is {MAX_FREE_ENERGY_VALUES:,}). Use fewer steps or chains."
        )
    return n_frames


def run_chains(
    rbm: RBM,
    V0: np.ndarray,
    n_steps: int,
    every: int = 1,
    rng: int | np.random.Generator | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ChainRecord:
    """Run one block-Gibbs chain from each row of V0 for ``n_steps`` steps and record it.

    Parameters
    ----------
    rbm : RBM
        The model (read only).
    V0 : ndarray of shape (n, n_v)
        Binary start states, one chain per row.
    n_steps : int
        T, the number of v -> h -> v steps.
    every : int
        m: keep the pictures (v, p(v|h), h) of one step in m; the free energy is kept every step.
    rng : int, Generator or None
        Same seed, same chains.
    progress : callable(step, n_steps), optional
        Called now and then while sampling (for a progress bar).

    Returns
    -------
    ChainRecord
    """
    V = check_visible(V0, rbm.n_v, rbm.dtype)
    if not np.isin(V, (0, 1)).all():
        raise ValueError("start states must be binary (0 or 1); threshold or sample them first")
    n = V.shape[0]
    n_frames = check_request(n, rbm.n_v, rbm.n_h, n_steps, every)
    rng = as_rng(rng)
    steps = frame_steps(n_steps, every)
    rec_V = np.empty((n_frames, n, rbm.n_v), dtype=np.uint8)
    rec_P = np.empty((n_frames, n, rbm.n_v), dtype=np.float16)
    rec_H = np.empty((n_frames, n, rbm.n_h), dtype=np.uint8)
    F = np.empty((n_steps + 1, n), dtype=np.float64)

    start = time.perf_counter()
    report_every = max(1, n_steps // 100)
    _sample(rbm, V, n_steps, steps, rng, rec_V, rec_P, rec_H, F, progress, report_every)
    if progress is not None:
        progress(n_steps, n_steps)
    return ChainRecord(steps, rec_V, rec_P, rec_H, F, int(every), time.perf_counter() - start)


def _sample(rbm, V, n_steps, steps, rng, rec_V, rec_P, rec_H, F, progress, report_every) -> None:
    """The Gibbs loop of `run_chains`, filling the record arrays in place."""
    W, b, c = rbm.W, rbm.b, rbm.c
    n_frames = len(steps)
    frame = 0
    for t in range(n_steps + 1):
        act_h = V @ W + c                                     # (n, n_h): c_j + v.W[:, j]
        F[t] = -(V @ b) - softplus(act_h).sum(axis=1)         # the same sum as RBM.free_energy
        H = bernoulli(sigmoid(act_h), rng)                    # h_t ~ p(h | v_t)
        P_v = sigmoid(H @ W.T + b)                            # (n, n_v): p(v | h_t)
        if frame < n_frames and steps[frame] == t:
            rec_V[frame], rec_P[frame], rec_H[frame] = V, P_v, H
            frame += 1
        if t == n_steps:
            break
        V = bernoulli(P_v, rng)                               # v_(t+1) ~ p(v | h_t)
        if progress is not None and (t + 1) % report_every == 0:
            progress(t + 1, n_steps)
