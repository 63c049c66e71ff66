"""A sweep whose plan spells a configuration another way than the plan that named its folder
in ``out`` (a recipe default written out: ``lr = 5e-05`` for STSTNet, whose recipe's lr it
is) goes on in that folder: its runs record the same run identity, so a finished one is
skipped, not trained again into a second folder ``compare`` calls a copy. A configuration of
another identity keeps its own folder, and two entries of one identity are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import one_line
from test_sweep_plan_changed import TINY_PLAN

from merbench.plugin_system.manager import default_plugins
from merbench.sweep.plan_file import read_plan

#: STSTNet's recipe learning rate, spelled out
RECIPE_LR = "lr = 5e-05\n"


def _kept(examples: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A plan of the example's configuration, seeds 0 and 1, and that configuration's
    folder, holding a copy of the example's finished seeds and their summary."""
    plan = tmp_path / "plan.toml"
    plan.write_text(TINY_PLAN.format(seeds="[0, 1]"))
    folder = read_plan(plan, default_plugins()).configurations[0].out
    shutil.copytree(examples["summary over seeds"], folder, symlinks=True)
    return plan, folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_recipe_default_spelled_out_goes_on_in_the_configurations_folder(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    plan, folder = _kept(examples, tmp_path)
    plan.write_text(TINY_PLAN.format(seeds="[0, 1]") + RECIPE_LR)
    configuration = read_plan(plan, default_plugins()).configurations[0]
    assert configuration.out == folder
    assert configuration.planned_name is not None and configuration.planned_name != folder.name
    runs = {name: _files(folder / name) for name in ("seed-0", "seed-1")}
    code, out, err = cli("sweep", "--quiet", plan)
    assert code == 0, err
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # no second one
    assert {name: _files(folder / name) for name in runs} == runs  # nothing trained again
    assert (f"runs[0] {configuration.planned_name}: its runs are those of {folder.name} in "
            f"{folder.parent} (the same run identity, its options spelled another way), so "
            "its runs go on there, a finished one skipped, not trained again") in out, out
    assert "trained now: 0 of 2" in out, out
    assert cli("validate", folder.parent)[0] == 0


def test_another_learning_rate_is_another_configuration(
        examples: dict[str, Path], tmp_path: Path) -> None:
    plan, folder = _kept(examples, tmp_path)
    plan.write_text(TINY_PLAN.format(seeds="[0, 1]") + "lr = 1e-04\n")
    configuration = read_plan(plan, default_plugins()).configurations[0]
    assert configuration.out.parent == folder.parent and configuration.out != folder
    assert configuration.planned_name is None


def test_two_entries_of_one_run_identity_are_refused(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    plan, folder = _kept(examples, tmp_path)
    entry = TINY_PLAN.format(seeds="[0, 1]")
    plan.write_text(entry + entry.split('out = "res"\n')[1] + RECIPE_LR)
    code, out, err = cli("sweep", "--quiet", plan)
    assert code == 2 and out == "", out
    assert one_line(err) == (
        f"merbench: error: {plan}: runs[1] asks for ststnet on synthetic/loso with the run "
        f"identity of runs[0] (the runs in {folder} are of both: their options differ only "
        "in spelling, such as a default written out); remove one")
