"""Bad inputs, third round: each is one line that names the file, row or option and the fix,
exit status 2, no traceback, and nothing already computed lost.

Tracebacks (a NaN option, a negative audit seed, an empty key path, a definition that is
not UTF-8, JSON nested 200,000 deep), a hang (``merbench status /``), misleading messages
(advice to write from a read-only command, a seeds summary taken for a results file, Python's
advice about integer digits), options taken when they should not be (an empty list of
databases, an existing file overwritten, an abbreviated option) and a temporary file that
nothing removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from merbench.cli import build_parser

SMALL = ["--model", "ststnet", "--dataset", "synthetic", "--quiet", "--device", "cpu",
         "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
         "--dataset-opt", "samples_per_subject=3", "--epochs", "1"]
HUGE = "9" * 5000
DEAD_PID = 2**22 + 17  # above Linux's pid_max default: no process has it


def _one_line_error(code: int, err: str, *expected: str) -> None:
    assert code == 2, err
    assert err.startswith("merbench: error: ") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, err


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-seed folder (seeds.json, seed-0, seed-1), copied by each test that
    damages it."""
    out = tmp_path_factory.mktemp("seeds") / "s"
    code, _, err = run_cli("run", *SMALL, "--seeds", "0,1", "--out", out)
    assert code == 0, err
    return out


@pytest.fixture
def copy(seeds_run: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeds_run, tmp_path / "results" / "s")
    return tmp_path / "results" / "s"


# --- tracebacks -------------------------------------------------------------------------

@pytest.mark.parametrize(("option", "value", "expected"), [
    # each said as typed, not as read (1e999 was echoed as inf: the fifth adversarial pass)
    ("--model-opt", "dropout=NaN", "--model-opt dropout=NaN: the value is not a number"),
    ("--model-opt", "dropout=inf", "--model-opt dropout=inf: the value is infinite"),
    ("--model-opt", "dropout=-nan", "--model-opt dropout=-nan: the value is not a number"),
    ("--model-opt", "dropout=Infinity", "--model-opt dropout=Infinity: the value is infinite"),
    ("--model-opt", "dropout=1e999", "--model-opt dropout=1e999: the value is infinite"),
    ("--dataset-opt", "noise=-1e999",
     "--dataset-opt noise=-1e999: the value is infinite"),
    ("--feature-opt", 'sizes=[1, {"a": NaN}]',
     """--feature-opt 'sizes=[1, {"a": NaN}]': sizes[1].a is not a number (NaN)"""),
])
def test_a_number_that_is_not_finite_is_refused_before_the_run_starts(
        cli, tmp_path: Path, option: str, value: str, expected: str) -> None:
    code, _, err = cli("run", *SMALL, option, value, "--out", tmp_path / "r")
    _one_line_error(code, err, expected, "give a finite number")
    assert not (tmp_path / "r").exists()  # refused before the run folder was made


def test_convert_weights_refuses_an_option_that_is_not_finite(cli, tmp_path: Path) -> None:
    code, _, err = cli("convert-weights", "mmnet", tmp_path / "none.pth", "--out",
                       tmp_path / "out.pth", "--model-opt", "dropout=NaN")
    _one_line_error(code, err, "--model-opt dropout=NaN: the value is not a number (NaN)")


def test_a_sweep_plan_option_that_is_not_finite_is_refused(cli, tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                                        "model_options = {dropout = nan}\n")
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    _one_line_error(code, err, "runs[0] model_options: dropout is not a number (NaN); give a "
                               "finite number")


@pytest.mark.parametrize(("seed", "said"), [
    ("-1", "--seed must be a non-negative integer in range, 0 to 18446744073709551615"),
    ("1.5", "--seed takes a whole number, not '1.5' (a seed is 0 to 18446744073709551615)"),
    (HUGE, "--seed must be a non-negative integer in range, 0 to 18446744073709551615"),
])
def test_an_audit_seed_out_of_range(cli, seeds_run: Path, seed: str, said: str) -> None:
    code, _, err = cli("audit", seeds_run / "seed-0", "--seed", seed)
    _one_line_error(code, err, said)
    assert not (seeds_run / "seed-0" / "audit.json").exists()


@pytest.mark.parametrize("out", ["", ".", "/"])
def test_keygen_out_that_names_no_file(cli, out: str) -> None:
    code, _, err = cli("keygen", "--out", out)
    _one_line_error(code, err, "an empty path names nothing" if out == "" else
                    f"--out {out} names a folder; give the file's name, e.g. audit-key")


