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

from pgmviz.rbm import RBM, bernoulli


def gibbs_from_hidden(rbm: RBM, H: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k steps h -> v -> h starting from hidden states H; returns (v_k, p(h | v_k)).

    Returning probabilities for the last hidden layer (not samples) lowers the variance of the
    negative statistics at no cost (practical guide, section 3).
    """
    P_h = None
    for step in range(k):
        V = bernoulli(rbm.p_v_given_h(H), rng)
        P_h = rbm.p_h_given_v(V)
        if step < k - 1:
            H = bernoulli(P_h, rng)
    return V, P_h


class NegativePhase:
    """Interface: draw negative samples for one update; hear about parameter changes."""

    name = "base"
    label = "base"

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
    """Contrastive divergence: k Gibbs steps from the data batch."""

    k: int = 1
    name = "cd"
    label = "CD-k (contrastive divergence)"

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"CD needs k >= 1 Gibbs steps; got {self.k}")

    def negative(self, rbm, V_pos, P_h_pos, rng):
        return gibbs_from_hidden(rbm, bernoulli(P_h_pos, rng), self.k, rng)


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
        self.V_chain = bernoulli(V_pos[idx].astype(rbm.dtype), rng)

    def negative(self, rbm, V_pos, P_h_pos, rng):
        if self.V_chain is None or self.V_chain.shape[1] != rbm.n_v:
            self._init_chains(rbm, V_pos, rng)
        H = bernoulli(rbm.p_h_given_v(self.V_chain), rng)
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
    return cls(**{k: v for k, v in options.items() if k in fields and fields[k].init and k != "V_chain"})
