"""A ``--seeds`` folder's member that is no seed run of it: a copy of a listed seed under
another name, a run whose recorded seed is not its folder's, a link to a seed run. Each is
said as what it is by status, show and validate alike, with the one fix that clears it (the
``--seeds`` command, offered for a copy, ran and left the same line, or was refused)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CliResult


def _seeds(examples: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds",
                                symlinks=True))


def _said(cli, folder: Path) -> dict[str, CliResult]:
    return {command: cli(command, folder) for command in ("status", "show", "validate")}


@pytest.mark.parametrize("name", ["seed-01", "seed-2", "seed-99999999999999999999"])
def test_a_copy_of_a_seed_under_another_name_is_said_as_a_copy(
        examples: dict[str, Path], tmp_path: Path, cli, name: str) -> None:
    folder = _seeds(examples, tmp_path)
    shutil.copytree(folder / "seed-1", folder / name)
    line = f"{name} holds seed 1, a copy of seed-1: move {name} out of seeds"
    for command, (code, out, err) in _said(cli, folder).items():
        # status shows how far each seed run got (exit 0), the summary's fault said beside
        assert code == (0 if command == "status" else 2) and line in out + err and \
            "--seeds" not in out + err, (command, out, err)


def test_a_run_named_for_another_seed_is_renamed_before_it_is_added(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = _seeds(examples, tmp_path)
    shutil.copytree(folder / "seed-1", folder / "seed-01")
    results = folder / "seed-01" / "results.json"
    record = json.loads(results.read_text())
    record["seed"] = 5
    results.write_text(json.dumps(record))
    _, out, _ = cli("status", folder)
    assert "seed-01 holds seed 5, not the seed its folder's name says, and seeds.json does " \
           "not list it: move seed-01 out of seeds, or, where it is a seed of this " \
           "configuration, rename it seed-5 and run its --seeds command with every seed " \
           "there (--seeds 0,1,5)" in out, out


def test_a_run_named_for_a_seed_out_of_range_is_never_given_that_seed(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = _seeds(examples, tmp_path)
    name = "seed-99999999999999999999"
    shutil.copytree(folder / "seed-1", folder / name)
    (folder / name / "results.json").unlink()  # its seed unread: said by its name alone
    _, out, _ = cli("status", folder)
    assert f"holds {name}, a run seeds.json does not list" in out and \
        f"move {name} out of seeds ('merbench validate'" in out and "--seeds" not in out, out


@pytest.mark.parametrize("target", ["seed-1", "gone"])
def test_a_link_among_the_seed_runs_is_removed_by_every_command(
        examples: dict[str, Path], tmp_path: Path, cli, target: str) -> None:
    folder = _seeds(examples, tmp_path)
    (folder / "seed-2").symlink_to(target)
    for command, (code, out, err) in _said(cli, folder).items():  # no result read through it
        assert code == 2 and "seed-2" in err and "remove the link from seeds" in err and \
            "copy the folder" not in out + err and f"ok: {folder} (" not in out, \
            (command, out, err)
