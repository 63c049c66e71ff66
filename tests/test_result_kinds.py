"""The result-kind contract (:mod:`merbench.kinds`), once over every kind: each is found by
its own files, validates, says how far it is, refuses its result file swapped for a link,
a hard link or a fifo before reading it, and refuses to audit a result that does not
validate before anything is trained. Each kind's own audits are tested beside its kind
(``test_spotting_audit.py``, ``test_au_task.py``, ``test_audit.py``); the two this contract
added (a summary over seeds, a tuning) are here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.kinds import ResultKind, kind_of, markers, result_kinds, started_files
from merbench.kinds.over_seeds import SummaryOverSeeds
from merbench.results.run_files import ResultRejected

KIND_NAMES = [kind.name for kind in result_kinds()]


def _kind(name: str) -> ResultKind:
    return next(kind for kind in result_kinds() if kind.name == name)


def _copy(examples: dict[str, Path], name: str, tmp_path: Path) -> Path:
    folder = tmp_path / "result"
    shutil.copytree(examples[name], folder, symlinks=True)
    return folder


def test_every_kind_is_a_result_kind_with_its_own_files() -> None:
    assert len(set(KIND_NAMES)) == len(result_kinds())
    for kind in result_kinds():
        assert isinstance(kind, ResultKind) and kind.markers
        assert set(kind.markers) <= set(markers())
    # the files the walks look for are exactly the kinds' own, no more, no fewer
    assert {marker for kind in result_kinds() for marker in kind.markers} == set(markers())
    assert set(started_files()) == {"run.json", "spot-run.json", "tuning.json"}


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_is_found_validated_and_its_progress_said(examples: dict[str, Path],
                                                            name: str, cli: Any) -> None:
    kind, folder = _kind(name), examples[name]
    assert kind_of(folder) is kind and kind_of(folder / kind.markers[0]) is kind
    checked = kind.validate(folder)
    assert checked.path == folder and checked.summary
    code, out, err = cli("validate", folder)
    assert code == 0 and out.startswith(f"ok: {folder} ({checked.summary})"), err
    if kind.started_file is None:  # its progress is its runs': status lists each
        with pytest.raises(MerbenchError, match="status"):
            kind.status(folder)
        return
    line = kind.status(folder).line
    assert line.startswith(f"{folder}: ") and ("complete" in line or "finished" in line)
    code, out, err = cli("status", folder)
    assert code == 0 and out.strip() == line, err


@pytest.mark.parametrize("swap", ["symlink", "hardlink", "fifo"])
@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kinds_result_file_that_is_no_file_of_its_own_is_refused(
        examples: dict[str, Path], tmp_path: Path, name: str, swap: str) -> None:
    kind = _kind(name)
    folder = _copy(examples, name, tmp_path)
    marker = folder / kind.markers[0]
    outside = tmp_path / "outside"
    shutil.copy2(marker, outside)  # the same bytes: only where they live differs
    marker.unlink()
    {"symlink": lambda: marker.symlink_to(outside), "hardlink": lambda: os.link(outside, marker),
     "fifo": lambda: os.mkfifo(marker)}[swap]()
    assert kind_of(folder) is kind  # still this kind's folder, whose check says what is wrong
    expected = {"symlink": "is a symbolic link", "hardlink": "is a hard link",
                "fifo": "is a fifo"}[swap]
    with pytest.raises(ResultRejected, match=expected):
        kind.validate(folder)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_no_kind_audits_a_result_that_does_not_validate(examples: dict[str, Path],
                                                        tmp_path: Path, name: str,
                                                        cli: Any) -> None:
    """A rejected result is not worth training: refused in one line, before any plugin
    loads, for every kind."""
    kind = _kind(name)
    folder = _copy(examples, name, tmp_path)
    marker = folder / kind.markers[0]
    marker.write_text(marker.read_text().replace("{", "[", 1))  # no longer its layout
    code, out, err = cli("audit", folder, "--folds", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "training" not in out, err
    assert str(folder) in err


@pytest.mark.parametrize("options", [("--device", "tpu"), ("--workers", "0"),
                                     ("--data-root", "/nonexistent")])
@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_kind_refuses_a_bad_audit_option_before_it_says_anything(
        examples: dict[str, Path], name: str, options: tuple[str, str], cli: Any) -> None:
    """Issue 69, case 10: a spotting audit ignored these and passed; the others refused them
    only after "auditing ...; training them again"."""
    code, out, err = cli("audit", examples[name], "--folds", "1", *options)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, (out, err)


@pytest.mark.realdata
def test_leaderboard_list_and_export_take_every_kind(examples: dict[str, Path], real_data: Path,
                                                     tmp_path: Path, cli: Any) -> None:
    """Issue 68: ``leaderboard list`` and ``export`` knew the emotion benchmarks and the AU
    ones only; every kind's results make tables of their own, listed and exported alike."""
    import csv
    import io

    results = tmp_path / "results"
    for name, folder in examples.items():
        if name != "emotion run":  # the summary over seeds holds it
            shutil.copytree(folder, results / name.replace(" ", "-"), symlinks=True)
    code, out, err = cli("leaderboard", "list", "--results", results)
    assert code == 0, err
    ids = {"au-composite-loso", "spot-synthetic-long", "tune-synthetic-loso"}
    listed = {line.split()[0] for line in out.splitlines() if line and not line[0].isspace()}
    assert ids <= listed, out
    for bench_id in sorted(ids):
        code, out, err = cli("leaderboard", "export", bench_id, "--results", results)
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and all(row["model"] for row in rows), out
    # an id no table can have is refused before any result is read (issue 83); one that
    # could be is looked for among its kind's tables, which the refusal names
    code, _, err = cli("leaderboard", "export", "spot-nowhere", "--results", results)
    assert code == 2 and "no benchmark 'spot-nowhere'" in err and "spot-DATASET" in err
    code, _, err = cli("leaderboard", "export", "spot-synthetic-long-9", "--results", results)
    named = err.rstrip().split("; benchmarks: ")[1].split(", ")
    assert code == 2 and "spot-synthetic-long" in named and "tune-synthetic-loso" not in named


