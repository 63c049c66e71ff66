"""A benchmark whose protocol tests one subject, for the tests of what pages and exports say
where there is no spread over subjects to give an interval or a paired test."""

from __future__ import annotations

import json
from pathlib import Path

import merbench
from merbench import hookimpl
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.registry import ModelRegistry

#: three subjects train, one tests
SPLIT = {"train": ["syn1/s01", "syn2/s01", "syn3/s01"], "test": ["syn1/s02"]}


class _OneEpoch:
    """STSTNets whose declared recipe is one epoch, so their one-epoch runs are ranked."""

    def __init__(self, lrs: dict[str, float]) -> None:
        self.lrs = lrs

    @hookimpl
    def merbench_register_models(self, registry: ModelRegistry) -> None:
        for name, lr in self.lrs.items():
            registry.add(ModelMeta(name=name, version=1, description=f"STSTNet at {lr}",
                                   citation="https://arxiv.org/abs/1902.03634",
                                   feature="flow-uvos",
                                   recipe=TrainRecipe(epochs=1, batch_size=256, lr=lr)),
                         "merbench_cnn.ststnet:build_ststnet")


def one_subject_benchmark(root: Path, lrs: dict[str, float]) -> tuple[Path, Path]:
    """One run per model of ``lrs`` (name: learning rate) under ``root / "results"``, and the
    benchmark ``one-subject`` defined in ``root / "defs"``: (results, definitions)."""
    from merbench.plugin_system.manager import load_plugins

    plugins = load_plugins(extra=[("one-epoch", _OneEpoch(lrs))])
    results, defs = root / "results", root / "defs"
    for name in lrs:
        merbench.run(model=name, dataset="synthetic", out=results / name, device="cpu",
                     protocol="subject-split", protocol_options=SPLIT,
                     dataset_options={"samples_per_subject": 3}, plugins=plugins)
    defs.mkdir()
    (defs / "one.json").write_text(json.dumps({
        "id": "one-subject", "title": "One subject", "dataset": "synthetic",
        "dataset_options": {"samples_per_subject": 3}, "protocol": "subject-split",
        "protocol_options": SPLIT, "classes": ["negative", "positive", "surprise"],
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
        "columns": [{"scope": "overall", "label": "All"}]}))
    return results, defs
