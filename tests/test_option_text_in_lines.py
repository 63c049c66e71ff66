"""An option's text value is a result file's text: a line that names it (a row of
``leaderboard diff``, a run of ``compare``) shows a newline, an ANSI sequence and a
right-to-left override in it as their escapes, the line one line. Printed raw, a newline
began a line of its own, which a reviewer of the CI gate read as merbench's (a forged
``+`` row, a forged summary)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

import pytest
from forgery import rewrite_run
from hidden_text import SMALL, benchmark, raw_hidden

import merbench
from merbench.cli import sweep_command
from merbench.cli.predict_command import trust
from merbench.kinds.contract import say_lines
from merbench.results.run_files import read_predictions
from merbench.spotting_kind import finish_text as spotting_finish_text
from merbench.tuning import finish_text as tuning_finish_text
from merbench.verification.validate import validate_run

CliResult = tuple[int, str, str]
FORGED = "0 rows added, 0 removed, 0 moved (0 without a new run)"
TAG = f"a\n{FORGED}\x1b[31m\u202e"  # the model option ``tag`` of the first run
SHOWN = f"tag=a\\n{FORGED}\\x1b[31m\\u202e"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A tiny genuine run whose model option ``tag`` holds TAG, and a copy of it whose tag
    is plain (another configuration, so the two are compared): (benchmarks, run, other)."""
    base = tmp_path_factory.mktemp("tagged")
    run = base / "results" / "tagged"
    merbench.run(model="ststnet", dataset="synthetic", out=run, epochs=1, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    other = Path(shutil.copytree(run, base / "other"))

    def tag(value: str) -> Callable[[dict[str, object]], None]:
        def edit(results: dict[str, object]) -> None:
            results["model"]["options"] = {"tag": value}  # type: ignore[index]
        return edit

    rewrite_run(run, tag(TAG))
    rewrite_run(other, tag("plain"))
    return benchmark(base / "benchmarks"), run, other


def test_leaderboard_diff_shows_an_option_value_on_its_row_as_escapes(
        tagged: tuple[Path, Path, Path], tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    benchmarks, run, _ = tagged
    (tmp_path / "empty").mkdir()
    code, out, err = cli("leaderboard", "diff", "--benchmarks", benchmarks, tmp_path / "empty",
                         run.parent)
    assert code == 0, err
    assert not raw_hidden(out), out
    lines = out.splitlines()
    assert len(lines) == 3, out  # two rows (fixed, oracle) and the summary
    assert all(line.startswith("+ synthetic-loso: ststnet v1 (") and SHOWN in line
               for line in lines[:2]), out
    assert lines[2] == "2 rows added, 0 removed, 0 moved (0 without a new run)", out


def test_compare_shows_an_option_value_on_its_lines_as_escapes(
        tagged: tuple[Path, Path, Path], cli: Callable[..., CliResult]) -> None:
    _, run, other = tagged
    code, out, err = cli("compare", run, other)
    assert code == 0, err
    assert not raw_hidden(out), out
    assert not any(line.startswith(FORGED) for line in out.splitlines()), out
    named = [line for line in out.splitlines() if SHOWN in line]
    assert [line.split(" (", 1)[0].split(":", 1)[0] for line in named] == [
        "run 1", "differences from run 1"], out
    code, out, err = cli("compare", "--json", run, other)  # JSON escapes its own
    assert code == 0, err
    assert json.loads(out)["runs"][0]["label"].startswith(f"ststnet · tag={TAG}, "), out


def test_the_sweep_summary_says_a_reduced_setting_on_one_line(
        tagged: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The summary's REDUCED line names the options a run departs in; a run the sweep found
    already finished is read back from its files."""
    _, run, _ = tagged
    found = SimpleNamespace(results=validate_run(run).results,
                            predictions=read_predictions(run))
    swept = SimpleNamespace(configurations=[SimpleNamespace(
        configuration=SimpleNamespace(name="tagged", seeds=[0]), runs={0: found},
        summary=None, trained=[])])
    sweep_command._print_summary(swept)
    out = capsys.readouterr().out
    assert not raw_hidden(out), out
    reduced = [line for line in out.splitlines() if "not comparable" in line]
    assert len(reduced) == 1 and SHOWN in reduced[0], out
    assert not any(line.startswith(FORGED) for line in out.splitlines()), out


def test_predict_says_its_runs_reduced_setting_on_one_line(
        tagged: tuple[Path, Path, Path]) -> None:
    """``predict --from-run`` says how far to trust the run it trained on, its REDUCED line
    naming the options the run departs in."""
    _, run, _ = tagged
    recogniser = SimpleNamespace(feature="flow-uvos", trained_feature="flow-uvos",
                                 run=str(run))
    lines = trust(validate_run(run).results, recogniser)  # type: ignore[arg-type]
    reduced = [line for line in lines if "REDUCED" in line]
    assert len(reduced) == 1 and "\n" not in reduced[0] and SHOWN in reduced[0], lines


def test_a_spotting_recognisers_reduced_line_is_one_line() -> None:
    """A spot-then-recognise run's recogniser record, read from its ``str.json``."""
    recogniser = {"model": "ststnet", "model_version": 1, "model_options": {"tag": TAG}}
    lines = spotting_finish_text._reduced_line(recogniser)
    assert len(lines) == 1 and "\n" not in lines[0] and SHOWN in lines[0], lines
    assert not raw_hidden(lines[0]), lines


def test_a_tunings_reduced_line_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """The reason comes from the trials' runs (``tuning_reduced``): as their option values
    are written there, it carries a newline of theirs."""
    monkeypatch.setattr(tuning_finish_text, "unpacked_runs", lambda folder: nullcontext(folder))
    monkeypatch.setattr(tuning_finish_text, "tuning_reduced", lambda results, runs: TAG)
    lines = tuning_finish_text.reduced_lines(None, tmp_path)  # type: ignore[arg-type]
    assert len(lines) == 1 and "\n" not in lines[0] and not raw_hidden(lines[0]), lines


def test_a_kinds_finished_lines_are_each_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The lines a tuning's or a spotting run's finished text is made of (its chosen
    ``name=value``, its spotter's options) each print as one line."""
    say_lines([f"  chosen: tag={TAG}", "  next"])
    out = capsys.readouterr().out
    assert out.splitlines() == [f"  chosen: {SHOWN}", "  next"], out
