"""A stopped seed run of a sweep's configuration is gone on with by the sweep.

``status`` offered "the same command (or 'merbench run --resume DIR')" for it, and ``show`` of
the configuration sent the user to "the same merbench run --seeds command": the user ran a
sweep, and ``--resume`` goes on with the one run, leaving the configuration without its
``seeds.json``. A sweep's configuration is told by its folder's name, which the sweep makes
from the run its seed runs record.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.runner.configuration_name import configuration_name
from merbench.runner.spec import RunSpec

CliResult = tuple[int, str, str]
SWEEP_AGAIN = ("run the same merbench sweep command again (or 'merbench run --resume DIR', "
               "then that sweep again, which writes the configuration's seeds.json) to go on")


def _copied(examples: dict[str, Path], out: Path, sweep: bool, stopped: bool) -> Path:
    """A copy of the summary over seeds without its seeds.json (seed 1 stopped where
    ``stopped``: as a run resumed alone leaves it otherwise), named as a sweep names its
    configuration (``sweep``) or as a user names a ``--seeds`` out."""
    source = examples["summary over seeds"]
    config = json.loads((source / "seed-0" / "run.json").read_text())["config"]
    name = configuration_name(RunSpec.from_dict(config)) if sweep else "mine"
    folder = out / name
    shutil.copytree(source, folder, symlinks=True)
    (folder / "seeds.json").unlink()
    if not stopped:
        return folder
    for name in ("results.json", "predictions.csv"):
        (folder / "seed-1" / name).unlink()
    sorted((folder / "seed-1" / "folds").glob("fold-*.npz"))[-1].unlink()
    return folder


@pytest.mark.parametrize("sweep", [True, False])
def test_status_and_show_name_the_command_that_made_the_configuration(
        sweep: bool, examples: dict[str, Path], cli: Callable[..., CliResult],
        tmp_path: Path) -> None:
    folder = _copied(examples, tmp_path / "stopped", sweep, stopped=True)
    code, out, err = cli("status", folder.parent)
    line = next(line for line in out.splitlines() if line.startswith(f"{folder}/seed-1:"))
    assert line.endswith(SWEEP_AGAIN if sweep else
                         "run the same command (or 'merbench run --resume DIR') to go on"), line
    folder = _copied(examples, tmp_path / "finished", sweep, stopped=False)
    code, out, err = cli("show", folder)
    assert code == 2 and err.count("\n") == 1, err
    command = "merbench sweep" if sweep else "merbench run --seeds"
    assert err.rstrip().endswith(f"or run the same {command} command again, which writes "
                                 "seeds.json (their finished seeds kept)"), err


def test_a_seed_run_added_to_a_folder_named_for_another_spelling_is_the_sweeps(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """A sweep that goes on in a configuration's folder under a plan spelling its options
    another way (a recipe default written out) adds seed runs recording that spelling,
    whose own record names another folder; the folder is still the sweep's."""
    folder = _copied(examples, tmp_path / "respelled", sweep=True, stopped=True)
    added = folder / "seed-2"
    shutil.copytree(folder / "seed-1", added, symlinks=True)
    record = json.loads((added / "run.json").read_text())
    record["config"]["seed"] = 2
    record["config"]["lr"] = 5e-05  # STSTNet's recipe learning rate, spelled out
    assert configuration_name(RunSpec.from_dict(record["config"])) != folder.name
    (added / "run.json").write_text(json.dumps(record))
    _, out, _ = cli("status", folder.parent)
    line = next(line for line in out.splitlines() if line.startswith(f"{added}:"))
    assert line.endswith(SWEEP_AGAIN), line
