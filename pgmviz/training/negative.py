"""Negative phases: where the samples for the model term <v h^T>_model come from.

The log-likelihood gradient is <v h^T>_data - <v h^T>_model. The data term is exact for an RBM;
the model term needs samples, and the learning algorithms differ only in how they get them:

- CD-k (Hinton 2002): chains start at the data batch and run k block-Gibbs steps.
- PCD-k (Tieleman 2008): persistent "fantasy" chains continue from where the last update left them.

Every negative phase implements the small interface of `NegativePhase`, so population annealing
and parallel tempering slot in beside these two (register them in `NEGATIVE_PHASES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgmviz.models.rbm import RBM, SMALL_MODEL_SIZE, bernoulli
from pgmviz.sampling.annealing import (
    anneal_population,
    effective_sample_size,
    systematic_resample,
    tempered,
    tempered_gibbs,
)


def gibbs_from_hidden(rbm: RBM, H: np.ndarray, k: int, rng: np.random.Generator,
                      mean_field_v: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """k steps h -> v -> h starting from hidden states H; returns (v_k, p(h | v_k)).

    Returning probabilities for the last hidden layer (not samples) lowers the variance of the
    negative statistics at no cost (practical guide, section 3). ``mean_field_v``: each v is its
    mean p(v | h) instead of a sample (Hinton & Salakhutdinov's pretraining of grey-level pixels).
    """
    P_h = None
    for step in range(k):
        # a LabelRBM draws its label group as one softmax here
        V = rbm.p_v_given_h(H) if mean_field_v else rbm.sample_v(H, rng)
        P_h = rbm.p_h_given_v(V)
        if step < k - 1:
            H = rbm.draw_h(P_h, rng)  # Bernoulli for binary units, mean + N(0, 1) for linear ones
    return V, P_h


class NegativePhase:
    """Interface: draw negative samples for one update; hear about parameter changes."""

    name = "base"
    label = "base"
    # CD and PCD draw through this `pgmviz.sampling.fused.FusedDraws` when a Trainer sets it (stream="fused").
    draws = None

    def negative(
        self, rbm: RBM, V_pos: np.ndarray, P_h_pos: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(V_neg, P_h_neg)``: negative visible samples and p(h | V_neg)."""
        raise NotImplementedError

    def after_update(self, old: RBM, new: RBM, rng: np.random.Generator) -> None:
        """Called with the parameters before and after each update (population annealing reweights here)."""

    def metrics(self) -> dict[str, float]:
        """Sampler diagnostics to plot (ESS, swap rates ...); none for CD/PCD."""
        return {}

    @property
    def particles(self) -> np.ndarray | None:
        """The current fantasy particles, if the sampler keeps any."""
        return None


@dataclass
class CD(NegativePhase):
    """Contrastive divergence: k Gibbs steps from the data batch (``mean_field_v``: see `gibbs_from_hidden`)."""

    k: int = 1
    mean_field_v: bool = False
    name = "cd"
    label = "CD-k (contrastive divergence)"

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"CD needs k >= 1 Gibbs steps; got {self.k}")

    def negative(self, rbm, V_pos, P_h_pos, rng):
        if self.draws is not None:
            return self.draws.gibbs_from_hidden(rbm, self.draws.bernoulli(P_h_pos), self.k)
        return gibbs_from_hidden(rbm, rbm.draw_h(P_h_pos, rng), self.k, rng, self.mean_field_v)


