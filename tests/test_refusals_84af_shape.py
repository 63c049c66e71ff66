"""Leftovers of pass 84af about shapes and the engine's model builds.

S2: a per-sample feature that declares no shape, extracted by two workers or more: each
worker took its own first sample's shape for the feature's and cached samples of it, so a
sample of another shape was in the cache before the samples were compared and refused. The
first sample's shape is now found before any worker starts, and every worker refuses a
sample of another before it is cached.
S3: the engine built the run's model on the meta device once for the CPU threads, once to
see whether its factory makes a new class on each call and once for the fold groups; one
build now serves the three.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import one_line

import merbench
from merbench.plugin_system.manager import default_plugins
from merbench.runner.data import RunData

PLUGIN = """
    import multiprocessing
    import os
    import time
    from pathlib import Path

    import numpy as np
    from merbench.api import FeatureMeta, SampleExtractor, hookimpl

    class Hostile(SampleExtractor):
        sources = ("flow_uvos",)

        def __init__(self):  # built in merbench's own process, sent to the workers
            self.marker = Path(os.environ["MERBENCH_CACHE_DIR"]).parent / "other-shape"

        def compute(self, inputs, sample_id):
            if sample_id < "syn1_s01_04":  # the first worker's first task: one shape
                # in a worker, the first sample waits for the other worker's first sample
                # (of the other shape), so that that one is cached, or not, first
                waited = 0.0
                while multiprocessing.parent_process() is not None and \\
                        not self.marker.exists() and waited < 30:
                    time.sleep(0.1)
                    waited += 0.1
                return np.zeros(3, "float32")
            self.marker.touch()
            return np.zeros(2, "float32")  # every other sample: another

    @hookimpl
    def merbench_register_features(registry):
        registry.add(FeatureMeta(name="sh-hostile", version=1, description="feat",
                                 citation="none", needs=("flow_uvos",)), Hostile)
"""
SYNTHETIC = ("--dataset", "synthetic", "--dataset-opt", "subjects=3")
BLAME = "of plugin 'sh' (package shplug 1.0)"

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


@pytest.fixture
def plugin(make_dist: Callable[..., None], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The plugin installed, the cache under ``tmp_path``; yields the cache's folder."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    make_dist("shplug", "sh", "mb_sh", PLUGIN)
    default_plugins.cache_clear()
    yield tmp_path / "cache"
    default_plugins.cache_clear()


def _cached_shapes(store: Path) -> list[tuple[int, ...]]:
    """The shape of every entry's values in a feature's store."""
    shapes = []
    for path in sorted(store.glob("*/*.npz")):
        with np.load(path, allow_pickle=False) as entry:  # bounded: the test's own cache
            shapes.append(tuple(entry["values"].shape))
    return shapes


def test_no_sample_of_another_shape_is_cached_by_a_worker(
        plugin: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """S2: two workers; all but the first
    four samples have another shape than the first's."""
    for _ in range(2):  # and again: the cache holds nothing of the other shape to use
        code, _, err = cli("extract", "--feature", "sh-hostile", *SYNTHETIC, "--workers", "2")
        shapes = _cached_shapes(plugin / "features" / "sh-hostile")
        assert code == 2 and shapes and set(shapes) == {(3,)}, shapes
        said = one_line(err)
        assert said.startswith(f"merbench: error: feature 'sh-hostile' {BLAME} gave "
                               "per-sample shape 2 for sample syn"), said
        assert "but 3 for syn1_s01_00;" in said
    code, out, _ = cli("cache", "info")  # what it counts is those entries, of one shape
    assert code == 0 and re.search(rf"sh-hostile\W+{len(shapes)}\b", out), out
