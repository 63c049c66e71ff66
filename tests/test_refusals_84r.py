"""Findings of adversarial pass 84r (issue 84), each now said once, in one line, alike by
the commands that read the same result.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

#: a small committed, audited emotion run (three folds)
AUDITED = COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo"


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(AUDITED, tmp_path / "run"))


@pytest.mark.parametrize("entry", ["folder", "fifo"])
def test_an_audit_json_that_is_no_file_has_one_fix_in_every_command(
        tmp_path: Path, cli, entry: str) -> None:
    """R2: validate and show said "publish the file itself, inside the run folder" (the fix
    for a symbolic link) of an ``audit.json`` that is a folder or a fifo, status "remove it"."""
    run = _copy(tmp_path)
    (run / "audit.json").unlink()
    (run / "audit.json").mkdir() if entry == "folder" else os.mkfifo(run / "audit.json")
    fix = f"audit.json is a {entry}; remove it: 'merbench audit' writes it"
    for command in ("validate", "show"):
        code, out, err = cli(command, run)
        assert code != 0 and fix in err and "file itself" not in err, (command, out, err)
    code, out, err = cli("status", run)
    assert f"audit.json is a {entry} (remove it: 'merbench audit' writes it)" in out, out + err


def test_a_linked_predictions_file_of_an_audited_run_is_said_once(tmp_path: Path,
                                                                  cli) -> None:
    """R3: status said a ``predictions.csv`` linked to /dev/zero "is a symbolic link ...
    (remove it: the same command writes ...)" and then "predictions.csv is missing, and its
    audit.json holds audits ...": one fault, said twice with two fixes. Status and validate
    now say it in one line, with the fix that keeps or moves out the audits (84aa, Z11)."""
    run = _copy(tmp_path)
    (run / "predictions.csv").unlink()
    (run / "predictions.csv").symlink_to("/dev/zero")
    line = ("predictions.csv is a symbolic link (to /dev/zero); restore it from a copy of the "
            "run, which keeps its audits, or remove it and move audit.json out of the folder")
    code, out, err = cli("status", run)
    assert code == 0, err
    assert f"written, but {line}" in out and out.count("predictions.csv") == 1, out
    code, _, err = cli("validate", run)
    assert code != 0 and line in err, err


def test_a_utf16_predictions_table_is_named_once(tmp_path: Path, cli) -> None:
    """R3: a UTF-16 ``predictions.csv`` was "unreadable (it is UTF-16 LE text (it starts
    with a UTF-16 LE byte-order mark))": the encoding twice, in parentheses in parentheses."""
    run = _copy(tmp_path)
    text = (AUDITED / "predictions.csv").read_text()
    (run / "predictions.csv").write_bytes(text.encode("utf-16"))
    code, _, err = cli("validate", run)
    assert code != 0, err
    assert "predictions.csv is UTF-16 LE text, not UTF-8 (it starts with a byte-order mark)" \
        in err and err.count("UTF-16") == 1, err


def test_status_and_validate_walk_a_folder_of_results_equally_deep(tmp_path: Path,
                                                                   cli) -> None:
    """R4: a run six levels down was ``ok`` to validate and "no merbench run" to status
    (four levels), and validate's ``--help`` said five; nine down, validate named the deep
    folder and status said only "holds no merbench run"."""
    from merbench.results.folder_walk import RESULTS_BELOW

    shallow = tmp_path / "six"
    shutil.copytree(AUDITED, shallow.joinpath(*"12345") / "run")
    for command in ("validate", "status"):
        code, out, err = cli(command, shallow)
        assert code == 0 and "run" in out, (command, out, err)
    deep = tmp_path / "nine"
    limit = deep.joinpath(*(str(n) for n in range(1, RESULTS_BELOW + 1)))
    shutil.copytree(AUDITED, limit / "run")
    for command in ("validate", "status"):
        code, out, err = cli(command, deep)
        assert code != 0 and str(limit) in err and \
            f"holds folders more than {RESULTS_BELOW} levels below" in err, (command, out, err)
    for command in ("validate", "status"):
        code, out, _ = cli(command, "--help")
        assert f"up to {RESULTS_BELOW} levels below" in " ".join(out.split()), out


