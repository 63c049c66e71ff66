"""Numbers as a user writes them, each as the user meets it (pass 84j): an AU number of
``--au-set`` in every whole-number spelling (``4.0``, ``+4``, ``4e0`` were "no AU number"
where ``04`` was AU 4), and a number too close to 0 for a float, said as written in a sweep
plan too (``lr = 1e-400`` was "(got 0)"), without "give 0 itself" to an option that must
be above 0 (a learning rate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.data.au_labels import parse_au_set


def _refused(cli, *argv: object) -> str:
    code, out, err = cli(*argv)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("merbench: error: "), err
    return err


@pytest.mark.parametrize("spelled", ["4.0,10", "+4,10", "4e0,10", "04,10.0", "AU4.0, 10"])
def test_an_au_number_is_read_in_every_whole_number_spelling(cli, tmp_path: Path,
                                                             spelled: str) -> None:
    assert parse_au_set(spelled) == (4, 10)
    # the set is taken: what stops this run is its dataset, which codes no AUs
    err = _refused(cli, "run", *TINY_RUN, "--task", "au", "--au-set", spelled,
                   "--out", tmp_path / "r")
    assert "is no AU number" not in err, err
    assert err.startswith("merbench: error: dataset 'synthetic' gives no action-unit labels"), err


@pytest.mark.parametrize(("spelled", "bad"), [("4.5,10", "4.5"), ("10,-4", "-4"),
                                              ("0,10", "0"), ("1e2", "1e2")])
def test_what_is_no_au_number_is_still_refused_as_typed(cli, tmp_path: Path, spelled: str,
                                                        bad: str) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--task", "au", "--au-set", spelled,
                   "--out", tmp_path / "r")
    assert err.startswith(f"merbench: error: --au-set '{spelled}': '{bad}' is no AU "
                          "number; give AU numbers 1..99"), err


def _plan(tmp_path: Path, line: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path / "sw"}"\n[[runs]]\nmodel = "ststnet"\n'
                    f'dataset = "synthetic"\nepochs = 1\n{line}\n')
    return plan


@pytest.mark.parametrize(("line", "said"), [
    ("lr = 1e-400", "runs[0] lr: 1e-400 is too close to 0 to be told from it (it reads as 0); give "
                    "a larger number\n"),
    ("checkpoint_every = 1e-400", "runs[0] checkpoint_every: 1e-400 is too close to 0 to be told "
                                  "from it (it reads as 0); give 0 itself or a larger number\n"),
    ("model_options = {dropout = -1e-400}", "runs[0] model_options: dropout, -1e-400, is too close "
                                            "to 0"),
    ("batch_size = 1e-400", "runs[0] batch_size: must be a whole number, not 1e-400\n"),
    ("seeds = [1e-400]", "seeds: must be a list of whole numbers from 0 to"),
], ids=["lr", "checkpoint", "model-option", "whole", "seed"])
def test_a_plan_number_too_close_to_0_is_said_as_written(cli, tmp_path: Path, line: str,
                                                         said: str) -> None:
    err = _refused(cli, "sweep", _plan(tmp_path, line))
    assert said in err and "(got 0)" not in err, err
    assert not (tmp_path / "sw").exists()


def test_0_itself_is_no_advice_for_an_option_that_must_be_above_0(cli, tmp_path: Path) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--lr", "1e-400", "--out", tmp_path / "r")
    assert err.startswith("merbench: error: --lr 1e-400: the value is too close to 0 to be "
                          "told from it (it reads as 0); give a larger number"), err
    assert "0 itself" not in err
    err = _refused(cli, "run", *TINY_RUN, "--checkpoint-every", "1e-400", "--out", tmp_path / "r")
    assert "give 0 itself or a larger number" in err, err  # 0 is a value it takes: never
