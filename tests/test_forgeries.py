"""Every forgery of a published run that was tried, and what catches it.

Edits of one file are caught by ``merbench validate`` (another file says otherwise, or the
value makes no sense); consistent edits of every file are caught by the official sample list
where the dataset has one, and by ``merbench audit``, which trains the folds again; a
genuine run passes both. An audit counts on a leaderboard only when a key the build trusts
signed it (``merbench audit --sign``, ``leaderboard build --trust``), so a hand-written
``audit.json`` is a claim, and ``validate`` reads ``audit.json`` like every other file.
Files are bound to their run (the manifest): ``--resume`` refuses a fold file of another run
or with edited labels, and ``validate`` a file changed after the summary; fold files record
when they were written, so fold times cannot be padded past the wall time; the model's
declared facts are the installed plugin's; and merbench's own plugins come only from beside
the merbench that runs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from forgery import (
    edit_folds,
    edit_results,
    padded,
    rejection,
    relabel_first_sample,
    rewrite_run,
    swap_labels,
)

import merbench
from merbench.audit import audit_run, read_audits, record_audit
from merbench.results.schema import read_results
from merbench.verification.validate import validate_run

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
SMALL = {"subjects": 4, "samples_per_subject": 6}  # not the official list: no such check


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forgeries") / "genuine"
    merbench.run(model="ststnet", dataset="synthetic", out=out, epochs=3, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    return out


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run on the synthetic dataset's own list (default options), which merbench ships."""
    out = tmp_path_factory.mktemp("forgeries") / "official"
    merbench.run(model="ststnet", dataset="synthetic", out=out, epochs=1, device="cpu")
    return out


def _copy(run: Path, tmp_path: Path, name: str = "copy") -> Path:
    return Path(shutil.copytree(run, tmp_path / name))


def test_a_genuine_run_validates_and_passes_its_audit(genuine: Path, tmp_path: Path,
                                                      cli) -> None:
    run = _copy(genuine, tmp_path)
    validate_run(run)
    record = audit_run(run, count=None)
    assert record.passed and record.comparison == "bit-identical"
    assert [a.outcome for a in record.folds] == ["identical"] * 4
    code, out, _ = cli("audit", run, "--folds", "2", "--seed", "5")
    assert code == 0 and "drawn with --seed 5" in out and "audit passed: 2 of 4 folds" in out
    assert [len(a.folds) for a in read_audits(run)] == [2]
    validate_run(run)  # audit.json beside it changes nothing


@pytest.mark.parametrize(("edit", "caught"), [
    (lambda r: r["model"].update(name="htnet"),
     'results.json and run.json describe different runs (model.name: "htnet" here'),
    (lambda r: r.update(seed=1), "(seed: 1 here, 0 there"),
    (lambda r: r.update(wall_time_s=-5), "wall_time_s is -5; a duration"),
    (lambda r: r.update(created="not a date"), "created 'not a date' is not a date"),
    (lambda r: r.update(created="2031-01-01T00:00:00+00:00"), "is not a date a merbench run"),
    (lambda r: r["folds"][0].update(device="cuda:0 (NVIDIA H100)"),
     "trained on cpu in its fold file but cuda:0"),
    (lambda r: r["folds"][0].update(finished=None),  # was "... but None" (pass 84q, Q4)
     "in its fold file but not recorded in results.json"),
    (lambda r: r["hyperparameters"].update(lr=5e-5), "hyperparameters.lr: 5e-05 here"),
    (lambda r: r["dataset"].update(fingerprint="0123456789abcdef"),
     'dataset.fingerprint: "0123456789abcdef" here'),
    (lambda r: r["model"]["provider"].update(plugin="impostor"),
     "provided by plugin 'impostor'"),
], ids=["model-name", "seed", "wall-time", "created", "created-future", "fold-device",
        "fold-finished-null", "recipe", "fingerprint", "provider"])
def test_an_edit_of_results_json_alone_is_rejected(genuine: Path, tmp_path: Path,
                                                   edit: Callable[[dict[str, Any]], None],
                                                   caught: str) -> None:
    run = _copy(genuine, tmp_path)
    edit_results(run, edit)
    assert caught in rejection(run)


def test_a_run_without_run_json_is_rejected(genuine: Path, tmp_path: Path) -> None:
    run = _copy(genuine, tmp_path)
    (run / "run.json").unlink()
    assert "run.json is missing" in rejection(run)


