"""Training the hybrid end to end: mini-batches of sequences, Adam on the mean log-likelihood per position.

Both models of the lesson train here with the same code: `pgmviz.models.crf.NeuralCRF` with
transitions (the net's logits as a CRF's unary scores; the gradient reaches the net through the
exact marginals) and without (the same net, an independent softmax per position). `pair` builds
them from the same initial net and `pgmviz.training.protocol.Lockstep` gives them the same
updates; every trainer follows the one protocol, ``run(Budget) -> Progress``.

Held-out numbers (`evaluate`): accuracy of the most probable labeling (Viterbi; per-position argmax
for the net alone) and the log-likelihood log p(y | x) per position, in nats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pgmviz.models import crf
from pgmviz.models.crf import NeuralCRF
from pgmviz.models.crf_data import SequenceTask, generating_hmm, make_task
from pgmviz.nets.optim import Adam
from pgmviz.rng import as_rng
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import (
    MAX_ABS_PARAMETER,
    Budget,
    Lockstep,
    Progress,
    healthy,
    spend,
)


@dataclass
class CRFSettings:
    n_hidden: int = 16  # sigmoid units of the net's one hidden layer (0: logistic regression)
    lr: float = 0.01  # Adam's step size
    batch_size: int = 10  # sequences per update
    weight_decay: float = 1e-4  # on the net's weights, not on A
    seed: int = 0  # the initial net and the order of the mini-batches


def evaluate(model: NeuralCRF, X: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """{"accuracy": fraction of positions decoded right, "nats": mean log p(y | x) per position}."""
    U, _ = model.unary(X)
    return evaluate_scores(U, *model.chain(), Y)


def evaluate_scores(U: np.ndarray, A: np.ndarray, s: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """`evaluate` for a chain given by its scores: Viterbi's accuracy and log p(y | x) per position."""
    Y = np.asarray(Y)
    return {"accuracy": float(np.mean(crf.viterbi(U, A, s)[0] == Y)),
            "nats": float(crf.log_likelihood(U, A, s, Y).sum() / Y.size)}


def references(task: SequenceTask) -> dict[str, dict[str, float]]:
    """The held-out numbers of the model that made the data: {"hmm": with its transitions,
    "per_position": p(y_t | x_t) alone}, the best a model with / without transitions can expect."""
    return {name: evaluate_scores(*generating_hmm(task, task.X_test, transitions), task.Y_test)
            for name, transitions in (("hmm", True), ("per_position", False))}


@dataclass
class CRFTrainer:
    """Adam on `NeuralCRF.loss` in slices; ``history`` has a row per epoch (epoch 0 = the initial net).

    Rows: epoch, step, "train nats" (mean log p(y | x) per training position), "held-out nats",
    "held-out accuracy"; ``epoch_model`` is a copy of the model the last row measured.
    ``max_epochs``: a `Budget` run trains no further and reports ``finished``.
    """

    model: NeuralCRF
    task: SequenceTask
    settings: CRFSettings = field(default_factory=CRFSettings)
    max_epochs: int | None = None

    def __post_init__(self) -> None:
        s = self.settings
        if not (np.isfinite(s.lr) and s.lr > 0) or int(s.batch_size) < 1:
            raise ValueError(f"the step size must be > 0 and a batch at least one sequence; got {s.lr}, "
                             f"{s.batch_size}")
        self.rng = as_rng(s.seed + 1)  # the batches' order: not the stream that drew the initial net
        self.batches = Batches(len(self.task.X_train), s.batch_size, self.rng)
        self.opt = Adam(self.model.parameters(), s.lr)
        self.step = 0
        self.seconds = 0.0
        self.diverged: str | None = None
        self.history: list[dict[str, float]] = [self.measure()]

    def measure(self) -> dict[str, float]:
        """The history row of the model as it is now; a copy of it is kept as ``epoch_model``."""
        # a page drawing while a slice trains reads this copy, so its pictures match the row's numbers
        self.epoch_model = self.model.copy()
        held_out = evaluate(self.model, self.task.X_test, self.task.Y_test)
        train = float(self.model.log_likelihood(self.task.X_train, self.task.Y_train).sum() / self.task.Y_train.size)
        return {"epoch": self.epoch, "step": self.step, "train nats": train,
                "held-out nats": held_out["nats"], "held-out accuracy": held_out["accuracy"]}

    @property
    def epoch(self) -> int:
        return self.batches.epoch

    @property
    def updates_left_in_epoch(self) -> int:
        return self.batches.updates_left

    def _update(self) -> bool:
        s = self.settings
        if not self.batches.in_epoch and self.max_epochs is not None and self.epoch >= self.max_epochs:
            return False
        idx = self.batches.next()
        _, grads = self.model.loss_and_gradients(self.task.X_train[idx], self.task.Y_train[idx], s.weight_decay)
        self.opt.step(self.model.parameters(), grads)  # in place: the model's own arrays
        self.step += 1
        if not self.batches.in_epoch:  # that batch ended the epoch
            if healthy(self.model.parameters().values()):  # an unhealthy net is put back below, unmeasured
                self.history.append(self.measure())
        return True

    def run(self, budget: Budget) -> Progress:
        """A slice of mini-batch updates; parameters that turn NaN or huge are put back, and ``diverged`` says so."""
        done, seconds = 0, 0.0
        if self.diverged is None:
            params = self.model.parameters()
            backup = {k: a.copy() for k, a in params.items()}
            state = (self.batches.copy(), self.step, len(self.history), self.epoch_model)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                done, seconds = spend(budget, self._update)
            self.seconds += seconds
            if not healthy(params.values()):
                for k, a in params.items():
                    a[...] = backup[k]
                self.batches, self.step, n_rows, self.epoch_model = state
                del self.history[n_rows:]
                self.opt = Adam(params, self.settings.lr)  # its moments saw the bad steps
                self.diverged = (f"training diverged (parameters NaN, infinite or beyond {MAX_ABS_PARAMETER:g}; "
                                 "lower the step size); the last good parameters were kept")
                done = 0
        finished = self.max_epochs is not None and self.epoch >= self.max_epochs
        return Progress(self.step, done, seconds, finished=finished, diverged=self.diverged,
                        snapshot=self.history[-1])


