"""Runs whose every database has one test subject have no interval over subjects: every
resample of the bootstrap, stratified by database, draws the same subjects. ``compare`` and
the sweep's closing summary say so by the rule and in the words ``show`` uses
(:func:`merbench.scores.interval_records.lone_subject_scopes`), for the runs and for the
differences, and keep the paired test's p-value (a permutation of subjects needs two of
them, not two a database).

They printed ``0.1905 [0.19, 0.19]`` and a difference ``+0.2370 [+0.24, +0.24]``, which reads
as a difference known for certain, where ``show`` said there was no interval."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

import merbench

ONE_A_DATABASE = {"subjects": 3, "samples_per_subject": 3}  # syn1, syn2, syn3: one each
NOTE = ("no interval (one test subject per database): overall, the differences; an interval "
        "over subjects needs two or more")
POINT = re.compile(r"\[[+-]?\d\.\d\d, [+-]?\d\.\d\d\]")  # any printed [low, high]

PLAN = """
out = "results"
[defaults]
threads = 1
[[runs]]
model = "ststnet"
dataset = "synthetic"
dataset_options = {subjects = 3, samples_per_subject = 3}
seeds = [0, 1]
epochs = 1
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two one-epoch runs (seeds 0 and 1) and a --seeds folder (seeds 2 and 3) of three
    synthetic subjects, one in each of three databases."""
    root = tmp_path_factory.mktemp("compare-one-a-database")
    made = {name: merbench.run(model="ststnet", dataset="synthetic", epochs=1, seed=seed,
                               device="cpu", out=root / name,
                               dataset_options=ONE_A_DATABASE).run_dir
            for name, seed in (("a", 0), ("b", 1))}
    made["seeds"] = root / "seeds"
    merbench.run_seeds("ststnet", "synthetic", [2, 3], epochs=1, device="cpu",
                       dataset_options=ONE_A_DATABASE, out=made["seeds"])
    return made


def test_compare_prints_no_interval_for_the_runs_and_the_differences(
        runs: dict[str, Path], cli: Any) -> None:
    code, out, err = cli("compare", runs["a"], runs["b"], runs["seeds"])
    assert code == 0, err
    assert not POINT.search(out), out
    assert NOTE in out.splitlines()
    assert "95% intervals" not in out  # none is printed; the test still is
    differences = [line for line in out.splitlines() if line.startswith("  run ")]
    assert len(differences) == 2
    for line in differences:
        assert re.search(r"UF1 [+-]\d\.\d{4} p \d\.\d{4} \(Holm \d\.\d{4}\); UAR [+-]\d\.\d{4} "
                         r"p \d\.\d{4} \(Holm \d\.\d{4}\)$", line), line
    code, shown, err = cli("show", runs["a"])
    assert code == 0, err
    assert "no interval (one test subject per database): overall" in " ".join(shown.split())


def test_compare_json_gives_no_interval_and_why(runs: dict[str, Path], cli: Any) -> None:
    code, out, err = cli("compare", runs["a"], runs["seeds"], "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["no_interval"] == "one test subject per database"
    for run in found["runs"]:
        assert run["uf1"]["interval"] is None and run["uar"]["interval"] is None
    [comparison] = found["comparisons"]
    for metric in ("uf1", "uar"):
        assert comparison[metric]["interval"] is None
        assert 0 < comparison[metric]["p"] <= 1


def test_the_sweep_summary_prints_no_interval(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN)
    code, out, err = run_cli("sweep", tmp_path / "plan.toml", "--quiet")
    assert code == 0, err
    summary = out[out.index("sweep summary"):].splitlines()
    [scores] = [line for line in summary if "UF1" in line]
    assert not POINT.search(scores), out
    assert ("  no interval (one test subject per database): overall; an interval over "
            "subjects needs two or more") in summary