def test_consistent_renames_validate_but_fail_the_audit(genuine: Path, tmp_path: Path) -> None:
    """Every file edited to say seed 1, or to say htnet: nothing to cross-check is left, so
    validate passes; training again is what the run cannot survive."""
    seed = _copy(genuine, tmp_path, "seed")
    rewrite_run(seed, lambda r: r.update(seed=1))
    validate_run(seed)
    record = audit_run(seed, count=2, seed=0)
    assert not record.passed and record.failure is None
    assert all(a.outcome == "differs" for a in record.folds)

    renamed = _copy(genuine, tmp_path, "renamed")
    rewrite_run(renamed, lambda r: r["model"].update(name="htnet"))
    validate_run(renamed)
    record = audit_run(renamed, count=1, seed=0)
    assert not record.passed and "another run than the one recorded" in str(record.failure)


@pytest.mark.parametrize("forge", ["swapped-labels", "relabelled", "padded-epochs"])
def test_consistent_fold_edits_fail_the_audit(genuine: Path, tmp_path: Path, forge: str,
                                              cli) -> None:
    run = _copy(genuine, tmp_path)
    if forge == "swapped-labels":
        edit_folds(run, swap_labels)
    elif forge == "relabelled":
        edit_folds(run, relabel_first_sample)
    else:
        edit_folds(run, padded(8), epochs=8)
    checked = validate_run(run)  # every file agrees: only training again can tell
    assert checked.n_epochs == (8 if forge == "padded-epochs" else 3)
    code, out, _ = cli("audit", run, "--folds", "all")
    assert code == 1 and "audit FAILED" in out
    [record] = read_audits(run)
    assert not record.passed


@pytest.mark.parametrize("change", [swap_labels, relabel_first_sample],
                         ids=["swapped-labels", "relabelled"])
def test_relabelling_the_official_list_is_rejected_by_validate(
        official: Path, tmp_path: Path, change: Callable[..., Any]) -> None:
    run = _copy(official, tmp_path)
    validate_run(run)
    edit_folds(run, change)
    assert "are not the official list of dataset 'synthetic' v1" in rejection(run)


def test_an_audit_stops_counting_when_the_files_change(genuine: Path, tmp_path: Path) -> None:
    from merbench.kinds.emotion import audited_run
    from merbench.leaderboard.audit_badges import audit_lines

    run = _copy(genuine, tmp_path)
    record_audit(run, audit_run(run, count=1, seed=3))
    assert [line.current for line in audit_lines(audited_run(run), {})] == [True]
    rewrite_run(run, lambda r: r.update(wall_time_s=r["wall_time_s"] + 1))
    assert [line.current for line in audit_lines(audited_run(run), {})] == [False]


def _benchmark(folder: Path, **changes: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthetic.json").write_text(json.dumps({
        "id": "synthetic-loso", "title": "Synthetic", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"], "dataset_options": SMALL,
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "All"}]} | changes))
    return folder


def _impersonate(results: dict[str, Any], package: str) -> None:
    """What a run of a package's own ``ststnet``/``htnet`` records, every file agreeing."""
    results["model"]["provider"] = {"plugin": "impostor", "package": package,
                                    "version": "1.0"}
    results["environment"]["plugins"]["impostor"] = f"{package} 1.0"


def test_the_leaderboard_shows_names_only_from_their_pinned_provider(
        genuine: Path, tmp_path: Path, cli) -> None:
    results = tmp_path / "results"
    impostor = _copy(genuine, results, "impostor")
    rewrite_run(impostor, lambda r: _impersonate(r, "merbench-impostor"))
    validate_run(impostor)  # consistent, but ststnet is merbench's name
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", _benchmark(tmp_path / "b"))
    assert code == 0 and "0 runs, 1 rejected" in out, err
    assert ("model 'ststnet' is merbench's, but this run's came from package "
            "merbench-impostor 1.0") in err

    # a third party's own name, pinned by a benchmark definition to its package
    mine = _copy(genuine, tmp_path / "mine", "mine")
    rewrite_run(mine, lambda r: (_impersonate(r, "merbench-mine"),
                                 r["model"].update(name="mymodel")))
    pinned = {"model": {"mymodel": "merbench-other"}}
    for pins, rows in ((pinned, 0), ({"model": {"mymodel": "merbench-mine"}}, 1)):
        site = tmp_path / f"site-{rows}"
        code, out, err = cli("leaderboard", "build", "--results", tmp_path / "mine", "--out",
                             site, "--benchmarks",
                             _benchmark(tmp_path / f"b{rows}", providers=pins))
        assert code == 0, err
        page = (site / "benchmarks" / "synthetic-loso.html").read_text()
        assert page.count(">mymodel</span>") == 2 * rows  # fixed, and oracle shown apart


