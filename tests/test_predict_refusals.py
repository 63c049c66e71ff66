"""``merbench predict``'s refusals that the third adversarial pass after issue 84 found said in
a library's words, or not at all (P4, P5, P6 and the minor ones): each case is the command a
user types on a tiny video or frame folder made here, and its one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def _refused(code: int, out: str, err: str) -> str:
    """The one line a refusal is: exit status 2, nothing on stdout, one line on stderr."""
    assert code == 2, err
    assert out == "", out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _frames(folder: Path, size: int = 64, count: int = 5) -> Path:
    import cv2

    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        cv2.imwrite(str(folder / f"{i}.png"), (rng.random((size, size, 3)) * 255).astype("uint8"))
    return folder


def _video(path: Path) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 64))
    rng = np.random.default_rng(0)
    for _ in range(10):
        writer.write((rng.random((64, 64, 3)) * 255).astype("uint8"))
    writer.release()
    return path


def test_a_damaged_frame_is_merbenchs_line_alone(tmp_path: Path) -> None:
    """P6: OpenCV wrote "[ WARN:0@0.016] global grfmt_png.cpp:834 ..." and "[ERROR:0@0.016]
    ... IHDR chunk shall be first" on the terminal above merbench's refusal. From C, so only
    a process of its own shows it (OpenCV reads its log level once a process)."""
    frames = _frames(tmp_path / "frames")
    (frames / "2.png").write_bytes(b"\x89PNG\r\n\x1a\nxxxxgarbage")
    done = subprocess.run([sys.executable, "-m", "merbench", "predict", str(frames), "--fps",
                           "30", "--no-face-crop", "--quiet", "--out", str(tmp_path / "p")],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"merbench: error: {frames / '2.png'} (frame 2) cannot be decoded as an image "
        "(damaged, too large or not an image); restore the file from the database"]
