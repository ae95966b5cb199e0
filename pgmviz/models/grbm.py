"""An RBM with real-valued (Gaussian) visible units and binary hidden units.

Same orientation as `pgmviz.models.rbm`: ``W`` has shape (n_v, n_h), batches are rows. Each visible
unit has its own standard deviation ``sigma`` (n_v,):

    E(v, h)    = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij (v_i / sigma_i) W_ij h_j
    F(v)       = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(c_j + (v / sigma).W[:, j])
    p(h_j=1|v) = sigmoid(c_j + (v / sigma).W[:, j])
    p(v_i|h)   = Normal(mean = b_i + sigma_i W[i, :].h, variance = sigma_i^2)

It has the methods `pgmviz.training.train.Trainer` calls (see `pgmviz.models.rbm.RBM`), so the one
Trainer trains it with CD-k (and momentum, weight decay, divergence guards). Two ways to use it:

* ``sigma`` fixed at 1 on data standardised to zero mean and unit variance per component (the
  usual recipe; Hinton's practical guide, section 13.2). Only W, b and c are learned.
* ``learn_sigma=True``: sigma is learned too, through log sigma so it stays positive. This is
  what lets the model make *sharp* predictions (a small sigma) where the data are concentrated,
  which a logistic unit cannot do (see `logistic_mean_field_free_energy`). It is slower and
  needs a smaller learning rate (``sigma_lr_scale`` times the trainer's); sigma is kept above ``min_sigma``.

The hidden units sum over in closed form, so F(v) is exact; with a handful of hidden units the
sum over h of the Gaussian integrals over v gives log Z exactly (`log_Z_exact`).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.rng import as_rng
from pgmviz.special import sigmoid, softplus


@dataclass
class GaussianRBM:
    """Gaussian visible, binary hidden: ``W`` (n_v, n_h), ``b`` (n_v,), ``c`` (n_h,), ``sigma`` (n_v,)."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    sigma: np.ndarray
    learn_sigma: bool = False  # sigma a parameter (through log sigma) or fixed
    sigma_lr_scale: float = 0.1  # log sigma's learning rate relative to W's
    min_sigma: float = 0.02  # a sigma shrinking towards 0 would make the density blow up on a point

    visible_units = "gaussian"
    hidden_units = "bernoulli"

    def __post_init__(self) -> None:
        self.W, self.b, self.c, self.sigma = (np.array(x, dtype=np.float64)
                                              for x in (self.W, self.b, self.c, self.sigma))
        if self.W.ndim != 2:
            raise ValueError(f"W must be 2-D (n_v, n_h); got shape {self.W.shape}")
        n_v, n_h = self.W.shape
        for name, x, n in (("b", self.b, n_v), ("c", self.c, n_h), ("sigma", self.sigma, n_v)):
            if x.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},) to match W {self.W.shape}; got {x.shape}")
        if not (self.sigma > 0).all():
            raise ValueError("every sigma must be positive")

    @classmethod
    def random(cls, n_v: int, n_h: int, seed: int | np.random.Generator | None = 0, data: np.ndarray | None = None,
               scale: float = 0.1, learn_sigma: bool = False) -> "GaussianRBM":
        """W ~ N(0, scale^2), c = 0, sigma = 1, b = the data mean (0 without data)."""
        rng = as_rng(seed)
        b = np.zeros(n_v) if data is None else np.asarray(data, dtype=np.float64).mean(axis=0)
        return cls(rng.normal(0.0, scale, (n_v, n_h)), b, np.zeros(n_h), np.ones(n_v), learn_sigma)

    def copy(self) -> "GaussianRBM":
        return GaussianRBM(self.W.copy(), self.b.copy(), self.c.copy(), self.sigma.copy(), self.learn_sigma,
                           self.sigma_lr_scale, self.min_sigma)

    @property
    def dtype(self) -> np.dtype:
        return self.W.dtype

    def is_finite(self) -> bool:
        return all(np.isfinite(x).all() for x in (self.W, self.b, self.c, self.sigma))

    @property
    def n_v(self) -> int:
        return self.W.shape[0]

    @property
    def n_h(self) -> int:
        return self.W.shape[1]

    # ------------------------------------------------------------------ energies
    def energy(self, V: np.ndarray, H: np.ndarray) -> np.ndarray:
        """E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - (v / sigma).W.h. (n,)"""
        V, H = self._visible(V), np.atleast_2d(np.asarray(H, dtype=np.float64))
        quad = (((V - self.b) / self.sigma) ** 2).sum(axis=1) / 2
        return quad - H @ self.c - np.einsum("nj,nj->n", (V / self.sigma) @ self.W, H)

    def free_energy(self, V: np.ndarray) -> np.ndarray:
        """F(v) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(c_j + (v / sigma).W[:, j]). (n,)"""
        V = self._visible(V)
        quad = (((V - self.b) / self.sigma) ** 2).sum(axis=1) / 2
        return quad - softplus((V / self.sigma) @ self.W + self.c).sum(axis=1)

    def log_Z_exact(self, max_hidden: int = 20) -> float:
        """log Z = log sum_h exp(c.h) prod_i sqrt(2 pi) sigma_i exp(b_i m_i / sigma_i + m_i^2 / 2), m = W h.

        Each h leaves a product of Gaussian integrals over v, done in closed form; the sum over
        the 2^n_h hidden states is enumerated (feasible for n_h <= ``max_hidden``).
        """
        if self.n_h > max_hidden:
            raise ValueError(f"enumerating 2^{self.n_h} hidden states is too many (max_hidden={max_hidden})")
        H = np.array(list(itertools.product([0.0, 1.0], repeat=self.n_h)))  # (2^n_h, n_h)
        M = H @ self.W.T  # (2^n_h, n_v): W h for each h
        terms = H @ self.c + (self.b / self.sigma * M + M**2 / 2).sum(axis=1)
        return float(logsumexp(terms) + (0.5 * np.log(2 * np.pi) + np.log(self.sigma)).sum())

    def log_p(self, V: np.ndarray) -> np.ndarray:
        """log p(v) = -F(v) - log Z (a density over R^n_v), exact for small n_h. (n,)"""
        return -self.free_energy(V) - self.log_Z_exact()

    # ------------------------------------------------------------------ conditionals
    def p_h_given_v(self, V: np.ndarray) -> np.ndarray:
        """p(h_j = 1 | v) = sigmoid(c_j + (v / sigma).W[:, j]). V (n, n_v) -> (n, n_h)."""
        return sigmoid((self._visible(V) / self.sigma) @ self.W + self.c)

    def mean_v_given_h(self, H: np.ndarray) -> np.ndarray:
        """E[v_i | h] = b_i + sigma_i W[i, :].h. H (n, n_h) -> (n, n_v). (The variance is sigma_i^2.)"""
        return self.b + self.sigma * (np.atleast_2d(np.asarray(H, dtype=np.float64)) @ self.W.T)

    p_v_given_h = mean_v_given_h  # the name Trainer's mean-field negative phase calls

    def sample_h(self, V: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw h ~ p(h | v)."""
        return self.draw_h(self.p_h_given_v(V), as_rng(rng))

    def draw_h(self, P_h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """h ~ Bernoulli(P_h), P_h = p(h = 1 | v)."""
        return (rng.random(P_h.shape) < P_h).astype(np.float64)

    def sample_v(self, H: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw v ~ Normal(b + sigma * W h, sigma^2), independently per unit."""
        mu = self.mean_v_given_h(H)
        return mu + self.sigma * as_rng(rng).standard_normal(mu.shape)

    def gibbs(self, V: np.ndarray, k: int = 1, rng: int | np.random.Generator | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """k block-Gibbs steps v -> h -> v from each row of V; returns (v_k, h drawn from p(h | v_k))."""
        rng = as_rng(rng)
        V = self._visible(V)
        H = self.sample_h(V, rng)
        for _ in range(k):
            V = self.sample_v(H, rng)
            H = self.sample_h(V, rng)
        return V, H

    def sample(self, n: int, n_steps: int = 200, rng: int | np.random.Generator | None = None,
               start: np.ndarray | None = None) -> np.ndarray:
        """n samples after ``n_steps`` Gibbs steps from ``start`` (default: draws from N(b, sigma^2))."""
        rng = as_rng(rng)
        V = self.b + self.sigma * rng.standard_normal((n, self.n_v)) if start is None else start
        return self.gibbs(V, n_steps, rng)[0]

    def sample_means(self, n: int, n_steps: int = 1000, rng: int | np.random.Generator | None = None
                     ) -> np.ndarray:
        """E[v | h] at the end of n Gibbs chains: the picture of each sample without its sigma-sized
        pixel noise (with sigma = 1 on standardised pixels the noise would hide the shape). (n, n_v)"""
        rng = as_rng(rng)
        return self.mean_v_given_h(self.sample_h(self.sample(n, n_steps, rng), rng))

    def reconstruct(self, V: np.ndarray, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """E[v | h] with h = p(h | v) (mean field), or h sampled when rng is given."""
        P_h = self.p_h_given_v(V)
        return self.mean_v_given_h(P_h if rng is None else self.draw_h(P_h, as_rng(rng)))

    # ------------------------------------------------------------------ what Trainer needs
    def check_data(self, V: np.ndarray) -> np.ndarray:
        """Training data: rows of n_v finite real numbers (standardise them first when sigma is fixed at 1)."""
        V = np.atleast_2d(np.asarray(V))
        if V.dtype.kind not in "biuf":
            raise ValueError(f"visible data must be numeric; got dtype {V.dtype}")
        V = self._visible(V)
        if not np.isfinite(V).all():
            raise ValueError("visible data contains NaN or infinite values")
        return V

    def visible_statistics(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(v / sigma, (v - b) / sigma^2): -dE/dW_ij = (v_i / sigma_i) h_j and -dE/db_i = (v_i - b_i) / sigma_i^2."""
        return V / self.sigma, (V - self.b) / self.sigma**2

    def extra_gradients(self, V_pos, P_pos, V_neg, P_neg, w) -> dict[str, np.ndarray]:
        """With ``learn_sigma``: d log p / d log sigma_i = <-dE/d log sigma_i>_data - <...>_model, where
        -dE/d log sigma_i = (v_i - b_i)^2 / sigma_i^2 - (v_i / sigma_i) W[i, :].h (scaled by ``sigma_lr_scale``)."""
        if not self.learn_sigma:
            return {}

        def minus_dE(V, P):  # -dE/d log sigma per row
            return ((V - self.b) / self.sigma) ** 2 - (V / self.sigma) * (P @ self.W.T)

        return {"log_sigma": self.sigma_lr_scale * (minus_dE(V_pos, P_pos).mean(axis=0) - w @ minus_dE(V_neg, P_neg))}

    def apply_extra(self, steps: dict[str, np.ndarray]) -> None:
        """log sigma += step, sigma kept above ``min_sigma``."""
        if "log_sigma" in steps:
            self.sigma = np.maximum(self.sigma * np.exp(steps["log_sigma"]), self.min_sigma)

    def _visible(self, V: np.ndarray) -> np.ndarray:
        V = np.atleast_2d(np.asarray(V, dtype=np.float64))
        if V.ndim != 2 or V.shape[1] != self.n_v:
            raise ValueError(f"visible data must have shape (n, {self.n_v}); got {V.shape}")
        return V


# ---------------------------------------------------------------------------- learning
def fit(model: GaussianRBM, X: np.ndarray, epochs: int, lr: float = 0.01, momentum: float = 0.9,
        weight_decay: float = 1e-4, batch_size: int = 50, seed: int = 0) -> list[float]:
    """Train ``model`` in place with CD-1 through `pgmviz.training.train.Trainer`; the reconstruction error per epoch.

    Gaussian units want a smaller rate than binary ones (the defaults: Hinton's practical guide, section 13.2).
    Raises ValueError if training diverged (the model keeps its last good parameters).
    """
    from pgmviz.training.train import Trainer, TrainSettings

    trainer = Trainer(model, X, settings=TrainSettings(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                                       batch_size=batch_size, seed=seed))
    per_epoch = max(1, len(trainer.X_train) // batch_size)
    errors = []
    for _ in range(epochs):
        trainer.run(per_epoch, with_metrics=False)
        if trainer.diverged:
            raise ValueError(trainer.diverged)
        errors.append(reconstruction_error(model, trainer.X_train))
    return errors


def reconstruction_error(model: GaussianRBM, X: np.ndarray) -> float:
    """Mean over rows of sum_i (x_i - E[v_i | h = p(h|x)])^2 (mean-field reconstruction)."""
    R = model.mean_v_given_h(model.p_h_given_v(X))
    return float(((np.asarray(X) - R) ** 2).sum(axis=1).mean())


def standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X - mean) / std per column; returns (Z, mean, std) so samples map back as Z * std + mean."""
    X = np.asarray(X, dtype=np.float64)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


def centre_and_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(X - mean) / scale with a per-column mean and ONE scale (the std of all centred values).

    For images: per-pixel standardisation (`standardise`) divides the nearly constant border pixels
    by a tiny std and turns their rare specks into huge values the model then spends its units
    on; a single scale keeps every pixel's share of the variance. Returns (Z, mean, scale).
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    scale = float((X - mean).std())
    if not scale > 0:
        raise ValueError("the data are constant: there is nothing to scale")
    return (X - mean) / scale, mean, scale


@dataclass
class GreyDigits:
    """A Gaussian-Bernoulli RBM of grey-level images and the affine map between pixels and its units."""

    model: GaussianRBM
    mean: np.ndarray  # per-pixel mean of the training images
    scale: float  # one scale for every pixel (`centre_and_scale`)
    errors: list[float]  # reconstruction error per epoch (standardised units)
    seconds: float = 0.0  # wall-clock time the training took (a measurement, for the page to show)

    def to_pixels(self, Z: np.ndarray) -> np.ndarray:
        return np.asarray(Z) * self.scale + self.mean

    def redraw(self, X: np.ndarray) -> np.ndarray:
        """Images through the hidden units and back: E[v | h = p(h | v)], in pixel units."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        return self.to_pixels(self.model.mean_v_given_h(self.model.p_h_given_v(Z)))

    def squared_error(self, X: np.ndarray) -> float:
        """Mean over images of the summed squared pixel error of `redraw`."""
        return float(((np.asarray(X) - self.redraw(X)) ** 2).sum(axis=1).mean())

    def mean_image_error(self, X: np.ndarray) -> float:
        """The baseline: mean over images of sum_i (x_i - mean_i)^2, every image drawn as the training mean."""
        return float(((np.asarray(X) - self.mean) ** 2).sum(axis=1).mean())


def fit_grey_images(X: np.ndarray, n_h: int = 100, epochs: int = 20, lr: float = 0.002,
                    seed: int = 0) -> GreyDigits:
    """`fit` (CD-1) with sigma fixed at 1 on grey-level images centred per pixel and scaled by one number."""
    t0 = time.perf_counter()
    Z, mean, scale = centre_and_scale(X)
    m = GaussianRBM.random(Z.shape[1], n_h, seed=seed, data=Z)
    errors = fit(m, Z, epochs, lr=lr, seed=seed)
    return GreyDigits(m, mean, scale, errors, time.perf_counter() - t0)


def two_blobs(n: int = 400, seed: int | np.random.Generator | None = 0, spread: float = 0.25,
              centres: tuple[tuple[float, float], ...] = ((-1.0, -0.6), (1.0, 0.6))) -> np.ndarray:
    """A 2-D toy set: n points, half around each centre, isotropic Gaussian noise of std ``spread``."""
    rng = as_rng(seed)
    C = np.asarray(centres, dtype=np.float64)
    which = np.arange(n) % len(C)
    return C[which] + spread * rng.standard_normal((n, 2))


def two_blob_fits(seed: int = 0, n: int = 400, n_h: int = 4, epochs: int = 100, n_steps: int = 200) -> dict:
    """The lesson's toy: GRBMs with ``n_h`` hidden units fitted to `two_blobs`, sigma fixed at 1 and learned.

    Data standardised per axis; each model trained by `fit` (CD-1, ``epochs``), then ``n`` samples after
    ``n_steps`` Gibbs steps, mapped back to data units. Returns {"X", "centres", "fixed", "learned"}, the
    last two {"model", "samples", "sigma"} (sigma in standardised units).
    """
    centres = ((-1.0, -0.6), (1.0, 0.6))
    X = two_blobs(n, seed=seed, centres=centres)
    Z, mean, std = standardise(X)
    out: dict = {"X": X, "centres": np.array(centres)}
    for learn in (False, True):
        m = GaussianRBM.random(2, n_h, seed=seed, data=Z, learn_sigma=learn)
        fit(m, Z, epochs, seed=seed)
        S = m.sample(n, n_steps, rng=seed + 1)
        out["learned" if learn else "fixed"] = {"model": m, "samples": S * std + mean, "sigma": m.sigma.copy()}
    return out


# ---------------------------------------------------------------------------- the slide's point
def logistic_mean_field_free_energy(p: np.ndarray, x: float) -> np.ndarray:
    """F(p) = -x p + p log p + (1 - p) log(1 - p): a mean-field logistic unit with total input x.

    The input gives a linear slope; the negative entropy a bowl whose curvature, 1/(p(1-p)), is
    fixed. The minimum is at p = sigmoid(x), but the bowl cannot be made narrower: p = 0.7 can
    never have much lower free energy than 0.6 and 0.8.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return -x * p + p * np.log(p) + (1 - p) * np.log1p(-p)


def gaussian_unit_energy(v: np.ndarray, mean: float, sigma: float) -> np.ndarray:
    """E(v) = (v - mean)^2 / (2 sigma^2): a Gaussian unit's bowl, as narrow as sigma makes it."""
    return (np.asarray(v, dtype=np.float64) - mean) ** 2 / (2 * sigma**2)


def unit_bowls(sigma: float, centre: float = 0.7, neighbours: tuple[float, float] = (0.6, 0.8),
               n: int = 397) -> dict:
    """The slide's contrast at ``centre``: a logistic unit's F(p) - F(centre) (its input puts the minimum
    there) beside a Gaussian unit's E(v) = (v - centre)^2 / (2 sigma^2), on p in (0, 1) and at the neighbours.

    ``gap_logistic`` / ``gap_gaussian``: how far below the lower neighbour the centre sits (nats);
    ``ratio_gaussian`` = exp(gap_gaussian), a density ratio (the logistic gap is not: p is a mean).
    """
    x = float(np.log(centre / (1 - centre)))  # sigmoid(x) = centre
    p = np.linspace(0.005, 0.995, n)
    three = np.array([neighbours[0], centre, neighbours[1]])
    F0 = float(logistic_mean_field_free_energy(np.array([centre]), x)[0])
    F3 = logistic_mean_field_free_energy(three, x) - F0
    E3 = gaussian_unit_energy(three, centre, sigma)
    gap_gaussian = float(min(E3[0], E3[2]))
    return {"sigma": float(sigma), "centre": centre, "values": p, "three": three,
            "logistic": logistic_mean_field_free_energy(p, x) - F0, "gaussian": gaussian_unit_energy(p, centre, sigma),
            "logistic_three": F3, "gaussian_three": E3, "gap_logistic": float(min(F3[0], F3[2])),
            "gap_gaussian": gap_gaussian, "ratio_gaussian": float(np.exp(gap_gaussian))}
