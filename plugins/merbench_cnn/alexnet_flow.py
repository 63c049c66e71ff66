"""AlexNet on the flow image: the AlexNet baseline of the MEGC2019 composite table.

Paper: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet classification with deep
convolutional neural networks", NeurIPS 2012. As a micro-expression baseline it is the
"AlexNet" row of the composite table (Table 2 of the HTNet paper: Full UF1 .6933 / UAR
.7154), which the HTNet authors' repository trains with ``Alex_for_three_datasets.py``
(github.com/wangzhifengharrison/HTNet).

What that script confirms, and merbench follows:

- the network is torchvision's AlexNet layout (the script copies it from torchvision's
  source), trained from scratch for 3 classes: convolutions 11x11/4 -> 64, 5x5 -> 192,
  3x3 -> 384, 256, 256, each with a ReLU, max-pools 3/2 after the first, second and fifth,
  an adaptive average pool to 6x6, then dropout 0.5, 9216 -> 4096, ReLU, dropout 0.5,
  4096 -> 4096, ReLU, 4096 -> classes. merbench builds it with
  ``torchvision.models.alexnet(weights=None, num_classes=...)``: 57,016,131 parameters for
  three classes, PyTorch's default initialisation as in the script;
- the input is the flow image as OpenCV reads it (channels B, G, R = strain, v, u, the
  ``flow-uvos`` order) with raw 0..255 values, no normalisation;
- Adam lr 5e-5, batch 256, 800 epochs, cross-entropy, a fresh network per subject, and the
  last epoch's predictions are what it reports (merbench's ``fixed``).

The documented choice: **the input size**. AlexNet's stride-4 first convolution and three
stride-2 pools need at least 63x63 pixels (on the 28x28 image the second pool gets a 2x2 map
and fails), so the script's images cannot have been the 28x28 release; their size is not in
the repository. merbench resizes the 28x28 image bilinearly to ``input_size`` (default 224,
AlexNet's own input size; 63 is the smallest it takes) inside the network. The script's
DataLoader does not shuffle, nor does HTNet's: it lists ``train/<label>/`` folders, so every
epoch feeds the samples class by class. merbench's recipe draws a new order every epoch
(``shuffle``), as it does for HTNet; ``--data-order authors`` feeds the script's
class-by-class order, and ``--data-order listed`` the sample table's (the release's label
file), which is no authors' order.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from merbench.api import MerbenchError, machine_memory

__all__ = ["MIN_INPUT_SIZE", "AlexNetFlow", "build_alexnet_flow"]

MIN_INPUT_SIZE = 63  # the smallest side AlexNet's strides and pools take


class AlexNetFlow(nn.Module):
    """torchvision's AlexNet, fed the flow image resized to ``input_size`` pixels."""

    def __init__(self, num_classes: int = 3, input_size: int = 224) -> None:
        super().__init__()
        if isinstance(input_size, bool) or not isinstance(input_size, int) \
                or input_size < MIN_INPUT_SIZE:
            raise MerbenchError(f"alexnet-flow: input_size must be a whole number of at least "
                                f"{MIN_INPUT_SIZE} pixels, the smallest AlexNet takes "
                                f"(got {input_size!r})")
        # one sample needs at least 16 bytes a pixel of input_size: its three float channels
        # (12) and the first convolution's 64 maps at a quarter of the side (4); 4 GiB assumed
        # where the system cannot say (input_size=100000 was taken, 84ad)
        if 16 * input_size ** 2 > machine_memory(unknown=4 << 30):
            raise MemoryError(f"one {input_size}x{input_size} sample")  # merbench words it
        from torchvision.models import alexnet

        self.input_size = input_size
        self.network = alexnet(weights=None, num_classes=num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear",
                              align_corners=False)
        return self.network(x)


# The factory merbench calls: every constructor argument is an option (--model-opt).
build_alexnet_flow = AlexNetFlow
