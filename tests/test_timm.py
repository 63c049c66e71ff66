"""The timm model families: any timm architecture as ``timm-<arch>`` (flow image) or
``timm-face-<arch>`` (apex face), what a run records of it, and its local pretrained weights.
The registry-wide contract checks of a few members are in tests/test_registry_contracts.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import timm
import torch
from merbench_features.frames import build_apex_face

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.plugin_system.manager import default_plugins
from merbench.verification.validate import validate_run

MODELS = default_plugins().registries.models


def test_listing_shows_the_families_and_imports_neither_torch_nor_timm() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom merbench.cli import main\n"
         "try:\n    main(['list', 'models'])\nexcept SystemExit:\n    pass\n"
         "print(sorted(m for m in ('torch', 'timm') if m in sys.modules))"],
        capture_output=True, text=True, check=True, env={"COLUMNS": "200", "PATH": ""})
    assert "timm-<arch>" in done.stdout and "timm-face-<arch>" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_member_names_its_architecture_and_timms_version() -> None:
    entry = MODELS.get("timm-resnet18")
    assert entry.meta.name == "timm-resnet18" and entry.meta.feature == "flow-uvos"
    assert entry.meta.description == \
        f"timm {timm.__version__} architecture resnet18 on the 28x28 flow image"
    assert MODELS.get("timm-face-resnet18").meta.feature == "apex-face"
    assert entry.built_from_for({}) == {"timm": timm.__version__}
    assert "timm-resnet18" in MODELS and "timm-resnt18" not in MODELS
    with pytest.raises(MerbenchError, match=r"available: .*timm-<arch>"):
        MODELS.get("tim-resnet18")
    with pytest.raises(MerbenchError, match=r"'timm' is a family: .* timm-<arch>"):
        MODELS.get("timm")


def test_unknown_architectures_and_weight_tags_are_one_line_errors() -> None:
    with pytest.raises(MerbenchError, match=r"unknown timm architecture 'resnt18'.*did you mean "
                                            r"timm-resnet18"):
        MODELS.get("timm-resnt18")
    with pytest.raises(MerbenchError, match=r"without a weight tag \('timm-resnet18'\).*"
                                            r"pretrained_path"):
        MODELS.get("timm-resnet18.a1_in1k")


def test_an_input_too_small_for_the_architecture_fails_at_build_naming_input_size() -> None:
    entry = MODELS.get("timm-convnext_atto")  # stride-2 2x2 downsampling: 28 -> 7 -> 3 -> 1
    with pytest.raises(MerbenchError, match=r"cannot take 28x28 inputs.*input_size to at least 32"):
        entry.create("model", num_classes=3)
    model = entry.create("model", num_classes=3, input_size=56).eval()
    with torch.no_grad():
        assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 3)


def test_a_vit_is_built_for_the_input_size() -> None:
    vit = MODELS.get("timm-vit_tiny_patch16_224")
    assert vit.create("model", num_classes=3).network.patch_embed.grid_size == (1, 1)
    face = MODELS.get("timm-face-vit_tiny_patch16_224").create("model", num_classes=3).eval()
    with pytest.raises(MerbenchError, match=r"timm-face-vit_tiny_patch16_224 was built for "
                                            r"224x224 inputs and got 112x112.*input_size=224"):
        face(torch.rand(1, 3, 112, 112))
    model = vit.create("model", num_classes=3, input_size=224)
    assert model.network.patch_embed.grid_size == (14, 14)
    with torch.no_grad():
        assert model.eval()(torch.rand(1, 3, 28, 28) * 255).shape == (1, 3)


def test_inputs_are_scaled_as_the_architectures_configuration_says() -> None:
    model = MODELS.get("timm-resnet18").create("model", num_classes=3).eval()
    seen = []
    model.network.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    image = torch.rand(1, 3, 28, 28) * 255
    with torch.no_grad():
        model(image)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    assert torch.allclose(seen[0], (image / 255 - mean) / std, atol=1e-5)
    with pytest.raises(MerbenchError, match=r"takes \(batch, 3, height, width\)"):
        model(torch.rand(1, 2, 3, 28, 28))


def test_pretrained_weights_load_from_a_local_file_and_enter_the_identity(
        tmp_path: Path) -> None:
    torch.manual_seed(1)
    source = timm.create_model("resnet18", num_classes=1000)  # an ImageNet-shaped checkpoint
    weights = tmp_path / "resnet18.pth"
    torch.save(source.state_dict(), weights)
    entry = MODELS.get("timm-resnet18")
    model = entry.create("model", num_classes=3, pretrained_path=str(weights))
    assert torch.equal(model.network.conv1.weight, source.conv1.weight)
    assert torch.equal(model.network.layer4[1].bn2.running_var, source.layer4[1].bn2.running_var)
    assert model.network.fc.out_features == 3  # timm's loader drops the 1000-class head
    found = entry.built_from_for({"pretrained_path": str(weights)})
    assert found["pretrained_sha256"] == __import__("hashlib").sha256(
        weights.read_bytes()).hexdigest()
    other = tmp_path / "other.pth"
    torch.save({k: v + 1 for k, v in source.state_dict().items()}, other)
    assert entry.built_from_for({"pretrained_path": str(other)}) != found
    with pytest.raises(MerbenchError, match=r"no pretrained weights file .* at .*missing\.pth"):
        entry.built_from_for({"pretrained_path": str(tmp_path / "missing.pth")})
    # merbench's own saved model (keys under network., a 3-class head) loads whole
    saved = tmp_path / "saved.pth"
    torch.save(model.state_dict(), saved)
    again = entry.create("model", num_classes=3, pretrained_path=str(saved))
    assert torch.equal(again.network.fc.weight, model.network.fc.weight)


def test_weights_of_another_architecture_are_refused_not_skipped(tmp_path: Path) -> None:
    """Weights that silently did not load would leave a run trained from scratch under the
    file's digest: every weight but a classifier of another shape must load."""
    weights = tmp_path / "resnet34.pth"
    torch.save(timm.create_model("resnet34").state_dict(), weights)
    with pytest.raises(MerbenchError, match=r"timm-resnet18: pretrained_path .*resnet34\.pth "
                                            r"holds weights the architecture does not have"):
        MODELS.get("timm-resnet18").create("model", num_classes=3, pretrained_path=str(weights))
    partial = tmp_path / "partial.pth"
    state = timm.create_model("resnet18").state_dict()
    del state["layer1.0.conv1.weight"]
    torch.save(state, partial)
    with pytest.raises(MerbenchError, match=r"lacks weights of the architecture: "
                                            r"layer1\.0\.conv1\.weight"):
        MODELS.get("timm-resnet18").create("model", num_classes=3, pretrained_path=str(partial))