def test_a_summary_over_seeds_is_audited_seed_run_by_seed_run(examples: dict[str, Path],
                                                              tmp_path: Path, cli: Any) -> None:
    folder = _copy(examples, "summary over seeds", tmp_path)
    code, out, err = cli("audit", folder, "--folds", "1", "--seed", "0")
    assert code == 0, err
    assert "seed 0: audit passed" in out and "seed 1: audit passed" in out
    assert "audit passed: each of the 2 seed runs matches" in out
    for seed in (0, 1):  # each seed run keeps its own record, and still validates
        assert (folder / f"seed-{seed}" / "audit.json").is_file()
    code, out, err = cli("validate", folder)
    # each seed run is a line of its own, its audits said (the summary's line hid them:
    # a seed run's copied or failed audit showed only when it was validated alone)
    assert code == 0 and out.startswith(f"ok: {folder} (seeds 0, 1"), err
    for seed in (0, 1):
        assert f"ok: {folder / f'seed-{seed}'} (" in out
    assert out.count("audit.json: 1 audit(s)") == 2, out
    # a record beside seeds.json was accepted and ignored: audits are the seed runs'
    shutil.copy2(folder / "seed-0" / "audit.json", folder / "audit.json")
    code, _, err = cli("validate", folder)
    assert code == 2 and "audit.json beside it" in err and "each seed run's" in err


#: each kind that records audits in its own folder, what its audit of one part makes again
#: and says (a summary over seeds records them in its seed runs', tested above; an
#: action-unit run's, signed, in test_au_task.py, on a run small enough to train again)
RECORDED = {
    "emotion run": ("folds 1, drawn with --seed 0", "audit passed: 1 of 2 folds"),
    "spotting run": ("subjects synthetic-long/sub02, drawn with --seed 0",
                     "audit passed: the dataset is the run's, and the 1 subject spotted"),
    # a test-scored tuning (a seed's of the summary's example: synthetic, no data to read):
    # a fold of every trial's run (the runs whose scores made the choice, the chosen one's
    # predictions the outer score), the same fold of each
    "tuning": ("trials/all/trial-001 fold 2 syn1/s03: identical",
               "audit passed: 1 of 3 folds of the search made again match"),
}


