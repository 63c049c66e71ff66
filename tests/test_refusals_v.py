"""Bad input found by the third adversarial pass over the result commands (issue 69, cases
13 and smaller ones), each refused in one line where it used to be passed over.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY_RUN

COMMITTED = Path(__file__).resolve().parents[1] / "leaderboards" / "results"


@pytest.mark.parametrize(("reference", "others"), [
    ("emotion run", ("emotion run", "action-unit run")),
    ("emotion run", ("emotion run", "spotting run")),
    ("action-unit run", ("action-unit run", "spotting run")),
])
def test_compare_refuses_a_folder_of_several_kinds(examples: dict[str, Path], tmp_path: Path,
                                                    cli, reference: str,
                                                    others: tuple[str, ...]) -> None:
    """A folder holding runs of several kinds (nested at any depth) was compared as its
    emotion runs alone, the others dropped silently, or called "no finished run"."""
    folder = tmp_path / "mixed"
    for number, name in enumerate(others):
        shutil.copytree(examples[name], folder / f"group-{number}" / name.replace(" ", "-"))
    code, out, err = cli("compare", examples[reference], folder)
    assert code == 2 and not out, out
    assert f"{folder} holds results of 2 kinds: " in err and "pass a folder of one" in err


def test_a_reader_that_stops_early_ends_the_command_quietly(examples: dict[str, Path]) -> None:
    """``merbench validate FOLDER | head -1``: the reader closed the pipe, and merbench said
    "failed on a file: Broken pipe [BrokenPipeError]; fix the cause"."""
    script = ("import sys, os\n"
              "from merbench.cli import main\n"
              "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"  # a reader already gone
              f"sys.exit(main(['validate', {str(examples['emotion run'])!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 141 and done.stderr == "", done.stderr


def test_a_spotting_folder_being_written_is_not_called_a_result(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Issue 69, case 6: a spot-then-recognise run validated "ok" and was audited while its
    spot command was still to write ``str.json``. A spot command now keeps its folder
    locked until it ends: the result commands say it is being written, a second spot there
    is refused."""
    from merbench.results.rundir import held_folder

    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "spots"))
    with held_folder(folder, "it keeps every video it spots"):
        code, out, err = cli("validate", folder)
        assert code == 2 and "a merbench spot command is writing it now" in err, (out, err)
        code, out, err = cli("audit", folder, "--folds", "1")
        assert code == 2 and "a merbench spot command is writing it now" in err, (out, err)
        code, out, _ = cli("status", folder)
        assert code == 0 and ": running (recognising the chosen intervals)" in out, out
        code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                           "--dataset-opt", "subjects=2", "--dataset-opt",
                           "videos_per_subject=1", "--quiet", "--out", folder)
        assert code == 2 and f"another merbench process is running in {folder}" in err, err
    assert cli("validate", folder)[0] == 0


