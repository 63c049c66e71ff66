"""Pass 84af, AF5: ``merbench compare`` tells runs apart by what they are.

A run given twice by its path, and a seed run beside the summary that averages it, were
refused; the same run under another path was not: an identical copy (``cp -r``), or the
single run the same command also wrote as a ``--seeds`` folder's seed, was compared with
itself (a difference of 0, p 1) and took a share of Holm's correction from the other
comparisons. A copy is now refused as the path is, by its run identity and predictions, for
every kind compare takes (emotion runs and summaries over seeds, action-unit runs and their
seed folders); another seed's run is still compared.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import one_line

import merbench

SMALL = {"subjects": 5, "samples_per_subject": 6}
COMMITTED = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
COPY = "(the same run identity and predictions)"
NOT_INDEPENDENT = "the two are not independent"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``r1``: seed 0 alone; ``se``: the same command over seeds 0 and 1 (its ``seed-0``
    is ``r1`` again); ``r1c``: ``cp -r r1``."""
    root = tmp_path_factory.mktemp("comparecopy")
    merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                 dataset_options=SMALL, seed=0, out=root / "r1")
    merbench.run_seeds("ststnet", "synthetic", [0, 1], epochs=1, device="cpu",
                       dataset_options=SMALL, out=root / "se")
    shutil.copytree(root / "r1", root / "r1c")
    return root


def test_an_identical_copy_of_a_run_is_refused(runs: Path, cli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(runs)
    code, out, err = cli("compare", "r1", "r1c")
    assert code == 2 and out == ""
    assert one_line(err).endswith(f"r1c is a copy of r1 {COPY}: give each run once")
    # named by a file of each, the same
    code, _, err = cli("compare", "r1/results.json", "r1c/results.json")
    assert code == 2 and f"r1c/results.json is a copy of r1/results.json {COPY}" in err


def test_a_copy_among_seed_runs_takes_no_share_of_holm(runs: Path, cli,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """``se/seed-0`` is ``r1``: it was compared with itself (p 1), and run 3's Holm p was
    doubled by that comparison."""
    monkeypatch.chdir(runs)
    code, out, err = cli("compare", "r1", "se/seed-0", "se/seed-1")
    assert code == 2 and out == ""
    assert one_line(err).endswith(f"se/seed-0 is a copy of r1 {COPY}: give each run once")


def test_a_run_beside_a_summary_averaging_its_copy_is_not_independent(
        runs: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(runs)
    for given in (("r1", "se"), ("se", "r1c")):
        code, out, err = cli("compare", *given)
        run = given[0] if given[1] == "se" else given[1]
        assert code == 2 and out == ""
        assert one_line(err).endswith(
            f"{run} is a copy of se/seed-0 {COPY}, a seed run se averages: "
            f"{NOT_INDEPENDENT}; compare results of different configurations")
    shutil.copytree(runs / "se", runs / "se-copy", dirs_exist_ok=True)
    code, _, err = cli("compare", "se", "se-copy")
    assert code == 2 and one_line(err).endswith(f"se-copy is a copy of se {COPY}: give each "
                                                "run once")


def test_another_seeds_run_is_still_compared(runs: Path, cli) -> None:
    code, out, err = cli("compare", runs / "r1", runs / "se" / "seed-1", "--json")
    assert code == 0, err
    [comparison] = json.loads(out)["comparisons"]
    assert comparison["uf1"]["p_holm"] == comparison["uf1"]["p"]  # one comparison: itself


def test_a_copy_of_a_committed_seed_run_beside_its_folder(tmp_path: Path, cli,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A folder of seed runs with no seeds.json (the committed OFF-ApexNet runs) pools its
    seeds as the site's one row: a copy of one of them beside it is not independent."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(COMMITTED / "offapexnet-composite-loso", "off")
    shutil.copytree(COMMITTED / "offapexnet-composite-loso" / "seed-1", "one")
    code, _, err = cli("compare", "off", "one")
    assert code == 2 and one_line(err).endswith(
        f"one is a copy of off/seed-1 {COPY}, a seed run off averages: {NOT_INDEPENDENT}; "
        "compare results of different configurations")


def test_an_action_unit_copy_is_refused(tmp_path: Path, cli,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``compare au1 au1c`` (``cp -r``) printed mean F1 +0.0000, p = 1.000."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(COMMITTED / "ststnet-composite-loso-au", "au")
    shutil.copytree(COMMITTED / "ststnet-composite-loso-au" / "seed-0", "au0")
    code, out, err = cli("compare", "au0", "au/seed-0")
    assert code == 2 and out == ""
    assert one_line(err).endswith(f"au/seed-0 is a copy of au0 {COPY}: give each run once")
    code, _, err = cli("compare", "au", "au0")
    assert code == 2 and one_line(err).endswith(
        f"au0 is a copy of au/seed-0 {COPY}, a seed run au averages: {NOT_INDEPENDENT}; "
        "compare results of different configurations")
    code, out, err = cli("compare", "au0", "au/seed-1")  # another seed: compared
    assert code == 0 and "mean F1" in out, err
