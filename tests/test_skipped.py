"""Core mechanism for samples a dataset leaves out: ``Dataset.skipped``, ``--skip-missing``.

A dataset that reads raw files may drop unusable samples when asked to (``skip_missing``);
the runner then records them in ``results.json`` and the CLI says so, so that a score on
fewer samples never passes for one on the whole dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.meta import DatasetMeta, FeatureMeta, ModelMeta
from merbench.plugin_system.manager import load_plugins

N_SUBJECTS, PER_SUBJECT, BROKEN = 4, 6, ("lab/s01/03", "lab/s02/05")


def _holey(skip_missing: bool = False) -> InMemoryDataset:
    """24 samples of 4 subjects; two are 'broken' and are dropped only with skip_missing."""
    ids = [f"lab/s{i // PER_SUBJECT:02d}/{i % PER_SUBJECT:02d}"
           for i in range(N_SUBJECTS * PER_SUBJECT)]
    broken = [i for i, sample in enumerate(ids) if sample in BROKEN]
    if broken and not skip_missing:
        raise MerbenchError(f"holey: {len(broken)} samples are broken; pass --skip-missing")
    keep = [i for i in range(len(ids)) if i not in broken]
    samples = pd.DataFrame({"sample_id": [ids[i] for i in keep], "database": "lab",
                            "subject": [ids[i].split("/")[1] for i in keep],
                            "label": [i % 3 for i in keep]})
    values = np.random.default_rng(0).normal(size=(len(keep), 4)).astype(np.float32)
    dataset = InMemoryDataset("holey", samples, ("a", "b", "c"), {"vector": values})
    dataset.skipped = [{"sample_id": ids[i], "reason": "frame folder missing"} for i in broken]
    return dataset


class _HoleyPlugin:
    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        registry.add(DatasetMeta(name="holey", version=1, description="d", citation="c",
                                 provides=("vector",)), _holey)

    @merbench.hookimpl
    def merbench_register_features(self, registry) -> None:
        registry.add(FeatureMeta(name="vector", version=1, description="d", citation="c",
                                 needs=("vector",), shape=(4,)),
                     lambda: lambda dataset: dataset.read_all("vector"))

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        registry.add(ModelMeta(name="logreg-vector", version=1, kind="sklearn",
                               description="d", citation="c", feature="vector"),
                     lambda: LogisticRegression(max_iter=200))


@pytest.fixture
def holey():
    return load_plugins(extra=[("holey", _HoleyPlugin())])


def test_skipped_samples_are_recorded_in_the_results(holey, tmp_path: Path) -> None:
    result = merbench.run(model="logreg-vector", dataset="holey", skip_missing=True,
                          out=tmp_path / "run", plugins=holey)
    stored = json.loads((tmp_path / "run" / "results.json").read_text())
    assert stored["dataset"]["skipped"] == [
        {"sample_id": s, "reason": "frame folder missing"} for s in BROKEN]
    assert stored["dataset"]["n_samples"] == N_SUBJECTS * PER_SUBJECT - len(BROKEN)
    assert result.results.dataset.options == {"skip_missing": True}


def test_without_skip_missing_the_dataset_error_stands(holey, tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="pass skip_missing"):  # the API's keyword
        merbench.run(model="logreg-vector", dataset="holey", out=tmp_path / "run",
                     plugins=holey)


def test_a_complete_dataset_records_an_empty_list(tmp_path: Path) -> None:
    result = merbench.run(model="ststnet", dataset="synthetic", epochs=1, out=tmp_path / "s")
    assert result.results.dataset.skipped == []
    assert result.results.dataset.options == {}  # identity unchanged without the flag


def test_skip_missing_is_refused_for_a_dataset_without_the_option(tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="leave out skip_missing"):
        merbench.run(model="ststnet", dataset="synthetic", skip_missing=True,
                     out=tmp_path / "s")


def test_the_flag_and_a_contradicting_option_are_refused(holey, tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="contradicts"):
        merbench.run(model="logreg-vector", dataset="holey", skip_missing=True,
                     dataset_options={"skip_missing": False}, out=tmp_path / "r",
                     plugins=holey)


def test_a_malformed_skipped_entry_is_one_error_line() -> None:
    dataset = _holey(skip_missing=True)
    dataset.skipped = ["lab/s01/03"]
    with pytest.raises(MerbenchError, match="'sample_id' and 'reason'"):
        dataset.skipped_samples()


def test_the_cli_flag_skips_and_prints_one_note(holey, cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("holey", _HoleyPlugin())]))
    code, out, err = cli("run", "-m", "logreg-vector", "-d", "holey", "-q",
                         "-o", tmp_path / "cli")
    assert code == 2 and err.count("\n") == 1 and "--skip-missing" in err
    code, out, err = cli("run", "-m", "logreg-vector", "-d", "holey", "-q", "--skip-missing",
                         "-o", tmp_path / "cli")
    assert code == 0, err
    notes = [line for line in out.splitlines() if "skipped" in line]
    assert notes == ["note: dataset holey skipped 2 sample(s) (lab/s01/03, lab/s02/05); the "
                     "scores are on the remaining 22; reasons in results.json "
                     "(dataset.skipped)"]
    # a --seeds folder says it too: every page command is one, and it said nothing
    code, out, err = cli("run", "-m", "logreg-vector", "-d", "holey", "-q", "--skip-missing",
                         "--seeds", "0,1", "-o", tmp_path / "seeds")
    assert code == 0, err
    notes = [line for line in out.splitlines() if "skipped" in line]
    assert notes == ["note: dataset holey skipped 2 sample(s) (lab/s01/03, lab/s02/05); every "
                     "seed's scores are on the remaining 22; reasons in each seed's "
                     "results.json (dataset.skipped)"], out


def test_features_saved_with_skip_missing_serve_a_run_with_it(holey, cli, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """``extract --skip-missing --save`` gives the identity that ``run --skip-missing``
    checks; a file saved without the flag is refused by a run with it."""
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("holey", _HoleyPlugin())]))
    saved = tmp_path / "vector.npz"
    code, out, err = cli("extract", "-d", "holey", "-f", "vector", "--skip-missing",
                         "--save", saved, "-q")
    assert code == 0, err
    assert "note: dataset holey skipped 2 sample(s) (lab/s01/03, lab/s02/05); the feature " \
           "covers the remaining 22" in out
    code, out, err = cli("run", "-m", "logreg-vector", "-d", "holey", "-q", "--skip-missing",
                         "--features", saved, "-o", tmp_path / "run")
    assert code == 0, err
    code, _, err = cli("extract", "-d", "holey", "-f", "vector", "--skip-missing",
                       "--dataset-opt", "skip_missing=false", "--save", saved, "--force",
                       "-q")
    assert code == 2 and "--skip-missing contradicts" in err
