"""Pass 84v's V5 and V6: a summary over seeds (of every kind) whose seed-1 folder is gone,
or is a fifo, said in three ways. Status said the folder "is not in" the summary's (a fifo
too) and to train it again; validate asked for "a finished run directory" the user never
gave; show said a third thing. Each now says the structure check's one line, with the fix
that works (the same --seeds command trains a missing seed again).

And V1: ``--eager`` on a Ray run with no cluster to join (no ``--ray-address`` or
``$RAY_ADDRESS``) trained on this machine's CPU and recorded ``"eager": true``; Ray then
starts on this machine, whose device is known as a local run's.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: what writes a seeds.json again: run --seeds, or a sweep (whose folders are the same; pass
#: 84y, Y10)
RUN_OR_SWEEP = "merbench run --seeds command (or merbench sweep PLAN.toml, for a sweep's folder)"
EVERY_SUMMARY = [("summary over seeds", RUN_OR_SWEEP),
                 ("action-unit summary over seeds", "merbench run --seeds command"),
                 ("tuning summary over seeds", "merbench tune --seeds command"),
                 ("spot-then-recognise summary over seeds", "merbench spot --seeds command")]


def _said(cli, folder: Path) -> tuple[str, str, str]:
    """status's, validate's and show's line of ``folder``'s summary (status's own suffix
    and validate's "rejected: " taken off)."""
    code, out, _ = cli("status", folder)
    assert code == 0, out
    status = next(line for line in out.splitlines() if line.startswith(f"{folder}: "))
    code, _, err = cli("validate", folder)
    assert code != 0, err
    validate = next(line for line in err.splitlines() if f"rejected: {folder}: " in line)
    code, _, err = cli("show", folder)
    assert code != 0 and err.count("\n") == 1, err
    return (status.removeprefix(f"{folder}: ").removesuffix(" ('merbench validate' refuses it)"),
            validate.split(f"rejected: {folder}: ", 1)[1],
            err.strip().removeprefix(f"merbench: error: {folder}: "))


@pytest.mark.parametrize(("kind", "command"), EVERY_SUMMARY)
def test_a_missing_seed_folder_is_said_alike(examples: dict[str, Path], tmp_path: Path, cli,
                                             kind: str, command: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "seeds"))
    shutil.rmtree(folder / "seed-1")
    said = _said(cli, folder)
    assert said == (f"seed 1's run folder seed-1 is missing; restore it, or run the same "
                    f"{command} again, which trains it",) * 3, said


@pytest.mark.parametrize(("kind", "command"), EVERY_SUMMARY)
def test_a_fifo_seed_folder_is_said_alike(examples: dict[str, Path], tmp_path: Path, cli,
                                          kind: str, command: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "seeds"))
    shutil.rmtree(folder / "seed-1")
    os.mkfifo(folder / "seed-1")
    said = _said(cli, folder)
    assert said == ("seed 1: seed-1 is a fifo; remove it and put the folder itself in its "
                    "place",) * 3, said


TINY = ("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
        "1", "--quiet", "--eager", "--executor", "ray")
EAGER_OFF_CUDA = ("--eager applies on CUDA, where epochs are replayed as captured graphs, and "
                  "the run is on cpu; give --device cuda, or leave --eager out")


def _no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench.training.device as device_module

    monkeypatch.setattr(device_module, "resolve_device",
                        lambda name: "cpu" if name == "auto" else name)


def test_eager_on_a_local_ray_run_off_cuda_is_refused(tmp_path: Path, cli,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _no_cuda(monkeypatch)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    code, _, err = cli(*TINY, "--out", tmp_path / "r")
    assert code == 2 and err == f"merbench: error: {EAGER_OFF_CUDA}\n", err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("where", ["option", "variable"])
def test_eager_on_a_ray_cluster_is_left_to_its_workers(tmp_path: Path, cli, where: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A cluster's workers may be other machines with CUDA: not refused for the head's."""
    _no_cuda(monkeypatch)
    given: tuple[str, ...] = ("--ray-address", "127.0.0.1:1") if where == "option" else ()
    if where == "variable":
        monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    code, _, err = cli(*TINY, *given, "--out", tmp_path / "r")
    assert code == 2 and "no Ray cluster answers at 127.0.0.1:1" in err, err
    assert "--eager" not in err
