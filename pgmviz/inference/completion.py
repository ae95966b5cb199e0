"""Pattern completion: p(v_free | evidence) in an RBM, sampled by clamped block Gibbs, by mean field, exactly.

Orientation as in `pgmviz.models.rbm`: ``W`` (n_v, n_h). Evidence about an image x comes in two kinds:

    clamped pixels C   v_C = x_C exactly (the pixels we see)
    noisy pixels N     each seen through a channel that flips a bit with probability eps, a factor
                       prod_i eps^[v_i != x_i] (1 - eps)^[v_i = x_i] on p(v)

and the rest, free pixels F = everything not clamped (hidden, or seen through noise). Because the
energy is linear in each v_i, conditioning gives another RBM over the free pixels alone:

    p(v_F | evidence) = exp(-F'(v_F)) / Z'   with   W' = W[F],   c' = c + x_C . W[C],
                                                     b'_i = b_i + (2 x_i - 1) log((1 - eps) / eps)  (i noisy)

so clamped block Gibbs is block Gibbs in that RBM (`condition`), the exact conditional is its
p(v) by enumeration when F is small (`exact_conditional`), and mean field is its fixed-point
iteration mu_h = sigmoid(c' + mu_v W'), mu_v = sigmoid(b' + W' mu_h). An undirected model answers
any question of this form with the same machinery: "direct inference of any subset given any evidence".
The label DBN's two directions (label from image, image from label) are in `label_completion`; the
lesson's two studies (the models compared, a small patch done exactly) in `completion_studies`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.models.rbm import RBM, bernoulli, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states, log_p_v_all
from pgmviz.special import bernoulli_entropy

SIDES = ("top", "bottom", "left", "right")
MAX_EXACT_FREE = 20  # exact_conditional enumerates 2^n_free completions
MAX_STEPS = 5000  # a page asking for more is refused, not left hanging


# ------------------------------------------------------------------------------------ masks
# A mask is a boolean (n_v,) vector, True where the pixel is observed (rows of the image, row-major).
def hide_half(shape: tuple[int, int], side: str = "bottom") -> np.ndarray:
    """Observed mask that hides one half of an image of ``shape`` (rows, cols): top, bottom, left or right."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}; got {side!r}")
    rows, cols = shape
    seen = np.ones(shape, dtype=bool)
    r, c = rows // 2, cols // 2
    {"top": lambda: seen[:r].fill(False), "bottom": lambda: seen[r:].fill(False),
     "left": lambda: seen[:, :c].fill(False), "right": lambda: seen[:, c:].fill(False)}[side]()
    return seen.ravel()


def hide_box(shape: tuple[int, int], top: int, left: int, height: int, width: int) -> np.ndarray:
    """Observed mask that hides the box rows top..top+height-1, cols left..left+width-1 (clipped to the image)."""
    if height < 1 or width < 1:
        raise ValueError(f"a box needs a positive size; got {height}x{width}")
    seen = np.ones(shape, dtype=bool)
    seen[max(0, top):max(0, top + height), max(0, left):max(0, left + width)] = False
    return seen.ravel()


