"""Pass 84z, Z1: a checkpoint tensor that is sparse, or floating point of an 8-bit kind
(float8_e4m3fn, float8_e5m2), reached the NaN check, for which torch has no such kinds:
convert-weights and ``run --weights`` ended in a traceback. Refused in one line, as the
other kinds no weights are (whole numbers, true/false, complex: pass 84y, Y1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_refusals_84y_inputs import _port, run_with_changed_weights

FIX = ("not the floating-point weights torch.save(model.state_dict(), path) writes; give "
       "the checkpoint as it was saved")


@pytest.mark.parametrize(("change", "said"), [
    (lambda t: t.to(torch.float8_e4m3fn), "holds float8_e4m3fn values"),
    (lambda t: t.to(torch.float8_e5m2), "holds float8_e5m2 values"),
    (lambda t: t.to_sparse(), "is a sparse tensor"),
])
def test_convert_weights_refuses_weights_no_network_is_saved_as(
        tmp_path: Path, cli: Any, change: Any, said: str) -> None:
    port = _port(tmp_path / "port")
    state = torch.load(port / "s02.pth", weights_only=True)
    state["dense.6.weight"] = change(state["dense.6.weight"])
    torch.save(state, port / "s02.pth")
    code, _, err = cli("convert-weights", "offapexnet", port, "--out", tmp_path / "ours")
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {port / 's02.pth'}: dense.6.weight {said}, {FIX}"), err
    assert not (tmp_path / "ours").exists()


def test_run_weights_refuses_a_float8_weight(tmp_path: Path, cli: Any) -> None:
    code, err = run_with_changed_weights(tmp_path, cli, "classifier.6.bias",
                                         lambda t: t.to(torch.float8_e4m3fn))
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {tmp_path / 'ours' / 's02.pth'}: classifier.6.bias "
        f"holds float8_e4m3fn values, {FIX}"), err


def test_a_quantized_weight_is_said_so_without_torchs_warning(tmp_path: Path,
                                                               cli: Any) -> None:
    """Z3: a quantized tensor was refused as "whole-number values" after torch's deprecation
    warning of quantized tensors, relayed as merbench's own."""
    port = _port(tmp_path / "port")
    state = torch.load(port / "s02.pth", weights_only=True)
    state["dense.6.weight"] = torch.quantize_per_tensor(state["dense.6.weight"], 0.1, 0,
                                                        torch.qint8)
    torch.save(state, port / "s02.pth")
    code, _, err = cli("convert-weights", "offapexnet", port, "--out", tmp_path / "ours")
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {port / 's02.pth'}: dense.6.weight holds quantized "
        f"values (qint8), {FIX}"), err


def test_a_device_number_in_other_digits_is_refused(cli: Any, tmp_path: Path) -> None:
    """Z6: ``--device cuda:٠`` passed the device-name check, whose ``\\d`` reads every
    script's digits, while every number option reads ASCII digits only (Y12)."""
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--device",
                       "cuda:\u0660", "--out", tmp_path / "run", "--quiet")
    assert code == 2 and "unknown --device 'cuda:\u0660'" in one_line(err), err
