"""Pass 84r, R10 and R11: a summary over seeds whose ``runs`` maps a seed to another seed's run
folder (R10), or whose seed run is a run of another model (R11), was refused by ``validate``
(R11 only as an unrounded number differing) but printed by ``show`` with exit status 0 and
passed over by ``status``. All three now make one structure check of every kind of summary
(:func:`merbench.verification.seed_folders.check_structure`) and say the same line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

#: each kind of summary over seeds: its file, the seed run's record naming its model (the
#: keys down to the name), and how a seed run of a model is said
SUMMARIES = {
    "summary over seeds": ("seeds.json", "results.json", ("model", "name"), "a run of"),
    "action-unit summary over seeds": ("au-seeds.json", "au-results.json", ("model", "name"),
                                       "a run of"),
    "spot-then-recognise summary over seeds": ("str-seeds.json", "str.json",
                                               ("recogniser", "model"), "a run recognised by"),
    "tuning summary over seeds": ("tune-seeds.json", "tune.json", ("model",), "a tuning of"),
}
#: where a summary's runs must be seed-N folders, the mapping is said by that check
SEED_FOLDERS = {"spot-then-recognise summary over seeds": ("spotting run", "merbench spot"),
                "tuning summary over seeds": ("tuning", "merbench tune")}


def _edit(file: Path, keys: tuple[str, ...], value: object) -> object:
    """``file``'s JSON with the field at ``keys`` set to ``value``; the value it had."""
    data = json.loads(file.read_text())
    inner = data
    for key in keys[:-1]:
        inner = inner[key]
    was, inner[keys[-1]] = inner[keys[-1]], value
    file.write_text(json.dumps(data, indent=2))
    return was


def _all_three_refuse(cli, folder: Path, said: str) -> None:
    """validate and show refuse ``folder`` with ``said``, and status says it of the summary."""
    code, out, err = cli("validate", folder)
    assert code == 2 and f"rejected: {folder}: {said}" in err, (out, err)
    code, out, err = cli("show", folder)
    assert code != 0 and f"{folder}: {said}" in err, (out, err)
    code, out, err = cli("status", folder)
    assert f"{folder}: {said} ('merbench validate' refuses it)" in out, (out, err)


def _mapped_line(kind: str, summary_file: str) -> str:
    """How a summary listing seed-0 as seed 1 is refused."""
    if kind in SEED_FOLDERS:
        what, command = SEED_FOLDERS[kind]
        return (f"{summary_file} names 'seed-0' as seed 1's {what}; {command} --seeds keeps "
                "it in seed-1")
    return "runs lists seed-0 as seed 1, but it is a run of seed 0"


@pytest.mark.parametrize("kind", SUMMARIES)
@pytest.mark.parametrize("moved_out", [False, True], ids=["seed-1 beside", "seed-1 moved out"])
def test_a_seed_mapped_to_another_seeds_run_is_named_by_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, moved_out: bool) -> None:
    """R10: beside the summary or moved out as the old line advised, the mapping is said."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "s"))
    summary_file = SUMMARIES[kind][0]
    _edit(folder / summary_file, ("runs", "1"), "seed-0")
    if moved_out:
        shutil.rmtree(folder / "seed-1")
    _all_three_refuse(cli, folder, _mapped_line(kind, summary_file))


@pytest.mark.parametrize("kind", SUMMARIES)
def test_a_seed_run_of_another_model_is_named_by_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """R11, of every kind: the seed run's record names another model than the summary's."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "s"))
    summary_file, record, keys, of = SUMMARIES[kind]
    model = _edit(folder / "seed-1" / record, keys, "another-model")
    _all_three_refuse(cli, folder, f"{summary_file} summarises \"{model}\", but seed-1 is "
                                   f"{of} \"another-model\"")


def test_an_rcn_summary_with_a_dual_inception_seed_run(tmp_path: Path, cli) -> None:
    """R11 as found: a committed dual-inception seed run put in place of rcn's seed 2 is
    said by its model, not by the first unrounded number it changes."""
    folder = Path(shutil.copytree(COMMITTED_RESULTS / "rcn-composite-lodo", tmp_path / "s"))
    shutil.rmtree(folder / "seed-2")
    shutil.copytree(COMMITTED_RESULTS / "dual-inception-composite-lodo" / "seed-2",
                    folder / "seed-2")
    _all_three_refuse(cli, folder, 'seeds.json summarises "rcn", but seed-2 is a run of '
                                   '"dual-inception"')
    assert "stored numbers do not match" not in cli("validate", folder)[2]
