"""``merbench run --task au``: the AU objective, the label codes, what is refused, and a
real AU run on the composite written, resumed and validated (forgeries refused)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from merbench_htnet.htnet import HTNet
from rounding import assert_same_training

import merbench
from merbench.au.metrics import AULabels, ignored_bits, subject_counts
from merbench.au.record import AU_PREDICTIONS_FILE, AU_RESULTS_FILE, read_au_results
from merbench.au.scoring import score_au
from merbench.au_kind.check import validate_au_run
from merbench.au_kind.comparison import au_paired_differences
from merbench.au_kind.comparison_table import ACTION_UNITS
from merbench.base.errors import MerbenchError
from merbench.cli.compare_command import PageConfigurations
from merbench.compare.contract import CompareRequest
from merbench.data.au_labels import (
    MAX_AUS,
    MEB_AU_SETS,
    SampleActionUnits,
    label_codes,
    parse_au_set,
    present_bits,
)
from merbench.data.task import au_task
from merbench.meta import TrainRecipe
from merbench.results.codec import to_json
from merbench.training.fold_parallel import FoldTask, train_folds
from merbench.training.objective import AUObjective, EmotionObjective
from merbench.training.torch_trainer import train_fold
from merbench.verification.validate import ResultRejected

AU = AUObjective()
EMOTION = EmotionObjective()


def test_label_codes_keep_present_and_uncertain_apart() -> None:
    labels = [SampleActionUnits((1, 12), (4,)), SampleActionUnits(()), SampleActionUnits((4, 9))]
    codes = np.asarray(label_codes(labels, (1, 4, 12)))
    assert present_bits(codes, 3).tolist() == [[True, False, True], [False] * 3,
                                               [False, True, False]]
    assert ignored_bits(codes, 3).tolist() == [[False, True, False], [False] * 3, [False] * 3]


def test_the_au_loss_ignores_uncertain_entries_and_the_decision_is_bits() -> None:
    y = torch.as_tensor(label_codes([SampleActionUnits((1,), (4,))], (1, 4, 12)))  # 3 AUs
    logits = torch.tensor([[2.0, -1.0, -3.0]])
    moved = torch.tensor([[2.0, 9.0, -3.0]])  # only the uncertain AU's logit changes
    assert torch.equal(AU.per_sample_loss(logits, y), AU.per_sample_loss(moved, y))
    target = torch.tensor([[1.0, 0.0]])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor([[2.0, -3.0]]), target)
    assert torch.allclose(AU.mean_loss(logits, y), expected)
    assert AU.decide(torch.tensor([[0.5, -0.1, 0.0], [1.0, 1.0, 1.0]])).tolist() == [1, 7]


def test_the_emotion_objective_is_cross_entropy_and_argmax() -> None:
    logits, y = torch.randn(5, 3), torch.tensor([0, 1, 2, 1, 0])
    assert torch.equal(EMOTION.mean_loss(logits, y),
                       torch.nn.functional.cross_entropy(logits, y))
    assert torch.allclose(EMOTION.per_sample_loss(logits, y).mean(), EMOTION.mean_loss(logits, y))
    assert torch.equal(EMOTION.decide(logits), logits.argmax(dim=1))


def test_au_sets_are_parsed_or_refused_in_one_line() -> None:
    assert parse_au_set("cross") == MEB_AU_SETS["cross"]
    assert parse_au_set("12, AU4,1") == (1, 4, 12)
    for bad, said in (("1,x", "no AU number"), ("4,4", "twice"),
                      (",".join(map(str, range(1, MAX_AUS + 2))), "1 to 15")):
        with pytest.raises(MerbenchError, match=said):
            parse_au_set(bad)


@pytest.mark.parametrize(("options", "said"), [
    ({"au_set": "1,4"}, "add task='au'"),
    ({"task": "au", "selection": "oracle"}, "last epoch"),
    ({"task": "au", "data_order": "authors"}, "emotion class"),
    ({"task": "au", "au_set": "1,banana"}, "no AU number"),
])
def test_what_an_au_run_cannot_take_is_refused_before_any_data(options: dict, said: str,
                                                                tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match=said):
        merbench.run("ststnet", "synthetic", out=tmp_path / "run", **options)


def test_a_dataset_without_au_coding_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="gives no action-unit labels"):
        merbench.run("ststnet", "synthetic", task="au", epochs=1, out=tmp_path / "syn")


@pytest.mark.realdata
def test_an_estimator_is_refused(real_data: Path, tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="cannot learn AUs"):
        merbench.run("lbp-apex-svm", "composite", data_root=str(real_data / "composite"),
                     task="au", out=tmp_path / "svm")


@pytest.mark.realdata
def test_a_protocol_testing_no_coded_sample_is_refused(real_data: Path, tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="no fold of this protocol tests a sample"):
        merbench.run("ststnet", "composite", data_root=str(real_data / "composite"),
                     task="au", protocol="loso-smic", epochs=1, out=tmp_path / "smic")


@pytest.fixture(scope="module")
def au_run(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("au") / "run"
    merbench.run("ststnet", "composite", data_root=str(real_data / "composite"), task="au",
                 au_set="1,2,4,7,12,14,15,17", epochs=2, threads=1, out=out)
    return out


@pytest.mark.realdata
def test_an_au_run_on_the_composite_scores_its_coded_samples(au_run: Path) -> None:
    results = read_au_results(au_run / AU_RESULTS_FILE)
    assert results.au_set == [1, 2, 4, 7, 12, 14, 15, 17]
    assert (results.dataset.n_samples, results.dataset.n_scored) == (442, 278)
    assert results.protocol.n_folds == 52 and set(results.per_database) == {"casme2", "samm"}
    assert not (au_run / "results.json").exists()
    identity = json.loads((au_run / "run.json").read_text())["identity"]
    assert identity["task"]["au_set"] == results.au_set
    # AU 4 is the composite's most often coded AU of the set
    assert max(results.overall.positives) == results.overall.positives[2]
    assert validate_au_run(au_run).overall == results.overall


@pytest.mark.realdata
def test_rerunning_a_finished_au_run_reports_it(au_run: Path, real_data: Path) -> None:
    result = merbench.run("ststnet", "composite", data_root=str(real_data / "composite"),
                          task="au", au_set="1,2,4,7,12,14,15,17", epochs=2, threads=1,
                          out=au_run)
    assert result.reported


@pytest.mark.realdata
@pytest.mark.parametrize("forgery", ["score", "prediction", "interval", "au_set", "model",
                                     "epochs"])
def test_validate_recomputes_an_au_run_and_refuses_forgeries(au_run: Path, tmp_path: Path,
                                                             forgery: str) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(au_run, copy)
    results_file = copy / AU_RESULTS_FILE
    data = json.loads(results_file.read_text())
    if forgery == "score":
        data["overall"]["f1"][0] = 0.99
    elif forgery == "interval":
        data["intervals"]["overall"]["mean_f1"] = [0.0, 1.0]
    elif forgery == "au_set":
        data["au_set"] = [1, 2, 4, 7, 12, 14, 15, 16]
    elif forgery == "model":
        data["model"]["name"] = "rcn"
    elif forgery == "epochs":
        data["hyperparameters"]["epochs"] = 800
    else:
        table = copy / AU_PREDICTIONS_FILE
        lines = table.read_text().splitlines()
        first = lines[1].split(",")
        first[5] = str(int(first[5]) ^ 1)
        lines[1] = ",".join(first)
        table.write_text("\n".join(lines) + "\n")
    results_file.write_text(json.dumps(data))
    with pytest.raises(ResultRejected):
        validate_au_run(copy)


def test_the_au_paired_test_finds_a_real_difference_and_none_between_equals() -> None:
    rng = np.random.default_rng(0)
    aus = (1, 4, 12)
    labels = AULabels(aus, rng.random((60, 3)) < 0.3, np.zeros((60, 3), dtype=bool))
    subjects = [f"db/s{i % 12:02d}" for i in range(60)]
    keys = sorted(set(subjects))
    perfect = subject_counts(labels, labels.present.astype(float), subjects, keys)
    guessed = subject_counts(labels, (rng.random((60, 3)) < 0.3).astype(float), subjects, keys)
    found = au_paired_differences(perfect, guessed, aus, permutations=999)
    assert [p.metric for p in found] == ["mean_f1", "AU1", "AU4", "AU12"]
    assert found[0].difference > 0.5 and found[0].p_value < 0.01
    same = au_paired_differences(perfect, perfect, aus, permutations=999)[0]
    assert (same.difference, same.p_value) == (0.0, 1.0)


@pytest.mark.realdata
def test_compare_takes_au_runs_alone(au_run: Path, cli: Any, tmp_path: Path) -> None:
    copy = shutil.copytree(au_run, tmp_path / "copy")
    code, _, err = cli("compare", au_run, copy)  # one run: no comparison (pass 84af, AF5)
    assert code == 2 and "copy is a copy of " in err and "give each run once" in err, err
    # the table of two runs with the same predictions, asked of the comparison itself
    request = CompareRequest(as_json=False, configurations=PageConfigurations())
    out = "\n".join(ACTION_UNITS.lines([ACTION_UNITS.load(run, request)
                                        for run in (au_run, copy)], request))
    assert "run 2 - run 1: mean F1 +0.0000 p = 1.000 (Holm = 1.000)" in out
    assert "AU4 +0.000" in out
    emotion = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
        "lbp-apex-svm-composite-loso"
    code, _, err = cli("compare", au_run, emotion)
    assert code != 0 and "only with results compared as action units" in err
    code, _, err = cli("compare", au_run, Path(__file__).parent / "data")  # no run at all
    assert code != 0 and "holds no finished run" in err


def _consistent_forgery(run: Path, copy: Path, forgery: str) -> None:
    """``run`` copied to ``copy`` and forged as a careful forger would: fold files and
    table rewritten, every digest of the manifest and every score recomputed, so only
    what validate checks beyond the manifest and the arithmetic can refuse it."""
    shutil.copytree(run, copy)
    results = json.loads((copy / AU_RESULTS_FILE).read_text())
    table = pd.read_csv(copy / AU_PREDICTIONS_FILE, keep_default_na=False,
                        dtype={"sample_id": str, "database": str, "subject": str})
    folds = sorted((copy / "folds").glob("fold-*.npz"))
    if forgery == "drop-folds":  # leave out the last ten subjects
        for path in folds[-10:]:
            path.unlink()
            del results["files"][f"folds/{path.name}"]
        folds = folds[:-10]
        table = table[table["fold"] < len(folds)]
        results["folds"] = results["folds"][:len(folds)]
        results["protocol"]["n_folds"] = len(folds)
        results["protocol"]["n_samples"] = results["dataset"]["n_scored"] = len(table)
    for path in folds:
        arrays = dict(np.load(path))
        if forgery == "truth":  # the labels made the predictions: every score 1
            arrays["y_true"] = arrays["epoch_predictions"][-1].astype(np.int64)
        elif forgery == "extra-epoch":  # a perfect last epoch appended
            perfect = (arrays["y_true"] & 0x7FFF).astype(np.int16)
            arrays["epoch_predictions"] = np.vstack([arrays["epoch_predictions"],
                                                     perfect[None]])
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        path.write_bytes(buffer.getvalue())
        results["files"][f"folds/{path.name}"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    if forgery == "truth":
        table["y_true"] = table["y_pred"]
    elif forgery == "extra-epoch":
        table["y_pred"] = table["y_true"] & 0x7FFF
    table.to_csv(copy / AU_PREDICTIONS_FILE, index=False)
    scored = score_au(table["y_true"].to_numpy(np.int64), table["y_pred"].to_numpy(np.int64),
                      table, results["au_set"])
    results.update(overall=to_json(scored.overall), per_database=to_json(scored.per_database),
                   intervals=to_json(scored.intervals))
    results["files"][AU_PREDICTIONS_FILE] = hashlib.sha256(
        (copy / AU_PREDICTIONS_FILE).read_bytes()).hexdigest()
    (copy / AU_RESULTS_FILE).write_text(json.dumps(results))


@pytest.mark.realdata
@pytest.mark.parametrize(("forgery", "said"), [
    ("drop-folds", "a sample left out"), ("truth", "a label edited"),
    ("extra-epoch", "the recipe trains 2")])
def test_validate_refuses_a_rescored_forgery(au_run: Path, tmp_path: Path, forgery: str,
                                             said: str) -> None:
    _consistent_forgery(au_run, tmp_path / "copy", forgery)
    with pytest.raises(ResultRejected, match=said):
        validate_au_run(tmp_path / "copy")


@pytest.mark.realdata
def test_status_knows_an_au_run(au_run: Path, cli: Any, tmp_path: Path) -> None:
    code, out, _ = cli("status", au_run)
    assert code == 0 and "complete, 52/52 folds (au-results.json)" in out
    # AU seeds run together now (tests/test_au_seeds.py); a dataset with no AU coding is
    # still refused before any folder is taken
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--task", "au",
                       "--seeds", "0,1", "--out", tmp_path / "seeds")
    assert code != 0 and "gives no action-unit labels" in err
    assert not (tmp_path / "seeds").exists()


def test_folds_trained_together_learn_aus_as_one_fold_at_a_time() -> None:
    """The fold-parallel engine's masked AU loss (padded last batches, uncertain entries)
    gives each fold the sequential engine's predictions."""
    rng = np.random.default_rng(0)
    task = au_task((1, 2, 4))

    def codes(n: int) -> np.ndarray:
        return rng.integers(0, 8, n) | (rng.integers(0, 2, n) << 17)  # AU 2 sometimes unsure

    group = [FoldTask(rng.random((n, 3, 28, 28), dtype=np.float32) * 255, codes(n),
                      rng.random((m, 3, 28, 28), dtype=np.float32) * 255, seed=10 + i)
             for i, (n, m) in enumerate([(40, 5), (45, 3), (33, 7)])]
    recipe = TrainRecipe(epochs=6, batch_size=16, lr=1e-3)

    def build() -> HTNet:
        return HTNet(dim=12, heads=3, block_repeats=[1, 1, 1], num_classes=3)

    together = train_folds(build, recipe, group, device="cpu", task=task)
    for fold, predicted in zip(group, together, strict=True):
        alone = train_fold(build, recipe, fold.x_train, fold.y_train, fold.x_test,
                           device="cpu", seed=fold.seed, task=task)
        assert predicted.shape == alone.shape == (recipe.epochs, len(fold.x_test))
        assert_same_training(predicted, alone)
        assert predicted.min() >= 0 and predicted.max() < 8


