"""Whether ``torch.compile`` pays on the CPU: compiled against eager training epochs.

``train_speed.py --compile`` runs this. For HTNet's paper configuration and STSTNet, one
composite-sized fold (436 training samples, batch 256, Adam as the recipes declare, a test
prediction after every epoch, as merbench's sequential trainer does) trains ``--epochs``
epochs eagerly and then with the model wrapped in ``torch.compile`` (inductor, the default
mode), in one process and one run. The compilation (the first epochs, which trace and build)
is timed apart from the steady state (the median epoch after them), cold (inductor's caches
in a fresh folder, as on a user's first run). One JSON holds the
figures; benchmarks/README.md states them with the CPU named.

    python benchmarks/train_speed.py --compile --json FILE [--epochs 6] [--models htnet,ststnet]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
from merbench_cnn.ststnet import STSTNet
from merbench_htnet.htnet import HTNet
from threads import cpu_name  # benchmarks/threads.py, beside this script
from torch import nn

MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...], float]] = {
    # name: (builder, one sample's shape, the recipe's learning rate)
    "htnet": (HTNet, (3, 28, 28), 5e-5),
    "ststnet": (STSTNet, (3, 28, 28), 5e-5),
}
WARM_UP = 2  # epochs not in the steady state: tracing and compiling happen here


def epochs(model_name: str, compiled: bool, n_epochs: int) -> dict[str, Any]:
    """Train one fold ``n_epochs`` epochs; the seconds of each."""
    build, shape, lr = MODELS[model_name]
    torch.manual_seed(0)
    model = build()
    forward: Callable[[torch.Tensor], torch.Tensor] = (
        torch.compile(model) if compiled else model)  # type: ignore[assignment]
    generator = torch.Generator().manual_seed(0)
    x = torch.rand((436, *shape), generator=generator)
    y = torch.randint(0, 3, (436,), generator=generator)
    x_test = torch.rand((7, *shape), generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    seconds = []
    for _ in range(n_epochs):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), 256):
            batch = order[start:start + 256]
            loss = nn.functional.cross_entropy(forward(x[batch]), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            forward(x_test).argmax(1)
        seconds.append(time.perf_counter() - started)
    steady = statistics.median(seconds[WARM_UP:])
    return {"model": model_name, "compiled": compiled, "epoch_s": round(steady, 4),
            "first_epochs_s": [round(s, 2) for s in seconds[:WARM_UP]],
            "start_up_s": round(sum(seconds[:WARM_UP]) - WARM_UP * steady, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument("--epochs", type=int, default=6, help=f"epochs each ({WARM_UP} warm-up)")
    parser.add_argument("--models", default="htnet,ststnet")
    args = parser.parse_args(argv)
    if args.epochs <= WARM_UP:
        parser.error(f"--epochs must be more than the {WARM_UP} warm-up epochs")
    # a cold compile, as a user's first run has: inductor's caches in a fresh folder
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="merbench-inductor-")
    report: dict[str, Any] = {"cpu": cpu_name(),
                              "threads": torch.get_num_threads(), "torch": torch.__version__,
                              "models": []}
    for name in args.models.split(","):
        eager = epochs(name, False, args.epochs)
        compiled = epochs(name, True, args.epochs)
        row = {"model": name, "eager": eager, "compiled": compiled,
               "ratio": round(eager["epoch_s"] / compiled["epoch_s"], 3)}
        report["models"].append(row)
        print(f"{name}: eager {eager['epoch_s']:.3f} s/epoch, compiled "
              f"{compiled['epoch_s']:.3f} s/epoch ({row['ratio']:.2f}x; compiling "
              f"{compiled['start_up_s']:.0f} s)", flush=True)
    print(json.dumps(report))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