def test_weights_that_hold_code_are_refused(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.pth"
    torch.save({"state_dict": timm.create_model("resnet18").state_dict(),
                "extra": pd.Timestamp("2026-01-01")}, unsafe)  # not a plain tensor file
    with pytest.raises(MerbenchError, match=r"timm-resnet18: pretrained_path .*unsafe\.pth "
                                            r"holds code-bearing Python objects \(it names "
                                            r"pandas\."):
        MODELS.get("timm-resnet18").create("model", num_classes=3, pretrained_path=str(unsafe))


def test_a_run_records_what_the_model_was_built_from(tmp_path: Path) -> None:
    result = merbench.run(model="timm-mobilenetv3_small_050", dataset="synthetic", epochs=1,
                          out=tmp_path / "run", device="cpu")
    stored = json.loads((tmp_path / "run" / "results.json").read_text())
    assert stored["model"]["built_from"] == {"timm": timm.__version__}
    identity = json.loads((tmp_path / "run" / "run.json").read_text())["identity"]
    assert identity["model"]["built_from"] == {"timm": timm.__version__}
    assert len(result.predictions) == 60
    validate_run(tmp_path / "run")
    stored["model"]["built_from"] = {"timm": "0.9.0"}  # claims another timm
    (tmp_path / "run" / "results.json").write_text(json.dumps(stored))
    with pytest.raises(MerbenchError, match="built_from"):
        validate_run(tmp_path / "run")


def test_the_apex_face_feature_gives_rgb_faces_at_its_size() -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (3, 40, 50, 3), dtype=np.uint8)
    samples = pd.DataFrame({"sample_id": ["a", "b", "c"], "database": "d",
                            "subject": ["1", "2", "3"], "label": [0, 1, 2]})
    dataset = InMemoryDataset("faces", samples, ("x", "y", "z"), {"apex_face": faces})
    extracted = build_apex_face(size=16)(dataset)
    assert extracted.values.shape == (3, 3, 16, 16) and extracted.values.dtype == np.uint8
    assert extracted.report["size"] == 16
    with pytest.raises(ValueError, match="from 16 to 1024"):
        build_apex_face(size=0)


def test_another_package_cannot_take_a_members_name_or_a_longer_prefix() -> None:
    from merbench.meta import ModelMeta, TrainRecipe
    from merbench.plugin_system.entry import Origin
    from merbench.plugin_system.registry import Registry

    def meta(name: str) -> ModelMeta:
        return ModelMeta(name=name, version=1, description="d", citation="c", feature="f",
                         recipe=TrainRecipe(epochs=1, batch_size=1, lr=0.1))

    def member(name: str) -> tuple:
        return meta(f"fam-{name}"), lambda num_classes=3: None, None

    registry = Registry("model", ModelMeta)
    ours, theirs = Origin("fam", "merbench", "0.1"), Origin("x", "merbench-x", "1.0")
    with registry.registering_for(ours):
        registry.add_family(meta("fam"), member)
    with registry.registering_for(theirs):
        registry.add(meta("fam-a"), lambda num_classes=3: None)
        registry.add_family(meta("fam-b"), member)
    assert registry.get("fam-a").origin == ours
    assert registry.get("fam-b-c").meta.name == "fam-b-c"  # member "b-c" of merbench's family
    assert [f.meta.name for f in registry.families()] == ["fam"]
    assert len(registry.conflicts) == 2 and all("merbench keeps the name" in line
                                                for line in registry.conflicts)


def test_the_leaderboard_pins_every_member_to_merbench() -> None:
    from merbench.leaderboard.providers import first_party_pins, pinned_package

    pins = first_party_pins()["model"]
    assert pins["timm-*"] == pins["timm-face-*"] == "merbench"
    assert pinned_package(pins, "timm-resnet18") == "merbench"
    assert pinned_package(pins, "timm-face-resnet18") == "merbench"
    assert pinned_package(pins, "mymodel") is None
