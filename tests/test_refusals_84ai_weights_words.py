"""Checkpoints that hold weights in a layout ``torch.save`` allows but a state dict is not
(under a key of the script's own, or beside a non-tensor entry) are refused naming where the
tensors are, or which entry is none, and what to re-save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_refusals_84ac_weights import _authors_ststnet, _convert

from merbench.base.errors import MerbenchError
from merbench.training.checkpoints import read_state_dict


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
     "re-save the model's alone, torch.save(torch.load(path)['net'], path)"),
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
                         ids=["two", "wrapped-note", "int-key", "no-tensor", "tensor"])
def test_what_a_checkpoint_holds_instead_is_said(tmp_path: Path, saved: Any,
                                                 said: str) -> None:
    """``run --weights`` reads its files as convert-weights does, so says the same."""
    path = tmp_path / "w.pth"
    torch.save(saved, path)
    with pytest.raises(MerbenchError) as caught:
        read_state_dict(path)
    assert str(caught.value) == f"checkpoint {path}{said}"
