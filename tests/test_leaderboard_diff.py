"""``merbench leaderboard diff OLD NEW`` (issue 83): every published row a change adds,
removes or moves, with why, from two folders or a git revision's folder; exit status 1 where
a score moved with the same runs."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.cli import revision_folder
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.score_diff import PublishedRow, RowChange, score_changes

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
CliResult = tuple[int, str, str]


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """OLD: three seeds of STSTNet and Bi-WOOF's run; NEW: STSTNet's seed 2 gone, Bi-WOOF
    gone, RCN's SMIC run added."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    old, new = tmp_path / "old", tmp_path / "new"
    for name in ("ststnet-composite-loso", "biwoof-release-svm-composite-loso"):
        shutil.copytree(RESULTS / name, old / name)
    shutil.copytree(RESULTS / "ststnet-composite-loso", new / "ststnet-composite-loso",
                    ignore=shutil.ignore_patterns("seed-2", "seeds.json"))
    shutil.copytree(RESULTS / "rcn-composite-loso-smic", new / "rcn-composite-loso-smic")
    return old, new


def test_rows_added_removed_and_moved_with_why(cli: Callable[..., CliResult],
                                               folders: tuple[Path, Path]) -> None:
    old, new = folders
    code, out, err = cli("leaderboard", "diff", old, new)
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.startswith("+ loso-smic: rcn v") and "(added; seeds [0])" in line
               for line in lines), out
    assert any(line.startswith("- composite-3class-loso: biwoof-release-svm v")
               for line in lines), out
    moved = [line for line in lines if line.startswith("~ composite-3class-loso: ststnet v1")]
    assert moved and all("1 run(s) removed: seeds [0, 1, 2] -> [0, 1]" in line
                         for line in moved), out
    assert " -> " in moved[0] and "!" not in "".join(line[:1] for line in lines)
    assert "(0 without a new run)" in lines[-1]
    code, out, _ = cli("leaderboard", "diff", old, old)
    assert code == 0 and out.strip() == "0 rows added, 0 removed, 0 moved (0 without a new " \
        "run)"  # the rejected runs' clause only where there are some: scripts match this line


