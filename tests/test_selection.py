"""Selection policies, inner validation, several seeds and per-database protocols."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import merbench
from merbench.meta import SELECTION_POLICIES
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.codec import to_json
from merbench.scores.metrics import scores
from merbench.scores.selection import POLICIES, epoch_uf1

SMALL = {"subjects": 6, "samples_per_subject": 5}


def _fold(predictions: list[list[int]], y_true: list[int], **val) -> FoldOutcome:
    return FoldOutcome(index=0, key=("db", "s1"), test_index=np.arange(len(y_true)),
                       sample_ids=np.array([str(i) for i in range(len(y_true))]),
                       y_true=np.array(y_true), epoch_predictions=np.array(predictions),
                       n_train=10, seconds=0.0, device="cpu", **val)


def test_the_policies_are_those_the_models_metadata_names() -> None:
    # a model's authors_selection is checked against meta's names, below the rules
    assert tuple(POLICIES) == SELECTION_POLICIES


def test_fixed_oracle_and_inner_val_pick_the_right_epochs() -> None:
    fold = _fold([[0, 0, 0], [0, 1, 2], [0, 1, 1], [0, 1, 2], [1, 1, 1]], [0, 1, 2],
                 val_y_true=np.array([1, 0]),
                 val_predictions=np.array([[1, 0], [0, 0], [1, 0], [1, 1], [0, 1]]))
    assert POLICIES["fixed"].choose(fold, 3) == 4
    assert POLICIES["oracle"].choose(fold, 3) == 3  # best test accuracy, ties -> later epoch
    assert POLICIES["inner-val"].choose(fold, 3) == 2  # best held-out UF1, ties -> later
    assert POLICIES["oracle"].test_set_selection
    assert not POLICIES["fixed"].test_set_selection
    assert not POLICIES["inner-val"].test_set_selection


def test_epoch_uf1_matches_the_metric_definition() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 17)
    predictions = rng.integers(0, 3, (9, 17))
    predictions[4] = 0  # an epoch that predicts a single class
    expected = [scores(y_true, p, ("a", "b", "c"))["uf1"] for p in predictions]
    np.testing.assert_allclose(epoch_uf1(predictions, y_true, 3), expected)


def test_fixed_and_oracle_come_from_one_run(tmp_path: Path, cli) -> None:
    args = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "12",
            "--device", "cpu", "--quiet", "--out", tmp_path / "r",
            "--dataset-opt", "subjects=6", "--dataset-opt", "samples_per_subject=5"]
    code, out, err = cli(*args)
    assert code == 0, err
    assert "selection oracle (best accuracy on the test subject, the later of equal epochs) " \
           "— TEST-SET SELECTION, not comparable: UF1" in " ".join(out.split())
    fixed = json.loads((tmp_path / "r" / "results.json").read_text())
    stamps = sorted(p.stat().st_mtime_ns for p in (tmp_path / "r" / "folds").iterdir())

    # the finished fixed run is never rewritten as another policy (issue 70); a copy without
    # its report restores the same folds and reports oracle
    code, _, err = cli(*args, "--selection", "oracle")
    assert code == 2 and "not rewritten as --selection oracle" in " ".join(err.split())
    shutil.copytree(tmp_path / "r", tmp_path / "o",
                    ignore=shutil.ignore_patterns("results.json", "predictions.csv"))
    args[args.index(tmp_path / "r")] = tmp_path / "o"
    code, out, err = cli(*args, "--selection", "oracle")
    assert code == 0, err
    assert "selection: oracle (TEST-SET SELECTION" in " ".join(out.split())
    oracle = json.loads((tmp_path / "o" / "results.json").read_text())
    assert sorted(p.stat().st_mtime_ns for p in (tmp_path / "o" / "folds").iterdir()) == stamps
    assert oracle["folds_resumed"] == 6  # no training for another policy
    assert oracle["selection"]["test_set_selection"] is True
    assert oracle["metrics_by_policy"] == fixed["metrics_by_policy"]
    o, f = (r["metrics"]["overall"] for r in (oracle, fixed))
    assert o["accuracy"] >= f["accuracy"]
    for fold_o, fold_f in zip(oracle["folds"], fixed["folds"], strict=True):
        assert fold_o["accuracy"] >= fold_f["accuracy"]  # best test epoch per fold


def test_inner_val_holds_out_training_subjects_only(tmp_path: Path) -> None:
    result = merbench.run(model="ststnet", dataset="synthetic", epochs=5, device="cpu",
                          out=tmp_path / "iv", dataset_options=SMALL, selection="inner-val",
                          inner_val_subjects=2)
    samples = merbench.plugin_system.manager.default_plugins().registries.datasets.get(
        "synthetic").create("dataset", **SMALL).samples
    keys = (samples["database"] + "/" + samples["subject"]).to_numpy()
    for index in range(6):
        with np.load(tmp_path / "iv" / "folds" / f"fold-{index:03d}.npz") as fold:
            test_subjects = set(keys[fold["test_index"]])
            held_out = set(keys[fold["val_index"]])
            assert len(test_subjects) == 1 and len(held_out) == 2
            assert not test_subjects & held_out
            assert fold["val_predictions"].shape == (5, len(fold["val_index"]))
    assert result.results.selection.available == ["fixed", "inner-val", "oracle"]
    assert all(f.n_train == 30 - 5 - 10 for f in result.results.folds)
    assert all(f.n_inner_val == 10 for f in result.results.folds)


def test_inner_val_needs_subjects_left_to_train(tmp_path: Path) -> None:
    with pytest.raises(merbench.MerbenchError, match="leaves no training subject"):
        merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                     out=tmp_path / "x", dataset_options=SMALL, selection="inner-val",
                     inner_val_subjects=5)


def test_several_seeds_are_summarised_and_resumable(tmp_path: Path) -> None:
    options = {"epochs": 3, "device": "cpu", "out": tmp_path / "seeds",
               "dataset_options": {"subjects": 3, "samples_per_subject": 4}}
    many = merbench.run_seeds("ststnet", "synthetic", [0, 1, 2], **options)
    summary = json.loads((tmp_path / "seeds" / "seeds.json").read_text())
    assert summary == json.loads(json.dumps(to_json(many.summary)))
    assert summary["seeds"] == [0, 1, 2]
    fixed = summary["policies"]["fixed"]
    values = [fixed["per_seed"][s]["overall"]["uf1"] for s in ("0", "1", "2")]
    assert fixed["mean"]["overall"]["uf1"] == pytest.approx(np.mean(values))
    assert fixed["std"]["overall"]["uf1"] == pytest.approx(np.std(values, ddof=1))
    assert summary["policies"]["oracle"]["test_set_selection"] is True
    for seed in (0, 1, 2):
        run = json.loads((tmp_path / "seeds" / f"seed-{seed}" / "results.json").read_text())
        assert run["seed"] == seed
        assert run["metrics"]["overall"]["uf1"] == fixed["per_seed"][str(seed)]["overall"]["uf1"]
    again = merbench.run_seeds("ststnet", "synthetic", [0, 1, 2], **options)
    assert [r.reported for r in again.runs] == [True, True, True]  # finished: not rewritten
    assert again.summary.policies == many.summary.policies


def test_seeds_cli_errors(cli) -> None:
    base = ["run", "--model", "ststnet", "--dataset", "synthetic"]
    for extra, text in ((["--seeds", "0,x"], "--seeds takes whole numbers"),
                        (["--seeds", "1,1"], "distinct non-negative seeds"),
                        (["--seeds", "0,,1"], "--seeds has an empty item in '0,,1'"),
                        (["--seeds", "0,1,"], "--seeds has an empty item"),
                        (["--seeds", "0,1", "--seed", "3"], "either --seed or --seeds")):
        code, _, err = cli(*base, *extra)
        assert code == 2 and err.count("\n") == 1 and text in err, err


def test_per_database_protocols(tmp_path: Path, cli) -> None:
    result = merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                          out=tmp_path / "p", protocol_options={"databases": ["syn2"]})
    assert set(result.predictions["database"]) == {"syn2"}
    assert list(result.metrics.per_database) == ["syn2"]
    assert result.results.protocol.n_samples == 20
    assert result.results.protocol.n_folds == 2
    code, out, _ = cli("list", "protocols")
    assert code == 0 and all(f"loso-{db}" in out for db in ("casme2", "samm", "smic"))
    # the synthetic databases are syn1..3: asking for SAMM alone is refused clearly
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--protocol",
                       "loso-samm", "--quiet")
    assert code == 2 and "database(s) samm, which the dataset does not have" in err