@pytest.mark.realdata
def test_copies_of_one_search_with_other_results_are_all_rejected(
        real_data: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 69, case 7: two tunings of one search and seed with other results both
    validated and were both published. Identical copies are one search (reproduced);
    copies whose trials or predictions differ are all rejected, by ``validate`` and the
    build alike, as copies of an emotion, AU or spotting run are."""
    from merbench.tuning import kind as tuning_kind
    from merbench.tuning import view as tuning_view

    source = COMMITTED / "tunings" / "lbp-apex-svm-composite" / "test-scored"
    for name in ("a", "b"):
        shutil.copytree(source, tmp_path / "results" / name)
    code, out, err = cli("validate", tmp_path / "results")
    assert code == 0 and "reproduced 2x" in out, err
    found, rejected = tuning_view.find_tunings([tmp_path / "results"])
    assert len(found) == 1 and not rejected

    def edited(results: object, folder: Path) -> str:  # as if one copy's trials differed
        return folder.name

    monkeypatch.setattr(tuning_kind, "tune_evidence", edited)
    monkeypatch.setattr(tuning_view, "tune_evidence", edited)
    code, out, err = cli("validate", tmp_path / "results")
    assert code == 2 and "ok:" not in out and err.count("with other results: one of them was "
                                                        "edited") == 2, (out, err)
    found, rejected = tuning_view.find_tunings([tmp_path / "results"])
    assert not found and {r.path.name for r in rejected} == {"a", "b"}


@pytest.mark.parametrize(("entry", "said"), [
    ("predictions.csv", "predictions.csv is a fifo, which merbench never reads"),
    ("fold", "is a fifo, which merbench never reads"),
])
def test_status_names_a_run_file_that_is_a_fifo(examples: dict[str, Path], tmp_path: Path,
                                                cli, entry: str, said: str) -> None:
    """Issue 69, case 15: a fifo in place of ``predictions.csv`` or a fold file was shown as
    ordinary progress ("2/2 folds, stopped", "1 damaged fold file(s)")."""
    import os

    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "run"))
    target = (folder / "predictions.csv" if entry == "predictions.csv"
              else sorted((folder / "folds").glob("fold-*.npz"))[0])
    target.unlink()
    os.mkfifo(target)
    code, out, err = cli("status", folder)
    assert code == 0 and said in out and "complete" not in out, (out, err)


@pytest.mark.parametrize(("change", "said"), [
    ("archive gone", "tune.json is written but runs.tar.xz, the runs it was made from, is "
                     "missing"),
    ("both", "the runs are both packed (runs.tar.xz) and unpacked (trials/)"),
])
def test_status_of_a_tuning_whose_runs_are_not_where_they_should_be(
        tmp_path: Path, cli, change: str, said: str) -> None:
    """Issue 69, case 15: a finished tuning without its archive said "0 inner runs ...
    finished: tune.json written"; one stopped while packing counted its unpacked runs."""
    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    if change == "archive gone":
        (folder / "runs.tar.xz").unlink()
    else:
        (folder / "trials").mkdir()
    code, out, err = cli("status", folder)
    assert code == 0 and said in out, (out, err)


@pytest.mark.parametrize("args", [
    ("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long", "--quiet"),
    ("run", *TINY_RUN),
    ("run", *TINY_RUN, "--seeds", "0,1", "--yes"),
    ("leaderboard", "build"),
])
def test_nothing_is_written_inside_a_system_folder(cli, args: tuple[str, ...]) -> None:
    """Issue 69, case 22: only a system folder itself was refused, so ``spot --out
    /etc/sub`` made /etc/sub."""
    code, _, err = cli(*args, "--out", "/etc/merbench-test-out")
    assert code == 2 and "--out /etc/merbench-test-out is inside the system folder /etc" in err
    assert not Path("/etc/merbench-test-out").exists()


@pytest.mark.parametrize("archive", ["damaged", "fifo"])
def test_tune_into_a_folder_whose_runs_archive_cannot_be_read(tmp_path: Path, cli,
                                                               archive: str) -> None:
    """Issue 69, case 22: ``tune`` said its header, then told the user to "publish the
    archive merbench tune wrote" (the fix is to delete it or give another folder)."""
    import os

    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    tuning_file = COMMITTED.parents[1] / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml"
    archive_file = folder / "runs.tar.xz"
    if archive == "damaged":
        archive_file.write_bytes(archive_file.read_bytes()[:1000])
    else:
        archive_file.unlink()
        os.mkfifo(archive_file)
    code, out, err = cli("tune", tuning_file, "--out", folder)
    assert code == 2 and not out, out
    assert "the runs it holds cannot be read back to go on from; delete" in err, err


def test_a_tuning_being_written_is_neither_called_a_result_nor_written_twice(
        tmp_path: Path, cli) -> None:
    """Issue 69, fourth pass, findings 2 and 3: ``tune`` took no lock, so a second search
    ran into the folder of one under way (and left a tuning validate rejects), and validate
    said the folder "holds none of ... tuning.json" while tuning.json was there."""
    from merbench.results.rundir import held_folder

    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    space = COMMITTED.parents[1] / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml"
    with held_folder(folder, "it keeps every run it trains"):
        code, out, err = cli("validate", folder)
        assert code == 2 and "a merbench tune command is writing it now" in err, (out, err)
        code, out, _ = cli("status", folder)
        assert code == 0 and "running: a merbench tune command is writing it now" in out, out
        code, _, err = cli("tune", space, "--out", folder, "--score", "test",
                           "--data-root", Path(os.environ["MERBENCH_TEST_DATA"]) / "composite")
        assert code == 2 and f"another merbench process is running in {folder}" in err, err
    (folder / "tune.json").unlink()  # as a search under way has it: tuning.json alone
    code, _, err = cli("validate", folder)
    assert code == 2 and "is a tuning not finished yet (tuning.json written, tune.json not " \
        "yet)" in err, err
    code, _, err = cli("audit", folder)  # the same sentence, one function for every command
    assert code == 2 and "is a tuning not finished yet (tuning.json written, tune.json not " \
        "yet)" in err and "an audit makes again what a finished result holds" in err, err


@pytest.mark.parametrize(("change", "said"), [
    ("unpacked", "holds its runs unpacked (trials/) beside runs.tar.xz"),
    ("empty tune.json", None),
    ("fifo predictions", None),
])
def test_a_tuning_that_status_calls_unfinished_does_not_validate(tmp_path: Path, cli,
                                                                 change: str,
                                                                 said: str | None) -> None:
    """Fourth pass, findings 4 and 5: a tuning stopped while packing validated "ok" and was
    published while status called it unfinished; status called a tuning whose
    predictions.csv was a fifo, or whose tune.json was empty, "finished"."""
    from merbench.tuning.archive import unpack_runs

    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    if change == "unpacked":
        unpack_runs(folder, folder)
    elif change == "empty tune.json":
        (folder / "tune.json").write_text("")
    else:
        (folder / "predictions.csv").unlink()
        os.mkfifo(folder / "predictions.csv")
    code, _, err = cli("validate", folder)
    assert code == 2 and (said is None or said in err), err
    code, out, err = cli("status", folder)
    assert "finished: tune.json written" not in out, out
    if change == "fifo predictions":  # a state said as a run's status says it (fifth pass)
        assert code == 0 and "predictions.csv is a fifo, which merbench never reads" in out \
            and "publish" not in out + err, (out, err)


def test_a_synthetic_dataset_too_large_to_make_is_refused_at_once(cli, tmp_path: Path) -> None:
    """Fourth pass, finding 9: ``--dataset-opt subjects=1000000000`` grew memory for minutes
    with no word."""
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--quiet",
                         "--dataset-opt", "subjects=1000000000", "--out", tmp_path / "r")
    assert code == 2 and "samples, more than 10,000; give fewer subjects" in err, (out, err)


