"""Issue 81: ``merbench run --seed N --out X/seed-N`` beside ``X/seed-0`` was refused by the
output-place checks, so every later seed of a GPU window's jobs (``leaderboard_runs.py``
lays them out as ``--seeds`` does) and the way ``leaderboards/results/README.md`` gives for
adding a seed failed; a place that is wrong for the run stays refused."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TINY_RUN


def test_a_later_seed_goes_beside_seed_0_and_the_summary_takes_it(tmp_path: Path,
                                                                   cli) -> None:  # type: ignore[no-untyped-def]
    seeds = tmp_path / "job"
    assert cli("run", *TINY_RUN, "--seed", "0", "--out", seeds / "seed-0")[0] == 0
    # a window's later seed, seed 0 unfinished or finished beside it, no summary yet
    code, _, err = cli("run", *TINY_RUN, "--seed", "1", "--out", seeds / "seed-1")
    assert code == 0, err
    assert cli("run", *TINY_RUN, "--seeds", "0,1", "--out", seeds)[0] == 0
    # the README's way into a finished folder: the seed run, then the summary with every seed
    code, _, err = cli("run", *TINY_RUN, "--seed", "2", "--out", seeds / "seed-2")
    assert code == 0, err
    code, _, err = cli("validate", seeds)
    assert code != 0 and "seeds.json does not list" in err, err
    assert cli("run", *TINY_RUN, "--seeds", "0,1,2", "--out", seeds)[0] == 0
    code, _, err = cli("validate", seeds)
    assert code == 0, err


def test_wrong_places_beside_seed_runs_stay_refused(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    seeds = tmp_path / "job"
    assert cli("run", *TINY_RUN, "--seed", "0", "--out", seeds / "seed-0")[0] == 0
    before = sorted(p.relative_to(seeds) for p in seeds.rglob("*"))
    cases = {
        "another seed's folder": (("--seed", "3", "--out", seeds / "seed-2"),
                                  f"give --out {seeds / 'seed-3'} for seed 3, or --seed 2"),
        "no seed folder": (("--seed", "1", "--out", seeds / "extra"), "whose files are its own"),
        "below a seed folder": (("--seed", "1", "--out", seeds / "seed-1" / "deeper"),
                                "whose files are its own"),
        "inside seed 0's run": (("--seed", "1", "--out", seeds / "seed-0" / "seed-1"),
                                "whose files are its own"),
    }
    for name, (given, said) in cases.items():
        code, _, err = cli("run", *TINY_RUN, *given)
        assert code == 2 and said in err and len(err.strip().splitlines()) == 1, (name, err)
    assert sorted(p.relative_to(seeds) for p in seeds.rglob("*")) == before


def test_a_run_keeps_one_precision_from_its_first_fold_to_its_last(tmp_path: Path,
                                                                   cli) -> None:  # type: ignore[no-untyped-def]
    """The GPU plan's precision may change with the precision study; a run a window started
    in fp32 is never gone on with in bf16 (benchmarks/job_precision.py takes its own): going
    on with it in another precision is refused in one line, its folds kept."""
    run = tmp_path / "run"
    assert cli("run", *TINY_RUN, "--precision", "fp32", "--out", run)[0] == 0
    (run / "results.json").unlink()  # a run cut before its last fold
    (run / "predictions.csv").unlink()
    folds = sorted(p.name for p in (run / "folds").iterdir())
    for given in (("run", *TINY_RUN, "--precision", "bf16", "--out", run),
                  ("run", "--resume", run, "--precision", "bf16", "--quiet")):
        code, _, err = cli(*given)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "precision" in err and "Traceback" not in err, err
    assert sorted(p.name for p in (run / "folds").iterdir()) == folds
