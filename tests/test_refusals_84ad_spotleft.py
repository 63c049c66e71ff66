"""Spotting results' leftovers of pass 84ad (issue 84, trust and robustness): a one-subject
run's interval said in words (show, spot, leaderboard export), an older run's ``spot-run.json``
without its number of videos, and the per-video file names given one home."""

from __future__ import annotations

import re
from pathlib import Path

import merbench
from merbench.spotting.record import video_name
from merbench.spotting.video_files import video_names

ROOT = Path(merbench.__file__).parent


def test_a_video_files_name_is_spelt_in_one_place() -> None:
    """The per-video file name (``0007.json``) was built in the spot command, the written
    check, the agreement check, the audit's file list and the stray-file check apiece: it
    has one home, beside ``videos/``, which every one of them asks."""
    assert video_name(7) == "0007.json" and video_names(2) == {"0000.json", "0001.json"}
    home = ROOT / "spotting" / "record.py"
    spelt = [str(path.relative_to(ROOT)) for path in sorted(ROOT.rglob("*.py"))
             if path != home and re.search(r":04d\}\.json", path.read_text())]
    assert spelt == []