def test_a_tunings_classes_must_be_its_runs(tmp_path: Path, cli) -> None:
    """Fourth pass, finding 7: tune.json's ``classes`` were bound to nothing (HTML and
    control characters passed validate and were published in the site's copy)."""
    import json

    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    record = json.loads((folder / "tune.json").read_text())
    record["classes"] = ["<script>alert(1)</script>", "b\u202ec", "\x1b[31mx\x07"]
    (folder / "tune.json").write_text(json.dumps(record))
    code, _, err = cli("validate", folder)
    assert code == 2 and "tune.json's classes" in err and "are not those of its run" in err
    assert "\x1b" not in err and "\u202e" not in err


def test_audit_of_a_folder_of_seed_runs_names_them(cli) -> None:
    """Fourth pass, finding 11: a folder of one configuration's seed runs without a
    seeds.json (the committed OFF-ApexNet one) got "no results.json here"."""
    folder = COMMITTED / "offapexnet-composite-loso"
    code, out, err = cli("audit", folder)
    assert code == 2 and not out
    assert f"{folder} holds 2 results ({folder / 'seed-0'}, {folder / 'seed-1'}); audit each" \
        in err, err


@pytest.mark.parametrize("args", [("run", *TINY_RUN), ("audit", COMMITTED / "tunings")])
def test_more_workers_than_the_machine_can_use_are_refused(cli, tmp_path: Path,
                                                           args: tuple[object, ...]) -> None:
    """Fourth pass, finding 11: ``--workers 100000`` was accepted silently."""
    extra = ("--out", tmp_path / "r") if args[0] == "run" else ()
    code, _, err = cli(*args, *extra, "--workers", "100000")
    assert code == 2 and "--workers must be at most" in err, err