def test_a_score_moved_with_the_same_runs_fails(cli: Callable[..., CliResult],
                                                folders: tuple[Path, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The same runs read with another scoring (here: NEW's scores shifted) fail the gate."""
    import merbench.cli.leaderboard_diff as command

    old, _ = folders
    real = command.published_rows
    calls: list[Path] = []

    def shifted(found: list[Path], benchmarks: Path | None = None):  # type: ignore[no-untyped-def]
        rows, rejected = real(found, benchmarks)
        calls.append(found[0])
        if len(calls) == 2:  # NEW
            rows = {key: dataclasses.replace(
                row, score=None if row.score is None else row.score + 0.01)
                for key, row in rows.items()}
        return rows, rejected

    monkeypatch.setattr(command, "published_rows", shifted)
    code, out, err = cli("leaderboard", "diff", old, old)
    assert code == 1, out
    assert any(line.startswith("! composite-3class-loso: ststnet v1") and
               "the same runs (run identities) give another score" in line
               for line in out.splitlines()), out
    assert "published score(s) moved with the same runs" in err


@pytest.mark.parametrize(("configuration", "run", "rows", "seeds"), [
    ("ststnet-composite-loso", "ststnet-composite-loso/seed-0", 2, "[0, 1, 2] -> [1, 2]"),
    ("biwoof-release-svm-composite-loso", "biwoof-release-svm-composite-loso", 1, "[0] -> []"),
])
def test_a_run_edited_in_place_is_rejected_never_removed(
        cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        configuration: str, run: str, rows: int, seeds: str) -> None:
    """A run OLD accepted whose predictions NEW edited (its folder still there, rejected by
    validation) moves or takes away its rows: said as rejected, with validate's reason, and
    the gate fails; never a run removed, nor a move explained by a change of runs."""
    import pandas as pd

    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(RESULTS / configuration, old / configuration)
    shutil.copytree(RESULTS / configuration, new / configuration)
    predictions = new / run / "predictions.csv"
    edited = pd.read_csv(predictions)
    edited["y_pred"] = edited["y_true"]
    edited.to_csv(predictions, index=False)
    code, out, err = cli("leaderboard", "diff", old, new)
    assert code == 1, out
    lines = out.splitlines()
    changed = [line for line in lines if line[:1] in ("+", "-", "~", "!")]
    assert len(changed) == rows and all(line.startswith("! composite-3class-loso: ") and
                                        f"(rejected; {run} is rejected in NEW (predictions.csv "
                                        "column 'y_pred' is not what policy 'fixed' selects"
                                        in line and f"accepted in OLD: seeds {seeds})" in line
                                        for line in changed), out
    assert "removed" not in "".join(changed)
    assert lines[-1] == f"0 rows added, 0 removed, 0 moved (0 without a new run), {rows} " \
        "changed by a rejected run", out
    (error,) = [line for line in err.splitlines() if line.startswith("merbench: error:")]
    assert re.match(r"merbench: error: (1 result accepted in OLD is|[2-9] results accepted in "
                    r"OLD are) rejected in NEW \(", error) and f"{run}: predictions.csv" in error
    assert error.endswith("restore its files from OLD, or move the rejected run out of the "
                          "results folder (new numbers go in a new run folder)"), error
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "old"], ["commit", "-qm", "old results"]):
        subprocess.run([*git, *command], check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)  # OLD as a git revision's folder, read from a copy
    assert cli("leaderboard", "diff", "HEAD:old", "new")[:2] == (code, out)
    shutil.rmtree(new / run)  # the run truly gone (and its summary's list): removed, as before
    (new / configuration / "seeds.json").unlink(missing_ok=True)
    code, out, _ = cli("leaderboard", "diff", old, new)
    assert code == 0 and "(rejected;" not in out and " removed" in out, out


def test_a_rejected_run_beside_a_new_one_explains_nothing() -> None:
    """A row that gained a new run while one of its runs was rejected is not a move
    explained by its runs."""
    row = PublishedRow("b", "m v1, fixed", "ranked", 0.5, frozenset({"x", "y"}), (0, 1),
                       folders=frozenset({"m/seed-0", "m/seed-1"}))
    later = PublishedRow("b", "m v1, fixed", "ranked", 0.6, frozenset({"y", "z"}), (1, 2),
                         folders=frozenset({"m/seed-1", "m/seed-2"}))
    refused = {"m/seed-0": Rejected(Path("new/m/seed-0"), "predictions.csv edited")}
    (change,) = score_changes({("b", "k", "fixed"): row}, {("b", "k", "fixed"): later},
                              refused)
    assert change.change == "rejected" and change.reason() == (
        "m/seed-0 is rejected in NEW (predictions.csv edited), accepted in OLD; 1 new run(s): "
        "seeds [0, 1] -> [1, 2]")


def test_score_changes_keys_and_tolerance() -> None:
    row = PublishedRow("b", "m v1, fixed", "ranked", 0.5, frozenset({"x"}), (0,))
    same = PublishedRow("b", "m v1, fixed", "ranked", 0.5 + 1e-12, frozenset({"x"}), (0,))
    other = PublishedRow("b", "m v1, fixed", "ranked", 0.6, frozenset({"x", "y"}), (0, 1))
    assert score_changes({("b", "k", "fixed"): row}, {("b", "k", "fixed"): same}) == []
    (change,) = score_changes({("b", "k", "fixed"): row}, {("b", "k", "fixed"): other})
    assert change.change == "moved" and change.reason() == "1 new run(s): seeds [0] -> [0, 1]"


def test_a_git_revisions_folder(cli: Callable[..., CliResult], folders: tuple[Path, Path],
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = folders
    repo = tmp_path / "repo"
    shutil.copytree(old, repo / "results")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "old results"]):
        subprocess.run([*git, *command], check=True, capture_output=True)
    shutil.rmtree(repo / "results")
    shutil.copytree(new, repo / "results")
    monkeypatch.chdir(repo)
    code, out, err = cli("leaderboard", "diff", "HEAD:results", "results")
    assert code == 0 and "+ loso-smic: rcn v" in out, err
    code, out, err = cli("leaderboard", "diff", "nosuchrev:results", "results")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'nosuchrev' is no revision of this repository" in err and "fatal" not in err
    code, out, err = cli("leaderboard", "diff", "HEAD:nothere", "results")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no folder nothere at git revision HEAD" in err and "fatal" not in err
    code, out, err = cli("leaderboard", "diff", "--", "--output=x:results", "results")
    assert code == 2 and "is not a git revision" in err and not (repo / "x").exists()