def test_a_plans_float_seed_too_large_for_a_float_is_read_as_written(tmp_path: Path) -> None:
    """R7: ``seeds = [9007199254740993.0]`` was trained and recorded as seed
    9007199254740992 (the float TOML's reader made of it), while ``--seed
    9007199254740993.0`` is that seed; and ``epochs`` alike is read as written."""
    from merbench.base.near_zero import toml_float
    from merbench.base.whole_numbers import whole_value
    from merbench.plugin_system.manager import default_plugins
    from merbench.sweep.plan_file import read_plan

    (tmp_path / "plan.toml").write_text(
        '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1.0\n'
        "seeds = [9007199254740993.0, 9_007_199_254_740_992.0, 2.0]\n")
    plan = read_plan(tmp_path / "plan.toml", default_plugins())
    assert plan.configurations[0].seeds == (9007199254740993, 9007199254740992, 2)
    assert whole_value(toml_float("-9007199254740995.0")) == -9007199254740995
    assert whole_value(toml_float("inf")) is None and whole_value(toml_float("2.5")) is None


def test_predicts_output_is_said_alike_by_validate_show_and_status(tmp_path: Path,
                                                                   cli) -> None:
    """R5: of ``predict``'s ``predictions.json`` validate said it is predict's output, show
    that it "is no file a merbench result is written in" (false), status "not a directory";
    and validate called predict's folder one that "holds no merbench result"."""
    from merbench.results.prediction_file import PREDICT_OUTPUT, PREDICTIONS_FILE

    out = tmp_path / "predicted"
    out.mkdir()
    (out / PREDICTIONS_FILE).write_text("{}")  # what it holds is not read: its name says
    for given in (out / PREDICTIONS_FILE, out):
        for command in ("validate", "show", "status"):
            code, stdout, err = cli(command, given)
            assert code != 0 and PREDICT_OUTPUT in " ".join(err.split()), \
                (command, given, stdout, err)


@pytest.mark.parametrize(("line", "says"), [
    ('"model_options.nosuch" = {choices = [1, 2]}',
     "tune.toml: [space] model_options.nosuch: model 'ststnet' has no option 'nosuch'; its "
     "options are: padding, dropout, image_size"),
    ('lr = {choices = [0.001, "a"]}',
     "tune.toml: [space] lr: a choice must be a number, not \"a\" (a string)"),
])
def test_a_tuning_files_space_is_refused_naming_the_file_and_key_once(
        tmp_path: Path, cli, line: str, says: str) -> None:
    """R6: a model option the model has not was refused without the file or the key; a
    wrong choice said the key twice, ``[space] lr: 'lr' must be a number``."""
    example = (Path(__file__).parents[1] / "examples" / "tune-tiny.toml").read_text()
    assert "lr = {choices = [0.001, 0.03]}" in example
    (tmp_path / "tune.toml").write_text(
        example.replace("lr = {choices = [0.001, 0.03]}", line))
    code, _, err = cli("tune", "--score", "test", "--out", tmp_path / "out",
                       tmp_path / "tune.toml")
    assert code == 2 and err == f"merbench: error: {tmp_path / says}\n", err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["run.json", "folds/fold-000.npz"])
def test_a_file_of_a_result_is_said_as_what_it_is(cli, name: str) -> None:
    """R17: validate read a run's ``run.json`` as a damaged results file ("field 'config'
    is not part of this layout", a field merbench wrote) and show called it "no file a
    merbench result is written in"; both now send the user to the result's folder."""
    said = f"{AUDITED / name} is " + ("the run's identity" if name == "run.json" else
                                      "a file") + f" in the result {AUDITED}, not its result file"
    for command in ("validate", "show"):
        code, _, err = cli(command, AUDITED / name)
        assert code != 0 and (said.replace(" is ", ": is ", 1) in err or said in err), \
            (command, err)
        assert "layout" not in err and "give a finished" not in err, err


def test_a_result_named_twice_is_checked_once(cli) -> None:
    """R17: ``validate RUN RUN/results.json`` said ``ok`` twice for the one result."""
    code, out, err = cli("validate", AUDITED, AUDITED / "results.json")
    assert code == 0 and out.count("ok: ") == 1, out + err


