"""Spotting results' leftovers of pass 84ad (issue 84, trust and robustness): a one-subject
run's interval said in words (show, spot, leaderboard export), an older run's ``spot-run.json``
without its number of videos, and the per-video file names given one home."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli
from one_subject import one_subject_benchmark

import merbench
from merbench.spotting.record import video_name
from merbench.spotting.video_files import video_names

ROOT = Path(merbench.__file__).parent
Cli = Callable[..., tuple[int, str, str]]
#: a spotting run of one subject (a tuned option needs two, so one setting is given)
ONE_SUBJECT = ["--spotter", "flow-peak", "--dataset", "synthetic-long", "--dataset-opt",
               "subjects=1", "--dataset-opt", "videos_per_subject=1", "--tune", "p=0.1"]
LONE = ("no interval (one test subject): micro, macro, all; an interval over subjects needs "
        "two or more")


@pytest.fixture(scope="module")
def one_subject(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A finished spotting run of one subject's one video, and what spot printed."""
    out = tmp_path_factory.mktemp("lone") / "results" / "spots"
    code, said, err = run_cli("spot", *ONE_SUBJECT, "--out", out)
    assert code == 0, err
    return out, said


def test_a_spotting_run_of_one_subject_says_it_has_no_interval(
        one_subject: tuple[Path, str], cli: Cli) -> None:
    """A one-subject run's interval was printed as a point ("F1 0.4000 [0.40, 0.40]",
    under "95% interval ... bootstrap over subjects") by spot and show: there is no spread
    to draw from one subject, said as an emotion run's scope of one subject is."""
    folder, said = one_subject
    code, shown, err = cli("show", folder)
    assert code == 0, err
    for text in (said, shown):
        assert LONE in text and "95% interval" not in text, text
        assert not re.search(r"F1 \d\.\d{4} \[", text), text
        assert "the oracle row is TEST-SET SELECTION, shown for comparison only" in text


def test_a_video_files_name_is_spelt_in_one_place() -> None:
    """The per-video file name (``0007.json``) was built in the spot command, the written
    check, the agreement check, the audit's file list and the stray-file check apiece: it
    has one home, beside ``videos/``, which every one of them asks."""
    assert video_name(7) == "0007.json" and video_names(2) == {"0000.json", "0001.json"}
    home = ROOT / "spotting" / "record.py"
    spelt = [str(path.relative_to(ROOT)) for path in sorted(ROOT.rglob("*.py"))
             if path != home and re.search(r":04d\}\.json", path.read_text())]
    assert spelt == []


def test_the_spotting_page_says_a_one_subject_run_has_no_interval(
        one_subject: tuple[Path, str], tmp_path: Path, cli: Cli) -> None:
    """The spotting page showed the run's recorded point as its interval, as show did."""
    code, _, err = cli("leaderboard", "build", "--results", one_subject[0].parent, "--out",
                       tmp_path / "site")
    assert code == 0, err
    page = (tmp_path / "site" / "spotting.html").read_text()
    assert page.count("no interval: one test subject") == 3 and "[0.40, 0.40]" not in page


def test_an_exported_scope_of_one_subject_says_why_it_has_no_interval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A benchmark testing one subject was exported with its interval cells blank, and
    nothing said why; each format now says it, in the leaderboard pages' words."""
    from merbench.cli import main
    results, defs = one_subject_benchmark(tmp_path, {"one-a": 5e-5})
    said = {}
    for fmt in ("csv", "markdown", "latex"):
        assert main(["leaderboard", "export", "one-subject", "--results",
                     str(results), "--benchmarks", str(defs),
                     "--format", fmt]) == 0
        said[fmt] = capsys.readouterr().out
    ranked = next(csv.DictReader(io.StringIO(said["csv"])))
    assert ranked["selection"] == "fixed" and ranked["All UF1 low"] == "", said["csv"]
    assert ranked["note"] == ("no interval (one test subject): All UF1, All UAR; an interval "
                              "over subjects needs two or more")
    for fmt in ("markdown", "latex"):
        assert said[fmt].count("[no interval: one test subject]") == 2, said[fmt]