def hide_random(n_v: int, fraction: float, rng: int | np.random.Generator | None = 0) -> np.ndarray:
    """Observed mask that hides round(fraction * n_v) pixels chosen uniformly at random."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1]; got {fraction}")
    seen = np.ones(n_v, dtype=bool)
    seen[as_rng(rng).choice(n_v, size=int(round(fraction * n_v)), replace=False)] = False
    return seen


def hide_brush(paint: np.ndarray, shape: tuple[int, int], threshold: float = 0.25) -> np.ndarray:
    """Observed mask from a painted picture (H, W) or (H, W, 4): a pixel is hidden where paint covers
    more than ``threshold`` of its area (alpha, or brightness without an alpha channel)."""
    a = np.asarray(paint)
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., 3]
    elif a.ndim == 3 and a.shape[2] == 3:
        a = a.mean(axis=2)
    if a.ndim != 2 or min(a.shape) < 1:
        raise ValueError(f"expected a picture of shape (H, W) or (H, W, 3 or 4); got {np.shape(paint)}")
    a = a.astype(np.float64) / (255.0 if a.dtype == np.uint8 or a.max(initial=0) > 1 else 1.0)
    rows = np.minimum(np.arange(a.shape[0]) * shape[0] // a.shape[0], shape[0] - 1)  # canvas row -> image row
    cols = np.minimum(np.arange(a.shape[1]) * shape[1] // a.shape[1], shape[1] - 1)
    cover = np.zeros(shape)
    count = np.zeros(shape)
    np.add.at(cover, (rows[:, None], cols[None, :]), a)  # area average over each image pixel's canvas cells
    np.add.at(count, (rows[:, None], cols[None, :]), 1.0)
    return (cover / np.maximum(count, 1) <= threshold).ravel()


def flip_pixels(x: np.ndarray, fraction: float, rng: int | np.random.Generator | None = 0) -> np.ndarray:
    """x with each bit flipped independently with probability ``fraction`` (the channel `Evidence` models)."""
    if not 0.0 <= fraction <= 0.5:
        raise ValueError(f"a flip rate must lie in [0, 0.5]; got {fraction}")
    x = np.asarray(x, dtype=np.float64)
    flip = as_rng(rng).random(x.shape) < fraction
    return np.where(flip, 1.0 - x, x)


# ------------------------------------------------------------------------------------ evidence
@dataclass(frozen=True)
class Evidence:
    """What is known of one image: values ``x`` (n_v,) in {0, 1} at the ``observed`` pixels.

    ``flip = 0``: observed pixels are clamped. ``flip = eps > 0``: each observed pixel is x_i flipped
    with probability eps (soft evidence, a bias shift); unobserved pixels carry no evidence.
    """

    x: np.ndarray
    observed: np.ndarray
    flip: float = 0.0

    def __post_init__(self) -> None:
        x = check_visible(np.asarray(self.x, dtype=np.float64).ravel(), np.size(self.x))[0]
        observed = np.asarray(self.observed, dtype=bool).ravel()
        if observed.shape != x.shape:
            raise ValueError(f"the mask has {observed.size} pixels, the image {x.size}")
        if not 0.0 <= self.flip < 0.5:
            raise ValueError(f"flip must lie in [0, 0.5); got {self.flip}")
        object.__setattr__(self, "x", np.round(x))
        object.__setattr__(self, "observed", observed)

    @property
    def clamped(self) -> np.ndarray:
        """Pixels held fixed: observed without noise. (n_v,) bool"""
        return self.observed & (self.flip == 0)

    @property
    def free(self) -> np.ndarray:
        """Pixels the sampler draws: hidden ones, and noisy observed ones. (n_v,) bool"""
        return ~self.clamped

    def fill(self, V_free: np.ndarray) -> np.ndarray:
        """Whole images from free-pixel values (..., n_free): clamped pixels at x. -> (..., n_v)"""
        V_free = np.asarray(V_free, dtype=np.float64)
        out = np.broadcast_to(self.x, V_free.shape[:-1] + self.x.shape).copy()
        out[..., self.free] = V_free
        return out


HIDINGS = ("half", "box", "random", "brush", "flip")


def make_evidence(x: np.ndarray, hiding: str, shape: tuple[int, int], *, side: str = "bottom",
                  box: tuple[int, int, int] = (8, 8, 12), fraction: float = 0.5, flip: float = 0.1,
                  paint: np.ndarray | None = None, seed: int = 0) -> Evidence:
    """The evidence a page's hiding setting leaves of the true digit x: a half, a square box (top, left, size),
    a random fraction or a painted region hidden, or every pixel seen with a fraction ``flip`` of them flipped."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if hiding == "flip":
        return Evidence(flip_pixels(x, flip, seed), np.ones(x.size, dtype=bool), flip)
    if hiding == "half":
        seen = hide_half(shape, side)
    elif hiding == "box":
        seen = hide_box(shape, box[0], box[1], box[2], box[2])
    elif hiding == "random":
        seen = hide_random(x.size, fraction, seed)
    elif hiding == "brush":
        seen = hide_brush(paint, shape) if paint is not None else np.ones(x.size, dtype=bool)
    else:
        raise ValueError(f"hiding must be one of {HIDINGS}; got {hiding!r}")
    if seen.all():
        raise ValueError("nothing is hidden: hide some pixels first")
    return Evidence(x, seen)


def condition(rbm: RBM, ev: Evidence) -> RBM:
    """The RBM of p(v_F | evidence): W' = W[F], c' = c + x_C.W[C], b' = b_F (+ (2x - 1) log((1 - eps)/eps) if noisy)."""
    if ev.x.size != rbm.n_v:
        raise ValueError(f"the evidence has {ev.x.size} pixels, the model {rbm.n_v} visible units")
    if not rbm.is_finite():
        raise ValueError("the model has NaN or infinite parameters")
    F, C = ev.free, ev.clamped
    if not F.any():
        raise ValueError("every pixel is clamped: there is nothing to fill in")
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (rbm.W, rbm.b, rbm.c))
    b_free = b[F].copy()
    if ev.flip > 0:
        noisy = ev.observed[F]  # noisy pixels among the free ones
        b_free[noisy] += (2 * ev.x[F][noisy] - 1) * np.log((1 - ev.flip) / ev.flip)
    return RBM(W[F], b_free, c + ev.x[C] @ W[C])


