"""Pass 84ad, AD6: a timm model's ``input_size`` and ``pretrained_path`` refused in merbench's
words. ``input_size=100000`` said torch's allocator's message, ``input_size=1`` trained a 1x1
image through resnet18's five stride-2 stages, and ``pretrained_path=/dev/zero`` said "no such
file" of a path that exists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins

MODELS = default_plugins().registries.models


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
