"""Pass 84ac, AC11 and AC13: runs whose test set is one subject, and the user's own
CAS(ME)^3 HSTA fold lists.

AC11: ``compare`` of two runs that test one subject ended in SciPy's ValueError from the
paired permutation test; it now refuses in one line naming the runs and the fix, as it
refuses runs of other samples. AC13: fold lists given with ``--protocol-opt folds=DIR``
that leave a fold empty, or leave a sample out, are the user's files: the refusal names the
file and a fix that changes something, not merbench's own plugin nor ``-d casme3``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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