@pytest.mark.realdata
def test_an_au_run_inside_one_database(real_data: Path, tmp_path: Path) -> None:
    result = merbench.run("ststnet", "composite", data_root=str(real_data / "composite"),
                          task="au", au_set="samm", protocol="loso-samm", epochs=1,
                          threads=1, out=tmp_path / "samm")
    assert isinstance(result.results.au_set, list) and result.results.au_set == [2, 4, 7, 12]
    assert set(result.results.per_database) == {"samm"}
    assert result.results.protocol.n_folds == 28
    assert validate_au_run(tmp_path / "samm").overall == result.results.overall


@pytest.mark.realdata
def test_an_au_run_is_audited_and_a_resumed_forgery_fails_it(au_run: Path, real_data: Path,
                                                             tmp_path: Path, cli: Any) -> None:
    """An AU run's fold predictions set to its labels, then ``run --resume`` rewrote every
    file from them: validate accepts it (mean F1 1.00), and ``merbench audit`` refused AU
    runs (issue 69, case 7). Its folds are trained again as an emotion run's are, and the
    record is signed over the AU run's own files (``--sign`` said "results.json is
    missing; only a complete run can be signed")."""
    audit = ("--folds", "1", "--seed", "5", "--data-root", real_data / "composite")
    genuine = Path(shutil.copytree(au_run, tmp_path / "genuine"))
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    code, out, err = cli("audit", genuine, *audit, "--sign", tmp_path / "keys" / "key")
    assert code == 0 and ": identical" in out and "audit passed" in out, (out, err)
    n_folds = json.loads((genuine / "au-results.json").read_text())["protocol"]["n_folds"]
    # au-results.json, run.json, au-predictions.csv and every fold file
    assert f"over the digests of the {3 + n_folds} files of the result" in out
    code, out, _ = cli("validate", genuine)  # its audit.json is its own
    assert code == 0 and "audit.json: 1 audit(s); signed by" in out, out
    forged = Path(shutil.copytree(au_run, tmp_path / "forged"))
    for path in sorted((forged / "folds").glob("fold-*.npz")):
        arrays = dict(np.load(path))
        last = arrays["epoch_predictions"]
        last[-1] = (arrays["y_true"] & 0x7FFF).astype(last.dtype)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        path.write_bytes(buffer.getvalue())
    (forged / AU_RESULTS_FILE).unlink()
    (forged / AU_PREDICTIONS_FILE).unlink()
    code, _, err = cli("run", "--resume", forged, "--quiet")
    assert code == 0, err
    assert read_au_results(forged / AU_RESULTS_FILE).overall.mean_f1 == 1.0
    code, _, err = cli("validate", forged)
    assert code == 0, err  # every number follows from the (forged) fold files
    code, out, _ = cli("audit", forged, *audit)
    assert code == 1 and "DIFFERS" in out and "audit FAILED" in out, out
    # the two make one claim (configuration and seed) with other predictions: both were
    # "ok" and the build ranked whichever sorted first, the forgery here (adversarial pass)
    code, out, err = cli("validate", genuine, forged)
    assert code == 2 and err.count("with other results: one of them was edited") == 2
    assert "ok:" not in out  # said "ok", then "rejected", before copies were settled first
    results = tmp_path / "results"
    for name in ("genuine", "forged"):
        shutil.copytree(tmp_path / name, results / name)
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--strict")
    assert code == 2 and "2 rejected (--strict)" in err, (out, err)
    assert not (tmp_path / "site").exists()  # nothing written under --strict then
    assert cli("leaderboard", "build", "--results", results, "--out", tmp_path / "site")[0] == 0
    index = (tmp_path / "site" / "index.html").read_text()
    assert index.count("with other results") == 2 and "au-composite-loso.html" not in index
    shutil.copytree(genuine, tmp_path / "copy")  # the same predictions: a reproduction
    code, out, err = cli("validate", genuine, tmp_path / "copy")
    assert code == 0 and "reproduced 2x" in out, err
    copied = json.loads((genuine / "audit.json").read_text())  # another run's record
    copied["audits"][0]["signature"] = None  # a claim: dated by hand below
    copied["audits"][0]["created"] = read_au_results(forged / AU_RESULTS_FILE).created
    (forged / "audit.json").write_text(json.dumps(copied))  # dated with the forgery
    code, out, err = cli("validate", forged)
    assert code == 0 and "it vouches for nothing here" in out, (out, err)
    copied["audits"][0]["created"] = "2026-11-02T00:00:00+00:00"  # before the run finished
    (forged / "audit.json").write_text(json.dumps(copied))
    code, out, err = cli("validate", forged)
    assert code == 2 and "cannot be an audit of this result: it is dated" in err, (out, err)


