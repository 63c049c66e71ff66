"""A sweep re-run after its plan changed: the runs already in its ``out`` are never made
unpublishable by the sweep's own summary, nor passed over in silence by the commands that
read the folder.

Fewer seeds: the configuration's folder holds a finished run of a seed the entry no longer
lists; writing ``seeds.json`` for the listed seeds alone made validate and the build reject
the whole configuration, so the sweep refuses before anything is written, as ``run --seeds``
refuses such an ``--out``, and ``status`` of the folder of configurations says the summary
validate rejects.
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