#: what a site that trusts the key says of a signed audit of one part (a synthetic run is on
#: no benchmark's board: its run page lists the audit)
BADGES = {"emotion run": "verified: signed by", "spotting run": "audited: 1 of 2 subjects",
          "tuning": "audited: 1 of 3 folds"}


@pytest.mark.parametrize("name", RECORDED)
def test_each_kinds_audit_is_recorded_in_its_folder_and_signed(
        examples: dict[str, Path], name: str, tmp_path: Path, cli: Any) -> None:
    """A spotting run's and a tuning's audits were printed only (``--sign`` refused: no
    record): every kind now keeps its audit in ``audit.json`` in its folder, signed where
    asked, which validate checks as an emotion run's (a record edited after signing is
    refused)."""
    import json

    folder = tmp_path / "results" / "result"
    shutil.copytree(examples["tuning summary over seeds"] / "seed-0" if name == "tuning"
                    else examples[name], folder)
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    code, out, err = cli("audit", folder, "--folds", "1", "--seed", "0", "--sign",
                         tmp_path / "keys" / "key")
    chosen, verdict = RECORDED[name]
    assert code == 0 and chosen in out and verdict in out, out + err
    assert f"recorded in {folder / 'audit.json'}" in out and "signed by" in out
    log = json.loads((folder / "audit.json").read_text())
    [record] = log["audits"]
    assert record["passed"] and len(record["folds"]) == 1 and record["signature"]
    code, out, err = cli("validate", folder)
    assert code == 0 and "audit.json: 1 audit(s); signed by " in out, err
    # its row says so on a site that trusts the key, as an emotion run's does
    code, _, err = cli("leaderboard", "build", "--results", folder.parent, "--out",
                       tmp_path / "site", "--trust", tmp_path / "keys" / "key.pub")
    assert code == 0, err
    pages = "".join(page.read_text() for page in (tmp_path / "site").rglob("*.html"))
    assert BADGES[name] in pages
    assert '/audit.json">audit.json</a>' in pages  # the record published beside the result
    # the record edited after signing: refused, as an emotion run's is
    record["passed"] = False
    (folder / "audit.json").write_text(json.dumps(log))
    code, _, err = cli("validate", folder)
    assert code == 2 and "the signature of audit 1 does not verify" in err, err


def test_status_of_a_spotting_run_under_way_says_how_many_videos_are_spotted(
        examples: dict[str, Path], tmp_path: Path, cli: Any) -> None:
    folder = _copy(examples, "spotting run", tmp_path)
    (folder / "spotting.json").unlink()
    (folder / "videos" / "0001.json").unlink()  # as if stopped after the first video
    code, out, err = cli("status", tmp_path)  # found under a folder, as a run is
    assert code == 0, err
    assert out.strip() == (f"{folder}: spotter flow-peak on synthetic-long, 7 settings: "
                           "stopped, 1 video spotted so far, spotting.json not yet written; "
                           "run the same merbench spot command to go on")


@pytest.mark.parametrize("name", KIND_NAMES)
def test_compare_pairs_a_kind_only_with_its_own_and_names_what_it_does_not_pair(
        examples: dict[str, Path], name: str, cli: Any) -> None:
    """compare of a spotting run or a tuning said "holds neither results.json nor
    seeds.json"; of an emotion run with an AU run, that they are compared apart."""
    kind = _kind(name)
    other = _kind("action-unit run" if kind.comparison is _kind("emotion run").comparison
                  else "emotion run")
    code, _, err = cli("compare", examples[name], examples[other.name])
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    if kind.comparison is None:
        assert f"is {indefinite(kind.name)}, which compare does not pair: " in err
    else:  # both kinds named, and what the first is compared with
        assert f"{examples[other.name]} is {indefinite(other.name)} and {examples[name]} " \
            f"is {indefinite(kind.name)}: compare pairs {indefinite(kind.name)} only with " \
            f"results compared as {kind.comparison.name} (" in err


