"""Semi-supervised VAE, model M2 (Kingma, Rezende, Mohamed & Welling 2014): a label y as a second cause.

Generative model:  p(y) = Cat(1/10),  p(z) = N(0, I),  p(x | y, z) = prod_i Bern(x_i; sigmoid(l_i(y, z))).
Recognition:       q(y | x) = Cat(softmax(classifier(x))),  q(z | x, y) = N(mu(x, y), diag sigma^2(x, y)).

A labelled digit has y observed:  L(x, y) = E_q(z|x,y)[log p(x | y, z)] - KL(q(z | x, y) || p(z)) + log p(y).
An unlabelled digit has y latent, summed over its 10 values:
    U(x) = sum_y q(y | x) L(x, y) + H(q(y | x)).
Training maximises  mean_labelled [L(x, y) + alpha log q(y | x)] + mean_unlabelled U(x):
the classifier learns from the labels (the alpha term) and from the unlabelled digits, through
which label explains each digit best under the generative model.

Matrices are (inputs, outputs); one-hot labels Y (n, 10). Gradients by hand, checked against finite
differences in tests/unit/test_m2.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax

from pgmviz.models.vae import kl_normal_std, log_bernoulli
from pgmviz.nets.optim import Adam
from pgmviz.rng import as_rng
from pgmviz.special import one_hot, sigmoid

N_CLASSES = 10
LOG_PY = -float(np.log(N_CLASSES))  # log p(y), uniform prior
PARAMS = ("C1", "c1", "C2", "c2",                     # classifier q(y|x)
          "W1x", "W1y", "b1", "Wmu", "bmu", "Wlv", "blv",  # encoder q(z|x,y)
          "W3z", "W3y", "b3", "W4", "b4")              # decoder p(x|y,z)


@dataclass
class M2Config:
    n_x: int = 784
    n_hidden: int = 100   # tanh units in each of classifier, encoder, decoder
    n_z: int = 10
    alpha: float = 50.0   # weight of log q(y|x) on labelled digits
    lr: float = 2e-3
    seed: int = 0


class M2:
    def __init__(self, config: M2Config | None = None, dtype=np.float32):
        self.config = cfg = config or M2Config()
        rng = as_rng(cfg.seed)
        D, H, L, K = cfg.n_x, cfg.n_hidden, cfg.n_z, N_CLASSES

        def dense(n_in, n_out, scale=1.0):
            return rng.normal(0, scale * np.sqrt(1.0 / n_in), size=(n_in, n_out))

        p = dict(C1=dense(D, H), c1=np.zeros(H), C2=dense(H, K), c2=np.zeros(K),
                 W1x=dense(D, H), W1y=dense(K, H), b1=np.zeros(H), Wmu=dense(H, L, 0.1), bmu=np.zeros(L),
                 Wlv=dense(H, L, 0.1), blv=np.zeros(L), W3z=dense(L, H), W3y=dense(K, H), b3=np.zeros(H),
                 W4=dense(H, D), b4=np.zeros(D))
        self.params = {k: np.asarray(v, dtype) for k, v in p.items()}

    @property
    def dtype(self):
        return self.params["W4"].dtype

    # --- classifier -------------------------------------------------------------------------------
    def log_q_y(self, X: np.ndarray) -> np.ndarray:
        """log q(y | x), (n, 10)."""
        p = self.params
        hc = np.tanh(np.asarray(X, self.dtype) @ p["C1"] + p["c1"])
        return log_softmax(hc @ p["C2"] + p["c2"], axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.log_q_y(X).argmax(axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float((self.predict(X) == np.asarray(y)).mean())

    # --- the conditional VAE part, for rows (x_r, y_r) with weights w_r -----------------------------
    def _cvae(self, X: np.ndarray, rows: np.ndarray, labels: np.ndarray, eps: np.ndarray,
              w: np.ndarray | None, g: dict) -> np.ndarray:
        """ELBO(x, y) + log p(y) for the pairs (X[rows], labels), shape (r,). If ``w`` is given, adds
        the gradient of sum_r w_r ELBO_r to ``g`` (encoder and decoder parameters)."""
        p = self.params
        XW = X @ p["W1x"]                                                   # once per image
        h1 = np.tanh(XW[rows] + p["W1y"][labels] + p["b1"])                 # (r, H)
        mu, lv = h1 @ p["Wmu"] + p["bmu"], h1 @ p["Wlv"] + p["blv"]
        sigma = np.exp(0.5 * lv)
        Z = mu + sigma * eps
        h3 = np.tanh(Z @ p["W3z"] + p["W3y"][labels] + p["b3"])
        logits = h3 @ p["W4"] + p["b4"]
        Xr = X[rows]
        Y = one_hot(labels, N_CLASSES, self.dtype)                          # (r, 10)
        L = log_bernoulli(Xr, logits) - kl_normal_std(mu, lv) + LOG_PY
        if w is None:
            return L
        w = w[:, None].astype(self.dtype)
        d_logits = (Xr - sigmoid(logits)) * w
        g["W4"] += h3.T @ d_logits
        g["b4"] += d_logits.sum(0)
        d_a3 = (d_logits @ p["W4"].T) * (1.0 - h3**2)
        g["W3z"] += Z.T @ d_a3
        g["W3y"] += Y.T @ d_a3
        g["b3"] += d_a3.sum(0)
        d_Z = d_a3 @ p["W3z"].T
        d_mu = d_Z - mu * w
        d_lv = d_Z * eps * 0.5 * sigma - 0.5 * (np.exp(lv) - 1.0) * w
        g["Wmu"] += h1.T @ d_mu
        g["bmu"] += d_mu.sum(0)
        g["Wlv"] += h1.T @ d_lv
        g["blv"] += d_lv.sum(0)
        d_a1 = (d_mu @ p["Wmu"].T + d_lv @ p["Wlv"].T) * (1.0 - h1**2)
        S = np.zeros((len(rows), len(X)), dtype=self.dtype)                 # row r -> its image
        S[np.arange(len(rows)), rows] = 1.0
        g["W1x"] += X.T @ (S.T @ d_a1)
        g["W1y"] += Y.T @ d_a1
        g["b1"] += d_a1.sum(0)
        return L

    def objective_and_grad(self, X_l: np.ndarray, y_l: np.ndarray, X_u: np.ndarray,
                           eps_l: np.ndarray, eps_u: np.ndarray, grad: bool = True) -> tuple[float, dict]:
        """J = mean_l [L(x, y) + alpha log q(y|x)] + mean_u [sum_y q(y|x) L(x, y) + H(q(y|x))] and dJ.

        eps_l (n_l, n_z), eps_u (n_u, 10, n_z): the noise, fixed so that J is a function to check."""
        p, cfg = self.params, self.config
        g = {k: np.zeros_like(v) for k, v in p.items()} if grad else {}
        X_l, X_u = np.asarray(X_l, self.dtype), np.asarray(X_u, self.dtype)
        y_l = np.asarray(y_l, np.int64)
        n_l, n_u, K = len(X_l), len(X_u), N_CLASSES
        # classifier on both sets
        X_all = np.vstack([X_l, X_u])
        hc = np.tanh(X_all @ p["C1"] + p["c1"])
        log_q = log_softmax(hc @ p["C2"] + p["c2"], axis=1)
        q = np.exp(log_q)
        lq_l, lq_u, q_u = log_q[:n_l], log_q[n_l:], q[n_l:]
        # labelled: y observed
        rows_l = np.arange(n_l)
        w_l = np.full(n_l, 1.0 / n_l) if grad else None
        L_l = self._cvae(X_l, rows_l, y_l, eps_l, w_l, g)
        J = float(L_l.mean() + cfg.alpha * lq_l[rows_l, y_l].mean())
        # unlabelled: every image paired with every label
        rows_u, labels_u = np.repeat(np.arange(n_u), K), np.tile(np.arange(K), n_u)
        w_u = (q_u.ravel() / n_u) if grad else None
        L_u = self._cvae(X_u, rows_u, labels_u, eps_u.reshape(n_u * K, cfg.n_z), w_u, g).reshape(n_u, K)
        if n_u:
            J += float(((q_u * L_u).sum(1) - (q_u * lq_u).sum(1)).mean())
        if not grad:
            return J, g
        # classifier gradient through the softmax
        d_a = np.empty_like(q)
        onehot = one_hot(y_l, K, q.dtype)
        d_a[:n_l] = cfg.alpha * (onehot - q[:n_l]) / n_l
        f = L_u - lq_u                                                       # d/dq_y of q.L + H, up to a constant
        d_a[n_l:] = q_u * (f - (q_u * f).sum(1, keepdims=True)) / n_u
        g["C2"] += hc.T @ d_a
        g["c2"] += d_a.sum(0)
        d_hc = (d_a @ p["C2"].T) * (1.0 - hc**2)
        g["C1"] += X_all.T @ d_hc
        g["c1"] += d_hc.sum(0)
        return J, g


def train_m2(model: M2, X_l: np.ndarray, y_l: np.ndarray, X_u: np.ndarray, n_steps: int,
             batch_l: int = 50, batch_u: int = 50, rng=None) -> M2:
    """Adam on J with mini-batches of labelled and unlabelled digits. With X_u empty this is a
    purely supervised classifier (plus a conditional VAE that does not touch it)."""
    rng = as_rng(model.config.seed + 1 if rng is None else rng)
    opt = Adam(model.params, lr=model.config.lr, maximize=True)  # ascends J
    L = model.config.n_z
    for _ in range(n_steps):
        il = rng.choice(len(X_l), size=min(batch_l, len(X_l)), replace=False)
        iu = rng.choice(len(X_u), size=min(batch_u, len(X_u)), replace=False) if len(X_u) else np.empty(0, int)
        eps_l = rng.standard_normal((len(il), L))
        eps_u = rng.standard_normal((len(iu), N_CLASSES, L))
        _, g = model.objective_and_grad(X_l[il], y_l[il], X_u[iu], eps_l, eps_u)
        opt.step(model.params, g)
    return model


def labelled_subset(y: np.ndarray, per_class: int, rng=0) -> np.ndarray:
    """Indices of ``per_class`` examples of each of the N_CLASSES classes, drawn without replacement."""
    rng = as_rng(rng)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(N_CLASSES)])


def semi_supervised_gain(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, config: M2Config,
                         per_class: int = 10, n_steps: int = 400, rng=0) -> tuple[float, float]:
    """Held-out accuracy of q(y | x) trained on ``per_class`` labels per class: (alone, by M2 with every digit of X
    also unlabelled). The same labelled digits, config and steps for both; only the unlabelled term differs."""
    lab = labelled_subset(y, per_class, rng)
    alone = train_m2(M2(config), X[lab], y[lab], X[:0], n_steps)
    semi = train_m2(M2(config), X[lab], y[lab], X, n_steps)
    return alone.accuracy(X_test, y_test), semi.accuracy(X_test, y_test)
