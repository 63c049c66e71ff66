"""A benchmark definition's options in any spelling ``--dataset-opt`` takes hold the runs of
that selection (pass 84l, N7).

A definition's ``dataset_options`` were compared with a run's as written: ``subjects: 3``
held the run of ``--dataset-opt subjects=3``, but ``"03"``, ``3.0``, ``"+3"`` and ``"3.0"``,
which the command line takes as that very run, loaded without a word and matched none: the
benchmark's page stayed empty. They are now spelt as a run records them when the definition
loads, through the step every run's options take. (A raw database's ``subjects``, which
only its data spells, are in ``tests/test_one_selection_one_run.py``.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


def _definitions(folder: Path, run: Path, spellings: dict[str, object]) -> None:
    """One definition per spelling of the example run's ``subjects=2``, alike otherwise."""
    results = json.loads((run / "results.json").read_text())
    dataset, protocol = results["dataset"], results["protocol"]
    assert dataset["options"]["subjects"] == 2, dataset["options"]
    folder.mkdir()
    for name, subjects in spellings.items():
        (folder / f"syn-{name}.json").write_text(json.dumps({
            "id": f"syn-{name}", "title": "synthetic", "dataset": "synthetic",
            "dataset_version": dataset["version"], "n_samples": protocol["n_samples"],
            "dataset_options": {**dataset["options"], "subjects": subjects},
            "protocol": protocol["name"], "protocol_version": protocol["version"],
            "classes": dataset["classes"], "rank": ["fixed"],
            "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
            "columns": [{"scope": "overall", "label": "all"}]}))


SPELLINGS = {"int": 2, "text": "2", "zero": "02", "float": 2.0, "plus": "+2",
             "text-float": "2.0", "exponent": "2e0"}


@pytest.mark.parametrize("command", ["list", "export"])
def test_every_spelling_of_a_whole_number_holds_the_run(
        examples: dict[str, Path], cli, tmp_path: Path, command: str) -> None:
    results = tmp_path / "results"
    run = Path(shutil.copytree(examples["emotion run"], results / "run", symlinks=False))
    _definitions(tmp_path / "bench", run, SPELLINGS)
    if command == "list":
        code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks",
                             tmp_path / "bench")
        assert code == 0, err
        held = {line.split()[0]: line.split()[-2] for line in out.splitlines()
                if line.startswith("syn-")}
        assert held == {f"syn-{name}": "1" for name in SPELLINGS}, out
        return
    for name in SPELLINGS:
        code, out, err = cli("leaderboard", "export", f"syn-{name}", "--results", results,
                             "--benchmarks", tmp_path / "bench", "--out",
                             tmp_path / f"{name}.csv")
        # the run is the benchmark's: one of one epoch, which an export leaves out by name
        assert code == 0 and "leaves out 1 run in a reduced setting" in err, (name, err)


def test_an_option_at_its_default_is_the_run_that_left_it_out(
        examples: dict[str, Path], cli, tmp_path: Path) -> None:
    """A run leaves an option at its default out of its record; a definition that pins the
    default (``seed: 0.0``, synthetic's own, 0) held no run either."""
    results = tmp_path / "results"
    run = Path(shutil.copytree(examples["emotion run"], results / "run", symlinks=False))
    _definitions(tmp_path / "bench", run, {"default": 2})
    path = tmp_path / "bench" / "syn-default.json"
    definition = json.loads(path.read_text())
    definition["dataset_options"]["seed"] = 0.0
    path.write_text(json.dumps(definition))
    code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks",
                         tmp_path / "bench")
    assert code == 0 and "1 run" in out, out + err
