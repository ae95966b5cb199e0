"""An RBM unrolled into a directed sigmoid belief net with tied weights (Hinton, Osindero & Teh 2006).

Block Gibbs sampling alternates h ~ p(h|v) = sigmoid(c + v W) and v ~ p(v|h) = sigmoid(b + h W^T).
Write each step as a layer of a directed net and the chain becomes a net of K levels, top to bottom

    v_K  --W^T-->  h_{K-1}  --W-->  v_{K-1}  --W^T-->  ...  --W^T-->  h_0  --W-->  v_0

with the same W in every level (tied weights). As an `pgmviz.models.sbn.SBN` (bottom layer first) the
layers are ``[v_0, h_0, v_1, h_1, ..., v_K]``: ``weights[2k] = W`` (n_v, n_h) carries h_k down to
v_k, ``weights[2k+1] = W^T`` (n_h, n_v) carries v_{k+1} down to h_k (the SBN orientation: weights
of shape (n_below, n_above)). Biases: b on v layers, c on h layers.

* A top-down pass from a top state v_K is K steps of block Gibbs started at v_K: the same draws
  in the same order (`ancestral_pass`, `gibbs_pass`).
* With the RBM's equilibrium p(v) as the top prior every layer is at equilibrium, v_0 has the
  RBM's p(v) for every K, and the prior the layers above put on h_0 is "complementary": the
  posterior p(h_0 | v_0) factorises into sigmoid(c + v_0 W). Inference is one multiplication by W^T.
* Untie the weights above h_0 (``W_above`` != W) and the prior over h_0 is the h-marginal of a
  different RBM: the posterior no longer factorises (`posterior_h0`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from pgmviz.models.bm_posterior import kl
from pgmviz.models.rbm import RBM, bernoulli
from pgmviz.models.sbn import SBN, factorial_table
from pgmviz.rng import as_rng
from pgmviz.sampling.partition import all_states
from pgmviz.training.gradients import Grad, cosine, data_statistics, exact_gradient

# Exact tables need 2^n_v x 2^n_h transition matrices.
MAX_EXACT_UNITS = 12  # per layer


def _f64(rbm: RBM) -> RBM:
    return rbm.astype(np.float64)


def equilibrium_v(rbm: RBM) -> np.ndarray:
    """The RBM's exact p(v) = exp(-F(v)) / Z over all 2^n_v visible states (``all_states`` order).

    Plain numpy over the 2^n_v free energies (at most 2^12 here), which is what
    `pgmviz.sampling.partition.log_p_v_all` computes too, without waiting for a compiled kernel.
    """
    r = _f64(rbm)
    if r.n_v > MAX_EXACT_UNITS:
        raise ValueError(f"exact p(v) here needs at most {MAX_EXACT_UNITS} visible units; "
                         "use pgmviz.sampling.partition")
    neg_F = -r.free_energy(all_states(r.n_v))
    return np.exp(neg_F - logsumexp(neg_F))


def equilibrium_h(rbm: RBM) -> np.ndarray:
    """The RBM's exact p(h) over all 2^n_h hidden states: the same sums with the layers swapped."""
    return equilibrium_v(RBM(rbm.W.T, rbm.c, rbm.b))


def unrolled_net(rbm: RBM, K: int, top: str | np.ndarray = "equilibrium",
                 W_above: np.ndarray | None = None) -> SBN:
    """The RBM as a directed net of K levels, ``[v_0, h_0, v_1, ..., v_K]`` bottom first.

    Parameters
    ----------
    rbm : RBM
        Supplies W (n_v, n_h), b, c. Copied into float64; never modified.
    K : int
        Number of levels (= block-Gibbs steps); the net has 2K + 1 layers. K = 0 is just v_0.
    top : "equilibrium", "uniform" or ndarray of shape (2^n_v,)
        The prior over the top layer v_K: the equilibrium p(v) of the RBM that the layers above
        h_0 are tied to (the "infinite" net above level K folded into its stationary
        distribution); every top state equally likely; or any table.
    W_above : ndarray of shape (n_v, n_h), optional
        Weights for every level above h_0 (still tied among themselves); default W (all tied).
        With ``top="equilibrium"`` the top prior is then the equilibrium of RBM(W_above, b, c).
    """
    if K < 0:
        raise ValueError(f"K must be >= 0; got {K}")
    r = _f64(rbm)
    W = r.W
    Wa = W if W_above is None else np.asarray(W_above, dtype=np.float64)
    if Wa.shape != W.shape:
        raise ValueError(f"W_above must have the shape of W {W.shape}; got {Wa.shape}")
    if isinstance(top, str):
        if top == "equilibrium":
            prior = equilibrium_v(RBM(Wa, r.b, r.c))
        elif top == "uniform":
            prior = None  # independent top units with bias 0: p = 1/2 each
        else:
            raise ValueError(f"top must be 'equilibrium', 'uniform' or a table; got {top!r}")
    else:
        prior = np.asarray(top, dtype=np.float64)
    weights, biases, names = [], [r.b], ["v0"]
    for k in range(K):
        Wk = W if k == 0 else Wa  # only the bottom level's v <- h weights stay W when untied
        weights += [Wk, Wa.T.copy()]
        biases += [r.c, r.b]
        names += [f"h{k}", f"v{k + 1}"]
    if prior is None:
        biases[-1] = np.zeros(r.n_v)
    return SBN(weights, biases, top_prior=prior, names=names)


