"""Train the deep-autoencoder lesson's ready-made nets and write assets/autoencoder/*.npz.

    OPENBLAS_NUM_THREADS=1 python scripts/train_autoencoder.py     # about 10 s on a quiet 2-core machine

One net per code size in `pgmviz.nets.autoencoder_recipe.READY_MADE` (2, 6, 16, 30), each 256-128-64-code on the
16x16 grey-level digits of the bundled split (4,000 training, 1,000 held out), made exactly as the
lesson's fallback makes them, by the same library calls and seeds: `pretrain_bottom` once (the two
binary RBMs, shared by every code size, seed 0; each an `RBM` trained by `Trainer`),
`pretrain_and_finetune` per code size (the code RBM, a `LinearHiddenRBM`, seed 1; unroll; 15 epochs of Adam,
seed 0), and `finetune_from_random` as the control (seed 0). One BLAS thread, as the server runs
(`pgmviz.ui.layout`), so the page would compute the same numbers. Everything the page shows is in each
file's ``meta``: the pretraining log, the fine-tuning and random-start histories (held-out squared error
per epoch), the seconds taken, and the final held-out squared error per image beside PCA's with the same
code size.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from pgmviz import data
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_finetune as ae_ft
from pgmviz.nets import autoencoder_io as ae_io
from pgmviz.nets import autoencoder_recipe as ae_recipe
from pgmviz.nets.pca import compare_with_pca

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "autoencoder"
R = ae_recipe.READY_MADE


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The lesson's data: the bundled split averaged down to 16x16, grey levels in [0, 1]."""
    Xtr, _, Xte, _ = data.mnist_split()
    return data.downsample(Xtr, R.side), data.downsample(Xte, R.side)


def main(out: Path = OUT) -> list[dict]:
    threadpool_limits(1, "blas")  # the server's setting; two threads were many times slower here
    t_start = time.perf_counter()
    Xtr, Xte = digits()
    bottom = ae_recipe.pretrain_bottom(Xtr, R.sizes(0)[:-1], R.pre_epochs, R.seed)
    print(f"bottom RBMs {'-'.join(map(str, R.sizes(0)[:-1]))}: {bottom[2]:.1f} s", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    metas = []
    for code in R.code_sizes:
        sizes = R.sizes(code)
        run = ae_recipe.pretrain_and_finetune(Xtr, Xte, sizes, R.pre_epochs, R.ft_epochs, R.seed, bottom=bottom)
        control = ae_recipe.finetune_from_random(Xtr, Xte, sizes, R.ft_epochs, R.seed)
        net = run["net"]
        comp = compare_with_pca(net, Xtr, Xte)
        meta = {
            "title": f"Deep autoencoder {'-'.join(map(str, sizes))}, pretrained and fine-tuned",
            "made_by": "python scripts/train_autoencoder.py",
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "numpy": np.__version__, "python": platform.python_version(),
            "data": "bundled MNIST subset (assets/mnist_5k.npz), pgmviz.data.mnist_split, averaged down to "
                    "16x16 by pgmviz.data.downsample, grey levels in [0, 1]",
            "image_shape": [R.side, R.side], "n_train": len(Xtr), "n_test": len(Xte),
            "recipe": {"hidden": list(R.hidden), "code": code, "pre_epochs": R.pre_epochs,
                       "ft_epochs": R.ft_epochs, "seed": R.seed},
            "pretrain_settings": {**asdict(ae.pretraining(R.pre_epochs)), "lr_linear": ae.LR_LINEAR,
                                  "first_epoch_momentum": ae.FIRST_EPOCH_MOMENTUM, "mean_field_v": True},
            "finetune_settings": asdict(ae_ft.FinetuneSettings()),
            "pretrain_log": [list(row) for row in run["pretrain_log"]],
            "history": run["history"],
            "random_history": control["history"],
            "pretrain_seconds": round(run["pretrain_s"], 3),
            "finetune_seconds": round(run["finetune_s"], 3),
            "random_finetune_seconds": round(control["finetune_s"], 3),
            "test_squared_error": comp.ae_test,
            "train_squared_error": comp.ae_train,
            "pca_test_squared_error": comp.pca_test,
            "pca_train_squared_error": comp.pca_train,
            "random_test_squared_error": control["history"][-1]["held-out squared error"],
        }
        assert meta["test_squared_error"] == run["history"][-1]["held-out squared error"]
        path = out / ae_io.asset_name(sizes)
        ae_io.save_autoencoder(path, net, meta)
        metas.append(meta)
        print(f"code {code:2d}: held-out squared error {comp.ae_test:.3f} (PCA {comp.pca_test:.3f}, "
              f"from random weights {meta['random_test_squared_error']:.3f}); pretraining {run['pretrain_s']:.1f} s, "
              f"fine-tuning {run['finetune_s']:.1f} s, control {control['finetune_s']:.1f} s; "
              f"{path} {path.stat().st_size:,} bytes", flush=True)
    print(f"total {time.perf_counter() - t_start:.1f} s", flush=True)
    return metas


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the .npz files (default: assets/autoencoder)")
    main(parser.parse_args().out)
