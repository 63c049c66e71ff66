"""merbench.export.folder: --out holds exactly the last export's files, an export stopped
while writing still names every file, a folder export did not make is never touched, and a
report that is not an ExportReport is refused in one line naming its field."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.export import folder
from merbench.results.codec import from_json, to_json
from merbench.results.command_files import ExportReport
from merbench.results.model import SkippedSample


def _listed(out: Path) -> dict[str, object]:
    return json.loads((out / folder.REPORT).read_text())


BUILT = ExportReport(  # as merbench export builds one (complete and written are write's)
    layout="htnet", dataset="megc2019", features=["tvl1-uvos"],
    classes={"0": "negative", "1": "positive", "2": "surprise"},
    samples=["smic/s01/s01_ne_02"],
    skipped=[SkippedSample(sample_id="smic/s01/s01_ne_01", reason="holds no frame images")],
    feature_reports={"tvl1-uvos": {"n_face_fallback": 1}}, complete=False, written=[])


def _report(layout: str = "htnet") -> ExportReport:
    return replace(BUILT, layout=layout)


def _written_report(written: object = None, **changed: object) -> str:
    """The JSON of a finished export's report (of one file, ``a .png``, unless ``written``
    says otherwise), with the ``changed`` fields set as given."""
    return json.dumps({**to_json(_report()), "complete": True,
                       "written": ["a .png"] if written is None else written, **changed})


def test_files_of_the_earlier_export_are_removed_with_their_empty_folders(tmp_path: Path
                                                                          ) -> None:
    out = tmp_path / "out"
    first = {"sub01/u_test/0/a .png": b"a", "s01/u_train/1/b .png": b"b", "t.csv": b"1"}
    assert folder.write(out, first, folder.claim(out), _report()) == []
    (out / "s01" / "mine.txt").write_text("kept")
    removed = folder.write(out, {"t.csv": b"2"}, folder.claim(out), _report())
    assert removed == ["s01/u_train/1/b .png", "sub01/u_test/0/a .png"]
    assert not (out / "sub01").exists()  # only the export's files were in it
    assert not (out / "s01" / "u_train").exists() and (out / "s01" / "mine.txt").is_file()
    assert (out / "t.csv").read_bytes() == b"2"
    assert _listed(out)["written"] == ["t.csv"] and _listed(out)["complete"] is True


def test_an_export_stopped_while_writing_still_names_every_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    folder.write(out, {"old .png": b"o"}, [], _report())
    written = []

    def stop_on_the_second(path: Path, data: bytes) -> None:
        if written:
            raise KeyboardInterrupt
        written.append(path)
        path.write_bytes(data)

    with monkeypatch.context() as patch:
        patch.setattr(folder, "atomic_write_bytes", stop_on_the_second)
        with pytest.raises(KeyboardInterrupt):
            folder.write(out, {"new1 .png": b"1", "new2 .png": b"2"}, folder.claim(out),
                         _report())
    assert _listed(out)["complete"] is False
    assert folder.claim(out) == ["new1 .png", "new2 .png", "old .png"]
    folder.write(out, {"new2 .png": b"2"}, folder.claim(out), _report())
    assert sorted(p.name for p in out.iterdir()) == [folder.REPORT, "new2 .png"]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda out: out.write_text("x"), "is a file; give a folder"),
    (lambda out: (out.mkdir(), (out / "a.png").write_bytes(b"")), "did not write (it has no"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text("{")),
     "export-report.json is not JSON ("),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text(_written_report(["../x"]))),
     "lists '../x', which is not a file inside"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text('["a .png"]')),
     "is not a merbench export report (not a JSON object)"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text(_written_report("a .png"))),
     "is not a merbench export report (field 'written' is text, expected a list)"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text(
        _written_report(complete="yes"))),
     "is not a merbench export report (field 'complete' is text, expected true or false)"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text('{"written": ["a .png"]}')),
     "is not a merbench export report (field 'layout' is missing (expected text))"),
])
def test_a_folder_export_did_not_make_is_refused_in_one_line(tmp_path: Path, make,
                                                             expected: str) -> None:
    out = tmp_path / "out"
    make(out)
    with pytest.raises(MerbenchError) as caught:
        folder.claim(out)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_new_or_empty_folder_is_claimed(tmp_path: Path) -> None:
    assert folder.claim(tmp_path / "new") == []
    (tmp_path / "empty").mkdir()
    assert folder.claim(tmp_path / "empty") == []


def test_the_report_written_is_the_record_given(tmp_path: Path) -> None:
    """What write puts in the folder reads back as the report it was given, with the files
    it wrote; claim reads the same list through the record."""
    out = tmp_path / "out"
    given = _report("composite")
    folder.write(out, {"b .png": b"b", "a/c .png": b"c"}, [], given)
    text = (out / folder.REPORT).read_text()
    back = from_json(ExportReport, json.loads(text))
    assert back == replace(given, complete=True, written=["a/c .png", "b .png"])
    assert list(json.loads(text)) == [  # the layout of every export since the inventory
        "layout", "dataset", "features", "classes", "samples", "skipped", "feature_reports",
        "complete", "written"]
    assert folder.claim(out) == back.written


def test_a_damaged_report_stops_the_export_in_one_line(tmp_path: Path, cli) -> None:
    """merbench export reads --out's report before computing anything: a field of the
    wrong type is one line naming the file and the field, and nothing is written."""
    out = tmp_path / "out"
    out.mkdir()
    (out / folder.REPORT).write_text(_written_report(samples="smic/s01/s01_ne_02"))
    (tmp_path / "pairs").mkdir()
    code, _, err = cli("export", "-d", "frame-pairs", "--data-root", tmp_path / "pairs",
                       "--layout", "htnet", "--out", out, "--quiet")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{out / folder.REPORT} is not a merbench export report (field 'samples' is " \
           "text, expected a list); delete" in err
    assert sorted(p.name for p in out.iterdir()) == [folder.REPORT]