@pytest.mark.parametrize("name", KIND_NAMES)
def test_compare_takes_two_results_of_each_kind_or_says_in_one_line_why_not(
        examples: dict[str, Path], tmp_path: Path, name: str, cli: Any) -> None:
    """Every kind answers compare through the contract: two results of it are compared by
    the comparison it names, or refused in one line naming the kind and what to do
    instead (a spotting run's page, a tuning's validate). The two here are a result and its
    copy, which the comparison tells apart by what they are (run identity and predictions):
    one run, refused as a run given twice is (a copy was compared with itself, pass 84af
    AF5); kinds compared with another result are in their own tests."""
    kind = _kind(name)
    code, out, err = cli("compare", examples[name], _copy(examples, name, tmp_path))
    if kind.comparison is None:
        assert kind.not_compared and code == 2 and not out, out
        assert err.strip().splitlines() == [
            f"merbench: error: {examples[name]} is {indefinite(kind.name)}, which compare "
            f"does not pair: {kind.not_compared}"], err
        return
    assert not kind.not_compared and code == 2 and not out, out
    [line] = err.strip().splitlines()
    assert " is a copy of " in line and line.endswith(
        "(the same run identity and predictions): give each run once"), err


@pytest.mark.parametrize("swap", ["symlink", "hardlink", "fifo"])
@pytest.mark.parametrize("name", ["spot-run.json", "videos/0000.json"])
def test_a_spotting_runs_own_files_are_files_of_its_own(examples: dict[str, Path],
                                                        tmp_path: Path, name: str, swap: str,
                                                        cli: Any) -> None:
    """spot-run.json and videos/NNNN.json as a fifo, a link (to /dev/zero) or a hard link
    were validated "ok" and published (the adversarial pass of issue 69). validate refuses
    them; status says the folder's state as a run's status does (rc 0); neither reads them."""
    folder = _copy(examples, "spotting run", tmp_path)
    target, outside = folder / name, tmp_path / "outside"
    shutil.copy2(target, outside)
    target.unlink()
    {"symlink": lambda: target.symlink_to("/dev/zero"),
     "hardlink": lambda: os.link(outside, target), "fifo": lambda: os.mkfifo(target)}[swap]()
    said = {"symlink": "is a symbolic link", "hardlink": "is a hard link", "fifo": "is a fifo"}
    code, _, err = cli("validate", folder)
    assert code == 2 and f"{name} {said[swap]}" in err, err
    code, out, _ = cli("status", folder)
    assert code == 0 and f"{name} {said[swap]}" in out and "('merbench validate' refuses " \
        "it)" in out, out  # validate's words, of a written run (pass 84ab)


def test_a_folder_that_links_to_a_spotting_run_is_refused(examples: dict[str, Path],
                                                          tmp_path: Path, cli: Any) -> None:
    (tmp_path / "linked").symlink_to(examples["spotting run"], target_is_directory=True)
    code, _, err = cli("validate", tmp_path / "linked")
    assert code == 2 and "is a symbolic link" in err


def test_status_of_a_tuning_whose_record_names_no_dataset_is_one_line(
        examples: dict[str, Path], tmp_path: Path, cli: Any) -> None:
    """No spec.dataset in tuning.json: a KeyError traceback, then "('dataset')"; now a line."""
    import json

    folder = _copy(examples, "tuning", tmp_path)
    record = json.loads((folder / "tuning.json").read_text())
    del record["spec"]["dataset"]
    (folder / "tuning.json").write_text(json.dumps(record))
    code, out, err = cli("status", folder)
    assert (code, err) == (0, "") and out.endswith("(its spec has no dataset) ('merbench "
                                                   "validate' refuses it)\n"), (out, err)


def test_an_emotion_run_is_audited_by_its_results_file_too(examples: dict[str, Path],
                                                           tmp_path: Path, cli: Any) -> None:
    """audit RUN/results.json said ".../results.json/run.json is unreadable"."""
    folder = _copy(examples, "emotion run", tmp_path)
    code, out, err = cli("audit", folder / "results.json", "--folds", "1", "--seed", "0")
    assert code == 0 and "audit passed: 1 of 2 folds" in out, err


