"""merbench compare: intervals from a run's stored predictions, paired tests between runs of
the same samples and folds, and a clear refusal otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import merbench

SMALL = {"subjects": 5, "samples_per_subject": 6}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("compare")
    made = {}
    for name, options in (("a", {"seed": 0}), ("b", {"seed": 1}),
                          ("other", {"dataset_options": {"subjects": 4,
                                                         "samples_per_subject": 6}})):
        made[name] = merbench.run(model="ststnet", dataset="synthetic", epochs=2,
                                  device="cpu", out=root / name,
                                  **{"dataset_options": SMALL, **options}).run_dir
    made["seeds"] = root / "seeds"  # other seeds than a's and b's: a copy is not compared
    merbench.run_seeds("ststnet", "synthetic", [2, 3], epochs=2, device="cpu",
                       dataset_options=SMALL, out=made["seeds"])
    return made


def test_json_gives_each_runs_interval_and_the_paired_test(runs: dict[str, Path],
                                                           cli) -> None:
    code, out, err = cli("compare", runs["a"], runs["b"], runs["seeds"], "--json")
    assert code == 0, err
    found = json.loads(out)
    stored = json.loads((runs["a"] / "results.json").read_text())["metrics"]["overall"]
    first = found["runs"][0]
    assert first["uf1"]["value"] == pytest.approx(stored["uf1"], abs=1e-12)
    assert first["uar"]["value"] == pytest.approx(stored["uar"], abs=1e-12)
    for run in found["runs"]:
        for metric in ("uf1", "uar"):
            low, high = run[metric]["interval"]
            assert low <= run[metric]["value"] <= high
    assert found["runs"][2]["seeds"] == [2, 3]
    for comparison in found["comparisons"]:
        assert 0 < comparison["uf1"]["p"] <= comparison["uf1"]["p_holm"] <= 1
    assert found["method"]["correction"] == "holm"


def test_the_table_prints_intervals_and_differences(runs: dict[str, Path], cli) -> None:
    """Each run labelled by what it is (two runs of one model looked alike), differences
    per database, and the subjects that carry each difference."""
    code, out, _ = cli("compare", runs["a"], runs["b"], runs["seeds"])
    assert code == 0
    assert "95% intervals: percentile bootstrap over subjects" in out
    # the label says how a run departs from the recipe, from its own record
    assert (f"run 1: ststnet · epochs 2 (recipe 800) · fixed · seed 0 · REDUCED  ({runs['a']})"
            in out)
    assert "run 3: ststnet · epochs 2 (recipe 800) · fixed · seeds 2, 3 · REDUCED" in out
    assert "differences from run 1 (ststnet · epochs 2 (recipe 800) · fixed · seed 0 · " \
        "REDUCED" in out and " p " in out
    lines = out.splitlines()
    per_database = [line for line in lines if line.strip().startswith("UF1 per database:")]
    assert len(per_database) == 2 and all("syn1 " in line for line in per_database)
    carried = [line for line in lines if "UF1 difference carried most by" in line]
    assert len(carried) == 2 and carried[0].count("/s0") == 3  # three subjects named


def test_json_gives_per_database_differences_and_subject_shares(runs: dict[str, Path],
                                                                cli) -> None:
    code, out, _ = cli("compare", runs["a"], runs["b"], "--json")
    assert code == 0
    found = json.loads(out)
    (comparison,) = found["comparisons"]
    first, second = found["runs"]
    for database, difference in comparison["uf1"]["per_database"].items():
        assert difference == pytest.approx(second["uf1"]["per_database"][database]
                                           - first["uf1"]["per_database"][database])
    shares = [item["share"] for item in comparison["uf1"]["subjects"]]
    assert len(shares) == 5 and abs(shares[0]) >= abs(shares[-1])


def test_runs_on_other_samples_are_refused(runs: dict[str, Path], cli) -> None:
    code, _, err = cli("compare", runs["a"], runs["other"])
    assert code == 2 and err.count("\n") == 1
    assert "were not run on the same samples and folds" in err


def test_a_rejected_run_is_not_compared(runs: dict[str, Path], tmp_path: Path, cli) -> None:
    code, _, err = cli("compare", runs["a"], tmp_path)
    assert code == 2 and "holds neither results.json nor seeds.json" in err


COMMITTED = Path(__file__).resolve().parents[1] / "leaderboards" / "results"


def test_a_folder_of_seed_runs_is_compared_as_the_site_groups_it(cli) -> None:
    """The committed OffApexNet folder holds seed-0/ and seed-1/ and no seeds.json: the site
    shows it as one row, and compare pools its seeds the same way. The two STSTNet
    configurations read as their benchmark page names them."""
    code, out, err = cli("compare", COMMITTED / "offapexnet-composite-loso",
                         COMMITTED / "ststnet-composite-loso",
                         COMMITTED / "ststnet-composite-loso-authors-order", "--json")
    assert code == 0, err
    offapexnet, shuffled, authors = json.loads(out)["runs"]
    assert offapexnet["seeds"] == [0, 1] and offapexnet["model"] == "offapexnet"
    assert offapexnet["uf1"]["value"] == pytest.approx(0.6933, abs=5e-5)  # the site's row
    assert offapexnet["configuration"] == ""
    # a label says what departs from the recipe, from the run's own record: the shuffled
    # runs (which predate the recorded recipe) are the recipe, and read as a newer run would
    assert (shuffled["configuration"], authors["configuration"]) == (
        "", "data_order authors (recipe shuffle)")
    assert authors["label"] == \
        "ststnet · data_order authors (recipe shuffle) · fixed · seeds 0, 1, 2"


def test_a_folder_of_runs_is_pooled_only_when_every_run_validates(
        runs: dict[str, Path], tmp_path: Path, cli) -> None:
    pair = tmp_path / "pair"
    shutil.copytree(runs["a"], pair / "seed-0")
    shutil.copytree(runs["b"], pair / "seed-1")
    code, out, err = cli("compare", pair, runs["seeds"], "--json")
    assert code == 0, err
    mine, seeds = json.loads(out)["runs"]
    assert (mine["seeds"], seeds["seeds"]) == ([0, 1], [2, 3])
    (pair / "seed-1" / "predictions.csv").unlink()
    code, _, err = cli("compare", pair, runs["seeds"])
    assert code == 2 and err.count("\n") == 1
    assert "seed-1" in err and "compared only when every run in it validates" in err
    shutil.copytree(runs["other"], tmp_path / "mixed" / "seed-0")
    shutil.copytree(runs["b"], tmp_path / "mixed" / "seed-1")
    code, _, err = cli("compare", tmp_path / "mixed", runs["a"])
    assert code == 2 and err.count("\n") == 1
    assert "holds runs of 2 configurations" in err


def test_a_run_against_a_seeds_folder_differs_by_the_tables_scores(runs: dict[str, Path],
                                                                   cli) -> None:
    """A run against a --seeds folder (pass 84h N1): the difference printed is the table's
    (each run's mean over its seeds of its pooled score) and lies inside its own interval;
    UF1 of the seed-averaged confusion matrices was printed, outside its interval."""
    code, out, err = cli("compare", runs["a"], runs["seeds"], "--json")
    assert code == 0, err
    found = json.loads(out)
    [comparison] = found["comparisons"]
    for metric in ("uf1", "uar"):
        table = found["runs"][1][metric]["value"] - found["runs"][0][metric]["value"]
        difference = comparison[metric]["difference"]
        low, high = comparison[metric]["interval"]
        assert difference == pytest.approx(table, abs=1e-12)
        assert low - 1e-12 <= difference <= high + 1e-12
