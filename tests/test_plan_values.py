"""A sweep plan's and a tuning file's values refused in the file's own words (an adversarial
pass of issue 84): a key named as the file spells it (``epochs``, not the command line's
``--epochs``), an empty path refused (``Path("")`` is the current folder), and a NaN or an
infinity (TOML reads ``1e999`` as ``inf``) refused by key, without echoing a value the
file does not hold."""

from __future__ import annotations

from pathlib import Path

import pytest

RUN = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
TUNE = ('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
        '[options]\nepochs = 1\n[search]\nsampler = "grid"\n'
        "[space]\nlr = {choices = [0.001, 0.03]}\n")


def _one_line(code: int, err: str, *said: str) -> None:
    assert code == 2 and err.startswith("merbench: error: ") and err.count("\n") == 1, err
    for text in said:
        assert text in err, err


@pytest.mark.parametrize(("lines", "said"), [
    ("epochs = 0\n", "runs[0] (ststnet on synthetic/loso) epochs: must be at least 1 (got 0)"),
    ("batch_size = 10000000\n", "batch_size: must be at most 65,536"),
    ("lr = 1e9\n", "lr: must be at most 1000"),
    ("lr = 1e999\n", "plan.toml: runs[0] lr: is infinite; give a finite number"),
    ("lr = nan\n", "runs[0] lr: is not a number (NaN); give a finite number"),
    ("model_options = {dropout = 1e999}\n",
     "runs[0] model_options: dropout is infinite; give a finite number"),
    ('data_root = ""\n', "runs[0] data_root: is an empty path, which names nothing"),
    ('features = " "\n', "runs[0] features: is an empty path, which names nothing"),
])
def test_a_sweep_plan_value_is_named_as_the_plan_gives_it(cli, tmp_path: Path, lines: str,
                                                          said: str) -> None:
    (tmp_path / "plan.toml").write_text(RUN + lines)
    code, _, err = cli("sweep", "--yes", tmp_path / "plan.toml")
    _one_line(code, err, said)
    assert "--" not in err and "inf)" not in err, err  # no flag, no value it did not hold
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.toml"]


def test_a_sweep_command_line_option_keeps_its_flag(cli, tmp_path: Path) -> None:
    """What the sweep's own command line gave is named as typed there."""
    (tmp_path / "plan.toml").write_text(RUN)
    code, _, err = cli("sweep", "--yes", tmp_path / "plan.toml", "--threads", "0")
    _one_line(code, err, "--threads must be at least 1")


@pytest.mark.parametrize(("edit", "said"), [
    (("[options]\nepochs = 1\n", "[options]\nepochs = 1\nlr = 1e999\n"),
     "[options] lr: is infinite"),
    (("[options]\nepochs = 1\n", '[options]\nepochs = 1\ndata_root = ""\n'),
     "[options] data_root: is an empty path"),
    (("0.03]}", "1e999]}"), "[space] lr: a choice is infinite"),
    (("0.03]}\n", '0.03]}\n"model_options.dropout" = {choices = [0.1, 1e999]}\n'),
     "t.toml: [space] model_options.dropout: a choice is infinite"),
])
def test_a_tuning_file_value_is_refused_by_its_key(cli, tmp_path: Path,
                                                   edit: tuple[str, str], said: str) -> None:
    (tmp_path / "t.toml").write_text(TUNE.replace(*edit))
    code, _, err = cli("tune", tmp_path / "t.toml", "--out", tmp_path / "o", "--score", "test")
    _one_line(code, err, said, "give ")
    assert "--model-opt" not in err and "=inf" not in err, err
    assert not (tmp_path / "o").exists()