def pair(task: SequenceTask, settings: CRFSettings | None = None, max_epochs: int | None = None) -> Lockstep:
    """[the CRF hybrid, the same net alone]: the same initial net, the same batches, updated in lockstep."""
    s = settings or CRFSettings()
    model = NeuralCRF.random(task.n_inputs, s.n_hidden, task.n_labels, transitions=True, rng=s.seed)
    return Lockstep([CRFTrainer(model, task, s, max_epochs), CRFTrainer(model.copy(transitions=False), task, s,
                                                                        max_epochs)])


def worth_of_transitions(noises, stay: float, step: float, length: int = 20, n_test: int = 300, seed: int = 0
                         ) -> dict[str, np.ndarray]:
    """For each pixel noise: the true model's held-out accuracy and nats with and without the transitions
    ("hmm_accuracy", "per_position_accuracy", "hmm_nats", "per_position_nats"), on tasks of ``seed``."""
    rows = [references(make_task(1, n_test, length, float(q), stay, step, seed)) for q in noises]
    return {f"{which}_{metric}": np.array([r[which][metric] for r in rows])
            for which in ("hmm", "per_position") for metric in ("accuracy", "nats")}


# ---------------------------------------------------------------------------- what the page compares
@dataclass
class Corrections:
    """Held-out positions by who decoded them right: the CRF and the net alone."""

    fixed: int  # the CRF right, the net alone wrong
    broken: int  # the CRF wrong, the net alone right
    both_right: int
    both_wrong: int
    per_sequence: np.ndarray  # (n,) fixed minus broken in each sequence


def corrections(hybrid: NeuralCRF, alone: NeuralCRF, X: np.ndarray, Y: np.ndarray) -> Corrections:
    """Count where the CRF's Viterbi labeling corrects (or spoils) the net alone's per-position argmax."""
    right_crf, right_net = hybrid.decode(X) == Y, alone.decode(X) == Y
    fixed, broken = right_crf & ~right_net, ~right_crf & right_net
    return Corrections(int(fixed.sum()), int(broken.sum()), int((right_crf & right_net).sum()),
                       int((~right_crf & ~right_net).sum()), fixed.sum(axis=1) - broken.sum(axis=1))


def transition_agreement(A: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(A - mean A, log P - mean log P, their correlation): transition scores count only relative to each other."""
    with np.errstate(divide="ignore"):
        log_P = np.maximum(np.log(P), -1e6)
    a, b = A - A.mean(), log_P - log_P.mean()
    denom = float(np.sqrt((a**2).sum() * (b**2).sum()))
    return a, b, float((a * b).sum() / denom) if denom > 0 else float("nan")


def gradient_check(model: NeuralCRF, X: np.ndarray, Y: np.ndarray, n_per_array: int = 2, eps: float = 1e-6,
                   rng: int | np.random.Generator | None = 0) -> list[dict]:
    """Backprop's dL/dp next to the central difference (L(p + eps) - L(p - eps)) / 2 eps, for a few
    entries p of every parameter array (A and s included), on the sequences X, Y (keep them few)."""
    gen = as_rng(rng)
    model = model.copy()
    _, grads = model.loss_and_gradients(X, Y)
    rows = []
    for name, p in model.parameters().items():
        for flat in gen.choice(p.size, size=min(n_per_array, p.size), replace=False):
            idx = np.unravel_index(int(flat), p.shape)
            old = p[idx]
            p[idx] = old + eps
            up = model.loss(X, Y)
            p[idx] = old - eps
            down = model.loss(X, Y)
            p[idx] = old
            numeric, analytic = (up - down) / (2 * eps), float(grads[name][idx])
            rows.append({"parameter": f"{name}[{','.join(str(int(i)) for i in idx)}]", "backprop": analytic,
                         "finite difference": numeric,
                         "relative difference": abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-12)})
    return rows
