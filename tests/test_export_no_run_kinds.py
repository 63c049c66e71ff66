"""``leaderboard export`` of a table of another kind (spotting, tuning, action units) of an
installed dataset and protocol that no result under ``--results`` makes yet: its header and
a warning, exit 0, as an emotion benchmark nobody has run exports, so a script exporting
every table goes on; and a misspelt id is offered only an id that exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(("table_id", "columns"), [
    ("spot-synthetic-long", "all F1,all F1 std,all F1 low,all F1 high,micro F1,"),
    ("tune-synthetic-loso", "UF1,UF1 std,UF1 low,UF1 high,UAR,"),
    ("au-synthetic-loso", "mean F1,mean F1 std,mean F1 low,mean F1 high,note"),
])
def test_a_table_of_another_kind_with_no_run_exports_its_header(
        table_id: str, columns: str, tmp_path: Path, cli: Any) -> None:
    code, out, err = cli("leaderboard", "export", table_id, "--results", tmp_path)
    assert code == 0, err
    assert err == (f"merbench: warning: no run of benchmark '{table_id}' under {tmp_path}: "
                   "the csv table has its header only\n"), err
    assert out.startswith("model,configuration,selection,test_set_selection,seeds,") and \
        columns in out and out.count("\n") == 1, out


def test_did_you_mean_offers_an_id_the_export_takes(tmp_path: Path, cli: Any) -> None:
    code, _, err = cli("leaderboard", "export", "spot-synthetic-lon", "--results", tmp_path)
    offered = re.search(r"did you mean '([^']+)'", err)
    assert code == 2 and offered, err
    code, _, err = cli("leaderboard", "export", offered.group(1), "--results", tmp_path)
    assert code == 0 and "has its header only" in err, err


def test_a_suffixed_id_no_result_made_is_still_refused(tmp_path: Path, cli: Any) -> None:
    """A suffix names one of several tables the results made (other dataset options): with
    none made, there is no such table."""
    code, out, err = cli("leaderboard", "export", "tune-synthetic-loso-2", "--results",
                         tmp_path)
    assert code == 2 and not out and err.startswith(
        "merbench: error: no benchmark 'tune-synthetic-loso-2'; "), err
