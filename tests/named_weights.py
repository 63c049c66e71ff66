"""Weights that depend only on parameter names, so that merbench's network and the authors'
(with the same names, or names mapped one to one) hold the same numbers: the way the tests
pin the logits of the authors' code without shipping a checkpoint."""

from __future__ import annotations

import zlib

import torch


def fill_by_name(model: torch.nn.Module) -> None:
    """Every parameter N(0, 0.02^2) from a generator seeded by the CRC-32 of its name, plus 1
    for normalisation gains (``.g``, and 1-D ``.weight``: LayerNorm and BatchNorm)."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            generator = torch.Generator().manual_seed(zlib.crc32(name.encode()))
            gain = name.endswith(".g") or (parameter.ndim == 1 and name.endswith(".weight"))
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.02
                            + float(gain))
