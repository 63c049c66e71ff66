"""Checkpoints that hold weights in a layout ``torch.save`` allows but a state dict is not
(under a key of the script's own, or beside a non-tensor entry) are refused naming where the
tensors are, or which entry is none, and what to re-save; and a release's checkpoints whose
ending is not lower case (``S01.PTH``) are taken, by convert-weights and ``run --weights``
alike, where they were left out unsaid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_refusals_84ac_weights import _authors_ststnet, _convert

from merbench.base.errors import MerbenchError
from merbench.training.checkpoints import fold_checkpoint, read_state_dict

SYNTHETIC = ("--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4",
             "--dataset-opt", "databases=1")


def test_a_state_dict_under_another_key_is_named_with_its_key(tmp_path: Path,
                                                              cli: Any) -> None:
    state = _authors_ststnet()
    code, err, source = _convert(cli, tmp_path, {"net": state, "epoch": 5})
    assert code == 2
    assert one_line(err) == (
        f"merbench: error: checkpoint {source} holds a state dict under 'net' ({len(state)} "
        "tensors), not at its top: re-save that dict alone, "
        "torch.save(torch.load(path)['net'], path)")


def test_an_entry_that_is_no_tensor_is_named_with_its_value(tmp_path: Path,
                                                            cli: Any) -> None:
    code, err, source = _convert(cli, tmp_path, {**_authors_ststnet(), "extra_int": 5})
    assert code == 2
    assert one_line(err) == (
        f"merbench: error: checkpoint {source}: entry 'extra_int' is 5 (an int), not a "
        "tensor; a state dict holds tensors alone: drop it and save the dict again")


STATES: list[tuple[Any, str]] = [
    ({"net": {"w": torch.ones(2)}, "ema": {"w": torch.ones(2)}},
     " holds state dicts under 'net' (1 tensor) and 'ema' (1 tensor), not at its top: "
     "re-save the one to score alone: torch.save(torch.load(path)[KEY], path), KEY one of "
     "'net', 'ema'"),
    ({"ema": {"w": torch.ones(2)}, "model_ema": {"w": torch.ones(2)}},
     " holds state dicts under 'ema' (1 tensor) and 'model_ema' (1 tensor), not at its top: "
     "re-save the one to score alone: torch.save(torch.load(path)[KEY], path), KEY one of "
     "'ema', 'model_ema'"),
    ({"run": {"net": {"w": torch.ones(2)}}, "ema": {"w": torch.ones(2)}},
     " holds state dicts under ['run']['net'] (1 tensor) and 'ema' (1 tensor), not at its "
     "top: re-save the one to score alone: torch.save(torch.load(path)WHERE, path), WHERE "
     "one of ['run']['net'], ['ema']"),
    ({"state_dict": {"w": torch.ones(2), "note": "best"}},
     ": entry 'note' under 'state_dict' is 'best' (a str), not a tensor; a state dict holds "
     "tensors alone: drop it and save torch.load(path)['state_dict'] again"),
    ({0: torch.ones(2)}, " has the key 0 (an int), but a state dict's keys are parameter "
     "names (text); save one with torch.save(model.state_dict(), path)"),
    ({"epoch": 5, "optimizer": {"state": {}}},
     " holds no state dict (a dict of parameter names to tensors) but a dict of 2 entries "
     "with no tensor (its keys: 'epoch', 'optimizer'); save one with "
     "torch.save(model.state_dict(), path)"),
    (torch.ones(3, 4), " holds no state dict (a dict of parameter names to tensors) but a "
     "tensor of shape (3, 4); save one with torch.save(model.state_dict(), path)"),
]


@pytest.mark.parametrize(("saved", "said"), STATES,
                         ids=["two", "two-ema", "nested", "wrapped-note", "int-key",
                              "no-tensor", "tensor"])
def test_what_a_checkpoint_holds_instead_is_said(tmp_path: Path, saved: Any,
                                                 said: str) -> None:
    """``run --weights`` reads its files as convert-weights does, so says the same."""
    path = tmp_path / "w.pth"
    torch.save(saved, path)
    with pytest.raises(MerbenchError) as caught:
        read_state_dict(path)
    assert str(caught.value) == f"checkpoint {path}{said}"


def test_a_folder_of_upper_case_endings_converts_and_scores(tmp_path: Path, cli: Any) -> None:
    """Every file converts (two of three were left out unsaid), keeps its name, and
    ``run --weights`` finds each subject's file under it."""
    (tmp_path / "up").mkdir()
    for name in ("s01.PTH", "s02.Pth", "s03.pth"):
        torch.save(_authors_ststnet(), tmp_path / "up" / name)
    code, out, err = cli("convert-weights", "ststnet", tmp_path / "up", "--out",
                         tmp_path / "ours")
    assert code == 0, err
    assert "converted 3 checkpoint(s)" in out
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == [
        "s01.PTH", "s02.Pth", "s03.pth"]
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", *SYNTHETIC,
                       "--weights", tmp_path / "ours", "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["weights"]["dir"] == str(tmp_path / "ours")


def test_a_folder_of_upper_case_endings_alone_holds_checkpoints(tmp_path: Path,
                                                                cli: Any) -> None:
    (tmp_path / "up").mkdir()
    torch.save(_authors_ststnet(), tmp_path / "up" / "S01.PTH")
    code, _, err = cli("convert-weights", "ststnet", tmp_path / "up", "--out",
                       tmp_path / "ours")
    assert code == 0, err
    assert (tmp_path / "ours" / "S01.PTH").is_file()


def test_one_folds_file_under_two_cases_is_refused(tmp_path: Path) -> None:
    for name in ("s01.PTH", "s01.pth"):
        torch.save({"w": torch.ones(1)}, tmp_path / name)
    with pytest.raises(MerbenchError) as caught:
        fold_checkpoint(tmp_path, ("syn1", "s01"), ambiguous=False)
    assert str(caught.value) == (f"--weights {tmp_path} holds s01.PTH and s01.pth, one fold's "
                                 "checkpoint under two names; keep the one to score")


def test_one_folds_file_under_two_cases_in_its_database_folder_names_what_was_given(
        tmp_path: Path) -> None:
    """The user gave ``--weights`` the top folder; the refusal says that folder, then which
    folder under it holds the two files."""
    (tmp_path / "casme2").mkdir()
    for name in ("s01.Pth", "s01.pth"):
        torch.save({"w": torch.ones(1)}, tmp_path / "casme2" / name)
    with pytest.raises(MerbenchError) as caught:
        fold_checkpoint(tmp_path, ("casme2", "s01"), ambiguous=True)
    assert str(caught.value) == (f"--weights {tmp_path}: its folder casme2/ holds s01.Pth and "
                                 "s01.pth, one fold's checkpoint under two names; keep the one "
                                 "to score")
