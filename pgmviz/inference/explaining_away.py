"""Explaining away, the lesson's experiment: Pearl's two causes, their factorial approximations, and
how far a random sigmoid belief net's posterior is from factorising.

Every number is exact (enumeration of `pgmviz.models.sbn`'s tables); tables are ordered as
`pgmviz.sampling.partition.all_states`, so the two causes' table reshapes to [truck, quake].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgmviz.inference import table_meanfield
from pgmviz.models import sbn
from pgmviz.sampling import sbn_gibbs
from pgmviz.sampling.partition import all_states
from pgmviz.special import sigmoid

CAUSE_STATES = {"none": (0.0, 0.0), "truck": (1.0, 0.0), "quake": (0.0, 1.0), "both": (1.0, 1.0)}


def effect_given_causes(net: sbn.SBN) -> dict[str, float]:
    """p(jump = 1 | truck, quake) = sigmoid(b_house + w_truck truck + w_quake quake), for each combination.

    Keys "none", "truck", "quake", "both" (the causes that are on), read from the net's own conditional.
    """
    return {name: float(np.exp(net.log_prob_layer(0, np.array([[1.0]]), np.array([causes])))[0])
            for name, causes in CAUSE_STATES.items()}


def independence_ratio(table: np.ndarray) -> float:
    """p(truck = 1, quake = 1) / (p(truck = 1) p(quake = 1)) of a (2, 2) table: 1 when the causes are independent.

    NaN when a marginal is zero (the ratio is undefined).
    """
    T = np.asarray(table, dtype=np.float64).reshape(2, 2)
    p_truck, p_quake = T[1, :].sum(), T[:, 1].sum()
    return float(T[1, 1] / (p_truck * p_quake)) if p_truck * p_quake > 0 else float("nan")


@dataclass
class Factorial:
    """A factorial q(h) = prod_j q(h_j) and its distance to the exact posterior p, both ways (nats)."""

    name: str
    means: np.ndarray  # (n,) q(h_j = 1)
    q: np.ndarray  # (2^n,) the table of the product
    kl_pq: float  # KL(p || q): the product of p's marginals is its minimum
    kl_qp: float  # KL(q || p): mean field's objective
    run: table_meanfield.MeanField | None = None  # mean field's own run (its kl against the normalised log p)


def factorial_approximations(p: np.ndarray, n: int) -> tuple[Factorial, Factorial]:
    """The two best factorial q of a posterior table p over n units: (product of marginals, mean field).

    The product of p's marginals minimises KL(p || q); mean field minimises KL(q || p) locally, the best
    of the runs from the centre and every corner (`table_meanfield.best_mean_field`).
    """
    p = np.asarray(p, dtype=np.float64)
    log_p = table_meanfield.log_table(p)
    mf, _ = table_meanfield.best_mean_field(p, n)
    out = []
    for name, means in (("product of posterior marginals", sbn.marginals(p, n)), ("mean field", mf.means)):
        q = sbn.factorial_table(means)
        out.append(Factorial(name, np.asarray(means), q, sbn.kl(p, q), table_meanfield.reverse_kl(q, log_p)))
    out[1].run = mf
    return out[0], out[1]


def kl_to_factorial_curve(sizes: list[int], scales: np.ndarray, seed: int,
                          v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KL(p(h | v) || prod_j p(h_j | v)) of `SBN.random(sizes, scale, seed)` at every weight scale.

    Returns (for this v, averaged over v ~ p(v)), each of shape (len(scales),).
    """
    V = all_states(sizes[0])
    v_index = sbn.state_index(np.asarray(v, dtype=np.float64))[0]
    this, mean = [], []
    for s in scales:
        net = sbn.SBN.random(sizes, weight_scale=float(s), seed=seed)
        p_v = net.layer_marginals()[0]
        kls = np.array([sbn.kl_to_factorial(net.posterior_layer(x, 1), sizes[1]) for x in V])
        this.append(kls[v_index])
        mean.append(float(p_v @ kls))
    return np.array(this), np.array(mean)


def first_step_away(net: sbn.SBN) -> float:
    """p(quake = 1 | jump, truck = 1, quake = 0): Gibbs's chance per sweep of leaving *truck only*.

    From "truck only" the earthquake must turn on (giving "both") before the truck can turn off, so this
    conditional of the Markov blanket bounds how fast a chain moves to the other explanation.
    """
    layers = [np.ones((1, 1)), np.array([[1.0, 0.0]])]
    return float(sigmoid(sbn_gibbs.gibbs_logit(net, layers, 1, 1))[0])


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = 1/2 sum_x |p(x) - q(x)|."""
    return float(0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum())


# ------------------------------------------------------------------ the lesson's net (Pearl's example)
CAUSES = ("truck hits house", "earthquake")
EFFECT = "house jumps"


def explaining_away_net(b_truck: float = -10.0, b_quake: float = -10.0, b_house: float = -20.0,
                        w_truck: float = 20.0, w_quake: float = 20.0) -> sbn.SBN:
    """Pearl's two causes and one effect as a two-layer SBN (defaults: the lecture's numbers).

    Top layer x_1 = [truck, quake], each rare on its own (sigmoid(-10) ~ 4.5e-5); bottom layer
    x_0 = [house jumps], with p(jump | truck, quake) = sigmoid(b_house + w_truck truck + w_quake quake):
    about 2e-9 with no cause, 1/2 with one, about 1 with both.
    """
    return sbn.SBN(weights=[np.array([[w_truck, w_quake]])],
               biases=[np.array([b_house]), np.array([b_truck, b_quake])],
               names=[EFFECT, "causes"])


@dataclass
class ExplainingAway:
    """The numbers of the explaining-away lesson, all exact.

    prior, posterior : (2, 2) tables p(truck, quake) and p(truck, quake | house = jump),
        indexed [truck, quake]
    p_truck, p_quake : posterior marginals p(truck = 1 | jump), p(quake = 1 | jump)
    p_truck_given_quake : p(truck = 1 | jump, quake = 1): the truck after we learn of the earthquake
    kl : KL(posterior || product of its marginals), nats
    """

    prior: np.ndarray
    posterior: np.ndarray
    p_truck: float
    p_quake: float
    p_truck_given_quake: float
    p_truck_given_no_quake: float
    kl: float
    log_p_jump: float


def explaining_away(net: sbn.SBN, jump: int = 1) -> ExplainingAway:
    """Prior and posterior over the two causes of `explaining_away_net` given the house's state."""
    prior = np.exp(net.log_top_prior()).reshape(2, 2)
    post = net.posterior_layer(np.array([jump]), 1)
    P = post.reshape(2, 2)  # [truck, quake]; row index = truck because unit 0 is most significant
    p_quake, p_no_quake = P[:, 1].sum(), P[:, 0].sum()
    return ExplainingAway(
        prior=prior, posterior=P,
        p_truck=float(P[1, :].sum()), p_quake=float(p_quake),
        p_truck_given_quake=float(P[1, 1] / p_quake) if p_quake > 0 else float("nan"),
        p_truck_given_no_quake=float(P[1, 0] / p_no_quake) if p_no_quake > 0 else float("nan"),
        kl=sbn.kl_to_factorial(post, 2),
        log_p_jump=net.log_p_v(np.array([jump])),
    )
