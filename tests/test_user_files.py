"""Every file a user or a result hands merbench is read through the one bounded reader
(:mod:`merbench.results.user_files`): regular files only, refused before they are opened,
sizes and depths capped, encodings named, every failure one line in words.

The first test reads the source of merbench and of its plugins and fails on any call that
opens or decodes a file in another way (``open``, ``Path.read_text``, ``pd.read_csv`` of a
path, ``np.load``, ``cv2.imread``, ``torch.load``, ``json.loads`` of a file's bytes, ...).
A call that must stay (the kernel's own files, a checkpoint torch opens itself once the
reader has checked it) says why on its line with a ``# bounded:`` comment. The others run
the commands a user runs on files of each kind.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "merbench").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")])
#: the reader itself, and the opener of regular files without blocking it is built on
READERS = {ROOT / "merbench" / "results" / "user_files.py",
           ROOT / "merbench" / "results" / "safe_files.py"}

#: module (or alias) -> the functions of it that open or decode a file
OPENERS = {"pd": {"read_csv", "read_excel", "read_table", "read_json", "read_parquet"},
           "pandas": {"read_csv", "read_excel", "read_table", "read_json", "read_parquet"},
           "np": {"load", "fromfile"}, "numpy": {"load", "fromfile"},
           "cv2": {"imread", "imdecode", "VideoCapture"}, "torch": {"load"},
           "json": {"load"}, "tomllib": {"load"}, "pickle": {"load"},
           "tarfile": {"open"}, "zipfile": {"ZipFile"}, "Image": {"open"}, "os": {"open"}}
#: methods of a path that read it whatever it is
PATH_READS = {"read_text", "read_bytes"}


def _writes(call: ast.Call) -> bool:
    """Whether a call opens for writing: its mode ("wb", "a", "x"; ``tarfile``'s "w"), or
    ``os.open``'s flags; a folder opened for its lock (``O_DIRECTORY``) is no file read."""
    if "O_WRONLY" in ast.unparse(call) or "O_DIRECTORY" in ast.unparse(call):
        return True
    modes = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
               and m.value[:1] in ("w", "a", "x") for m in modes)


def _reads_a_file(call: ast.Call) -> str | None:
    """What ``call`` is, when it opens or decodes a file another way than the reader."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open" and not _writes(call):
        return "open()"
    if not isinstance(func, ast.Attribute):
        return None
    receiver = ast.unparse(func.value)
    if "resources.files(" in receiver:  # the package's own files, shipped with it
        return None
    if func.attr in PATH_READS:
        return f".{func.attr}()"
    if isinstance(func.value, ast.Name) and func.attr in OPENERS.get(func.value.id, ()):
        return None if _writes(call) else f"{func.value.id}.{func.attr}()"
    if receiver == "json" and func.attr == "loads" and call.args and \
            isinstance(call.args[0], ast.Call) and "dumps" not in ast.unparse(call.args[0]):
        return "json.loads() of what a call returned (a file's bytes?)"
    return None


def other_readers(path: Path) -> list[str]:
    """Every call in ``path`` that opens or decodes a file another way, unless a
    ``# bounded:`` comment on its lines says why it may."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        what = _reads_a_file(node)
        if what is None:
            continue
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        if any("# bounded:" in line for line in span):
            continue
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        found.append(f"{shown}:{node.lineno}: {what}")
    return found


def test_no_module_opens_a_user_file_another_way() -> None:
    found = [line for path in SOURCES if path not in READERS for line in other_readers(path)]
    assert not found, ("read these through merbench.results.user_files (plugins: "
                       "merbench.api's read_user_*), or say why not with '# bounded:' on the "
                       "line:\n" + "\n".join(found))


def test_the_scan_sees_each_way_of_opening_a_file(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import json, cv2, numpy as np, pandas as pd\n"
        "a = open(p)\n"
        "b = open(p, 'w')\n"
        "c = p.read_text()\n"
        "d = pd.read_csv(p)\n"
        "e = np.load(p)\n"
        "f = cv2.imread(p)\n"
        "g = json.loads(read_regular_bytes(p))\n"
        "h = json.loads(json.dumps(x))\n"
        "i = torch.load(p)  # bounded: checked above\n"
        "j = resources.files('x').joinpath('y').read_text()\n")
    assert [int(line.split(":")[1]) for line in other_readers(module)] == [2, 4, 5, 6, 7, 8]


# ---------------------------------------------------------------- what a user meets

