"""From perceptrons to backprop: one threshold unit, one logistic unit, and a 2-H-1 network.

Everything runs on the four boolean inputs ``X = [[0,0], [0,1], [1,0], [1,1]]`` (rows are
examples, as everywhere in pgmviz) with targets ``t`` for AND, OR or XOR.

Single unit (weights ``w`` of shape (2,), threshold ``theta``):

    perceptron       y = 1[w.x >= theta]              rule: w += lr (t - y) x,  theta -= lr (t - y)
    logistic unit    o = sigmoid(w.x - theta)         batch gradient descent on a loss

Two-layer network 2-H-1, one orientation for the weights, fixed here and kept everywhere:
``W1`` (2, H) so that a batch of rows goes ``X @ W1``, hidden bias ``b1`` (H,), output weights
``w2`` (H,), output bias ``b2`` (a number):

    a = X W1 + b1          (n, H)   hidden pre-activations
    h = act(a)             (n, H)   act = sigmoid or tanh
    z = h w2 + b2          (n,)     output pre-activation (the logit)
    o = sigmoid(z)         (n,)     output, read as p(t = 1 | x)

Losses, averaged over the examples:

    squared error    L = mean 1/2 (t - o)^2                  = Gaussian NLL up to scale and constant
    cross-entropy    L = mean -[t log o + (1-t) log(1-o)]    = Bernoulli NLL exactly

Backprop is the chain rule run from the loss back to every weight; ``computation_graph`` keeps
every intermediate value and every gradient of one example as nodes and edges a page can draw,
and ``numerical_gradient`` checks it by central finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgmviz.rng import as_rng
from pgmviz.special import sigmoid, softplus

# The four inputs, rows in the order 00, 01, 10, 11.
X_BOOL = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TASKS: dict[str, np.ndarray] = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
ACTIVATIONS = ("tanh", "sigmoid")
LOSSES = ("cross_entropy", "squared")
GRID_RANGE = (-0.5, 1.5)  # the square the decision-boundary grids cover, around the unit square


def boolean_task(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, t) for AND, OR or XOR: X (4, 2) the four boolean inputs, t (4,) the targets."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, not {name!r}")
    return X_BOOL.copy(), TASKS[name].copy()


# ---------------------------------------------------------------------------- elementwise
def activation(name: str, a):
    """act(a) for act = "sigmoid" or "tanh"."""
    if name == "sigmoid":
        return sigmoid(a)
    if name == "tanh":
        return np.tanh(a)
    raise ValueError(f"activation must be one of {ACTIVATIONS}, not {name!r}")


def activation_slope(name: str, h):
    """d act / d a, written in terms of the output h = act(a): h(1-h) or 1 - h^2."""
    if name == "sigmoid":
        return h * (1.0 - h)
    if name == "tanh":
        return 1.0 - h * h
    raise ValueError(f"activation must be one of {ACTIVATIONS}, not {name!r}")


# ---------------------------------------------------------------------------- losses
def squared_error(o, t) -> float:
    """L = mean_n 1/2 (t_n - o_n)^2."""
    o, t = np.asarray(o, float), np.asarray(t, float)
    return float(np.mean(0.5 * (t - o) ** 2))


def cross_entropy(o, t) -> float:
    """L = mean_n -[t_n log o_n + (1 - t_n) log(1 - o_n)], from probabilities o in (0, 1)."""
    o, t = np.asarray(o, float), np.asarray(t, float)
    return float(np.mean(-(t * np.log(o) + (1.0 - t) * np.log1p(-o))))


def cross_entropy_from_logit(z, t) -> float:
    """The same cross-entropy from the logit z = logit(o): mean softplus(z) - t z (no log(0))."""
    z, t = np.asarray(z, float), np.asarray(t, float)
    return float(np.mean(softplus(z) - t * z))


def loss_value(kind: str, z, t) -> float:
    """The mean loss of kind "cross_entropy" or "squared" for logits z and targets t."""
    if kind == "cross_entropy":
        return cross_entropy_from_logit(z, t)
    if kind == "squared":
        return squared_error(sigmoid(z), t)
    raise ValueError(f"loss must be one of {LOSSES}, not {kind!r}")


def dloss_dz(kind: str, o, t):
    """dL_n/dz_n for one example: o - t (cross-entropy) or (o - t) o (1 - o) (squared error).

    Cross-entropy's gradient keeps no o(1-o) factor, so a confidently wrong sigmoid output still
    learns fast; squared error's gradient vanishes there.
    """
    o, t = np.asarray(o, float), np.asarray(t, float)
    if kind == "cross_entropy":
        return o - t
    if kind == "squared":
        return (o - t) * o * (1.0 - o)
    raise ValueError(f"loss must be one of {LOSSES}, not {kind!r}")


# ---------------------------------------------------------------------------- likelihoods
def gaussian_nll(y, f, sigma):
    """-log N(y; f, sigma^2), evaluated from the density itself: -log[exp(-(y-f)^2/2s^2)/sqrt(2 pi s^2)]."""
    y, f, sigma = (np.asarray(a, float) for a in (y, f, sigma))
    density = np.exp(-((y - f) ** 2) / (2.0 * sigma**2)) / np.sqrt(2.0 * np.pi * sigma**2)
    return -np.log(density)


def gaussian_nll_as_squared_error(y, f, sigma):
    """(y - f)^2 / (2 sigma^2) + 1/2 log(2 pi sigma^2): squared error, scaled, plus a constant in f."""
    y, f, sigma = (np.asarray(a, float) for a in (y, f, sigma))
    return (y - f) ** 2 / (2.0 * sigma**2) + 0.5 * np.log(2.0 * np.pi * sigma**2)


def bernoulli_nll(t, o):
    """-log Bern(t; o) = -log(o^t (1 - o)^(1 - t)), evaluated from the probability mass itself."""
    t, o = np.asarray(t, float), np.asarray(o, float)
    return -np.log(o**t * (1.0 - o) ** (1.0 - t))


def cross_entropy_terms(t, o):
    """-[t log o + (1 - t) log(1 - o)] per example: the cross-entropy loss before averaging."""
    t, o = np.asarray(t, float), np.asarray(o, float)
    return -(t * np.log(o) + (1.0 - t) * np.log1p(-o))


# ---------------------------------------------------------------------------- single unit
@dataclass
class UnitRun:
    """The history of one single-unit training run, one row per recorded epoch.

    epochs : (n_rec,) int     the epoch after which each row was recorded (0 = initial weights)
    w      : (n_rec, 2)       weights w1, w2
    theta  : (n_rec,)         the threshold
    errors : (n_rec,) int     misclassified inputs out of four (threshold at 0.5 for the logistic unit)
    loss   : (n_rec,) | None  mean loss (logistic unit only)
    converged_at : first recorded epoch with zero errors, or None
    """

    rule: str
    task: str
    epochs: np.ndarray
    w: np.ndarray
    theta: np.ndarray
    errors: np.ndarray
    loss: np.ndarray | None = None
    loss_kind: str | None = None
    converged_at: int | None = None

    def outputs(self, k: int, X: np.ndarray = X_BOOL) -> np.ndarray:
        """The unit's output at row k for inputs X: 0/1 for the perceptron, o in (0,1) else."""
        net = X @ self.w[k] - self.theta[k]
        return (net >= 0).astype(float) if self.rule == "perceptron" else sigmoid(net)


