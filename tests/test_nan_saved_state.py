"""A saved fold state whose weights or optimiser moments are not finite is refused as damaged.

Before, going on from it diverged at once and the run said "training diverged at epoch ...
(loss nan); try a smaller --lr", and the folder lost its run.json while keeping partial/, so
that ``--resume`` (no run.json) and the first command (not empty, no run) both refused it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from interrupt import stopping_at_epoch

import merbench
from merbench.training import fold_checkpoint

SMALL = {"subjects": 4, "samples_per_subject": 6}
FIRST = ("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "4", "--device",
         "cpu", "--dataset-opt", "subjects=4", "--dataset-opt", "samples_per_subject=6",
         "--quiet", "--out")


@pytest.mark.parametrize(("part", "held"), [("model", "weights hold NaN"),
                                            ("optimizer", "optimiser moments hold an "
                                                          "infinity")])
def test_a_non_finite_saved_state_is_refused_and_the_run_stays_resumable(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch, part: str, held: str) -> None:
    monkeypatch.setattr(fold_checkpoint, "SAVE_SHARE", float("inf"))
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        merbench.run("ststnet", "synthetic", out=out, dataset_options=SMALL, device="cpu",
                     epochs=4, checkpoint_every=1e-9, plugins=stopping_at_epoch(0, 3))
    saved = out / "partial" / "fold-000.pt"
    state = torch.load(saved, weights_only=True)
    if part == "model":
        for tensor in state["model"].values():
            if tensor.is_floating_point():
                tensor.fill_(float("nan"))
    else:
        for moments in state["optimizer"]["state"].values():
            moments["exp_avg_sq"].fill_(float("inf"))
    torch.save(state, saved)
    said = (f"merbench: error: the saved training state of fold syn1/s01, {saved}, is damaged: "
            f"its {held}; delete it to train that fold from the first epoch, then run again\n")
    for command in (("run", "--resume", out, "--quiet"), (*FIRST, out),
                    ("run", "--resume", out, "--quiet")):
        code, _, err = cli(*command)
        assert (code, err) == (2, said), err
        assert (out / "run.json").is_file() and saved.is_file()  # nothing lost, resumable
    saved.unlink()  # as the line says
    code, _, err = cli("run", "--resume", out, "--quiet")
    assert code == 0, err
    assert (out / "results.json").is_file()