# ---------------------------------------------------------------------------- sampling
def ancestral_pass(rbm: RBM, v_top: np.ndarray, K: int, rng: int | np.random.Generator | None = None
                   ) -> list[np.ndarray]:
    """Sample down the tied net from top states v_K (n, n_v). Returns ``[v_K, h_{K-1}, ..., h_0, v_0]``, top first."""
    net = unrolled_net(rbm, K, top="uniform")  # the top is given, so its prior is never used
    return net.sample(rng=rng, top=v_top)[::-1]


def gibbs_pass(rbm: RBM, v_start: np.ndarray, K: int, rng: int | np.random.Generator | None = None
               ) -> list[np.ndarray]:
    """K block-Gibbs steps from v_start (n, n_v) with the RBM's own conditionals.

    Returns ``[v, h, v, h, ..., v]`` (2K + 1 states, start first). Draws in the same order as
    `ancestral_pass`, so the same seed gives bit for bit the same states.
    """
    r, rng = _f64(rbm), as_rng(rng)
    V = np.atleast_2d(np.asarray(v_start, dtype=np.float64))
    states = [V]
    for _ in range(K):
        H = bernoulli(r.p_h_given_v(states[-1]), rng)
        states += [H, bernoulli(r.p_v_given_h(H), rng)]
    return states