def threshold_unit(X: np.ndarray, w: np.ndarray, theta: float) -> np.ndarray:
    """y = 1[w.x >= theta] for each row x of X."""
    return (np.asarray(X, float) @ np.asarray(w, float) >= theta).astype(float)


def _first_zero(epochs: np.ndarray, errors: np.ndarray) -> int | None:
    hits = np.flatnonzero(errors == 0)
    return int(epochs[hits[0]]) if hits.size else None


def perceptron_train(task: str, epochs: int = 30, lr: float = 1.0, rng=0) -> UnitRun:
    """Rosenblatt's rule, one example at a time: w += lr (t - y) x, theta -= lr (t - y).

    The weights start at small random values and the examples are visited in a fresh random
    order each epoch (both from ``rng``). On a linearly separable task (AND, OR) the rule stops
    changing anything after finitely many mistakes; on XOR it cycles for ever.
    """
    X, t = boolean_task(task)
    gen = as_rng(rng)
    w = gen.normal(0.0, 0.5, 2)
    theta = float(gen.normal(0.0, 0.5))
    W_hist, th_hist, err_hist = [w.copy()], [theta], [int(np.sum(threshold_unit(X, w, theta) != t))]
    for _ in range(epochs):
        for n in gen.permutation(len(X)):
            y = float(X[n] @ w >= theta)
            w = w + lr * (t[n] - y) * X[n]  # no change when the example is right
            theta = theta - lr * (t[n] - y)
        W_hist.append(w.copy())
        th_hist.append(theta)
        err_hist.append(int(np.sum(threshold_unit(X, w, theta) != t)))
    ep = np.arange(epochs + 1)
    errors = np.array(err_hist)
    return UnitRun("perceptron", task, ep, np.array(W_hist), np.array(th_hist), errors,
                   converged_at=_first_zero(ep, errors))


