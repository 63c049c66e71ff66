"""Adam's default step against its fused step (``--fused-optimizer``) on a CPU: fold-epochs.

Both train the same model on the same composite-sized fold with merbench's trainer
(``torch_trainer.train_fold``: batches, the step, the test predictions every epoch); only
the optimiser step differs. The two alternate, so drifts in the machine's speed hit both.

    python benchmarks/fused_optimizer.py [--model offapexnet] [--epochs 30] [--repeats 3]
                                         [--threads 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch

import merbench
from merbench.plugin_system.manager import default_plugins
from merbench.training.torch_trainer import train_fold

TRAIN, TEST = 430, 12  # a composite LOSO fold: 442 samples, a dozen of them tested


def ms_per_fold_epoch(model: str, epochs: int, fused: bool) -> float:
    entry = default_plugins().registries.models.get(model)
    recipe = entry.meta.recipe
    recipe = type(recipe)(**{**recipe.to_dict(), "epochs": epochs})
    rng = np.random.default_rng(0)
    x = rng.random((TRAIN + TEST, 3, 28, 28), dtype=np.float32) * 255
    y = rng.integers(0, 3, TRAIN)
    started = time.perf_counter()
    train_fold(lambda: entry.factory(num_classes=3), recipe, x[:TRAIN], y, x[TRAIN:],
               device="cpu", seed=0, fused_optimizer=fused)
    return (time.perf_counter() - started) / epochs * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="offapexnet",
                        help="a registered torch model on 3x28x28 input trained with Adam or "
                             "AdamW (default: offapexnet)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ms_per_fold_epoch(args.model, 2, fused=False)  # warm-up: imports, allocator, kernels
    times: dict[str, list[float]] = {"default": [], "fused": []}
    for _ in range(args.repeats):
        for name in times:
            times[name].append(ms_per_fold_epoch(args.model, args.epochs, name == "fused"))
    default, fused = (statistics.median(times[n]) for n in ("default", "fused"))
    print(f"{args.model}, {args.epochs} epochs x {args.repeats}, {args.threads} thread(s), "
          f"ms per fold-epoch (median): default step {default:.1f}, fused step {fused:.1f}, "
          f"ratio {default / fused:.2f}x")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"model": args.model, "epochs": args.epochs, "repeats": args.repeats,
                       "threads": args.threads, "ms_per_fold_epoch": times,
                       "ratio": round(default / fused, 3), "torch": torch.__version__,
                       "merbench": merbench.__version__, "cpu": platform.processor()},
                      handle, indent=2)


if __name__ == "__main__":
    main()
