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

import pandas as pd

from merbench_datasets import casme2, rawframes, samm, smic
from merbench_datasets.megc2019_official import CLASSES, load_ground_truth
from merbench_datasets.subject_choice import chosen_subjects

NAME = "megc2019"


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
    parts, problems = [], []
    for database, (table, found) in (
            ("casme2", casme2.annotation_table(data_root, casme2_sheet, casme2_frames)),
            ("samm", samm.annotation_table(data_root, samm_sheet)),
            ("smic", smic.annotation_table(data_root, smic_apex_sheet))):
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
