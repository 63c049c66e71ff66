"""A folder of one kind's ``seed-N`` runs whose summary over seeds is not there (pass 84z,
Z9): ``compare`` pools such runs as one configuration's seeds, so ``show`` says what the
folder is (the summary's file named, and what takes the runs) rather than "holds 2
results", for every kind with a summary over seeds, and ``status`` and ``validate`` say
the same as a state of the folder, not a fault (pass 84aa's re-check)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS, TINY_RUN, CliResult, one_line

from merbench.kinds import kind_of, result_kinds

SUMMARIES = ["summary over seeds", "action-unit summary over seeds",
             "spot-then-recognise summary over seeds", "tuning summary over seeds"]


@pytest.mark.parametrize("name", SUMMARIES)
def test_show_names_the_missing_summary(name: str, examples: dict[str, Path],
                                        tmp_path: Path,
                                        cli: Callable[..., CliResult]) -> None:
    folder = tmp_path / "x"
    shutil.copytree(examples[name], folder, symlinks=True)
    kind = kind_of(folder)
    assert kind is not None and kind.over_seeds is not None
    summary_file = kind.markers[0]
    code, out, err = cli("status", folder)  # the summary there: nothing said of it (AB1)
    assert code == 0 and "seed runs" not in out + err, out + err
    (folder / summary_file).unlink()
    code, out, err = cli("show", folder)
    line = one_line(err)
    assert code == 2 and out == ""
    assert f"{folder} holds 2 seed runs (seed-0, seed-1) and no {summary_file}" in line
    assert f"merbench show {folder / 'seed-0'}" in line
    assert f"the same {kind.command} command again, which writes {summary_file}" in line
    pooled = kind.over_seeds.runs.comparison is not None
    assert ("merbench compare pools them" in line) == pooled
    said = line.removeprefix(f"merbench: error: {folder} ")
    code, out, err = cli("status", folder)  # status and validate say it too, as a state
    assert code == 0 and f"{folder}: {said}" in out.splitlines(), out + err
    code, out, err = cli("validate", folder)
    assert code == 0 and f"note: {folder}: {said}" in out.splitlines(), out + err
    if pooled:  # as said: compare takes the folder as the seeds of one configuration
        # another seed's run (a copy of one of its seeds is not independent of it)
        reference = tmp_path / "reference"
        if name == "summary over seeds":
            code, _, err = cli("run", *TINY_RUN, "--seed", "2", "--threads", "1", "--out",
                               reference)
            assert code == 0, err
        else:  # the example's runs are RCN-A's committed seeds 0 and 1
            shutil.copytree(COMMITTED_RESULTS / "rcn-composite-loso-au" / "seed-2", reference)
        code, out, err = cli("compare", reference, folder)
        assert code == 0, err
        assert "seeds 0, 1" in out


def test_every_summary_kind_is_covered() -> None:
    """Each registered summary over seeds is one of the cases above."""
    assert sum(kind.over_seeds is not None for kind in result_kinds()) == len(SUMMARIES)


def test_seed_runs_of_kinds_without_summary_stay_several_results(
        examples: dict[str, Path], tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    """Seed-N folders that are not all runs of one kind are named as several results."""
    folder = tmp_path / "x"
    shutil.copytree(examples["summary over seeds"] / "seed-0", folder / "seed-0")
    shutil.copytree(examples["tuning summary over seeds"] / "seed-0", folder / "seed-1")
    code, _, err = cli("show", folder)
    assert code == 2 and "holds 2 results" in one_line(err)
