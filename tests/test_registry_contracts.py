"""Every entry the default plugin set registers keeps its contract, as timm tests its model
registry: each model builds with its defaults and trains one step on its declared input,
each feature's needs are met by a registered dataset, each protocol tests each sample once,
all metadata is complete. The checks are merbench.testing's, the ones a third-party plugin
runs on itself (docs/testing-plugins.md); the tests at the end show that they catch what
they claim to.

Time (2-core CPU, about 35 s): HSTA's default input dominates (onset, apex and 12 candidate
frames at 224x224 through its 768-wide video branch: about 16 s for one step on a batch of
2), then HTNet (139.6M parameters, built once, a batch of 2: about 5 s).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from merbench.base.errors import MerbenchError
from merbench.meta import DatasetMeta, FeatureMeta, ModelMeta, ProtocolMeta, TrainRecipe
from merbench.plugin_system.manager import Plugins, default_plugins, load_plugins
from merbench.protocols import Fold
from merbench.testing import (
    check_feature,
    check_metadata,
    check_model,
    check_protocol,
    contract_cases,
)

# Features whose per-sample shape depends on their options (image size, jitter candidates,
# clip candidates) declare none; their models are checked on the shape at the defaults
# (each feature's module docstring): onset-apex-224 gives the onset / apex pair and 2
# jitter candidates of each, hsta-clip the onset, the apex and 12 candidate frames.
DEFAULT_SHAPES = {
    "onset-apex-224": (2 + 2 * 2, 3, 224, 224),
    "flow-and-apex": (2, 3, 224, 224),
    "hsta-clip": (2 + 12, 3, 224, 224),
    "apex-face": (3, 224, 224),
}
# The timm families have no fixed members; these cover a residual network, a depthwise one
# and a ViT (built for the 28x28 input: one patch) on the flow image, and a residual network
# on the apex face (tests/test_timm.py has the architectures that need input_size).
FAMILY_MEMBERS = {
    "timm": ["resnet18", "mobilenetv3_small_050", "vit_tiny_patch16_224"],
    "timm-face": ["resnet18"],
}


def synthetic_as_composite(plugins: Plugins) -> pd.DataFrame:
    """The synthetic dataset's samples with its three databases named like the composite's,
    so the per-database protocols (loso-casme2 ...) find theirs: every protocol is checked
    on one table."""
    samples = plugins.registries.datasets.get("synthetic").create("dataset").samples.copy()
    names = {"syn1": "casme2", "syn2": "samm", "syn3": "smic"}
    samples["database"] = samples["database"].map(names)
    return samples


PLUGINS = default_plugins()
CASES = contract_cases(PLUGINS, input_shapes=DEFAULT_SHAPES,
                       samples=synthetic_as_composite(PLUGINS), family_members=FAMILY_MEMBERS)


def test_the_default_plugins_all_load() -> None:
    # a plugin that failed to load would be missing from the cases below, not failing them
    assert [r.failure_line() for r in PLUGINS.failures] == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_registered_entry_keeps_its_contract(case: Any) -> None:
    case.check()


def test_every_entry_has_its_cases() -> None:
    registries = PLUGINS.registries
    names = {str(case) for case in CASES}
    for kind in ("dataset", "feature", "model", "protocol"):
        for entry in getattr(registries, f"{kind}s"):
            assert f"metadata-{kind}-{entry.meta.name}" in names
            assert kind == "dataset" or f"{kind}-{entry.meta.name}" in names
    assert "model-htnet" in names and "protocol-loso-casme2" in names
    for family, members in FAMILY_MEMBERS.items():
        assert {f"model-{family}-{member}" for member in members} <= names


def test_a_family_without_members_to_check_is_refused() -> None:
    with pytest.raises(AssertionError, match=r"family 'timm-<arch>'.*family_members"):
        contract_cases(PLUGINS, input_shapes=DEFAULT_SHAPES)


# ------------------------------------------------------------ the checks catch defects

FLOW = FeatureMeta(name="bad-flow", version=1, description="test feature", citation="none",
                   needs=("flow_uvos",), shape=(3, 4, 4))
RECIPE = TrainRecipe(epochs=1, batch_size=2, lr=0.1)


class Linear(nn.Module):
    """A tiny model; ``width`` fixes its output whatever ``num_classes`` says."""

    def __init__(self, num_classes: int = 3, width: int | None = None,
                 unused: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(48, width or num_classes)
        self.spare = nn.Linear(2, 2) if unused else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


class TwiceTested:
    """A protocol that tests the first subject in every fold."""

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        rows = np.arange(len(samples))
        return [Fold(index=i, key=(str(i),), train=rows[rows >= 20], test=rows[:10])
                for i in range(2)]


class Leaky:
    """Two folds that test half of each subject's samples and train on the rest."""

    def __init__(self, lists: str | None = None, vague: bool = False) -> None:
        if lists is None:
            raise MerbenchError("give the folder of the released split" if vague else
                                "this split needs --protocol-opt lists=PATH")

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        rows = np.arange(len(samples))
        return [Fold(index=i, key=(str(i),), train=rows[rows % 2 != i], test=rows[rows % 2 == i])
                for i in range(2)]


