"""alexnet-flow: torchvision's AlexNet layout as the HTNet repository's baseline script has
it, its size, the input resized inside the network and raw 0..255 values kept."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from merbench_cnn.alexnet_flow import MIN_INPUT_SIZE, AlexNetFlow
from torch import nn

import merbench
from merbench.base.errors import MerbenchError

# conv 3->64 11x11, 64->192 5x5, 192->384, 384->256, 256->256 3x3; FC 9216->4096->4096
BODY = (3 * 64 * 121 + 64) + (64 * 192 * 25 + 192) + (192 * 384 * 9 + 384) \
    + (384 * 256 * 9 + 256) + (256 * 256 * 9 + 256) + (9216 * 4096 + 4096) \
    + (4096 * 4096 + 4096)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_created_through_the_public_api_with_alexnets_size() -> None:
    model = merbench.create_model("alexnet-flow", num_classes=5, input_size=MIN_INPUT_SIZE)
    assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 5)
    assert n_parameters(model) == BODY + 4097 * 5
    assert n_parameters(AlexNetFlow()) == 57_016_131  # three classes


def test_the_layers_are_torchvisions_alexnet() -> None:
    """The script copies torchvision's AlexNet; a torchvision state dict loads whole."""
    from torchvision.models import alexnet

    reference = alexnet(weights=None, num_classes=3)
    model = AlexNetFlow(input_size=MIN_INPUT_SIZE)
    assert model.network.load_state_dict(reference.state_dict()) is not None
    assert [type(m) for m in model.network.modules()] == [type(m) for m in reference.modules()]


def test_the_flow_image_is_resized_and_its_values_are_kept() -> None:
    """Raw 0..255 values, as OpenCV reads the images; only the size changes, bilinearly."""
    torch.manual_seed(0)
    model = AlexNetFlow(input_size=64).eval()
    x = torch.rand(3, 3, 28, 28) * 255
    resized = F.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False)
    with torch.no_grad():
        assert torch.equal(model(x), model.network(resized))
        assert torch.equal(model(resized), model.network(resized))  # already at its size


@pytest.mark.parametrize("size", [62, 28, 0, 63.5, True])
def test_an_input_size_alexnet_cannot_take_is_one_line(size: object) -> None:
    with pytest.raises(MerbenchError, match=r"^alexnet-flow: input_size must be a whole "
                                            r"number of at least 63 pixels"):
        AlexNetFlow(input_size=size)  # type: ignore[arg-type]
