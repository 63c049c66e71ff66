"""``megc2019``: the MEGC2019 3-class composite built from the three raw databases.

The same 442 samples and labels as the preprocessed release (the ``composite`` dataset), but
from each database's own frames and coding sheet, so a feature can be computed from raw
frames: the official list shipped with merbench (``data/megc2019_composite_3class_gt.csv``)
picks the samples and gives their labels; the ``casme2``, ``samm`` and ``smic`` modules give
their folders and onset / apex / offset frames. Ids and the ``database`` column are those of
the ``composite`` dataset (``casme2/sub01/EP02_01f``, ``samm/006/006_1_2``,
``smic/s01/s01_ne_01``), so the protocols ``loso-casme2``, ``loso-samm`` and ``loso-smic``
work on it.

``--data-root`` is a folder holding the three database folders (``casme2/`` or ``CASME2/``,
``SAMM/``, ``smic/`` or ``SMIC/``, each laid out as its dataset's module says), or set
``MERBENCH_DATA_DIR`` to it. Options: ``casme2_frames`` (``cropped``, the default, or
``raw``), ``casme2_sheet``, ``samm_sheet``, ``smic_apex_sheet`` (without it SMIC's apex is
the middle frame of each clip, as in the ``smic`` dataset), ``subjects`` (``casme2/sub01``,
``samm/006``, ``smic/s01``: database and subject, since subject ids repeat across databases)
and ``skip_missing``.

On the official sheets every official sample is found, and each sheet's emotion maps to the
official label (CASME II: disgust and repression -> negative; SAMM: anger, contempt,
disgust, fear, sadness -> negative; happiness -> positive; surprise -> surprise); the
``emotion`` column keeps the sheet's word, and the AU cell columns (``au_text`` ...) the
CASME II and SAMM sheets' action units, parsed only when AU labels are asked for (SMIC's
cells are empty, its samples' labels None: see :mod:`merbench_datasets.action_units`). The
official list leaves out 5 CASME II clips the mapping would take (see the ``casme2`` module).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd

from merbench.api import MerbenchError
from merbench_datasets import casme2, rawframes, samm, smic
from merbench_datasets.megc2019_official import CLASSES, load_ground_truth
from merbench_datasets.rawroot import candidate_folders, first_database, told, where_looked
from merbench_datasets.sheets import SheetRole
from merbench_datasets.subject_choice import chosen_subjects

NAME = "megc2019"
HOLDING = "the folder holding casme2/, SAMM/ and smic/"
HOW_TO_GET = ("request CASME II, SAMM and SMIC from their owners under their licences (where: "
              f"docs/raw-databases.md), then pass {HOLDING} with --data-root PATH (or set "
              "MERBENCH_DATA_DIR to it)")
#: database -> (its module, its name in words, what its folder holds)
PARTS: dict[str, tuple[ModuleType, str, str]] = {
    "casme2": (casme2, "CASME II", "Cropped/ or CASME2_RAW_selected/, and "
               "CASME2-coding-20190701.xlsx"),
    "samm": (samm, "SAMM", "subject folders 006/ ... and SAMM_Micro_FACS_Codes_v2.xlsx"),
    "smic": (smic, "SMIC", "HS/ with its subject folders s1/ ..."),
}


def _names(folder_names: Sequence[str]) -> str:
    """``SAMM/ (or samm/)``: every folder name a database is looked for under."""
    first, *others = [f"{name}/" for name in folder_names]
    return f"{first} (or {', '.join(others)})" if others else first


def check_folders(data_root: str | None) -> None:
    """Refuse, in one line as this dataset, a data folder that lacks one of the three
    databases: each database's own refusal named that database as the dataset run and told
    the user to pass its folder alone with --data-root, which for this dataset loses the
    other two. The folders are found exactly as each database's module finds them."""
    if data_root is not None and not str(data_root).strip():
        raise MerbenchError(f"{NAME}: data_root is empty; give {HOLDING}")
    found: dict[str, Path] = {}
    lacking: list[str] = []
    for database, (module, _, _) in PARTS.items():
        base, origin, candidates = candidate_folders(NAME, data_root, module.FOLDER_NAMES,
                                                     HOLDING, HOW_TO_GET)
        root = first_database(candidates, module.is_database)
        if root is None:
            lacking.append(database)
        else:
            found[database] = root
    if not lacking:
        return
    if not base.is_dir():  # missing, or a file: said as such, as each database's own is
        raise MerbenchError(f"{NAME}: {where_looked(base, origin, [])}; {told(HOW_TO_GET)}")
    where = f"'{base}' (from {origin})"
    if not found:
        raise MerbenchError(f"{NAME}: {where} holds none of "
                            f"{', '.join(_names(PARTS[d][0].FOLDER_NAMES) for d in PARTS)}; "
                            f"{told(HOW_TO_GET)}")
    only = next(iter(found)) if len(found) == 1 else None  # a dataset of its own
    alone = f", or give -d {only} for {PARTS[only][1]} alone" if only else ""
    itself = [d for d, root in found.items() if root == base]
    if itself:
        raise MerbenchError(f"{NAME}: {where} is the {PARTS[itself[0]][1]} folder itself; "
                            f"this dataset needs all three databases: give {HOLDING} "
                            f"with --data-root{alone}")
    has = " and ".join(f"{root.name}/" for root in found.values())
    lacks = " and ".join(_lacking(base, d) for d in lacking)
    put = " and ".join(f"the {PARTS[d][1]} folder ({PARTS[d][2]})" for d in lacking)
    raise MerbenchError(f"{NAME}: {where} has {has} but {lacks}; this dataset needs all three "
                        f"databases there: put {put} there{alone}")


