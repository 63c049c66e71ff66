"""STSTNet as one 16-filter convolution vs three separate streams: training-step speed.

Both compute the same function (tests/test_ststnet.py proves it); this measures what the
fused, channels-last formulation in merbench_cnn.ststnet buys, as a ratio in one process.

    python benchmarks/ststnet_fused.py [--samples 435] [--steps 60] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
from merbench_cnn.ststnet import STSTNet
from torch import nn


class ThreeStreams(nn.Module):
    """The paper's layout written literally: three conv / ReLU / BN / pool / dropout streams."""

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.streams = nn.ModuleList(
            nn.Sequential(nn.Conv2d(3, width, 3, padding=2), nn.ReLU(), nn.BatchNorm2d(width),
                          nn.MaxPool2d(3, 3, 1), nn.Dropout(0.5))
            for width in (3, 5, 8)
        )
        self.avgpool = nn.AvgPool2d(2, 2)
        self.fc = nn.Linear(400, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([stream(x) for stream in self.streams], dim=1)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def seconds_per_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    for _ in range(10):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=435, help="batch (a composite fold)")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(args.samples, 3, 28, 28) * 255
    y = torch.randint(0, 3, (args.samples,))
    # interleave the two, twice, so drifting machine load hits both alike
    times: dict[str, list[float]] = {"three_streams": [], "merbench_fused": []}
    for _ in range(2):
        times["three_streams"].append(seconds_per_step(ThreeStreams(), x, y, args.steps))
        times["merbench_fused"].append(seconds_per_step(STSTNet(), x, y, args.steps))
    best = {name: min(values) for name, values in times.items()}
    report = {
        "device": f"cpu ({platform.processor() or platform.machine()}), {args.threads} threads",
        "samples_per_step": args.samples,
        "ms_per_step": {name: round(1000 * value, 2) for name, value in best.items()},
        "speedup_fused_vs_three_streams": round(best["three_streams"] / best["merbench_fused"], 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
