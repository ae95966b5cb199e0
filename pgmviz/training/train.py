"""Training an RBM by stochastic gradient ascent on the log-likelihood, as a stream of snapshots.

One update on a mini-batch V_pos (n rows) with negative samples V_neg (m rows):

    grad_W = V_pos^T p(h|V_pos) / n  -  V_neg^T p(h|V_neg) / m  -  weight_decay * W
    dW     = momentum * dW + lr * grad_W ;   W += dW            (b and c alike, without decay)

`Trainer` owns the model, the optimiser state and the negative phase. Pages call
``trainer.run(Budget(...))`` in short slices (`pgmviz.training.protocol`) and draw the `Snapshot` in the
`Progress` it returns, so training never blocks; ``trainer.run(n)`` returns the `Snapshot` itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import overload

import numpy as np

from pgmviz.models.rbm import RBM, check_visible
from pgmviz.rng import as_rng
from pgmviz.sampling import kernels
from pgmviz.sampling.fused import FusedDraws
from pgmviz.sampling.partition import exact_feasible, log_likelihood_exact, log_Z_exact
from pgmviz.special import softplus
from pgmviz.training.batches import Batches
from pgmviz.training.negative import CD, NEGATIVE_PHASES, PCD, NegativePhase, make_negative_phase
from pgmviz.training.protocol import Budget, Progress, as_budget, spend

STREAMS = ("numpy", "fused")


def stream_for(sampler: str) -> str:
    """The stream a live page trains on: "fused" for CD, PCD and their kind (population annealing), else "numpy"."""
    cls = NEGATIVE_PHASES.get(sampler)
    return "fused" if cls is not None and issubclass(cls, (CD, PCD)) else "numpy"


@dataclass
class TrainSettings:
    lr: float = 0.05  # learning rate (epsilon)
    momentum: float = 0.5  # the practical guide starts at 0.5 and raises it to 0.9
    weight_decay: float = 2e-4  # L2 penalty on W (a Gaussian prior); biases are not decayed
    batch_size: int = 100
    sampler: str = "cd"  # a key of negative.NEGATIVE_PHASES
    # Where CD/PCD's random bits and sigmoids come from: "numpy" (numpy's Generator: every bundled model
    # and pinned figure was made on it) or "fused" (pgmviz.sampling.fused: one Numba pass per layer).
    stream: str = "numpy"
    k: int = 1  # Gibbs steps per update
    n_chains: int = 100  # persistent chains (PCD and the population methods)
    seed: int = 0
    max_abs_weight: float = 1e3  # weights beyond this mean the learning rate is far too high
    # Hybrid training of a label RBM (Larochelle & Bengio 2008): ascend log p(v) + discriminative *
    # log p(y | x). The exact log p(y | x) term strengthens the label units' couplings; 0 = generative only.
    discriminative: float = 0.0
    # A falling rate (Tieleman 2008: persistent chains keep up with the model only while the weights change
    # slowly): update t of a run planned for N updates (Trainer.planned_updates) trains at
    # lr * max(1 - t / N, lr_floor). None = the rate stays lr (so does a run without a plan).
    lr_floor: float | None = None

    def __post_init__(self) -> None:
        checks = {
            "lr": self.lr > 0 and np.isfinite(self.lr),
            "momentum": 0 <= self.momentum < 1,
            "weight_decay": self.weight_decay >= 0,
            "batch_size": self.batch_size >= 1,
            "k": self.k >= 1,
            "n_chains": self.n_chains >= 1,
            "discriminative": self.discriminative >= 0 and np.isfinite(self.discriminative),
            "lr_floor": self.lr_floor is None or 0 < self.lr_floor <= 1,
            "stream": self.stream in STREAMS,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError("invalid training settings: " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad))

    def lr_at(self, step: int, planned: int | None = None) -> float:
        """The rate of update ``step`` (0-based) of a run planned for ``planned`` updates."""
        if self.lr_floor is None or not planned:
            return self.lr
        return self.lr * max(1.0 - step / planned, self.lr_floor)


@dataclass
class Snapshot:
    """What a page draws after a slice of training: a copy of the model and the metrics."""

    step: int
    epoch: float
    rbm: RBM
    metrics: dict[str, float]
    dW: np.ndarray  # the last weight update (for the update-size histogram)
    diverged: str | None = None


@dataclass
class Trainer:
    rbm: RBM
    X_train: np.ndarray
    X_test: np.ndarray | None = None
    settings: TrainSettings = field(default_factory=TrainSettings)
    negative_phase: NegativePhase | None = None
    monitor_size: int = 500  # rows of train/test data used for the metrics
    exact_max_units: int = 20  # exact log-likelihood while min(n_v, n_h) <= this
    planned_updates: int | None = None  # the run's length, for a falling rate (settings.lr_floor)

    def __post_init__(self) -> None:
        self.X_train = self.rbm.check_data(self.X_train)  # [0, 1] for binary visible units, reals for Gaussian
        if self.X_train.shape[0] == 0:
            raise ValueError("no training data")
        if self.X_test is not None:
            self.X_test = self.rbm.check_data(self.X_test)
        s = self.settings
        if s.discriminative and not hasattr(self.rbm, "log_p_y_given_x_gradient"):
            raise ValueError("discriminative training needs a model with label units (pgmviz.models.labels.LabelRBM)")
        self.rng = as_rng(s.seed)
        if self.negative_phase is None:
            self.negative_phase = make_negative_phase(s.sampler, k=s.k, n_chains=s.n_chains)
        self.draws = self._fused_draws() if s.stream == "fused" else None
        self.step = 0
        self.history: list[dict[str, float]] = []
        self.diverged: str | None = None
        self.dW = np.zeros_like(self.rbm.W)
        self.db = np.zeros_like(self.rbm.b)
        self.dc = np.zeros_like(self.rbm.c)
        self.d_extra: dict[str, np.ndarray] = {}  # momentum of the model's extra parameters (a GRBM's log sigma)
        # The batch order's random stream: the sampler's by default; a subclass may give it its
        # own, so that samplers drawing different amounts of randomness still see the same batches.
        # Full batches only, the first shuffle drawn now: the order every bundled model was trained in.
        self.batches = Batches(self.X_train.shape[0], s.batch_size, self.rng, drop_last=True, shuffle_now=True)
        self.seconds_training = 0.0
        # Fixed monitoring subsets (and a fixed bit to flip per row for the pseudo-likelihood),
        # so the metric curves move only because the model moves.
        mon = np.random.default_rng(12345)
        self._mon_train = self.X_train[mon.permutation(self.X_train.shape[0])[: self.monitor_size]]
        self._mon_test = None if self.X_test is None else self.X_test[: self.monitor_size]
        self._pll_bits = mon.integers(0, self.rbm.n_v, size=self._mon_train.shape[0])

    def _fused_draws(self) -> FusedDraws:
        """The fused stream's workspace, shared with the negative phase: binary RBMs under CD/PCD only."""
        phase = self.negative_phase
        if type(self.rbm) is not RBM or not isinstance(phase, (CD, PCD)) or getattr(phase, "mean_field_v", False):
            raise ValueError("the fused stream samples binary RBMs under CD or PCD; use stream='numpy'")
        # CD's negative samples live for one update, so they are drawn straight into the gradient's stacked operand
        phase.draws = FusedDraws(self.settings.seed, stack_negatives=isinstance(phase, CD))
        return phase.draws

    # ------------------------------------------------------------------ training
    @property
    def epoch(self) -> float:
        return self.step * self.settings.batch_size / self.X_train.shape[0]

    def _next_batch(self) -> np.ndarray:
        return self.X_train[self.batches.next()]

    @property
    def lr_now(self) -> float:
        """The rate of the next update (`TrainSettings.lr_at` of this run's step and plan)."""
        return self.settings.lr_at(self.step, self.planned_updates)

    def update(self) -> str | None:
        """One gradient step on the next mini-batch; returns why it was refused, if it was.

        A step that would make a parameter non-finite or a weight larger than ``max_abs_weight``
        is not applied (the model keeps its parameters) and its reason is returned.
        """
        s, rbm = self.settings, self.rbm
        if self.draws is None:
            V_pos = self._next_batch()
            P_pos = rbm.p_h_given_v(V_pos)
        else:  # the batch gathered straight into the gradient's stacked operand
            V_pos = self.draws.gather(self.X_train, self.batches.next())
            P_pos = self.draws.h_given_v(rbm, V_pos, sample=False)[0]
        V_neg, P_neg = self.negative_phase.negative(rbm, V_pos, P_pos, self.rng)
        n, m = V_pos.shape[0], V_neg.shape[0]
        # Importance-weighted samplers (population annealing) average the negative phase with
        # their particle weights; the others weight every sample 1/m.
        w = getattr(self.negative_phase, "weights", None)
        w = np.full(m, 1.0 / m, dtype=rbm.dtype) if w is None else w.astype(rbm.dtype)
        # The visible statistics pairing with W and b: v itself for binary units, v / sigma and
        # (v - b) / sigma^2 for Gaussian ones. One matrix product for both phases:
        # [S_pos; S_neg]^T [P_pos / n; -w P_neg].
        (S_pos, Sb_pos), (S_neg, Sb_neg) = rbm.visible_statistics(V_pos), rbm.visible_statistics(V_neg)
        if self.draws is None:
            grad_W = np.vstack([S_pos, S_neg]).T @ np.vstack([P_pos / n, P_neg * -w[:, None]])
            grad_b = Sb_pos.mean(axis=0) - w @ Sb_neg
            grad_c = P_pos.mean(axis=0) - w @ P_neg
        else:  # the same sums from the workspace's buffers (binary units: Sb is S), the biases' in one pass
            grad_W, grad_b, grad_c = self.draws.stacked_gradient(S_pos, P_pos, S_neg, P_neg, w)
        extra = rbm.extra_gradients(V_pos, P_pos, V_neg, P_neg, w)
        if s.discriminative:
            gW, gb, gc = rbm.log_p_y_given_x_gradient(V_pos)
            grad_W += s.discriminative * gW
            grad_b = grad_b + s.discriminative * gb
            grad_c = grad_c + s.discriminative * gc
        lr, dt = self.lr_now, rbm.dtype.type
        if self.draws is not None:
            return self._apply_in_place(grad_W, grad_b, grad_c, dt(lr))
        db = s.momentum * self.db + lr * grad_b
        dc = s.momentum * self.dc + lr * grad_c
        biases_ok = np.isfinite(rbm.b + db).all() and np.isfinite(rbm.c + dc).all()
        d_extra = {k: s.momentum * self.d_extra.get(k, 0.0) + lr * g for k, g in extra.items()}
        peak = kernels.momentum_step(rbm.W, self.dW, grad_W, dt(lr), dt(s.momentum), dt(s.weight_decay))
        if not (np.isfinite(peak) and biases_ok and all(np.isfinite(d).all() for d in d_extra.values())):
            return "training diverged (the next step would make parameters NaN or infinite; lower the learning rate)"
        if peak > s.max_abs_weight:
            return f"training diverged (a weight would reach {peak:.3g}; lower the learning rate)"
        old = rbm.copy() if type(self.negative_phase).after_update is not NegativePhase.after_update else None
        rbm.W += self.dW
        rbm.b += db
        rbm.c += dc
        if d_extra:
            rbm.apply_extra(d_extra)
        self.db, self.dc, self.d_extra = db, dc, d_extra
        if old is not None:
            self.negative_phase.after_update(old, rbm, self.rng)
        self.step += 1
        return None

    def _apply_in_place(self, grad_W, grad_b, grad_c, lr) -> str | None:
        """The fused stream's step: each parameter's momentum step and W += dW in one pass (`kernels.momentum_apply`).

        The same arithmetic as the numpy stream's two passes, so the same bits. The passes write the
        parameters before their peaks are known and leave the old values in the gradients' buffers
        (workspace buffers of `FusedDraws`, rewritten next update), so a refused step is put back from
        them bit for bit; W is not touched when a bias already overflowed.
        """
        s, rbm = self.settings, self.rbm
        dt = rbm.dtype.type
        steps = ((rbm.b, self.db, grad_b, dt(0.0)), (rbm.c, self.dc, grad_c, dt(0.0)),
                 (rbm.W, self.dW, grad_W, dt(s.weight_decay)))
        peaks = []
        for p, d, g, decay in steps:
            peaks.append(kernels.momentum_apply(p, d, g, lr, dt(s.momentum), decay))
            if peaks[-1] == np.inf:
                break
        problem = None
        if peaks[-1] == np.inf:
            problem = "training diverged (the next step would make parameters NaN or infinite; lower the learning rate)"
        elif peaks[-1] > s.max_abs_weight:
            problem = f"training diverged (a weight would reach {peaks[-1]:.3g}; lower the learning rate)"
        if problem:
            for (p, _, g, _), _ in zip(steps, peaks):
                p[...] = g
            return problem
        if type(self.negative_phase).after_update is not NegativePhase.after_update:  # the old model: in the buffers
            self.negative_phase.after_update(RBM(grad_W, grad_b, grad_c), rbm, self.rng)
        self.step += 1
        return None

    def _guarded_update(self) -> bool:
        """One update; False (and ``diverged`` set, the momentum cleared) when it was refused."""
        with np.errstate(over="ignore", invalid="ignore"):
            problem = self.update()
        if problem:
            self.dW[:] = 0
            self.db[:] = 0
            self.dc[:] = 0
            self.d_extra = {}
            self.diverged = problem + f" at update {self.step + 1}; the last good parameters were kept"
            return False
        return True

    @overload
    def run(self, budget: Budget, with_metrics: bool = True) -> Progress: ...
    @overload
    def run(self, budget: int, with_metrics: bool = True) -> Snapshot: ...

    def run(self, budget, with_metrics=True):
        """Train one slice: a `Budget` (returns a `Progress` whose snapshot is a `Snapshot`), or
        ``run(n)``: up to n updates, returning the `Snapshot` itself.

        Stops early and sets ``diverged`` when a step would blow the model up (NaN/inf, or weights
        beyond ``max_abs_weight``): that step is not applied, so the model keeps the last good
        parameters. A diverged trainer does nothing more.
        """
        budget, numeric = as_budget(budget)
        done, seconds = 0, 0.0
        if self.diverged is None:
            done, seconds = spend(budget, self._guarded_update)
            self.seconds_training += seconds
        metrics = self.evaluate() if with_metrics else {}
        if with_metrics:
            self.history.append({"step": self.step, "epoch": self.epoch, **metrics})
        snap = Snapshot(self.step, self.epoch, self.rbm.copy(), metrics, self.dW.copy(), self.diverged)
        if numeric:
            return snap
        return Progress(self.step, done, seconds, diverged=self.diverged, snapshot=snap)

    # ------------------------------------------------------------------ metrics
    def evaluate(self) -> dict[str, float]:
        """Reconstruction error, pseudo-log-likelihood, free-energy gap, exact log-likelihood when small.

        The first three use fixed monitoring subsets of ``monitor_size`` rows; the exact
        log-likelihoods use all of ``X_train`` and ``X_test``.
        """
        rbm, V = self.rbm, self._mon_train
        out: dict[str, float] = {"recon_error": reconstruction_error(rbm, V)}
        if rbm.visible_units == "bernoulli":  # it flips a bit
            out["pseudo_ll"] = pseudo_log_likelihood(rbm, V, self._pll_bits)
        F_train = float(rbm.free_energy(V).mean())
        if self._mon_test is not None:
            out["free_energy_gap"] = float(rbm.free_energy(self._mon_test).mean()) - F_train
        binary = rbm.visible_units == rbm.hidden_units == "bernoulli"  # what the enumeration assumes
        if binary and exact_feasible(rbm, self.exact_max_units):
            # Exact likelihoods over the whole train and held-out sets (log Z dominates the cost),
            # so they agree with every other page that reports them.
            log_Z = log_Z_exact(rbm)
            out["log_Z"] = log_Z
            out["ll_train"] = log_likelihood_exact(rbm, self.X_train, log_Z)
            if self.X_test is not None:
                out["ll_test"] = log_likelihood_exact(rbm, self.X_test, log_Z)
        out.update(self.negative_phase.metrics())
        out["updates_per_s"] = self.step / self.seconds_training if self.seconds_training > 0 else 0.0
        return out

    def settings_dict(self) -> dict:
        return asdict(self.settings)


def reconstruction_error(rbm: RBM, V: np.ndarray) -> float:
    """Mean squared error per pixel between v and its mean-field reconstruction p(v | p(h | v))."""
    return float(((V - rbm.reconstruct(V)) ** 2).mean())


def pseudo_log_likelihood(rbm: RBM, V: np.ndarray, bits: np.ndarray | None = None, rng=None) -> float:
    """Stochastic pseudo-log-likelihood n_v * mean log sigmoid(F(v~) - F(v)), v~ = v with one bit flipped.

    log p(v_i | v_-i) = log sigmoid(F(v~) - F(v)); summing over i is too costly per snapshot, so
    one bit per row is flipped (a fixed one, when ``bits`` is given) and scaled by n_v.
    """
    V = check_visible(V, rbm.n_v, rbm.dtype)
    if bits is None:
        bits = as_rng(rng).integers(0, rbm.n_v, size=V.shape[0])
    rows = np.arange(V.shape[0])
    V_flip = V.copy()
    V_flip[rows, bits] = 1 - V_flip[rows, bits]
    delta = rbm.free_energy(V_flip) - rbm.free_energy(V)
    return float(-rbm.n_v * softplus(-delta).mean())