@dataclass
class PCD(NegativePhase):
    """Persistent CD: ``n_chains`` fantasy chains advanced k steps per update and never reset."""

    k: int = 1
    n_chains: int = 100
    V_chain: np.ndarray | None = field(default=None, repr=False)
    name = "pcd"
    label = "PCD-k (persistent chains)"

    def __post_init__(self) -> None:
        if self.k < 1 or self.n_chains < 1:
            raise ValueError(f"PCD needs k >= 1 and n_chains >= 1; got k={self.k}, n_chains={self.n_chains}")

    def _init_chains(self, rbm: RBM, V_pos: np.ndarray, rng: np.random.Generator) -> None:
        # Start the fantasies at data (repeated if there are more chains than rows): from
        # noise they would spend the first updates burning in.
        idx = rng.integers(0, V_pos.shape[0], size=self.n_chains)
        start = V_pos[idx].astype(rbm.dtype)
        self.V_chain = bernoulli(start, rng) if rbm.visible_units == "bernoulli" else start

    def negative(self, rbm, V_pos, P_h_pos, rng):
        if self.V_chain is None or self.V_chain.shape[1] != rbm.n_v:
            self._init_chains(rbm, V_pos, rng)
        if self.draws is not None:
            H = self.draws.h_given_v(rbm, self.V_chain)[1]
            self.V_chain, P_h = self.draws.gibbs_from_hidden(rbm, H, self.k)
            return self.V_chain, P_h
        H = rbm.draw_h(rbm.p_h_given_v(self.V_chain), rng)
        self.V_chain, P_h = gibbs_from_hidden(rbm, H, self.k, rng)
        return self.V_chain, P_h

    @property
    def particles(self):
        return self.V_chain


NEGATIVE_PHASES: dict[str, type[NegativePhase]] = {"cd": CD, "pcd": PCD}


def make_negative_phase(name: str, **options) -> NegativePhase:
    """Build a negative phase by its registry name, passing only the options it accepts."""
    try:
        cls = NEGATIVE_PHASES[name]
    except KeyError:
        raise ValueError(f"unknown negative phase {name!r}; choose one of {sorted(NEGATIVE_PHASES)}") from None
    fields = getattr(cls, "__dataclass_fields__", {})
    state = {"V_chain", "log_w", "n_resamples", "betas", "V"}
    return cls(**{k: v for k, v in options.items() if k in fields and fields[k].init and k not in state})


@dataclass
class PopulationAnnealing(PCD):
    """Population annealing (Machta 2010) as a negative phase: PCD with importance weights.

    When an update moves the parameters from theta to theta', each particle v is reweighted by
    p_theta'(v) / p_theta(v) ~ exp(-(F'(v) - F(v))), the free energies marginalising h. When the
    effective sample size falls below ``ess_threshold * R`` the population is resampled in
    proportion to the weights; then every particle gets k Gibbs sweeps. With ``reweight=False``
    the weights stay equal, nothing is resampled, and this is exactly PCD.

    ``init_betas`` > 0 builds the first population by annealing from beta = 0 (uniform) to 1 in
    that many steps instead of starting at data.
    """

    ess_threshold: float = 0.5
    reweight: bool = True
    init_betas: int = 0
    log_w: np.ndarray | None = field(default=None, repr=False)
    n_resamples: int = 0
    name = "pa"
    label = "Population annealing (reweighted PCD)"

    def _init_chains(self, rbm, V_pos, rng):
        if self.init_betas > 0:
            self.V_chain, log_w = anneal_population(rbm, self.n_chains, np.linspace(0, 1, self.init_betas + 1), rng,
                                                     k=1, ess_threshold=self.ess_threshold)[:2]
            self.log_w = log_w
        else:
            super()._init_chains(rbm, V_pos, rng)
            self.log_w = np.zeros(self.n_chains)

    def negative(self, rbm, V_pos, P_h_pos, rng):
        if self.V_chain is None or self.V_chain.shape[1] != rbm.n_v:
            self._init_chains(rbm, V_pos, rng)
        if self.reweight and effective_sample_size(self.log_w) < self.ess_threshold * self.n_chains:
            idx = systematic_resample(self.log_w, rng)
            self.V_chain = self.V_chain[idx]
            self.log_w = np.zeros(self.n_chains)
            self.n_resamples += 1
        return super().negative(rbm, V_pos, P_h_pos, rng)

    def after_update(self, old, new, rng):
        if self.reweight and self.V_chain is not None:
            self.log_w = self.log_w - (new.free_energy(self.V_chain) - old.free_energy(self.V_chain))

    @property
    def weights(self) -> np.ndarray | None:
        """Normalised importance weights of the particles returned by the last `negative` call."""
        if not self.reweight or self.log_w is None:
            return None
        w = np.exp(self.log_w - self.log_w.max())
        return w / w.sum()

    def metrics(self):
        ess = effective_sample_size(self.log_w) if self.log_w is not None else float(self.n_chains)
        return {"ess": ess / self.n_chains, "resamples": float(self.n_resamples)}