def test_a_conflict_names_the_other_copies_and_a_strict_build_what_it_did(
        examples: dict[str, Path], tmp_path: Path, cli,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fourth pass, finding 11: a conflicting copy was said to claim the configuration "of"
    itself and its rivals, and "configuration and seed" for a spotting run, which has no
    seed; a strict build into a new folder said that folder was "left as it was"."""
    from merbench.spotting_kind import kind as spotting_kind

    results = tmp_path / "results"
    for name in ("a", "b"):
        shutil.copytree(examples["spotting run"], results / name)
    monkeypatch.setattr(spotting_kind, "spotting_evidence", lambda found, str_: str(id(found)))
    code, _, err = cli("validate", results)
    assert code == 2, err
    assert f"{results / 'a'}: claims the spotter, settings and data of {results / 'b'} with " \
        "other results" in err, err
    (results / "b" / "spotting.json").write_text("{}")  # now one is rejected by its check
    code, out, _ = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "new",
                       "--strict")
    assert code == 2 and "site: not written (--strict) (" in out, out
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(("change", "said"), [
    ("empty", "videos/0001.json cannot be read as a spotted video"),
    ("extra", "videos/0007.json is no video of the run's 2"),
    ("other video", "videos/0001.json is not video 1 of spotting.json"),
    ("missing", "videos/0001.json is missing"),
    ("video's identity", "videos/0000.json was spotted by another run than spot-run.json"),
    ("run's identity", "spot-run.json is not the run spotting.json records"),
])
def test_a_spotting_runs_video_files_are_those_it_was_summarised_from(
        examples: dict[str, Path], tmp_path: Path, cli, change: str, said: str) -> None:
    """Fourth pass, finding 6: ``videos/NNNN.json`` (what the run was summarised from, and
    what the same command goes on from) were never read: emptied, edited or extra files
    passed validate, audit and the strict build."""
    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "spots"))
    videos = folder / "videos"
    def edited(path: Path, record: dict[str, object]) -> None:
        import json

        found = json.loads(path.read_text())
        found.get("identity", found).update(record)
        path.write_text(json.dumps(found))

    {"video's identity": lambda: edited(videos / "0000.json", {"iou_threshold": 0.1}),
     "run's identity": lambda: edited(folder / "spot-run.json", {"iou_threshold": 0.1}),
     "empty": lambda: (videos / "0001.json").write_text(""),
     "extra": lambda: shutil.copy2(videos / "0001.json", videos / "0007.json"),
     "other video": lambda: shutil.copy2(videos / "0000.json", videos / "0001.json"),
     "missing": lambda: (videos / "0001.json").unlink()}[change]()
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err, err


def test_a_strict_build_refuses_a_tuning_not_finished(tmp_path: Path, cli) -> None:
    """Fifth pass, finding 3: validate rejected a stopped (or running) search, while
    ``build --strict`` said "0 rejected" and published the rest."""
    results = tmp_path / "results"
    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", results / "stopped"))
    (folder / "tune.json").unlink()
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--strict")
    assert code == 2 and "stopped: is a tuning not finished yet" in err, (out, err)


# the synthetic dataset's seed is 0 by default: given here, left out by the runs
TINY_SEARCH = """model = "ststnet"
dataset = "synthetic"
inner_folds = 2
dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3, seed = 0}
[options]
epochs = 1
[search]
sampler = "grid"
pruner = "none"
[space]
lr = {choices = [0.001, 0.01]}
"""


def test_a_tuning_file_giving_a_default_validates(tmp_path: Path, cli) -> None:
    """Fifth pass, finding 1: a tuning file that gave a dataset option at its default
    (``databases = 3`` for the synthetic dataset) made a tuning validate rejected: its runs
    recorded the option left out, tune.json as given."""
    space = tmp_path / "space.toml"
    space.write_text(TINY_SEARCH)
    assert cli("tune", space, "--out", tmp_path / "t", "--quiet", "--threads", "1")[0] == 0
    code, _, err = cli("validate", tmp_path / "t")
    assert code == 0, err


@pytest.mark.parametrize("stray", ["run", "page.html"])
def test_a_tuning_folder_holds_only_what_a_tuning_writes(examples: dict[str, Path],
                                                         tmp_path: Path, cli,
                                                         stray: str) -> None:
    """Fifth pass, finding 5: a run or any file put inside a tuning's folder was passed over
    by validate, the strict build and audit (inside a spotting or AU folder it is
    rejected)."""
    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    if stray == "run":
        shutil.copytree(examples["emotion run"], folder / stray)
    else:
        (folder / stray).write_text("<script>")
    code, _, err = cli("validate", folder)
    assert code == 2 and f"holds {stray}, which no tuning writes" in err, err


@pytest.mark.parametrize(("field", "value", "said"), [
    ("complete", False, "tune.json says complete is False, but every outer fold ran"),
    ("created", "<script>x", "is not a date"),
    ("wall_time_s", -5, "wall_time_s is -5"),
    ("library", {"optuna": "<b>9</b>"}, "merbench searches with optuna and records its"),
    ("library", {"hyperopt": "0.2.7"}, "merbench searches with optuna and records its"),
])
def test_a_tunings_own_account_is_checked(tmp_path: Path, cli, field: str, value: object,
                                          said: str) -> None:
    """Fifth pass, finding 6: ``complete=false`` (shown as "stopped early"), a created that
    is no date, a negative wall time and any search library (shown on the page) validated."""
    import json

    folder = Path(shutil.copytree(COMMITTED / "tunings" / "lbp-apex-svm-composite" /
                                  "test-scored", tmp_path / "tuning"))
    record = json.loads((folder / "tune.json").read_text())
    record[field] = value
    (folder / "tune.json").write_text(json.dumps(record))
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err, err


def test_compare_of_a_run_and_its_own_results_file_is_refused(examples: dict[str, Path],
                                                              cli) -> None:
    """Fifth pass, finding 10: a run and its own results.json were compared (a -0.0000
    difference)."""
    run = examples["emotion run"]
    code, _, err = cli("compare", run, run / "results.json")
    assert code == 2 and "is given twice" in err, err


def test_rejections_are_counted_as_what_they_are(examples: dict[str, Path], tmp_path: Path,
                                                 cli) -> None:
    """Fifth pass, smaller points: a link to a folder of documents was counted as a
    rejected "result file", and a tuning's rejection was reported by an AU table's export
    as if it were the AU benchmark's."""
    results = tmp_path / "results"
    results.mkdir()
    shutil.copytree(examples["emotion run"], results / "run")
    (results / "docs").symlink_to(Path(sys.prefix))
    code, out, err = cli("validate", results)
    assert code == 2 and "0 of 1 result file(s) rejected; 1 entry of the results folders " \
        "refused unread" in err, (out, err)
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and "1 rejected" in out and "rejected file" not in out, (out, err)


