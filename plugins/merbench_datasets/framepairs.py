"""``frame-pairs``: onset / apex pairs kept as two-frame GIFs, named as the composite release
names its samples, so that merbench's preprocessing can be compared with a release's on the
few real frames someone holds, by the documented command and not a test helper::

    merbench export -d frame-pairs --data-root samples/onset_apex_pairs --compare composite/

Layout: one ``{sub}_{clip}.gif`` per sample, two frames, the onset then the apex (as in
MERBENCH_TEST_DATA's ``samples/onset_apex_pairs``: ``006_006_1_2.gif``,
``s03_s03_po_11.gif``, ``sub11_EP15_04f.gif``). The name is split at its first ``_``; the
database is read from how MEGC2019's ids spell the subject (``sub01`` CASME II, ``s01``
SMIC, ``006`` SAMM), so a sample's id is the composite's (``samm/006/006_1_2``), which is how
``--compare`` finds it in a release. The frames are what OpenCV decodes from the GIF (B, G,
R uint8), the ``onset_frame`` and ``apex_frame`` sources raw datasets give.

The pairs carry no labels: every sample is class 0, ``unlabelled``. This dataset compares
preprocessing; it is no benchmark.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from merbench.api import (
    InMemoryDataset,
    MerbenchError,
    checked_user_video,
    native_stderr_silenced,
)

NAME = "frame-pairs"
CLASSES = ("unlabelled",)
# MEGC2019's subject spellings -> the database they belong to
SUBJECTS = ((re.compile(r"sub\d+"), "casme2"), (re.compile(r"s\d+"), "smic"),
            (re.compile(r"\d+"), "samm"))


def sample_id(stem: str, path: Path) -> tuple[str, str, str]:
    """(database, subject, clip) of a pair named ``{sub}_{clip}``."""
    subject, _, clip = stem.partition("_")
    for pattern, database in SUBJECTS:
        if clip and pattern.fullmatch(subject):
            return database, subject, clip
    raise MerbenchError(f"{NAME}: '{path}' is not named {{sub}}_{{clip}}.gif with a MEGC2019 "
                        "subject (sub01 CASME II, s01 SMIC, 006 SAMM); rename it, e.g. "
                        "006_006_1_2.gif")


def read_pair(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The onset and apex frames of a two-frame GIF, as OpenCV decodes them."""
    import cv2  # deferred: opencv, which listing datasets never needs

    checked = checked_user_video(path, "frame pair")
    frames = []
    with native_stderr_silenced():  # OpenCV's own lines on a damaged file: merbench's below
        capture = cv2.VideoCapture(str(checked))  # bounded: checked
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        capture.release()
    if len(frames) != 2:
        raise MerbenchError(f"{NAME}: '{path}' holds {len(frames)} frame(s) OpenCV can "
                            "decode; a pair is a GIF of two frames, the onset then the apex")
    return frames[0], frames[1]


def make_frame_pairs(data_root: str | None = None) -> InMemoryDataset:
    """The pairs in ``data_root`` (see the module doc), in file-name order."""
    if data_root is None or not str(data_root).strip():
        raise MerbenchError(f"{NAME}: give the folder of {{sub}}_{{clip}}.gif pairs with "
                            "--data-root PATH")
    folder = Path(data_root).expanduser()
    paths = sorted(folder.glob("*.gif")) if folder.is_dir() else []
    if not paths:
        found = "holds no .gif" if folder.is_dir() else "is not a folder"
        raise MerbenchError(f"{NAME}: '{folder}' {found}; give the folder of "
                            "{sub}_{clip}.gif onset / apex pairs with --data-root PATH")
    rows, onsets, apexes = [], np.empty(len(paths), dtype=object), \
        np.empty(len(paths), dtype=object)
    for i, path in enumerate(paths):
        database, subject, clip = sample_id(path.stem, path)
        rows.append({"sample_id": f"{database}/{subject}/{clip}", "database": database,
                     "subject": subject, "clip": clip, "label": 0, "onset_path": str(path)})
        onsets[i], apexes[i] = read_pair(path)
    return InMemoryDataset(NAME, pd.DataFrame(rows), CLASSES,
                           {"onset_frame": onsets, "apex_frame": apexes})
