"""The authors' released state dicts load through ``merbench convert-weights``: per model, a
state dict under the authors' layer names (listed here from their code, each tensor seeded
by its own name) converts, loads strictly, and puts every tensor where the documented
mapping says; STSTNet's per-subject weights then score through ``--weights``."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from merbench_datasets.synthetic import make_synthetic
from merbench_features.flow_uvos import flow_uvos_to_input
from torch import nn

import merbench
from merbench.base.errors import MerbenchError
from merbench.export.authors_weights import convert_file
from merbench.plugin_system.manager import default_plugins
from merbench.training.checkpoints import load_weights

Layout = dict[str, tuple[int, ...]]


def _seeded(name: str, shape: tuple[int, ...]) -> torch.Tensor:
    if name.endswith("num_batches_tracked"):
        return torch.tensor(zlib.crc32(name.encode()) % 1000)
    generator = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    return torch.rand(shape, generator=generator) + 0.5  # positive: fine for running_var


def _bn(prefix: str, n: int) -> Layout:
    return {f"{prefix}.weight": (n,), f"{prefix}.bias": (n,), f"{prefix}.running_mean": (n,),
            f"{prefix}.running_var": (n,), f"{prefix}.num_batches_tracked": ()}


def _conv(prefix: str, cout: int, cin: int, k: int, bias: bool = True) -> Layout:
    return {f"{prefix}.weight": (cout, cin, k, k), **({f"{prefix}.bias": (cout,)} if bias else {})}


def _linear(prefix: str, cout: int, cin: int, bias: bool = True) -> Layout:
    return {f"{prefix}.weight": (cout, cin), **({f"{prefix}.bias": (cout,)} if bias else {})}


def rcn_layout() -> Layout:
    """MeNets.RCN_A(3, 64, 3, 1, 7): conv1, rcls.0.ffconv / rrconv, classifier."""
    return {**_conv("conv1.0", 64, 3, 5), **_bn("conv1.1", 64),
            **_conv("rcls.0.ffconv.0", 64, 64, 1), **_bn("rcls.0.ffconv.1", 64),
            **_conv("rcls.0.rrconv.0", 64, 64, 3), **_bn("rcls.0.rrconv.1", 64),
            **_linear("classifier", 3, 64 * 7 * 7)}


def ststnet_layout() -> Layout:
    """The authors' STSTNet: conv1-3 (3, 5, 8 filters, padding 2), bn1-3, fc 400 -> 3."""
    layout: Layout = {}
    for stream, filters in (("1", 3), ("2", 5), ("3", 8)):
        layout.update({**_conv(f"conv{stream}", filters, 3, 3), **_bn(f"bn{stream}", filters)})
    return {**layout, **_linear("fc", 3, 400)}


def offapexnet_layout() -> Layout:
    """Off-TANet's port: cnn1 / cnn2 (conv1 6x5x5, conv2 16x5x5), dense 1568-1024-1024-3."""
    layout: Layout = {}
    for cnn in ("cnn1", "cnn2"):
        layout.update({**_conv(f"{cnn}.conv1", 6, 1, 5), **_conv(f"{cnn}.conv2", 16, 6, 5)})
    return {**layout, **_linear("dense.0", 1024, 1568), **_linear("dense.3", 1024, 1024),
            **_linear("dense.6", 3, 1024)}


