"""Pass 84ad, AD6: a timm model's ``input_size`` and ``pretrained_path`` refused in merbench's
words. ``input_size=100000`` said torch's allocator's message, ``input_size=1`` trained a 1x1
image through resnet18's five stride-2 stages, and ``pretrained_path=/dev/zero`` said "no such
file" of a path that exists. The other models with a size option, checked for the same
faults: alexnet-flow took input_size=100000, hsta took an image_size smaller than a patch."""

from __future__ import annotations

import os
from pathlib import Path

import merbench_timm.input_sizes as input_sizes
import pytest

from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins

MODELS = default_plugins().registries.models


@pytest.mark.parametrize("size", [1, 16])
def test_an_input_size_below_the_architectures_reach_is_refused_with_its_minimum(
        size: int) -> None:
    with pytest.raises(MerbenchError) as refused:
        MODELS.get("timm-resnet18").create("model", num_classes=3, input_size=size)
    said = str(refused.value)
    assert f"cannot take {size}x{size} inputs" in said, said
    assert "(stride 2) would get a 1x1 map" in said, said
    assert said.endswith("set --model-opt input_size to at least 17"), said
    MODELS.get("timm-resnet18").create("model", num_classes=3, input_size=17)


def test_a_vit_too_small_for_one_patch_is_refused_with_its_minimum() -> None:
    with pytest.raises(MerbenchError, match=r"cannot take 8x8 inputs: its layer "
                                            r"patch_embed\.proj \(stride 16\).*at least 16$"):
        MODELS.get("timm-vit_tiny_patch16_224").create("model", num_classes=3, input_size=8)


def test_an_input_size_too_large_for_memory_is_said_in_words_without_torch_text() -> None:
    with pytest.raises(MemoryError) as refused:
        MODELS.get("timm-resnet18").create("model", num_classes=3, input_size=100_000)
    said = str(refused.value)
    assert said == ("model 'timm-resnet18' cannot be built with input_size=100000: it would "
                    "need more memory than this machine has; give a smaller input_size"), said


def test_the_memory_is_estimated_before_a_sample_of_that_size_is_allocated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine of 64 MB cannot take one 2000x2000 sample through resnet18 (some 1.3 GB of
    outputs); refused from the estimate, since this machine could allocate it."""
    monkeypatch.setattr(input_sizes, "machine_memory", lambda unknown=0: 64 << 20)
    with pytest.raises(MemoryError, match=r"input_size=2000: it would need more memory"):
        MODELS.get("timm-resnet18").create("model", num_classes=3, input_size=2000)


def test_a_pretrained_path_that_is_no_regular_file_is_named_for_what_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    entry = MODELS.get("timm-resnet18")
    with pytest.raises(MerbenchError, match=r"^/dev/zero is a character device, not a regular "
                                            r"file; give a regular file as the pretrained "
                                            r"weights file"):
        entry.built_from_for({"pretrained_path": "/dev/zero"})
    os.mkfifo("weights.pth")
    with pytest.raises(MerbenchError, match=r"^weights\.pth is a fifo, not a regular file"):
        entry.built_from_for({"pretrained_path": "weights.pth"})
    with pytest.raises(MerbenchError, match=r"^weights\.pth is a fifo"):  # never opened
        entry.create("model", num_classes=3, pretrained_path="weights.pth")
    with pytest.raises(MerbenchError, match=r"^no pretrained weights file .* at missing\.pth; "
                                            r"give the path of an existing file"):
        entry.built_from_for({"pretrained_path": "missing.pth"})


def test_alexnet_flow_too_large_an_input_size_is_said_before_training() -> None:
    with pytest.raises(MemoryError, match=r"^model 'alexnet-flow' cannot be built with "
                                          r"input_size=100000: it would need more memory"):
        MODELS.get("alexnet-flow").create("model", num_classes=3, input_size=100_000)


@pytest.mark.parametrize(("name", "least"), [("hsta", 16), ("hsta-release", 12)])
def test_hsta_an_image_smaller_than_a_patch_is_refused_with_its_minimum(
        name: str, least: int) -> None:
    with pytest.raises(MerbenchError, match=rf"image_size 1 is smaller than one patch .*no "
                                            rf"tokens; give an image_size of at least {least}$"):
        MODELS.get(name).create("model", num_classes=3, image_size=1)
