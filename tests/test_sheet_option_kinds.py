"""A coding sheet or fold list given by option that is a fifo, a folder or nothing is said as
what it is, not "does not exist" (issue 84, pass 7's R2); so is the composite's label CSV,
which was called "missing" (pass 84d)."""

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


@pytest.mark.parametrize(("make", "said"), [("fifo", "is a fifo, not a regular file"),
                                            ("folder", "is a folder, not a regular file")])
def test_the_composite_label_file_is_said_as_what_it_is(cli, tmp_path: Path, make: str,
                                                         said: str) -> None:
    """The release's folder with its flow images, whose label CSV is a fifo or a folder: the
    same check as for a sheet says what it is and to give a regular file, in one line."""
    root = tmp_path / "release"
    (root / "STSNet_whole_norm_u_v_os").mkdir(parents=True)
    label = root / "combined_3_class2_for_optical_flow.csv"
    if make == "fifo":
        os.mkfifo(label)
    else:
        label.mkdir()
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "composite", "--data-root",
                       root, "--protocol", "lodo", "--epochs", "1", "--quiet", "--out",
                       tmp_path / "out")
    assert code == 2, err
    assert err == (f"merbench: error: {label} {said}; give a regular file as the MEGC2019 "
                   "composite's label CSV\n"), err
    assert "missing" not in err and not (tmp_path / "out").exists()
