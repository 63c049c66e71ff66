"""Summaries over seeds whose test subjects are one a database: a tuning's
(``tune-seeds.json``) and an AU configuration's (``au-seeds.json``) record a point as the
interval of the seeds' mean, and say there is none, in the words a single run, a single
tuning and an emotion summary over seeds say it
(:mod:`merbench.scores.interval_records`): in the terminal (the command's text and
``show``'s, one text) and on the tuning page.

They printed "UF1 0.3056 ± 0.0393 [0.31, 0.31] over 2 seeds" and "mean F1 of the seeds'
mean 0.2100 [0.21, 0.21] (95% interval ...)", drawn from one subject each."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import COMMITTED_RESULTS, TINY_TUNING, one_test_subject, run_cli

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


def _one_subject_au_seeds(folder: Path) -> Path:
    """The committed RCN-A AU seed runs 0 and 1, each predictions table's samples given one
    test subject (CASME II's sub01), with the ``au-seeds.json`` merbench writes of them."""
    from merbench.au.record import (
        AU_PREDICTIONS_FILE,
        AU_RESULTS_FILE,
        AU_SEEDS_FILE,
        read_au_results,
    )
    from merbench.au.seed_pool import summarise_au_seeds
    from merbench.base.atomic import atomic_write_json
    from merbench.results.codec import to_json
    from merbench.results.schema import now_iso

    seeds = ("seed-0", "seed-1")
    for name in seeds:
        shutil.copytree(COMMITTED_RESULTS / "rcn-composite-loso-au" / name, folder / name)
        one_test_subject(folder / name / AU_PREDICTIONS_FILE)
    runs = [(name, read_au_results(folder / name / AU_RESULTS_FILE)) for name in seeds]
    summary = summarise_au_seeds(folder, runs, now_iso())
    low_high = summary.interval.mean_f1
    assert low_high is not None and low_high[0] == low_high[1]  # a point is recorded
    atomic_write_json(folder / AU_SEEDS_FILE, to_json(summary))
    return folder


def test_an_au_summary_over_seeds_of_one_subject_prints_no_interval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from merbench.kinds import finished_text

    folder = _one_subject_au_seeds(tmp_path / "au-seeds")
    finished_text(folder).show()
    said = capsys.readouterr().out
    line = next(line for line in said.splitlines() if "seeds' mean" in line)
    assert "[" not in line and "interval," not in line, said
    assert ("no interval (one test subject): overall; an interval over subjects needs two "
            "or more") in _flat(said), said


def test_an_au_summary_over_seeds_of_several_subjects_still_prints_its_interval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import _au_seeds_example

    from merbench.kinds import finished_text

    finished_text(_au_seeds_example(tmp_path / "au-seeds")).show()
    said = capsys.readouterr().out
    line = next(line for line in said.splitlines() if "seeds' mean" in line)
    assert re.search(r"\[\d\.\d\d, \d\.\d\d\] \(\[low, high\]: 95% interval", line), said
    assert "no interval" not in said


@pytest.mark.realdata
def test_an_au_run_over_seeds_testing_one_subject_says_no_interval(
        real_data: Path, tmp_path: Path, cli: Any) -> None:
    """The whole way: ``run --task au --seeds`` of a split that tests CASME II's sub01
    prints it, ``show`` prints it again, and the AU page's row says it in its cell."""
    from merbench.leaderboard.site import build_site

    out = tmp_path / "results" / "au"
    code, printed, err = cli(
        "run", "--model", "ststnet", "--dataset", "composite", "--data-root",
        real_data / "composite", "--task", "au", "--au-set", "1,2,4,7,12,15,17", "--epochs",
        "1", "--threads", "1", "--device", "cpu", "--quiet", "--protocol", "subject-split",
        "--protocol-opt", 'train=["casme2/sub02","casme2/sub03"]', "--protocol-opt",
        'test=["casme2/sub01"]', "--seeds", "0,1", "--out", out)
    assert code == 0, err
    code, shown, err = cli("show", out)
    assert code == 0, err
    for said in (printed, shown):
        line = next(line for line in said.splitlines() if "seeds' mean" in line)
        assert "[" not in line and "interval," not in line, said
        assert ("no interval (one test subject): overall; an interval over subjects needs "
                "two or more") in _flat(said), said
    build_site([out.parent], tmp_path / "site")
    page = (tmp_path / "site" / "au-composite-subject-split.html").read_text()
    assert page.count("no interval: one test subject") == 1 and 'class="ci"' not in page