class Broken:
    """An in-process plugin with one defect per entry (and a feature the checks accept)."""

    def merbench_register_datasets(self, registry: Any) -> None:
        registry.add(DatasetMeta(name="broken-data", version=1, description="test dataset",
                                 citation="none", provides=("flow_uvos",)),
                     lambda: None)

    def merbench_register_features(self, registry: Any) -> None:
        registry.add(FLOW, lambda: (lambda dataset: None))
        registry.add(FeatureMeta(name="needs-frames", version=1, description="test feature",
                                 citation="none", needs=("onset_frame",)),
                     lambda: (lambda dataset: None))
        registry.add(FeatureMeta(name="stored-where", version=1, description="test feature",
                                 citation="none", needs=("flow_uvos",),
                                 storage_options=("cache_folder",)),
                     lambda cache_dir=None: (lambda dataset: None))

    def merbench_register_models(self, registry: Any) -> None:
        def model(name: str, **options: Any) -> None:
            meta = ModelMeta(name=name, version=1, description="test model", citation="none",
                             feature=options.pop("feature", "bad-flow"), recipe=RECIPE)
            registry.add(meta, lambda num_classes=3: Linear(num_classes, **options))

        model("fine")
        model("fixed-width", width=3)
        model("dead-weight", unused=True)
        model("no-feature", feature="optical-flow")
        registry.add(ModelMeta(name="bad-svm", version=1, description="test model",
                               citation="none", feature="bad-flow", kind="sklearn"),
                     lambda: SimpleNamespace(fit=lambda x, y: None,
                                             predict=lambda x: np.full(len(x), 7)))

    def merbench_register_protocols(self, registry: Any) -> None:
        registry.add(ProtocolMeta(name="twice", version=1, description="test protocol",
                                  citation="none"), TwiceTested)

        def leaky(name: str, factory: Any, **meta: Any) -> None:
            registry.add(ProtocolMeta(name=name, version=1, description="test protocol",
                                      citation="none", **meta), factory)

        leaky("released-split", Leaky, required_options=("lists",), subject_independent=False)
        leaky("leaky", Leaky)  # leaks subjects without saying so
        leaky("vague", lambda lists=None: Leaky(lists, vague=True), required_options=("lists",),
              subject_independent=False)
        leaky("needs-nothing", lambda lists="x": Leaky(lists), required_options=("lists",),
              subject_independent=False)


@pytest.fixture(scope="module")
def broken() -> Plugins:
    return load_plugins(extra=[("broken", Broken())], autoload=False)


def failure(check: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(AssertionError) as caught:
        check(*args, **kwargs)
    message = str(caught.value)
    assert "plugin 'broken'" in message and "\n" not in message
    return message


def test_model_checks_name_the_plugin_and_the_defect(broken: Plugins) -> None:
    check_model("fine", broken)
    assert "logits of shape (2, 3)" in failure(check_model, "fixed-width", broken)
    assert "does not reach 2 trainable parameter(s), e.g. spare.weight" in failure(
        check_model, "dead-weight", broken)
    assert "feature 'optical-flow' is not registered" in failure(check_model, "no-feature",
                                                                 broken)
    assert "predict gave [7, 7]" in failure(check_model, "bad-svm", broken)


def test_feature_metadata_and_protocol_checks_name_the_defect(broken: Plugins) -> None:
    check_feature("bad-flow", broken)
    assert "no registered dataset provides what it needs (onset_frame)" in failure(
        check_feature, "needs-frames", broken)
    assert "storage option(s) cache_folder are not options of its factory" in failure(
        check_metadata, "feature", "stored-where", broken)
    samples = pd.DataFrame({"sample_id": [f"x{i}" for i in range(30)], "database": "db",
                            "subject": [f"s{i // 10}" for i in range(30)], "label": 0})
    assert "tested 2 times" in failure(check_protocol, "twice", broken, samples=samples)


def test_a_protocol_that_needs_options_or_leaks_subjects_says_so(broken: Plugins) -> None:
    """A released split names its required options (refused in one line without them) and
    declares that it is not subject-independent; only then may a fold test a subject it
    trains on."""
    samples = pd.DataFrame({"sample_id": [f"x{i}" for i in range(12)], "database": "db",
                            "subject": [f"s{i // 4}" for i in range(12)], "label": 0})
    check_protocol("released-split", broken, samples=samples)  # refuses, naming 'lists'
    check_protocol("released-split", broken, samples=samples, options={"lists": "here"})
    assert "trains on its test subject(s) db/s0" in failure(
        check_protocol, "leaky", broken, samples=samples, options={"lists": "here"})
    assert "refuse in one line naming lists" in failure(check_protocol, "vague", broken,
                                                        samples=samples)
    assert "declares required option(s) lists but builds without them" in failure(
        check_protocol, "needs-nothing", broken, samples=samples)
    cases = {str(c): c for c in contract_cases(broken, plugin="broken", samples=samples,
                                               protocol_options={"leaky": {"lists": "x"}})}
    cases["protocol-released-split"].check()
    with pytest.raises(AssertionError, match="trains on its test subject"):
        cases["protocol-leaky"].check()


def test_no_shipped_benchmark_ranks_a_protocol_that_leaks_subjects() -> None:
    from merbench.leaderboard.benchmarks import load_benchmarks

    protocols = PLUGINS.registries.protocols
    leaking = {e.meta.name for e in protocols if not e.meta.subject_independent}
    assert "casme3-hsta-5fold" in leaking
    assert not [b.name for b in load_benchmarks() if b.protocol in leaking]


def test_a_filter_that_matches_nothing_fails_loudly(broken: Plugins) -> None:
    assert {str(c) for c in contract_cases(broken, plugin="broken")} >= {
        "model-fine", "metadata-dataset-broken-data", "protocol-twice"}
    with pytest.raises(AssertionError, match="no loaded plugin of package='merbench-nope'"):
        contract_cases(broken, package="merbench-nope")
