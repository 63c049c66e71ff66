"""A researcher's first hour on the command line: finding the benchmarks (``leaderboard
list``, ``--results`` left out in a checkout), mistyped and misplaced options told what was
meant, a data-location paragraph said once, and a status that counts the last seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.runner.status_line import time_to_go

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "leaderboards" / "results"


def _one_line_error(code: int, err: str, *expected: str) -> None:
    assert code == 2, err
    assert err.startswith("merbench: error: ") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, err


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder laid out as merbench's checkout: ``leaderboards/results`` holding
    one run of the composite LOSO benchmark and the three seeds of its LODO one."""
    results = tmp_path / "leaderboards" / "results"
    for name in ("biwoof-release-svm-composite-loso", "ststnet-composite-lodo"):
        shutil.copytree(RESULTS / name, results / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_leaderboard_list_gives_ids_titles_and_runs_most_important_first(checkout, cli) -> None:
    code, out, err = cli("leaderboard", "list")  # --results: leaderboards/results
    assert code == 0, err
    lines = out.splitlines()
    rows = [line.split() for line in lines[:-1:2]]
    titles = [line.strip() for line in lines[1:-1:2]]
    benchmarks = {b.id: b for b in load_benchmarks()}
    assert sorted(row[0] for row in rows) == sorted(benchmarks)
    assert titles == [benchmarks[row[0]].title for row in rows]
    # the composite under LOSO leads, then the other benchmark with runs, then the empty
    assert rows[0] == ["composite-3class-loso", "composite", "/", "loso", "1", "run"]
    assert rows[1] == ["composite-3class-lodo", "composite", "/", "lodo", "3", "runs"]
    assert all(row[-2:] == ["0", "runs"] for row in rows[2:])
    assert "leaderboards/results" in lines[-1] and "leaderboard export ID" in lines[-1]
    assert max(len(line) for line in lines[:-1]) <= 80


def test_results_default_to_the_checkouts_folder(checkout, cli) -> None:
    code, out, err = cli("leaderboard", "export", "composite-3class-lodo", "--format",
                         "markdown")
    assert code == 0, err
    assert "ststnet" in out
    code, out, err = cli("leaderboard", "list", "--results", RESULTS / "ststnet-composite-lodo")
    assert code == 0, err
    assert out.splitlines()[0].split()[0] == "composite-3class-lodo"  # the only one with runs


def test_without_results_and_without_the_folder_one_line_says_what_to_give(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["build", "--out", "site"], ["export", "composite-3class-loso"]):
        code, _, err = cli("leaderboard", *args)
        _one_line_error(code, err, "no --results given", "leaderboards/results/",
                        "give --results DIR")
    assert not (tmp_path / "site").exists()
    code, out, err = cli("leaderboard", "list")  # the benchmarks, without counting runs
    assert code == 0, err
    assert out.splitlines()[0].split() == ["composite-3class-loso", "composite", "/", "loso"]
    assert "give --results DIR to count" in out.splitlines()[-1]


def test_the_results_default_is_in_the_help(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for command in ("build", "export", "list"):
        code, out, _ = cli("leaderboard", command, "--help")
        assert code == 0
        assert "(default: leaderboards/results, where the current folder has one)" in \
            " ".join(out.split())


@pytest.mark.parametrize(("args", "expected"), [
    # the option, though a value follows that argparse took for KIND
    (["list", "--plugn", "x"], ["unknown option --plugn (did you mean --plugin or --no-plugin?)",
                                "see 'merbench list --help'"]),
    (["run", "--epoch", "3"], ["unknown option --epoch (did you mean --epochs?); options are "
                               "never abbreviated"]),
    (["lst"], ["merbench has no command 'lst' (did you mean 'list'?); its commands are run"]),
    (["list", "modls"], ["merbench list has no KIND 'modls' (did you mean 'models'?)"]),
    (["leaderboard", "biuld"], ["has no command 'biuld' (did you mean 'build'?)"]),
    (["cache", "info", "--feature", "x"],
     ["unknown option --feature: it is an option of 'merbench cache clear'"]),
    (["validate", "--strict", "x"],
     ["unknown option --strict: it is an option of 'merbench leaderboard build', not of "
      "'merbench validate'"]),
    (["sweep", "plan.toml", "--epochs", "3"],
     ["unknown option --epochs: what runs is set in the plan, not on the command line "
      "(epochs = ... under [[runs]] or [defaults])"]),
    (["sweep", "plan.toml", "--seed", "3"], ["(seeds = ... under [[runs]]"]),
    # an option before the command: what to type instead
    (["--no-plugin", "X", "list"],
     ["--no-plugin is given before the command 'list'; options go after it: merbench list "
      "--no-plugin X (see 'merbench list --help')"]),
    (["-p", "X", "list", "models"], ["options go after it: merbench list -p X models"]),
    (["--epochs", "3", "run", "-m", "ststnet"], ["merbench run --epochs 3 -m ststnet"]),
    (["leaderboard", "--results", "x", "build"],
     ["options go after it: merbench leaderboard build --results x"]),
    (["--no-plugin", "X"], ["--no-plugin is given before any command; options go after the "
                            "command: merbench COMMAND --no-plugin X (the commands: run,"]),
    # a misspelt option of merbench itself is not a misplaced one
    (["--vers"], ["--vers is not an option; did you mean --version? (see 'merbench --help')"]),
])
def test_a_mistyped_or_misplaced_option_says_what_was_meant(cli, args: list[str],
                                                           expected: list[str]) -> None:
    code, _, err = cli(*args)
    _one_line_error(code, err, *expected)


@pytest.mark.parametrize(("seconds", "said"), [
    (0, "no fold left to train"),
    (24, "under a minute to go at that pace"),
    (59.4, "under a minute to go at that pace"),
    (60, "about 1 min to go at that pace"),
    (89, "about 1 min to go at that pace"),
    (2950, "about 49 min to go at that pace"),
    (3700, "about 1 h 02 min to go at that pace"),
])
def test_time_to_go_is_never_about_zero_minutes(seconds: float, said: str) -> None:
    assert time_to_go(seconds) == said


def test_the_data_paragraph_is_said_once_a_process(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, cli) -> None:
    """The composite's how-to-get paragraph (three owners' pages and the release, some 700
    characters) once; every later data-location error points to where it is documented."""
    from merbench_datasets import composite, samm

    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    code, _, err = cli("run", "-m", "ststnet", "-d", "composite", "--quiet")
    _one_line_error(code, err, "no --data-root was given", composite.HOW_TO_GET)
    for data_root in (None, str(tmp_path / "nowhere")):
        with pytest.raises(MerbenchError) as caught:
            composite.find_root(data_root)
        message = str(caught.value)
        assert composite.HOW_TO_GET not in message and "casme.psych.ac.cn" not in message
        assert message.endswith(composite.POINTER)
        assert "docs/user-guide.md#running-a-benchmark" in message
    # another database's paragraph is news: said in full, then pointed to
    for told in (samm.HOW_TO_GET, "docs/raw-databases.md"):
        with pytest.raises(MerbenchError, match="no SAMM frame tree") as caught:
            samm.annotation_table(str(tmp_path))
        assert told in str(caught.value)
    assert len(composite.POINTER) < len(composite.HOW_TO_GET) / 3
