"""Leftovers of pass 84af taken by the helper ``agree``: a finished result's fold file (or a
spotting run's video file) gone is said in the same words, with the same fix, by ``status``,
``validate`` and ``show``, and the fix, followed, ends in ``validate`` ok (item 1).

Status called such a run "stopped ... run the same command to go on" (a spotting run's:
"publish the folder as merbench spot wrote it ...; run the same merbench spot command into a
new --out"); validate and show said "the predictions do not cover the protocol's N folds ...
publish the complete run directory" (an AU run's "fold file 3 of 52 is missing"): one
damage, two causes and two fixes.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import TINY_SPOT, one_test_subject

GONE = "the run's files were changed or removed after it finished"
RESUME = "run the same command (or 'merbench run --resume DIR')"


def _all_three_say(cli: Any, folder: str, line: str) -> None:
    """``line``, whole, in status's line of ``folder`` and in validate's and show's
    refusals of it, and the fix said once."""
    _, out, _ = cli("status", folder)
    assert f"{folder}: " in out and f"written, but {line}\n" in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and f"rejected: {folder}: {line}\n" in err, err
    code, _, err = cli("show", folder)
    assert code == 2 and f"{folder}: {line} ('merbench validate' refuses it too" in err, err
    for said in (out, err):
        assert "to go on" not in said and "publish" not in said, said


@pytest.mark.parametrize("audited", [False, True])
def test_a_finished_runs_missing_fold_file_is_said_alike_and_its_fix_works(
        cli: Any, tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        audited: bool) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "r")
    if audited:
        assert cli("audit", "r", "--folds", "1")[0] == 0
    Path("r/folds/fold-001.npz").unlink()
    fix = f"{RESUME} to train that fold again"
    if audited:
        fix = ("restore it from a copy of the run, which keeps its audits, or move audit.json "
               f"out of the folder, then {fix}, then audit the run again")
    _all_three_say(cli, "r", f"folds/fold-001.npz is missing; {GONE}; {fix}")
    if audited:
        shutil.move("r/audit.json", "audit.json")
    code, _, err = cli("run", "--resume", "r", "--threads", "1")
    assert code == 0, err
    assert cli("validate", "r")[0] == 0
    assert ": complete, 2/2 folds" in cli("status", "r")[1]


def test_every_missing_fold_file_is_counted_in_one_line(
        cli: Any, tiny_finished_run: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "r")
    for path in Path("r/folds").glob("fold-*.npz"):
        path.unlink()
    _all_three_say(cli, "r", "folds/fold-000.npz and folds/fold-001.npz are missing; "
                             f"{GONE}; {RESUME} to train those folds again")


def test_an_action_unit_runs_missing_fold_file_is_said_alike(
        cli: Any, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """validate said "au-results.json: fold file 3 of 52 is missing", no fix; the committed
    run is audited, so its fix moves the audits out (its data is not here to follow it)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples["action-unit run"], "r")
    Path("r/folds/fold-003.npz").unlink()
    _all_three_say(cli, "r", (
        f"folds/fold-003.npz is missing; {GONE}; restore it from a copy of the run, which "
        f"keeps its audits, or move audit.json out of the folder, then {RESUME} to train "
        "that fold again, then audit the run again"))


