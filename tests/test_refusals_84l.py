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


VIDEO = ("-d", "synthetic-long", "--video", "synthetic-long/sub01/v1", "--quiet")


def test_a_folder_where_predict_writes_its_weights_is_refused_first(
        cli, tiny_finished_run: Path, tmp_path: Path) -> None:
    """``pv/recogniser.pt`` a folder: predict trained, then failed on its own temporary
    ``recogniser.pt.partial`` (left behind), after deleting ``recogniser.json``."""
    out = tmp_path / "pv"
    (out / "recogniser.pt").mkdir(parents=True)
    (out / "recogniser.json").write_text("{}")
    code, stdout, err = cli("predict", *VIDEO, "--from-run", tiny_finished_run, "--out", out)
    assert (code, stdout) == (2, ""), err
    assert err == (f"merbench: error: {out / 'recogniser.pt'} is a folder, where predict "
                   "writes the recogniser's weights; move it away, or give another --out\n")
    assert sorted(p.name for p in out.iterdir()) == ["recogniser.json", "recogniser.pt"]
    assert (out / "recogniser.json").read_text() == "{}"


def test_a_predict_stopped_after_training_says_its_recogniser_is_kept(
        cli, tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped while it recognised, predict said "nothing was written" over the recogniser
    it had trained and saved, which the same command then loads."""
    from merbench.runner import predict as predicting

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "pv"
    with monkeypatch.context() as patched:
        patched.setattr(predicting, "_recognise", stopped)
        code, _, err = cli("predict", *VIDEO, "--from-run", tiny_finished_run, "--out", out)
    assert code == 130, err
    assert err == ("merbench: interrupted — no predictions were written, but the recogniser "
                   f"it trained is kept in {out / 'recogniser.pt'}; run the same command to "
                   "go on (it loads the recogniser instead of training it again)\n"), err
    assert sorted(p.name for p in out.iterdir()) == ["recogniser.json", "recogniser.pt"]
    code, _, err = cli("predict", *VIDEO[:-1], "--from-run", tiny_finished_run, "--out", out)
    assert code == 0 and "epochs of the recogniser" not in err, err  # loaded, not trained
    assert (out / "predictions.json").is_file()
    with monkeypatch.context() as patched:  # stopped again: this call wrote nothing
        patched.setattr(predicting, "_recognise", stopped)
        code, _, err = cli("predict", *VIDEO, "--from-run", tiny_finished_run, "--out", out)
    assert (code, err) == (130, "merbench: interrupted — nothing was written\n"), err
