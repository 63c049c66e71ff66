"""Every bad input: one line on stderr saying what to do, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

RUN = ["run", "--model", "ststnet", "--dataset", "synthetic", "--quiet"]


def _one_line_error(code: int, err: str, *expected: str) -> None:
    assert code == 2, err
    assert err.startswith("merbench: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err


@pytest.mark.parametrize(("args", "expected"), [
    (["run", "--model", "ststnt", "--dataset", "synthetic"],
     ["unknown model 'ststnt' (did you mean 'ststnet'?); available: ", "ststnet"]),
    (["run", "--model", "STSTNet", "--dataset", "synthetic"],
     ["unknown model 'STSTNet' (did you mean 'ststnet'?); available: "]),
    (["run", "--model", "ststnet", "--dataset", "synthetc"],
     ["unknown dataset 'synthetc' (did you mean 'synthetic'?)"]),
    ([*RUN, "--protocol", "lso"], ["unknown protocol 'lso' (did you mean 'loso'?)"]),
    ([*RUN, "--epochs", "-1"], ["--epochs must be at least 1 (got -1)"]),
    ([*RUN, "--epochs", "0"], ["--epochs must be at least 1"]),
    ([*RUN, "--epochs", "ten"], ["--epochs takes a whole number, not 'ten'"]),
    ([*RUN, "--batch-size", "0"], ["--batch-size must be at least 1"]),
    ([*RUN, "--lr", "-0.1"], ["--lr must be a positive number"]),
    ([*RUN, "--lr", "nan"], ["--lr nan: the value is not a number (NaN); give a finite number"]),
    ([*RUN, "--lr", "1e300"], ["--lr must be at most 1000 (got 1e300)", "overflows"]),
    ([*RUN, "--epochs", "1000000000"],
     ["--epochs must be at most 100,000 (got 1000000000)"]),  # as typed
    ([*RUN, "--threads", "100000"], ["--threads must be at most ", "leave it out"]),
    (["run", "--resume", __file__], [f"--resume {__file__} is a file; give the run directory"]),
    ([*RUN, "--seed", "-3"], ["--seed must be a non-negative integer"]),
    ([*RUN, "--device", "gpu"], ["unknown --device 'gpu'; use auto, cpu, cuda, cuda:N or mps"]),
    ([*RUN, "--selection", "best"],
     ["unknown selection policy 'best'; available: fixed, inner-val, oracle"]),
    ([*RUN, "--selection", "inner-val", "--inner-val-subjects", "0"],
     ["--inner-val-subjects must be at least 1"]),
    ([*RUN, "--inner-val-subjects", "2"], ["--inner-val-subjects is for --selection inner-val"]),
    ([*RUN, "--data-root", "/tmp"], ["dataset 'synthetic' reads no files; leave out --data-root"]),
    ([*RUN, "--dataset-opt", "subjetcs=3"],
     ["dataset 'synthetic' has no option 'subjetcs'; its options are: subjects"]),
    ([*RUN, "--dataset-opt", "subjects=1"], ["subjects must be at least 2"]),
    ([*RUN, "--dataset-opt", "subjects"], ["--dataset-opt subjects: give KEY=VALUE"]),
    ([*RUN, "--model-opt", "num_classes=4"], ["the number of classes comes from the dataset"]),
    ([*RUN, "--model-opt", "num_classes=3"], ["the number of classes comes from the dataset"]),
    ([*RUN, "--model-opt", "paddin=1"], ["model 'ststnet' has no option 'paddin'; its options "
                                         "are: padding, dropout, image_size"]),
    ([*RUN, "--feature-opt", "size=14"],
     ["feature 'flow-uvos' takes no options (given 'size')"]),
    (["run", "--model", "ststnet"], ["needs --dataset"]),
    (["list", "modls"], ["merbench list has no KIND 'modls'"]),
    (["frobnicate"], ["merbench has no command 'frobnicate'"]),
])
def test_bad_input(cli, args: list[str], expected: list[str]) -> None:
    code, _out, err = cli(*args)
    _one_line_error(code, err, *expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu(cli) -> None:
    code, _, err = cli(*RUN, "--device", "cuda")
    _one_line_error(code, err, "--device cuda", "no CUDA GPU", "use --device cpu")


def test_out_dir_holding_a_different_run(cli, tmp_path: Path) -> None:
    small = ["--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=3",
             "--device", "cpu"]
    assert cli(*RUN, *small, "--epochs", "1", "--out", tmp_path / "r")[0] == 0
    code, _, err = cli(*RUN, *small, "--epochs", "2", "--out", tmp_path / "r")
    _one_line_error(code, err, "holds a different run", "hyperparameters.epochs: 2 here, 1 there",
                    "choose another --out")


def test_out_dir_that_is_not_a_run(cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli(*RUN, "--out", tmp_path)
    _one_line_error(code, err, "is not empty and holds no merbench run")
    code, _, err = cli(*RUN, "--out", tmp_path / "notes.txt")
    _one_line_error(code, err, "is a file")


def test_out_dir_that_cannot_be_created(cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli(*RUN, "--out", tmp_path / "notes.txt" / "r")
    _one_line_error(code, err, f"--out {tmp_path / 'notes.txt' / 'r'} cannot be created "
                               f"({tmp_path / 'notes.txt'} is a file, not a folder); choose a "
                               "directory you can write to")


def test_a_file_system_failure_mid_run_is_one_line(cli, tmp_path: Path, monkeypatch) -> None:
    import errno

    from merbench.results.rundir import RunDirectory

    def disk_full(self, fold) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.fold_path(fold.index)))

    monkeypatch.setattr(RunDirectory, "save_fold", disk_full)
    code, _, err = cli(*RUN, "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
                       "--epochs", "1", "--device", "cpu", "--out", tmp_path / "r")
    _one_line_error(code, err, f"failed on {tmp_path / 'r' / 'folds'}",
                    "(no space left on the device); "
                    "free some disk space, then run the same command again: work already "
                    "finished is kept")


def test_resume_errors(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", "--resume", tmp_path)
    _one_line_error(code, err, "is not a merbench run directory")
    code, _, err = cli("run", "--resume", tmp_path, "--model", "ststnet")
    _one_line_error(code, err, "--resume takes every option from", "leave out --model")


def test_damaged_fold_file_names_the_file(cli, tmp_path: Path) -> None:
    args = [*RUN, "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
            "--dataset-opt", "samples_per_subject=3",
            "--device", "cpu", "--epochs", "1", "--out", tmp_path / "r"]
    assert cli(*args)[0] == 0
    (tmp_path / "r" / "folds" / "fold-001.npz").write_bytes(b"not a fold")
    code, _, err = cli(*args)
    _one_line_error(code, err, "fold-001.npz is damaged", "delete that one file")


def test_no_traceback_from_the_installed_command() -> None:
    done = subprocess.run([sys.executable, "-m", "merbench", "run", "--model", "htnt",
                           "--dataset", "synthetic"], capture_output=True, text=True)
    _one_line_error(done.returncode, done.stderr, "unknown model 'htnt'")


def test_run_that_stopped_before_any_fold_can_be_started_again(cli, tmp_path: Path) -> None:
    base = [*RUN, "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1", "--device",
            "cpu", "--epochs", "1", "--out", tmp_path / "r"]
    # an option of the declared type and bounds that torch refuses only inside the fold,
    # as data goes through the model (offapexnet sized for 32x32 inputs, given 28x28): the
    # failure is said in one line by the run's handling of a fold that fails, never torch's
    # RuntimeError (ststnet's image_size=2, used before, is now refused by ststnet itself)
    other = [*base[:base.index("--model") + 1], "offapexnet",
             *base[base.index("--model") + 2:]]
    code, _, err = cli(*other, "--model-opt", "image_size=32")
    _one_line_error(code, err, "model 'offapexnet' failed its first training step, before "
                    "any fold finished; its options (image_size=32) are the likely cause",
                    "This run kept no fold")
    # nothing trained, so nothing is left: no run.json of a run that never started (issue 69)
    assert not (tmp_path / "r").exists()
    code, _, err = cli(*base, "--model-opt", "dropout=0.3")
    assert code == 0, err


def test_ctrl_c_in_any_command_is_one_line(cli, monkeypatch) -> None:
    import merbench.cli as cli_module

    def interrupted(args) -> int:
        raise KeyboardInterrupt

    handlers = cli_module._commands()
    monkeypatch.setattr(cli_module, "_commands", lambda: {**handlers, "validate": interrupted})
    code, _, err = cli("validate", "anything")
    assert code == 130
    assert err == "merbench: interrupted — 'merbench validate' did not finish; run it again\n"


def test_a_model_missing_its_input_is_told_which_feature_computes_it(cli) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "casme2")
    assert code == 2 and err.count("\n") == 1
    assert "provides only onset_frame, apex_frame; --feature tvl1-uvos computes the model's " \
           "input from what 'casme2' provides" in err
    # a feature that would not fit the model is never offered
    code, _, err = cli("run", "--model", "htnet", "--dataset", "casme2")
    assert "--feature tvl1-uvos" not in err


@pytest.mark.parametrize("command", ["run", "sweep", "extract", "list", "audit", "cache",
                                     "validate", "compare", "leaderboard", "status", "migrate",
                                     "keygen"])
def test_help_prints_percent_signs_once(command: str) -> None:
    """argparse formats help strings with %, not descriptions: a %% written in a
    description reached the reader as "95%%"."""
    from merbench.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    text = subparsers.choices[command].format_help()  # type: ignore[attr-defined]
    assert "%%" not in text
