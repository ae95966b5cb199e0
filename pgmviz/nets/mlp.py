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

Backprop is the chain rule run from the loss back to every weight; ``numerical_gradient`` checks it
by central finite differences.

This module: the boolean tasks, the activations and the 2-H-1 network (forward, backward,
training, output grids). The single units are `pgmviz.nets.single_unit`, the losses and their
likelihood readings `pgmviz.nets.losses`, one example's graph of values and gradients
`pgmviz.nets.comp_graph`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgmviz.nets.losses import LOSSES, loss_value
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid

# The four inputs, rows in the order 00, 01, 10, 11.
X_BOOL = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TASKS: dict[str, np.ndarray] = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
ACTIVATIONS = ("tanh", "sigmoid")
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
