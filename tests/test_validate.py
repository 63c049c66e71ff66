"""merbench validate: a result is accepted only if its numbers recompute from its predictions."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import as_saved_weights
from forgery import edit_results, rejection

import merbench
from merbench.base.errors import MerbenchError
from merbench.results.migrations import migrate
from merbench.results.model import SCHEMA_VERSION
from merbench.results.schema import read_results
from merbench.results.seeds_model import SeedsSummary
from merbench.verification.validate import validate_emotion, validate_run

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
SMALL = {"subjects": 4, "samples_per_subject": 6}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two tiny real runs on the synthetic data: the default policy and inner-val."""
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for name, options in (("fixed", {}), ("inner", {"selection": "inner-val",
                                                    "inner_val_subjects": 1})):
        merbench.run(model="ststnet", dataset="synthetic", out=base / name, epochs=2,
                     device="cpu", dataset_options=SMALL, **options)
        out[name] = base / name
    return out


def _copy(runs: dict[str, Path], name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(runs[name], target)
    return target






def test_real_runs_and_their_summary_validate() -> None:
    folder = REAL / "ststnet-composite-loso"
    for seed in (0, 1, 2):
        checked = validate_run(folder / f"seed-{seed}")
        assert checked.policies == ["fixed", "oracle"]
        assert checked.n_epochs == 800
        stored = checked.results.metrics_by_policy["fixed"].metrics.overall.uf1
        assert checked.metrics_by_policy["fixed"].overall.uf1 == pytest.approx(stored)
    summary = validate_emotion(folder)
    assert isinstance(summary, SeedsSummary) and summary.seeds == [0, 1, 2]


def test_tiny_runs_validate(runs: dict[str, Path], cli) -> None:
    assert validate_run(runs["inner"]).policies == ["fixed", "inner-val", "oracle"]
    code, out, err = cli("validate", runs["fixed"], runs["inner"] / "results.json")
    assert code == 0, err
    assert out.count("ok: ") == 2 and err == ""


def test_validate_and_the_build_take_the_same_results_from_a_folder(runs: dict[str, Path],
                                                                    tmp_path: Path,
                                                                    cli) -> None:
    """Issue 69, case 8: ``validate`` stopped at any result's folder and 5 levels down, the
    build looked everywhere, so a run inside another run's folder was published unchecked
    and one 6 levels down was never checked. One walk serves both now: the same results
    checked and published, the same ones said to be out of reach."""
    from merbench.leaderboard.collect import collect

    root = tmp_path / "results"
    shutil.copytree(runs["fixed"], root / "outer")
    shutil.copytree(runs["inner"], root / "outer" / "nested")  # inside another run's folder
    shutil.copytree(runs["inner"], root.joinpath(*"1234567") / "deep")  # 8 levels: found
    shutil.copytree(runs["fixed"], root.joinpath(*"abcdefghi") / "deeper")  # 10: not looked
    code, out, err = cli("validate", root)
    assert code == 2
    checked = {line[len("ok: "):].split(" (")[0] for line in out.splitlines()
               if line.startswith("ok: ")}
    refused = {line[len("merbench: rejected: "):].split(": ")[0] for line in err.splitlines()
               if line.startswith("merbench: rejected: ")}
    found = collect([root], pins={})
    assert checked == {run.shown_path for run in found.runs} == {
        str(root / "outer"), str(root.joinpath(*"1234567") / "deep")}
    assert refused == {str(r.path) for r in found.rejected} == {
        str(root / "outer" / "nested"), str(root.joinpath(*"abcdefgh"))}
    assert "is a result inside another result's folder" in err
    assert "more than 8 levels below the results folder" in err


def test_tampered_number_is_rejected(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)

    def better(results: dict[str, Any]) -> None:
        results["metrics_by_policy"]["fixed"]["metrics"]["per_database"]["syn2"]["uar"] += 0.01
    edit_results(run_dir, better)
    reason = rejection(run_dir)
    assert "do not match" in reason and "per_database.syn2.uar" in reason


def test_headline_metrics_must_be_the_policy_ones(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)

    def oracle_as_headline(results: dict[str, Any]) -> None:
        results["metrics"] = results["metrics_by_policy"]["oracle"]["metrics"]
    edit_results(run_dir, oracle_as_headline)
    stored = json.loads((run_dir / "results.json").read_text())
    if stored["metrics"] == stored["metrics_by_policy"]["fixed"]["metrics"]:
        pytest.skip("oracle and fixed picked the same epochs in this tiny run")
    assert "stored numbers do not match" in rejection(run_dir)


def test_missing_fold_is_rejected(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)
    (run_dir / "folds" / "fold-002.npz").unlink()
    reason = rejection(run_dir)
    assert "folds/fold-002.npz is missing;" in reason and "to train that fold again" in reason


def test_predictions_must_cover_every_sample(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)
    frame = pd.read_csv(run_dir / "predictions.csv")
    frame.iloc[1:].to_csv(run_dir / "predictions.csv", index=False)
    assert "do not match the 24 samples" in rejection(run_dir)


def test_dropping_a_fold_everywhere_still_fails_coverage(runs: dict[str, Path],
                                                        tmp_path: Path) -> None:
    """A result made consistent after removing a subject (fold 3, the second of syn1's two
    subjects) still misses samples of that database."""
    run_dir = _copy(runs, "fixed", tmp_path)
    assert json.loads((run_dir / "results.json").read_text())["folds"][1]["key"][0] == "syn1"
    folds = run_dir / "folds"
    (folds / "fold-001.npz").unlink()
    for later in (2, 3):
        with np.load(folds / f"fold-{later:03d}.npz") as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.asarray(json.dumps(meta | {"index": later - 1}))
        np.savez_compressed(folds / f"fold-{later - 1:03d}.npz", **arrays)
        (folds / f"fold-{later:03d}.npz").unlink()
    frame = pd.read_csv(run_dir / "predictions.csv")
    frame = frame[frame["fold"] != 1]
    frame["fold"] = frame["fold"].where(frame["fold"] < 1, frame["fold"] - 1)
    frame.to_csv(run_dir / "predictions.csv", index=False)
    kept = len(frame)

    def shrink(results: dict[str, Any]) -> None:
        results["folds"] = [results["folds"][0], *results["folds"][2:]]
        results["protocol"]["n_folds"] = 3
        results["protocol"]["n_samples"] = kept
    edit_results(run_dir, shrink)
    assert "do not cover the protocol's samples" in rejection(run_dir)


def test_policy_without_data_is_rejected(runs: dict[str, Path], tmp_path: Path) -> None:
    """inner-val needs held-out predictions in the fold files; without them it is a claim."""
    run_dir = _copy(runs, "inner", tmp_path)
    for fold in (run_dir / "folds").glob("fold-*.npz"):
        with np.load(fold) as data:
            kept = {k: data[k] for k in data.files if not k.startswith("val_")}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **kept)
        fold.write_bytes(buffer.getvalue())
    reason = rejection(run_dir)
    assert "claims policy 'inner-val'" in reason and "no inner-validation" in reason