@pytest.mark.parametrize("command", ["tune", "sweep"])
def test_a_toml_file_too_large_is_refused_unread_alike(tmp_path: Path, cli,
                                                       command: str) -> None:
    """R19: a 200 MB tuning file was told to "give a range (low, high) instead of listing
    values" (it was NUL bytes), and the same file as a sweep plan was read whole, then
    called "not valid TOML at line 1, column 1"."""
    from merbench.results.toml_input import MAX_TOML_BYTES

    big = tmp_path / "big.toml"
    with big.open("wb") as file:
        file.truncate(MAX_TOML_BYTES + 1)
    code, out, err = cli(command, big, *(("--out", tmp_path / "t") if command == "tune" else ()))
    assert code == 2 and f"is {MAX_TOML_BYTES + 1:,} bytes, more than the " \
        f"{MAX_TOML_BYTES:,} any " in err and "; give the right file" in err, err
    assert "TOML at line" not in err and "range" not in err and out == "", err


@pytest.mark.parametrize(("change", "says"), [
    ({"metrics": ["uf1", "uf1"]}, "'metrics' lists 'uf1' twice; list each once"),
    ({"rank": ["nosuch"]}, "names an unknown selection policy 'nosuch' in 'rank'; known: "),
])
def test_a_benchmark_definition_listing_a_metric_twice_is_refused(
        tmp_path: Path, cli, change: dict[str, list[str]], says: str) -> None:
    """R18: ``metrics = ["uf1", "uf1"]`` was exported with every column twice (a scope
    given twice is refused), and an unknown policy was quoted as a Python list."""
    import json

    import merbench.leaderboard as board

    source = Path(board.__file__).parent / "definitions" / "composite-3class-lodo.json"
    definition = {**json.loads(source.read_text()), **change}
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.json").write_text(json.dumps(definition))
    code, _, err = cli("leaderboard", "list", "--benchmarks", tmp_path / "b", "--results",
                       tmp_path)
    assert code == 2 and says in err and "[" not in err.split(str(tmp_path / "b"))[-1], err


def test_float64_features_beyond_float32_are_said_in_words(tmp_path: Path, cli) -> None:
    """R16: a ``--features`` file of float64 values beyond float32's range printed numpy's
    "overflow encountered in cast" as a merbench warning before the refusal."""
    import numpy as np

    saved = tmp_path / "out.npz"
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "flow-uvos",
                       "--quiet", "--save", saved)
    assert code == 0, err
    arrays = dict(np.load(saved))
    arrays["values"] = arrays["values"].astype("float64") * 1e300
    np.savez(tmp_path / "f64.npz", **arrays)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                       "1", "--features", tmp_path / "f64.npz", "--quiet", "--out",
                       tmp_path / "r")
    assert code == 2 and err.count("\n") == 1 and "overflow" not in err, err
    assert "gave a value too large for float32 (beyond 3.4e38)" in err, err


@pytest.mark.parametrize("command", ["extract", "sweep", "tune"])
def test_a_command_that_records_no_run_says_no_runs_words(cli, command: str) -> None:
    """R1: ``extract --help`` said its options are "recorded in run.json, naming a --seeds
    folder, never changed by --resume" and that --feature feeds "the model" a feature
    instead of "the model's"; sweep and tune spoke of options "marked" for a --resume they
    have not."""
    code, out, _ = cli(command, "--help")
    text = " ".join(out.split())
    assert code == 0 and "--resume" not in text and "marked" not in text, text
    if command == "extract":
        assert "run.json" not in text and "the model" not in text, text
        assert "what is extracted" in text and "the feature to compute" in text, text


def test_every_strs_row_over_seeds_says_its_interval_or_why_none(
        examples: dict[str, Path], cli) -> None:
    """R13: the micro row of a spot-then-recognise summary over seeds had no ``[low,
    high]``, unexplained, under a footnote saying every row has one."""
    import re

    code, out, err = cli("show", examples["spot-then-recognise summary over seeds"])
    rows = [line for line in out.splitlines() if " STRS " in line]
    assert code == 0 and rows, out + err
    for row in rows:
        assert re.search(r"\[(-?\d\.\d\d, -?\d\.\d\d|no interval: [^]]+)\]", row), row


