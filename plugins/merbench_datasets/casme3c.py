"""``casme3c``: CAS(ME)^3 Part C's micro-expressions from their frames and label sheet.

Part C is the part recorded with a mock crime paradigm (higher ecological validity); Part A
is the ``casme3`` dataset. Layout::

    CASME3/                               the database folder, as for casme3 (--data-root)
      part_C/<sub>/<count>/color/*.jpg      subject (two digits) / clip / colour frames;
                                            ME_C/ is read as well, the name MEB's
                                            config gives the folder (data/CASME3/ME_C)
      CAS(ME)3_part_C_ME*.xlsx            the label sheet (or --dataset-opt sheet=PATH)

Sheet columns: ``sub``, ``count`` (the clip), ``onset``, ``offset`` and ``emotion``; the
sheet gives no apex, so the apex is the middle frame of onset..offset (``apex_from`` =
``midpoint``), as MEB takes it. The column names, the two-digit subject folders and the
``color`` sub-folder are MEB's reading (``Casme3C`` in its ``datasets.py``), which this
project could not check against a distribution of its own: a sheet with other names is one
error line naming its closest header row. Which name the distribution gives the frame
folder is not known here either, hence both.

Class sets as Part A's: ``"7"`` (default): happiness, disgust, fear, anger, sadness,
surprise, others; ``"4"``: negative, positive, surprise, others; ``"3"``: negative,
positive, surprise. Sample ids are ``casme3c/<sub>/<count>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench_datasets import rawframes, sheet_tree
from merbench_datasets.casme3 import CLASS_SETS, EMOTIONS, FOLDER_NAMES, MAPPINGS, SPELLING

EMOTION_SETS = ("7", "4", "3")  # Part A's objective classes are not in Part C's sheet


def two_digits(subject: str) -> str:
    return f"{int(subject):02d}" if subject.isdigit() else subject


DATABASE = sheet_tree.SheetDatabase(
    name="casme3c", what="CAS(ME)^3 Part C frame tree (part_C/ or ME_C/)",
    folder_names=FOLDER_NAMES,
    trees={"color": ("part_C", "ME_C")},
    sheet_patterns=("CAS(ME)3_part_C_ME*.xlsx", "CAS(ME)3_part_C_ME*.xls",
                    "*part_C_ME*.xlsx", "*part_C_ME*.csv"),
    columns={"subject": "sub", "clip": "count", "onset": "onset", "apex": None,
             "offset": "offset", "emotion": "emotion"},
    emotions=EMOTIONS, class_sets={k: CLASS_SETS[k] for k in EMOTION_SETS},
    mappings={k: MAPPINGS[k] for k in EMOTION_SETS},
    how_to_get=("request CAS(ME)^3 from its owners (http://casme.psych.ac.cn/casme/e4) under "
                "its licence, then pass the folder holding part_C/ (or ME_C/) and its Part C "
                "label sheet with --data-root PATH (or set MERBENCH_DATA_DIR to a folder "
                "holding casme3/)"),
    subject=two_digits, folder="{subject}/{clip}/color", spelling=SPELLING,
)


def make_casme3c(data_root: str | None = None, classes: str = "7", sheet: str | None = None,
                 subjects: str | Sequence[str] | None = None,
                 skip_missing: bool = False) -> rawframes.RawFramesDataset:
    """CAS(ME)^3 Part C samples of one class set, checked against the frames."""
    return sheet_tree.make(DATABASE, data_root, classes, sheet, "color", subjects, skip_missing)