def logistic_gradient(X, t, w, theta, loss: str) -> tuple[np.ndarray, float]:
    """(dL/dw, dL/dtheta) of the mean loss of o = sigmoid(w.x - theta).

    dL/dw = mean_n dL_n/dnet_n x_n, and dL/dtheta = -mean_n dL_n/dnet_n since d net/d theta = -1.
    """
    o = sigmoid(X @ w - theta)
    delta = dloss_dz(loss, o, t)  # (n,) dL_n / d net_n
    return X.T @ delta / len(X), -float(np.mean(delta))


def logistic_train(task: str, epochs: int = 300, lr: float = 2.0, loss: str = "cross_entropy",
                   rng=0) -> UnitRun:
    """A logistic unit o = sigmoid(w.x - theta) trained by batch gradient descent on ``loss``.

    On XOR no single unit can do better than w = 0, theta = 0 under cross-entropy (the loss is
    convex and that point is stationary), so the loss stalls at log 2 per example.
    """
    X, t = boolean_task(task)
    gen = as_rng(rng)
    w = gen.normal(0.0, 0.5, 2)
    theta = float(gen.normal(0.0, 0.5))
    W_hist = np.empty((epochs + 1, 2))
    th_hist = np.empty(epochs + 1)
    loss_hist = np.empty(epochs + 1)
    for e in range(epochs + 1):
        W_hist[e], th_hist[e] = w, theta
        loss_hist[e] = loss_value(loss, X @ w - theta, t)
        if e == epochs:
            break
        gw, gth = logistic_gradient(X, t, w, theta, loss)
        w = w - lr * gw
        theta = theta - lr * gth
    out = sigmoid(X @ W_hist.T - th_hist)  # (4, epochs+1)
    errors = np.sum((out >= 0.5) != (t[:, None] == 1), axis=0).astype(int)
    ep = np.arange(epochs + 1)
    return UnitRun("logistic", task, ep, W_hist, th_hist, errors, loss_hist, loss,
                   converged_at=_first_zero(ep, errors))


def xor_inequalities(w1: float, w2: float, theta: float) -> list[tuple[str, str, bool]]:
    """The four conditions a threshold unit y = 1[w.x >= theta] needs for XOR, checked.

    Returns (input x1x2, condition, holds) for x = 00, 10, 01, 11, numbered (1)-(4) as on the
    slide. No (w1, w2, theta) makes all four hold: (1) needs 0 < theta, (2) + (3) give
    w1 + w2 >= 2 theta > theta, against (4).
    """
    return [
        ("00", "w1·0 + w2·0 < θ", bool(0.0 < theta)),
        ("10", "w1 ≥ θ", bool(w1 >= theta)),
        ("01", "w2 ≥ θ", bool(w2 >= theta)),
        ("11", "w1 + w2 < θ", bool(w1 + w2 < theta)),
    ]


