"""Dual-Inception: two Inception streams, one on the horizontal and one on the vertical flow.

Paper: L. Zhou, Q. Mao, L. Xue, "Dual-Inception Network for Cross-Database Micro-Expression
Recognition", IEEE FG 2019 (MEGC2019), https://doi.org/10.1109/FG.2019.8756579. Composite
row of Table 2 of the HTNet paper: Full UF1 .7322 / UAR .7278 (how its epoch was chosen is
not known: the authors published no code).

Network (docs/models.md#dual-inception), for each of the two streams, with weights of its
own: the flow component as a 1x28x28 image -> an Inception module of four branches of 6
filters each (1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then 1x1; every convolution
followed by a ReLU) -> 24 maps, 2x2 max-pool -> an Inception module of four branches of 16
filters -> 64 maps, 2x2 max-pool -> 64x7x7. The two streams are flattened and concatenated
(u first, 6272 features) -> FC 1024 -> FC classes.

Size: 2 x (1,284 + 10,336) convolution parameters + 6,423,552 (FC 1024) + 1025 x classes =
6,449,867 for three classes, the "about 6.45 M" reported for Dual-Inception (the Off-TANet
authors' table); the count holds only for 28x28 inputs and one flow component a stream,
which is how merbench reads the paper.

Public code: the port in xiazhaoqiang/Benchmark-MicroExpressionRec (``core/MERNets.py``,
``DualInceptionNet``) confirms the branch widths (6 and 16), the ReLUs, the 2x2 pools, the
FC 1024 and the initialisation merbench uses (Kaiming normal, fan-out, for convolutions;
normal with std 0.01 for the linear layers; zero biases). merbench departs from the port
where it departs from the paper, and says so:

- the port feeds the whole 3-channel image to both streams; merbench feeds u to one and v
  to the other (``u_channel`` / ``v_channel`` options, the ``flow-uvos`` order: strain, v, u);
- the port's second stream reuses the first stream's 5x5 branch (``conv1_7``) in its second
  module; merbench gives each stream its own weights;
- the port's FC 3200 fits a 20x20 input; merbench's 6272 fits the 28x28 flow image.

Documented choices: nothing between FC 1024 and the classifier (as in the port, which
defines a ReLU there but never applies it; ``hidden_activation="relu"`` adds one);
``input_scale=1/255`` brings the released 0..255 values to 0..1, as the port's
``ToTensor`` does. Recipe: merbench's choice, Adam lr 1e-4, batch 64, 40 epochs, the last
epoch reported. The paper publishes none; the port's defaults (SGD with momentum 0.9, lr
5e-4, batch 64, 10 epochs, a StepLR never stepped) leave this network at the majority class
on the composite: three LOSO seeds scored UF1 .249 / UAR .335, and on all 442 samples the
training accuracy after 10 epochs was .566, the share of the negative class. Adam at 1e-4
fits the training samples (training accuracy .77 after 10 epochs, .88 after 40; only
training data was looked at to choose it).
"""

from __future__ import annotations

import torch
from torch import nn

from merbench.api import MerbenchError
from merbench_cnn.uv_streams import U_CHANNEL, V_CHANNEL, check_uv_options, split_uv

__all__ = ["U_CHANNEL", "V_CHANNEL", "DualInception", "build_dual_inception"]

HIDDEN_ACTIVATIONS = ("none", "relu")


def _conv(cin: int, cout: int, kernel: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel_size=kernel, padding=kernel // 2), nn.ReLU()]


class Inception(nn.Module):
    """Four branches of ``width`` maps each, concatenated: 1x1; 1x1 -> 3x3; 1x1 -> 5x5;
    3x3 max-pool (stride 1) -> 1x1."""

    def __init__(self, cin: int, width: int) -> None:
        super().__init__()
        self.branches = nn.ModuleList([
            nn.Sequential(*_conv(cin, width, 1)),
            nn.Sequential(*_conv(cin, width, 1), *_conv(width, width, 3)),
            nn.Sequential(*_conv(cin, width, 1), *_conv(width, width, 5)),
            nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *_conv(cin, width, 1)),
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def _stream() -> nn.Sequential:
    """One flow component, 1 x S x S -> 64 x S/4 x S/4."""
    return nn.Sequential(Inception(1, 6), nn.MaxPool2d(2), Inception(24, 16), nn.MaxPool2d(2))


class DualInception(nn.Module):
    """A u stream and a v stream of two Inception modules each, then FC 1024 and the
    classifier."""

    def __init__(self, num_classes: int = 3, u_channel: int = U_CHANNEL,
                 v_channel: int = V_CHANNEL, input_scale: float = 1 / 255,
                 hidden_activation: str = "none", image_size: int = 28) -> None:
        super().__init__()
        check_uv_options("dual-inception", u_channel, v_channel, input_scale, image_size)
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise MerbenchError(f"dual-inception: hidden_activation must be one of "
                                f"{', '.join(HIDDEN_ACTIVATIONS)} (got {hidden_activation!r})")
        self.u_channel, self.v_channel = u_channel, v_channel
        self.image_size = image_size
        self.input_scale = float(input_scale)
        self.u_stream, self.v_stream = _stream(), _stream()
        side = image_size // 4
        self.hidden = nn.Linear(2 * 64 * side * side, 1024)
        self.activation = nn.ReLU() if hidden_activation == "relu" else nn.Identity()
        self.classifier = nn.Linear(1024, num_classes)
        self._initialise()

    def _initialise(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, 0.0, 0.01)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[-2:]) != (self.image_size, self.image_size):
            raise MerbenchError(f"dual-inception: the input is {x.shape[-2]}x{x.shape[-1]} "
                                f"and the network was built for image_size={self.image_size}; "
                                f"set --model-opt image_size={x.shape[-1]}")
        u, v = split_uv("dual-inception", x, self.u_channel, self.v_channel, self.input_scale)
        features = torch.cat([torch.flatten(self.u_stream(u), 1),
                              torch.flatten(self.v_stream(v), 1)], dim=1)
        return self.classifier(self.activation(self.hidden(features)))


# The factory merbench calls: every constructor argument is an option (--model-opt).
build_dual_inception = DualInception
