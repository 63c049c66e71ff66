"""What the adversarial pass after issue 84 found next: refusals that named a path two or
three times (keygen's existing key, a cache path that is a file, a data folder that is not
there), a library's own words (the system's "File name too long", git's "fatal:",
OpenCV's container messages), and options taken that should have been refused. Each case
runs the command a user runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _one_line(code: int, err: str) -> str:
    assert code != 0, err
    assert "Traceback" not in err and "[OSError]" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: p.write_text("a key"), "exists; merbench never overwrites a key"),
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: os.mkfifo(p), "is a fifo, not a file"),
], ids=["file", "folder", "fifo"])
def test_keygen_names_what_is_at_out_once(make, said: str, cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "k1")
    line = _one_line(*cli("keygen", "--out", "k1")[::2])
    assert line.startswith("merbench: error: --out k1 ") and said in line, line
    assert line.count("k1") == 1, line


def test_keygen_names_an_existing_public_key_by_its_name(cli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k1.pub").mkdir()
    line = _one_line(*cli("keygen", "--out", "k1")[::2])
    assert "--out k1: k1.pub is a folder, not a file" in line, line
    assert not (tmp_path / "k1").exists()


@pytest.mark.parametrize(("out", "said"), [
    ("kdeep/" + "dd/" * 2000 + "k", "folders deep, more than the 100 merbench makes"),
    ("k" * 300, "has a name of 300 bytes, more than the 255 a file's name may have"),
])
def test_keygen_refuses_a_path_too_deep_or_long(out: str, said: str, cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = _one_line(*cli("keygen", "--out", out)[::2])
    assert line.startswith("merbench: error: --out ") and said in line, line
    assert "give a shorter file, such as keys/audit-key" in line, line
    assert "File name too long" not in line, line


@pytest.mark.parametrize(("make", "kind"), [
    (lambda p: p.write_text("x"), "a file"), (lambda p: os.mkfifo(p), "a fifo"),
], ids=["file", "fifo"])
def test_a_cache_path_that_is_no_folder_is_named_once(make, kind: str, cli, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path / "cachepath")
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cachepath"))
    line = _one_line(*cli("cache", "info")[::2])
    assert f"the cache path {tmp_path / 'cachepath'} is {kind}, not a cache folder" in line
    assert line.count("cachepath") == 1, line


@pytest.mark.parametrize(("dataset", "make", "state"), [
    ("composite", None, "does not exist"),
    ("composite", lambda p: p.write_text("x"), "is a file, not a folder"),
    ("casme2", None, "does not exist"),
], ids=["composite-missing", "composite-file", "casme2-missing"])
def test_a_data_folder_that_is_not_there_is_named_once(dataset: str, make, state: str, cli,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "nodata"
    if make is not None:
        make(data)
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(data))
    feature = ["--feature", "tvl1-uvos"] if dataset == "casme2" else []
    line = _one_line(*cli("run", "-m", "ststnet", "-d", dataset, *feature, "--epochs", "1",
                          "-q", "--out", tmp_path / "out")[::2])
    assert f"'{data}' (from MERBENCH_DATA_DIR) {state}" in line, line
    assert line.count("nodata") == 1, line
    assert not (tmp_path / "out").exists()