def test_validate_says_an_audit_failed_before_who_signed_it(examples: dict[str, Path],
                                                            tmp_path: Path, cli: Any) -> None:
    """validate of a run whose audit failed printed "ok ... 1 audit(s)" and its signer
    without a word of the failure (the adversarial pass of issue 69)."""
    import json

    folder = _copy(examples, "emotion run", tmp_path)
    assert cli("audit", folder, "--folds", "1", "--seed", "0")[0] == 0
    record = json.loads((folder / "audit.json").read_text())
    record["audits"][0]["passed"] = False  # as a differing fold records it, with the fold
    record["audits"][0]["folds"][0]["outcome"] = "differs"
    (folder / "audit.json").write_text(json.dumps(record))
    code, out, err = cli("validate", folder)
    assert code == 0 and "audit.json: 1 audit(s); 1 FAILED (what was made again" in out, err


@pytest.mark.parametrize("swap", ["symlink", "hardlink"])
@pytest.mark.parametrize("name", RECORDED)
def test_an_audit_record_that_is_no_file_of_its_own_is_refused(
        examples: dict[str, Path], name: str, swap: str, tmp_path: Path) -> None:
    """A spotting run's or a tuning's audit.json linked (or hard-linked) to another
    result's record was read and counted as its own (the review of the change that records
    them): refused before it is read, as a run's files are."""
    folder = tmp_path / "result"
    shutil.copytree(examples["tuning summary over seeds"] / "seed-0" if name == "tuning"
                    else examples[name], folder)
    other = tmp_path / "other.json"
    other.write_text("{}")
    {"symlink": lambda: (folder / "audit.json").symlink_to(other),
     "hardlink": lambda: os.link(other, folder / "audit.json")}[swap]()
    said = {"symlink": "audit.json is a symbolic link", "hardlink": "audit.json is a hard link"}
    with pytest.raises(ResultRejected, match=said[swap]):
        _kind(name).validate(folder)


@pytest.mark.parametrize(("name", "made_again"), [
    ("spotting run", "merbench.spotting_kind.kind.audit_spotting"),
    ("tuning", "merbench.tuning.kind.audit_tuning")])
def test_a_result_changed_while_it_is_audited_is_not_signed(
        examples: dict[str, Path], name: str, made_again: str, tmp_path: Path, cli: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A spotting run's or a tuning's record took its digests after the audit, so files
    swapped in while it trained were signed as audited (the review): the digests are taken
    before anything is made again, and a change since is refused at signing, nothing kept."""
    import importlib

    folder = tmp_path / "result"
    shutil.copytree(examples["tuning summary over seeds"] / "seed-0" if name == "tuning"
                    else examples[name], folder)
    (tmp_path / "keys").mkdir()  # keygen refuses a folder of results
    assert cli("keygen", "--out", tmp_path / "keys" / "key")[0] == 0
    module_name, function = made_again.rsplit(".", 1)
    module = importlib.import_module(module_name)
    real = getattr(module, function)
    changed = folder / ("spotting.json" if name == "spotting run" else "tune.json")

    def then_changed(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        changed.write_text(changed.read_text() + " ")  # another file, the same record
        return found

    monkeypatch.setattr(module, function, then_changed)
    code, _, err = cli("audit", folder, "--folds", "1", "--seed", "0", "--sign",
                       tmp_path / "keys" / "key")
    assert code == 2 and "changed while it was audited; nothing was signed or recorded" in err
    assert not (folder / "audit.json").exists()


def test_every_summary_over_seeds_is_one_class_over_a_registered_kind() -> None:
    """Issue 82: the four summaries over seeds are one class (their file, seeds' kind,
    command and check told it), each over a kind of result registered beside it."""
    summaries = [kind for kind in result_kinds() if kind.over_seeds is not None]
    assert [kind.name for kind in summaries] == [
        "summary over seeds", "action-unit summary over seeds",
        "spot-then-recognise summary over seeds", "tuning summary over seeds"]
    assert {type(kind) for kind in summaries} == {SummaryOverSeeds}
    registered = {kind.name for kind in result_kinds() if kind.over_seeds is None}
    for kind in summaries:
        assert kind.over_seeds is not None and kind.over_seeds.runs.name in registered
        assert kind.started_file is None and kind.markers == (kind.markers[0],)
