"""Dual-Inception: its size, a stream per flow component with weights of its own, the
Inception branches as the public port has them, and one-line option errors."""

from __future__ import annotations

import pytest
import torch
from merbench_cnn.dual_inception import U_CHANNEL, V_CHANNEL, DualInception, Inception
from torch import nn

import merbench
from merbench.base.errors import MerbenchError

# Inception(1 -> 4 x 6): 1x1; 1x1+3x3; 1x1+5x5; pool+1x1. Inception(24 -> 4 x 16) likewise.
FIRST = 4 * (6 + 6) + (6 * 9 * 6 + 6) + (6 * 25 * 6 + 6)
SECOND = 4 * (24 * 16 + 16) + (16 * 9 * 16 + 16) + (16 * 25 * 16 + 16)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_created_through_the_public_api_at_the_reported_size() -> None:
    model = merbench.create_model("dual-inception", num_classes=5)
    assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 5)
    assert (FIRST, SECOND) == (1_284, 10_336)
    body = 2 * (FIRST + SECOND) + (2 * 64 * 7 * 7 * 1024 + 1024)
    assert n_parameters(model) == body + 1025 * 5
    assert n_parameters(DualInception()) == 6_449_867  # "about 6.45 M"


def test_each_stream_reads_its_own_flow_component_with_its_own_weights() -> None:
    assert (V_CHANNEL, U_CHANNEL) == (1, 2)  # flow-uvos: (strain, v, u)
    torch.manual_seed(0)
    model = DualInception().eval()
    x = torch.rand(4, 3, 28, 28) * 255
    with torch.no_grad():
        base = model(x)
        strain = x.clone()
        strain[:, 0] = 0
        assert torch.equal(model(strain), base)  # the strain is never read
        for channel in (U_CHANNEL, V_CHANNEL):
            moved = x.clone()
            moved[:, channel] = torch.rand(4, 28, 28) * 255
            assert not torch.allclose(model(moved), base)
    u_weights = {id(p) for p in model.u_stream.parameters()}
    assert not u_weights & {id(p) for p in model.v_stream.parameters()}


def test_an_inception_module_concatenates_four_branches() -> None:
    module = Inception(24, 16)
    assert module(torch.rand(2, 24, 14, 14)).shape == (2, 64, 14, 14)
    kernels = [[m.kernel_size for m in b if isinstance(m, nn.Conv2d)] for b in module.branches]
    assert kernels == [[(1, 1)], [(1, 1), (3, 3)], [(1, 1), (5, 5)], [(1, 1)]]
    assert isinstance(module.branches[3][0], nn.MaxPool2d)


def test_the_hidden_activation_is_an_option() -> None:
    assert isinstance(DualInception().activation, nn.Identity)  # as the port applies it
    assert isinstance(DualInception(hidden_activation="relu").activation, nn.ReLU)


@pytest.mark.parametrize(("options", "said"), [
    ({"u_channel": 1, "v_channel": 1}, "both 1"),
    ({"u_channel": -1}, "u_channel must be a channel index"),
    ({"hidden_activation": "tanh"}, "hidden_activation must be one of none, relu"),
    ({"input_scale": 0}, "input_scale must be a positive number"),
    ({"image_size": 30}, "image_size must be a whole multiple of 4 of at least 4"),
    ({"image_size": 0}, "image_size must be a whole multiple of 4 of at least 4"),
])
def test_bad_options_are_one_line(options: dict, said: str) -> None:
    with pytest.raises(MerbenchError, match=rf"^dual-inception: .*{said}"):
        DualInception(**options)


def test_an_input_the_network_was_not_built_for_is_one_line() -> None:
    """The flow image is 28x28 with 3 channels: another image_size, or a channel index it
    lacks, says which option to set instead of a matrix-shape error mid-fold."""
    x = torch.rand(2, 3, 28, 28)
    with pytest.raises(MerbenchError, match=r"^dual-inception: the input is 28x28 and the "
                                            r"network was built for image_size=32"):
        DualInception(image_size=32)(x)
    with pytest.raises(MerbenchError, match=r"^dual-inception: u_channel 3 / v_channel 1 "
                                            r"name channels the input does not have"):
        DualInception(u_channel=3)(x)