@pytest.mark.parametrize("command", ["build", "export"])
def test_a_benchmark_definition_that_is_not_utf8(cli, tmp_path: Path, command: str) -> None:
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    (benches / "mine.json").write_bytes(b'{"id": "caf\xe9"}')
    (tmp_path / "results").mkdir()
    where = ["build", "--out", tmp_path / "site"] if command == "build" else \
        ["export", "composite-3class-loso"]
    code, _, err = cli("leaderboard", *where, "--results", tmp_path / "results",
                       "--benchmarks", benches)
    _one_line_error(code, err, f"benchmark {benches / 'mine.json'} is not UTF-8 text (byte 11 "
                               "cannot be read: Latin-1 or Windows-1252, perhaps); save the "
                               "definition as UTF-8 JSON")


def test_a_deeply_nested_benchmark_definition(cli, tmp_path: Path) -> None:
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    (benches / "mine.json").write_text("[" * 200_000)
    code, _, err = cli("leaderboard", "export", "x", "--results", tmp_path,
                       "--benchmarks", benches)
    _one_line_error(code, err, "mine.json is not readable JSON (nested deeper than 100 levels")


def test_a_benchmark_definition_with_a_non_finite_option(cli, tmp_path: Path) -> None:
    """NaN (which JSON readers accept) where a dataset option should be: no run could match
    it, so the definition is refused in one line, as the option on a run would be."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    shipped = json.loads((Path(__file__).resolve().parents[1] / "merbench" / "leaderboard"
                          / "definitions" / "composite-3class-loso.json").read_text())
    shipped["dataset_options"] = {"threshold": float("nan")}
    (benches / "mine.json").write_text(json.dumps(shipped))
    code, _, err = cli("leaderboard", "export", "composite-3class-loso", "--results", tmp_path,
                       "--benchmarks", benches)
    _one_line_error(code, err, f"benchmark {benches / 'mine.json'}: 'dataset_options' "
                               "threshold=nan: the value is not a number (NaN); give a finite "
                               "number")


DEEP = "nested deeper than 100 levels"
# (command, damaged file) -> exit status; 0 where the command does not need the file, or
# (status) reads it only for progress, or (a resumed run) writes it again from the folds
STATUS = {
    "validate": {"results.json": 2, "run.json": 2, "seeds.json": 2, "audit.json": 2},
    "status": {"results.json": 0, "run.json": 2, "seeds.json": 0, "audit.json": 0},
    "resume": {"results.json": 0, "run.json": 2, "seeds.json": 0, "audit.json": 0},
    # migrate reads audit.json too (it names any merbench JSON it cannot read)
    "migrate": {"results.json": 2, "run.json": 2, "seeds.json": 2, "audit.json": 2},
    "build": {"results.json": 0, "run.json": 0, "seeds.json": 0, "audit.json": 0},
}


@pytest.mark.parametrize("name", ["results.json", "run.json", "seeds.json", "audit.json"])
@pytest.mark.parametrize("command", list(STATUS))
def test_json_nested_200000_deep_is_a_bad_file_not_a_crash(cli, copy: Path, tmp_path: Path,
                                                          command: str, name: str) -> None:
    damaged = copy / name if name == "seeds.json" else copy / "seed-0" / name
    damaged.write_text("[" * 200_000)
    folds = {p: p.read_bytes() for p in copy.glob("seed-*/folds/*.npz")}
    args = {"validate": ["validate", copy], "status": ["status", copy],
            "resume": ["run", "--resume", copy / "seed-0", "--quiet"],
            "migrate": ["migrate", copy],
            "build": ["leaderboard", "build", "--results", copy.parent, "--out",
                      tmp_path / "site"]}[command]
    code, _, err = cli(*args)
    assert code == STATUS[command][name], err
    assert all(line.startswith("merbench: ") for line in err.splitlines()), err
    if code == 2:
        assert DEEP in err, err
    if command == "build":  # the bad file is listed as rejected, on the index too
        assert DEEP in err and DEEP in (tmp_path / "site" / "index.html").read_text()
    if command == "status" and name == "run.json":
        assert "--out" not in err and "remove the directory" not in err
    assert {p: p.read_bytes() for p in folds} == folds  # nothing computed is lost



def test_the_depth_check_passes_large_results_at_once() -> None:
    from merbench.results.codec import MAX_DEPTH, loads

    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(json.JSONDecodeError, match="nested deeper than 100 levels"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    # brackets in strings, and an unterminated string, are text, not nesting
    assert loads(json.dumps(["[" * 1000, "{" * 1000])) == ["[" * 1000, "{" * 1000]
    with pytest.raises(json.JSONDecodeError, match="Unterminated string"):
        loads('"' + "[" * 1000)


def test_a_large_results_file_is_checked_level_by_level_not_bracket_by_bracket(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide file (90,000 pairs, four levels deep) is reduced by one regular expression a
    level, and never walked bracket by bracket, which took seconds; counted, not timed."""
    from merbench.results import codec

    passes, walks = [], []

    class Counted:
        def __init__(self, pattern: Any, seen: list[int]) -> None:
            self.pattern, self.seen = pattern, seen

        def sub(self, *args: Any) -> Any:
            self.seen.append(1)
            return self.pattern.sub(*args)

        def finditer(self, *args: Any) -> Any:
            self.seen.append(1)
            return self.pattern.finditer(*args)

    monkeypatch.setattr(codec, "_PAIR", Counted(codec._PAIR, passes))
    monkeypatch.setattr(codec, "_BRACKET_OR_STRING", Counted(codec._BRACKET_OR_STRING, walks))
    wide = json.dumps({"folds": [[[i, i + 1] for i in range(300)] for _ in range(300)]})
    assert codec.loads(wide) == json.loads(wide)
    assert len(passes) == 4 and walks == []


