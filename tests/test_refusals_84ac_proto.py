"""Pass 84ac, AC11 and AC13: runs whose test set is one subject, and the user's own
CAS(ME)^3 HSTA fold lists.

AC11: ``compare`` of two runs that test one subject ended in SciPy's ValueError from the
paired permutation test; it now refuses in one line naming the runs and the fix, as it
refuses runs of other samples. AC13: fold lists given with ``--protocol-opt folds=DIR``
that leave a fold empty, or leave a sample out, are the user's files: the refusal names the
file and a fix that changes something, not merbench's own plugin nor ``-d casme3``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from one_subject import one_subject_benchmark
from test_raw_sheet_words import casme3_root  # noqa: F401 (a fixture)

from merbench.base.errors import MerbenchError
from merbench.stats.paired import paired_difference, untestable

SPLIT = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
         "1", "--quiet", "--dataset-opt", "samples_per_subject=3", "--protocol",
         "subject-split", "--protocol-opt", 'train=["syn1/s01","syn2/s01","syn3/s01"]',
         "--protocol-opt", 'test=["syn1/s02"]']


@pytest.fixture(scope="module")
def one_subject_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two seeds of a subject-split run that tests one subject (syn1/s02)."""
    from conftest import run_cli

    root = tmp_path_factory.mktemp("one-subject")
    for seed in (0, 1):
        code, _, err = run_cli(*SPLIT, "--seed", seed, "--out", root / f"s{seed}")
        assert code == 0, err
    return root / "s0", root / "s1"


@pytest.mark.parametrize("json", [False, True])
def test_compare_of_runs_testing_one_subject_is_refused_in_one_line(
        json: bool, one_subject_runs: tuple[Path, Path], cli) -> None:
    """AC11: SciPy's "each sample in `data` must contain two or more observations"."""
    from conftest import one_line

    a, b = one_subject_runs
    code, out, err = cli("compare", *(["--json"] if json else []), a, b)
    assert code == 2 and out == ""
    assert one_line(err) == (
        f"merbench: error: {a} and {b} have one test subject (syn1/s02): a paired test over "
        "subjects needs two or more; compare runs of a protocol with several test subjects "
        "(loso, lodo)")


def test_the_paired_test_itself_refuses_one_subject_in_merbench_words() -> None:
    """AC11: the guard for any caller that does not ask :func:`untestable` first."""
    counts = np.ones((1, 1, 3, 3))
    with pytest.raises(MerbenchError, match="1 test subject: a paired test over subjects "
                                            "needs two or more"):
        paired_difference(counts, counts, "uf1")
    assert untestable(["syn1/s01", "syn1/s02"]) is None
    assert untestable([]) == "no test subject: a paired test over subjects needs two or more"


HSTA_IDS = [(f"spNO.{s}", v, 100) for s in (1, 2) for v in "abcde"]