def test_the_leaderboard_shows_audits_of_the_published_files(genuine: Path, tmp_path: Path,
                                                             cli) -> None:
    results = tmp_path / "results"
    run = _copy(genuine, results, "run")
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    assert cli("audit", run, "--folds", "2", "--seed", "1", "--sign",
               tmp_path / "keys" / "key")[0] == 0
    site = tmp_path / "site"
    trust = ("--trust", tmp_path / "keys" / "key.pub")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", site,
                       "--benchmarks", _benchmark(tmp_path / "b"), *trust)
    assert code == 0, err
    page = (site / "benchmarks" / "synthetic-loso.html").read_text()
    today = json.loads((run / "audit.json").read_text())["audits"][0]["created"][:10]
    assert f"audited: 2 of 4 folds, {today}" in page
    run_page = next((site / "runs").glob("*/index.html")).read_text()
    assert "passed, 2 of 4 folds trained again (bit-identical" in run_page
    assert (next((site / "runs").glob("*/files")) / "audit.json").is_file()

    rewrite_run(run, lambda r: r.update(wall_time_s=r["wall_time_s"] + 1))  # edited after
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", site,
                       "--benchmarks", _benchmark(tmp_path / "b"), *trust)
    page = (site / "benchmarks" / "synthetic-loso.html").read_text()
    assert code == 0 and "audited:" not in page


