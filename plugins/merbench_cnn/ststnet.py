"""STSTNet: Shallow Triple Stream Three-dimensional CNN for micro-expression recognition.

Paper: S.-T. Liong, Y. S. Gan, J. See, H.-Q. Khor, Y.-C. Huang, "Shallow Triple Stream
Three-dimensional CNN (STSTNet) for Micro-expression Recognition", IEEE FG 2019 (MEGC2019),
https://arxiv.org/abs/1902.03634

Input: (N, 3, 28, 28) flow image (``flow-uvos``: strain, v, u) with raw 0..255 values.
Three parallel streams see the whole input: conv 3x3 with 3 / 5 / 8 filters, ReLU,
BatchNorm, max-pool 3 stride 3 (pad 1) to 10x10, dropout 0.5. The 16 concatenated maps are
average-pooled 2x2 to 16x5x5 = 400 features and a linear layer classifies them (about 1.7k
parameters). Training as the authors: cross-entropy, Adam lr 5e-5, batch 256, 800 epochs.

Implementation: the three streams read the same input and every operation after their
convolutions (ReLU, BatchNorm, pooling, dropout) acts per channel, so they are computed as one
convolution with 3 + 5 + 8 = 16 filters (filters 0-2 are stream 1, 3-7 stream 2, 8-15
stream 3) and one 16-channel BatchNorm: the same function and the same gradients as three
separate streams, in channels-last layout; per training step of 435 samples it is 1.5x
faster with 2 threads and 1.2x with 1 thread on a 2-core CPU (benchmarks/ststnet_fused.py).
Each filter is initialised as in a separate stream (PyTorch's default init depends only on
fan-in).

Choice: the conv padding is 2, as we read the authors' PyTorch code; padding 1 gives the
same 10x10 map after pooling. It is the ``padding`` option.
"""

from __future__ import annotations

import torch
from torch import nn

from merbench.api import MerbenchError

__all__ = ["STSTNet", "build_ststnet"]


class STSTNet(nn.Module):
    """Three shallow streams (3, 5 and 8 filters), average pooling and one linear layer."""

    def __init__(
        self,
        num_classes: int = 3,
        in_channels: int = 3,
        filters: tuple[int, ...] = (3, 5, 8),
        padding: int = 2,
        dropout: float = 0.5,
        image_size: int = 28,
    ) -> None:
        super().__init__()
        self.filters = tuple(filters)
        width = sum(self.filters)
        self.conv = nn.Conv2d(in_channels, width, kernel_size=3, padding=padding)
        self.act = nn.ReLU()
        self.bn = nn.BatchNorm2d(width)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=3, padding=1)
        self.drop = nn.Dropout(dropout)
        self.avgpool = nn.AvgPool2d(kernel_size=2, stride=2)
        conv_side = image_size + 2 * padding - 2
        side = ((conv_side + 2 - 3) // 3 + 1) // 2
        self.fc = nn.Linear(width * side * side, num_classes)
        self.image_size = image_size
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch._C._functorch.is_batchedtensor(x):
            # vmap (merbench's fold-parallel engine) has no channels-last layout, and the
            # layout is only this CPU path's speed: the numbers are the same without it
            x = x.contiguous(memory_format=torch.channels_last)
        if tuple(x.shape[-2:]) != (self.image_size, self.image_size):
            raise MerbenchError(input_words(self.image_size, tuple(x.shape[-2:])))
        x = self.drop(self.pool(self.bn(self.act(self.conv(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_ststnet(
    num_classes: int = 3,
    padding: int = 2,
    dropout: float = 0.5,
    image_size: int = 28,
) -> STSTNet:
    """STSTNet with its sizes checked: torch builds a network with a zero-row output layer
    or a negative image side without a word, and fails at the first batch."""
    check_sizes(num_classes=num_classes, padding=padding, image_size=image_size)
    return STSTNet(num_classes=num_classes, padding=padding, dropout=dropout,
                   image_size=image_size)


def check_sizes(*, num_classes: object, padding: object, image_size: object) -> None:
    """One line, naming the option, for a size STSTNet cannot be built with: no output at all,
    a negative padding (torch builds it and fails at the first step), or an image too small
    to leave one value after the convolution and both poolings. One output is a valid head:
    an AU run's head is one binary output per AU, and ``--au-set 4`` names one AU (merbench
    passes the AU count as num_classes)."""
    for name, value, least in (("num_classes", num_classes, 1), ("image_size", image_size, 1),
                               ("padding", padding, 0)):
        if name == "padding" and (isinstance(value, bool) or not isinstance(value, int)):
            return  # the option check says what padding takes
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise MerbenchError(f"ststnet: {name} must be a whole number of at least {least} "
                                f"(got {value!r})")
    if not isinstance(padding, int) or not isinstance(image_size, int):
        return
    smallest = least_image_size(padding)
    if image_size < smallest:
        # the fix is its input's side: "give image_size 2 or more" named a bound, which the
        # next run refused as not its input's 28 (pass 84x, W12); the input is not known here
        raise MerbenchError(f"ststnet: image_size {image_size} with padding {padding} leaves "
                            "nothing after the convolution and the two poolings; give the "
                            "side of the images it is given (image_size 28 for flow-uvos's; "
                            f"at least {smallest} with padding {padding})")


def least_image_size(padding: int) -> int:
    """The least side that leaves one value after the layers: the 3x3 convolution gives
    side + 2 * padding - 2; max-pooling (3, stride 3, pad 1) gives (c - 1) // 3 + 1, which
    average-pooling 2x2 needs to be 2 or more, so the convolution's side must be 4 or more."""
    return max(1, 6 - 2 * padding)


def input_words(image_size: int, side: tuple[int, ...]) -> str:
    """The line for an input that is not the image_size the network was built for: its
    linear layer is sized for image_size, and torch's words (``mat1 and mat2 shapes cannot be
    multiplied``) came out as "failed its first training step"."""
    fix = f"give image_size {side[0]}" if len(set(side)) == 1 else \
        "ststnet takes square images"
    return (f"ststnet: image_size {image_size} is not the size of its input, "
            f"{' x '.join(str(n) for n in side)} images; {fix}")
