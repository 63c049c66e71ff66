"""The tiny MLP: flatten the 3x28x28 flow image, one hidden layer, classify."""

from __future__ import annotations

import torch
from torch import nn


class TinyMLP(nn.Module):
    """Scale 0..255 to 0..1, flatten, one hidden ReLU layer, a linear classifier."""

    def __init__(self, num_classes: int = 3, hidden: int = 32, in_features: int = 3 * 28 * 28):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x / 255.0)


def build_tiny_mlp(num_classes: int = 3, hidden: int = 32) -> TinyMLP:
    """The factory merbench calls: ``num_classes`` from the dataset, ``hidden`` an option."""
    return TinyMLP(num_classes=num_classes, hidden=hidden)
