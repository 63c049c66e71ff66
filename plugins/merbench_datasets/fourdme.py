"""``4dme``: 4DME's micro-expressions from their grey frame folders and labelling sheet.

Layout (as MEB, the one other toolkit, reads the distribution)::

    4DME/                                   the database folder (--data-root, or a folder
      gray_micro/<sub_ID>/<fold_name>/*.jpg   holding 4DME/ or 4DMicro/): subject / clip
      4DME_Labelling_Micro_release*.xlsx    the labelling sheet (or --dataset-opt sheet=PATH)

Sheet columns: ``sub_ID``, ``fold_name``, ``Onset``, ``Apex``, ``Offset`` and ``Emotion``.
4DME labels some clips with more than one emotion; a cell that is not exactly one of
positive, negative, surprise, repression, others is named as unusable (``--skip-missing``
runs without those clips). ``--dataset-opt frames=cropped`` reads ``gray_micro_crop/``,
the face crops MEB's tools write. These facts come from MEB's loader: this project holds no
4DME sheet to check them against.

Class sets: ``"5"`` (default): positive, negative, surprise, repression, others; ``"3"``:
negative (negative and repression, as MEGC2019 counts CASME II's repression and the
``casme2`` 3-class set does), positive, surprise; others left out. Sample
ids are ``4dme/<sub_ID>/<fold_name>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench_datasets import rawframes, sheet_tree

EMOTIONS = ("positive", "negative", "surprise", "repression", "others")
DATABASE = sheet_tree.SheetDatabase(
    name="4dme", what="4DME frame tree (gray_micro/)",
    folder_names=("4DME", "4dme", "4DMicro"),
    trees={"raw": "gray_micro", "cropped": "gray_micro_crop"},
    sheet_patterns=("4DME_Labelling_Micro*.xlsx", "4DME_Labelling_Micro*.csv"),
    columns={"subject": "sub_ID", "clip": "fold_name", "onset": "Onset", "apex": "Apex",
             "offset": "Offset", "emotion": "Emotion"},
    emotions=EMOTIONS,
    class_sets={"5": EMOTIONS, "3": ("negative", "positive", "surprise")},
    mappings={"5": {e: e for e in EMOTIONS},
              "3": {"negative": "negative", "repression": "negative", "positive": "positive",
                    "surprise": "surprise"}},
    how_to_get=("request 4DME from its owners (the University of Oulu's CMVS) under its "
                "licence, then pass the folder holding gray_micro/ and its labelling sheet "
                "with --data-root PATH (or set MERBENCH_DATA_DIR to a folder holding 4DME/)"),
)


def make_fourdme(data_root: str | None = None, classes: str = "5", sheet: str | None = None,
                 frames: str = "raw", subjects: str | Sequence[str] | None = None,
                 skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """4DME samples of one class set, checked against the frames (see the module doc)."""
    return sheet_tree.make(DATABASE, data_root, classes, sheet, frames, subjects, skip_missing)
