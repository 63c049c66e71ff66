"""Runs and seed summaries print and record the intervals of their UF1 and UAR, with the
method; validate recomputes them from the predictions and refuses any other number."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from forgery import edit_results, rejection

from merbench.results.migrations import migrate
from merbench.scores.interval_records import interval_record
from merbench.stats.intervals import METHOD, RESAMPLES

TINY = ("--model", "htnet", "--dataset", "synthetic", "--epochs", "3", "--model-opt",
        "dim=12", "--model-opt", "block_repeats=[1,1,1]", "--quiet")


def _predictions(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "predictions.csv",
                       dtype={"sample_id": str, "database": str, "subject": str})


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from merbench.cli import main

    out = tmp_path_factory.mktemp("intervals") / "seeds"
    assert main(["run", *TINY, "--seeds", "0,1", "--out", str(out)]) == 0
    return out


def test_a_run_prints_and_records_its_intervals(tmp_path: Path, cli) -> None:
    code, out, err = cli("run", *TINY, "--out", tmp_path / "r")
    assert code == 0, err
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    recorded = results["intervals"]
    assert recorded["method"] == {"method": METHOD, "unit": "subject", "level": 0.95,
                                  "resamples": RESAMPLES, "seed": 0}
    assert set(recorded["per_database"]) == set(results["metrics"]["per_database"])
    again = interval_record([_predictions(tmp_path / "r")], 3)
    assert recorded["overall"]["uf1"] == pytest.approx(again.overall.uf1)
    low, high = recorded["overall"]["uf1"]
    assert 0 <= low <= high <= 1 and low < high
    uf1 = results["metrics"]["overall"]["uf1"]
    assert f"{uf1:.4f} [{low:.2f}, {high:.2f}]" in out
    assert "95% interval, percentile bootstrap over subjects" in " ".join(out.split())
    # what validate recomputes
    code, out, err = cli("validate", tmp_path / "r")
    assert code == 0, out + err
    edit_results(tmp_path / "r", lambda r: r["intervals"]["overall"].update(uf1=[0.0, 1.0]))
    assert "stored intervals do not match its predictions: intervals.overall.uf1[0]" in \
        rejection(tmp_path / "r")


def test_seeds_print_and_record_the_interval_of_their_mean(seeds_dir: Path, cli) -> None:
    summary = json.loads((seeds_dir / "seeds.json").read_text())
    frames = [_predictions(seeds_dir / f"seed-{s}") for s in (0, 1)]
    expected = interval_record(frames, 3)
    assert summary["intervals"]["overall"]["uar"] == pytest.approx(expected.overall.uar)
    one = interval_record(frames[:1], 3)
    assert expected.overall.uar != one.overall.uar  # both seeds' predictions count
    code, out, _ = cli("run", *TINY, "--seeds", "0,1", "--out", seeds_dir)
    low = summary["intervals"]["overall"]["uf1"][0]
    assert code == 0 and f"[{low:.2f}," in out and "95%" in out
    assert "seeds averaged in each resample" in " ".join(out.split())
    assert cli("validate", seeds_dir)[0] == 0


def test_a_forged_seeds_interval_is_refused(seeds_dir: Path, tmp_path: Path, cli) -> None:
    import shutil

    copy = tmp_path / "seeds"
    shutil.copytree(seeds_dir, copy)
    summary = json.loads((copy / "seeds.json").read_text())
    summary["intervals"]["per_database"]["syn1"]["uf1"] = [0.01, 0.99]
    (copy / "seeds.json").write_text(json.dumps(summary))
    code, _, err = cli("validate", copy)
    assert code != 0 and "stored intervals do not match its predictions: " \
        "intervals.per_database.syn1.uf1[0]" in err


def test_files_before_version_5_have_no_intervals_and_still_validate(tmp_path: Path,
                                                                     cli) -> None:
    """A committed run of layout 4 (a current run relabelled 4 holds fields that came later,
    and is refused as edited: tests/test_migrations.py)."""
    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
        "ststnet-composite-loso" / "seed-0"
    run = Path(shutil.copytree(committed, tmp_path / "r"))
    data = json.loads((run / "results.json").read_text())
    assert data["schema_version"] == 4 and "intervals" not in data
    assert migrate(data, "results", "results.json")["intervals"] is None
    code, out, err = cli("validate", run)
    assert code == 0, out + err
