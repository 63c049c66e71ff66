"""The composite release's action units: its CASME II and SAMM samples' rows of the sheets.

The preprocessed release (its label CSV, flow and apex images) holds no AU coding, but each
of its CASME II and SAMM samples is a row of its database's coding sheet, and the ids say
which: the composite's ``casme2/sub01/EP02_01f`` and ``samm/006/006_1_2`` are exactly the ids
the ``casme2`` and ``samm`` modules give those sheet rows (CASME II's subject ``01`` is
``sub01``, SAMM's subjects have three digits, the clip is the sheet's ``Filename``; the same
convention that lets ``megc2019`` match the official list to the sheets). So a sample's AU
labels are its row's cell, parsed by :mod:`merbench_datasets.action_units` as a raw
dataset's are: only the cells of the composite's samples, as a raw dataset parses only its
samples'. Every one of the 145 CASME II and 133 SAMM samples of the official list is a row of
``CASME2-coding-20190701.xlsx`` and ``SAMM_Micro_FACS_Codes_v2.xlsx``. SMIC codes no AUs: its
samples' labels are None.

Where the sheets are: the dataset option ``annotations`` (``--dataset-opt
annotations=FOLDER``, a folder holding both), else the release folder, its ``annotations/``,
the folder holding the release, and that folder's ``annotations/`` (a data folder that keeps
the sheets beside ``composite/``, as merbench's test data does). The sheets are read only when
AU labels are asked for (:meth:`merbench.api.Dataset.action_units`), so an emotion run reads
none, and a missing or edited sheet near the release never stops one. A folder named by
``annotations=`` is checked whatever the task, when the dataset is built: it must be a
folder holding each needed sheet (:func:`check_given_sheets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError, option_path
from merbench_datasets import casme2, samm
from merbench_datasets.action_units import (
    CELL_COLUMNS,
    HEADER_COLUMN,
    ROW_COLUMN,
    SHEET_COLUMN,
    TEXT_COLUMN,
    coded,
)
from merbench_datasets.rawroot import newest_sheet
from merbench_datasets.sheets import SheetRole

SHEETS = {"casme2": ("CASME II coding sheet", casme2.SHEET_PATTERNS, casme2.sheet_rows),
          "samm": ("SAMM FACS coding sheet", samm.SHEET_PATTERNS, samm.sheet_rows)}
SHOWN = 3


def sheet_folders(root: Path, annotations: str | None) -> list[Path]:
    """Where to look for the coding sheets, in order (see the module doc)."""
    if annotations is not None:
        # annotations= was '.', the current folder, taken unsaid; a number Path's TypeError
        folder = option_path(annotations, "composite", "--dataset-opt annotations",
                             "the folder that holds the CASME II and SAMM coding sheets"
                             ).absolute()
        if not folder.is_dir():
            raise MerbenchError(f"composite: annotations='{folder}' is not a folder; give the "
                                "folder that holds the CASME II and SAMM coding sheets")
        return [folder]
    return [root, root / "annotations", root.parent, root.parent / "annotations"]


def find_coding_sheet(database: str, folders: Sequence[Path]) -> Path:
    """The newest sheet of ``database`` in the first folder that has one."""
    what, patterns, _ = SHEETS[database]
    for folder in folders:
        found = newest_sheet(folder, patterns)
        if found is not None:
            return found
    looked = ", ".join(f"'{folder}'" for folder in folders)
    raise MerbenchError(f"composite: the action units of its {database} samples come from the "
                        f"{what} ({' or '.join(patterns)}), and there is none in {looked}; put "
                        "it there or pass --dataset-opt annotations=FOLDER (the folder holding "
                        "the CASME II and SAMM sheets, which come with the databases)")


def check_given_sheets(samples: pd.DataFrame, root: Path, annotations: str | None) -> None:
    """A folder named by ``annotations=`` is checked when the dataset is built, whatever the
    task: it is a folder and holds the sheet of each database among ``samples`` (found by
    name, not read). The option is part of a run's identity, so a file or an empty folder
    named there would make an emotion run another setting of the same samples, only for the
    AU run to refuse it later. Without the option nothing is checked: the sheets near the
    release are looked for only when AU labels are asked for."""
    if annotations is None:
        return
    folders = sheet_folders(root, annotations)
    for database in SHEETS:
        if database in set(samples["database"]):
            find_coding_sheet(database, folders)


def coding_table(samples: pd.DataFrame, root: Path, annotations: str | None) -> pd.DataFrame:
    """``sample_id`` and the AU columns of every composite sample, in sample-table order."""
    folders = sheet_folders(root, annotations)
    ids, databases = samples["sample_id"].tolist(), samples["database"].tolist()
    cells: dict[str, dict[str, object]] = {}
    paths = {}
    for database, (_, _, read) in SHEETS.items():
        if database in databases:
            paths[database] = find_coding_sheet(database, folders)
            # said as the composite and its option: the sheet readers are the databases'
            rows = read(paths[database], SheetRole("composite", SHEETS[database][0],
                                                   "annotations",
                                                   "FOLDER (the folder holding it)"))
            twice = rows["sample_id"][rows["sample_id"].duplicated()].tolist()
            if twice:
                raise MerbenchError(
                    f"composite: the {SHEETS[database][0]} '{paths[database]}' has more than one "
                    f"row for {', '.join(twice[:SHOWN])}; keep one row a sample (the official "
                    "sheet has one) or pass --dataset-opt annotations=FOLDER with the "
                    "official sheets")
            cells.update(rows.set_index("sample_id")[list(CELL_COLUMNS)].to_dict("index"))
    missing = [s for s, d in zip(ids, databases, strict=True) if d in SHEETS and s not in cells]
    if missing:
        database = missing[0].split("/")[0]
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        raise MerbenchError(f"composite: sample(s) {', '.join(missing[:SHOWN])}{more} are no row "
                            f"of the {SHEETS[database][0]} '{paths[database]}'; give the "
                            "official sheet (CASME2-coding-20190701.xlsx, "
                            "SAMM_Micro_FACS_Codes_v2.xlsx) with --dataset-opt "
                            "annotations=FOLDER")
    uncoded = {TEXT_COLUMN: "", SHEET_COLUMN: "", ROW_COLUMN: None, HEADER_COLUMN: ""}  # SMIC
    rows = [cells[s] if d in SHEETS else uncoded for s, d in zip(ids, databases, strict=True)]
    return coded(pd.DataFrame({"sample_id": ids, "database": databases,
                               **{column: pd.Series([row[column] for row in rows],
                                                    dtype=object)
                                  for column in CELL_COLUMNS}}))
