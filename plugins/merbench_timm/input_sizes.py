"""Which input sizes a timm network can take, found by running it, before a run trains it.

Pass 84ad (AD6) found both ends unguarded. ``input_size=1`` trained to the end: resnet18's
layers pad a 1x1 image through all five stride-2 stages, so no layer fails, and the network
learns from one pixel. ``input_size=100000`` was tried at once and refused with torch's
allocator's message (120 GB for the input alone). So a blank sample goes through the network
with each downsampling layer watched (:func:`trace`): one given a map smaller than its stride
has nothing left to reduce, and the smallest size at which none is (:func:`smallest_size`)
is the minimum said to the user; what the layers output at a small size, scaled by the
area, is the memory one sample needs at the size asked for (:func:`check_memory`), refused
before it is allocated, as a ``MemoryError`` merbench words as every factory's.

A transformer (ViT, Swin) is built for its input's size, and its memory grows faster than
the area: its tokens are the patches ((size / patch)^2), and each global attention holds a
tokens x tokens map a head. Its need is estimated before it is built at that size
(:func:`check_token_memory`), from the same network built at its default size on the meta
device (shapes only): the layers' outputs scaled by the tokens, a global attention's maps
by their square, a window's (Swin's) by the count of windows. It was caught only where the
first sample's attention failed to allocate, if it did.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from merbench.api import machine_memory

#: the side a network that takes any size is measured at for its memory: its layers'
#: outputs grow with the area, so a small blank sample says what a large one needs
PROBE_SIDE = 64
#: the largest side searched for a network's minimum (no architecture needs more)
LARGEST_SIDE = 4096
_DOWNSAMPLERS = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass
class Traced:
    """One blank sample through a network: bytes its layers output, and the first
    downsampling layer that got less than its stride (its name, stride and the side it got)."""

    output_bytes: int = 0
    starved: tuple[str, int, int] | None = None


def _stride(layer: nn.Module) -> int:
    stride = getattr(layer, "stride", 1)
    return max(stride) if isinstance(stride, tuple) else int(stride or 1)


def trace(network: nn.Module, run: Callable[[torch.Tensor], object], side: int,
          device: str = "cpu") -> Traced:
    """``run`` on a blank (1, 3, side, side) batch on ``device`` with ``network``'s layers
    watched; what ``run`` raises is raised (a layer told of a too-small map before it fails
    is noted)."""
    found = Traced()

    def before(name: str, stride: int) -> Callable[..., None]:
        def hook(_layer: nn.Module, args: tuple[object, ...]) -> None:
            x = args[0] if args else None
            if isinstance(x, torch.Tensor) and x.ndim == 4 and found.starved is None \
                    and min(x.shape[-2:]) < stride:
                found.starved = (name, stride, int(min(x.shape[-2:])))
        return hook

    def after(_layer: nn.Module, _args: object, out: object) -> None:
        if isinstance(out, torch.Tensor):
            found.output_bytes += out.numel() * out.element_size()

    handles = []
    for name, layer in network.named_modules():
        if next(layer.children(), None) is not None:
            continue  # a leaf's output is counted once, not again in every block holding it
        handles.append(layer.register_forward_hook(after))
        if isinstance(layer, _DOWNSAMPLERS) and _stride(layer) > 1:
            handles.append(layer.register_forward_pre_hook(before(name, _stride(layer))))
    try:
        with torch.no_grad():
            run(torch.zeros(1, 3, side, side, device=device))
    except Exception:
        if found.starved is None:
            raise
    finally:
        for handle in handles:
            handle.remove()
    return found


def takes(network: nn.Module, run: Callable[[torch.Tensor], object], side: int) -> bool:
    """Whether every downsampling layer gets at least its stride from a ``side`` input."""
    try:
        return trace(network, run, side).starved is None
    except Exception:
        return False


def smallest_size(accepts: Callable[[int], bool], above: int) -> int | None:
    """The smallest side over ``above`` that ``accepts`` takes, assuming every larger one
    is taken too; None when none up to :data:`LARGEST_SIDE` is."""
    high = max(above + 1, 2)
    while not accepts(high):
        if high >= LARGEST_SIDE:
            return None
        high = min(high * 2, LARGEST_SIDE)
    low = above  # refused
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if accepts(middle) else (middle, high)
    return high


def check_memory(network: nn.Module, run: Callable[[torch.Tensor], object], side: int
                 ) -> None:
    """A ``MemoryError`` when one ``side`` x ``side`` sample would need more memory than
    the machine has: the layers' outputs at :data:`PROBE_SIDE`, scaled by the area (at
    least that, before gradients and a batch), and the input itself."""
    if side <= PROBE_SIDE:
        return
    try:
        probed = trace(network, run, PROBE_SIDE)
    except Exception:
        return  # the try at the full size says why
    scale = (side / PROBE_SIDE) ** 2
    need = math.ceil(probed.output_bytes * scale) + 3 * side * side * 4
    if need > machine_memory(unknown=4 << 30):  # 4 GiB where the system cannot say
        raise MemoryError(f"one {side}x{side} sample needs at least {need:,} bytes")


def _attentions(network: nn.Module) -> list[nn.Module]:
    """timm's attention layers (``Attention``, Swin's ``WindowAttention``, ...)."""
    return [layer for layer in network.modules()
            if hasattr(layer, "num_heads") and type(layer).__name__.endswith("Attention")]


def check_token_memory(probe: nn.Module, probe_side: int, side: int) -> None:
    """A ``MemoryError`` when one ``side`` x ``side`` sample through a transformer would
    need more memory than the machine has, from ``probe``, the same architecture built for
    ``probe_side`` on the meta device; nothing where it has no patches (a convolutional
    network, measured by :func:`check_memory` once built) or its shapes cannot be run."""
    patch = getattr(getattr(probe, "patch_embed", None), "patch_size", None)
    if patch is None or side <= probe_side:
        return
    maps: list[tuple[bool, int]] = []  # (windowed, bytes of its attention maps at probe_side)

    def attention(layer: nn.Module, args: tuple[object, ...]) -> None:
        x = args[0] if args else None
        if isinstance(x, torch.Tensor) and x.ndim == 3:  # (batch or windows, tokens, width)
            windowed = getattr(layer, "window_size", None) is not None
            heads = cast(int, layer.num_heads)  # timm's attention says it as a number
            maps.append((windowed, int(x.shape[0]) * heads * int(x.shape[1]) ** 2 * 4))

    handles = [layer.register_forward_pre_hook(attention) for layer in _attentions(probe)]
    try:
        probed = trace(probe, probe, probe_side, device="meta")
    except Exception:
        return  # the build at the full size says why
    finally:
        for handle in handles:
            handle.remove()
    scale = (side / probe_side) ** 2  # tokens: (side / patch)^2 over (probe_side / patch)^2
    need = math.ceil(probed.output_bytes * scale + sum(
        held * (scale if windowed else scale * scale) for windowed, held in maps))
    need += 3 * side * side * 4
    if need > machine_memory(unknown=4 << 30):  # 4 GiB where the system cannot say
        raise MemoryError(f"one {side}x{side} sample needs at least {need:,} bytes")