def test_oracle_must_be_marked_as_test_set_selection(runs: dict[str, Path],
                                                     tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)

    def hide(results: dict[str, Any]) -> None:
        results["metrics_by_policy"]["oracle"]["test_set_selection"] = False
    edit_results(run_dir, hide)
    assert "marks policy 'oracle' test_set_selection=False" in rejection(run_dir)


def test_unknown_and_unclaimed_policies(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)

    def invent(results: dict[str, Any]) -> None:
        results["metrics_by_policy"]["best-ever"] = results["metrics_by_policy"]["fixed"]
        results["selection"]["available"].append("best-ever")
    edit_results(run_dir, invent)
    assert "policy 'best-ever', which merbench does not know" in rejection(run_dir)


def test_cut_short_training_is_rejected(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)

    def claim_more(results: dict[str, Any]) -> None:
        results["hyperparameters"]["epochs"] = 800
    edit_results(run_dir, claim_more)
    assert "hold 2 epochs of predictions but the run declares 800" in rejection(run_dir)


def test_saved_weights_runs(tmp_path: Path) -> None:
    """A run that evaluated saved weights has one prediction per sample: it validates with
    'fixed' only, and may not claim 'oracle' or hold several epochs."""
    run_dir = tmp_path / "weights"
    merbench.run(model="ststnet", dataset="synthetic", out=run_dir, epochs=1, device="cpu",
                 dataset_options=SMALL)
    as_saved_weights(run_dir)
    checked = validate_run(run_dir)
    assert checked.policies == ["fixed"] and checked.n_epochs == 1

    claims = tmp_path / "claims"
    shutil.copytree(run_dir, claims)

    def claim_oracle(results: dict[str, Any]) -> None:
        results["selection"]["available"].append("oracle")
        results["metrics_by_policy"]["oracle"] = dict(results["metrics_by_policy"]["fixed"],
                                                      test_set_selection=True)
    edit_results(claims, claim_oracle)
    assert "can support only 'fixed'" in rejection(claims)
    unnamed = tmp_path / "unnamed"
    shutil.copytree(run_dir, unnamed)
    edit_results(unnamed, lambda r: r.update(weights=None))
    assert "must name them" in rejection(unnamed)


