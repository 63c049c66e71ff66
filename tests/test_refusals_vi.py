"""Bad input found by the sixth adversarial pass over the result commands (issue 69), each
now refused in one line, or said as what it is, where it used to crash, hang or mislead.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS, TINY_RUN


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


@pytest.fixture(scope="module")
def recognised_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spot-then-recognise run of a few seconds (STSTNet, one epoch)."""
    from merbench.cli import main

    out = tmp_path_factory.mktemp("str") / "spots"
    assert main(["spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                 "--dataset-opt", "subjects=3", "--dataset-opt", "videos_per_subject=1",
                 "--quiet", "--recognise", "ststnet", "--epochs", "1", "--out",
                 str(out)]) == 0
    return out


@pytest.mark.parametrize("entry", ["fifo", "folder"])
def test_compare_of_an_au_run_whose_result_is_no_file_is_one_line(
        examples: dict[str, Path], tmp_path: Path, cli, entry: str) -> None:
    """Finding 1: an ``au-results.json`` that is a fifo or a folder made ``compare`` end in
    an IndexError (the run was taken for a folder of runs holding none)."""
    run = _copy(examples["action-unit run"], tmp_path / "y")
    (run / "au-results.json").unlink()
    os.mkfifo(run / "au-results.json") if entry == "fifo" else (run / "au-results.json").mkdir()
    code, _, err = cli("compare", examples["action-unit run"], run)
    assert code == 2 and err.count("\n") == 1 and f"au-results.json is a {entry}" in err, err


def test_a_features_file_that_is_a_fifo_is_refused_before_the_run(tmp_path: Path,
                                                                  cli) -> None:
    """Finding 2: ``run --features FIFO`` hung for good, leaving run.json behind; a device
    (``/dev/zero``) got numpy's advice about pickled data."""
    os.mkfifo(tmp_path / "ff")
    for given, said in ((tmp_path / "ff", "is a fifo"), (Path("/dev/zero"),
                                                         "is a character device")):
        code, _, err = cli("run", *TINY_RUN, "--features", given, "--out", tmp_path / "out")
        assert code == 2 and f"--features {given} {said}, not a regular file" in err, err
        assert "pickle" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("change", "said"), [
    ("created garbage", "is not a date and time"),
    ("created before the spotting", "is before its spotting run was made"),
    ("wall time of thirty years", "longer than merbench has run anything"),
])
def test_a_str_json_dates_and_times_are_checked(recognised_run: Path, tmp_path: Path, cli,
                                                change: str, said: str) -> None:
    """Finding 3: ``str.json``'s ``created`` was never checked (spotting.json's is), and any
    finite duration was a wall time."""
    run = _copy(recognised_run, tmp_path / "str")
    record = json.loads((run / "str.json").read_text())
    if change == "created garbage":
        record["created"] = "garbage"
    elif change == "created before the spotting":
        record["created"] = "2026-01-02T00:00:00+00:00"
    else:
        record["wall_time_s"] = 1e9
    (run / "str.json").write_text(json.dumps(record))
    code, _, err = cli("validate", run)
    assert code == 2 and said in err, err


def test_an_audit_of_a_recogniser_that_cannot_be_built_names_str_json(
        recognised_run: Path, tmp_path: Path, cli) -> None:
    """Finding 4: a forged model option in ``str.json`` made the audit say "model 'ststnet'
    has no option 'x'", as if the user's command line were wrong."""
    run = _copy(recognised_run, tmp_path / "str")
    record = json.loads((run / "str.json").read_text())
    record["recogniser"]["model_options"] = {"x": 1}
    (run / "str.json").write_text(json.dumps(record))
    code, _, err = cli("audit", run, "--folds", "1")
    assert code == 2 and f"{run / 'str.json'}: its recogniser cannot be trained again as " \
        "recorded: model 'ststnet' has no option 'x'" in err, err


@pytest.mark.parametrize(("field", "value"), [("library", {"optuna": "1" * 3000}),
                                              ("wall_time_s", 1e308)])