SLIDE_COUNTEREXAMPLE = (-1.0, -1.0, 0.2)  # w1, w2, theta: the slide's three conditions all hold


def slide_xor_conditions(w1: float, w2: float, theta: float) -> list[tuple[str, str, float, bool]]:
    """The slide's XOR argument for a unit sigma(w1 x1 + w2 x2) thresholded at theta, checked.

    Returns (input x1x2, condition, sigma(w.x), holds) for x = 10, 01, 11 (the slide's three
    equations) and then 00, which the slide leaves out. The three alone can all hold
    (`SLIDE_COUNTEREXAMPLE`: sigma(-1) = 0.27 >= 0.2 twice, sigma(-2) = 0.12 < 0.2); the (0,0) case,
    sigma(0) = 1/2 < theta, is what rules such weights out.
    """
    s = lambda z: float(1.0 / (1.0 + np.exp(-z)))  # noqa: E731
    return [
        ("10", "σ(w1) ≥ θ", s(w1), s(w1) >= theta),
        ("01", "σ(w2) ≥ θ", s(w2), s(w2) >= theta),
        ("11", "σ(w1 + w2) < θ", s(w1 + w2), s(w1 + w2) < theta),
        ("00", "σ(0) < θ", s(0.0), s(0.0) < theta),
    ]


# ---------------------------------------------------------------------------- 2-H-1 network
@dataclass
class MLPParams:
    """Parameters of a 2-H-1 network: W1 (2, H), b1 (H,), w2 (H,), b2 (a number)."""

    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    @property
    def n_hidden(self) -> int:
        return int(self.W1.shape[1])

    def copy(self) -> MLPParams:
        return MLPParams(self.W1.copy(), self.b1.copy(), self.w2.copy(), float(self.b2))

    def flat(self) -> np.ndarray:
        """All parameters in one vector, in the order of ``names``."""
        return np.concatenate([self.W1.ravel(), self.b1, self.w2, [self.b2]])

    def names(self) -> list[str]:
        """Parameter names matching ``flat``: W1[i,j] is from input x_{i+1} to hidden unit j+1."""
        H = self.n_hidden
        return ([f"W1[{i + 1},{j + 1}]" for i in range(2) for j in range(H)] + [f"b1[{j + 1}]" for j in range(H)]
                + [f"w2[{j + 1}]" for j in range(H)] + ["b2"])

    @classmethod
    def from_flat(cls, theta: np.ndarray, n_hidden: int) -> MLPParams:
        H = n_hidden
        theta = np.asarray(theta, float)
        return cls(theta[: 2 * H].reshape(2, H).copy(), theta[2 * H : 3 * H].copy(),
                   theta[3 * H : 4 * H].copy(), float(theta[4 * H]))


def init_params(n_hidden: int = 2, rng=0, scale: float = 1.0) -> MLPParams:
    """Weights and biases drawn from N(0, scale^2): large enough that the hidden units start different."""
    gen = as_rng(rng)
    return MLPParams(gen.normal(0, scale, (2, n_hidden)), gen.normal(0, scale, n_hidden),
                     gen.normal(0, scale, n_hidden), float(gen.normal(0, scale)))


@dataclass
class Forward:
    """Every intermediate value of a forward pass over a batch X (n, 2)."""

    X: np.ndarray  # (n, 2)
    a: np.ndarray  # (n, H) hidden pre-activations X W1 + b1
    h: np.ndarray  # (n, H) hidden activities act(a)
    z: np.ndarray  # (n,)   output logit h w2 + b2
    o: np.ndarray  # (n,)   output sigmoid(z)