def test_a_number_kept_as_written_survives_a_copy_and_a_pickle(tmp_path: Path, cli) -> None:
    """Pass 84s, S2: a plan's ``dataset_options = {seed = 9007199254740993.5}`` ended in an
    AttributeError traceback: the value kept as written could not be deep-copied (a run's
    spec is) or pickled (Ray is sent it)."""
    import copy
    import pickle

    from merbench.base.near_zero import toml_float

    for text in ("9007199254740993.5", "1e-400"):
        value = toml_float(text)
        for again in (copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
            assert type(again) is type(value) and again.written == text and again == value
    (tmp_path / "plan.toml").write_text(
        f'out = "{tmp_path / "out"}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
        "epochs = 1\ndataset_options = {seed = 9007199254740993.5}\n")
    code, _, err = cli("sweep", "--quiet", tmp_path / "plan.toml")
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    assert "9007199254740993.5" in err and "not a whole number" in err, err


def test_a_summary_over_seeds_at_the_walks_limit_is_found_with_its_runs(tmp_path: Path,
                                                                       cli) -> None:
    """Pass 84s, S1: a ``--seeds`` folder eight levels down (its runs at nine) was both
    ``rejected`` as too deep and ``ok`` to validate, and "holds no merbench run" to
    status: a summary's seed runs are its own, looked into by every walk."""
    from merbench.results.folder_walk import RESULTS_BELOW

    top = tmp_path / "n"
    summary = top.joinpath(*(str(n) for n in range(1, RESULTS_BELOW + 1)))
    shutil.copytree(COMMITTED_RESULTS / "rcn-composite-lodo", summary)
    code, out, err = cli("validate", top)
    assert code == 0 and "rejected" not in err and out.count("ok: ") == 4, out + err
    code, out, err = cli("status", top)
    assert code == 0 and out.count(": complete, ") == 3, out + err


@pytest.mark.parametrize("option", ["seed=9007199254740993.5",
                                    "samples_per_subject=3.0000000000000001"])
def test_a_whole_number_option_on_the_command_line_is_read_as_written(cli, tmp_path: Path,
                                                                       option: str) -> None:
    """Pass 84s, S3: ``--dataset-opt seed=9007199254740993.5`` trained and recorded seed
    9007199254740994, a number no one wrote, where ``--seed`` reads its text exactly."""
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--dataset-opt", option, "--quiet", "--out", tmp_path / "r")
    name, value = option.split("=")
    assert code == 2 and f"{name}={value} is not a whole number" in err, err
    assert not (tmp_path / "r").exists()


def test_a_refusal_quotes_a_number_kept_as_written(tmp_path: Path, cli) -> None:
    """Pass 84s, S4: ``epochs = 9007199254740993.5`` was refused as "not
    9007199254740994.0", the float the reader made of it."""
    (tmp_path / "plan.toml").write_text(
        f'out = "{tmp_path / "out"}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
        "epochs = 9007199254740993.5\n")
    code, _, err = cli("sweep", "--quiet", tmp_path / "plan.toml")
    assert code == 2 and "not 9007199254740993.5" in err and "994" not in err, err


def test_predicts_output_is_said_alike_by_audit_compare_and_resume(tmp_path: Path,
                                                                    cli) -> None:
    """Pass 84s, S6: audit called predict's file "a file no merbench result is written
    in", compare its folder one that "holds neither results.json nor seeds.json", and
    ``run --resume`` "not a merbench run directory", where validate names it."""
    from merbench.results.prediction_file import PREDICT_OUTPUT, PREDICTIONS_FILE

    out = tmp_path / "predicted"
    out.mkdir()
    (out / PREDICTIONS_FILE).write_text("{}")
    for args in (("audit", out / PREDICTIONS_FILE), ("audit", out), ("compare", out, AUDITED),
                 ("run", "--resume", out)):
        code, stdout, err = cli(*args)
        assert code != 0 and PREDICT_OUTPUT in " ".join(err.split()), (args, stdout, err)
