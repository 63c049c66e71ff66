"""A coding sheet or fold list given by option that is a fifo, a folder or nothing is said as
what it is, not "does not exist" (issue 84, pass 7's R2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from merbench_datasets.rawroot import find_sheet

from merbench.base.errors import MerbenchError


@pytest.mark.parametrize(("make", "said"), [
    ("fifo", "is a fifo"), ("folder", "folder"), ("missing", "does not exist"),
    ("empty", "--dataset-opt sheet= is empty")])
def test_a_sheet_option_is_said_as_what_it_names(tmp_path: Path, make: str, said: str) -> None:
    path = tmp_path / "coding.xlsx"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    given = "" if make == "empty" else str(path)
    with pytest.raises(MerbenchError) as refused:
        find_sheet("casme2", given, [tmp_path], ["*.xlsx"], "coding sheet")
    assert said in str(refused.value) and "\n" not in str(refused.value)
