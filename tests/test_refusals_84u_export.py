"""Pass 84u's findings on export and its input files: U2 (a symbolic link inside ``--out``
let a forged export-report.json delete a file outside it, and let export write into another
folder), U3 (a damaged export-report.json: a fifo called no report, a 200 MB one read whole,
JSON said twice in nested parentheses) and U4 (a fifo, a device link or a folder in place of
an input frame or a release file said missing, or skipped)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.export import folder
from merbench.results.command_files import ExportReport

REPORT = ExportReport(layout="htnet", dataset="megc2019", features=["tvl1-uvos"],
                      classes={"0": "negative"}, samples=["s"], skipped=[],
                      feature_reports={}, complete=False, written=[])


def _exported(out: Path, files: dict[str, bytes]) -> None:
    folder.write(out, files, folder.claim(out), REPORT)


def _refused(out: Path) -> str:
    with pytest.raises(MerbenchError) as caught:
        folder.claim(out)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_a_forged_report_never_deletes_through_a_link_inside_out(tmp_path: Path) -> None:
    """U2: the report named ``lnk/victim.txt``, ``lnk`` a link to the folder above --out:
    export removed the user's file outside --out. The link is refused before anything."""
    out = tmp_path / "out"
    _exported(out, {"a .png": b"a"})
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / "lnk").symlink_to(tmp_path)
    report = json.loads((out / folder.REPORT).read_text())
    (out / folder.REPORT).write_text(json.dumps({**report, "written": ["a .png",
                                                                       "lnk/victim.txt"]}))
    said = _refused(out)
    assert said == (f"{out / 'lnk'} is a symbolic link (to {tmp_path}), which export never "
                    f"writes; remove it or give another --out")
    assert victim.read_text() == "keep"


def test_a_linked_subfolder_is_never_written_through(tmp_path: Path) -> None:
    """U2: a subfolder of --out linked to another export's: the files were written there."""
    other, out = tmp_path / "other", tmp_path / "out"
    _exported(other, {"006/a .png": b"a"})
    _exported(out, {"006/a .png": b"a", "t.csv": b"t"})
    (out / "006" / "a .png").unlink()
    (out / "006").rmdir()
    (out / "006").symlink_to(other / "006")
    assert "006 is a symbolic link (to " in _refused(out)
    earlier = ["006/a .png", "t.csv"]  # a link made after claim: write refuses it too
    with pytest.raises(MerbenchError, match="which export never writes"):
        folder.write(out, {"006/a .png": b"changed"}, earlier, REPORT)
    assert (other / "006" / "a .png").read_bytes() == b"a"


def _report_made(out: Path, make) -> Path:
    _exported(out, {"a .png": b"a"})
    report = out / folder.REPORT
    report.unlink()
    make(report)
    return report


@pytest.mark.parametrize(("make", "expected"), [
    (os.mkfifo, "is a fifo, not the report merbench export wrote; delete"),
    (os.mkdir, "is a folder, not the report merbench export wrote; delete"),
    (lambda report: report.symlink_to("/dev/zero"),
     "is a symbolic link (to /dev/zero), which export never writes; remove it"),
    (lambda report: (report.touch(), os.truncate(report, 200 << 20)),
     "is 209,715,200 bytes, more than the 67,108,864 any export report needs; delete"),
    (lambda report: report.write_text("[" * 1000 + "]" * 1000),
     "is not JSON (nested deeper than 100 levels, which no merbench file is); delete"),
    (lambda report: report.write_text("{}", encoding="utf-16"),
     "is UTF-16 LE text, not UTF-8 (it starts with a byte-order mark); delete"),
])
def test_a_damaged_report_is_named_as_what_it_is(tmp_path: Path, make, expected: str) -> None:
    """U3: a fifo (or a link to a device) was "no export-report.json", a 200 MB report was
    read whole, and every JSON refusal said "is not readable JSON (it is not JSON (...))"."""
    out = tmp_path / "out"
    report = _report_made(out, make)
    said = _refused(out)
    assert said.startswith(f"{report} {expected}") and "readable JSON" not in said
    assert said.count("(") <= 1 + expected.count("(")


def _frames(tmp_path: Path) -> Path:
    frames = tmp_path / "frames"
    frames.mkdir()
    for number in (1, 2, 3):
        (frames / f"img{number:03d}.jpg").write_bytes(b"jpeg")
    (frames / "img002.jpg").unlink()
    return frames


@pytest.mark.parametrize(("make", "kind"), [
    (os.mkfifo, "a fifo"), (os.mkdir, "a folder"),
    (lambda path: path.symlink_to("/dev/zero"), "a symbolic link (to /dev/zero)")])
def test_a_frame_that_is_no_file_is_named_not_missing(tmp_path: Path, make, kind: str) -> None:
    """U4: predict said a frame folder whose img002.jpg was a fifo, a device link or a
    folder "has no frame 2"."""
    from merbench.data.clips import unique_frame_index

    frames = _frames(tmp_path)
    make(frames / "img002.jpg")
    with pytest.raises(MerbenchError) as caught:
        unique_frame_index(frames)
    assert str(caught.value) == (f"'{frames / 'img002.jpg'}' (frame 2) is {kind}, not an "
                                 "image file; restore the frame")


def _release(tmp_path: Path) -> Path:
    from merbench.export.layouts import FLOW_DIR, LABEL_CSV

    release = tmp_path / "release"
    (release / FLOW_DIR).mkdir(parents=True)
    (release / LABEL_CSV).write_text("dataset,sub,filename_o,label\nsmic,s01,a,0\nsmic,s01,b,1\n")
    (release / FLOW_DIR / "s01_a .png").write_bytes(b"png")
    return release


def test_a_release_file_that_is_no_file_is_refused_not_skipped(tmp_path: Path) -> None:
    """U4: a release's flow image that was a fifo was left out of export --compare (rc 0, as
    if the release lacked the sample); its label table a fifo was "no" table. Both are
    refused, before anything is computed; a flow image the release lacks is still left out."""
    from merbench.export.layouts import FLOW_DIR, LABEL_CSV
    from merbench.export.release_compare import release_flows

    release = _release(tmp_path)
    assert sorted(release_flows(release)) == ["smic/s01/a", "smic/s01/b"]  # b: not released
    os.mkfifo(release / FLOW_DIR / "s01_b .png")
    with pytest.raises(MerbenchError) as caught:
        release_flows(release)
    assert str(caught.value) == (f"{release / FLOW_DIR / 's01_b .png'} is a fifo, not the "
                                 "release's flow image; restore it from the release")
    (release / LABEL_CSV).unlink()
    os.mkfifo(release / LABEL_CSV)
    with pytest.raises(MerbenchError) as caught:
        release_flows(release)
    assert str(caught.value) == (f"{release / LABEL_CSV} is a fifo, not the release's label "
                                 "table; restore it from the release")
