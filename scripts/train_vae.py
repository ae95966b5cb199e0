"""Train the bundled VAEs (assets/vae/vae_*.npz) with fixed seeds and measure them.

    python scripts/train_vae.py                 # both models, the bundled recipe
    python scripts/train_vae.py --only z2 --epochs 5   # a quick look

Each model: 784-200-(2 x n_z) tanh encoder, n_z-200-784 tanh/Bernoulli decoder, Adam (lr 1e-3,
batches of 100) on the 4,000 training digits of ``pgmviz.datasets.load("mnist")``; the held-out
ELBO on the 1,000 test digits every 5 epochs; at the end the importance-weighted estimate of
log p(x) on all 1,000 test digits for several K. Everything measured is written into the file's
``meta`` (the page shows it) and printed, ready for assets/README.md. ``--only m2``: the
semi-supervised M2 accuracies (16x16 digits, 100 / 600 / all labels) into m2_mnist16.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from pgmviz import datasets
from pgmviz.models.vae import VAE, VAEConfig, VAETrainer, heldout_elbo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "vae"
RECIPES = {
    "z2": dict(title="MNIST VAE, 2-D latent", n_z=2, seed=201, epochs=200),
    "z16": dict(title="MNIST VAE, 16-D latent", n_z=16, seed=202, epochs=150),
}
IWAE_K = (1, 10, 100, 500)


def build(key: str, epochs: int | None = None, out: Path = OUT) -> dict:
    r = RECIPES[key]
    epochs = epochs or r["epochs"]
    ds = datasets.load("mnist")
    cfg = VAEConfig(n_z=r["n_z"], seed=r["seed"])
    tr = VAETrainer(VAE(cfg), ds.X_train, ds.X_test)
    steps_per_epoch = len(ds.X_train) // cfg.batch_size
    curve = []
    for e in range(1, epochs + 1):
        p = tr.train(steps_per_epoch, test_every=steps_per_epoch * 5 if e % 5 == 0 or e == 1 else 10**9)
        curve.append([p.epoch, p.elbo, p.recon, p.kl, p.elbo_test])
        print(f"{key} epoch {e:3d}  train ELBO {p.elbo:8.2f} (recon {p.recon:8.2f}, KL {p.kl:6.2f})"
              + (f"  held-out ELBO {p.elbo_test:8.2f}" if p.elbo_test is not None else ""), flush=True)
    train_seconds = tr.seconds
    vae = tr.vae
    terms = vae.elbo_terms(ds.X_test, rng=0)
    t0 = time.perf_counter()
    iwae = {str(K): float(vae.iwae_log_px(ds.X_test, K=K, rng=K).mean()) for K in IWAE_K}
    iwae_seconds = time.perf_counter() - t0
    metrics = dict(elbo_test=float(terms.elbo.mean()), recon_test=float(terms.recon.mean()),
                   kl_test=float(terms.kl.mean()), elbo_train=heldout_elbo(vae, ds.X_train[:1000]),
                   iwae_test=iwae)
    meta = dict(title=r["title"], dataset="mnist", image_shape=[28, 28], n_hidden=cfg.n_hidden,
                n_z=cfg.n_z, lr=cfg.lr, batch_size=cfg.batch_size, epochs=epochs, step=tr.step,
                seed=cfg.seed, train_seconds=round(train_seconds, 1), iwae_seconds=round(iwae_seconds, 1),
                metrics=metrics, curve=curve)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"vae_mnist_z{cfg.n_z}.npz"
    vae.save(path, meta)
    print(key, path.name, f"{train_seconds:.0f} s training", metrics, flush=True)
    return meta


M2_LABELS = (100, 600, 4000)  # labels per run, balanced over the 10 classes; 4,000 = the whole split
M2_STEPS = 1500


def build_m2(out: Path = OUT, steps: int = M2_STEPS) -> dict:
    """Semi-supervised M2 on 16x16 digits: test accuracy with 100 / 600 / all labels of the
    training split, against the same classifier trained on the labelled digits alone."""
    from pgmviz.models.m2 import M2, M2Config, train_m2

    ds = datasets.load("mnist16")
    cfg = M2Config(n_x=ds.n_v, n_hidden=64, n_z=8, alpha=50.0, lr=3e-3, seed=0)
    rows = []
    for n in M2_LABELS:
        rng = np.random.default_rng(n)
        lab = np.concatenate([rng.choice(np.flatnonzero(ds.y_train == c), n // 10, replace=False)
                              for c in range(10)])
        unl = np.setdiff1d(np.arange(len(ds.X_train)), lab)
        t0 = time.perf_counter()
        sup = train_m2(M2(cfg), ds.X_train[lab], ds.y_train[lab], ds.X_train[:0], steps)
        t1 = time.perf_counter()
        semi = train_m2(M2(cfg), ds.X_train[lab], ds.y_train[lab], ds.X_train[unl], steps)
        t2 = time.perf_counter()
        rows.append(dict(labels=n, unlabelled=int(len(unl)), supervised=sup.accuracy(ds.X_test, ds.y_test),
                         m2=semi.accuracy(ds.X_test, ds.y_test), supervised_seconds=round(t1 - t0, 1),
                         m2_seconds=round(t2 - t1, 1)))
        print("M2", rows[-1], flush=True)
    result = dict(dataset="mnist16", config=dict(cfg.__dict__), steps=steps, batch_labelled=50,
                  batch_unlabelled=50, rows=rows)
    out.mkdir(parents=True, exist_ok=True)
    (out / "m2_mnist16.json").write_text(json.dumps(result, indent=1))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(RECIPES) + ["m2"])
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the .npz files (default assets/vae)")
    args = ap.parse_args()
    for key in [args.only] if args.only else [*RECIPES, "m2"]:
        if key == "m2":
            build_m2(args.out)
        else:
            build(key, args.epochs, args.out)


if __name__ == "__main__":
    main()