def _hsta(cli, root: Path, tmp_path: Path, folds: list[list[tuple[str, str, int]]]
          ) -> tuple[Path, str]:
    """``run -d casme3 --protocol casme3-hsta-5fold`` on the fold lists ``folds`` (one
    test_fold_k.csv each, written in ``tmp_path/folds``): the lists' folder and the one line
    the refusal writes."""
    from conftest import one_line
    from rawtrees import FAST_FLOW

    lists = tmp_path / "folds"
    lists.mkdir()
    for k, rows in enumerate(folds, 1):
        with open(lists / f"test_fold_{k}.csv", "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(("Subject", "Filename", "Onset"))
            writer.writerows(rows)
    code, _, err = cli("run", "-m", "ststnet", "-f", "tvl1-uvos", *FAST_FLOW, "--epochs", "1",
                       "--threads", "1", "-q", "--protocol", "casme3-hsta-5fold",
                       "-o", tmp_path / "run", "-d", "casme3", "--data-root", root,
                       "--protocol-opt", f"folds={lists}")
    assert code == 2, err
    return lists, one_line(err)


def test_an_empty_fold_list_is_the_users_file_not_the_plugins(
        casme3_root: Path, cli, tmp_path: Path) -> None:  # noqa: F811
    """AC13: "fold fold-5 tests no sample; report it to the plugin's authors"."""
    lists, line = _hsta(cli, casme3_root, tmp_path,
                        [HSTA_IDS[k::4] for k in range(4)] + [[]])
    assert line == (f"merbench: error: casme3-hsta-5fold: {lists}/test_fold_5.csv lists none "
                    "of this dataset's samples, so fold 5 would test nothing; restore the "
                    "lists from the authors' repository, or choose subjects every list holds "
                    "with --dataset-opt subjects=...")


def test_a_list_of_every_sample_is_the_users_file_not_the_plugins(
        casme3_root: Path, cli, tmp_path: Path) -> None:  # noqa: F811
    """AC13: "fold fold-1 trains on no sample; report it to the plugin's authors"."""
    lists, line = _hsta(cli, casme3_root, tmp_path, [HSTA_IDS, [], [], [], []])
    assert line == (f"merbench: error: casme3-hsta-5fold: {lists}/test_fold_1.csv lists every "
                    "sample of this dataset, so fold 1 would train on nothing; restore the "
                    "lists from the authors' repository, or choose subjects the other lists "
                    "hold too with --dataset-opt subjects=...")


def test_a_sample_no_list_holds_names_the_lists_and_a_fix_that_changes_something(
        casme3_root: Path, cli, tmp_path: Path) -> None:  # noqa: F811
    """AC13: "... the split covers CAS(ME)^3 Part A micro-expressions once each: run it on
    -d casme3" on -d casme3."""
    lists, line = _hsta(cli, casme3_root, tmp_path,
                        [HSTA_IDS[k::5][1:] if k == 0 else HSTA_IDS[k::5] for k in range(5)])
    assert line == (f"merbench: error: casme3-hsta-5fold: 1 sample(s) of this dataset are in "
                    f"none of {lists}/test_fold_1.csv .. test_fold_5.csv "
                    "(casme3/spNO.1/a/100); restore the lists from the authors' repository, "
                    "or leave its subject out with --dataset-opt subjects=...")


def test_show_of_a_run_testing_one_subject_prints_no_interval(
        one_subject_runs: tuple[Path, Path], cli) -> None:
    """AC11 (related): ``0.1500 [0.15, 0.15]`` under "95% interval, percentile bootstrap
    over subjects", drawn from one subject."""
    code, out, err = cli("show", one_subject_runs[0])
    assert code == 0, err
    assert "no interval (one test subject): overall, syn1; an interval over subjects needs " \
           "two or more" in " ".join(out.split())
    assert "95% interval" not in out and "[" not in out.split("no interval")[0].split("┩")[1]


def test_a_seeds_summary_testing_one_subject_prints_no_interval(cli, tmp_path: Path) -> None:
    """AC11 (related): a ``--seeds`` summary's "[interval of the mean]" of one subject."""
    code, _, err = cli(*SPLIT, "--seeds", "0,1", "--out", tmp_path / "seeds")
    assert code == 0, err
    code, out, err = cli("show", tmp_path / "seeds")
    assert code == 0, err
    assert "no interval (one test subject): overall, syn1; an interval over subjects needs " \
           "two or more" in " ".join(out.split())
    assert "95% interval" not in out and "[0." not in out


def test_a_leaderboard_of_one_test_subject_says_no_interval_and_no_test(tmp_path: Path) -> None:
    """AC11 (related): the benchmark's paired tests ended the build in SciPy's ValueError;
    its rows and run pages showed a point as a 95% interval."""
    from merbench.cli import main

    results, defs = one_subject_benchmark(tmp_path, {"one-a": 5e-5, "one-b": 6e-3})
    site = tmp_path / "site"
    assert main(["leaderboard", "build", "--results", str(results), "--out",
                 str(site), "--benchmarks", str(defs), "--strict"]) == 0

    def text(page: Path) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", page.read_text()).split())

    board = text(site / "benchmarks" / "one-subject.html")
    assert board.count("no interval: one test subject") == 2
    assert "not compared with the best: row 1 has one test subject (syn1/s02): a paired test " \
           "over subjects needs two or more" in board
    assert "no interval: one test subject" in text(site / "compare" / "one-subject.html")
    run_page = text(site / "runs" / "one-a" / "index.html")
    assert "no interval (one test subject): overall, syn1; an interval over subjects needs " \
           "two or more" in run_page


@pytest.mark.realdata
def test_au_runs_testing_one_subject_compare_and_show_without_a_test_or_interval(
        real_data: Path, tmp_path: Path, cli) -> None:
    """AC11, an AU run's alike: the compare refusal and show's words are every kind's."""
    from conftest import one_line

    import merbench

    split = {"train": ["casme2/sub02", "casme2/sub03"], "test": ["casme2/sub01"]}
    for seed in (0, 1):
        merbench.run("ststnet", "composite", data_root=str(real_data / "composite"),
                     task="au", au_set="1,2,4,7,12,15,17", epochs=1, threads=1,
                     seed=seed, protocol="subject-split", protocol_options=split,
                     out=tmp_path / f"au{seed}")
    code, out, err = cli("compare", tmp_path / "au0", tmp_path / "au1")
    assert code == 2 and out == ""
    assert one_line(err) == (
        f"merbench: error: {tmp_path / 'au0'} and {tmp_path / 'au1'} have one test subject "
        "(casme2/sub01): a paired test over subjects needs two or more; compare runs of a "
        "protocol with several test subjects (loso, lodo)")
    code, out, err = cli("show", tmp_path / "au0")
    assert code == 0, err
    assert "no interval (one test subject): overall, casme2; an interval over subjects " \
           "needs two or more" in " ".join(out.split())
    assert "95% interval" not in out and "[0." not in out
