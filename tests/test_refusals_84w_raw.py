"""Raw databases as a user meets them (issue 84, pass 84w): a coding-sheet subject or clip
cell holding a path is a refused row (W1); a CSV sheet row of more cells than its header is
said in merbench's words (W2); a clip folder with two files of one frame number (W3) or a
frame that is a fifo, a folder or a device link (W4) is a refused sample, said as it is.

The trees are built here (random pixels, no faces): no real data is needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, samm_rows, workbook


@pytest.fixture
def samm_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "SAMM"
    for clip in ("006_1_2", "006_1_3"):
        random_frames(root / "006" / clip, range(100, 106), "006_{:05d}.jpg")
    return root


def _extract(cli, root: Path, sheet: Path, *more: str) -> tuple[int, str, str]:
    return cli("extract", "-d", "samm", "--data-root", root, "-f", "tvl1-uvos", *FAST_FLOW,
               "--dataset-opt", f"sheet={sheet}", "--workers", "1", "-q", *more)


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("Filename", "{elsewhere}", "clip '{shown}'"),
    ("Filename", "006_1_3/../006_1_2", "clip '006_1_3/../006_1_2'"),
    ("Filename", "006_1_2\\x", "clip '006_1_2\\x'"),
    ("Subject", "..", "subject '..'"),
])
def test_a_subject_or_clip_cell_holding_a_path_is_a_refused_row(
        samm_root: Path, cli, tmp_path: Path, column: str, value: str, shown: str) -> None:
    """W1: an absolute path read frames outside --data-root as sample
    samm/006//tmp/.../006_1_2, and 006_1_3/../006_1_2 counted one clip twice (rc 0)."""
    elsewhere = tmp_path / "elsewhere" / "006_1_2"
    random_frames(elsewhere, range(100, 106), "006_{:05d}.jpg")
    value = value.format(elsewhere=elsewhere)
    sheet = workbook(tmp_path / "path.xlsx", samm_rows(**{column: value}))
    code, _, err = _extract(cli, samm_root, sheet)
    said = shown.format(shown=value[:20] + "...")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"samm sheet row 4 (its {said} in '{sheet}' is a path, not the name of one "
            "folder in the database's tree (correct the cell))") in err, err
    code, out, err = _extract(cli, samm_root, sheet, "--skip-missing")
    assert code == 0 and "1 sample" in out + err, err