def test_an_exported_spotting_run_of_one_subject_says_why_it_has_no_interval(
        one_subject: tuple[Path, str], cli: Cli) -> None:
    """A spotting run of one subject was exported with its point as an interval
    ("0.4000 [0.40, 0.40]"): its cells say there is none, and why."""
    results = one_subject[0].parent
    code, out, err = cli("leaderboard", "export", "spot-synthetic-long", "--results", results,
                         "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["all F1 low"] for row in rows] == ["", ""], out
    assert {row["note"] for row in rows} == {
        "no interval (one test subject): all F1, micro F1, macro F1; an interval over "
        "subjects needs two or more"}
    code, out, err = cli("leaderboard", "export", "spot-synthetic-long", "--results", results,
                         "--format", "markdown")
    assert code == 0 and out.count("[no interval: one test subject]") == 6, out
    assert "[0.40, 0.40]" not in out


TWO = ["--spotter", "flow-peak", "--dataset", "synthetic-long", "--dataset-opt", "subjects=2",
       "--dataset-opt", "videos_per_subject=1", "--quiet"]


def _older(folder: Path, finished: bool) -> Path:
    """``folder``'s spotting run in the layout of a run begun before ``spot-run.json``
    recorded its number of videos (``n_videos``), made by hand; unfinished unless asked."""
    started = json.loads((folder / "spot-run.json").read_text())
    del started["n_videos"]
    (folder / "spot-run.json").write_text(json.dumps(started))
    if not finished:
        (folder / "spotting.json").unlink()
    return folder


def test_an_older_unfinished_spotting_run_says_a_stray_file_cannot_be_told_and_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    """AB11's leftover: a run begun before its record counted its videos had a file beyond
    them counted as a video spotted, with "run the same merbench spot command to go on", in
    status and validate alike. Its number is the dataset's, which the folder does not hold,
    so it is said in one line that such a file cannot be told here, and the spot command
    named, which checks it first and records the number."""
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("spot", *TWO, "--out", "run")
    assert code == 0, err
    folder = _older(Path("run"), finished=False)
    (folder / "videos" / "0001.json").rename(folder / "videos" / "0009.json")
    older = ("(begun before merbench recorded a run's number of videos, so a file in videos/ "
             "beyond them cannot be told apart here; that command checks for one before it "
             "spots, and records the number)")
    code, out, _ = cli("status", "run")
    assert code == 0 and older in out and out.count("\n") == 1, out
    code, _, err = cli("validate", "run")
    assert code == 2 and older in err, err
    code, _, err = cli("spot", *TWO, "--out", "run")
    assert code == 2 and "videos/0009.json is no video of the run's 2 (0000-0001)" in err, err
    assert "n_videos" not in (folder / "spot-run.json").read_text()
    (folder / "videos" / "0009.json").unlink()
    code, _, err = cli("spot", *TWO, "--out", "run")
    assert code == 0, err
    assert json.loads((folder / "spot-run.json").read_text())["n_videos"] == 2
    code, out, err = cli("validate", "run")
    assert code == 0 and out.startswith("ok: "), err


def test_an_older_finished_spotting_runs_stray_file_is_named_and_its_record_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    """A finished run of the older layout counts its videos in ``spotting.json``: a file
    beyond them is named by status and validate as a current run's is, and the spot command
    run again over it (to recognise it) leaves its record as its audits signed it."""
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("spot", *TWO, "--out", "run")
    assert code == 0, err
    folder = _older(Path("run"), finished=True)
    record = (folder / "spot-run.json").read_bytes()
    (folder / "videos" / "0005.json").write_bytes((folder / "videos" / "0000.json").read_bytes())
    said = "videos/0005.json is no video of the run's 2 (0000-0001); delete it"
    code, out, _ = cli("status", "run")
    assert said in out, out
    code, _, err = cli("validate", "run")
    assert code == 2 and said in err, err
    (folder / "videos" / "0005.json").unlink()
    code, _, err = cli("spot", *TWO, "--out", "run")
    assert code == 0, err
    assert (folder / "spot-run.json").read_bytes() == record
