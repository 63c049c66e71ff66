"""An option that names a file to write refuses a value written as a folder (``newdir/``,
``tbl/.``), in one line offering a file inside it: ``Path`` drops the trailing ``/``, and
``export --compare --out newdir/`` and ``leaderboard export --out tbl/`` each wrote a regular
file named ``newdir`` / ``tbl`` where the user meant a folder to put it in."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize(("command", "option", "offered"), [
    (("export", "-d", "synthetic", "--compare", "{tmp}/release"), "--out", "fidelity.json"),
    (("leaderboard", "export", "loso-smic", "--results", "{tmp}/results"), "--out",
     "loso-smic.csv"),
    (("leaderboard", "export", "loso-smic", "--format", "latex"), "--out", "loso-smic.tex"),
    (("extract", "-d", "synthetic", "-f", "tvl1-uvos"), "--save", "features.npz"),
    (("keygen",), "--out", "audit-key"),
    (("convert-weights", "mmnet", "{tmp}/authors.pth"), "--out", "weights.pth"),
], ids=["export-compare", "leaderboard-export", "latex", "extract", "keygen", "convert"])
@pytest.mark.parametrize("folder", ["newdir/", "newdir/."])
def test_a_file_option_written_as_a_folder_is_refused(cli, tmp_path: Path, command: tuple[str],
                                                      option: str, offered: str,
                                                      folder: str) -> None:
    (tmp_path / "authors.pth").write_bytes(b"")  # convert-weights' SOURCE, a file
    given = f"{tmp_path}/{folder}"
    code, said, err = cli(*(part.format(tmp=tmp_path) for part in command), option, given)
    assert code == 2 and said == "" and err.count("\n") == 1, err
    assert err == (f"merbench: error: {option} {given} names a folder; give the file's name, "
                   f"e.g. {tmp_path}/newdir/{offered}\n")
    assert not (tmp_path / "newdir").exists()


def test_a_layout_folder_may_end_in_a_separator(cli, tmp_path: Path) -> None:
    """``export --layout``'s --out is a folder: written with a ``/``, it is refused for
    what it holds, not for its name."""
    (tmp_path / "lay").mkdir()
    (tmp_path / "lay" / "notes.txt").write_text("mine")
    code, _, err = cli("export", "-d", "synthetic", "--layout", "htnet", "--out",
                       f"{tmp_path}/lay/", "--quiet")
    assert code == 2 and "holds files that merbench export did not write" in err, err
