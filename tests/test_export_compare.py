"""``merbench export --compare RELEASE --out FILE`` as a user meets it on a small fake CASME II
tree (random pixels, no faces): what ``--out`` may replace, and what the comparison says of
the samples it leaves out and of the release's own table (pass 84o, O2 and O8); and the same
refusal of what a command reads by ``extract --save``, ``convert-weights --out`` and
``leaderboard export --out``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import one_line, run_cli

SHEET = "CASME2-coding-20190701.xlsx"
TABLE = "combined_3_class2_for_optical_flow.csv"
FLOWS = "STSNet_whole_norm_u_v_os"


def _fake_casme2(root: Path) -> None:
    """Three subjects of two clips, six 24x24 random frames each, and their coding sheet."""
    import cv2
    from openpyxl import Workbook

    generator = np.random.default_rng(0)
    emotions = ["happiness", "disgust", "surprise", "repression", "others", "happiness"]
    rows: list[list[object]] = [["Subject", "Filename", "OnsetFrame", "ApexFrame",
                                 "OffsetFrame", "Action Units", "Estimated Emotion"]]
    for subject in (1, 2, 3):
        for clip in range(2):
            name = f"EP{clip + 1:02d}_{subject:02d}f"
            folder = root / "Cropped" / f"sub{subject:02d}" / name
            folder.mkdir(parents=True)
            for frame in range(10, 16):
                cv2.imwrite(str(folder / f"reg_img{frame}.jpg"),
                            (generator.random((24, 24, 3)) * 255).astype(np.uint8))
            rows.append([f"{subject:02d}", name, 11, 13, 15, "4+L10",
                         emotions[(subject + clip) % 6]])
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(root / SHEET)


ARGS = ("--dataset-opt", "classes=3", "--feature-opt", "face=frame", "--feature-opt",
        "method=farneback", "--workers", "1", "--quiet")


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fake tree and its composite export, the release the tests compare against."""
    base = tmp_path_factory.mktemp("fake-casme2")
    _fake_casme2(base / "fk")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MERBENCH_CACHE_DIR", str(base / "cache"))
        code, _, err = run_cli("export", "-d", "casme2", "--data-root", base / "fk", *ARGS,
                               "--layout", "composite", "--out", base / "rel")
    assert code == 0, err
    return base / "fk", base / "rel"


@pytest.fixture(autouse=True)
def _cache(fake: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(fake[0].parent / "cache"))
    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)


def _compare(cli, fake: tuple[Path, Path], release: Path, *args: object):
    return cli("export", "-d", "casme2", "--data-root", fake[0], *ARGS, "--compare", release,
               *args)


def test_out_never_replaces_a_special_file_or_what_it_reads(fake, tmp_path: Path, cli
                                                             ) -> None:
    """Each refused in one line, rc 2, the file left as it was: an atomic rename had put the
    comparison in place of a fifo, /dev/full, the coding sheet and the release's table."""
    root, release = fake
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "mine.txt").write_text("mine")
    os.symlink(tmp_path / "mine.txt", tmp_path / "link")
    sheet_bytes = (root / SHEET).read_bytes()
    table_text = (release / TABLE).read_text()
    cases = [(tmp_path / "fifo", "is a fifo, not a file; merbench writes the comparison only"),
             (tmp_path / "link", "is a symbolic link"),
             (root / SHEET, "is inside --data-root"),
             (release / TABLE, "is inside --compare"),
             (tmp_path / "mine.txt", "exists; merbench does not replace a file unasked: give "
                                     "--force"),
             (tmp_path / "mine.txt" / "x.json", "cannot be made: ")]
    for out, said in cases:
        code, _, err = _compare(cli, fake, release, "--out", out)
        line = one_line(err)
        assert code == 2 and said in line and line.count(str(out)) == 1, (out, err)
    code, _, err = _compare(cli, fake, release, "--out", tmp_path / "mine.txt",
                            "--dataset-opt", f"sheet={tmp_path / 'mine.txt'}", "--force")
    assert code == 2 and "is what --dataset-opt sheet names" in one_line(err)
    assert (tmp_path / "fifo").is_fifo() and (tmp_path / "link").is_symlink()
    assert (tmp_path / "mine.txt").read_text() == "mine"
    assert (root / SHEET).read_bytes() == sheet_bytes
    assert (release / TABLE).read_text() == table_text


