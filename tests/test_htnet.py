"""HTNet is the authors' network: their state dicts load strictly, their logits come back.

The reference vectors live in ``../shared/reference`` (they hold no faces): a small
configuration's weights, input and logits saved from the authors' implementation, and the key
/ shape list of the paper configuration's state dict.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from merbench_htnet.htnet import PAPER_CONFIG, HTNet, merge_blocks, split_blocks

import merbench
from merbench.base.errors import MerbenchError
from merbench.training.checkpoints import check_state_dict, load_weights


@pytest.fixture(scope="session")
def reference() -> Path:
    """``../shared/reference`` beside the real data; like the data, required in CI."""
    root = os.environ.get("MERBENCH_TEST_DATA")
    folder = Path(root).parent / "reference" if root else None
    if folder is None or not (folder / "htnet_parity_small.pt").is_file():
        problem = f"no HTNet reference vectors beside MERBENCH_TEST_DATA ({folder})"
        if os.environ.get("CI"):
            pytest.fail(f"reference vectors are required in CI: {problem}")
        pytest.skip(problem)
    return folder


@pytest.mark.realdata
def test_reproduces_the_authors_logits(reference: Path) -> None:
    vectors = torch.load(reference / "htnet_parity_small.pt", weights_only=True)
    model = merbench.create_model("htnet", **vectors["config"]).eval()
    model.load_state_dict(vectors["state_dict"], strict=True)
    with torch.no_grad():
        logits = model(vectors["input"])
    assert logits.shape == vectors["logits"].shape == (8, 3)
    assert (logits - vectors["logits"]).abs().max().item() < 1e-5


@pytest.mark.realdata
def test_the_parity_weights_load_from_a_file(reference: Path, tmp_path: Path) -> None:
    """The path ``--weights`` takes: a state dict file, weights_only, strict."""
    vectors = torch.load(reference / "htnet_parity_small.pt", weights_only=True)
    torch.save(vectors["state_dict"], tmp_path / "s01.pth")
    model = load_weights(HTNet(**vectors["config"]), tmp_path / "s01.pth").eval()
    with torch.no_grad():
        assert (model(vectors["input"]) - vectors["logits"]).abs().max().item() < 1e-5


@pytest.mark.realdata
def test_paper_state_dict_loads_strictly(reference: Path) -> None:
    official = json.loads((reference / "htnet_official_state_dict.json").read_text())
    model = merbench.create_model("htnet", **official["config"])
    shapes = {k: tuple(v) for k, v in official["state_dict"].items()}
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == shapes
    torch.manual_seed(0)
    state = {k: torch.randn(shape) for k, shape in shapes.items()}
    model.load_state_dict(state, strict=True)
    assert torch.equal(model.state_dict()["mlp_head.2.weight"], state["mlp_head.2.weight"])
    assert len(shapes) == 171
    assert sum(p.numel() for p in model.parameters()) == 139_582_982


def test_defaults_are_the_paper_configuration() -> None:
    model = merbench.create_model("htnet")
    assert model.config == {**PAPER_CONFIG, "num_classes": 3, "dropout": 0.0}
    assert sum(p.numel() for p in model.parameters()) == 139_582_982
    assert model.state_dict()["layers.0.0.layers.0.0.fn.to_qkv.weight"].shape == (765, 256, 1, 1)
    assert model.state_dict()["layers.2.0.layers.0.0.fn.to_out.0.weight"].shape == (
        1024, 1020, 1, 1)  # 12 heads of 1024 // 12 = 85


def test_small_configuration_forward_and_backward() -> None:
    torch.manual_seed(0)
    model = merbench.create_model("htnet", num_classes=5, dim=16, heads=2,
                                  block_repeats=[1, 1, 1])
    x = torch.rand(4, 3, 28, 28) * 255
    logits = model(x)
    assert logits.shape == (4, 5)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_larger_images_attend_over_several_positions() -> None:
    """With 56x56 input each block holds 4 positions, so attention really mixes tokens."""
    torch.manual_seed(0)
    model = HTNet(image_size=56, dim=12, heads=3, block_repeats=1).eval()
    assert model.layers[0][0].pos_emb.shape == (4,)
    x = torch.rand(2, 3, 56, 56)
    with torch.no_grad():
        assert model(x).shape == (2, 3)


def test_blocks_split_and_merge_back() -> None:
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    blocks = split_blocks(x, 2)
    assert blocks.shape == (8, 3, 2, 2)
    assert torch.equal(blocks[1], x[0, :, 0:2, 2:4])  # first image, top-right block
    assert torch.equal(merge_blocks(blocks, 2), x)


@pytest.mark.parametrize(("options", "message"), [
    ({"patch_size": 5}, "image_size 28 is not a multiple of patch_size 5"),
    ({"num_hierarchies": 4}, "cannot be split into 8x8 blocks"),
    ({"block_repeats": [2, 2]}, "block_repeats needs 3 positive whole numbers"),
    ({"dim": 0}, "dim must be a positive whole number"),
    ({"heads": 300}, "heads (300) cannot exceed dim (256)"),
    ({"dropout": 1.5}, "dropout=1.5 is no dropout probability; give a number from 0 to below 1"),
])
def test_impossible_configurations(options: dict, message: str) -> None:
    with pytest.raises(MerbenchError) as caught:
        merbench.create_model("htnet", **options)
    assert message in str(caught.value)


def test_checkpoint_of_another_configuration_is_named() -> None:
    small = HTNet(dim=24, block_repeats=[1, 1, 2]).state_dict()
    with pytest.raises(MerbenchError) as caught:
        check_state_dict(HTNet(), small, "checkpoint s01.pth", "model 'htnet'")
    message = str(caught.value)
    assert "missing key(s): layers.0.0.layers.1.0.norm.g" in message
    assert "to_patch_embedding.1.weight (24, 147, 1, 1) (model: (256, 147, 1, 1))" in message
    assert "--model-opt" in message
