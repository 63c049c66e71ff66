"""A small MMNet trained K folds at once against one fold at a time, on this CPU.

Issue 81 let the fold-parallel engine train models with BatchNorm (masked per fold),
``augment`` (each fold's own generator) and ``param_groups``; MMNet has the first two. This
times both engines on the same K folds in one process, one after the other, and prints
their ratio and the largest difference of their test predictions (the same training:
tests/test_fold_parallel.py checks the logits). The model is MMNet at 32x32 with narrow
layers, so the run takes well under two minutes on two cores: its figure says what the
engine's bookkeeping (per-fold augmentation outside vmap, masked statistics) costs on a
CPU, not what a GPU gains (a CPU's default is one fold at a time: ``runner/engine.py``).

    python benchmarks/fold_parallel_batchnorm.py [--folds 8] [--epochs 6] [--threads 1]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch
from merbench_mmnet.mmnet import MMNet
from threads import cpu_name  # benchmarks/threads.py, beside this script

from merbench.meta import TrainRecipe
from merbench.training.fold_parallel import FoldTask, train_folds
from merbench.training.torch_trainer import train_fold

SMALL_MMNET = {"num_classes": 3, "image_size": 32, "widths": (8, 8, 16, 16), "stem": 8,
               "pc_depth": 1, "pc_heads": 2}


def folds(k: int) -> list[FoldTask]:
    """K folds of 33 training samples (two batches of 16, the last single one merged, as
    for any BatchNorm model) and 5 test samples, onset / apex pairs with one jitter
    candidate each, as ``onset-apex-224`` stores them (uint8)."""
    rng = np.random.default_rng(0)

    def images(n: int) -> np.ndarray:
        return rng.integers(0, 256, (n, 4, 3, 32, 32), dtype=np.uint8)

    return [FoldTask(images(33), rng.integers(0, 3, 33), images(5), seed=i) for i in range(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    recipe = TrainRecipe(epochs=args.epochs, batch_size=16, lr=8e-4, optimizer="adamw",
                         weight_decay=0.6)
    tasks = folds(args.folds)

    def build() -> MMNet:
        return MMNet(**SMALL_MMNET)

    started = time.perf_counter()
    alone = [train_fold(build, recipe, t.x_train, t.y_train, t.x_test, device="cpu",
                        seed=t.seed) for t in tasks]
    alone_s = time.perf_counter() - started
    started = time.perf_counter()
    together = train_folds(build, recipe, tasks, device="cpu")
    together_s = time.perf_counter() - started
    differing = sum(int((a != b).sum()) for a, b in zip(alone, together, strict=True))
    report: dict[str, Any] = {
        "benchmark": "fold_parallel_batchnorm", "cpu": cpu_name(), "threads": args.threads,
        "torch": torch.__version__, "folds": args.folds, "epochs": args.epochs,
        "model": SMALL_MMNET, "one_at_a_time_s": round(alone_s, 2),
        "fold_parallel_s": round(together_s, 2),
        "speedup": round(alone_s / together_s, 3),
        "differing_predictions": differing}
    print(f"{args.folds} folds x {args.epochs} epochs of a small MMNet on {cpu_name()}, "
          f"{args.threads} thread(s): one at a time {alone_s:.1f} s, together "
          f"{together_s:.1f} s, {alone_s / together_s:.2f}x; {differing} test predictions "
          "differ")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
