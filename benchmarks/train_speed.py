"""LOSO training speed: a plain per-fold loop, as the HTNet authors wrote it, vs merbench's engine.

Both train the same model on the same folds for the same epochs and predict the test subject
after every epoch. The baseline is the authors' structure: for each fold, a fresh model, a
shuffled DataLoader with batch 256, Adam, ``loss.backward()`` / ``step()`` per batch and an
evaluation after every epoch. merbench's engine trains ``--parallel-folds`` folds at once
(``merbench.training.fold_parallel``). The folds are shaped like the MEGC2019 composite's
(442 samples, one test subject of 6 or 7 samples per fold) filled with random 0..255 values,
so no licensed data is needed; the speed does not depend on the pixel values. The baseline
runs HTNet's 1x1 convolutions as ``nn.Conv2d``, as the authors' code does; merbench's HTNet
computes them as an einsum (same weights, same function: tests/test_htnet.py).

    python benchmarks/train_speed.py [--model-opt dim=24 ...] [--folds 4] [--epochs 2]
        [--parallel-folds K] [--precision fp32|bf16|tf32] [--device cpu|cuda] [--threads N]
        [--json FILE]

Two other measurements start here. ``--matrix`` (CUDA) is ``benchmarks/train_matrix.py``: the
steady state of eager against captured epochs, K folds at once and each precision, in one JSON
that ``gpu_session.py`` plans from. ``--compile`` (the CPU) is ``benchmarks/cpu_compile.py``:
``torch.compile`` against eager for HTNet's paper configuration and STSTNet.

    python benchmarks/train_speed.py --matrix --json FILE [--budget-s 240]
    python benchmarks/train_speed.py --compile --json FILE [--epochs 6]

It prints fold-epochs per second for both and their ratio, in one process and one run. (The
two do not draw the same batch order, since the DataLoader shuffles from the global RNG; that
the engine gives the same predictions as merbench's sequential trainer is tested in
tests/test_fold_parallel.py.)
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import types
from typing import Any

import numpy as np
import torch
from merbench_htnet.htnet import HTNet, PointwiseConv
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from merbench.meta import TrainRecipe
from merbench.training.fold_parallel import FoldTask, train_folds
from merbench.training.torch_trainer import train_fold


def composite_like_folds(n_folds: int, rng: np.random.Generator) -> list[FoldTask]:
    """Folds with the composite's sizes: 442 samples, 6-7 of them the test subject's."""
    folds = []
    for i in range(n_folds):
        n_test = 6 + i % 2
        x = rng.integers(0, 256, (442, 3, 28, 28)).astype(np.float32)
        y = rng.integers(0, 3, 442)
        folds.append(FoldTask(x[n_test:], y[n_test:], x[:n_test], seed=i))
    return folds


def as_the_authors_wrote_it(model: HTNet) -> HTNet:
    """The same weights, with every 1x1 convolution run as ``nn.Conv2d`` (the authors'
    formulation) instead of merbench's einsum."""
    for module in model.modules():
        if isinstance(module, PointwiseConv):
            module.forward = types.MethodType(nn.Conv2d.forward, module)
    return model


def authors_loop(build: Any, recipe: TrainRecipe, folds: list[FoldTask],
                 device: str) -> list[np.ndarray]:
    """One fold after another, DataLoader batches, evaluation every epoch."""
    predictions = []
    for fold in folds:
        torch.manual_seed(fold.seed)
        model = as_the_authors_wrote_it(build()).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr)
        loss_fn = nn.CrossEntropyLoss()
        loader = DataLoader(TensorDataset(torch.as_tensor(fold.x_train),
                                          torch.as_tensor(fold.y_train)),
                            batch_size=recipe.batch_size, shuffle=True)
        x_test = torch.as_tensor(fold.x_test).to(device)
        per_epoch = []
        for _ in range(recipe.epochs):
            model.train()
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                per_epoch.append(model(x_test).argmax(1).cpu().numpy())
        predictions.append(np.stack(per_epoch))
    return predictions


def timed(fn: Any, device: str) -> tuple[Any, float]:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    out = fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return out, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--matrix" in argv:  # the CUDA matrix has its own options (train_matrix.py --help)
        import train_matrix

        return train_matrix.main([a for a in argv if a != "--matrix"])
    if "--compile" in argv:
        import cpu_compile

        return cpu_compile.main([a for a in argv if a != "--compile"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-opt", action="append", default=[], metavar="KEY=VALUE",
                        help="HTNet option, JSON value (default: the paper configuration)")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--parallel-folds", type=int, default=None,
                        help="folds merbench trains at once (default: all --folds)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--precision", choices=("fp32", "bf16", "tf32"), default="fp32",
                        help="merbench's precision (tf32: CUDA only); the authors' loop runs "
                             "with PyTorch's defaults (on CUDA, TF32 in cuDNN convolutions)")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    options = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.model_opt)}

    def build() -> HTNet:
        return HTNet(**options)

    recipe = TrainRecipe(epochs=args.epochs, batch_size=args.batch_size, lr=5e-5)
    folds = composite_like_folds(args.folds, np.random.default_rng(0))
    k = args.parallel_folds or args.folds
    if args.precision == "tf32" and not args.device.startswith("cuda"):
        parser.error("--precision tf32 is a CUDA mode; use fp32 or bf16 on a CPU")

    # warm-up (allocator, kernels) on one short fold, outside the timings
    authors_loop(build, TrainRecipe(epochs=1, batch_size=args.batch_size, lr=5e-5),
                 folds[:1], args.device)
    _, baseline_s = timed(lambda: authors_loop(build, recipe, folds, args.device),
                                 args.device)

    def engine() -> list[np.ndarray]:
        if k == 1:  # merbench's sequential trainer
            return [train_fold(build, recipe, f.x_train, f.y_train, f.x_test,
                               device=args.device, seed=f.seed, precision=args.precision)
                    for f in folds]
        out = []
        for start in range(0, len(folds), k):
            out.extend(train_folds(build, recipe, folds[start:start + k], device=args.device,
                                   precision=args.precision))
        return out

    _, merbench_s = timed(engine, args.device)
    fold_epochs = args.folds * args.epochs
    report = {
        "model": "htnet", "options": options,
        "parameters": sum(p.numel() for p in build().parameters()),
        "folds": args.folds, "epochs": args.epochs, "batch_size": args.batch_size,
        "parallel_folds": k, "precision": args.precision, "device": args.device,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
        "authors_loop": {"seconds": round(baseline_s, 2),
                         "fold_epochs_per_s": round(fold_epochs / baseline_s, 4)},
        "merbench": {"seconds": round(merbench_s, 2),
                     "fold_epochs_per_s": round(fold_epochs / merbench_s, 4)},
        "ratio": round(baseline_s / merbench_s, 3),
    }
    print(f"{'':14}{'seconds':>10}{'fold-epochs/s':>16}")
    print(f"{'authors loop':14}{baseline_s:>10.2f}{fold_epochs / baseline_s:>16.4f}")
    print(f"{'merbench':14}{merbench_s:>10.2f}{fold_epochs / merbench_s:>16.4f}")
    print(f"ratio {report['ratio']:.2f}x ({k} folds at once, {args.precision}, {args.device}, "
          f"{report['threads']} threads)")
    print(json.dumps(report))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