# --- a hang -----------------------------------------------------------------------------

def test_status_of_the_file_system_root_answers_at_once(cli) -> None:
    started = time.perf_counter()
    code, _, err = cli("status", "/")
    assert time.perf_counter() - started < 1.0
    _one_line_error(code, err, "/ is a system folder, not a run folder or a folder of runs")


def test_status_gives_up_on_a_folder_of_too_many_folders(cli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from merbench.results import folder_walk

    monkeypatch.setattr(folder_walk, "FOLDERS_LOOKED_INTO", 20)
    for i in range(30):
        (tmp_path / "data" / f"d{i}" / "x").mkdir(parents=True)
    code, _, err = cli("status", tmp_path / "data")
    _one_line_error(code, err, "has more than 20 folders within 8 levels of it: it is no "
                               "folder of results; give the folder that holds your runs")
    deep = tmp_path.joinpath("deep", *"abcdefghi")  # nine levels down: not looked for
    deep.mkdir(parents=True)
    (deep / "run.json").write_text("{}")
    code, _, err = cli("status", tmp_path / "deep")
    _one_line_error(code, err, "holds no merbench run up to 8 levels below; ")
    assert "holds folders more than 8 levels below" in err, err


# --- misleading messages ----------------------------------------------------------------

def test_an_unreadable_run_file_is_said_once_and_read_only_commands_advise_no_writes(
        cli, copy: Path) -> None:
    run = copy / "seed-0"
    (run / "run.json").write_text("{oops")
    code, _, err = cli("validate", run)
    assert code == 2 and err.count("is unreadable") == 1, err
    assert "run.json is unreadable (not JSON at line 1, column 2)" in err and "--out" not in err
    code, _, err = cli("status", run)
    _one_line_error(code, err, "run.json is unreadable (", "restore it from a copy of the run")
    assert "--out" not in err and "remove the directory" not in err
    code, _, err = cli("run", "--resume", run)
    _one_line_error(code, err, "--resume", "so nothing says what to resume")
    assert err.count("is unreadable") == 1
    code, _, err = cli("run", *SMALL, "--out", run)  # a command that writes: where instead
    _one_line_error(code, err, "so the run in it cannot go on; restore it from a copy of the "
                               f"run, or remove {run} and run the same command again")
    assert err.count("is unreadable") == 1


def test_a_seeds_summary_given_as_a_results_file_is_named(cli, copy: Path,
                                                         tmp_path: Path) -> None:
    shutil.copy(copy / "seeds.json", tmp_path / "summary.json")
    code, _, err = cli("validate", tmp_path / "summary.json")
    assert code == 2
    assert "is a seeds summary (what 'merbench run --seeds' and 'merbench sweep' write as " \
           "seeds.json), not a run's results file; 'merbench validate' and 'merbench " \
           "compare' read it" in err
    assert "is not part of this layout" not in err


@pytest.mark.parametrize("args", [
    ["run", "--model", "ststnet", "--dataset", "synthetic", "--seed", HUGE],
    ["run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", f"0,{HUGE}"],
    ["run", "--model", "ststnet", "--dataset", "synthetic", "--seed", str(2**64)],
])
def test_a_seed_of_5000_digits_is_a_seed_out_of_range(cli, args: list[str]) -> None:
    code, _, err = cli(*args)
    _one_line_error(code, err, "must be a non-negative integer in range, 0 to "
                               "18446744073709551615")
    assert "set_int_max_str_digits" not in err and len(err) < 300


def test_a_plan_seed_of_5000_digits(cli, tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                                        f"seeds = [{HUGE}]\n")
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    _one_line_error(code, err, "has a number of more than 4,300 digits, which no plan needs")
    assert "set_int_max_str_digits" not in err
    (tmp_path / "plan.toml").write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                                        f"seeds = [{2**64}]\n")
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    _one_line_error(code, err, "seeds: must be a list of whole numbers from 0 to")


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every command's and sub-command's parser under it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_no_help_prints_a_doubled_percent_sign() -> None:
    """Descriptions are not %-formatted: "95%%" reached 'leaderboard export --help'."""
    helps = {p.prog: p.format_help() for p in _parsers(build_parser())}
    assert "merbench leaderboard export" in helps
    assert [prog for prog, text in helps.items() if "%%" in text] == []
    assert "95% interval" in helps["merbench leaderboard export"]


