"""Summaries over seeds whose test subjects are one a database: a tuning's
(``tune-seeds.json``) records a point as the interval of the seeds' mean, and says there is
none, in the words a single run, a single tuning and an emotion summary over seeds say it
(:mod:`merbench.scores.interval_records`): in the terminal (the command's text and
``show``'s, one text) and on the tuning page.

It printed "UF1 0.3056 ± 0.0393 [0.31, 0.31] over 2 seeds", drawn from one subject a
database."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_TUNING, run_cli

PER_DATABASE = "one test subject per database"
NOTE = (f"no interval ({PER_DATABASE}): overall; an interval over subjects needs two or "
        "more")


@pytest.fixture(scope="module")
def one_a_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``tune --seeds 0,1`` of the shipped tiny search on two synthetic subjects, one in
    each of two databases (loso: each tested once, so every resample draws both), and what
    the command printed."""
    root = tmp_path_factory.mktemp("tune-one-a-database")
    (root / "tiny.toml").write_text(TINY_TUNING.replace("subjects = 3, databases = 1",
                                                        "subjects = 2, databases = 2"))
    out = root / "results" / "tuned"
    code, printed, err = run_cli("tune", root / "tiny.toml", "--score", "test", "--seeds",
                                 "0,1", "--threads", "1", "--quiet", "--out", out)
    assert code == 0, err
    return out, printed


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_tuning_over_seeds_of_one_subject_a_database_prints_no_interval(
        one_a_database: tuple[Path, str], cli: Any) -> None:
    out, printed = one_a_database
    code, shown, err = cli("show", out)
    assert code == 0, err
    for said in (printed, shown):
        assert NOTE in _flat(said), said
        scores = [line for line in said.splitlines() if "over 2 seeds" in line]
        assert len(scores) == 2 and not any("[" in line for line in scores), said


def test_a_tuning_over_seeds_of_several_subjects_still_prints_its_interval(
        one_a_database: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    """The same summary's text where its seeds' outer folds tested two subjects of one
    database: the recorded interval is printed (the words above are the one subject's)."""
    from merbench.tuning.finish_text import tune_seeds_text
    from merbench.tuning.record import TUNE_FILE, read_tune
    from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, read_tune_seeds

    out, _ = one_a_database
    summary = read_tune_seeds(out / TUNE_SEEDS_FILE)
    tunings = []
    for seed in summary.seeds:
        results = read_tune(out / f"seed-{seed}" / TUNE_FILE)
        two = [replace(fold, test_subjects=["syn1/s01", "syn1/s02"]) for fold in results.outer]
        tunings.append((seed, replace(results, outer=two), out / f"seed-{seed}"))
    tune_seeds_text(summary, out, tunings).show()
    said = capsys.readouterr().out
    scores = [line for line in said.splitlines() if "over 2 seeds" in line]
    assert len(scores) == 2 and all(re.search(r"\[\d\.\d\d, \d\.\d\d\]", line)
                                    for line in scores), said
    assert "no interval" not in said


def test_the_tuning_pages_row_over_seeds_says_it_has_no_interval(
        one_a_database: tuple[Path, str], tmp_path: Path, cli: Any) -> None:
    out, _ = one_a_database
    code, _, err = cli("leaderboard", "build", "--results", out.parent, "--out",
                       tmp_path / "site")
    assert code == 0, err
    page = (tmp_path / "site" / "tuning.html").read_text()
    seeds_table = page.split('id="tuning-seeds-table"')[1].split("</table>")[0]
    assert seeds_table.count(f"no interval: {PER_DATABASE}") == 2, seeds_table
    assert 'class="ci"' not in seeds_table
