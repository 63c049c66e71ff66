"""Words on the command line a new researcher met (issue 85): a ``--seeds`` summary that
put the reported table last and wrapped at 80 columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SMALL = ["--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--dataset-opt",
         "subjects=4", "--dataset-opt", "samples_per_subject=6", "--threads", "1"]


def test_a_seeds_summary_puts_the_reported_policy_first_as_a_single_run_does(
        cli: Any, tmp_path: Path) -> None:
    """``--seeds`` with ``--selection first-best`` printed the fixed table first, without
    intervals, and the reported first-best table last, the only one with intervals, each
    cell wrapped at 80 columns. Now: the reported table first, its intervals under the mean
    ± std, in 80 columns; each other policy in one line after it, as a single run's."""
    code, out, err = cli("run", *SMALL, "--seeds", "0,1", "--selection", "first-best",
                         "--out", tmp_path / "s", "--quiet")
    assert code == 0, err
    lines = out.splitlines()
    titles = [i for i, line in enumerate(lines) if "selection: " in line]
    assert len(titles) == 1 and "selection: first-best" in " ".join(lines[titles[0]:
                                                                       titles[0] + 2])
    table = lines[titles[0]:next(i for i, line in enumerate(lines) if line.startswith("└"))]
    assert max(len(line) for line in table) <= 80, "\n".join(table)
    overall = next(i for i, line in enumerate(table) if line.startswith("│ overall"))
    assert " ± " in table[overall] and "[" in table[overall + 1], "\n".join(table)
    after = lines[len(table) + titles[0]:]
    assert any(line.startswith("selection fixed: UF1 ") for line in after), out
    assert any(line.startswith("selection oracle — TEST-SET SELECTION") for line in after), out


def test_a_learning_curve_names_round_epochs() -> None:
    """A run page's learning curve of 800 epochs named epoch 201 on its axis (five ticks
    spaced evenly, rounded): the first, the last and round steps between."""
    import re

    import numpy as np

    from merbench.leaderboard.curves import curve_svg, epoch_ticks

    svg = curve_svg("UF1", [("UF1", np.linspace(0.2, 0.6, 800), False)])
    named = [int(t) for t in re.findall(r'class="cv-axis">(\d+)</text>', svg)]
    assert named == [1, 200, 400, 600, 800], named
    assert epoch_ticks(50) == [1, 10, 20, 30, 40, 50] and epoch_ticks(2) == [1, 2]
    assert epoch_ticks(3000) == [1, 1000, 2000, 3000]
