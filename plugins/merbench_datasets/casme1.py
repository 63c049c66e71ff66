"""``casme``: CASME (I) from its frame folders and coding sheet.

Layout (the folders MEB, the one other toolkit, names in its config)::

    CASME/                             the database folder (--data-root, or a folder
      Cropped/sub01/EP01_5/*.jpg         holding CASME/): subject / clip / frames
      CASME_raw_selected/sub01/...       the uncropped frames (--dataset-opt frames=raw)
      CASME-coding-*.xlsx              the coding sheet (casme.xlsx, MEB's name, too; or
                                       --dataset-opt sheet=PATH)

Sheet columns: ``Subject`` (``1``, the folder ``sub01``), ``Filename``, ``OnsetF``,
``ApexF1`` (the first apex; the sheet has a second, ``ApexF2``, not used), ``OffsetF`` and
``Emotion``. A frame's number is the last number in its file name. MEB corrects some rows of
the sheet by hand (onsets and offsets outside the folders); merbench reports such rows as
unusable instead (``--skip-missing`` runs without them).

Class sets (``classes``, part of the run's identity): ``"8"`` (default), the sheet's
emotions amusement, sadness, disgust, surprise, contempt, fear, repression, tense; ``"3"``,
MEGC2019's mapping as the ``casme2`` and ``samm`` 3-class sets apply it (MEGC2019 itself has
no CASME (I)): negative (sadness, disgust, contempt, fear and repression, which MEGC2019
counts as negative for CASME II), positive (amusement), surprise; tense, which no MEGC2019
class names, is left out. Sample ids are ``casme/sub01/EP01_5``.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench_datasets import rawframes, sheet_tree
from merbench_datasets.casme2 import subject_folder

EMOTIONS = ("amusement", "sadness", "disgust", "surprise", "contempt", "fear", "repression",
            "tense")
NEGATIVE = ("sadness", "disgust", "contempt", "fear", "repression")
DATABASE = sheet_tree.SheetDatabase(
    name="casme", what="CASME frame tree (Cropped/ or CASME_raw_selected/)",
    folder_names=("CASME", "casme", "CASME1"),
    trees={"cropped": "Cropped", "raw": "CASME_raw_selected"},
    sheet_patterns=("CASME-coding*.xlsx", "CASME-coding*.xls", "casme*.xlsx", "casme*.csv"),
    columns={"subject": "Subject", "clip": "Filename", "onset": "OnsetF", "apex": "ApexF1",
             "offset": "OffsetF", "emotion": "Emotion"},
    emotions=EMOTIONS,
    class_sets={"8": EMOTIONS, "3": ("negative", "positive", "surprise")},
    mappings={"8": {e: e for e in EMOTIONS},
              "3": {**dict.fromkeys(NEGATIVE, "negative"), "amusement": "positive",
                    "surprise": "surprise"}},
    how_to_get=("request CASME from its owners (http://casme.psych.ac.cn/casme/e1) under its "
                "licence, then pass the folder holding Cropped/ and its coding sheet with "
                "--data-root PATH (or set MERBENCH_DATA_DIR to a folder holding CASME/)"),
    subject=subject_folder,
)


def make_casme(data_root: str | None = None, classes: str = "8", sheet: str | None = None,
               frames: str = "cropped", subjects: str | Sequence[str] | None = None,
               skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """CASME (I) samples of one class set, checked against the frames (see the module doc)."""
    return sheet_tree.make(DATABASE, data_root, classes, sheet, frames, subjects, skip_missing)