def test_schema_problems_are_named(runs: dict[str, Path], tmp_path: Path) -> None:
    run_dir = _copy(runs, "fixed", tmp_path)
    edit_results(run_dir, lambda r: r["protocol"].pop("n_folds"))
    assert "field 'protocol.n_folds' is missing" in rejection(run_dir)
    run_dir = _copy(runs, "fixed", tmp_path / "2")
    edit_results(run_dir, lambda r: r["folds"][2].pop("seconds"))
    assert "field 'folds[2].seconds' is missing" in rejection(run_dir)
    edit_results(run_dir, lambda r: r.update(feature="flow"))
    assert "field 'feature' is text, expected an object" in rejection(run_dir)
    edit_results(run_dir, lambda r: r.update(schema_version=SCHEMA_VERSION + 1))
    assert "upgrade merbench" in rejection(run_dir)
    (run_dir / "results.json").write_text("{not json")
    assert "not a readable results file" in rejection(run_dir)


def test_migration_hook_upgrades_step_by_step(tmp_path: Path) -> None:
    def one_to_two(results: dict[str, Any]) -> dict[str, Any]:
        results["metrics"] = results.pop("scores")
        return results

    old = {"schema_version": 1, "scores": {"overall": {}}}
    new = migrate(old, "results", "old.json", migrations={1: one_to_two}, target=2)
    assert new == {"schema_version": 2, "metrics": {"overall": {}}}
    with pytest.raises(MerbenchError, match="no migration from it to 3"):
        migrate(old, "results", "old.json", migrations={1: one_to_two}, target=3)
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(MerbenchError, match="versions start at 1"):
        read_results(path)


def test_tampered_seed_summary_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "ststnet"
    shutil.copytree(REAL / "ststnet-composite-loso", folder)
    summary = json.loads((folder / "seeds.json").read_text())
    summary["policies"]["fixed"]["std"]["overall"]["uf1"] /= 2  # a tidier error bar
    (folder / "seeds.json").write_text(json.dumps(summary))
    assert "policies.fixed.std.overall.uf1" in rejection(folder)


def test_cli_one_line_per_rejected_file(runs: dict[str, Path], tmp_path: Path, cli) -> None:
    bad = _copy(runs, "fixed", tmp_path)
    (bad / "folds" / "fold-000.npz").write_bytes(b"not a zip")
    code, out, err = cli("validate", runs["fixed"], bad, tmp_path / "nowhere")
    assert code == 2
    assert out.count("ok: ") == 1
    lines = err.strip().splitlines()
    assert lines == [f"merbench: rejected: {bad}: fold file fold-000.npz is damaged or "
                     "unreadable",
                     f"merbench: rejected: {tmp_path / 'nowhere'}: no such file or folder; give a "
                     "run directory, a result file or a folder of results",
                     "merbench: error: 2 of 3 result file(s) rejected"]
    assert "Traceback" not in err


def test_validate_walks_a_folder_of_results_of_every_kind(cli, tmp_path: Path) -> None:
    """``merbench validate FOLDER`` said a sweep's folder "holds none of results.json, ..."
    while ``status`` and ``leaderboard build`` took it (issues 68 and 70): every result
    under it is checked, of every kind, and a damaged one fails the command."""
    import shutil

    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
    folder = tmp_path / "results"
    shutil.copytree(committed / "lbp-apex-svm-composite-loso", folder / "emotion")
    shutil.copytree(committed / "rcn-composite-loso-au" / "seed-0", folder / "au" / "seed-0")
    shutil.copytree(committed / "tunings" / "lbp-apex-svm-composite" / "test-scored",
                    folder / "tunings" / "svm")
    code, out, err = cli("validate", folder)
    assert code == 0, err
    oks = [line for line in out.splitlines() if line.startswith("ok: ")]
    assert len(oks) == 3 and "AU detection" in out and "TEST-SCORED" in out, out
    (folder / "au" / "seed-0" / "au-predictions.csv").write_text("damaged\n")
    code, out, err = cli("validate", folder)
    assert code == 2 and "au-predictions.csv" in err and "1 of 3 result file(s) rejected" in err
    code, _, err = cli("validate", tmp_path / "results" / "tunings" / "svm" / "..")
    assert code == 0  # a folder holding one tuning
    (tmp_path / "nothing" / "a").mkdir(parents=True)
    code, _, err = cli("validate", tmp_path / "nothing")
    assert code == 2 and "holds no merbench result (no results.json or" in err
