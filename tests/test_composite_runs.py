"""Short runs on the real composite release: per-database and leave-one-database-out
protocols and selection policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import merbench
from merbench.results.codec import to_json

pytestmark = pytest.mark.realdata


def test_per_database_loso_on_the_release(real_data: Path, tmp_path: Path) -> None:
    result = merbench.run(model="ststnet", dataset="composite", protocol="loso-smic",
                          data_root=str(real_data), epochs=2, device="cpu",
                          out=tmp_path / "smic")
    results = to_json(result.results)  # the file's JSON object, as these checks read it
    assert results["protocol"]["n_folds"] == 16 and results["protocol"]["n_samples"] == 164
    assert set(result.predictions["database"]) == {"smic"}
    assert results["dataset"]["n_samples"] == 442 and results["dataset"]["n_subjects"] == 68
    keys = {tuple(f["key"]) for f in results["folds"]}
    assert len(keys) == 16 and all(db == "smic" for db, _ in keys)
    # the data location is not part of what the run is
    stored = json.loads((tmp_path / "smic" / "run.json").read_text())
    assert str(real_data) not in json.dumps(stored["identity"])


def test_oracle_is_never_below_fixed_on_the_same_run(real_data: Path, tmp_path: Path,
                                                    cli) -> None:
    args = ["run", "--model", "ststnet", "--dataset", "composite", "--protocol", "loso-samm",
            "--data-root", real_data, "--epochs", "4", "--lr", "0.001", "--device", "cpu",
            "--quiet", "--out", tmp_path / "samm"]
    code, out, err = cli(*args, "--selection", "oracle")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "selection: oracle (TEST-SET SELECTION: not comparable with fixed / inner-val)" in flat
    results = json.loads((tmp_path / "samm" / "results.json").read_text())
    assert results["selection"]["test_set_selection"] is True
    fixed = results["metrics_by_policy"]["fixed"]["metrics"]["overall"]
    oracle = results["metrics_by_policy"]["oracle"]["metrics"]["overall"]
    assert oracle["accuracy"] >= fixed["accuracy"]
    for fold in results["folds"]:
        assert fold["epoch_by_policy"]["fixed"] == 4
        assert 1 <= fold["epoch_by_policy"]["oracle"] <= 4
    assert results["protocol"]["n_folds"] == 28


def test_declared_official_lists_are_the_datasets_own(real_data: Path, plugins) -> None:
    """The official fingerprints validate compares runs with are what each dataset with a
    shipped list gives with its default options (composite: from the real release)."""
    declared = {e.meta.name: e.meta.official_fingerprint for e in plugins.registries.datasets
                if e.meta.official_fingerprint is not None}
    assert set(declared) == {"synthetic", "composite"}
    built = {"synthetic": plugins.registries.datasets.get("synthetic").create("dataset"),
             "composite": plugins.registries.datasets.get("composite").create(
                 "dataset", data_root=str(real_data / "composite"))}
    assert {name: d.fingerprint() for name, d in built.items()} == declared


def test_leave_one_database_out_on_the_release(real_data: Path, tmp_path: Path) -> None:
    """Three folds, each a whole database tested by a model that trained on the other two;
    each database's column is its held-out fold, and inner-val holds out training subjects
    of the two training databases."""
    result = merbench.run(model="ststnet", dataset="composite", protocol="lodo",
                          data_root=str(real_data), epochs=2, device="cpu",
                          selection="inner-val", out=tmp_path / "lodo")
    results = to_json(result.results)  # the file's JSON object, as these checks read it
    assert results["protocol"]["n_folds"] == 3 and results["protocol"]["n_samples"] == 442
    folds = {fold["key"][0]: fold for fold in results["folds"]}
    assert set(folds) == {"casme2", "samm", "smic"}
    tested = result.predictions.groupby("database").size().to_dict()
    assert tested == {"casme2": 145, "samm": 133, "smic": 164}
    assert {db: f["n_test"] for db, f in folds.items()} == tested
    # the other two databases' samples train, but for the inner-val subjects held out
    assert {db: f["n_train"] + f["n_inner_val"] for db, f in folds.items()} == {
        "casme2": 297, "samm": 309, "smic": 278}
    assert all(f["n_inner_val"] > 0 for f in folds.values())
    per_database = results["metrics_by_policy"]["fixed"]["metrics"]["per_database"]
    assert set(per_database) == {"casme2", "samm", "smic"}