def forward(params: MLPParams, X: np.ndarray, act: str = "tanh") -> Forward:
    """a = X W1 + b1, h = act(a), z = h w2 + b2, o = sigmoid(z), keeping all of them."""
    X = np.atleast_2d(np.asarray(X, float))
    a = X @ params.W1 + params.b1
    h = activation(act, a)
    z = h @ params.w2 + params.b2
    return Forward(X, a, h, z, sigmoid(z))


@dataclass
class Backward:
    """Gradients of the mean loss: on every parameter and on every intermediate value.

    The intermediate ones are per example (dL/dz_n is the gradient of the mean loss, so it
    carries the 1/n); the parameter gradients sum them over the batch.
    """

    dW1: np.ndarray  # (2, H)
    db1: np.ndarray  # (H,)
    dw2: np.ndarray  # (H,)
    db2: float
    do: np.ndarray  # (n,)   dL/do
    dz: np.ndarray  # (n,)   dL/dz
    dh: np.ndarray  # (n, H) dL/dh
    da: np.ndarray  # (n, H) dL/da

    def flat(self) -> np.ndarray:
        return np.concatenate([self.dW1.ravel(), self.db1, self.dw2, [self.db2]])


def backward(params: MLPParams, fwd: Forward, t: np.ndarray, loss: str = "cross_entropy",
             act: str = "tanh") -> Backward:
    """The chain rule from L back to every weight, one layer at a time.

    dL/dz = dL/do * o(1-o);  dL/dw2 = sum_n h_n dL/dz_n;  dL/dh = dL/dz w2;
    dL/da = dL/dh * act'(a);  dL/dW1 = X^T dL/da;  biases take the sums of their layer's deltas.
    """
    t = np.asarray(t, float).reshape(-1)
    n = len(fwd.z)
    o = fwd.o
    if loss == "cross_entropy":
        with np.errstate(divide="ignore", invalid="ignore"):  # inf only if o rounds to exactly 0 or 1
            do = (o - t) / (o * (1.0 - o)) / n  # d/do of -[t log o + (1-t) log(1-o)], averaged
        dz = (o - t) / n  # the o(1-o) cancels: computed directly so that saturated o stays exact
    elif loss == "squared":
        do = (o - t) / n
        dz = do * o * (1.0 - o)
    else:
        raise ValueError(f"loss must be one of {LOSSES}, not {loss!r}")
    dw2 = fwd.h.T @ dz
    db2 = float(dz.sum())
    dh = np.outer(dz, params.w2)  # (n, H)
    da = dh * activation_slope(act, fwd.h)
    dW1 = fwd.X.T @ da  # (2, H)
    db1 = da.sum(axis=0)
    return Backward(dW1, db1, dw2, db2, do, dz, dh, da)


def loss_and_gradient(params: MLPParams, X, t, loss: str = "cross_entropy", act: str = "tanh"):
    """(L, Backward) for the mean loss over the batch."""
    fwd = forward(params, X, act)
    return loss_value(loss, fwd.z, t), backward(params, fwd, t, loss, act)


def numerical_gradient(params: MLPParams, X, t, loss: str = "cross_entropy", act: str = "tanh",
                       eps: float = 1e-5) -> np.ndarray:
    """Central differences (L(p + eps) - L(p - eps)) / 2 eps for every parameter, in ``flat`` order."""
    p0 = params.flat()
    grad = np.empty_like(p0)
    for k in range(p0.size):
        up, down = p0.copy(), p0.copy()
        up[k] += eps
        down[k] -= eps
        L_up = loss_value(loss, forward(MLPParams.from_flat(up, params.n_hidden), X, act).z, t)
        L_down = loss_value(loss, forward(MLPParams.from_flat(down, params.n_hidden), X, act).z, t)
        grad[k] = (L_up - L_down) / (2.0 * eps)
    return grad