@pytest.fixture
def every_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               examples: dict[str, Path]) -> tuple[Path, Path]:
    """OLD: RCN-A's three committed AU seeds, the committed LBP searches (nested and
    test-scored), a spotting run and a spot-then-recognise run of two seeds. NEW: the same,
    less AU seed 2, the nested search, the spotting run and the recognition's seed 1 (and so
    its summary over seeds, which lists it)."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(RESULTS / "rcn-composite-loso-au", old / "rcn-composite-loso-au")
    shutil.copytree(RESULTS / "tunings" / "lbp-apex-svm-composite", old / "lbp-tunings")
    shutil.copytree(examples["spotting run"], old / "spots")
    shutil.copytree(examples["spot-then-recognise summary over seeds"], old / "str-seeds")
    shutil.copytree(old, new)
    for gone in ("rcn-composite-loso-au/seed-2", "lbp-tunings/nested", "spots",
                 "str-seeds/seed-1"):
        shutil.rmtree(new / gone)
    (new / "str-seeds" / "str-seeds.json").unlink()
    return old, new


def test_every_kind_of_row_is_compared(cli: Callable[..., CliResult],
                                       every_kind: tuple[Path, Path]) -> None:
    """Issue 85: the AU page's, the tuning page's and the spotting page's rows, each told
    apart (a seed where each seed's run is a row), with why it changed."""
    old, new = every_kind
    code, out, err = cli("leaderboard", "diff", old, new)
    assert code == 0, err
    lines = out.splitlines()
    (au,) = [line for line in lines if line.startswith("~ au-composite-loso: rcn v1")]
    assert "fixed [ranked]: 0.1804 -> 0.1777 (moved; 1 run(s) removed: seeds [0, 1, 2] -> " \
           "[0, 1])" in au, out
    (tuning,) = [line for line in lines if line.startswith("- tune-composite-loso: ")]
    assert tuning.startswith("- tune-composite-loso: lbp-apex-svm (") and \
        ", seed 0; REDUCED setting (" in tuning and "), nested [reduced]: " in tuning and \
        "(removed; seeds [0])" in tuning, out
    spotting = [line for line in lines if line.startswith("- spot-synthetic-long: flow-peak")]
    plain = [line for line in spotting if "recognised by" not in line]
    assert len(plain) == 2 and all("(removed; 1 run(s))" in line for line in plain), out
    assert "training-subjects [ranked]" in plain[0] + plain[1]
    assert "oracle [test-set selection]" in plain[0] + plain[1]
    recognised = [line for line in spotting if "recognised by ststnet" in line]
    assert len(recognised) == 2 and all(", seed 1 [" in line and "(removed; seeds [1])"
                                        in line for line in recognised), out
    assert len(lines) == 7 and lines[-1] == "0 rows added, 5 removed, 1 moved " \
        "(0 without a new run)", out
    code, out, _ = cli("leaderboard", "diff", new, old)
    assert code == 0 and out.splitlines()[-1].startswith("5 rows added, 0 removed, 1 moved")
    assert "+ tune-composite-loso: lbp-apex-svm (" in out


def test_a_column_beside_the_first_moves_a_row() -> None:
    """A spot-then-recognise row whose spotting F1 stayed but whose STRS moved."""
    row = PublishedRow("spot-x", "flow-peak v1, training-subjects, seed 0", "ranked", 0.4,
                       frozenset({"a"}), (0,), (("micro F1", 0.2), ("micro STRS", 0.0)))
    moved = dataclasses.replace(row, runs=frozenset({"b"}),
                                more=(("micro F1", 0.2), ("micro STRS", 0.0667)))
    (change,) = score_changes({("spot-x", "r", "p"): row}, {("spot-x", "r", "p"): moved})
    assert change.change == "moved" and change.reason() == "1 new run(s), 1 run(s) removed: " \
        "seeds [0] -> [0]"
    assert change.columns_moved() == [("micro STRS", 0.0, 0.0667)]
    assert RowChange("moved", row, row).columns_moved() == []


def test_an_emotion_row_moves_when_any_of_its_columns_does(folders: tuple[Path, Path]) -> None:
    """An emotion benchmark's row is compared as every kind's is (issue 82): its UAR, or a
    database's UF1, moved with the same runs is a result edited in place, as its UF1 is."""
    from merbench.leaderboard.score_diff import published_rows

    old, _ = folders
    rows, _ = published_rows([old])
    key, row = next((key, row) for key, row in rows.items()
                    if key[0] == "composite-3class-loso" and row.section == "ranked"
                    and row.label.startswith("ststnet v1"))
    assert row.more[0][0] == "Full UAR" and len(row.more) == 7
    heading, score = row.more[0]
    assert score is not None
    edited = dataclasses.replace(row, more=((heading, score + 0.01), *row.more[1:]))
    assert [change.change for change in score_changes({key: row}, {key: edited})] == [
        "moved without a new run"]


def _committed(repo: Path, *steps: Callable[[], object]) -> None:
    """A git repository at ``repo``, one commit after each of ``steps`` (each changes
    its files)."""
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    repo.mkdir(parents=True, exist_ok=True)
    subprocess.run([*git, "init", "-q"], check=True, capture_output=True)
    for step in steps:
        step()
        for command in (["add", "-A"], ["commit", "-qm", "results"]):
            subprocess.run([*git, *command], check=True, capture_output=True)


def test_a_revisions_links_are_rejected_as_a_folders_are(
        cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A committed symbolic link in a revision's folder, to an absolute path, out of the
    folder or inside it, is said as the same link in a folder is (a tarfile traceback, for
    the first two), and every line names it as the revision's (REV:PATH/link), never as the
    temporary folder the revision was taken into, which is gone when the command ends."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    repo, empty = tmp_path / "repo", tmp_path / "empty"
    results = repo / "results"
    empty.mkdir()

    def links() -> None:
        (results / "outside").symlink_to(RESULTS / "rcn-composite-loso-smic")
        (results / "up").symlink_to(Path("..", "..", "..", ".."))
        (results / "rel").symlink_to("real")

    _committed(repo, lambda: shutil.copytree(RESULTS / "biwoof-release-svm-composite-loso",
                                             results / "real"), links)
    monkeypatch.chdir(repo)
    code, out, folder_err = cli("leaderboard", "diff", "results", empty)
    assert code == 0 and "- composite-3class-loso: biwoof-release-svm v" in out, folder_err
    code, out, err = cli("leaderboard", "diff", "HEAD:results", empty)
    assert code == 0 and "- composite-3class-loso: biwoof-release-svm v" in out, err
    assert "Traceback" not in err and "merbench-diff-" not in err, err
    said = sorted(line for line in err.splitlines() if line.startswith("merbench: rejected"))
    assert said == sorted(line.replace("(OLD): results/", "(OLD): HEAD:results/").replace(
        f"(to {results.resolve()}/real)", "(to HEAD:results/real)")
        for line in folder_err.splitlines() if line.startswith("merbench: rejected")), err
    assert len(said) == 3 and "rejected (OLD): HEAD:results/rel: is a symbolic link (to " \
        "HEAD:results/real); no result is read through a link" in err, err
    code, out, err = cli("leaderboard", "diff", "HEAD~1:results", "HEAD:results")
    up = (results / ".." / ".." / ".." / "..").resolve()  # as from its checkout
    assert code == 0 and "merbench-diff-" not in err, err
    assert f"(NEW): HEAD:results/up: is a symbolic link (to {up});" in err, err
    code, out, err = cli("leaderboard", "diff", "HEAD:results/outside", empty)
    assert code == 2 and err == "merbench: error: HEAD:results/outside is a symbolic link at " \
        "revision HEAD; give REV:PATH of a folder of results, such as " \
        "origin/main:leaderboards/results\n", err


def test_a_revisions_lfs_pointer_is_said_with_the_revisions_fix(
        cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``REV:PATH`` reads the files ``git archive`` gives, which are Git LFS pointers where
    git-lfs or the revision's files are not there: a ``git lfs pull`` of the checkout does
    not fetch them, so the fix said is the revision's."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    run = tmp_path / "results" / "run"

    def pointer() -> None:
        shutil.copytree(RESULTS / "rcn-composite-loso" / "seed-0", run)
        (run / "folds" / "fold-000.npz").write_bytes(
            b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0"
            b"ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")

    _committed(tmp_path, pointer)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, _, err = cli("leaderboard", "diff", "HEAD:results", "empty")
    assert code == 0 and "merbench: rejected (OLD): HEAD:results/run: fold file fold-000.npz " \
        "is a Git LFS pointer, not the file: git archive gave the revision's pointers" in err, err
    assert "git lfs fetch origin HEAD" in err and "git lfs pull" not in err, err


@pytest.mark.parametrize("name", ["../escape", "up/escape"])
def test_a_crafted_archive_makes_no_link_outside_the_copy(tmp_path: Path, name: str) -> None:
    """A link member whose name leads out of the copy (by '..', or through a link made just
    before it) is refused, as a file's is, and nothing is made outside the copy."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for member_name, target in [("up", ".."), (name, "anything")]:
            member = tarfile.TarInfo(member_name)
            member.type, member.linkname = tarfile.SYMTYPE, target
            tar.addfile(member)
    copy = tmp_path / "copy"
    copy.mkdir()
    with pytest.raises(MerbenchError, match="could not be taken out of git"):
        revision_folder._extract("HEAD:results", archive.getvalue(), copy)
    assert not os.path.lexists(tmp_path / "escape")