def test_a_tunings_library_and_wall_time_have_bounds(tmp_path: Path, cli, field: str,
                                                     value: object) -> None:
    """Finding 5: a 3,000-character optuna version and a wall time of 1e308 s validated."""
    folder = _copy(COMMITTED_RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored",
                   tmp_path / "tuning")
    record = json.loads((folder / "tune.json").read_text())
    record[field] = value
    (folder / "tune.json").write_text(json.dumps(record))
    code, _, err = cli("validate", folder)
    assert code == 2 and field in err, err


def test_a_tuning_spec_that_is_a_fifo_is_said_as_a_fifo(tmp_path: Path, cli) -> None:
    """Finding 6: with a fifo ``tuning.json``, ``tune`` said the folder "holds another
    search" and ``status`` exited 2 with "give the file itself"."""
    folder = _copy(COMMITTED_RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored",
                   tmp_path / "tuning")
    (folder / "tuning.json").unlink()
    os.mkfifo(folder / "tuning.json")
    space = COMMITTED_RESULTS.parents[1] / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml"
    code, _, err = cli("tune", space, "--out", folder, "--score", "test", "--data-root",
                       Path(os.environ["MERBENCH_TEST_DATA"]) / "composite")
    assert code == 2 and "tuning.json is a fifo, not the record of a search" in err, err
    assert "another search" not in err
    code, out, err = cli("status", folder)
    assert code == 0 and "tuning.json is a fifo, which merbench never reads" in out, (out, err)