@dataclass
class MLPSettings:
    """How the 2-H-1 network is trained: full-batch gradient descent on the four inputs."""

    task: str = "XOR"
    n_hidden: int = 2  # the smallest hidden layer that can solve XOR
    act: str = "tanh"  # hidden units: "tanh" or "sigmoid"
    loss: str = "cross_entropy"  # or "squared"
    lr: float = 1.0  # gradient-descent step size
    epochs: int = 1500
    seed: int = 0  # initial weights
    init_scale: float = 1.0
    n_snapshots: int = 61  # parameter snapshots kept for animation (epochs spaced evenly)


@dataclass
class MLPRun:
    """A training run: the loss and errors every epoch, parameters at snapshot epochs."""

    settings: MLPSettings
    loss: np.ndarray  # (epochs+1,) mean loss before each update (index = epoch)
    errors: np.ndarray  # (epochs+1,) inputs on the wrong side of 0.5
    snapshot_epochs: np.ndarray  # (n_snap,)
    snapshots: list[MLPParams] = field(default_factory=list)

    @property
    def final(self) -> MLPParams:
        return self.snapshots[-1]

    def snapshot(self, epoch: int) -> MLPParams:
        """The parameters at a snapshot epoch."""
        k = int(np.flatnonzero(self.snapshot_epochs == epoch)[0])
        return self.snapshots[k]

    @property
    def solved_at(self) -> int | None:
        """The first epoch at which all four outputs were on the right side of 0.5."""
        hits = np.flatnonzero(self.errors == 0)
        return int(hits[0]) if hits.size else None


def train_mlp(settings: MLPSettings | None = None) -> MLPRun:
    """Full-batch gradient descent with backprop gradients, seeded; records every epoch's loss."""
    s = settings or MLPSettings()
    if s.act not in ACTIVATIONS or s.loss not in LOSSES:
        raise ValueError(f"act must be in {ACTIVATIONS} and loss in {LOSSES}")
    X, t = boolean_task(s.task)
    params = init_params(s.n_hidden, s.seed, s.init_scale)
    snap_at = np.unique(np.linspace(0, s.epochs, max(2, s.n_snapshots)).round().astype(int))
    snaps, losses, errors = [], np.empty(s.epochs + 1), np.empty(s.epochs + 1, dtype=int)
    for e in range(s.epochs + 1):
        fwd = forward(params, X, s.act)
        losses[e] = loss_value(s.loss, fwd.z, t)
        errors[e] = int(np.sum((fwd.o >= 0.5) != (t == 1)))
        if e in snap_at:
            snaps.append(params.copy())
        if e == s.epochs:
            break
        g = backward(params, fwd, t, s.loss, s.act)
        params = MLPParams(params.W1 - s.lr * g.dW1, params.b1 - s.lr * g.db1,
                           params.w2 - s.lr * g.dw2, params.b2 - s.lr * g.db2)
    return MLPRun(s, losses, errors, snap_at, snaps)


def output_grid(params: MLPParams, act: str = "tanh", n: int = 81,
                lim: tuple[float, float] = GRID_RANGE) -> tuple[np.ndarray, np.ndarray]:
    """(axis (n,), O (n, n)): the network's output o on an n x n grid, O[row=x2, col=x1]."""
    axis = np.linspace(lim[0], lim[1], n)
    x1, x2 = np.meshgrid(axis, axis)  # x1 varies along columns
    grid = np.column_stack([x1.ravel(), x2.ravel()])  # (n*n, 2)
    return axis, forward(params, grid, act).o.reshape(n, n)


# ---------------------------------------------------------------------------- computation graph
@dataclass
class Node:
    """One value in the computation graph of one example.

    kind: "input", "one" (the constant 1 that biases multiply), "sum" (a or z), "act" (h or o),
    "loss". ``value`` is its forward value, ``grad`` is dL/d(value).
    """

    name: str
    kind: str
    layer: int  # column when drawn left to right
    value: float
    grad: float


