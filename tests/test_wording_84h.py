"""Pass 84h, N7: refusals that said the wrong thing, or said it in Python's words: an
unfinished run given to ``predict --from-run`` was "no results.json here", a path of
undecodable bytes was shown as Python's ``\\udcff``, a blank ``MERBENCH_DATA_DIR`` was "not
set", and a 6,000-byte one was blamed on a folder inside it without naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from merbench.base.literal import literal

RUN = ("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1", "--threads", "1", "--quiet",
       "--dataset-opt", "subjects=3", "--dataset-opt", "databases=1",
       "--dataset-opt", "samples_per_subject=3")
RAW = ("run", "-d", "casme2", "-m", "ststnet", "--feature", "tvl1-uvos", "--epochs", "1",
       "--threads", "1", "--quiet")


def test_an_unfinished_run_given_to_predict_is_said_to_be_one(cli, tmp_path: Path) -> None:
    run = tmp_path / "r"
    code, _, err = cli(*RUN, "--out", run)
    assert code == 0, err
    for name in ("results.json", "predictions.csv", "folds/fold-002.npz"):
        (run / name).unlink()
    code, _, err = cli("predict", "--quiet", "-d", "synthetic-long", "--video",
                       "synthetic-long/sub01/v1", "--from-run", run, "--out", tmp_path / "p")
    assert code == 2 and err == (f"merbench: error: --from-run {run} is an emotion run not "
                                 f"finished yet (2/3 folds); finish it with 'merbench run "
                                 f"--resume {run}', then predict from it\n"), err
    assert not (tmp_path / "p").exists()


def test_an_undecodable_byte_is_shown_as_the_byte_it_is() -> None:
    assert literal("/tmp/\udcff\udcfe") == "/tmp/\\xff\\xfe"
    assert literal("a\u202eb") == "a\\u202eb"  # other hidden characters as before


def test_a_data_folder_of_undecodable_bytes_is_shown_readably(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_DATA_DIR", "/tmp/\udcff\udcfe")
    code, _, err = cli(*RAW, "--out", tmp_path / "r")
    assert code == 2 and "'/tmp/\\xff\\xfe' (from MERBENCH_DATA_DIR) does not exist" in err, err
    assert "udc" not in err


def test_a_cache_folder_of_undecodable_bytes_is_shown_readably(
        cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "/tmp/\udcff\udcfe-none")
    _, out, err = cli("cache", "info")
    assert "no cache at /tmp/\\xff\\xfe-none" in out + err and "udc" not in out + err, out + err


@pytest.mark.parametrize(("value", "said"), [
    (" ", "casme2: MERBENCH_DATA_DIR=' ' is blank; set it to a folder, or unset it and give "
          "--data-root PATH"),
    ("/tmp/" + "a/" * 3000, "casme2: MERBENCH_DATA_DIR=/tmp/a/a/"),
    ("/tmp/" + "a" * 300, "casme2: MERBENCH_DATA_DIR=/tmp/aaa"),
])
def test_a_data_variable_no_folder_can_be_is_named(cli, tmp_path: Path, value: str, said: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """As the cache's variable is (pass 84g, G8): blank is not "not set", and a value longer
    than a path may be names the variable, not a folder inside it."""
    monkeypatch.setenv("MERBENCH_DATA_DIR", value)
    code, _, err = cli(*RAW, "--out", tmp_path / "r")
    assert code == 2 and err.startswith(f"merbench: error: {said}"), err
    assert err.count("\n") == 1 and "is not set" not in err, err
    assert not (tmp_path / "r").exists()


def test_the_data_variable_left_unset_is_said_to_be_unset(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    code, _, err = cli(*RAW, "--out", tmp_path / "r")
    assert code == 2 and "no --data-root was given and MERBENCH_DATA_DIR is not set" in err, err