def test_a_tuning_file_with_a_byte_order_mark_is_read(tmp_path: Path, cli) -> None:
    """A UTF-8 byte-order mark (Windows editors write one) is read past; before, the file
    was "not valid TOML ... line 1, column 1"."""
    source = (ROOT / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml").read_bytes()
    marked = tmp_path / "marked.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + source)
    code, _, err = cli("tune", marked, "--data-root", tmp_path / "none", "--out",
                       tmp_path / "t")
    assert code == 2 and "no MEGC2019 composite data found" in err, err  # read, then run


@pytest.mark.parametrize(("content", "says"), [
    ("\ufeffmodel = 1".encode("utf-16"), "is UTF-16 LE text, not UTF-8 (it starts with a "
                                         "byte-order mark); save the tuning file as UTF-8"),
    ("model = 'caf\u00e9'".encode("latin-1"), "is not UTF-8 text (byte 12 cannot be read"),
    (b"model = [" + b"[" * 5000, "nests arrays or tables thousands deep"),
    (b"model = = 1", "is not valid TOML at line 1, column"),
])
def test_a_tuning_file_in_another_encoding_is_named(tmp_path: Path, cli, content: bytes,
                                                    says: str) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(content)
    code, _, err = cli("tune", path, "--out", tmp_path / "out")
    assert code == 2 and says in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "Invalid" not in err and "Expected" not in err, err  # tomllib's own words


RUN = ROOT / "leaderboards" / "results" / "rcn-composite-loso" / "seed-0"


@pytest.mark.parametrize("garbage", [b"not a zip at all", b"PK\x03\x04cut short",
                                     "object array"])
def test_a_garbage_fold_file_is_said_in_words(tmp_path: Path, cli, garbage: object) -> None:
    """A fold ``.npz`` of garbage printed numpy's advice to load it "unsafely using
    allow_pickle"."""
    run = Path(shutil.copytree(RUN, tmp_path / "run"))
    fold = sorted((run / "folds").glob("fold-*.npz"))[0]
    if garbage == "object array":
        np.savez(fold, meta=np.array([{"a": 1}], dtype=object))
    else:
        assert isinstance(garbage, bytes)
        fold.write_bytes(garbage)
    for command in ("validate", "status", "migrate"):
        code, out, err = cli(command, run)
        said = err + out
        assert "pickle" not in said and "Traceback" not in said, said
        if command == "validate":
            assert code == 2 and "fold file fold-000.npz is damaged" in err, err
        if command == "migrate":
            assert code == 2 and f"fold file {fold} is damaged (" in err, err
            assert "not an .npz archive of plain arrays" in err, err


def test_a_frame_that_declares_a_giant_size_is_refused_from_its_header(
        tmp_path: Path, cli) -> None:
    """A decompression bomb among a video's frames printed an OpenCV assertion, blaming
    the spotter."""
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    for number in range(1, 4):
        cv2.imwrite(str(frames / f"img{number}.png"), np.full((32, 32), 128, np.uint8))
    header = (frames / "img2.png").read_bytes()
    # the same PNG declaring 60,000 x 60,000 pixels in its IHDR chunk
    bomb = header[:16] + (60_000).to_bytes(4, "big") * 2 + header[24:]
    (frames / "img2.png").write_bytes(bomb)
    code, _, err = cli("predict", frames, "--fps", "30", "--no-face-crop",
                         "--out", tmp_path / "p")
    assert code == 2, err
    assert "declares 60,000x60,000 pixels" in err and "decompression bomb" in err, err
    assert "cv2" not in err and "Assertion" not in err and "spotter" not in err, err


def test_a_fifo_given_as_a_frame_or_a_video_is_refused(tmp_path: Path, cli) -> None:
    video = tmp_path / "clip.mp4"
    os.mkfifo(video)
    code, _, err = cli("predict", video, "--out", tmp_path / "p")
    assert code == 2 and "is a fifo" in err, err


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no space (skipped where the file system cannot)."""
    try:
        with path.open("wb") as handle:
            handle.truncate(size)
    except OSError:
        pytest.skip("this file system has no sparse files")
    return path


def test_a_file_larger_than_any_merbench_reads_is_refused_unread(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Sizes are capped before anything is read: a results file or a features file of
    17 GB would fill the memory first."""
    from merbench.results.safe_files import MAX_FILE_BYTES

    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "run"))
    _sparse(run / "results.json", MAX_FILE_BYTES + 1)
    code, _, err = cli("validate", run)
    assert code == 2 and "bytes, more than the 17,179,869,184 of any file merbench reads" \
        in err, err
    features = _sparse(tmp_path / "f.npz", MAX_FILE_BYTES + 1)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--features",
                       features, "--out", tmp_path / "r", "--quiet")
    assert code == 2 and "17,179,869,185 bytes, more than the" in err, err
    assert len(err.strip().splitlines()) == 1, err
