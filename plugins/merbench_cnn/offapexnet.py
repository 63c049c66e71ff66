"""OFF-ApexNet: Optical Flow Features from Apex frame Network for micro-expression recognition.

Paper: Y. S. Gan, S.-T. Liong, W.-C. Yau, Y.-C. Huang, L.-K. Tan, "OFF-ApexNet on
micro-expression recognition system", Signal Processing: Image Communication 74 (2019)
129-139, https://doi.org/10.1016/j.image.2019.02.005, preprint https://arxiv.org/abs/1805.08699

Input: the ``flow-uvos`` feature, (N, 3, 28, 28) float32 with the channels in the release's
(OpenCV B, G, R) order (strain, v, u) and raw 0..255 values. OFF-ApexNet reads only the two
flow components: u = channel 2 (``U_CHANNEL``) and v = channel 1 (``V_CHANNEL``); the strain
(channel 0, ``STRAIN_CHANNEL``) is never read. The indices are the ``u_channel`` and
``v_channel`` options, for a feature that stacks them differently.

Network (docs/models.md#off-apexnet): two streams with the same layout and their own
weights, one on u and one on v, each 1x28x28 -> conv 5x5, 6 filters, pad 2 -> max-pool 2
-> conv 5x5, 16 filters, pad 2 -> max-pool 2 -> 16x7x7. Each stream is flattened channel
by channel and the two are concatenated, u first (1568 features) -> FC 1024, ReLU,
dropout 0.5 -> FC 1024, ReLU, dropout 0.5 -> FC classes.

Size: 2 x (156 + 2,416) conv parameters + 1,606,656 + 1,049,600 (the two FC 1024 layers)
+ 1025 x classes (the output layer) = 2,661,400 + 1025 x classes, i.e. 2,664,475 for three
classes (reported as about 2.7M; Off-TANet's authors list OFF-ApexNet at 2.66M).

Unconfirmed details and the choices made here (each one an option of ``build_offapexnet``):

- ``conv_activation="relu"``: a ReLU after each convolution (unconfirmed); before
  or after the max-pool gives the same result, since ReLU and max-pool commute. The public
  PyTorch port of Off-TANet (PRICAI 2021, ECNU-Cross-Innovation-Lab/PRICAI2021-Off-TANet,
  ``models/off_apexnet.py``) has no activation on its convolutions: ``"none"`` gives that.
- ``input_scale=1/255``: the network multiplies its input by this before the streams, so
  the released 0..255 images reach it as 0..1, a range like that of what the original was
  given: the authors fed TensorFlow the TV-L1 flow itself (displacements of a pixel or a
  few), and the Off-TANet port feeds OpenCV's raw TV-L1 output; neither used 0..255 images.
  Unlike STSTNet, whose BatchNorm removes the input's scale, OFF-ApexNet has no
  normalisation layer, so the scale changes training: with 0..255 input the logits at
  initialisation are about 100 times larger (std 1 to 5 instead of about 0.01 on synthetic
  data; cross-entropy 1.2 to 3.9 instead of 1.10). Measured on the synthetic dataset only
  (8 subjects, 150 epochs, seeds 0 / 1), both scales learn (fixed-epoch UF1 0.86 / 0.83 with
  1/255, 0.86 / 0.92 with 1), so this is a choice, not a finding; ``input_scale=1`` feeds
  the raw 0..255 values. The release's per-image min-max scaling has already moved zero
  motion to a different grey level in every image; no scale undoes that.
- Weights start from PyTorch's default initialisation (the original TensorFlow
  initialisation is not known).
- ``hidden=1024`` and ``dropout=0.5`` are as reported for OFF-ApexNet.

Training recipe (declared in the plugin's ``TrainRecipe``): cross-entropy, Adam lr 1e-4
(unconfirmed), batch 64, 3000 epochs, no learning-rate schedule. The epochs, batch size
and lr are those of the OFF-ApexNet configuration in the Off-TANet authors' public training
script (``train_arg.py``: ``n_epochs = 3000``, ``lr 1e-4``, ``batch_size = 64``, a StepLR
that never steps); they are not confirmed from the OFF-ApexNet paper's text.
"""

from __future__ import annotations

import torch
from torch import nn

from merbench.api import MerbenchError
from merbench_cnn.uv_streams import (
    STRAIN_CHANNEL,
    U_CHANNEL,
    V_CHANNEL,
    check_uv_options,
    split_uv,
)

__all__ = [
    "STRAIN_CHANNEL",
    "U_CHANNEL",
    "V_CHANNEL",
    "OffApexNet",
    "build_offapexnet",
]

CONV_ACTIVATIONS = ("relu", "none")


def _stream(conv_activation: str) -> nn.Sequential:
    """One flow component, 1 x S x S -> 16 x S/4 x S/4."""

    def act() -> nn.Module:
        return nn.ReLU() if conv_activation == "relu" else nn.Identity()

    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), act(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5, padding=2), act(), nn.MaxPool2d(2),
    )


class OffApexNet(nn.Module):
    """A u stream and a v stream of two convolutions each, then three fully connected layers."""

    def __init__(
        self,
        num_classes: int = 3,
        u_channel: int = U_CHANNEL,
        v_channel: int = V_CHANNEL,
        input_scale: float = 1 / 255,
        conv_activation: str = "relu",
        hidden: int = 1024,
        dropout: float = 0.5,
        image_size: int = 28,
    ) -> None:
        super().__init__()
        check_uv_options("offapexnet", u_channel, v_channel, input_scale, image_size)
        if conv_activation not in CONV_ACTIVATIONS:
            raise MerbenchError(f"offapexnet: conv_activation must be one of "
                                f"{', '.join(CONV_ACTIVATIONS)} (got {conv_activation!r})")
        # merbench's words as rcn's: hidden=0 built two layers of width 0, whose output is
        # the last bias whatever the input, and -1 was torch's "negative dimension" (AA8)
        if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 1:
            raise MerbenchError(f"offapexnet: hidden must be a whole number >= 1 "
                                f"(got {hidden!r})")
        self.u_channel = u_channel
        self.v_channel = v_channel
        self.input_scale = float(input_scale)
        self.u_stream = _stream(conv_activation)
        self.v_stream = _stream(conv_activation)
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Linear(2 * 16 * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, v = split_uv("offapexnet", x, self.u_channel, self.v_channel, self.input_scale)
        features = torch.cat([torch.flatten(self.u_stream(u), 1),
                              torch.flatten(self.v_stream(v), 1)], dim=1)
        return self.classifier(features)



# The factory merbench calls: every constructor argument is an option (--model-opt).
build_offapexnet = OffApexNet
