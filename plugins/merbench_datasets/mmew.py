"""``mmew``: MMEW's micro-expressions from their frame folders and coding sheet.

Layout (as its owners distribute it, and as MEB reads it)::

    MMEW/                                     the database folder (--data-root, or a folder
      Micro_Expression/<emotion>/<Filename>/*   holding MMEW/): emotion / clip / frames
      MMEW_Micro_Exp*.xlsx                    the coding sheet (or --dataset-opt sheet=PATH)

MMEW files each clip under its emotion's folder (``happiness/``, ``surprise/``...), the
sheet's ``Estimated Emotion`` in lower case. Sheet columns: ``Subject``, ``Filename``,
``OnsetFrame``, ``ApexFrame``, ``OffsetFrame`` and ``Estimated Emotion``. HTNet's repository
carries a copy of the sheet without the others class (``MMEW_Micro_Exp_delete_others.csv``),
which ``--dataset-opt sheet=PATH`` reads as well. MEB corrects some apex and offset cells
by hand; merbench names rows whose frames are not in their folder as unusable instead.

Class sets: ``"7"`` (default): happiness, surprise, disgust, fear, sadness, anger, others;
``"3"``: negative (disgust, fear, sadness, anger), positive (happiness), surprise (others
left out). Sample ids are ``mmew/<Subject>/<Filename>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench_datasets import rawframes, sheet_tree

EMOTIONS = ("happiness", "surprise", "disgust", "fear", "sadness", "anger", "others")
NEGATIVE = ("disgust", "fear", "sadness", "anger")
DATABASE = sheet_tree.SheetDatabase(
    name="mmew", what="MMEW frame tree (Micro_Expression/)",
    folder_names=("MMEW", "mmew"),
    trees={"raw": "Micro_Expression"},
    sheet_patterns=("MMEW_Micro_Exp*.xlsx", "MMEW_Micro_Exp*.csv"),
    columns={"subject": "Subject", "clip": "Filename", "onset": "OnsetFrame",
             "apex": "ApexFrame", "offset": "OffsetFrame", "emotion": "Estimated Emotion"},
    emotions=EMOTIONS,
    class_sets={"7": EMOTIONS, "3": ("negative", "positive", "surprise")},
    mappings={"7": {e: e for e in EMOTIONS},
              "3": {**dict.fromkeys(NEGATIVE, "negative"), "happiness": "positive",
                    "surprise": "surprise"}},
    how_to_get=("request MMEW from its owners (Ben et al., IEEE TPAMI 2021) under its "
                "licence, then pass the folder holding Micro_Expression/ and its coding "
                "sheet with --data-root PATH (or set MERBENCH_DATA_DIR to a folder holding "
                "MMEW/)"),
    folder="{emotion}/{clip}",
)


def make_mmew(data_root: str | None = None, classes: str = "7", sheet: str | None = None,
              subjects: str | Sequence[str] | None = None,
              skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """MMEW samples of one class set, checked against the frames (see the module doc)."""
    return sheet_tree.make(DATABASE, data_root, classes, sheet, "raw", subjects, skip_missing)
