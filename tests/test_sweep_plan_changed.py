"""A sweep re-run after its plan changed: the runs already in its ``out`` are never made
unpublishable by the sweep's own summary, nor passed over in silence by the commands that
read the folder.

Fewer seeds: the configuration's folder holds a finished run of a seed the entry no longer
lists; writing ``seeds.json`` for the listed seeds alone made validate and the build reject
the whole configuration, so the sweep refuses before anything is written, as ``run --seeds``
refuses such an ``--out``, and ``status`` of the folder of configurations says the summary
validate rejects. Other options: the old configuration's stopped run is left in ``out``;
the sweep, ``validate`` (of the folder of results, or of the old configuration),
``compare`` and the build name it as a run not finished yet, pointing to ``merbench
status``, where they passed over it or called its folder one holding nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import TINY_RUN, one_line

from merbench.plugin_system.manager import default_plugins
from merbench.sweep.plan_file import read_plan

#: the options of the tiny seed runs of ``examples["summary over seeds"]`` (``TINY_RUN``)
TINY_PLAN = """out = "res"
[[runs]]
model = "ststnet"
dataset = "synthetic"
seeds = {seeds}
epochs = 1
device = "cpu"
dataset_options = {{subjects = 2, databases = 1, samples_per_subject = 3}}
"""


def _plan(tmp_path: Path, seeds: str) -> tuple[Path, Path]:
    """A plan of the example's configuration with ``seeds``, and that configuration's
    folder, holding a copy of the example's finished seeds 0 and 1 and their summary."""
    plan = tmp_path / "plan.toml"
    plan.write_text(TINY_PLAN.format(seeds="[0, 1]"))
    folder = read_plan(plan, default_plugins()).configurations[0].out
    plan.write_text(TINY_PLAN.format(seeds=seeds))
    return plan, folder


def _stopped(run: Path, into: Path) -> Path:
    """A copy of the finished run ``run`` at ``into`` whose results were never written: a
    run stopped before its last fold finished."""
    shutil.copytree(run, into, symlinks=True)
    (into / "results.json").unlink()
    (into / "predictions.csv").unlink()
    return into


def test_a_sweep_listing_fewer_seeds_keeps_the_summary_of_the_seeds_there(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    plan, folder = _plan(tmp_path, "[0]")
    shutil.copytree(examples["summary over seeds"], folder, symlinks=True)
    before = (folder / "seeds.json").read_bytes()
    code, out, err = cli("sweep", "--quiet", plan)
    assert code == 2 and out == "", out
    assert one_line(err) == (
        f"merbench: error: {plan}: runs[0] (ststnet on synthetic/loso): {folder} holds "
        "seed-1, a run of a seed this entry does not list; the seeds.json the sweep writes "
        "would leave it out, and validate would reject the configuration for it: list every "
        f"seed there (seeds = [0, 1]), or move seed-1 out of {folder.name}")
    assert (folder / "seeds.json").read_bytes() == before
    assert cli("validate", folder)[0] == 0
    # run --seeds refuses the same folder for the same seeds: the commands agree
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", "0",
                       "--out", folder)
    assert code == 2 and "holds runs of seeds 0,1, not all of which this command asks for " \
        "(seed 1)" in err, err


def test_status_of_a_folder_of_configurations_says_a_summary_validate_rejects(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "res" / "cfg",
                                  symlinks=True))
    # the summary of seed 0 alone, as a sweep listing fewer seeds wrote it, seed 1 beside it
    (tmp_path / "aside").mkdir()
    (folder / "seed-1").rename(tmp_path / "aside" / "seed-1")
    (folder / "seeds.json").unlink()
    code, _, err = cli("run", *TINY_RUN, "--seeds", "0", "--out", folder)
    assert code == 0, err
    (tmp_path / "aside" / "seed-1").rename(folder / "seed-1")
    refused = "holds seed-1, a run seeds.json does not list"
    code, _, err = cli("validate", folder)
    assert code == 2 and refused in err, err
    for given in (folder, tmp_path / "res"):  # the configuration, or the sweep's out
        code, out, _ = cli("status", given)
        assert code == 0 and f"{folder}: {refused}" in out and \
            "('merbench validate' refuses it)" in out, (given, out)


def _left_behind(examples: dict[str, Path], tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """The plan, its configuration's folder (the example's seeds), the old configuration's
    folder beside it in the plan's out, and the stopped run in that folder."""
    plan, folder = _plan(tmp_path, "[0, 1]")
    shutil.copytree(examples["summary over seeds"], folder, symlinks=True)
    old = folder.parent / "ststnet-synthetic-loso-0123abcd"
    return plan, folder, old, _stopped(examples["emotion run"], old / "seed-0")


def test_compare_names_the_stopped_run_of_a_folder(examples: dict[str, Path],
                                                   tmp_path: Path, cli) -> None:
    _, folder, old, stopped = _left_behind(examples, tmp_path)
    code, _, err = cli("compare", old, folder)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {old} holds 1 run not finished yet ({stopped}): merbench status "
        f"{old} says how far it has got; compare a folder of runs once every run in it has "
        "finished")


def test_validate_of_a_folder_of_stopped_runs_names_them(examples: dict[str, Path],
                                                         tmp_path: Path, cli) -> None:
    _, _, old, stopped = _left_behind(examples, tmp_path)
    code, _, err = cli("validate", old)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {old} holds no finished merbench result, only 1 run not finished "
        f"yet ({stopped}): merbench status {old} says how far it has got")


def test_validate_and_the_build_of_the_out_note_the_stopped_run(examples: dict[str, Path],
                                                                tmp_path: Path, cli) -> None:
    _, folder, _, stopped = _left_behind(examples, tmp_path)
    out_folder = folder.parent
    held = (f"1 run not finished yet ({stopped}): merbench status {out_folder} says how far "
            "it has got")
    code, out, err = cli("validate", out_folder)
    assert code == 0 and f"note: {out_folder}: not checked, {held}" in out, (out, err)
    code, out, err = cli("leaderboard", "build", "--results", out_folder, "--out",
                         tmp_path / "site")
    assert code == 0 and f"--results {out_folder}: not published, {held}" in err, err


def test_the_sweep_names_the_configuration_it_no_longer_asks_for(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    plan, folder, old, stopped = _left_behind(examples, tmp_path)
    out_folder = folder.parent
    code, out, err = cli("sweep", plan)
    assert code == 0, err
    assert (f"{out_folder} holds 1 configuration this plan does not ask for ({old.name}), "
            f"left as it is; in it, 1 run not finished yet ({stopped}): merbench status "
            f"{out_folder} says how far it has got; this sweep does not go on with it: "
            f"merbench run --resume {stopped} finishes it") in out, out
    assert err.count("finished before, skipped") == 2 and "trained" not in err, err
