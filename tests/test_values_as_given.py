"""What pass 84j (Q9, Q11, Q12) and walk 85l left after their first fixes, each through the
command a user runs: ``--seeds`` and ``--au-set`` given twice in two spellings of one value
were "given twice"; a whole number above an option's largest was said in its digits
(``--folds 9e99`` as 100 of them, ``--epochs 1e9`` as 1,000,000,000), not as typed; a
``--data-root`` or ``MERBENCH_DATA_DIR`` that is a symbolic-link loop "does not exist"; an
unknown ``--selection`` was offered per-metric-best, which --selection refuses; and
docs/testing-plugins.md's table left out the spotter and long-video dataset checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.testing.lookup import KINDS

ROOT = Path(__file__).parents[1]
LOOP = "is a symbolic link loop (its links lead back to themselves)"
BARE = ["run", "--model", "ststnet", "--dataset", "synthetic", "--quiet"]


def _refusal(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``loopA`` -> ``loopB`` -> ``loopA`` in the current folder (a fresh one)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loopB").symlink_to("loopA")
    (tmp_path / "loopA").symlink_to("loopB")
    return tmp_path


def test_one_seed_list_said_two_ways_is_taken(cli, tmp_path: Path) -> None:
    code, _out, err = cli("run", *TINY_RUN, "--threads", "1", "--seeds", "0,1",
                         "--seeds", "00,1.0", "--out", tmp_path / "s")
    assert code == 0, err
    assert (tmp_path / "s" / "seed-0").is_dir() and (tmp_path / "s" / "seed-1").is_dir()


def test_two_seed_lists_are_still_refused(cli, tmp_path: Path) -> None:
    line = _refusal(*cli("run", *TINY_RUN, "--seeds", "0,1", "--seeds", "0,2",
                         "--out", tmp_path / "s"))
    assert line.startswith("merbench: error: --seeds is given twice, '0,1' and '0,2'"), line


def test_one_au_set_said_two_ways_is_not_given_twice(cli, tmp_path: Path) -> None:
    """Past the parser, to the refusal of the dataset (synthetic codes no AUs)."""
    line = _refusal(*cli("run", *TINY_RUN, "--task", "au", "--au-set", "4,10", "--au-set",
                         "04,10.0", "--out", tmp_path / "a"))
    assert "given twice" not in line and "gives no action-unit labels" in line, line


def test_two_values_are_said_as_typed(cli, tmp_path: Path) -> None:
    line = _refusal(*cli("run", *TINY_RUN, "--epochs", "1e3", "--out", tmp_path / "e"))
    assert line.startswith("merbench: error: --epochs is given twice, '1' and '1e3'; give it "
                           "once"), line


@pytest.mark.parametrize(("option", "said"), [
    ("--epochs", "--epochs must be at most 100,000 (got 1e9): every epoch's test predictions "
                 "are kept in memory and on disk"),
    ("--batch-size", "--batch-size must be at most 65,536 (got 1e9): more samples than any "
                     "dataset holds"),
    ("--workers", "--workers must be at most "),
    ("--threads", "--threads must be at most ")])
def test_a_whole_number_above_the_largest_is_said_as_typed(cli, tmp_path: Path, option: str,
                                                          said: str) -> None:
    line = _refusal(*cli(*BARE, option, "1e9", "--out", tmp_path / "r"))
    assert line.startswith(f"merbench: error: {said}"), line
    assert "got 1e9" in line and "1,000,000,000" not in line, line
    assert not (tmp_path / "r").exists()


def test_audit_folds_above_the_run_is_said_as_typed(cli, tiny_finished_run: Path) -> None:
    line = _refusal(*cli("audit", tiny_finished_run, "--folds", "9e99", "--seed", "3"))
    assert line == ("merbench: error: --folds 9e99 is more than the run's 2 folds; give at "
                    "most 2, or 'all'"), line


def test_a_data_root_in_a_link_loop_is_said_so(cli, loop: Path, tiny_finished_run: Path) -> None:
    line = _refusal(*cli("audit", tiny_finished_run, "--data-root", "loopA", "--folds", "1"))
    assert line == (f"merbench: error: --data-root loopA {LOOP}; give the folder that holds "
                    "the dataset's files"), line
    code, _out, err = cli("run", "-m", "ststnet", "-d", "casme2", "--feature", "tvl1-uvos",
                         "--quiet", "--data-root", "loopA", "--out", loop / "r")
    assert code == 2 and f"'{loop / 'loopA'}' (from --data-root) {LOOP}; " in err, err
    assert "does not exist" not in err and not (loop / "r").exists()


def test_a_data_dir_in_a_link_loop_is_said_so(cli, loop: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(loop / "loopA"))
    code, _out, err = cli("run", "-m", "ststnet", "-d", "casme2", "--feature", "tvl1-uvos",
                         "--quiet", "--out", loop / "r")
    assert code == 2 and f"'{loop / 'loopA'}' (from MERBENCH_DATA_DIR) {LOOP}; " in err, err
    assert "does not exist" not in err


def test_an_unknown_selection_lists_what_selection_takes(cli, tmp_path: Path) -> None:
    line = _refusal(*cli("run", *TINY_RUN, "--selection", "nope", "--out", tmp_path / "r"))
    assert line == ("merbench: error: unknown selection policy 'nope'; available: fixed, "
                    "inner-val, oracle, first-best, or authors (the model's authors' own)"), line


def test_the_testing_guide_has_a_row_for_every_kind_checked() -> None:
    """Each kind merbench.testing checks has its row in the table of what is checked."""
    text = (ROOT / "docs" / "testing-plugins.md").read_text()
    table = text.split("## What is checked", 1)[1].split("\n\n", 2)[1]
    rows = {cell for line in table.splitlines()
            for cell in re.split(r",\s*", line.split("|")[1].strip())}
    words = {"long_video": "long-video dataset"}
    assert all(words.get(kind, kind) in rows for kind in KINDS), rows
    import merbench.testing

    for name in re.findall(r"`(check_\w+)\(", table):
        assert name in merbench.testing.__all__, name