# ------------------------------------------------------------------------------------ exact answers
def exact_conditional(rbm: RBM, ev: Evidence) -> np.ndarray:
    """p(v_F | evidence) for every completion v_F, rows ordered as ``all_states(n_free)``. (2^n_free,)"""
    n_free = int(ev.free.sum())
    if n_free > MAX_EXACT_FREE:
        raise ValueError(f"{n_free} free pixels: 2^{n_free} completions are too many to enumerate "
                         f"(at most {MAX_EXACT_FREE} free pixels)")
    return np.exp(log_p_v_all(condition(rbm, ev)))


def state_index(V: np.ndarray) -> np.ndarray:
    """Row index in ``all_states(n)`` of each binary row of V (..., n): unit 0 most significant."""
    V = np.asarray(V)
    n = V.shape[-1]
    return (V.astype(np.int64) << np.arange(n - 1, -1, -1)).sum(axis=-1)


def product_table(q: np.ndarray) -> np.ndarray:
    """prod_i q_i^v_i (1 - q_i)^(1 - v_i) for every v in ``all_states(len(q))``: a factorial distribution."""
    S = all_states(len(q))
    q = np.asarray(q, dtype=np.float64)
    return np.prod(np.where(S > 0, q, 1 - q), axis=1)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = 1/2 sum |p - q|."""
    return float(0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum())


# ------------------------------------------------------------------------------------ the samplers
@dataclass
class CompletionRun:
    """Frames of a completion. ``P_v[t]`` (n, n_v): clamped pixels at x, free ones at p(v_i | h_t)
    (Gibbs) or mu_i after t iterations (mean field); frame 0 is the start. ``V_free[t]`` (n, n_free)
    uint8: the Gibbs sample at step t (None for mean field)."""

    method: str
    P_v: np.ndarray
    V_free: np.ndarray | None
    evidence: Evidence
    objective: np.ndarray | None = None  # mean field: its free energy after each iteration

    @property
    def n_steps(self) -> int:
        return self.P_v.shape[0] - 1

    def running_mean(self) -> np.ndarray:
        """Average of P_v over steps 1..t (frame 0 kept): the chain's estimate of p(v_i = 1 | evidence)."""
        out = self.P_v.astype(np.float64).copy()
        if self.n_steps:
            out[1:] = np.cumsum(out[1:], axis=0) / np.arange(1, self.n_steps + 1)[:, None, None]
        return out

    def _state_indices(self) -> np.ndarray:
        if self.V_free is None:
            raise ValueError("mean field draws no samples")
        if self.V_free.shape[2] > MAX_EXACT_FREE:
            raise ValueError(f"{self.V_free.shape[2]} free pixels: too many completions to count")
        return state_index(self.V_free[1:])  # (n_steps, n_chains): each sample's completion

    def sampled_conditional(self) -> np.ndarray:
        """Frequency of each completion over all chains and steps 1..n_steps. (2^n_free,)"""
        idx = self._state_indices()
        return np.bincount(idx.ravel(), minlength=2 ** self.V_free.shape[2]) / idx.size

    def tv_to(self, exact: np.ndarray) -> np.ndarray:
        """TV between the sampled conditional after each step (all chains, steps 1..t) and the exact one. (n_steps,)"""
        idx = self._state_indices()
        exact = np.asarray(exact, dtype=np.float64)
        counts, tv = np.zeros(exact.size), np.empty(self.n_steps)
        for t in range(self.n_steps):  # one table, updated per step: (n_steps, 2^n_free) would not fit for n = 16
            np.add.at(counts, idx[t], 1.0)
            tv[t] = 0.5 * np.abs(counts / ((t + 1) * idx.shape[1]) - exact).sum()
        return tv


def _start(ev: Evidence, n: int, start: str, rng: np.random.Generator) -> np.ndarray:
    """Free pixels' start (n, n_free): noisy ones at what was seen; hidden ones as ``start`` says."""
    if start not in ("noise", "off"):
        raise ValueError(f"start must be 'noise' or 'off'; got {start!r}")
    F = ev.free
    V = rng.random((n, int(F.sum()))) < 0.5 if start == "noise" else np.zeros((n, int(F.sum())), dtype=bool)
    seen = ev.observed[F]
    V[:, seen] = ev.x[F][seen] > 0
    return V.astype(np.float64)


def check_steps(n_steps: int, n_chains: int) -> None:
    """Refuse a run too long for a page (a ValueError the page shows) rather than hang it."""
    if not (1 <= n_steps <= MAX_STEPS and 1 <= n_chains <= 10_000):
        raise ValueError(f"need 1..{MAX_STEPS} steps and 1..10,000 chains; got {n_steps} and {n_chains}")


