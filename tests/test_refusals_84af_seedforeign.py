"""A ``--seeds`` folder whose ``seed-N`` is a finished run of another kind or configuration
(pass 84af, AF8).

An action-unit seeds folder whose ``seed-1`` was an emotion run was said by validate, show
and status as a seed "whose run stopped before it finished", to be fixed by running the
same ``--seeds`` command again; that command then refused the whole folder "of another
configuration" and asked to delete it, seed 0 included. Every summary over seeds now says
the folder is a run of another kind, naming it, with the one fix (move it out, and the same
``--seeds`` command trains its seed), and the command names only that folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT, TINY_TUNING, CliResult, one_line

Cli = Callable[..., CliResult]

#: each summary over seeds (its example), the finished run of another kind put in place of
#: its seed 1 (an example), what that run is said to be, and the --seeds command in words
CASES = [
    ("summary over seeds", "action-unit run", "an action-unit run (ststnet on composite/loso)",
     "merbench run --seeds command (or merbench sweep PLAN.toml, for a sweep's folder)"),
    ("action-unit summary over seeds", "emotion run",
     "an emotion run (ststnet on synthetic/loso)", "merbench run --seeds command"),
    ("spot-then-recognise summary over seeds", "emotion run",
     "an emotion run (ststnet on synthetic/loso)", "merbench spot --seeds command"),
    ("tuning summary over seeds", "emotion run", "an emotion run (ststnet on synthetic/loso)",
     "merbench tune --seeds command"),
]
SUMMARY_FILES = {"summary over seeds": "seeds.json",
                 "action-unit summary over seeds": "au-seeds.json",
                 "spot-then-recognise summary over seeds": "str-seeds.json",
                 "tuning summary over seeds": "tune-seeds.json"}


def with_foreign_seed(examples: dict[str, Path], tmp_path: Path, summary: str,
                      foreign: str, seed: str = "seed-1") -> Path:
    """A copy of the ``summary`` example, in ``x``, with its ``seed`` folder the ``foreign``
    example (in place of the seed run there, or beside the summary's seeds)."""
    folder = tmp_path / "x"
    shutil.copytree(examples[summary], folder)
    shutil.rmtree(folder / seed, ignore_errors=True)
    shutil.copytree(examples[foreign], folder / seed)
    return folder


@pytest.mark.parametrize(("summary", "foreign", "what", "command"), CASES,
                         ids=[case[0] for case in CASES])
def test_a_seed_folder_of_another_kind_is_said_alike_by_every_command(
        cli: Cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        summary: str, foreign: str, what: str, command: str) -> None:
    with_foreign_seed(examples, tmp_path, summary, foreign)
    monkeypatch.chdir(tmp_path)
    said = (f"x: seed 1's run folder seed-1 is {what}, not a seed run of "
            f"{SUMMARY_FILES[summary]}; move seed-1 out of x and run the same {command}, "
            "which trains seed 1")
    for verb in ("validate", "show", "status"):
        code, out, err = cli(verb, "x")
        assert said in out + err, (verb, out + err)
        assert "stopped" not in out + err and "delete" not in out + err
        if verb != "status":
            assert code != 0


@pytest.mark.parametrize(("foreign", "said"), [
    ("action-unit run", "an action-unit run (ststnet on composite/loso) of another "
                        "configuration than this command's ("),
    ("tuning", "a tuning, of another kind than this command's seeds")])
def test_the_seeds_command_names_only_the_foreign_seed_and_the_fix_ends_in_ok(
        cli: Cli, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, foreign: str, said: str) -> None:
    with_foreign_seed(examples, tmp_path, "summary over seeds", foreign)
    monkeypatch.chdir(tmp_path)
    again = ("run", *TINY_RUN, "--threads", "1", "--seeds", "0,1", "--out", "x")
    code, _, err = cli(*again)
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"merbench: error: --out x holds seed-1, {said}"), line
    assert line.endswith("; move seed-1 out of x and run the same command, which trains "
                         "seed 1")
    assert "seed-0" not in line and "delete" not in line
    shutil.move("x/seed-1", "moved")
    code, _, err = cli(*again)
    assert code == 0, err
    code, out, err = cli("validate", "x")
    assert code == 0, out + err


def test_tune_and_spot_seeds_name_only_the_foreign_seed_and_the_fix_ends_in_ok(
        cli: Cli, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY_TUNING)
    commands = {"tuning summary over seeds": ("tune", "tiny.toml", "--score", "test",
                                              "--threads", "1", "--quiet"),
                "spot-then-recognise summary over seeds": (
                    "spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1")}
    for summary, command in commands.items():
        folder = with_foreign_seed(examples, tmp_path, summary, "emotion run")
        code, _, err = cli(*command, "--seeds", "0,1", "--out", "x")
        assert code == 2
        assert one_line(err) == (
            "merbench: error: --out x holds seed-1, an emotion run (ststnet on "
            "synthetic/loso), of another kind than this command's seeds; move seed-1 out of x "
            "and run the same command, which trains seed 1"), summary
        shutil.move(folder / "seed-1", tmp_path / "moved")
        code, _, err = cli(*command, "--seeds", "0,1", "--out", "x")
        assert code == 0, (summary, err)
        code, out, err = cli("validate", "x")
        assert code == 0, (summary, out + err)
        shutil.rmtree(folder)
        shutil.rmtree(tmp_path / "moved")


@pytest.mark.parametrize("summary", list(SUMMARY_FILES))
def test_a_summary_under_another_summarys_name_is_said_alike_by_every_command(
        cli: Cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        summary: str) -> None:
    """A summary over seeds renamed as another kind's summary: validate and show named its
    right name, while status said a summary "not a merbench seeds summary" and, beside it,
    none written, to be written again by the --seeds command (which left the misnamed file
    in the way)."""
    right = SUMMARY_FILES[summary]
    wrong = "au-seeds.json" if right == "seeds.json" else "seeds.json"
    shutil.copytree(examples[summary], tmp_path / "x")
    (tmp_path / "x" / right).rename(tmp_path / "x" / wrong)
    monkeypatch.chdir(tmp_path)
    for verb in ("validate", "show", "status"):
        code, out, err = cli(verb, "x")
        assert f"{wrong} is the result file of " in out + err, (verb, out + err)
        assert f"rename it {right}" in out + err, (verb, out + err)
        assert "no " + right not in out + err and "again" not in out + err, (verb, out + err)
    (tmp_path / "x" / wrong).rename(tmp_path / "x" / right)  # the fix followed
    code, out, err = cli("validate", "x")
    assert code == 0, out + err
