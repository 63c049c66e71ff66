"""Two seeds of one search are two rows of the tuning table, each naming its seed: the
export's configuration and the tuning page's search column say it, as ``leaderboard diff``
does, so a paper's table can say which seed each row is."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path
from typing import Any


def _results(examples: dict[str, Path], tmp_path: Path) -> Path:
    """The example search tuned on seeds 0 and 1 (two tunings, one table)."""
    results = tmp_path / "results"
    shutil.copytree(examples["tuning summary over seeds"], results / "tune-seeds")
    return results


def test_each_seeds_row_of_a_search_names_its_seed(examples: dict[str, Path], tmp_path: Path,
                                                   cli: Any) -> None:
    results = _results(examples, tmp_path)
    code, out, err = cli("leaderboard", "export", "tune-synthetic-loso", "--results", results)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2, out
    assert sorted(re.findall(r"seed \d", " ".join(row["configuration"] for row in rows))) == \
        ["seed 0", "seed 1"], out
    (tmp_path / "empty").mkdir()
    code, out, err = cli("leaderboard", "diff", tmp_path / "empty", results)
    assert code == 0, err
    added = [line for line in out.splitlines() if line.startswith("+ tune-synthetic-loso")]
    assert sorted(re.findall(r"seed \d", " ".join(added))) == ["seed 0", "seed 1"], out
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "site")
    assert code == 0, err
    page = (tmp_path / "site" / "tuning.html").read_text()
    cells = re.findall(r'<td data-col="search">([^<]*)', page)
    assert sorted(re.findall(r"seed \d", " ".join(cells))) == ["seed 0", "seed 1"], cells
