"""merbench.export.folder: --out holds exactly the last export's files, an export stopped
while writing still names every file, and a folder export did not make is never touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from merbench.errors import MerbenchError
from merbench.export import folder


def _listed(out: Path) -> dict[str, object]:
    return json.loads((out / folder.REPORT).read_text())


def test_files_of_the_earlier_export_are_removed_with_their_empty_folders(tmp_path: Path
                                                                          ) -> None:
    out = tmp_path / "out"
    first = {"sub01/u_test/0/a .png": b"a", "s01/u_train/1/b .png": b"b", "t.csv": b"1"}
    assert folder.write(out, first, folder.claim(out), {"layout": "htnet"}) == []
    (out / "s01" / "mine.txt").write_text("kept")
    removed = folder.write(out, {"t.csv": b"2"}, folder.claim(out), {"layout": "htnet"})
    assert removed == ["s01/u_train/1/b .png", "sub01/u_test/0/a .png"]
    assert not (out / "sub01").exists()  # only the export's files were in it
    assert not (out / "s01" / "u_train").exists() and (out / "s01" / "mine.txt").is_file()
    assert (out / "t.csv").read_bytes() == b"2"
    assert _listed(out)["written"] == ["t.csv"] and _listed(out)["complete"] is True


def test_an_export_stopped_while_writing_still_names_every_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    folder.write(out, {"old .png": b"o"}, [], {})
    written = []

    def stop_on_the_second(path: Path, data: bytes) -> None:
        if written:
            raise KeyboardInterrupt
        written.append(path)
        path.write_bytes(data)

    with monkeypatch.context() as patch:
        patch.setattr(folder, "atomic_write_bytes", stop_on_the_second)
        with pytest.raises(KeyboardInterrupt):
            folder.write(out, {"new1 .png": b"1", "new2 .png": b"2"}, folder.claim(out), {})
    assert _listed(out)["complete"] is False
    assert folder.claim(out) == ["new1 .png", "new2 .png", "old .png"]
    folder.write(out, {"new2 .png": b"2"}, folder.claim(out), {})
    assert sorted(p.name for p in out.iterdir()) == [folder.REPORT, "new2 .png"]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda out: out.write_text("x"), "is a file; give a folder"),
    (lambda out: (out.mkdir(), (out / "a.png").write_bytes(b"")), "did not write (it has no"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text("{")), "is not readable JSON"),
    (lambda out: (out.mkdir(), (out / folder.REPORT).write_text('{"written": ["../x"]}')),
     "lists '../x', which is not a file inside"),
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