@pytest.fixture(scope="module")
def longer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A genuine run of 20 epochs: its last epoch is 5% of the stored predictions, so
    rewriting it whole stays inside a tolerance counted over every epoch."""
    out = tmp_path_factory.mktemp("forgeries") / "longer"
    merbench.run(model="ststnet", dataset="synthetic", out=out, epochs=20, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    return out


def _reported_epoch_rewritten(claim: dict[str, str | None] | None) -> Callable[[Any], Any]:
    """The forgery of the issue: each fold's last (reported) epoch set to the true labels,
    and, with ``claim``, the fold files made to say another torch trained them."""
    def change(fold: Any) -> Any:
        rows = fold.epoch_predictions.copy()
        rows[-1] = fold.y_true
        code = fold.trained_with if claim is None else {**fold.trained_with, **claim}
        return replace(fold, epoch_predictions=rows, trained_with=code)

    return change


def _trusted_page(cli: Any, results: Path, tmp_path: Path) -> str:
    """The benchmark page of ``results``, built trusting ``tmp_path/keys/key.pub``."""
    site = tmp_path / "site"
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", site,
                       "--benchmarks", _benchmark(tmp_path / "b"), "--trust",
                       tmp_path / "keys" / "key.pub")
    assert code == 0, err
    return (site / "benchmarks" / "synthetic-loso.html").read_text()


@pytest.mark.parametrize("claim", [None, {"torch": "1.0.0"}], ids=["results-json", "folds"])
def test_an_audit_badge_cannot_be_bought_with_a_claimed_environment(
        longer: Path, tmp_path: Path, cli, claim: dict[str, str] | None) -> None:
    """Stored predictions rewritten inside the tolerance, summarised again (``--resume``),
    then ``results.json`` (or the fold files themselves) claiming another torch and
    commit: the trusted audit of every fold fails, and the trusted build shows no audit."""
    results = tmp_path / "results"
    run = _copy(longer, results, "run")
    before = read_results(run / "results.json").metrics.overall.uf1
    edit_folds(run, _reported_epoch_rewritten(claim))
    rewrite_run(run, lambda r: r["environment"].update(git_commit="0" * 40, torch="1.0.0"))
    assert read_results(run / "results.json").metrics.overall.uf1 > before
    validate_run(run)  # every file agrees: only training again can tell
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    code, out, _ = cli("audit", run, "--folds", "all", "--sign", tmp_path / "keys" / "key")
    assert code == 1 and "audit passed" not in out
    record = read_audits(run)[-1]
    assert record.comparison == ("bit-identical" if claim is None else "tolerance")
    assert all(fold.outcome == "differs" for fold in record.folds)
    if claim is not None:
        assert "reported epoch 20" in record.folds[0].detail
    page = _trusted_page(cli, results, tmp_path)
    assert "audited:" not in page and "audit failed" in page


def test_folds_reproduced_only_within_tolerance_are_not_audited(longer: Path,
                                                                tmp_path: Path, cli) -> None:
    """A fold that comes out within a tolerance its own file asked for is shown as such,
    never counted as audited; bit-identical folds of the same audit are."""
    results = tmp_path / "results"
    run = _copy(longer, results, "run")

    def drift(fold: Any) -> Any:  # one prediction of a middle epoch, in fold 0 only
        code = {**fold.trained_with, "torch": "1.0.0"}
        if fold.index != 0:
            return replace(fold, trained_with=code)
        rows = fold.epoch_predictions.copy()
        rows[10, 0] = (rows[10, 0] + 1) % 3
        return replace(fold, epoch_predictions=rows, trained_with=code)

    edit_folds(run, drift)
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    code, _, err = cli("audit", run, "--folds", "all", "--sign", tmp_path / "keys" / "key")
    assert code == 0, err
    outcomes = [fold.outcome for fold in read_audits(run)[-1].folds]
    assert outcomes == ["within-tolerance", "identical", "identical", "identical"]
    page = _trusted_page(cli, results, tmp_path)
    assert "audited: 3 of 4 folds" in page and "(1 more within tolerance)" in page


def _fold(predictions: list[list[int]]) -> Any:
    import numpy as np

    from merbench.plugin_system.runinfo import FoldOutcome

    rows = np.asarray(predictions)
    n = rows.shape[1]
    return FoldOutcome(index=0, key=("db", "s1"), test_index=np.arange(n),
                       sample_ids=np.asarray([f"x{i}" for i in range(n)]),
                       y_true=np.zeros(n, dtype=int), epoch_predictions=rows, n_train=5,
                       seconds=1.0, device="cpu", folds_at_once=1)


def test_where_bit_identity_is_not_expected_most_predictions_must_come_again() -> None:
    """A tolerance comparison passes 9 of 10 predictions alike from the same first epoch,
    and fails 8 of 10, or 9 of 10 from another first epoch (another seed's start); a
    bit-identical one fails any difference."""
    from merbench.audit import compare_fold

    stored = _fold([[0, 1, 2, 0, 1], [0, 1, 2, 0, 1]])
    nine = _fold([[0, 1, 2, 0, 1], [0, 1, 2, 0, 2]])
    eight = _fold([[0, 1, 2, 0, 2], [0, 1, 2, 0, 2]])
    assert compare_fold(stored, nine, "tolerance", "h").outcome == "within-tolerance"
    assert compare_fold(stored, eight, "tolerance", "h").outcome == "differs"
    other_start = compare_fold(stored, _fold([[0, 1, 2, 0, 2], [0, 1, 2, 0, 1]]),
                               "tolerance", "h")
    assert other_start.outcome == "differs" and "not the same start" in other_start.detail
    found = compare_fold(stored, nine, "bit-identical", "h")
    assert found.outcome == "differs" and found.agreement == 0.9
    assert found.detail == "epoch 2, sample x4: stored 1, trained again 2"


def test_the_comparison_follows_the_conditions_the_fold_files_record() -> None:
    """What may loosen the comparison comes from the fold files (which the manifest and the
    signature cover) and the identity's precision; results.json's environment, which nothing
    binds to the training, can never buy a tolerance."""
    import torch

    from merbench.audit import expected_comparison
    from merbench.results.schema import installed_version

    stored = read_results(REAL / "ststnet-composite-loso" / "seed-0" / "results.json")
    results = replace(stored, model=replace(stored.model, kind="torch"), precision="fp32",
                      engine=None)
    code = {"merbench": installed_version("merbench"), "git_commit": "abc1234",
            "torch": torch.__version__, "scikit_learn": installed_version("scikit-learn")}
    alone = [replace(_fold([[0]]), trained_with=code)]
    assert expected_comparison(results, alone, "cpu", "abc1234")[0] == "bit-identical"
    assert expected_comparison(results, alone, "cuda:0 (NVIDIA H100)", "abc1234")[0] == \
        "tolerance"
    assert expected_comparison(replace(results, precision="bf16"), alone, "cpu",
                               "abc1234")[0] == "tolerance"
    older = [replace(alone[0], trained_with={**code, "torch": "2.0.0"})]
    assert "says torch 2.0.0 trained it" in expected_comparison(results, older, "cpu",
                                                                 "abc1234")[1]
    assert "merbench abc1234 trained it, this is def5678" in expected_comparison(
        results, alone, "cpu", "def5678")[1]
    together = [replace(alone[0], folds_at_once=4)]
    assert expected_comparison(results, together, "cpu", "abc1234")[0] == "tolerance"
    # the forger's lever: results.json claiming another torch and commit changes nothing
    claimed = replace(results, environment=replace(results.environment, torch="2.0.0",
                                                   git_commit="0" * 40))
    assert expected_comparison(claimed, alone, "cpu", "abc1234")[0] == "bit-identical"
    # fold files that do not record their code (before schema 10) are compared bit for bit
    unrecorded = [_fold([[0]])]
    comparison, reason = expected_comparison(claimed, unrecorded, "cuda:0 (X)", "abc1234")
    assert comparison == "bit-identical" and "do not record the code" in reason


def test_a_tolerance_applies_to_each_reported_epoch_on_its_own() -> None:
    """95% of all epochs alike, but the reported (last) epoch rewritten: not within
    tolerance."""
    from merbench.audit import compare_fold

    rows = [[0, 1, 2, 0, 1, 2, 0, 1, 2, 0]] * 20
    stored = _fold(rows)
    forged_last = _fold([*rows[:-1], [1, 2, 0, 1, 2, 0, 0, 1, 2, 0]])  # 6 of 10 rewritten
    overall = compare_fold(stored, forged_last, "tolerance", "h")
    assert overall.outcome == "within-tolerance" and overall.agreement == 0.97
    found = compare_fold(stored, forged_last, "tolerance", "h", reported=[20])
    assert found.outcome == "differs"
    assert "reported epoch 20: 40% of its predictions came again" in found.detail
    one_flip = _fold([*rows[:-1], [1, 1, 2, 0, 1, 2, 0, 1, 2, 0]])
    assert compare_fold(stored, one_flip, "tolerance", "h",
                        reported=[20]).outcome == "within-tolerance"


def test_an_option_recorded_at_its_default_is_the_run_without_it(genuine: Path,
                                                                 tmp_path: Path) -> None:
    """Runs written before defaults were left out of identities recorded them (the reduced
    HTNet runs record crop=reference): such a run is audited as the same run."""
    run = _copy(genuine, tmp_path)
    rewrite_run(run, lambda r: r["model"]["options"].update(padding=2))
    record = audit_run(run, count=1, seed=0)
    assert record.failure is None and record.passed


def test_auditing_what_is_not_a_run_is_one_line(tmp_path: Path, cli) -> None:
    code, _, err = cli("audit", tmp_path / "missing")
    assert code == 2 and err.count("\n") == 1 and "missing: no such file or folder" in err
    code, _, err = cli("audit", tmp_path)  # a folder that holds no result
    assert code == 2 and err.count("\n") == 1 and "no results.json here" in err
    code, _, err = cli("audit", tmp_path, "--folds", "none")
    assert code == 2 and "--folds 'none' is not a number of folds" in err


def test_a_hand_written_audit_of_a_forged_run_is_only_claimed(genuine: Path, tmp_path: Path,
                                                              cli) -> None:
    """The forger edits every file consistently, then writes audit.json by hand: a passing
    record (copied from a real audit) with the digests recomputed over the forged files.
    validate accepts an unsigned claim, but a site that trusts only the maintainer's key
    does not call it audited."""
    from merbench.results.codec import to_json
    from merbench.results.manifest import file_sha256
    from merbench.results.model import SCHEMA_VERSION

    real = _copy(genuine, tmp_path, "real")
    claim = to_json(audit_run(real, count=1, seed=0))
    assert claim["passed"] and claim["signature"] is None
    forged = _copy(genuine, tmp_path / "results", "forged")
    edit_folds(forged, relabel_first_sample)
    claim["results_sha256"] = file_sha256(forged / "results.json")
    # dated as the forged run (rewritten after the real audit, within the same second or
    # the next): a record dated before its run is no claim an audit can make
    claim["created"] = json.loads((forged / "results.json").read_text())["created"]
    for fold in claim["folds"]:
        fold["fold_sha256"] = file_sha256(forged / "folds" / f"fold-{fold['index']:03d}.npz")
    (forged / "audit.json").write_text(json.dumps(
        {"schema_version": SCHEMA_VERSION, "kind": "audits", "audits": [claim]}))
    code, out, err = cli("validate", forged)
    assert code == 0 and "1 unsigned (a claim nobody vouches for)" in out, err
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "maintainer")[0] == 0
    site = tmp_path / "site"
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                       site, "--benchmarks", _benchmark(tmp_path / "b"), "--trust",
                       tmp_path / "keys" / "maintainer.pub")
    assert code == 0, err
    page = (site / "benchmarks" / "synthetic-loso.html").read_text()
    assert "audit claimed, not verified" in page and "audited:" not in page
    run_page = next((site / "runs").glob("*/index.html")).read_text()
    assert "claimed, not verified: unsigned" in run_page


def test_a_hard_link_to_etc_passwd_as_audit_json_is_refused(genuine: Path, tmp_path: Path,
                                                            cli) -> None:
    """``ln /etc/passwd RUN/audit.json``: validate refuses the run, the site leaves it out;
    a copy of the file instead of a link is no audit record either."""
    run = _copy(genuine, tmp_path / "results", "run")
    try:
        os.link("/etc/passwd", run / "audit.json")
    except OSError as exc:  # another file system, or protected_hardlinks
        pytest.skip(f"cannot link /etc/passwd here: {exc.strerror}")
    links = os.stat("/etc/passwd").st_nlink
    assert rejection(run) == (f"audit.json is a hard link ({links} links); publish a copy of "
                              "the file itself")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                       tmp_path / "site", "--benchmarks", _benchmark(tmp_path / "b"))
    assert code == 0 and "audit.json is a hard link" in err
    assert not (tmp_path / "site" / "runs").exists() or \
        not list((tmp_path / "site" / "runs").iterdir())
    (run / "audit.json").unlink()
    shutil.copyfile("/etc/passwd", run / "audit.json")
    assert rejection(run).startswith("audit.json is not a readable audit record")


@pytest.mark.parametrize(("edit", "caught"), [
    (lambda r: r["model"].update(description="STSTNet, state of the art on every database"),
     "model.description differs from what plugin 'cnn' (merbench "),
    (lambda r: r["model"].update(citation="https://doi.org/10.0000/another-paper"),
     "model.citation differs from what plugin 'cnn'"),
    (lambda r: r["model"]["recipe"].update(epochs=80), "model.recipe differs"),
    (lambda r: r["environment"].update(device="cuda:0 (NVIDIA H100 80GB HBM3)"),
     "trained on cpu, but environment.device says the run trained on cuda:0"),
    (lambda r: r["environment"].update(device="a TPU pod"),
     "environment.device is 'a TPU pod', not a device merbench names"),
    (lambda r: r["environment"].update(torch=None), "environment.torch is null, but a torch"),
    (lambda r: r["environment"].update(torch="2.3.0+cu118"), "is built for CUDA 11.8, yet"),
    (lambda r: r["environment"].update(torch="the latest"), "environment.torch is 'the latest'"),
    (lambda r: r["environment"].update(merbench="9.9.9"),
     "model.provider says merbench 0.1.0 but environment.merbench says 9.9.9"),
], ids=["description", "citation", "declared-recipe", "environment-device", "device-name",
        "no-torch", "torch-build", "torch-version", "merbench-version"])
def test_an_edit_of_what_the_plugin_or_environment_said_is_rejected(
        genuine: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None],
        caught: str, cli) -> None:
    """Facts of results.json that run.json does not repeat: the installed plugin says what
    the model declared, and the fold files, the model's kind and torch's build say where it
    ran. The same edit in run.json as well changes nothing (run.json does not hold them)."""
    run = _copy(genuine, tmp_path)
    rewrite_run(run, edit)
    assert caught in rejection(run)
    code, _, err = cli("validate", run)
    assert code == 2 and caught in err and "Traceback" not in err


def test_a_model_whose_plugin_is_not_installed_here_is_noted_not_checked(
        genuine: Path, tmp_path: Path, cli) -> None:
    """Another release of the package declared the model: nothing installed can say what it
    declared, so the run passes and validate says so; a leaderboard still builds it."""
    def other_release(results: dict[str, Any]) -> None:
        for section in ("model", "feature", "dataset", "protocol"):
            results[section]["provider"]["version"] = "0.0.9"
        results["environment"]["merbench"] = "0.0.9"
        results["environment"]["plugins"] = {name: "merbench 0.0.9"
                                             for name in results["environment"]["plugins"]}
        results["model"]["description"] = "as the 0.0.9 release worded it"

    run = _copy(genuine, tmp_path)
    rewrite_run(run, other_release)
    checked = validate_run(run)
    assert len(checked.unchecked) == 1
    assert "model 'ststnet' v1: it was provided by merbench 0.0.9" in checked.unchecked[0]
    code, out, err = cli("validate", run)
    assert code == 0 and "note: " in out and "were not compared with the plugin's" in out, err


def _unfinished(run: Path) -> Path:
    """``run`` as a kill before its summary leaves it: every fold file, no results."""
    (run / "results.json").unlink()
    (run / "predictions.csv").unlink()
    return run


def test_a_fold_file_of_another_seeds_run_is_refused_on_resume(genuine: Path, tmp_path: Path,
                                                                cli) -> None:
    """Fold files name the run identity they were trained for (the manifest): one copied
    from another seed's run is not restored, and nothing is summarised."""
    other = tmp_path / "seed-1"
    merbench.run(model="ststnet", dataset="synthetic", out=other, epochs=3, device="cpu",
                 dataset_options=SMALL, lr=1e-3, seed=1)
    run = _unfinished(_copy(genuine, tmp_path))
    shutil.copyfile(other / "folds" / "fold-002.npz", run / "folds" / "fold-002.npz")
    code, _, err = cli("run", "--resume", run)
    assert code == 2 and "fold-002.npz belongs to another run" in err
    assert "delete it to retrain that fold" in err and len(err.strip().splitlines()) == 1
    assert not (run / "results.json").exists()


def test_a_fold_file_with_edited_labels_is_refused_on_resume(genuine: Path, tmp_path: Path,
                                                             cli) -> None:
    from merbench.results.rundir import RunDirectory

    run = _unfinished(_copy(genuine, tmp_path))
    store = RunDirectory(run)
    fold = store.load_fold(1)
    assert fold is not None
    store.save_fold(replace(fold, y_true=(fold.y_true + 1) % 3))  # names this run: labels edited
    code, _, err = cli("run", "--resume", run)
    assert code == 2 and "fold-001.npz holds labels that are not the data's" in err


def test_a_fold_file_edited_after_the_summary_is_caught_and_summarised_again(
        genuine: Path, tmp_path: Path, cli) -> None:
    """validate names the file the manifest no longer matches and status does not call the
    run complete; --resume refuses to summarise the edited fold as the run's (it recorded
    forged predictions as genuine, pass 84ad AD1), and following its fix, deleting the fold,
    trains that fold again and the run validates."""
    from merbench.results.rundir import RunDirectory

    run = _copy(genuine, tmp_path)
    store = RunDirectory(run)
    fold = store.load_fold(0)
    assert fold is not None
    predictions = fold.epoch_predictions.copy()
    predictions[:, 0] = (predictions[:, 0] + 1) % 3
    store.save_fold(replace(fold, epoch_predictions=predictions))
    assert rejection(run).startswith("folds/fold-000.npz is not the file results.json records")
    code, out, _ = cli("status", run)
    assert code == 0 and "complete" not in out.split(":")[-1]
    code, _, err = cli("run", "--resume", run)
    assert code == 2 and "delete it and run the same command" in err, err
    (run / "folds" / "fold-000.npz").unlink()
    code, _, err = cli("run", "--resume", run)
    assert code == 0, err
    validate_run(run)
    assert json.loads((run / "results.json").read_text())["folds_resumed"] == 3


def test_a_kill_between_predictions_and_results_is_repaired(genuine: Path, tmp_path: Path,
                                                           cli) -> None:
    """results.json is written last and names predictions.csv's digest: a predictions.csv
    that a killed re-summary left beside the old results.json makes the run unfinished, and
    running it again writes both anew."""
    run = _copy(genuine, tmp_path)
    written = (run / "predictions.csv").read_bytes()
    lines = written.decode().splitlines(keepends=True)
    (run / "predictions.csv").write_text("".join([lines[0], *reversed(lines[1:])]))
    assert rejection(run).startswith("predictions.csv is not the file results.json records")
    code, _, err = cli("run", "--resume", run)
    assert code == 0, err
    assert (run / "predictions.csv").read_bytes() == written
    validate_run(run)


def test_results_name_every_file_and_every_fold_file_names_the_run(genuine: Path) -> None:
    from merbench.results.manifest import identity_sha256
    from merbench.results.rundir import RunDirectory

    results = read_results(genuine / "results.json")
    assert results.files is not None
    assert sorted(results.files) == ["folds/fold-000.npz", "folds/fold-001.npz",
                                     "folds/fold-002.npz", "folds/fold-003.npz",
                                     "predictions.csv", "run.json"]
    store = RunDirectory(genuine)
    digest = identity_sha256(store.read_run_file().identity)
    assert all(store.load_fold(i).run_sha256 == digest for i in range(4))  # type: ignore[union-attr]


class _SlowAfterEachFold:
    """Sleeps after each fold is written, so the run's wall time is well past the first
    fold's: room for a padded fold time to show."""

    @merbench.hookimpl
    def merbench_fold_finished(self, run, fold) -> None:
        import time

        time.sleep(1.0)


def test_fold_times_padded_past_the_wall_time_are_refused_for_any_executor(
        tmp_path: Path) -> None:
    """Each fold file records when it was written; a fold cannot have taken longer than the
    run had been going by then. Before that record, a run that said its folds trained as
    Ray tasks side by side could claim up to every fold's worth of wall time each."""
    from merbench.plugin_system.manager import load_plugins
    from merbench.results.rundir import RunDirectory

    run = tmp_path / "slow"
    merbench.run(model="ststnet", dataset="synthetic", out=run, epochs=1, device="cpu",
                 dataset_options=SMALL, plugins=load_plugins(extra=[
                     ("slow", _SlowAfterEachFold())]))
    validate_run(run)
    results = json.loads((run / "results.json").read_text())
    first = min(results["folds"], key=lambda f: f["finished"])
    padded_s = round(results["wall_time_s"] - 0.5, 3)  # the run's whole wall time, nearly
    store = RunDirectory(run)
    fold = store.load_fold(first["index"])
    assert fold is not None
    store.save_fold(replace(fold, seconds=padded_s))  # keeps its write time
    first["seconds"] = padded_s
    results["train_time_s"] = round(sum(f["seconds"] for f in results["folds"]), 3)
    results["engine"]["executor"] = "ray"
    (run / "results.json").write_text(json.dumps(results))
    from forgery import reseal

    reseal(run)
    assert "fold times cannot exceed the time the run had taken" in rejection(run)


@pytest.mark.parametrize("counterfeit", ["other-module", "same-module-elsewhere"])
def test_a_counterfeit_merbench_distribution_is_refused(tmp_path: Path,
                                                        counterfeit: str) -> None:
    """A merbench-0.1.0.dist-info earlier on sys.path than the real one: Python takes its
    entry points for merbench's, so each first-party plugin must be merbench's own module,
    loaded from beside the merbench package that runs."""
    import subprocess
    import sys

    dist = tmp_path / "merbench-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: merbench\nVersion: 0.1.0\n")
    if counterfeit == "other-module":
        (dist / "entry_points.txt").write_text("[merbench]\ncnn = evil_cnn\n")
        (tmp_path / "evil_cnn.py").write_text("def merbench_register_models(registry): pass\n")
        said = f"a distribution named merbench at {tmp_path} registers plugin 'cnn' as " \
               "evil_cnn, which is not merbench's own"
    else:
        (dist / "entry_points.txt").write_text("[merbench]\ncnn = merbench_cnn.plugin\n")
        (tmp_path / "merbench_cnn").mkdir()
        (tmp_path / "merbench_cnn" / "__init__.py").write_text("")
        (tmp_path / "merbench_cnn" / "plugin.py").write_text(
            "def merbench_register_models(registry): pass\n")
        said = f"merbench's plugin 'cnn' (merbench_cnn.plugin) loads from {tmp_path}"
    root = Path(merbench.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(root), str(root / "plugins"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "merbench", "list", "models"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "remove that distribution named merbench" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
