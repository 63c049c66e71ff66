"""Weights whose BatchNorm statistics no training gives: a negative running variance makes
every eval-mode logit NaN (the square root of a negative number), so convert-weights and
``run --weights`` refuse it as they read it, naming the file and the tensor. Finite weights
that still overflow a network are named, in the run's refusal of its NaN or infinite logits,
as the likelier cause beside the model's plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_authors_weights import _seeded, ststnet_layout

TRAINED = "give weights that trained"


def _authors_ststnet(**changed: torch.Tensor) -> dict[str, torch.Tensor]:
    """The STSTNet authors' state dict (conv1-3, bn1-3, fc) with ``changed`` tensors."""
    return {**{name: torch.tensor(5) if name.endswith("num_batches_tracked") else
               _seeded(name, shape) for name, shape in ststnet_layout().items()}, **changed}


@pytest.mark.parametrize(("changed", "said"), [
    ({"bn1.running_var": torch.tensor([0.5, -1.0, -2.0])},
     "bn1.running_var holds a negative value in 2 of its 3 values (the least -2); a variance "
     "is never negative, and the network computes NaN from its square root"),
    ({"bn2.num_batches_tracked": torch.tensor(-3)},
     "bn2.num_batches_tracked is -3; a count of training batches is never negative"),
], ids=["running-var", "batch-count"])
def test_convert_weights_refuses_a_negative_batchnorm_statistic(
        tmp_path: Path, cli: Any, changed: dict[str, torch.Tensor], said: str) -> None:
    source = tmp_path / "authors.pth"
    torch.save(_authors_ststnet(**changed), source)
    code, out, err = cli("convert-weights", "ststnet", source, "--out", tmp_path / "ours.pth")
    assert code == 2 and not out, err
    assert one_line(err) == f"merbench: error: checkpoint {source}: {said}: {TRAINED}", err
    assert not (tmp_path / "ours.pth").exists()


def _run_with_changed(tmp_path: Path, cli: Any, key: str,
                      change: Callable[[torch.Tensor], torch.Tensor]) -> tuple[int, str]:
    """``run --weights`` of converted STSTNet checkpoints for the synthetic subjects s01 and
    s02, s02's ``key`` through ``change``: (exit status, stderr); no results are written."""
    (tmp_path / "authors").mkdir()
    for subject in ("s01", "s02"):
        torch.save(_authors_ststnet(), tmp_path / "authors" / f"{subject}.pth")
    code, _, err = cli("convert-weights", "ststnet", tmp_path / "authors", "--out",
                       tmp_path / "ours")
    assert code == 0, err
    state = torch.load(tmp_path / "ours" / "s02.pth", weights_only=True)
    state[key] = change(state[key])
    torch.save(state, tmp_path / "ours" / "s02.pth")
    code, _, err = cli("run", "--model", "ststnet", "--weights", tmp_path / "ours",
                       "--dataset", "synthetic", "--dataset-opt", "subjects=2",
                       "--dataset-opt", "samples_per_subject=3", "--dataset-opt",
                       "databases=1", "--device", "cpu", "--out", tmp_path / "run", "--quiet")
    assert not (tmp_path / "run" / "results.json").exists()
    return code, err


def test_run_weights_refuses_a_negative_running_variance_before_any_fold(
        tmp_path: Path, cli: Any) -> None:
    code, err = _run_with_changed(tmp_path, cli, "bn.running_var", lambda t: -t)
    assert code == 2 and one_line(err).startswith(
        f"merbench: error: checkpoint {tmp_path / 'ours' / 's02.pth'}: bn.running_var holds a "
        "negative value in 16 of its 16 values (the least -"), err
    assert err.rstrip().endswith(f"a variance is never negative, and the network computes NaN "
                                 f"from its square root: {TRAINED}"), err
    assert not (tmp_path / "run" / "folds").exists()


def test_logits_that_overflow_with_given_weights_name_the_checkpoint(tmp_path: Path,
                                                                     cli: Any) -> None:
    """Finite weights far too large for the network give infinite (or NaN) logits: the
    checkpoint is named as their likelier cause, and the fold before it is kept."""
    code, err = _run_with_changed(tmp_path, cli, "fc.weight",
                                  lambda t: torch.full_like(t, 3e38))
    line = one_line(err)
    assert code == 2, err
    assert line.startswith("merbench: error: model 'ststnet' of plugin 'cnn' (package "), line
    assert " logits for 3 test samples of fold 1 (syn1/s02) in eval mode with checkpoint " \
           f"{tmp_path / 'ours' / 's02.pth'}, so none of them is scored; that checkpoint is " \
           "the likelier cause (values too large for this network, or a training that " \
           f"diverged): {TRAINED}, or, where they score in the network they came from, " \
           "report it to the authors of merbench, or skip the plugin with --no-plugin cnn. " \
           "The folds it finished before are kept, and no results file is written" in line, line
    assert [p.name for p in (tmp_path / "run" / "folds").iterdir()] == ["fold-000.npz"]
