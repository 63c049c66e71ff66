"""The user guide's ``merbench compare`` example is what the command prints.

docs/user-guide.md, *Comparing runs*, shows a command on the committed results and a table of
its output: each run's UF1 and UAR with their intervals, each difference from the first with
its interval and Holm-corrected p, and the raw p-values in a note. The table once kept the
numbers of a command with another run in it (and a sentence below it those of an older
site); this runs the documented command from ``leaderboards/results`` and checks every
number the table and its note quote, p-values to the digits the guide gives them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "user-guide.md"
SCORE = r"[+-]?\d\.\d{4} \[[+-]?\d\.\d\d, [+-]?\d\.\d\d\]"  # 0.6859 [0.63, 0.74]


def _section() -> str:
    text = GUIDE.read_text()
    start = text.index("### Comparing runs")
    return text[start:text.index("\n### ", start + 1)]


def _command() -> list[str]:
    """The first command of the section's first bash block, continuation lines joined."""
    block = re.search(r"```bash\n(.*?)```", _section(), re.S)
    assert block, "the compare section has no bash block"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return shlex.split(lines[0])


def _table() -> list[list[str]]:
    """The example's rows (header and rule left out), each a list of its cells."""
    rows = [line for line in _section().splitlines() if line.startswith("| `")]
    assert rows, "the compare section has no table of runs"
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _same(quoted: str, value: float) -> bool:
    """``value`` rounded to the decimals of ``quoted`` (``.042``, ``0.80``) reads as it."""
    decimals = len(quoted.partition(".")[2])
    return float(quoted) == float(f"{value:.{decimals}f}")


@pytest.fixture(scope="module")
def printed() -> str:
    """What the documented command prints, run from the repository (its paths are relative
    to it), in this process."""
    import contextlib
    import io
    import os

    from merbench.cli import main

    words = _command()
    assert words[:2] == ["merbench", "compare"]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(words[1:])
    finally:
        os.chdir(here)
    assert code == 0, err.getvalue()
    return out.getvalue()


def test_the_example_runs_are_the_commands_runs(printed: str) -> None:
    table = _table()
    labels = re.findall(r"^run \d+: (\S+) (.*)$", printed, re.M)
    assert [name for name, _ in labels] == [re.match(r"`([\w-]+)`", row[0]).group(1)
                                            for row in table]
    for row, (_, label) in zip(table, labels, strict=True):  # (seeds 0, 1, 2), (seed 0)
        seeds = re.search(r"\((seeds? [\d, ]+)\)", row[0])
        assert seeds is None or f"· {seeds.group(1)} " in label, (row[0], label)
    holm = re.search(r"Holm-corrected over (\d+) comparison", printed)
    assert holm and int(holm.group(1)) == len(table) - 1
    assert "Holm over the three comparisons" in " ".join(_section().split())
    assert len(table) - 1 == 3


def test_every_score_and_interval_the_table_quotes_is_printed(printed: str) -> None:
    scores = {int(n): (uf1, uar) for n, uf1, uar in
              re.findall(rf"^(\d+)\s+({SCORE})\s+({SCORE})", printed, re.M)}
    for number, row in enumerate(_table(), start=1):
        assert (row[1], row[2]) == scores[number], row


def test_every_difference_and_p_value_is_printed(printed: str) -> None:
    differences = {
        int(n): [(diff, float(raw), float(holm)) for diff, raw, holm in re.findall(
            rf"(?:UF1|UAR) ({SCORE}) p (\d\.\d+) \(Holm (\d\.\d+)\)", line)]
        for n, line in re.findall(r"^  run (\d+) \(.*?\): (.*)$", printed, re.M)}
    raw_quoted = re.search(r"\(raw p: (.*?)\.\)", " ".join(_section().split()))
    assert raw_quoted, "the note of raw p-values is gone"
    raw_pairs = re.findall(r"(\.\d+) and (\.\d+)", raw_quoted.group(1))
    for number, row in enumerate(_table()[1:], start=2):
        printed_row = differences[number]
        for cell, (diff, _, holm) in zip(row[3:5], printed_row, strict=True):
            quoted_diff, _, quoted_p = cell.rpartition(", ")
            assert quoted_diff == diff, (row, diff)
            assert _same(quoted_p, holm), (row, holm)
        for quoted, (_, raw, _) in zip(raw_pairs[number - 2], printed_row, strict=True):
            assert _same(quoted, raw), (row, raw)
