"""Progress on the commands that read every result, and refusals before any is read
(issue 83): a line each tenth off a terminal, a bar on one, nothing before the first result is
read; ``leaderboard export`` refuses an id no benchmark or table can have at once."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.cli.result_progress import ResultProgress

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "leaderboards" / "results" / "biwoof-release-svm-composite-loso-smic"
CliResult = tuple[int, str, str]


def _folders(tmp_path: Path, n: int) -> list[Path]:
    found = []
    for i in range(n):
        (tmp_path / f"r{i}").mkdir()
        found.append(tmp_path / f"r{i}")
    return found


def test_without_a_terminal_a_line_each_tenth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    folders = _folders(tmp_path, 25)
    with ResultProgress(folders, terminal=False) as progress:
        assert capsys.readouterr() == ("", "")  # nothing before the first result is read
        for folder in folders:
            progress(folder / "results.json")  # a results file counts as its folder
            progress(folder)  # ...and a result read twice counts once
        progress(tmp_path / "elsewhere")  # a folder the walk did not count moves nothing
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 10, err
    # each line's percentage is the true share read, not the tenth crossed rounded down
    # (issue 85: "checked 1 of 4 results (20%)")
    assert [line.split()[2] + " " + line.split()[-1] for line in lines] == [
        "3 (12%)", "5 (20%)", "8 (32%)", "10 (40%)", "13 (52%)", "15 (60%)", "18 (72%)",
        "20 (80%)", "23 (92%)", "25 (100%)"]
    assert lines[-1] == "merbench: read 25 of 25 results (100%)"


def test_four_results_are_said_at_their_true_share(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``validate`` of four results said "1 of 4 (20%)" and "3 of 4 (70%)": the tenth it
    crossed, not the share read."""
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    folders = _folders(tmp_path, 4)
    with ResultProgress(folders, verb="checked", terminal=False) as progress:
        for folder in folders:
            progress(folder)
    assert capsys.readouterr().err.splitlines() == [
        f"merbench: checked {n} of 4 results ({share}%)"
        for n, share in ((1, 25), (2, 50), (3, 75), (4, 100))]


def test_a_quick_command_says_nothing_before_its_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folders = _folders(tmp_path, 4)
    with ResultProgress(folders, terminal=False) as progress:  # all read within QUIET_S
        for folder in folders:
            progress(folder)
    assert capsys.readouterr() == ("", "") and not progress.spoke


def test_on_a_terminal_a_bar_names_what_is_read(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folders = _folders(tmp_path, 3)
    screen = io.StringIO()
    monkeypatch.setattr("sys.stderr", screen)
    with ResultProgress(folders, terminal=True) as progress:
        assert screen.getvalue() == ""
        progress(folders[0])
        bar = progress._bar
        assert bar is not None
        task = bar.tasks[0]
        assert (task.completed, task.total) == (1, 3)
        assert task.description == f"read: {folders[0]}"
        progress(folders[1])
        assert bar.tasks[0].completed == 2
    assert not bar.live.is_started  # stopped, and (transient) gone from the screen


@pytest.fixture
def one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)  # say it at once
    results = tmp_path / "results"
    shutil.copytree(RUN, results / RUN.name)
    return results


@pytest.mark.parametrize("bench_id", ["au-composite-loos", "composite-3clas-loso",
                                      "tune-nosuchdata-loso", "spot-composite"])
def test_export_refuses_an_unknown_id_before_reading_a_result(
        cli: Callable[..., CliResult], one_run: Path, bench_id: str) -> None:
    code, out, err = cli("leaderboard", "export", bench_id, "--results", one_run)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "read " not in err, err  # one line, no result read
    assert f"no benchmark '{bench_id}'" in err and "leaderboard list" in err
    assert not (one_run.parent / "cache").exists()  # nothing validated, nothing recorded


def test_a_misspelt_benchmark_is_offered_the_right_one(
        cli: Callable[..., CliResult], one_run: Path) -> None:
    err = cli("leaderboard", "export", "composite-3clas-loso", "--results", one_run)[2]
    assert "did you mean 'composite-3class-loso'?" in err


@pytest.mark.parametrize(("typed", "meant"), [("au-composite-loos", "au-composite-loso"),
                                              ("tune-synthetic-lsoo", "tune-synthetic-loso"),
                                              ("spot-synthetic-lnog", "spot-synthetic-long")])
def test_a_misspelt_table_id_of_another_kind_is_offered_its_own(
        cli: Callable[..., CliResult], one_run: Path, typed: str, meant: str) -> None:
    """A misspelt AU, tuning or spotting table's id was offered a benchmark ("did you mean
    'composite-3class-loso'?" for au-composite-loos): the ids the installed datasets and
    protocols give those tables are offered too (issue 85)."""
    err = cli("leaderboard", "export", typed, "--results", one_run)[2]
    assert f"did you mean '{meant}'?" in err, err


def test_export_of_a_table_id_that_could_be_reads_its_kind_only(
        cli: Callable[..., CliResult], one_run: Path) -> None:
    """An AU table's id of an installed dataset and protocol is looked for among the
    results (none here): its header alone, after the AU results alone were read."""
    code, out, err = cli("leaderboard", "export", "au-composite-loso", "--results", one_run)
    assert code == 0 and out.count("\n") == 1, (out, err)
    assert err.endswith(f"merbench: warning: no run of benchmark 'au-composite-loso' under "
                        f"{one_run}: the csv table has its header only\n"), err


def test_an_export_says_it_read_its_tables_kind_only(
        cli: Callable[..., CliResult], one_run: Path) -> None:
    """An export reads the results of its table's kind: its lines stopped short of 100 %
    with nothing saying why (issue 85's second walk: 57 of 71, the other 11 AU runs and
    tunings); the last line says how many it left and why."""
    au = ROOT / "leaderboards" / "results" / "ststnet-composite-loso-au" / "seed-0"
    shutil.copytree(au, one_run / "au-run")
    code, out, err = cli("leaderboard", "export", "au-composite-loso", "--results", one_run)
    assert code == 0 and "AU" in out, err
    lines = [line for line in err.splitlines() if " of 2 results" in line]
    assert lines == ["merbench: read 1 of 2 results (50%)",
                     "merbench: read 1 of 2 results; the other 1 are of other kinds than "
                     "this table's, which it does not read"], err


def test_list_and_validate_count_the_results_they_read(
        cli: Callable[..., CliResult], one_run: Path) -> None:
    shutil.copytree(one_run / RUN.name, one_run / "second")
    code, out, err = cli("leaderboard", "list", "--results", one_run)
    assert code == 0 and "merbench: read 2 of 2 results (100%)" in err, err
    assert "read " not in out  # stdout keeps the answer alone
    code, out, err = cli("validate", one_run)
    assert "merbench: checked 2 of 2 results (100%)" in err, err
    assert re.search(r"^ok: .*second", out, re.M), out


def test_migrate_counts_its_files_and_refuses_a_bad_path_before_any(
        cli: Callable[..., CliResult], one_run: Path) -> None:
    code, out, err = cli("migrate", one_run, one_run / "nothing-here")
    assert code != 0 and out == "" and err.count("\n") == 1, err  # refused before reading
    assert "nothing-here does not exist" in err
    code, out, err = cli("migrate", one_run)
    files = len(list((one_run / RUN.name / "folds").iterdir())) + 2  # results.json, run.json
    assert code == 0 and f"merbench: migrated {files} of {files} files (100%)" in err, err
    assert f"0 file(s) rewritten in the current layout, {files} already in it" in out
