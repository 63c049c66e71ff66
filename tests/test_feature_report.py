"""Core feature mechanisms: sources with alternatives in ``needs`` and a feature's report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import merbench
import merbench.data.dataset
from merbench.features import Extracted
from merbench.meta import FeatureMeta, ModelMeta
from merbench.plugin_system.manager import load_plugins


class _ReportingPlugin:
    """Features that report facts, need alternatives, or report something JSON cannot hold."""

    @merbench.hookimpl
    def merbench_register_features(self, registry) -> None:
        def mean_flow(dataset):
            flows = dataset.read_all("flow_uvos").reshape(len(dataset.samples), -1, 3)
            return Extracted(flows.mean(axis=1), report={"counted": len(flows), "kind": "mean"},
                             summary="averaged\nevery  channel")

        registry.add(FeatureMeta(name="reporting", version=1, description="d", citation="c",
                                 needs=("frames|flow_uvos",), shape=(3,)), lambda: mean_flow)
        registry.add(FeatureMeta(name="needs-either", version=1, description="d", citation="c",
                                 needs=("flow_uvos", "frames|apex_face")),
                     lambda: lambda dataset: None)
        registry.add(FeatureMeta(name="bad-report", version=1, description="d", citation="c",
                                 needs=("flow_uvos",)),
                     lambda: lambda dataset: Extracted(np.zeros((len(dataset.samples), 1)),
                                                       report={"array": np.zeros(2)}))

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        for feature in ("reporting", "needs-either", "bad-report"):
            registry.add(ModelMeta(name=f"on-{feature}", version=1, kind="sklearn",
                                   description="d", citation="c", feature=feature),
                         lambda: LogisticRegression(max_iter=1000))


@pytest.fixture
def reporting():
    return load_plugins(extra=[("reporting", _ReportingPlugin())])


def test_a_report_lands_in_the_results_and_a_bare_array_reports_nothing(
        reporting, tmp_path: Path) -> None:
    result = merbench.run(model="on-reporting", dataset="synthetic", out=tmp_path / "a",
                          plugins=reporting)
    stored = json.loads((tmp_path / "a" / "results.json").read_text())
    assert stored["feature"]["report"] == {"counted": 60, "kind": "mean"}
    assert stored["feature"]["summary"] == "averaged every channel"  # forced onto one line
    assert result.results.feature.name == "reporting"
    plain = merbench.run(model="ststnet", dataset="synthetic", epochs=1, out=tmp_path / "b",
                         plugins=reporting)
    assert plain.results.feature.report is None
    assert plain.results.feature.summary is None


def test_the_cli_prints_the_summary_on_one_line(reporting, cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("reporting", _ReportingPlugin())]))
    code, out, err = cli("run", "-m", "on-reporting", "-d", "synthetic", "-q",
                         "-o", tmp_path / "c")
    assert code == 0, err
    assert "feature reporting: averaged every channel\n" in out


def test_needs_with_alternatives(reporting, tmp_path: Path) -> None:
    meta = reporting.registries.features.get("needs-either").meta
    assert meta.unmet_needs(("flow_uvos", "apex_face")) == []
    assert meta.unmet_needs(("flow_uvos", "frames")) == []
    assert meta.unmet_needs(("apex_face",)) == ["flow_uvos"]
    assert meta.unmet_needs(("flow_uvos",)) == ["frames|apex_face"]
    with pytest.raises(merbench.MerbenchError,
                       match="needs one of frames or apex_face from the dataset, and dataset "
                             "'synthetic' provides only flow_uvos, landmarks68"):
        merbench.run(model="on-needs-either", dataset="synthetic", out=tmp_path / "d",
                     plugins=reporting)
    with pytest.raises(ValueError, match="empty alternative"):
        FeatureMeta(name="x", version=1, description="d", citation="c", needs=("a|",))


def test_a_report_json_cannot_hold_is_refused_before_training(reporting,
                                                              tmp_path: Path) -> None:
    with pytest.raises(merbench.MerbenchError, match="report that JSON cannot hold"):
        merbench.run(model="on-bad-report", dataset="synthetic", out=tmp_path / "e",
                     plugins=reporting)
    assert not (tmp_path / "e" / "folds").exists() or not any((tmp_path / "e" / "folds").iterdir())


def test_listing_shows_alternatives(reporting, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("reporting", _ReportingPlugin())]))
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = cli("list", "features")
    assert code == 0
    assert "frames or apex_face" in out


class _BareDataset(merbench.data.dataset.Dataset):
    """A dataset that does not say what it provides (``provides`` stays None)."""

    def read_all(self, source: str) -> np.ndarray:
        return np.zeros((len(self.samples), 28, 28, 3), np.uint8)


class _ProvidesPlugin:
    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        import pandas as pd

        from merbench.meta import DatasetMeta

        def make_bare():
            samples = pd.DataFrame({"sample_id": [f"s{i}" for i in range(4)], "database": "d",
                                    "subject": ["a", "a", "b", "b"], "label": [0, 1, 0, 1]})
            return _BareDataset("bare", samples, ("x", "y"))

        registry.add(DatasetMeta(name="bare", version=1, description="d", citation="c",
                                 provides=("flow_uvos", "apex_face")), make_bare)

    @merbench.hookimpl
    def merbench_register_features(self, registry) -> None:
        def seen(dataset):
            return Extracted(np.zeros((len(dataset.samples), 1)),
                             report={"provides": list(dataset.provides)})

        registry.add(FeatureMeta(name="sees-provides", version=1, description="d",
                                 citation="c", needs=("flow_uvos",)), lambda: seen)

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        registry.add(ModelMeta(name="on-sees-provides", version=1, kind="sklearn",
                               description="d", citation="c", feature="sees-provides"),
                     lambda: LogisticRegression(max_iter=100))


def test_the_runner_tells_a_dataset_what_its_metadata_says_it_provides(tmp_path: Path) -> None:
    import pandas as pd

    alone = _BareDataset("b", pd.DataFrame({"sample_id": ["s"], "database": "d",
                                            "subject": "a", "label": 0}), ("x",))
    assert alone.provides is None
    plugins = load_plugins(extra=[("provides", _ProvidesPlugin())])
    result = merbench.run(model="on-sees-provides", dataset="bare", out=tmp_path / "p",
                          plugins=plugins)
    assert result.results.feature.report == {"provides": ["flow_uvos", "apex_face"]}