def generate_down(rbm: RBM, v_top: np.ndarray, K: int, keep: list[int],
                  rng: int | np.random.Generator | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """A top-down pass through K tied levels for a big model, keeping only some visible layers.

    ``keep`` lists levels counted from the top (0 = v_K, the start; K = v_0, the bottom). Returns
    {level: (v, p(v | h above))} with arrays (n, n_v); for level 0 the "probabilities" are v itself.
    Same draws as `ancestral_pass` and `gibbs_pass` for a float64 model, without storing every
    layer; a float32 model (the pretrained ones) stays float32, twice as fast.
    """
    rng = as_rng(rng)
    V = np.atleast_2d(np.asarray(v_top)).astype(rbm.dtype)
    wanted = set(keep)
    out = {0: (V, V)} if 0 in wanted else {}
    for level in range(1, K + 1):
        H = bernoulli(rbm.p_h_given_v(V), rng)
        P = rbm.p_v_given_h(H)
        V = bernoulli(P, rng)
        if level in wanted:
            out[level] = (V, P)
    return out


# ---------------------------------------------------------------------------- exact distributions
def transition_matrices(rbm: RBM) -> tuple[np.ndarray, np.ndarray]:
    """T_vh[v, h] = p(h | v) and T_hv[h, v] = p(v | h) over all states, from the RBM's conditionals.

    Returns arrays of shape (2^n_v, 2^n_h) and (2^n_h, 2^n_v); every row sums to one. One
    block-Gibbs step moves a distribution p over v to p @ T_vh @ T_hv.
    """
    r = _f64(rbm)
    if max(r.n_v, r.n_h) > MAX_EXACT_UNITS:
        raise ValueError(f"exact transition matrices need at most {MAX_EXACT_UNITS} units per layer")
    V, H = all_states(r.n_v), all_states(r.n_h)
    return _factorial_rows(r.p_h_given_v(V), H), _factorial_rows(r.p_v_given_h(H), V)


def _factorial_rows(P: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Row a: prod_i P[a,i]^x_i (1 - P[a,i])^(1 - x_i) for every state x (rows of X)."""
    with np.errstate(divide="ignore"):
        return np.exp(np.log(P) @ X.T + np.log1p(-P) @ (1.0 - X).T)


def gibbs_distributions(rbm: RBM, p0: np.ndarray, K: int) -> np.ndarray:
    """Exact distribution of v after k = 0..K block-Gibbs steps from v ~ p0. -> (K + 1, 2^n_v)"""
    T_vh, T_hv = transition_matrices(rbm)
    out = [np.asarray(p0, dtype=np.float64)]
    for _ in range(K):
        out.append(out[-1] @ T_vh @ T_hv)
    return np.array(out)


def unrolled_distributions(rbm: RBM, p_top: np.ndarray, K: int) -> np.ndarray:
    """Exact distribution of the v layer k levels below the top, k = 0..K, in the tied net of K levels.

    Computed from the directed net alone (`SBN.layer_marginals`: push the top prior down, layer
    by layer, through its sigmoid conditionals): no Gibbs chain involved. -> (K + 1, 2^n_v)
    """
    marg = unrolled_net(rbm, K, top=np.asarray(p_top, dtype=np.float64)).layer_marginals()
    return np.array([marg[2 * (K - k)] for k in range(K + 1)])  # v_{K-k} sits at index 2(K-k)


def tv_distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation 1/2 sum_x |p(x) - q(x)| (last axis), between 0 (equal) and 1 (disjoint)."""
    return 0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum(axis=-1)


def point_mass(state: np.ndarray) -> np.ndarray:
    """The distribution that puts all its mass on one binary state (``all_states`` order)."""
    from pgmviz.models.sbn import state_index

    state = np.atleast_2d(state)
    p = np.zeros(2 ** state.shape[1])
    p[state_index(state)[0]] = 1.0
    return p


# ---------------------------------------------------------------------------- complementary prior
def prior_h0(rbm: RBM, W_above: np.ndarray | None = None, K: int = 2) -> np.ndarray:
    """p(h_0) in the unrolled net: the marginal the layers above h_0 generate. -> (2^n_h,)"""
    return unrolled_net(rbm, max(K, 1), W_above=W_above).layer_marginals()[1]


def posterior_h0(rbm: RBM, v0: np.ndarray, W_above: np.ndarray | None = None, K: int = 2) -> np.ndarray:
    """Exact p(h_0 | v_0) in the unrolled net of K levels, by enumeration (Bayes' rule over h_0).

    p(h_0 | v_0) is proportional to p(h_0) p(v_0 | h_0): p(v_0 | h_0) uses W; the prior p(h_0) is
    the marginal of the layers above (their weights ``W_above``, default W). -> (2^n_h,)
    """
    return unrolled_net(rbm, max(K, 1), W_above=W_above).posterior_layer(v0, 1)


def factorial_posterior(rbm: RBM, v0: np.ndarray) -> np.ndarray:
    """The RBM's p(h | v_0) = prod_j sigmoid(c_j + v_0 W[:, j]) as a table over h states. -> (2^n_h,)"""
    return factorial_table(_f64(rbm).p_h_given_v(v0)[0])


def perturbation(shape: tuple[int, int], seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """A fixed direction N(0, 1) to untie W_above = W + epsilon * direction (one seed, one direction)."""
    return as_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------- the tied learning rule
@dataclass
class Telescope:
    """The tied net's learning rule for W, b, c, one term per directed layer, exactly.

    layers : 2K `Grad` terms, bottom first: the term of layer v_k (parents h_k), then of h_k
        (parents v_{k+1}), for k = 0..K-1
    names : "v0", "h0", "v1", ... the layer each term belongs to
    partial : K + 1 `Grad`; partial[k] = the first 2k terms summed = E[v_0 h_0^T] - E[v_k h_k^T]
    cd : K + 1 `Grad`; CD-k's expected update, computed on its own from the chain's v_k
    exact : the exact gradient of E_{p0} log p(v) (= the sum of all infinitely many terms)
    """

    layers: list[Grad]
    names: list[str]
    partial: list[Grad]
    cd: list[Grad]
    exact: Grad

    def gaps(self) -> np.ndarray:
        """|partial[k] - exact| for k = 0..K: what CD-k leaves out of the gradient."""
        return np.array([(p - self.exact).norm for p in self.partial])

    def cosines(self) -> np.ndarray:
        """cos(partial[k], exact) for k = 1..K (partial[0] is zero)."""
        g = self.exact.flat()
        return np.array([cosine(p.flat(), g) for p in self.partial[1:]])


def tied_learning_rule(rbm: RBM, p0: np.ndarray, K: int) -> Telescope:
    """Hinton et al. 2006: with tied weights, dlog p(v_0)/dw_ij = sum over layers of s_j (s_i - p_i).

    In the infinite net the posterior over the layers above v_0 is the Gibbs chain started at v_0,
    and p_i, the probability of s_i given the layer above, is the mean of the next layer's s_i, so
    the terms are, in expectation over data v_0 ~ ``p0`` (2^n_v,),

        layer v_k: E[(v_k - sigmoid(b + W h_k)) h_k^T] = E[v_k h_k^T] - E[v_{k+1} h_k^T]
        layer h_k: E[v_{k+1} (h_k - sigmoid(c + v_{k+1} W))^T] = E[v_{k+1} h_k^T] - E[v_{k+1} h_{k+1}^T]

    and telescope: the first 2k sum to E[v_0 h_0^T] - E[v_k h_k^T], CD-k's expected update; all of
    them to <v h>_data - <v h>_model. Each term is computed here from its own layer's conditional
    (the left-hand forms) over exact tables, not from the telescoped result.
    """
    if K < 1:
        raise ValueError(f"K must be >= 1; got {K}")
    r = _f64(rbm)
    p0 = np.asarray(p0, dtype=np.float64)
    if p0.shape != (2 ** r.n_v,) or (p0 < 0).any() or not np.isclose(p0.sum(), 1.0):
        raise ValueError(f"p0 must be a distribution over the {2 ** r.n_v} visible states")
    V, H = all_states(r.n_v), all_states(r.n_h)
    T_vh, T_hv = transition_matrices(r)
    mean_v = r.p_v_given_h(H)  # (2^n_h, n_v): sigmoid(b + W h), the v layer's p_i
    mean_h = r.p_h_given_v(V)  # (2^n_v, n_h): sigmoid(c + v W), the h layer's p_j
    zero_b, zero_c = np.zeros(r.n_v), np.zeros(r.n_h)
    layers, names, p_k = [], [], p0
    cd = [Grad(np.zeros_like(r.W), zero_b.copy(), zero_c.copy())]
    for k in range(K):
        q_k = p_k @ T_vh  # distribution of h_k
        J = p_k[:, None] * T_vh  # joint of (v_k, h_k): (2^n_v, 2^n_h)
        err_v = V[:, None, :] - mean_v[None, :, :]  # s_i - p_i for every (v, h): (2^n_v, 2^n_h, n_v)
        layers.append(Grad(np.einsum("vh,vhi,hj->ij", J, err_v, H), np.einsum("vh,vhi->i", J, err_v), zero_c.copy()))
        names.append(f"v{k}")
        p_next = q_k @ T_hv  # distribution of v_{k+1}
        Jh = q_k[:, None] * T_hv  # joint of (h_k, v_{k+1}): (2^n_h, 2^n_v)
        err_h = H[:, None, :] - mean_h[None, :, :]  # s_j - p_j for every (h, v): (2^n_h, 2^n_v, n_h)
        layers.append(Grad(np.einsum("hv,vi,hvj->ij", Jh, V, err_h), zero_b.copy(), np.einsum("hv,hvj->j", Jh, err_h)))
        names.append(f"h{k}")
        p_k = p_next
        # CD-k on its own: data statistics minus the same statistics at the chain's v_k
        cd.append(data_statistics(r, V, p0) - data_statistics(r, V, p_k))
    partial = [cd[0]]
    for k in range(K):
        partial.append(partial[-1] + layers[2 * k] + layers[2 * k + 1])
    return Telescope(layers, names, partial, cd, exact_gradient(r, V, p0))


def cd_objective(rbm: RBM, p0: np.ndarray, k: int, p_k: np.ndarray | None = None) -> float:
    """KL(p0 || p_inf) - KL(p_k || p_inf): the objective CD-k approximately follows (Hinton 2002), nats.

    p_k is the distribution after k block-Gibbs steps from p0 (or the table given, held fixed) and
    p_inf the RBM's p(v). Never negative: Gibbs steps only bring p_k closer to p_inf.
    """
    p_inf = equilibrium_v(rbm)
    if p_k is None:
        p_k = gibbs_distributions(rbm, p0, k)[-1]
    return kl(p0, p_inf) - kl(p_k, p_inf)


def cd_objective_gradient(rbm: RBM, p0: np.ndarray, k: int, freeze_p_k: bool = False,
                          step: float = 1e-5) -> Grad:
    """-d/d(W, b, c) [KL(p0 || p_inf) - KL(p_k || p_inf)] by central differences (float64).

    With ``freeze_p_k`` the p_k of the current parameters is held fixed: minus that gradient is
    exactly CD-k's expected update. Without it, p_k moves with the parameters too, and the
    difference is the term CD leaves out (Hinton 2002 argues it is small).
    """
    r = _f64(rbm)
    fixed = gibbs_distributions(r, p0, k)[-1] if freeze_p_k else None
    theta = np.concatenate([r.W.ravel(), r.b, r.c])
    n_W, n_v = r.W.size, r.n_v

    def objective(t: np.ndarray) -> float:
        m = RBM(t[:n_W].reshape(r.W.shape), t[n_W:n_W + n_v], t[n_W + n_v:])
        return cd_objective(m, p0, k, fixed)

    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = step
        g[i] = -(objective(theta + e) - objective(theta - e)) / (2 * step)
    return Grad(g[:n_W].reshape(r.W.shape), g[n_W:n_W + n_v], g[n_W + n_v:])
