"""Variational autoencoder: a directed graphical model z -> x whose conditional is a neural net.

Generative model (the "decoder"):
    p(z) = N(0, I),  z in R^n_z
    p(x | z) = prod_i Bernoulli(x_i; sigmoid(l_i(z))),  l(z) = W4.tanh(W3.z + b3) + b4
Recognition model (the "encoder", which approximately inverts the generative one):
    q(z | x) = N(mu(x), diag sigma^2(x)),  [mu, log sigma^2] = [Wmu, Wlv].tanh(W1.x + b1) + [bmu, blv]

Learning maximises the evidence lower bound (ELBO), per image
    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z))  <=  log p(x),
the first term ("reconstruction") estimated with one reparameterised sample z = mu + sigma * eps,
eps ~ N(0, I), the second in closed form, KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).
Gradients are backpropagated by hand (`elbo_and_grad`, checked against finite differences in
tests/unit/test_vae.py) and followed with Adam. log p(x) itself is estimated by importance
sampling with q as proposal (`iwae_log_px`, the IWAE bound of Burda et al. 2016): it is below
log p(x), above the ELBO, and rises towards log p(x) with the number of samples K, so its nats
compare with an RBM's log p(v) on the same held-out digits.

Matrices are (inputs, outputs), batches are rows, as everywhere in pgmviz: ``X.shape == (n, n_x)``.
No deep-learning framework: numpy and BLAS (the work is big matrix products, where numba gains
nothing).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

from pgmviz.io import check_float_arrays, read_npz
from pgmviz.nets.optim import Adam
from pgmviz.rng import as_rng
from pgmviz.special import sigmoid, softplus
from pgmviz.training.batches import Batches
from pgmviz.training.protocol import MAX_ABS_PARAMETER, Budget, Progress, healthy, spend

LOG_2PI = float(np.log(2 * np.pi))
PARAMS = ("W1", "b1", "Wmu", "bmu", "Wlv", "blv", "W3", "b3", "W4", "b4")


@dataclass
class VAEConfig:
    n_x: int = 784        # pixels
    n_hidden: int = 200   # tanh units in each of encoder and decoder
    n_z: int = 2          # latent size: 2 to draw the latent space, 10-20 for better digits
    lr: float = 1e-3      # Adam step size
    batch_size: int = 100
    seed: int = 0


def log_bernoulli(X: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """log p(x | z) = sum_i x_i l_i - softplus(l_i) for Bernoulli pixels with logits l; shape (n,)."""
    return (X * logits - softplus(logits)).sum(axis=-1)


def kl_normal_std(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """KL(N(mu, diag e^logvar) || N(0, I)) = 1/2 sum_j (mu_j^2 + e^logvar_j - 1 - logvar_j); shape (n,)."""
    return 0.5 * (mu**2 + np.exp(logvar) - 1.0 - logvar).sum(axis=-1)


def log_normal(Z: np.ndarray, mu: np.ndarray | float = 0.0, logvar: np.ndarray | float = 0.0) -> np.ndarray:
    """log N(z; mu, diag e^logvar), summed over the last axis."""
    return -0.5 * (LOG_2PI + logvar + (Z - mu) ** 2 * np.exp(-logvar)).sum(axis=-1)


@dataclass
class ELBOTerms:
    """Per-image pieces of the ELBO, each of shape (n,): elbo = recon - kl."""
    recon: np.ndarray
    kl: np.ndarray

    @property
    def elbo(self) -> np.ndarray:
        return self.recon - self.kl


class VAE:
    """Parameters of encoder and decoder, and the forward/backward passes of the ELBO."""

    def __init__(self, config: VAEConfig | None = None, params: dict | None = None, dtype=np.float32):
        self.config = config or VAEConfig()
        if params is None:
            params = self._init_params(self.config, dtype)
        self.params = {k: np.asarray(params[k], dtype=dtype) for k in PARAMS}

    @staticmethod
    def _init_params(cfg: VAEConfig, dtype) -> dict:
        rng = as_rng(cfg.seed)

        def dense(n_in, n_out):  # Glorot-scaled, so tanh starts in its linear range
            return rng.normal(0, np.sqrt(1.0 / n_in), size=(n_in, n_out))

        H, L, D = cfg.n_hidden, cfg.n_z, cfg.n_x
        return dict(W1=dense(D, H), b1=np.zeros(H), Wmu=dense(H, L) * 0.1, bmu=np.zeros(L),
                    Wlv=dense(H, L) * 0.1, blv=np.zeros(L), W3=dense(L, H), b3=np.zeros(H),
                    W4=dense(H, D), b4=np.zeros(D))

    @property
    def dtype(self):
        return self.params["W1"].dtype

    def astype(self, dtype) -> "VAE":
        return VAE(self.config, {k: v.copy() for k, v in self.params.items()}, dtype=dtype)

    # --- the two networks ------------------------------------------------------------------------
    def encode(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """q(z | x): (mu, log sigma^2), each (n, n_z)."""
        p = self.params
        h1 = np.tanh(np.asarray(X, self.dtype) @ p["W1"] + p["b1"])
        return h1 @ p["Wmu"] + p["bmu"], h1 @ p["Wlv"] + p["blv"]

    def decode_logits(self, Z: np.ndarray) -> np.ndarray:
        """Logits l(z) of p(x | z), (n, n_x)."""
        p = self.params
        return np.tanh(np.asarray(Z, self.dtype) @ p["W3"] + p["b3"]) @ p["W4"] + p["b4"]

    def p_x_given_z(self, Z: np.ndarray) -> np.ndarray:
        """Pixel means p(x_i = 1 | z) = sigmoid(l_i(z)), (n, n_x)."""
        return sigmoid(self.decode_logits(Z))

    def sample_z(self, X: np.ndarray, rng=None) -> np.ndarray:
        """z = mu(x) + sigma(x) * eps, one draw per row of X."""
        mu, lv = self.encode(X)
        return mu + np.exp(0.5 * lv) * as_rng(rng).standard_normal(mu.shape).astype(self.dtype)

    def sample_prior(self, n: int, rng=None) -> np.ndarray:
        """Pixel means p(x | z) for z ~ p(z) = N(0, I): the model's own digits, (n, n_x)."""
        Z = as_rng(rng).standard_normal((n, self.config.n_z)).astype(self.dtype)
        return self.p_x_given_z(Z)

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        """p(x | z = mu(x)): the picture the code of x sends back."""
        return self.p_x_given_z(self.encode(X)[0])

    # --- the bound ---------------------------------------------------------------------------------
    def elbo_terms(self, X: np.ndarray, eps: np.ndarray | None = None, rng=None) -> ELBOTerms:
        """Reconstruction log p(x | z) at z = mu + sigma * eps, and KL(q || p) in closed form."""
        X = np.asarray(X, self.dtype)
        mu, lv = self.encode(X)
        if eps is None:
            eps = as_rng(rng).standard_normal(mu.shape)
        Z = mu + np.exp(0.5 * lv) * np.asarray(eps, self.dtype)
        return ELBOTerms(log_bernoulli(X, self.decode_logits(Z)), kl_normal_std(mu, lv))

    def elbo_and_grad(self, X: np.ndarray, eps: np.ndarray) -> tuple[ELBOTerms, dict]:
        """The per-image ELBO terms at noise ``eps`` (n, n_z), and the gradient of the MEAN ELBO
        with respect to every parameter (ascent direction), by backpropagation."""
        p = self.params
        X = np.asarray(X, self.dtype)
        n = X.shape[0]
        # forward, keeping what the backward pass needs
        h1 = np.tanh(X @ p["W1"] + p["b1"])                      # (n, H)
        mu = h1 @ p["Wmu"] + p["bmu"]                            # (n, L)
        lv = h1 @ p["Wlv"] + p["blv"]                            # (n, L)
        sigma = np.exp(0.5 * lv)
        eps = np.asarray(eps, self.dtype)
        Z = mu + sigma * eps                                     # the reparameterisation
        h3 = np.tanh(Z @ p["W3"] + p["b3"])                      # (n, H)
        logits = h3 @ p["W4"] + p["b4"]                          # (n, D)
        terms = ELBOTerms(log_bernoulli(X, logits), kl_normal_std(mu, lv))

        # backward: d mean(ELBO) / d everything
        g = {}
        d_logits = (X - sigmoid(logits)) / n                       # d log Bernoulli / d logit = x - p
        g["W4"], g["b4"] = h3.T @ d_logits, d_logits.sum(0)
        d_a3 = (d_logits @ p["W4"].T) * (1.0 - h3**2)
        g["W3"], g["b3"] = Z.T @ d_a3, d_a3.sum(0)
        d_Z = d_a3 @ p["W3"].T
        # z depends on mu (dz/dmu = 1) and on log sigma^2 (dz/dlv = eps sigma / 2); -KL adds its own
        d_mu = d_Z - mu / n
        d_lv = d_Z * eps * 0.5 * sigma - 0.5 * (np.exp(lv) - 1.0) / n
        g["Wmu"], g["bmu"] = h1.T @ d_mu, d_mu.sum(0)
        g["Wlv"], g["blv"] = h1.T @ d_lv, d_lv.sum(0)
        d_a1 = (d_mu @ p["Wmu"].T + d_lv @ p["Wlv"].T) * (1.0 - h1**2)
        g["W1"], g["b1"] = X.T @ d_a1, d_a1.sum(0)
        return terms, g

    # --- log p(x) by importance sampling ----------------------------------------------------------
    def iwae_log_px(self, X: np.ndarray, K: int = 100, rng=None, chunk: int = 20000) -> np.ndarray:
        """log p(x) ~ log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x), z_k ~ q(z | x); shape (n,).

        A lower bound in expectation (the IWAE bound); K = 1 is an ELBO sample, and the bound rises
        towards log p(x) as K grows. ``chunk`` caps the decoder rows per pass (memory)."""
        rng = as_rng(rng)
        X = np.asarray(X, self.dtype)
        mu, lv = self.encode(X)
        out = np.empty(len(X))
        rows = max(1, chunk // max(K, 1))
        for s in range(0, len(X), rows):
            x, m, v = X[s:s + rows], mu[s:s + rows], lv[s:s + rows]
            eps = rng.standard_normal((len(x), K, m.shape[1])).astype(self.dtype)
            Z = m[:, None, :] + np.exp(0.5 * v)[:, None, :] * eps             # (b, K, L)
            logits = self.decode_logits(Z.reshape(-1, m.shape[1])).reshape(len(x), K, -1)
            log_w = (log_bernoulli(x[:, None, :], logits) + log_normal(Z)
                     - log_normal(Z, m[:, None, :], v[:, None, :]))             # (b, K)
            out[s:s + len(x)] = logsumexp(log_w.astype(np.float64), axis=1) - np.log(K)
        return out

    # --- pictures -----------------------------------------------------------------------------------
    def latent_grid(self, n: int = 15, span: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Decoded digits on an n x n grid of the 2-D latent space, spaced by the prior's quantiles
        (from (1-span)/2 to (1+span)/2), so each cell holds equal prior mass. Returns
        (Z of shape (n*n, 2) in row-major order, top row = largest z_2; pixel means (n*n, n_x))."""
        if self.config.n_z != 2:
            raise ValueError("the latent map needs n_z = 2")
        from scipy.stats import norm

        q = norm.ppf(np.linspace((1 - span) / 2, (1 + span) / 2, n))
        z1, z2 = np.meshgrid(q, q[::-1])
        Z = np.column_stack([z1.ravel(), z2.ravel()]).astype(self.dtype)
        return Z, self.p_x_given_z(Z)

    def interpolate(self, x_a: np.ndarray, x_b: np.ndarray, n: int = 10) -> np.ndarray:
        """Decoded digits along the straight line from mu(x_a) to mu(x_b) in latent space, (n, n_x)."""
        mu = self.encode(np.stack([x_a, x_b]))[0]
        t = np.linspace(0.0, 1.0, n)[:, None]
        return self.p_x_given_z((1 - t) * mu[0] + t * mu[1])

    # --- files ---------------------------------------------------------------------------------------
    def save(self, path, meta: dict | None = None) -> None:
        meta = dict(meta or {})
        meta["config"] = asdict(self.config)
        np.savez_compressed(path, meta=json.dumps(meta), **{k: v.astype(np.float32) for k, v in self.params.items()})

    @staticmethod
    def load(source) -> tuple["VAE", dict]:
        """From a path or bytes written by `save` (allow_pickle=False); ValueError for a malformed file."""
        kind = "pgmviz VAE"
        a, meta = read_npz(source, kind, names=PARAMS)
        if meta is None:
            raise ValueError(f"not a {kind} file (needs meta and " + ", ".join(PARAMS) + ")")
        check_float_arrays(a, PARAMS, kind)
        config = meta.get("config", {})
        fields = set(VAEConfig.__dataclass_fields__)
        if not isinstance(config, dict) or not set(config) <= fields:
            raise ValueError(f"{kind} file: meta's config must be an object with keys among {sorted(fields)}")
        cfg = VAEConfig(**config)
        D, H, L = cfg.n_x, cfg.n_hidden, cfg.n_z  # the shapes this config implies
        shapes = dict(W1=(D, H), b1=(H,), Wmu=(H, L), bmu=(L,), Wlv=(H, L), blv=(L,), W3=(L, H), b3=(H,),
                      W4=(H, D), b4=(D,))
        for k in PARAMS:
            if a[k].shape != shapes[k]:
                raise ValueError(f"{kind} file: {k} has shape {a[k].shape}; its config needs {shapes[k]}")
        return VAE(cfg, a), meta


@dataclass
class HistoryPoint:
    step: int
    epoch: float
    elbo: float       # training mini-batch mean ELBO (moving average over the slice)
    recon: float
    kl: float
    elbo_test: float | None = None  # held-out mean ELBO, when measured


@dataclass
class VAETrainer:
    """Owns a VAE, its optimiser and its data order; `run(Budget(...))` (`pgmviz.training.protocol`) or
    `train(n_steps)` runs one slice of updates and appends one `HistoryPoint`.

    A page keeps the trainer in ``st.session_state`` and trains it in short slices, so a rerun
    continues where it stopped. ``test_every`` / ``n_test``: what `run` measures on the held-out
    set (None: every slice)."""

    vae: VAE
    X_train: np.ndarray
    X_test: np.ndarray | None = None
    step: int = 0
    history: list[HistoryPoint] = field(default_factory=list)
    seconds: float = 0.0
    test_every: int | None = None
    n_test: int = 1000

    def __post_init__(self):
        cfg = self.vae.config
        self.X_train = np.asarray(self.X_train, self.vae.dtype)
        self.opt = Adam(self.vae.params, lr=cfg.lr, maximize=True)  # ascends the ELBO
        self.rng = as_rng(cfg.seed + 1)
        self.batches = Batches(len(self.X_train), self.vae.config.batch_size, self.rng, drop_last=True)
        self._slice_seconds = 0.0
        self.diverged: str | None = None

    @property
    def epoch(self) -> float:
        return self.step * self.vae.config.batch_size / len(self.X_train)

    def _batch(self) -> np.ndarray:
        return self.X_train[self.batches.next()]

    def run(self, budget: Budget) -> Progress:
        """One slice of Adam updates within ``budget``; its `HistoryPoint` is the snapshot.

        Parameters that turn NaN, infinite or huge (a wild learning rate) are put back as they
        were before the slice, no point is recorded, and ``diverged`` says so.
        """
        if self.diverged is not None:
            return Progress(self.step, 0, 0.0, diverged=self.diverged,
                            snapshot=self.history[-1] if self.history else None)
        backup = {k: v.copy() for k, v in self.vae.params.items()}
        step0 = self.step
        with np.errstate(over="ignore", invalid="ignore"):
            point = self._slice(budget, self.test_every, self.n_test)
        if not healthy(self.vae.params.values()) or not np.isfinite(point.elbo):
            for k, v in backup.items():
                self.vae.params[k][...] = v
            self.history.pop()
            self.diverged = (f"training diverged (the ELBO or the weights NaN, infinite or beyond "
                             f"{MAX_ABS_PARAMETER:g} by update {self.step}; lower the learning rate); the last good "
                             "parameters were kept")
            point = self.history[-1] if self.history else None
        return Progress(self.step, self.step - step0, self._slice_seconds, diverged=self.diverged, snapshot=point)

    def train(self, n_steps: int | None = None, test_every: int | None = None, n_test: int = 1000,
              seconds: float | None = None) -> HistoryPoint:
        """Run n_steps Adam updates (or as many as fit in ``seconds``, at least one); append one
        history point (the slice's means; the held-out ELBO when test_every says so)."""
        if n_steps is None and seconds is None:
            raise ValueError("give n_steps or seconds")
        return self._slice(Budget(n_steps, seconds), test_every, n_test)

    def _slice(self, budget: Budget, test_every: int | None, n_test: int) -> HistoryPoint:
        sums = {"recon": 0.0, "kl": 0.0}

        def update() -> bool:
            X = self._batch()
            eps = self.rng.standard_normal((len(X), self.vae.config.n_z))
            terms, grads = self.vae.elbo_and_grad(X, eps)
            self.opt.step(self.vae.params, grads)
            self.step += 1
            sums["recon"] += float(terms.recon.mean())
            sums["kl"] += float(terms.kl.mean())
            return True

        t0 = time.perf_counter()
        done, _ = spend(budget, update)
        n = max(done, 1)
        recon, kl = sums["recon"], sums["kl"]
        point = HistoryPoint(self.step, self.epoch, (recon - kl) / n, recon / n, kl / n)
        if self.X_test is not None and (test_every is None or self.step % test_every < done):
            point.elbo_test = heldout_elbo(self.vae, self.X_test[:n_test])
        self._slice_seconds = time.perf_counter() - t0
        self.seconds += self._slice_seconds
        self.history.append(point)
        return point


def heldout_elbo(vae: VAE, X: np.ndarray, seed: int = 0) -> float:
    """Mean ELBO over the rows of X with fixed noise (seed), in nats per image."""
    return float(vae.elbo_terms(X, rng=seed).elbo.mean())


def load_pretrained(directory: Path) -> dict[str, tuple[VAE, dict]]:
    """Every ``vae_*.npz`` in ``directory``, by its title, smallest latent space first."""
    found = []
    for path in sorted(Path(directory).glob("vae_*.npz")):
        vae, meta = VAE.load(path)
        meta.setdefault("title", path.stem)
        found.append((vae.config.n_z, meta["title"], vae, meta))
    return {title: (vae, meta) for _, title, vae, meta in sorted(found, key=lambda t: t[:2])}