def mmnet_layout(classes: int = 5, depth: int = 2, mlp_ratio: int = 4, grid: int = 14,
                 widths: tuple[int, ...] = (128, 128, 256, 512), stem: int = 180) -> Layout:
    """CASME2_5.py's MMNet (5 classes): conv_act, pos, vit_pos (PC_module), main_branch
    (CA_block's ResNet with blocks [1, 1, 1, 1] and its fc), head, timeembed. CASME2_3.py
    names the same modules (``head1`` for ``head``), with depth 3 and MLP ratio 2; the other
    arguments shrink it, under the same names, to keep a test fast."""
    dim = widths[-1]
    layout: Layout = {**_conv("conv_act.0", stem, 3, 3, bias=False), **_bn("conv_act.1", stem),
                      **_conv("pos.0", dim, 3, 1, bias=False), **_bn("pos.1", dim),
                      "vit_pos.cls_token": (1, 1, dim), "vit_pos.pos_embed": (1, grid ** 2, dim),
                      **_conv("vit_pos.patch_embed.proj", dim, 3, 1)}
    for block in range(depth):
        at = f"vit_pos.blocks.{block}"
        layout.update({f"{at}.norm1.weight": (dim,), f"{at}.norm1.bias": (dim,),
                       **_linear(f"{at}.attn.qkv", 3 * dim, dim),
                       **_linear(f"{at}.attn.proj", dim, dim),
                       f"{at}.norm2.weight": (dim,), f"{at}.norm2.bias": (dim,),
                       **_linear(f"{at}.mlp.fc1", mlp_ratio * dim, dim),
                       **_linear(f"{at}.mlp.fc2", dim, mlp_ratio * dim)})
    layout.update({"vit_pos.norm.weight": (dim,), "vit_pos.norm.bias": (dim,),
                   **_linear("vit_pos.head", 5, dim), **_linear("vit_pos.to_Mask.0", 1, dim),
                   **_conv("main_branch.conv1", widths[0], stem, 3, bias=False),
                   **_bn("main_branch.bn1", widths[0])})
    for layer, (cin, cout) in enumerate(zip((widths[0], *widths[:-1]), widths, strict=True), 1):
        at = f"main_branch.layer{layer}.0"
        layout.update({**_conv(f"{at}.conv1", cout, cin, 3, bias=False), **_bn(f"{at}.bn1", cout),
                       **_conv(f"{at}.conv2", cout, cout, 1, bias=False), **_bn(f"{at}.bn2", cout),
                       **_conv(f"{at}.attn.0", 1, 2, 1, bias=False), **_bn(f"{at}.attn.1", 1)})
        if layer > 1:
            layout.update({**_conv(f"{at}.downsample.0", cout, cin, 1, bias=False),
                           **_bn(f"{at}.downsample.1", cout)})
    return {**layout, **_linear("main_branch.fc", classes, dim * grid ** 2),
            **_linear("head.1", 38, 112 * 112, bias=False), "timeembed": (1, 4, 111, 111)}


def _mmnet_renames(depth: int = 2) -> dict[str, str | None]:
    names: dict[str, str | None] = {
        "conv_act.0": "main_branch.stem.0.0", "conv_act.1": "main_branch.stem.0.1",
        "main_branch.conv1": "main_branch.stem.2.0", "main_branch.bn1": "main_branch.stem.2.1",
        "main_branch.fc": "head", "vit_pos.patch_embed.proj": "position.patch_embed",
        "vit_pos.pos_embed": "position.pos_embed", "vit_pos.norm": "position.norm"}
    for block in range(depth):
        names[f"vit_pos.blocks.{block}"] = f"position.blocks.{block}"
    for layer in range(4):
        theirs, ours = f"main_branch.layer{layer + 1}.0", f"main_branch.blocks.{layer}"
        names.update({f"{theirs}.conv1": f"{ours}.body.0.0", f"{theirs}.bn1": f"{ours}.body.0.1",
                      f"{theirs}.conv2": f"{ours}.body.2.0", f"{theirs}.bn2": f"{ours}.body.2.1",
                      f"{theirs}.downsample": f"{ours}.shortcut",
                      f"{theirs}.attn": f"{ours}.attention"})
    return names


# MMNet shrunk under the authors' names (the full-size 5-class case is "mmnet")
SMALL_MMNET = {"image_size": 64, "widths": [16, 16, 32, 64], "stem": 24}
# HTNet and CausalNet at a small size: their authors' names are merbench's (checked against
# their code by tests/test_htnet.py and tests/test_causalnet.py), so the layout is the model's
SMALL_HTNET = {"dim": 8, "heads": 1, "block_repeats": [1, 1, 1]}
UNUSED_MMNET: dict[str, str | None] = {
    "pos": None, "vit_pos.cls_token": None, "vit_pos.head": None, "vit_pos.to_Mask": None,
    "head": None, "head1": None, "timeembed": None}