@pytest.mark.realdata
def test_an_au_nobody_coded_is_refused(real_data: Path, tmp_path: Path, cli: Any) -> None:
    """``--au-set 99`` scored AU99 with 0 positives and called the run valid (issue 69's
    second adversarial pass): no sample can teach or score it."""
    code, _, err = cli("run", "-m", "ststnet", "-d", "composite", "--data-root",
                       real_data / "composite", "--task", "au", "--au-set", "1,99",
                       "--epochs", "1", "--out", tmp_path / "au99")
    assert code == 2 and "AU99 is coded present in none of the" in err
    assert not (tmp_path / "au99").exists()


@pytest.mark.realdata
def test_list_counts_a_reduced_au_run(au_run: Path, cli: Any, tmp_path: Path) -> None:
    """Two epochs where the recipe trains more: the page shows the run apart, unranked,
    and ``leaderboard list`` counts it, as it counts a reduced emotion run (it said
    "0 runs" while export left "1 run in a reduced setting" out: walk 85m)."""
    results = tmp_path / "results"
    shutil.copytree(au_run, results / "au")
    code, out, err = cli("leaderboard", "list", "--results", results)
    assert code == 0, err
    [line] = [line for line in out.splitlines() if line.startswith("au-composite-loso ")]
    assert line.rstrip().endswith(" 1 run"), line