@dataclass
class Edge:
    """One arrow src -> dst.

    A weighted edge carries a parameter (``param`` names it, ``weight`` is its value): forward it
    sends weight * src, backward ``param_grad`` = dL/dweight = src * dL/ddst. A function edge
    (activation, loss) has no parameter; ``local`` is d dst / d src either way, and ``back``
    = dL/ddst * local is the gradient it passes back to src.
    """

    src: str
    dst: str
    param: str | None
    weight: float | None
    forward: float  # what src contributes to dst: weight * src, or dst itself for a function edge
    local: float  # d dst / d src
    back: float  # dL/ddst * d dst / d src
    param_grad: float | None  # dL/dweight (weighted edges only)


@dataclass
class CompGraph:
    nodes: list[Node]
    edges: list[Edge]
    loss: float
    target: float

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def param_grads(self, params: MLPParams) -> np.ndarray:
        """The edges' dL/dweight in the order of ``params.flat()``."""
        by_name = {e.param: e.param_grad for e in self.edges if e.param is not None}
        return np.array([by_name[name] for name in params.names()])


def computation_graph(params: MLPParams, x, t: float, loss: str = "cross_entropy",
                      act: str = "tanh") -> CompGraph:
    """The network on one input x as a graph: forward value and dL/d(value) on every node, and on
    every edge what flows forward and the gradient that flows back.

    Biases are edges from a constant node "1", so every parameter is exactly one edge and the
    gradient on that edge is the one gradient descent uses (for this example alone).
    """
    x = np.asarray(x, float).reshape(1, 2)
    fwd = forward(params, x, act)
    g = backward(params, fwd, np.array([t]), loss, act)
    H = params.n_hidden
    a, h, z, o = fwd.a[0], fwd.h[0], float(fwd.z[0]), float(fwd.o[0])
    L = loss_value(loss, fwd.z, [t])
    dL_do, dL_dz = float(g.do[0]), float(g.dz[0])
    nodes = [Node("x1", "input", 0, float(x[0, 0]), float(g.da[0] @ params.W1[0])),
             Node("x2", "input", 0, float(x[0, 1]), float(g.da[0] @ params.W1[1])),
             Node("1", "one", 0, 1.0, float(g.da[0] @ params.b1))]
    nodes += [Node(f"a{j + 1}", "sum", 1, float(a[j]), float(g.da[0, j])) for j in range(H)]
    nodes += [Node(f"h{j + 1}", "act", 2, float(h[j]), float(g.dh[0, j])) for j in range(H)]
    nodes += [Node("1'", "one", 2, 1.0, dL_dz * float(params.b2)),
              Node("z", "sum", 3, z, dL_dz), Node("o", "act", 4, o, dL_do), Node("L", "loss", 5, L, 1.0)]
    edges: list[Edge] = []
    for i, xi in enumerate(x[0]):
        for j in range(H):
            w = float(params.W1[i, j])
            edges.append(Edge(f"x{i + 1}", f"a{j + 1}", f"W1[{i + 1},{j + 1}]", w, w * xi, w,
                              float(g.da[0, j]) * w, float(g.dW1[i, j])))
    for j in range(H):
        w = float(params.b1[j])
        edges.append(Edge("1", f"a{j + 1}", f"b1[{j + 1}]", w, w, w, float(g.da[0, j]) * w, float(g.db1[j])))
    slope = activation_slope(act, h)
    for j in range(H):
        edges.append(Edge(f"a{j + 1}", f"h{j + 1}", None, None, float(h[j]), float(slope[j]),
                          float(g.da[0, j]), None))
    for j in range(H):
        w = float(params.w2[j])
        edges.append(Edge(f"h{j + 1}", "z", f"w2[{j + 1}]", w, w * float(h[j]), w, dL_dz * w, float(g.dw2[j])))
    edges.append(Edge("1'", "z", "b2", float(params.b2), float(params.b2), float(params.b2),
                      dL_dz * float(params.b2), float(g.db2)))
    edges.append(Edge("z", "o", None, None, o, o * (1.0 - o), dL_dz, None))
    edges.append(Edge("o", "L", None, None, L, dL_do, dL_do, None))
    return CompGraph(nodes, edges, L, float(t))