def _own_layout(model: str, options: dict[str, Any]) -> Callable[[], Layout]:
    return lambda: {name: tuple(tensor.shape) for name, tensor in merbench.create_model(
        model, num_classes=3, **options).state_dict().items()}


def _three_class_layout() -> Layout:
    """CASME2_3.py's MMNet, small: depth 3, MLP ratio 2, its AU head named ``head1``, and
    CA_block's classifier of 5 outputs (the 3-class script keeps it: only 3 are trained)."""
    layout = mmnet_layout(5, depth=3, mlp_ratio=2, grid=4, widths=(16, 16, 32, 64), stem=24)
    return {name.replace("head.", "head1.", 1) if name.startswith("head.") else name: shape
            for name, shape in layout.items()}


# model: classes, options, the authors' layout, their prefixes -> merbench's (None: dropped;
# no table at all: every name is merbench's)
CASES: dict[str, tuple[int, dict[str, Any], Callable[[], Layout],
                       dict[str, str | None] | None]] = {
    "rcn": (3, {}, rcn_layout, {"conv1": "stem", "rcls.0.ffconv": "recurrent.feedforward",
                             "rcls.0.rrconv": "recurrent.recurrent", "classifier": "classifier"}),
    "offapexnet": (3, {"conv_activation": "none"}, offapexnet_layout,
                   {"cnn1.conv1": "u_stream.0", "cnn1.conv2": "u_stream.3",
                    "cnn2.conv1": "v_stream.0", "cnn2.conv2": "v_stream.3",
                    "dense": "classifier"}),
    "mmnet": (5, {}, mmnet_layout, {**_mmnet_renames(), **UNUSED_MMNET}),
    "mmnet-3class": (5, SMALL_MMNET, _three_class_layout,
                     {**_mmnet_renames(3), **UNUSED_MMNET}),
    "mmnet-release": (3, SMALL_MMNET, lambda: mmnet_layout(
        3, grid=4, widths=(16, 16, 32, 64), stem=24), {**_mmnet_renames(), **UNUSED_MMNET}),
    "htnet": (3, SMALL_HTNET, _own_layout("htnet", SMALL_HTNET), None),
    "causalnet": (3, SMALL_HTNET, _own_layout("causalnet", SMALL_HTNET), None),
}


def _mapped(name: str, renames: dict[str, str | None] | None) -> str | None:
    """Where ``name`` goes under ``renames``, the longest matching prefix first."""
    if renames is None:
        return name
    for old in sorted(renames, key=len, reverse=True):
        if name == old or name.startswith(old + "."):
            new = renames[old]
            return None if new is None else new + name[len(old):]
    raise AssertionError(f"{name} has no mapping in the test")


@pytest.mark.parametrize("model", sorted(CASES))
def test_the_authors_names_convert_and_load_strictly(model: str, tmp_path: Path) -> None:
    classes, options, layout, renames = CASES[model]
    theirs = {name: _seeded(name, shape) for name, shape in layout().items()}
    torch.save(theirs, tmp_path / "authors.pth")
    entry = default_plugins().registries.models.get(model)
    converted = convert_file(entry, tmp_path / "authors.pth", options)
    network = merbench.create_model(model, num_classes=classes, **options)
    network.load_state_dict(converted, strict=True)
    ours = network.state_dict()
    placed = 0
    for name, tensor in theirs.items():
        target = _mapped(name, renames)
        if target is None:
            assert not any(v is tensor for v in converted.values())
            continue
        assert torch.equal(ours[target], tensor), f"{name} is not at {target}"
        placed += 1
    assert placed == len(ours)  # every merbench tensor came from one of theirs


