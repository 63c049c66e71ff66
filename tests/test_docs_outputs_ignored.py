"""Following the guides leaves ``git status`` clean: every output a README or guide command
writes at the top of a checkout (``--out v1-predictions``, ``--out strs``, ``--save
regions.npz`` ...) is git-ignored (issue 85:
``?? p/`` after the spotting guide). Exports of licensed databases and converted weights
are the ones that must never be committed by accident."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _outputs() -> set[str]:
    """The concrete ``--out`` names of the guides' commands (placeholders such as DIR, and
    what goes under runs/ or site/, which are ignored as folders, left out)."""
    found = set()
    for guide in GUIDES:
        for name in re.findall(r"--(?:out|save) ([A-Za-z0-9_.][A-Za-z0-9_./-]*)",
                               guide.read_text()):
            if name != name.lower() or name.split("/")[0] in ("runs", "site"):
                continue
            found.add(name.rstrip("/"))
        # a file a guide asks the reader to save at the top (walk 85m: ststnet.toml)
        found.update(re.findall(r"[Ss]ave [^.`]{0,60} as `([A-Za-z0-9_.-]+)`",
                                guide.read_text()))
    return found


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs a git checkout")
def test_every_guides_output_is_ignored() -> None:
    outputs = _outputs()
    # each predicted video its own folder (issue 85: two videos into --out p, the second
    # refused), and extract's --save FILE (regions.npz was left untracked); the audit key
    # is made outside the checkout (keygen refuses a git work tree), so it is no output here
    assert {"face-predictions", "frames-predictions", "v1-predictions", "strs", "tuned-seeds",
            "nested", "test", "learned", "samm-spots", "regions.npz",
            "ststnet.toml"} <= outputs, \
        outputs
    # a folder and a file both: a name ignored as a folder is checked with a path inside it
    paths = [f"{name}/x" if "." not in name else name
             for name in sorted(outputs)]
    done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", *paths],
                          capture_output=True, text=True, check=False)
    ignored = set(done.stdout.split())
    assert [path for path in paths if path not in ignored] == []