def test_a_spotting_runs_missing_video_file_is_said_alike_and_its_fix_works(
        cli: Any, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Status said to spot into a new --out, validate to publish the folder as spot wrote
    it; the same command into the same folder spots that video again."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples["spotting run"], "r")
    Path("r/videos/0001.json").unlink()
    _all_three_say(cli, "r", f"videos/0001.json is missing; {GONE}; run the same merbench "
                             "spot command to spot that video again")
    code, _, err = cli("spot", *TINY_SPOT, "--out", "r")
    assert code == 0, err
    assert cli("validate", "r")[0] == 0


def test_a_spot_then_recognise_runs_missing_video_file_is_said_alike(
        cli: Any, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples["spot-then-recognise summary over seeds"] / "seed-0", "r")
    Path("r/videos/0000.json").unlink()
    _all_three_say(cli, "r", f"videos/0000.json is missing; {GONE}; run the same merbench "
                             "spot command to spot that video again")


def test_a_tunings_missing_runs_are_said_alike(
        cli: Any, examples: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A tuning's runs are packed once it is written: they cannot be trained again into
    it, so the one fix all three say is restoring the archive or tuning anew."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples["tuning"], "r")
    Path("r/runs.tar.xz").unlink()
    line = ("tune.json is written but runs.tar.xz, the runs it was made from, is missing: "
            "the tuning cannot be checked; restore it, or run the same merbench tune command "
            "into a new folder")
    _, out, _ = cli("status", "r")
    assert f"r: {line}" in out, out
    assert f"rejected: r: {line}\n" in cli("validate", "r")[2]
    assert f"r: {line}" in cli("show", "r")[2]


#: ``merbench ARGS`` in a child that sends itself SIGTERM as the run's summary begins: every
#: fold file written, the summary not
_STOPPED_BEFORE_SUMMARY = """
import os, signal, sys, time
import merbench.runner.emotion_run as emotion_run
def stop(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(60)
    raise SystemExit("the stop was not heard")
emotion_run.EmotionRun.summarise = stop
from merbench.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_fold_trained_again_and_stopped_before_the_summary_is_kept_by_its_fix(
        cli: Any, tiny_finished_run: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 2: the same command, gone on with over a run whose fold file was deleted and
    stopped (SIGTERM) after that fold's file was written but before the summary, left a
    fold status and validate said to "restore ... or delete it and ... train that fold
    again" (validate first that its time was not the record's), which threw away the fold
    the same command keeps: they say to run it again, and that ends in validate ok."""
    import subprocess
    import sys

    from interrupt import stop_signals_as_default

    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "r")
    Path("r/folds/fold-001.npz").unlink()
    done = subprocess.run([sys.executable, "-c", _STOPPED_BEFORE_SUMMARY, "run", "--resume",
                           "r", "--threads", "1", "--quiet"], capture_output=True, text=True,
                          preexec_fn=stop_signals_as_default, timeout=300)
    assert done.returncode == 143, done.stderr
    assert Path("r/folds/fold-001.npz").is_file(), done.stderr
    kept = Path("r/folds/fold-001.npz").read_bytes()
    line = ("folds/fold-001.npz was trained again after results.json was written, by the "
            f"same command gone on with and stopped before its summary; {RESUME} again to "
            "summarise the run with it")
    _, out, _ = cli("status", "r")
    assert f"r: ststnet on synthetic/loso, seed 0: 2/2 folds, written, but {line} (" in out, out
    code, _, err = cli("validate", "r")
    assert code == 2 and f"rejected: r: {line}\n" in err, err
    code, _, err = cli("show", "r")
    assert code == 2 and f"r: {line} ('merbench validate' refuses it too" in err, err
    code, _, err = cli("run", "--resume", "r", "--threads", "1")
    assert code == 0, err
    assert cli("validate", "r")[0] == 0
    assert Path("r/folds/fold-001.npz").read_bytes() == kept  # the fold kept, not retrained


@pytest.mark.parametrize(("one", "said"), [
    (True, "Spotting: synthetic-long, 1 long video of 1 subject, each"),
    (False, "Spotting: synthetic-long, 2 long videos of 2 subjects, each"),
])
def test_the_spotting_exports_title_counts_in_the_right_number(one: bool, said: str) -> None:
    """Item 4: the title said "1 long videos of 1 subjects"; the export modules' counts
    (an AU table's AUs, a search's trials and inner folds) read through one helper."""
    from merbench.au_kind.export import AUBenchmark
    from merbench.spotting_kind.export import SpottingTable

    n = 1 if one else 2
    data = SimpleNamespace(name="synthetic-long", n_videos=n, n_subjects=n)
    run = SimpleNamespace(results=SimpleNamespace(dataset=data))
    assert SpottingTable(id="spot", runs_shown=(run,)).title.startswith(said)  # type: ignore[arg-type]
    au = AUBenchmark(id="au", dataset="d", protocol="loso", au_set=(1,) * n, rows=())
    assert au.title.endswith(f", {n} AU{'' if one else 's'}")


def test_a_searchs_export_line_counts_in_the_right_number(
        examples: dict[str, Path]) -> None:
    from merbench.tuning.export import _line
    from merbench.tuning.record import read_tune

    results = read_tune(examples["tuning"] / "tune.json")
    for trials, said in ((1, ", 1 trial, "), (2, ", 2 trials, ")):
        tuning = SimpleNamespace(results=replace(results, trials=trials), reduced=None)
        assert said in _line(tuning).setting  # type: ignore[arg-type]


def test_show_asks_a_tunings_status_whether_it_is_finished_not_how_its_line_ends(
        examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 5: ``check_shown`` tested whether status's line ended with the words said of a
    finished tuning; status now says it as a field, which show reads."""
    from merbench.base.errors import MerbenchError
    from merbench.kinds import result_kinds
    from merbench.tuning.status import tuning_status

    monkeypatch.chdir(tmp_path)
    tuning = next(kind for kind in result_kinds() if kind.name == "tuning")
    shutil.copytree(examples["tuning"], "t")
    said = tuning_status(Path("t"))
    assert said.finished and said.line.startswith("t: tuning of ststnet"), said
    tuning.check_shown(Path("t"))
    Path("t/runs.tar.xz").unlink()
    said = tuning_status(Path("t"))
    assert not said.finished, said
    with pytest.raises(MerbenchError) as refused:
        tuning.check_shown(Path("t"))
    assert str(refused.value) == said.line
    shutil.copytree(examples["tuning"], "u")
    Path("u/tune.json").unlink()
    assert not tuning_status(Path("u")).finished


LONE = "one test subject"


def test_an_action_unit_row_of_one_test_subject_says_it_has_no_interval(
        examples: dict[str, Path], tmp_path: Path) -> None:
    """Item 3: an AU page and export showed the point recorded for one test subject as an
    interval of the mean F1 (an emotion or spotting result says "no interval (one test
    subject)"); the row says why it has none, the export's note and the page's cell too."""

    from merbench.au.record import read_au_results
    from merbench.au_kind.export import _line
    from merbench.au_kind.view import AURun, _row
    from merbench.leaderboard.export import _note
    from merbench.verification.declared_defaults import DeclaredDefaults

    run = Path(shutil.copytree(examples["action-unit run"], tmp_path / "r"))
    one_test_subject(run / "au-predictions.csv")
    found = _row([AURun(run, read_au_results(run / "au-results.json"))], DeclaredDefaults())
    assert found.lone == LONE and found.span is None
    line = _line(found)
    assert line.scores[0][2] is None and line.no_interval == (LONE,)
    bench = SimpleNamespace(score_headers=lambda: ["mean F1", "AU1 F1"])
    assert _note(bench, replace(line, scores=line.scores[:2])) == (  # type: ignore[arg-type]
        f"no interval ({LONE}): mean F1; an interval over subjects needs two or more")
    whole = _row([AURun(examples["action-unit run"], read_au_results(
        examples["action-unit run"] / "au-results.json"))], DeclaredDefaults())
    assert whole.lone == "" and whole.span is not None


def test_a_tuning_of_one_test_subject_says_it_has_no_interval(
        examples: dict[str, Path]) -> None:
    """Item 3: a tuning's show, export and page printed the point recorded for one test
    subject as an interval ("UF1 0.1333 [0.13, 0.13]")."""
    from merbench.tuning.export import _line
    from merbench.tuning.finish_text import report
    from merbench.tuning.record import lone_interval, read_tune

    results = read_tune(examples["tuning"] / "tune.json")
    assert lone_interval(results) == ""
    one = replace(results, outer=[replace(fold, test_subjects=["syn1/s02"])
                                  for fold in results.outer])
    assert lone_interval(one) == LONE
    said = report(one)
    assert f"  no interval ({LONE}): overall; an interval over subjects needs two or more" \
        in said, said
    assert not any("UF1" in text and "[" in text for text in said), said
    line = _line(SimpleNamespace(results=one, reduced=None))  # type: ignore[arg-type]
    assert all(interval is None for _, _, interval in line.scores)
    assert line.no_interval == (LONE, LONE)
    assert _line(SimpleNamespace(results=results, reduced=None)).no_interval == ("", "")  # type: ignore[arg-type]


def test_the_au_and_tuning_pages_cells_say_why_they_have_no_interval() -> None:
    """Item 3: the cells the AU and tuning pages show a score in say "no interval: one test
    subject" where the row has none (its ``lone``), as the spotting page's do."""
    import jinja2

    from merbench.leaderboard.page_environment import page_environment

    env = page_environment().overlay(undefined=jinja2.ChainableUndefined)
    au = env.get_template("au.html").module
    cell = SimpleNamespace(mean=0.5, std=None, best=False)
    said = f'<span class="note no-interval">no interval: {LONE}</span>'
    assert said in str(au.au_cell(cell, "mean-f1", None, None, lone=LONE))  # type: ignore[attr-defined]
    tuning = env.get_template("tuning.html").module
    assert said in str(tuning.scored(0.5, [0.5, 0.5], LONE))  # type: ignore[attr-defined]
    assert "[0.40, 0.60]" in str(tuning.scored(0.5, [0.4, 0.6]))  # type: ignore[attr-defined]