class AuthorsSTSTNet(nn.Module):
    """The STSTNet authors' forward, written from their module list (three streams)."""

    def __init__(self) -> None:
        super().__init__()
        for stream, filters in (("1", 3), ("2", 5), ("3", 8)):
            setattr(self, f"conv{stream}", nn.Conv2d(3, filters, 3, padding=2))
            setattr(self, f"bn{stream}", nn.BatchNorm2d(filters))
        self.fc = nn.Linear(400, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        streams = [nn.functional.max_pool2d(
            getattr(self, f"bn{s}")(torch.relu(getattr(self, f"conv{s}")(x))), 3, 3, 1)
            for s in "123"]
        pooled = nn.functional.avg_pool2d(torch.cat(streams, 1), 2, 2)
        return self.fc(pooled.flatten(1))


def test_ststnet_per_subject_weights_score_under_merbenchs_protocol(tmp_path: Path,
                                                                      cli) -> None:
    options = {"subjects": 3, "samples_per_subject": 4, "databases": 1}
    data = make_synthetic(**options)
    x = torch.as_tensor(flow_uvos_to_input(data.read_all("flow_uvos")))
    expected = {}
    for subject in sorted(set(data.samples["subject"])):
        authors = AuthorsSTSTNet()
        authors.load_state_dict({  # one training: the three BatchNorms count alike
            name: torch.tensor(800) if name.endswith("num_batches_tracked")
            else _seeded(f"{subject}/{name}", tensor.shape)
            for name, tensor in authors.state_dict().items()})
        (tmp_path / "released").mkdir(exist_ok=True)
        torch.save(authors.state_dict(), tmp_path / "released" / f"{subject}.pth")
        rows = np.flatnonzero(data.samples["subject"] == subject)
        with torch.no_grad():
            logits = authors.eval()(x[rows])
        expected.update(zip(data.samples["sample_id"].iloc[rows], logits.argmax(1).tolist(),
                            strict=True))
    code, out, err = cli("convert-weights", "ststnet", tmp_path / "released", "--out",
                         tmp_path / "converted")
    assert code == 0, err
    assert "converted 3 checkpoint(s)" in out
    network = load_weights(merbench.create_model("ststnet"),
                           tmp_path / "converted" / "s01.pth").eval()
    authors = AuthorsSTSTNet()
    authors.load_state_dict(torch.load(tmp_path / "released" / "s01.pth", weights_only=True))
    with torch.no_grad():
        assert torch.allclose(network(x), authors.eval()(x), atol=1e-5)
    result = merbench.run(model="ststnet", dataset="synthetic", dataset_options=options,
                          weights=str(tmp_path / "converted"), out=tmp_path / "run",
                          device="cpu")
    got = result.predictions.set_index("sample_id")["y_pred"]
    assert {k: int(v) for k, v in got.items()} == expected


def test_a_wrong_checkpoint_is_one_line(tmp_path: Path, cli) -> None:
    torch.save({"conv9.weight": torch.zeros(1)}, tmp_path / "other.pth")
    code, _, err = cli("convert-weights", "rcn", tmp_path / "other.pth", "--out",
                       tmp_path / "out.pth")
    assert code == 2 and err.count("\n") == 1
    assert "not in the RCN-A authors' layout: conv9.weight" in err
    assert not (tmp_path / "out.pth").exists()
    code, _, err = cli("convert-weights", "dual-inception", tmp_path / "other.pth", "--out",
                       tmp_path / "out.pth")
    assert code == 2 and "has no mapping from its authors' weights" in err
    with pytest.raises(MerbenchError, match="does not exist"):
        convert_file(default_plugins().registries.models.get("rcn"), tmp_path / "none.pth", {})


def test_htnet_and_causalnet_load_under_their_own_names() -> None:
    models = default_plugins().registries.models
    for name in ("htnet", "causalnet"):
        assert models.get(name).meta.authors_weights == "merbench.export.authors_weights:same_names"
