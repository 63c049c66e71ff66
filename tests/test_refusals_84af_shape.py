"""Leftovers of pass 84af about shapes and the engine's model builds.

S3: the engine built the run's model on the meta device once for the CPU threads, once to
see whether its factory makes a new class on each call and once for the fold groups; one
build now serves the three.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import merbench
from merbench.runner.data import RunData

TINY_HTNET = {"dim": 12, "heads": 3, "block_repeats": [1, 1, 1]}


def test_one_run_builds_its_model_on_the_meta_device_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """S3: threads, the new-class check and the fold groups all read the one meta build."""
    import torch

    built = RunData.build_model
    on_meta: list[int] = []

    def counted(self: RunData) -> Any:
        if torch.empty(()).device.type == "meta":
            on_meta.append(1)
        return built(self)

    monkeypatch.setattr(RunData, "build_model", counted)
    merbench.run(model="htnet", model_options=TINY_HTNET, dataset="synthetic",
                 dataset_options={"subjects": 4, "samples_per_subject": 5}, epochs=1,
                 device="cpu", parallel_folds=2, out=tmp_path / "r")
    engine = json.loads((tmp_path / "r" / "results.json").read_text())["engine"]
    # each of the three readers ran: threads chosen, folds trained two at a time
    assert engine["mode"] == "fold-parallel" and engine["threads"]["count"] >= 1
    assert len(on_meta) == 1