def clamped_gibbs(rbm: RBM, ev: Evidence, n_steps: int = 100, n_chains: int = 1, start: str = "noise",
                  rng: int | np.random.Generator | None = 0, keep: int | None = None) -> CompletionRun:
    """Block Gibbs with the evidence clamped: h ~ p(h | v), v_F ~ p(v_F | h) in the conditioned RBM, n_steps times.

    ``keep``: pictures P_v are kept for the first ``keep`` chains only (default all; the samples of
    every chain are kept): 100 chains x 1,000 steps of 784-pixel pictures would be 630 MB.
    """
    check_steps(n_steps, n_chains)
    keep = n_chains if keep is None else max(1, min(int(keep), n_chains))
    rng = as_rng(rng)
    cond = condition(rbm, ev)
    V = _start(ev, n_chains, start, rng)
    P_frames, V_frames = [V[:keep].copy()], [V.astype(np.uint8)]
    for _ in range(n_steps):
        P = cond.p_v_given_h(cond.sample_h(V, rng))
        V = bernoulli(P, rng)
        P_frames.append(P[:keep])
        V_frames.append(V.astype(np.uint8))
    return CompletionRun("gibbs", ev.fill(np.stack(P_frames)), np.stack(V_frames), ev)


def mean_field_objective(cond: RBM, mu_v: np.ndarray, mu_h: np.ndarray) -> np.ndarray:
    """Variational free energy E_q[E(v, h)] - H(q) of a factorial q(v, h) in the RBM ``cond`` (per row)."""
    mu_v, mu_h = np.atleast_2d(mu_v), np.atleast_2d(mu_h)
    energy = -(mu_v @ cond.b) - np.einsum("ni,ni->n", mu_v @ cond.W, mu_h) - mu_h @ cond.c
    return energy - bernoulli_entropy(mu_v) - bernoulli_entropy(mu_h)


def clamped_mean_field(rbm: RBM, ev: Evidence, n_steps: int = 50, start: str = "noise",
                       rng: int | np.random.Generator | None = 0) -> CompletionRun:
    """Mean field with the evidence clamped: mu_h = sigmoid(c' + mu_v W'), mu_v = sigmoid(b' + W' mu_h), n_steps times.

    Each half-step minimises the variational free energy over one layer exactly (the layers are
    conditionally independent), so ``objective`` never rises. ``start="noise"`` starts hidden pixels at 1/2.
    """
    check_steps(n_steps, 1)
    cond = condition(rbm, ev)
    mu_v = _start(ev, 1, "off", as_rng(rng))
    if start == "noise":
        mu_v[:, ~ev.observed[ev.free]] = 0.5
    elif start != "off":
        raise ValueError(f"start must be 'noise' or 'off'; got {start!r}")
    frames, objective = [mu_v.copy()], []
    for _ in range(n_steps):
        mu_h = cond.p_h_given_v(mu_v)
        mu_v = cond.p_v_given_h(mu_h)
        frames.append(mu_v)
        objective.append(mean_field_objective(cond, mu_v, cond.p_h_given_v(mu_v))[0])
    return CompletionRun("mean_field", ev.fill(np.stack(frames)), None, ev, np.array(objective))


# ------------------------------------------------------------------------------------ errors
@dataclass
class CompletionError:
    """Per frame, over the scored pixels and the chains: mean (p - x_true)^2 and the fraction wrong at p > 1/2."""

    squared: np.ndarray  # (n_frames,)
    wrong: np.ndarray  # (n_frames,)
    n_scored: int


def completion_error(P_v: np.ndarray, x_true: np.ndarray, scored: np.ndarray) -> CompletionError:
    """Error of pictures P_v (n_frames, n, n_v) against the true digit at the ``scored`` pixels."""
    x_true = np.asarray(x_true, dtype=np.float64).ravel()
    scored = np.asarray(scored, dtype=bool)
    if not scored.any():
        raise ValueError("no pixel to score")
    D = np.asarray(P_v, dtype=np.float64)[..., scored]  # (n_frames, n, n_scored)
    truth = x_true[scored]
    squared = ((D - truth) ** 2).mean(axis=(1, 2))
    wrong = ((D > 0.5) != (truth > 0.5)).mean(axis=(1, 2))
    return CompletionError(squared, wrong, int(scored.sum()))


def error_of(run: CompletionRun, x_true: np.ndarray, averaged: bool = False) -> CompletionError:
    """`completion_error` of a run at its free pixels (the hidden ones, or all of them under noise)."""
    return completion_error(run.running_mean() if averaged else run.P_v, x_true, run.evidence.free)