def _lacking(base: Path, database: str) -> str:
    """``no SAMM/ or samm/``, or, where a folder of that name is there but is not the
    database, ``a SAMM/ that holds no SAMM frame tree (...)``: "no SAMM/" beside a SAMM/
    folder would send the user looking for what is there."""
    module = PARTS[database][0]
    named = [name for name in module.FOLDER_NAMES if (base / name).is_dir()]
    if named:
        return f"a {named[0]}/ that holds no {module.WHAT}"
    return f"no {_names(module.FOLDER_NAMES)}"


def make_megc2019(data_root: str | None = None, casme2_frames: str = "cropped",
                  casme2_sheet: str | None = None, samm_sheet: str | None = None,
                  smic_apex_sheet: str | None = None,
                  subjects: str | Sequence[str] | None = None,
                  skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """The official composite's samples from the raw databases (see the module doc)."""
    truth = load_ground_truth()
    chosen = None
    if subjects is not None:
        keys = truth["database"] + "/" + truth["subject"]
        known = list(dict.fromkeys(keys))
        wanted = chosen_subjects(
            subjects, NAME, known, "the official list",
            "write them as database/subject, e.g. casme2/sub01, samm/006, smic/s01")
        truth = truth[keys.isin(wanted)]
        chosen = tuple(str(k) for k in known if k in wanted)  # the list's order
    check_folders(data_root)
    parts, problems = [], []
    for database, (table, found) in (
            ("casme2", casme2.annotation_table(
                data_root, casme2_sheet, casme2_frames,
                SheetRole(NAME, "CASME II coding sheet", "casme2_sheet"), "casme2_frames")),
            ("samm", samm.annotation_table(
                data_root, samm_sheet, SheetRole(NAME, "SAMM coding sheet", "samm_sheet"))),
            ("smic", smic.annotation_table(
                data_root, smic_apex_sheet,
                SheetRole(NAME, "SMIC apex sheet", "smic_apex_sheet")))):
        if (truth["database"] == database).any():
            parts.append(table.drop(columns=["offset_is_last"], errors="ignore")
                         .assign(offset_is_last=database == "smic"))
            problems += [(s, r) for s, r in found if s in set(truth["sample_id"])]
    annotated = pd.concat(parts).drop_duplicates("sample_id").set_index("sample_id")
    absent = ~truth["sample_id"].isin(annotated.index)
    problems += [(s, f"the official sample is not in the {d} sheet / frame tree")
                 for s, d in zip(truth["sample_id"][absent], truth["database"][absent],
                                 strict=True)]
    problem_ids = {s for s, _ in problems}
    keep = truth[~absent & ~truth["sample_id"].isin(problem_ids)]
    table = annotated.loc[keep["sample_id"]].reset_index()
    table["label"] = keep["label"].to_numpy()
    dataset = rawframes.build(NAME, table, CLASSES, skip_missing, problems)
    dataset.chosen_subjects = chosen
    return dataset
