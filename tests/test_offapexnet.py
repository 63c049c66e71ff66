"""OFF-ApexNet: shape, size, which input channels it reads, and a short end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from merbench_cnn.offapexnet import STRAIN_CHANNEL, U_CHANNEL, V_CHANNEL, OffApexNet
from torch import nn

import merbench
from merbench.base.errors import MerbenchError

# 2 streams x (conv 1->6 5x5, conv 6->16 5x5) + FC 1568->1024 + FC 1024->1024; + 1025 per class
BODY = 2 * ((25 * 6 + 6) + (25 * 6 * 16 + 16)) + (1568 * 1024 + 1024) + (1024 * 1024 + 1024)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_created_through_the_public_api() -> None:
    model = merbench.create_model("offapexnet", num_classes=5)
    assert isinstance(model, nn.Module)
    assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 5)
    assert n_parameters(model) == BODY + 1025 * 5


def test_paper_size() -> None:
    assert BODY == 2_661_400
    assert n_parameters(OffApexNet()) == 2_664_475  # "about 2.7M" with three classes


def test_reads_u_and_v_but_not_the_strain() -> None:
    assert (STRAIN_CHANNEL, V_CHANNEL, U_CHANNEL) == (0, 1, 2)  # flow-uvos: (strain, v, u)
    torch.manual_seed(0)
    model = OffApexNet().eval()
    x = torch.rand(4, 3, 28, 28) * 255
    with torch.no_grad():
        reference = model(x)
        for channel, read in ((STRAIN_CHANNEL, False), (V_CHANNEL, True), (U_CHANNEL, True)):
            changed = x.clone()
            changed[:, channel] = torch.rand(4, 28, 28) * 255
            assert torch.equal(model(changed), reference) is not read, channel


def test_streams_see_u_and_v() -> None:
    """The u stream gets channel 2 and the v stream channel 1, both scaled by input_scale."""
    torch.manual_seed(0)
    model = OffApexNet(input_scale=0.5).eval()
    x = torch.rand(3, 3, 28, 28) * 255
    with torch.no_grad():
        features = torch.cat([model.u_stream(x[:, 2:3] * 0.5).flatten(1),
                              model.v_stream(x[:, 1:2] * 0.5).flatten(1)], dim=1)
        torch.testing.assert_close(model(x), model.classifier(features))


@pytest.mark.parametrize(("options", "message"), [
    ({"conv_activation": "tanh"}, "conv_activation must be one of relu, none"),
    ({"u_channel": 1}, "u_channel and v_channel are both 1"),
    ({"input_scale": 0}, "input_scale must be a positive number"),
    ({"image_size": 30}, "image_size must be a whole multiple of 4 of at least 4"),
    ({"image_size": 0}, "image_size must be a whole multiple of 4 of at least 4"),
])
def test_bad_options(options: dict, message: str) -> None:
    with pytest.raises(MerbenchError, match=message):
        merbench.create_model("offapexnet", **options)


def test_trains_end_to_end(tmp_path: Path) -> None:
    merbench.run(model="offapexnet", dataset="synthetic", epochs=2, device="cpu",
                 out=tmp_path / "r", dataset_options={"subjects": 3, "samples_per_subject": 4})
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["model"]["name"] == "offapexnet"
    assert results["hyperparameters"]["batch_size"] == 64
    assert results["hyperparameters"]["lr"] == 1e-4
