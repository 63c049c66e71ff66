"""STSTNet: shape, size, and the one-conv formulation equals three separate streams."""

from __future__ import annotations

import torch
from merbench_cnn.ststnet import STSTNet
from torch import nn

import merbench


def test_created_through_the_public_api() -> None:
    model = merbench.create_model("ststnet", num_classes=5)
    assert isinstance(model, nn.Module)
    assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 5)
    assert sum(p.numel() for p in model.parameters()) == 448 + 32 + 400 * 5 + 5


def test_paper_size() -> None:
    assert sum(p.numel() for p in STSTNet().parameters()) == 1683  # "about 1.7k"


def test_fused_conv_equals_three_streams() -> None:
    torch.manual_seed(0)
    model = STSTNet().eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics
        model.bn.running_mean.uniform_(-1, 1)
        model.bn.running_var.uniform_(0.5, 2)
        model.bn.weight.uniform_(0.5, 1.5)
        model.bn.bias.uniform_(-0.5, 0.5)
    x = torch.rand(4, 3, 28, 28) * 255
    streams = []
    start = 0
    for width in (3, 5, 8):
        part = slice(start, start + width)
        conv = nn.Conv2d(3, width, 3, padding=2)
        bn = nn.BatchNorm2d(width).eval()
        conv.weight.data = model.conv.weight.data[part].clone()
        conv.bias.data = model.conv.bias.data[part].clone()
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(bn, name).data = getattr(model.bn, name).data[part].clone()
        pooled = nn.functional.max_pool2d(bn(torch.relu(conv(x))), 3, 3, 1)
        streams.append(pooled)
        start += width
    reference = model.fc(torch.flatten(nn.functional.avg_pool2d(torch.cat(streams, 1), 2), 1))
    torch.testing.assert_close(model(x), reference)