@dataclass
class ParallelTempering(NegativePhase):
    """Parallel tempering (Desjardins et al. 2010): chains at M inverse temperatures swap states.

    Chains at small beta mix fast (beta = 0 is uniform); neighbours propose to swap their joint
    states (v, h), accepted with probability min(1, exp((beta_i - beta_j)(E(x_i) - E(x_j)))), so
    good moves found at high temperature travel down to beta = 1, whose chains give the samples.
    """

    k: int = 1
    n_chains: int = 100
    n_temps: int = 10
    betas: np.ndarray | None = field(default=None, repr=False)
    V: np.ndarray | None = field(default=None, repr=False)  # (n_temps, n_chains, n_v)
    name = "pt"
    label = "Parallel tempering"

    def __post_init__(self) -> None:
        if self.k < 1 or self.n_chains < 1 or self.n_temps < 2:
            raise ValueError(f"PT needs k >= 1, n_chains >= 1, n_temps >= 2; "
                             f"got {self.k}, {self.n_chains}, {self.n_temps}")
        if self.betas is None:
            self.betas = np.linspace(1.0, 0.0, self.n_temps)
        self.betas = np.asarray(self.betas, dtype=np.float64)
        self._accepted = np.zeros(len(self.betas) - 1)
        self._proposed = np.zeros(len(self.betas) - 1)

    def negative(self, rbm, V_pos, P_h_pos, rng):
        M, R = len(self.betas), self.n_chains
        if self.V is None or self.V.shape[2] != rbm.n_v:
            self.V = bernoulli(np.full((M, R, rbm.n_v), 0.5, dtype=rbm.dtype), rng)
        if rbm.n_v * rbm.n_h <= SMALL_MODEL_SIZE:  # the Numba kernel, one temperature at a time
            H = np.empty((M, R, rbm.n_h), dtype=rbm.dtype)
            for m, beta in enumerate(self.betas):
                self.V[m], H[m] = tempered(rbm, beta).gibbs(self.V[m], self.k, rng)
        else:  # one matrix product for all temperatures' chains
            self.V, H = tempered_gibbs(rbm, self.V, self.betas, self.k, rng)
        # untempered energies: beta enters the acceptance
        E = rbm.energy(self.V.reshape(M * R, -1), H.reshape(M * R, -1)).reshape(M, R)
        # Swap neighbours, all even pairs at once, then all odd pairs; each chain index independently.
        for start in (0, 1):
            m = np.arange(start, M - 1, 2)
            if len(m) == 0:
                continue
            log_a = (self.betas[m] - self.betas[m + 1])[:, None] * (E[m] - E[m + 1])  # (pairs, R)
            accept = np.log(rng.random(log_a.shape)) < log_a
            self._proposed[m] += R
            self._accepted[m] += accept.sum(axis=1)
            for X in (self.V, H, E):
                a, b = X[m], X[m + 1]
                sel = accept if X.ndim == 2 else accept[:, :, None]
                X[m], X[m + 1] = np.where(sel, b, a), np.where(sel, a, b)
        V_neg = self.V[0]
        return V_neg, rbm.p_h_given_v(V_neg)

    def swap_rates(self) -> np.ndarray:
        return self._accepted / np.maximum(self._proposed, 1)

    def metrics(self):
        rates = self.swap_rates()
        return {"swap_rate": float(rates.mean()), "swap_rate_min": float(rates.min())}

    @property
    def particles(self):
        return None if self.V is None else self.V[0]


NEGATIVE_PHASES.update({"pa": PopulationAnnealing, "pt": ParallelTempering})
