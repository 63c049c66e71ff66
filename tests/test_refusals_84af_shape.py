"""Leftovers of pass 84af about shapes and the engine's model builds.

S1: ``run --model M --feature F`` was refused whenever M's feature or F declared no shape,
though the plugin contract lets a feature declare none (its first sample's stands for it).
The two are now compared once F is computed, against the shape M's feature declares or its
first sample's on the run's dataset, and refused in one line naming both plugins only when
they differ, or (M's feature declaring none and the dataset unable to compute it) saying
which declaration M's plugin lacks.
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
# the model's plugin: a model on a feature that declares no shape (a per-sample extractor or
# a whole-dataset function), one on a feature that declares it, one on a feature that the
# synthetic dataset cannot compute
OWN = """
    import numpy as np
    from merbench.api import FeatureMeta, ModelMeta, SampleExtractor, hookimpl

    class Means(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            return inputs["flow_uvos"].reshape(-1, 3).mean(axis=0).astype("float32")

    def whole():
        def extract(dataset):
            return np.stack([dataset.read("flow_uvos", i).reshape(-1, 3).mean(axis=0)
                             for i in range(len(dataset.samples))]).astype("float32")
        return extract

    @hookimpl
    def merbench_register_features(registry):
        def meta(name, needs=("flow_uvos",), **shape):
            return FeatureMeta(name=name, version=1, description="feat", citation="none",
                               needs=needs, **shape)
        registry.add(meta("fa-means"), Means)
        registry.add(meta("fa-declared", shape=(3,)), Means)
        registry.add(meta("fa-frames", needs=("onset_frame",)), Means)
        registry.add(meta("fa-whole"), whole)

    @hookimpl
    def merbench_register_models(registry):
        from sklearn.linear_model import LogisticRegression
        for name, feature in (("fa-lin", "fa-means"), ("fa-lin-declared", "fa-declared"),
                              ("fa-lin-frames", "fa-frames"), ("fa-lin-whole", "fa-whole")):
            registry.add(ModelMeta(name=name, version=1, description="linear",
                                   citation="none", feature=feature, kind="sklearn"),
                         LogisticRegression)
"""
# another plugin's features, declaring no shape: 3 values a sample (a per-sample extractor
# and a whole-dataset function), and 4
OTHER = """
    import numpy as np
    from merbench.api import FeatureMeta, SampleExtractor, hookimpl

    class Peaks(SampleExtractor):
        sources = ("flow_uvos",)

        def __init__(self, width=3):
            self.width = width

        @property
        def params(self):
            return {"width": self.width}

        def compute(self, inputs, sample_id):
            return inputs["flow_uvos"].reshape(-1, self.width).max(axis=0).astype("float32")

    def whole():
        def extract(dataset):
            return np.stack([dataset.read("flow_uvos", i).reshape(-1, 3).min(axis=0)
                             for i in range(len(dataset.samples))]).astype("float32")
        return extract

    @hookimpl
    def merbench_register_features(registry):
        def meta(name):
            return FeatureMeta(name=name, version=1, description="feat", citation="none",
                               needs=("flow_uvos",))
        registry.add(meta("fb-peaks"), Peaks)
        registry.add(meta("fb-whole"), whole)
"""
SYNTHETIC = ("--dataset", "synthetic", "--dataset-opt", "subjects=3")
RUN = ("run", *SYNTHETIC, "--threads", "1", "--quiet", "--out", "r")
FA = "of plugin 'fa' (package faplug 1.0)"
FB = "of plugin 'fb' (package fbplug 1.0)"
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


@pytest.fixture
def pair(make_dist: Callable[..., None], tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The model's plugin and the other features' plugin installed."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    make_dist("faplug", "fa", "mb_fa", OWN)
    make_dist("fbplug", "fb", "mb_fb", OTHER)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize("model", ["fa-lin", "fa-lin-declared", "fa-lin-whole"])
@pytest.mark.parametrize("feature", ["fb-peaks", "fb-whole"])
def test_a_feature_of_no_declared_shape_feeds_a_model_it_fits(
        pair: None, cli: Callable[..., tuple[int, str, str]], model: str,
        feature: str) -> None:
    """S1: 3 values a sample, what the model's feature gives (its first sample's, or
    declared), whichever declares none."""
    code, _, err = cli(*RUN, "--model", model, "--feature", feature)
    assert code == 0, err
    results = json.loads(Path("r/results.json").read_text())
    assert results["feature"]["name"] == feature


@pytest.mark.parametrize(("model", "takes"), [
    ("fa-lin", f"the shape its feature 'fa-means' {FA} gives on dataset 'synthetic' at its "
               "defaults"),
    ("fa-lin-whole", f"the shape its feature 'fa-whole' {FA} gives on dataset 'synthetic' "
                     "at its defaults"),
    ("fa-lin-declared", "the shape its feature 'fa-declared' declares")])
def test_a_feature_of_no_declared_shape_that_does_not_fit_is_one_line(
        pair: None, cli: Callable[..., tuple[int, str, str]], model: str, takes: str) -> None:
    """S1: 4 values a sample for a model of 3, both plugins named; no run folder is left."""
    code, _, err = cli(*RUN, "--model", model, "--feature", "fb-peaks", "--feature-opt",
                       "width=4")
    assert code == 2 and one_line(err) == (
        f"merbench: error: --feature fb-peaks {FB} gives per-sample shape 4 on dataset "
        f"'synthetic', and model '{model}' {FA} takes 3, {takes}; choose a feature of that "
        "shape (see 'merbench list features')")
    assert not Path("r").exists()


def test_a_model_whose_feature_cannot_say_its_shape_asks_for_the_declaration(
        pair: None, cli: Callable[..., tuple[int, str, str]]) -> None:
    """S1: the model's feature declares no shape and needs what the dataset lacks: nothing
    to compare against, said before anything is computed."""
    code, _, err = cli(*RUN, "--model", "fa-lin-frames", "--feature", "fb-peaks")
    assert code == 2 and one_line(err) == (
        f"merbench: error: --feature fb-peaks cannot be checked to fit model 'fa-lin-frames' "
        f"{FA}: the model takes the per-sample shape of its feature 'fa-frames' {FA}, which "
        "declares none, and dataset 'synthetic' lacks onset_frame to compute it; its plugin "
        "must declare it (FeatureMeta(name='fa-frames', shape=...), its shape at its default "
        "options)")
    assert not Path("r").exists() and not Path("cache/features/fb-peaks").exists()


def test_declared_shapes_that_differ_are_refused_in_the_same_words(
        cli: Callable[..., tuple[int, str, str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """S1: both declare a shape: compared while planning, said as a computed one is."""
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*RUN, "--model", "ststnet", "--feature", "landmarks")
    assert code == 2 and one_line(err) == (
        "merbench: error: --feature landmarks of plugin 'features' (package merbench "
        f"{merbench.__version__}) gives per-sample shape 68x2, and model 'ststnet' of plugin "
        f"'cnn' (package merbench {merbench.__version__}) takes 3x28x28, the shape its "
        "feature 'flow-uvos' declares; choose a feature of that shape (see 'merbench list "
        "features')")
    assert not Path("r").exists()
