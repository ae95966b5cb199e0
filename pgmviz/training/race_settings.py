"""A samplers' race defined: its contestants (`Method`), its settings, and the presets that show a difference.

A `Method` is a negative phase and its options (`pgmviz.training.negative`); `RaceSettings` is
everything else a `pgmviz.training.compare.Race` needs, so two races with equal settings give the
same curves. `PRESETS` are settings where the difference shows; the first is CD-1's bias on
bars-and-stripes (Fischer & Igel 2010; Desjardins et al. 2010), each chosen by the measurements
noted beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pgmviz.training.negative import CD, NEGATIVE_PHASES, make_negative_phase
from pgmviz.training.train import TrainSettings

SAMPLER_NAMES = {"cd": "CD", "pcd": "PCD", "pa": "PA", "pt": "PT"}


@dataclass(frozen=True)
class Method:
    """One contestant: a negative phase and its options."""

    sampler: str  # a key of negative.NEGATIVE_PHASES: "cd", "pcd", "pa", "pt"
    k: int = 1  # Gibbs sweeps per update (per temperature for PT)
    n_chains: int = 100  # persistent chains / particles (PCD, PA, PT per temperature)
    n_temps: int = 10  # PT: inverse temperatures, evenly spaced from 1 down to 0
    ess_threshold: float = 0.5  # PA: resample when ESS < ess_threshold * n_chains

    def __post_init__(self) -> None:
        if self.sampler not in NEGATIVE_PHASES:
            raise ValueError(f"unknown sampler {self.sampler!r}; choose one of {sorted(NEGATIVE_PHASES)}")
        if self.k < 1 or self.n_chains < 1:
            raise ValueError(f"{self.sampler}: k and n_chains must be >= 1; got k={self.k}, n_chains={self.n_chains}")
        if self.sampler == "pt" and self.n_temps < 2:
            raise ValueError(f"PT needs at least 2 temperatures; got {self.n_temps}")
        if self.sampler == "pa" and not 0 < self.ess_threshold <= 1:
            raise ValueError(f"PA's ESS threshold must be in (0, 1]; got {self.ess_threshold}")

    @property
    def key(self) -> str:
        """A short unique name, also the legend label: "CD-1", "PCD-1 x100", "PT-1 x10, 10 temps"."""
        name = f"{SAMPLER_NAMES.get(self.sampler, self.sampler.upper())}-{self.k}"
        if self.sampler in ("pcd", "pa"):
            name += f" x{self.n_chains}"
        elif self.sampler == "pt":
            name += f" x{self.n_chains}, {self.n_temps} temps"
        return name

    @property
    def detail(self) -> str:
        """What the method samples with, in words."""
        if self.sampler == "cd":
            return f"{self.k} Gibbs step(s) from the data batch"
        if self.sampler == "pcd":
            return f"{self.n_chains} persistent chains, {self.k} step(s) per update"
        if self.sampler == "pa":
            return (f"{self.n_chains} reweighted particles, {self.k} step(s) per update, "
                    f"resampled when ESS < {self.ess_threshold:g} x {self.n_chains}")
        return f"{self.n_chains} chains at each of {self.n_temps} temperatures, {self.k} step(s) per update"

    def negative_phase(self):
        """A fresh negative phase for this method."""
        if self.sampler == "cd":
            return CDKeepingSamples(k=self.k)
        return make_negative_phase(self.sampler, k=self.k, n_chains=self.n_chains, n_temps=self.n_temps,
                                   ess_threshold=self.ess_threshold)



class CDKeepingSamples(CD):
    """CD-k that keeps its last negative samples, so a page can show them beside the fantasy particles.

    CD has no persistent particles: its "fantasies" are the data batch after k Gibbs steps.
    """

    def negative(self, rbm, V_pos, P_h_pos, rng):
        V_neg, P_neg = super().negative(rbm, V_pos, P_h_pos, rng)
        self.last_V_neg = V_neg
        return V_neg, P_neg

    @property
    def particles(self):
        return getattr(self, "last_V_neg", None)


@dataclass(frozen=True)
class RaceSettings:
    """Everything that defines a race; two races with equal settings give the same curves."""

    dataset: str = "bars4"  # a key of datasets.DATASETS
    n_hidden: int = 16
    lr: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 30
    seed: int = 0  # the initial weights, the batch order and every sampler's random stream
    init_sigma: float = 0.01  # W ~ N(0, init_sigma^2)
    methods: tuple[Method, ...] = (Method("cd"), Method("pcd"), Method("pa"), Method("pt"))

    def __post_init__(self) -> None:
        if self.n_hidden < 1:
            raise ValueError(f"the model needs at least one hidden unit; got {self.n_hidden}")
        if not self.methods:
            raise ValueError("choose at least one method")
        keys = [m.key for m in self.methods]
        if len(set(keys)) != len(keys):
            raise ValueError(f"two methods have the same name: {keys}; change k or the temperatures")
        self.train_settings("cd")  # validates lr, momentum, weight decay, batch size

    def train_settings(self, sampler: str) -> TrainSettings:
        return TrainSettings(lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay,
                             batch_size=self.batch_size, sampler=sampler, seed=self.seed)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["methods"] = [asdict(m) for m in self.methods]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RaceSettings":
        d = dict(d)
        d["methods"] = tuple(Method(**m) for m in d.get("methods", ()))
        return cls(**d)


@dataclass(frozen=True)
class Preset:
    title: str
    claim: str  # what the preset shows, one sentence
    settings: RaceSettings
    n_updates: int  # how long to train to see it


PRESETS: dict[str, Preset] = {}  # filled in below, after the measurements that chose them


# --- presets -----------------------------------------------------------------------------------
# Measured with this code on bars-and-stripes 4x4, 16 hidden units, full batches, no momentum or
# weight decay (the optimum is -log 30 = -3.40). At lr 0.1 (seeds 0, 1, 2; 10,000 updates) CD-1
# peaks near -4.7 and loses only 0.3-0.6 nats, and PCD-1 x1000 and PT wander too (PCD x1000 ends at
# -4.6 to -5.1 on seeds 1, 2): the "fall" is not clear. At lr 0.5 every method falls. At lr 0.05
# (seeds 0, 1; 10,000 updates) the picture is clean: CD-1 levels off near -4.8 from about 5,000
# updates on, PCD-1 x1000 and PA x100 reach -3.7 to -3.9 and PT -4.0 to -4.1; at CD-1's plateau its
# expected update has shrunk to ~0.05 while the exact gradient's norm is ~1.6, at a cosine near 0
# (pgmviz.training.gradients). PCD-1 with only 100 chains oscillates and sinks at lr 0.1 (-10.6 at 10,000);
# population annealing with the same 100 particles does not. Weight decay 0.001 rescues CD-1 at
# lr 0.1 (-3.7).
_BARS = dict(dataset="bars4", n_hidden=16, lr=0.1, momentum=0.0, weight_decay=0.0, batch_size=30, seed=0)

PRESETS.update({
    "cd_fails": Preset(
        "CD-1 settles short of the likelihood's optimum",
        "Bars and stripes 4x4, 16 hidden units, learning rate 0.05: CD-1 levels off below the methods that "
        "sample the model itself, and where it levels off its expected update has all but vanished while the "
        "exact likelihood gradient has not (the chart under the curves).",
        RaceSettings(**{**_BARS, "lr": 0.05},
                     methods=(Method("cd"), Method("pcd", n_chains=1000), Method("pa", n_chains=100),
                              Method("pt", n_chains=10, n_temps=10))),
        n_updates=8000,
    ),
    "pa_vs_pcd": Preset(
        "Population annealing rescues PCD",
        "The same model with only 100 persistent chains: PCD-1's chains fall behind the moving model and its "
        "likelihood sinks; population annealing, which is PCD plus importance weights, keeps the same 100 "
        "particles honest.",
        RaceSettings(**_BARS, methods=(Method("cd"), Method("pcd", n_chains=100), Method("pa", n_chains=100))),
        n_updates=8000,
    ),
    # Measured: 3,000 updates (lr 0.05, momentum 0.5, batches of 100): CD-1 -49.9, PCD-1 -50.6,
    # PA -48.6, PT -51.2 nats per 16x16 digit; PT's swap rate between the two coldest temperatures
    # is about 0.45 but between the hottest ones 0.00: ten evenly spaced temperatures are too few
    # for 256 pixels.
    "digits": Preset(
        "Digits: close race, broken temperature ladder",
        "16x16 digits with 16 hidden units (exact likelihood by enumerating the hidden layer): the methods end "
        "close together, and parallel tempering's ten evenly spaced temperatures are too few for 256 pixels, "
        "so some neighbours almost never swap.",
        RaceSettings(dataset="mnist16", n_hidden=16, lr=0.05, momentum=0.5, weight_decay=0.0, batch_size=100,
                     seed=0, methods=(Method("cd"), Method("pcd", n_chains=100), Method("pa", n_chains=100),
                                      Method("pt", n_chains=10, n_temps=10))),
        n_updates=3000,
    ),
})
