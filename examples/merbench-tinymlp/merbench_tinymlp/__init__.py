"""A tiny MLP on the 28x28 u/v/strain flow image: the smallest useful merbench model plugin.

Not a published model; it exists to show (and test) how a third-party package plugs a model
into merbench. See docs/writing-plugins.md in the merbench repository.
"""

from __future__ import annotations

import torch
from torch import nn

import merbench
from merbench.meta import ModelMeta, TrainRecipe
from merbench.registry import ModelRegistry


class TinyMLP(nn.Module):
    """Flatten, scale 0..255 to 0..1, one hidden layer, classify."""

    def __init__(self, num_classes: int = 3, hidden: int = 32, in_features: int = 3 * 28 * 28):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x / 255.0)


def build_tiny_mlp(num_classes: int = 3, hidden: int = 32) -> TinyMLP:
    return TinyMLP(num_classes=num_classes, hidden=hidden)


TINY_MLP = ModelMeta(
    name="tiny-mlp",
    version=1,
    description="Example plugin: a one-hidden-layer MLP on the flow-uvos image",
    citation="https://example.org/merbench-tinymlp",
    license="MIT",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=40, batch_size=64, lr=1e-3, optimizer="adam"),
)


@merbench.hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(TINY_MLP, build_tiny_mlp)