def test_a_table_of_single_runs_claims_no_std_over_seeds() -> None:
    """Fifth pass, smaller points: a tuning's (or a spotting run's) export ended "Mean ± std
    over seeds" under rows that are one run each; the legend now follows the rows (tried on
    rows of each shape, in both formats that carry a legend)."""
    from dataclasses import dataclass

    from merbench.leaderboard.export import to_latex, to_markdown
    from merbench.leaderboard.export_rows import Line
    from merbench.stats.intervals import Interval

    @dataclass(frozen=True)
    class Table:
        title: str = "Searches"

        def score_headers(self) -> list[str]:
            return ["UF1"]

    single = Line("m", "", "nested", False, 1, [(0.5, None, Interval(0.4, 0.6))])
    seeded = Line("m", "", "fixed", False, 3, [(0.5, 0.01, Interval(0.4, 0.6))])
    oracle = Line("m", "", "oracle", True, 1, [(0.6, None, None)])
    assert to_markdown(Table(), [single]).endswith(
        "Searches. One run a row, [95% interval over subjects].\n")
    assert "Searches. Mean ± std over seeds, [95% interval over subjects]." in to_markdown(
        Table(), [single, seeded])
    assert to_markdown(Table(), [oracle]).endswith(
        "Searches. One run a row; test-set selection rows are not comparable with the "
        "others.\n")
    assert to_latex(Table(), [seeded]).startswith(
        r"% Searches. Mean $\pm$ std over seeds, [95\% interval over subjects].")


def test_a_seeds_folder_holds_only_the_runs_it_summarises(examples: dict[str, Path],
                                                          tmp_path: Path, cli) -> None:
    """Fifth pass, smaller points: a run added beside a seeds.json (a ``seed-2`` it does
    not list) validated with no remark and was published beside the summary."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    shutil.copytree(folder / "seed-1", folder / "seed-2")
    code, out, err = cli("validate", folder)
    assert code == 2 and "seed-2 holds seed 1, a copy of seed-1: move seed-2 out of " \
        "seeds" in err, (out, err)


def test_a_reader_that_stops_early_ends_a_table_quietly(examples: dict[str, Path]) -> None:
    """``merbench show RUN | head -1``: Rich's console answered the closed pipe by leaving
    with status 1, as if the command had failed; it ends as every other write there does."""
    script = ("import sys, os\n"
              "from merbench.cli import main\n"
              "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
              f"sys.exit(main(['show', {str(examples['emotion run'])!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 141 and done.stderr == "", (done.returncode, done.stderr)