def test_out_writes_its_own_comparison_again_and_another_file_with_force(fake, tmp_path: Path,
                                                                         cli) -> None:
    release = fake[1]
    out = tmp_path / "fidelity.json"
    assert _compare(cli, fake, release, "--out", out)[0] == 0
    code, said, err = _compare(cli, fake, release, "--out", out)  # a repeat: its own file
    assert code == 0 and f"sample by sample: {out}" in said, err
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = _compare(cli, fake, release, "--out", tmp_path / "notes.txt", "--force")
    assert code == 0, err
    assert '"compared": 5' in (tmp_path / "notes.txt").read_text()


def test_compare_says_what_it_leaves_out_and_a_table_its_readers_misread(fake, tmp_path: Path,
                                                                         cli) -> None:
    import cv2

    release = tmp_path / "release"
    shutil.copytree(fake[1], release)
    cv2.imwrite(str(release / FLOWS / "sub01_EP01_01f .png"), np.zeros((28, 28, 3), np.uint8))
    lines = (release / TABLE).read_text().splitlines()
    assert lines[1].startswith("casme2,sub01,EP01_01f,0,")
    lines[1] = lines[1].replace("EP01_01f,0,", "EP01_01f,7,", 1)
    lines.append(lines[2])  # a row repeated
    lines.append(lines[3].replace(",sub02,", ",sub09,").replace("sub02_", "sub09_"))
    (release / TABLE).write_text("\n".join(lines) + "\n")
    code, said, err = _compare(cli, fake, release)
    assert code == 0, err
    table = release / TABLE
    assert (f"note: {table}: label(s) none of its classes 0 negative, 1 positive, 2 surprise: "
            "row 2 '7';") in said
    assert f"note: {table}: row 7 names {lines[2].split(',')[0]}/" in said
    assert "5 sample(s) in both (0 only in merbench's, 1 only in the release's)" in said
    assert "strain: correlation 1.000 (over 4 sample(s))" in said
    assert ("left out of a correlation, an image constant in that channel: "
            "casme2/sub01/EP01_01f (the release's strain, v, u)") in said


def test_save_and_converted_weights_never_replace_what_they_read(fake, tmp_path: Path, cli
                                                                 ) -> None:
    root = fake[0]
    sheet_bytes = (root / SHEET).read_bytes()
    code, _, err = cli("extract", "-d", "casme2", "--data-root", root, "-f", "tvl1-uvos",
                       *ARGS, "--save", root / SHEET, "--force")
    assert code == 2 and f"--save {root / SHEET} is inside --data-root {root}, which this " \
        "command reads and never writes into; choose another --save" == \
        one_line(err).removeprefix("merbench: error: ")
    assert (root / SHEET).read_bytes() == sheet_bytes
    (tmp_path / "authors.pth").write_bytes(b"theirs")
    code, _, err = cli("convert-weights", "mmnet", tmp_path / "authors.pth", "--out",
                       tmp_path / "authors.pth", "--force")
    assert code == 2 and "is what SOURCE names" in one_line(err)
    assert (tmp_path / "authors.pth").read_bytes() == b"theirs"


def test_leaderboard_export_never_writes_into_what_it_reads(tmp_path: Path, cli) -> None:
    """``--force`` had replaced the benchmark's definition with its own table."""
    from merbench.leaderboard.benchmarks import DEFINITIONS

    (tmp_path / "defs").mkdir()
    (tmp_path / "results").mkdir()
    definition = tmp_path / "defs" / "loso-casme2.json"
    shutil.copy(DEFINITIONS / "loso-casme2.json", definition)
    kept = definition.read_bytes()
    common = ("leaderboard", "export", "loso-casme2", "--benchmarks", tmp_path / "defs",
              "--results", tmp_path / "results", "--force", "--out")
    code, _, err = cli(*common, definition)
    assert code == 2 and f"is inside --benchmarks {tmp_path / 'defs'}, which this command " \
        "reads and never writes into; choose another --out" in one_line(err)
    code, _, err = cli(*common, tmp_path / "results" / "table.csv")
    assert code == 2 and "is inside --results" in one_line(err)
    assert definition.read_bytes() == kept
    assert not (tmp_path / "results" / "table.csv").exists()
