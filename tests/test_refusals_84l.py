"""Pass 84l's minor findings (N12), met as a user meets them: each entry of the file system
named as what it is, a model's own error quoted whole, and a predict's own files kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CASME2 = ("run", "--dataset", "casme2", "--epochs", "1", "--model", "ststnet", "--feature",
          "tvl1-uvos")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_as_the_cache_folder_is_said_to_be_one(cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``MERBENCH_CACHE_DIR=/dev/null`` was "is no folder, not a folder"."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "/dev/null")
    code, out, err = cli("cache", "info")
    assert (code, out) == (2, ""), err
    assert err == ("merbench: error: MERBENCH_CACHE_DIR=/dev/null is a character device, not "
                   "a folder; set it to a folder\n"), err


def test_a_fifo_as_the_data_folder_is_said_to_be_one(cli, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``MERBENCH_DATA_DIR=<a fifo>`` was "is a file, not a folder"."""
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(fifo))
    code, _, err = cli(*CASME2, "--out", tmp_path / "o")
    assert code == 2 and err.count("\n") == 1, err
    assert f"'{fifo}' (from MERBENCH_DATA_DIR) is a fifo, not a folder; " in err, err
    assert not (tmp_path / "o").exists()