def test_status_says_a_fifo_audit_json_without_calling_the_run_stopped(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Finding 7: a fifo ``audit.json`` made status call a finished run "stopped" and send
    its owner to ``run --resume``, which never writes that file. Nor is the run complete:
    ``validate`` refuses it (issue 84d), so status says so, and how to fix it."""
    run = _copy(examples["emotion run"], tmp_path / "run")
    os.mkfifo(run / "audit.json")
    code, out, _ = cli("status", run)
    assert code == 0 and ": complete, " not in out and "stopped" not in out, out
    assert "written, but audit.json is a fifo (remove it: 'merbench audit' writes it) " \
        "('merbench validate' refuses it)" in out, out


@pytest.mark.parametrize("change", ["removed", "a folder"])
def test_an_au_runs_missing_or_broken_result_is_said_as_an_au_runs(
        examples: dict[str, Path], tmp_path: Path, cli, change: str) -> None:
    """Finding 8: an AU run without its result was "an emotion run not finished yet
    (results.json ...)", and one whose au-results.json is a folder "its results.json cannot
    be read"."""
    run = _copy(examples["action-unit run"], tmp_path / "au")
    (run / "au-results.json").unlink()
    if change == "a folder":
        (run / "au-results.json").mkdir()
        code, out, _ = cli("status", run)
        assert code == 0 and "au-results.json is a folder" in out and "results.json cannot" \
            not in out, out
        return
    code, _, err = cli("audit", run, "--folds", "1")
    assert code == 2 and "is an action-unit run not finished yet (run.json written, " \
        "au-results.json not yet)" in err, err


def test_status_of_a_seeds_folder_says_its_summary_is_no_file(examples: dict[str, Path],
                                                              tmp_path: Path, cli) -> None:
    """Finding 9: a fifo ``seeds.json`` was passed over by status (its seed runs shown)."""
    folder = _copy(examples["summary over seeds"], tmp_path / "seeds")
    (folder / "seeds.json").unlink()
    os.mkfifo(folder / "seeds.json")
    code, out, _ = cli("status", folder)
    assert code == 0 and "seeds.json is a fifo, which merbench never reads" in out, out


def test_a_killed_packings_temporary_archive_goes_when_the_tuning_goes_on(
        tmp_path: Path, cli) -> None:
    """Finding 10: a SIGKILL while the runs were packed left ``.runs.tar.xz.*.merbench-tmp``,
    which the same command, run again, kept."""
    folder = _copy(COMMITTED_RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored",
                   tmp_path / "tuning")
    leftover = folder / ".runs.tar.xz.999999.abcd.merbench-tmp"  # no such process: dead
    leftover.write_bytes(b"half an archive")
    space = COMMITTED_RESULTS.parents[1] / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml"
    code, _, err = cli("tune", space, "--out", folder, "--score", "test", "--data-root",
                       Path(os.environ["MERBENCH_TEST_DATA"]) / "composite")
    assert code == 0, err
    assert not leftover.exists()


def test_library_text_stays_out_of_one_line_refusals(examples: dict[str, Path],
                                                      tmp_path: Path, cli) -> None:
    """Finding 11: a key file that is no key quoted the library's link; text given for a
    number got Python's "'<' not supported between instances of 'str' and 'int'"; a fifo
    fold file on resume said "UnsafeFile" and two fixes."""
    code, _, err = cli("audit", examples["emotion run"], "--sign", "/etc/hostname")
    assert code == 2 and "is not a PEM private key; give the file" in err and "http" not in err
    code, _, err = cli("run", *TINY_RUN, "--dataset-opt", "seed=abc", "--out",
                       tmp_path / "abc")
    assert code == 2 and 'seed="abc" is text; seed takes a whole number (default 0)' \
        in err, err
    run = _copy(examples["emotion run"], tmp_path / "run")
    (run / "results.json").unlink()
    fold = sorted((run / "folds").glob("fold-*.npz"))[0]
    fold.unlink()
    os.mkfifo(fold)
    code, _, err = cli("run", "--resume", run, "--quiet")
    assert code == 2 and "UnsafeFile" not in err and f"fold file {fold} is a fifo, not a " \
        "regular file; delete it and run again" in err, err


def test_a_run_in_a_folder_below_a_seeds_summary_is_refused(examples: dict[str, Path],
                                                            tmp_path: Path, cli) -> None:
    """Finding 12: a run at ``seeds/sub/deep`` (not beside ``seeds.json``) was published
    beside the summary unchecked by it."""
    folder = _copy(examples["summary over seeds"], tmp_path / "seeds")
    (folder / "sub").mkdir()
    shutil.copytree(folder / "seed-1", folder / "sub" / "deep")
    code, _, err = cli("validate", folder)
    assert code == 2 and "sub/deep holds seed 1, a copy of seed-1: move sub/deep out " \
        "of seeds" in err, err


def test_status_of_a_spotting_run_says_when_it_holds_no_recognition(
        examples: dict[str, Path], cli) -> None:
    """Finding 13: a spot --recognise run stopped while recognising was "complete"."""
    code, out, _ = cli("status", examples["spotting run"])
    assert code == 0 and "no str.json: not recognised, or a spot --recognise command " \
        "stopped while recognising" in out, out


def test_a_spot_then_recognise_row_exports_its_strs(recognised_run: Path, tmp_path: Path,
                                                    cli) -> None:
    """Finding 14: the export's "recognised by" row showed the spotting F1s alone, no STRS;
    and a LaTeX legend followed its title with a colon and a capital."""
    from merbench.results.codec import from_json
    from merbench.spotting.str_record import StrResults

    results = tmp_path / "results"
    shutil.copytree(recognised_run, results / "str")
    code, out, err = cli("leaderboard", "export", "spot-synthetic-long", "--results", results,
                         "--format", "csv")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split(",")[-5:] == ["micro STRS", "micro STRS std", "micro STRS low",
                                      "micro STRS high", "note"]
    stored = from_json(StrResults, json.loads((recognised_run / "str.json").read_text()))
    strs = stored.scores["micro"].strs
    recognised = [row for row in rows if "recognised by" in row and "training-subjects" in row]
    assert len(recognised) == 1
    assert recognised[0].split(",")[-5] == ("" if strs is None else f"{strs:.4f}")
    code, out, _ = cli("leaderboard", "export", "spot-synthetic-long", "--results", results,
                       "--format", "latex")
    assert code == 0 and ": One run" not in out and ". One run a row" in out, out