# --- wrongly accepted -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["databases=[]", "databases=syn1", 'databases=[""]'])
def test_an_empty_or_unlisted_protocol_database_list(cli, tmp_path: Path, value: str) -> None:
    code, _, err = cli("run", *SMALL, "--protocol-opt", value, "--out", tmp_path / "r")
    _one_line_error(code, err, "protocol option databases=",
                    "give a list of one or more database names")
    assert not (tmp_path / "r").exists()


def test_leaderboard_export_refuses_an_existing_file_without_force(cli, tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    paper = tmp_path / "paper.tex"
    paper.write_text("my paper\n")
    base = ["leaderboard", "export", "composite-3class-loso", "--results", tmp_path / "results",
            "--format", "latex", "--out", paper]
    code, _, err = cli(*base)
    _one_line_error(code, err, f"--out {paper} exists", "give --force to replace it")
    assert paper.read_text() == "my paper\n"
    code, out, err = cli(*base, "--force")
    assert code == 0, err
    assert paper.read_text().startswith("% MEGC2019") and out == f"latex: {paper}\n"
    code, _, err = cli(*base[:-1], tmp_path / "results")
    _one_line_error(code, err, "is a folder; give the file to write the table to")


def test_options_are_never_abbreviated(cli) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epoch", "3")
    _one_line_error(code, err, "unknown option --epoch (did you mean --epochs?); options are "
                               "never abbreviated", "see 'merbench run --help'")
    code, _, err = cli("leaderboard", "build", "--res", "x", "--out", "y")
    _one_line_error(code, err, "unknown option --res (did you mean --results?); options are "
                               "never abbreviated")
    code, _, err = cli("status", "--frobnicate")
    _one_line_error(code, err, "unknown option --frobnicate (see")
    assert [p.prog for p in _parsers(build_parser()) if p.allow_abbrev] == []


# --- leftovers --------------------------------------------------------------------------

def _stale(folder: Path) -> Path:
    leftover = folder / f".seeds.json.{DEAD_PID}.k1ll3d00.merbench-tmp"
    leftover.write_text("half a summary")
    return leftover


def test_a_seeds_run_removes_the_temporary_a_killed_summary_left(cli, copy: Path) -> None:
    stale = _stale(copy)
    live = copy / f".seeds.json.{os.getpid()}.w0rk1ng0.merbench-tmp"
    live.write_text("being written")  # a live writer's: stays
    code, _, err = cli("run", *SMALL, "--seeds", "0,1", "--out", copy)
    assert code == 0, err
    assert not stale.exists() and live.exists()
    assert json.loads((copy / "seeds.json").read_text())["kind"] == "seeds"


def test_a_sweep_removes_the_temporaries_a_killed_summary_left(cli, tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(
        'out = "swept"\n[defaults]\nepochs = 1\ndevice = "cpu"\n[[runs]]\nmodel = "ststnet"\n'
        'dataset = "synthetic"\ndataset_options = {subjects = 2, databases = 1, '
        "samples_per_subject = 3}\nseeds = [0]\n")
    assert cli("sweep", tmp_path / "plan.toml", "--quiet")[0] == 0
    (configuration,) = [p for p in (tmp_path / "swept").iterdir() if p.is_dir()]
    stale = [_stale(configuration), _stale(tmp_path / "swept")]
    code, _, err = cli("sweep", tmp_path / "plan.toml", "--quiet")
    assert code == 0, err
    assert not any(p.exists() for p in stale)


# --- what validate can and cannot prove about timings -----------------------------------

def test_timings_scaled_consistently_pass_validate_as_the_guide_says(copy: Path) -> None:
    """Timings are recorded, not verified (docs/user-guide.md): every time multiplied by
    1.3, consistently in every file, is accepted. If validate learns to tell, the guide
    must say so."""
    from forgery import rewrite_run

    from merbench.results.rundir import RunDirectory
    from merbench.verification.validate import validate_run

    run = copy / "seed-0"
    store = RunDirectory(run)
    n_folds = json.loads((run / "results.json").read_text())["protocol"]["n_folds"]
    seconds = []
    for index in range(n_folds):
        fold = store.load_fold(index)
        assert fold is not None
        seconds.append(fold.seconds * 1.3)
        store.save_fold(replace(fold, seconds=seconds[-1]))

    def slower(results: dict) -> None:  # type: ignore[type-arg]
        for fold, taken in zip(results["folds"], seconds, strict=True):
            fold["seconds"] = round(taken, 3)
        results["train_time_s"] = round(sum(seconds), 3)
        results["wall_time_s"] = round(results["wall_time_s"] * 1.3, 3)

    before = json.loads((run / "results.json").read_text())
    rewrite_run(run, slower)
    checked = validate_run(run)
    assert checked.results.wall_time_s > before["wall_time_s"]
    guide = (Path(__file__).parents[1] / "docs" / "user-guide.md").read_text()
    assert "Timings are recorded, not\nverified" in guide and "multiplied by 1.3" in guide


def test_status_says_when_a_runs_results_file_cannot_be_read(cli, tmp_path: Path) -> None:
    """Every fold finished but results.json damaged: not 'complete', and not silent about it."""
    run = tmp_path / "run"
    shutil.copytree(Path(__file__).resolve().parents[1] / "leaderboards" / "results"
                    / "rcn-composite-loso" / "seed-0", run)
    code, out, _ = cli("status", run)
    assert code == 0 and "complete, 68/68 folds" in out and "cannot be read" not in out
    (run / "results.json").write_text("{bad")
    code, out, _ = cli("status", run)
    assert code == 0 and "complete" not in out
    assert "its results.json cannot be read ('merbench validate' says why)" in out


def test_migrate_of_a_fold_file_nested_too_deep_says_so_in_one_line(cli, tmp_path: Path) -> None:
    import numpy as np

    run = tmp_path / "run"
    shutil.copytree(Path(__file__).resolve().parents[1] / "leaderboards" / "results"
                    / "rcn-composite-loso" / "seed-0", run)
    fold = sorted((run / "folds").glob("fold-*.npz"))[0]
    with np.load(fold) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["meta"] = np.asarray('{"a":' * 5000 + "1" + "}" * 5000)
    np.savez(fold, **arrays)
    code, _, err = cli("migrate", run)
    _one_line_error(code, err,
                    f"fold file {fold} is damaged (it holds metadata that is not JSON: {DEEP}")
    assert "RecursionError" not in err


def test_a_line_separator_in_a_trusted_keys_name_is_part_of_the_name(cli, tmp_path: Path
                                                                      ) -> None:
    """U+2028 in the name of a KEY.pub line: one key with that name (shown escaped), not a
    second line that is no key; a line that is no key says its form once."""
    code, _, err = cli("keygen", "--out", tmp_path / "my.key", "--name", "Jane")
    assert code == 0, err
    public = tmp_path / "my.key.pub"
    public.write_text(public.read_text().replace("Jane", "Ja\u2028ne"))
    (tmp_path / "none").mkdir()
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "none", "--out",
                         tmp_path / "site", "--trust", public)
    assert code == 0, err
    assert "(Ja\\u2028ne)" in out
    (tmp_path / "bad.pub").write_text("rsa AAAA x\n")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "none", "--out",
                       tmp_path / "site2", "--trust", tmp_path / "bad.pub")
    _one_line_error(code, err, "line 1: not a public key")
    assert err.count("as 'merbench keygen' writes it") == 1
