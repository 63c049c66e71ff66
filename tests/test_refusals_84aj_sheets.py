"""The composite's ``annotations=`` folder, checked whatever the task (issue 84, pass 84aj).

AJ5: ``--dataset-opt annotations=`` naming a file or an empty folder was refused by an AU
run but taken silently by an emotion run, and recorded in its identity (another run
folder, another leaderboard setting of the same samples). The folder is now checked when
the dataset is built, before anything trains: it is a folder and holds the coding sheet of
each database among the samples (found by name, not read).

Tested on the fake release of ``test_composite`` (generated images, no faces) and through
``merbench run`` on it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import CliResult, one_line
from merbench_datasets.composite import LABEL_CSV, make_composite
from test_composite import _fake_release, error_of

SHEETS = ("CASME2-coding-20190701.xlsx", "SAMM_Micro_FACS_Codes_v2.xlsx")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake") / "composite"
    _fake_release(folder)
    return folder


def test_a_file_named_as_the_sheets_folder_is_refused_when_the_dataset_is_built(
        release: Path, tmp_path: Path) -> None:
    """As the AU run refuses it, in the same words: no AU label is asked for here."""
    readme = tmp_path / "README.md"
    readme.write_text("not a folder\n")
    said = error_of(lambda: make_composite(str(release), annotations=str(readme)))
    assert said == (f"composite: annotations='{readme}' is not a folder; give the folder that "
                    "holds the CASME II and SAMM coding sheets")
    said = error_of(lambda: make_composite(str(release), annotations=str(tmp_path / "no")))
    assert said.startswith(f"composite: annotations='{tmp_path / 'no'}' is not a folder")


def test_a_folder_without_a_needed_sheet_is_refused_naming_the_sheet(
        release: Path, tmp_path: Path) -> None:
    (tmp_path / SHEETS[0]).touch()  # CASME II's sheet only: SAMM's is said missing
    said = error_of(lambda: make_composite(str(release), annotations=str(tmp_path)))
    assert said.startswith("composite: the action units of its samm samples come from the "
                           "SAMM FACS coding sheet (SAMM_Micro_FACS_Codes"), said
    assert f"there is none in '{tmp_path}'" in said


def test_a_folder_of_both_sheets_is_taken_without_reading_them(release: Path,
                                                               tmp_path: Path) -> None:
    """The sheets are found by name only: an emotion run reads no coding sheet."""
    for name in SHEETS:
        (tmp_path / name).write_bytes(b"no workbook")
    assert len(make_composite(str(release), annotations=str(tmp_path)).samples) == 442


def test_a_part_without_casme2_or_samm_needs_no_sheet(release: Path, tmp_path: Path) -> None:
    """A subset of SMIC samples only (SMIC codes no AUs) takes an empty sheets folder."""
    part = tmp_path / "composite"
    shutil.copytree(release, part)
    table = pd.read_csv(part / LABEL_CSV, dtype=str, keep_default_na=False)
    table[table["dataset"] == "smic"].to_csv(part / LABEL_CSV, index=False)
    (tmp_path / "sheets").mkdir()
    data = make_composite(str(part), subset=True, annotations=str(tmp_path / "sheets"))
    assert set(data.samples["database"]) == {"smic"}


@pytest.mark.parametrize("given", ["file", "empty"])
def test_an_emotion_run_refuses_it_before_anything_is_written(
        cli: Callable[..., CliResult], release: Path, tmp_path: Path, given: str) -> None:
    """The run the finding made: an emotion run, rc 0, the bad path in its identity."""
    folder = tmp_path / "sheets"
    folder.mkdir()
    named = folder / "README.md" if given == "file" else folder
    if given == "file":
        named.write_text("not a folder\n")
    out = tmp_path / "run"
    code, _, err = cli("run", "-m", "biwoof-release-svm", "-d", "composite", "--data-root",
                       release, "--dataset-opt", f"annotations={named}", "-o", out, "-q")
    assert code == 2, err
    said = one_line(err)
    assert ("is not a folder" if given == "file" else "there is none in") in said, said
    assert not out.exists()
