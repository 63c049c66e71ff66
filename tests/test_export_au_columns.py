"""``leaderboard export`` of an action-unit table as CSV: the interval over subjects is the
mean F1's, no single AU's, so the per-AU F1s have no ``low``/``high`` columns, which would be
empty in every row and read as numbers lost in a paper's table."""

from __future__ import annotations

import csv
import io
from typing import Any

from conftest import COMMITTED_RESULTS


def test_the_au_csv_has_an_interval_for_the_mean_f1_only(cli: Any) -> None:
    code, out, err = cli("leaderboard", "export", "au-composite-loso", "--results",
                         COMMITTED_RESULTS / "ststnet-composite-loso-au", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, out
    header = out.splitlines()[0].split(",")
    assert [name for name in header if name.endswith((" low", " high"))] == [
        "mean F1 low", "mean F1 high"], header
    au_means = [name for name in header if name.startswith("AU") and name.endswith(" F1")]
    assert au_means, header
    for name in au_means:
        assert all(row[name] for row in rows), out
    assert all(row["mean F1 low"] and row["mean F1 high"] for row in rows), out
