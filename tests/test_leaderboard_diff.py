"""``merbench leaderboard diff OLD NEW`` (issue 83): every published row a change adds,
removes or moves, with why, from two folders or a git revision's folder; exit status 1 where
a score moved with the same runs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.leaderboard.score_diff import PublishedRow, score_changes

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
    assert code == 0 and out.strip() == "0 rows added, 0 removed, 0 moved (0 without a new run)"


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
            rows = {key: PublishedRow(row.benchmark, row.label, row.section,
                                      None if row.score is None else row.score + 0.01,
                                      row.runs, row.seeds) for key, row in rows.items()}
        return rows, rejected

    monkeypatch.setattr(command, "published_rows", shifted)
    code, out, err = cli("leaderboard", "diff", old, old)
    assert code == 1, out
    assert any(line.startswith("! composite-3class-loso: ststnet v1") and
               "the same runs (run identities) give another score" in line
               for line in out.splitlines()), out
    assert "published score(s) moved with the same runs" in err


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
