"""``status`` of a nested tuning gives one "of at most N" runs from its start to its end.

It counted the outer folds from the folders made so far, so a search of 3 outer folds
stopped before its first run finished said "0 inner runs and 0 retrainings finished, of at
most 5" and the same search, finished, "of at most 15" (pass 84e). The search now records
its outer folds in tuning.json when it starts; a record without them (a search begun by an
older merbench) says "of an unknown number" until tune.json is written."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import TINY_TUNING


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user guide's tiny nested search: 3 outer folds x 2 trials x 2 inner folds."""
    from conftest import run_cli

    base = tmp_path_factory.mktemp("tiny-tune")
    (base / "tiny.toml").write_text(TINY_TUNING)
    code, _, err = run_cli("tune", base / "tiny.toml", "--threads", "1", "--out",
                           base / "tuned")
    assert code == 0, err
    return base / "tuned"


def _begun(searched: Path, folder: Path, *, recorded: bool = True) -> Path:
    """The search as a stop leaves it while its first run trains: tuning.json and the first
    outer fold's first inner run folder, with no result yet."""
    folder.mkdir()
    record = json.loads((searched / "tuning.json").read_text())
    if not recorded:
        del record["outer_folds"]
    (folder / "tuning.json").write_text(json.dumps(record))
    with tarfile.open(searched / "runs.tar.xz") as archive:
        first = next(n for n in archive.getnames() if n.startswith("trials/"))
    (folder / "trials" / first.split("/")[1] / "trial-000" / "inner-0").mkdir(parents=True)
    return folder


def test_the_total_is_the_same_before_the_first_run_and_at_the_end(searched: Path, cli,
                                                                   tmp_path: Path) -> None:
    code, out, err = cli("status", searched)
    assert code == 0, err
    assert "12 inner runs and 3 retrainings finished, of at most 15; finished" in out, out
    code, out, err = cli("status", _begun(searched, tmp_path / "begun"))
    assert code == 0, err
    assert "0 inner runs and 0 retrainings finished, of at most 15; tune.json not yet " \
           "written" in out, out


def test_a_search_that_recorded_no_outer_folds_says_unknown_until_written(
        searched: Path, cli, tmp_path: Path) -> None:
    code, out, err = cli("status", _begun(searched, tmp_path / "old", recorded=False))
    assert code == 0, err
    assert "0 inner runs and 0 retrainings finished, of an unknown number;" in out, out


def test_a_recorded_count_tune_json_contradicts_is_refused(searched: Path, cli,
                                                            tmp_path: Path) -> None:
    """The count status gives its total from is checked against tune.json's outer folds."""
    folder = Path(shutil.copytree(searched, tmp_path / "edited"))
    record = json.loads((folder / "tuning.json").read_text())
    (folder / "tuning.json").write_text(json.dumps({**record, "outer_folds": 4}))
    code, _, err = cli("validate", folder)
    assert code == 2 and "tuning.json records 4 outer folds, but tune.json has 3; publish " \
                         "the tuning as merbench tune wrote it" in err, err
    code, out, err = cli("status", folder)  # validate's cheap half: not "finished"
    assert code == 0 and "of at most 15; written, but tuning.json records 4 outer folds, " \
                         "but tune.json has 3" in out, (out, err)
    for edited in ("4", 0, None, [3]):  # no count at all: refused, never taken as unrecorded
        (folder / "tuning.json").write_text(json.dumps({**record, "outer_folds": edited}))
        code, _, err = cli("validate", folder)
        assert code == 2 and "its outer_folds is no whole number of at least 1" in err, err
        code, out, err = cli("status", folder)
        assert "its outer_folds is no whole number of at least 1" in out + err, (out, err)
        assert "finished" not in out, out


@pytest.mark.parametrize("record", ['{"schema_version": 1e999}', "not json", '{"spec": 1}'])
def test_a_finished_tuning_whose_record_is_damaged_is_a_status_line(
        searched: Path, cli, tmp_path: Path, record: str) -> None:
    """Pass 84o (N8's leftover): status refused a finished tuning whose tuning.json alone was
    damaged ("cannot be read ...; is the folder a merbench tuning?", exit status 2), where
    every other damaged result is a line saying validate refuses it. Its tune.json and
    runs.tar.xz say it is a tuning; a lone tuning.json may be none, and is still asked."""
    folder = Path(shutil.copytree(searched, tmp_path / "damaged"))
    (folder / "tuning.json").write_text(record)
    assert cli("validate", folder)[0] == 2
    code, out, err = cli("status", folder)
    assert (code, err) == (0, ""), err
    assert out.startswith(f"{folder}: tuning.json ") and out.count("tuning.json") == 1, out
    assert out.endswith(" ('merbench validate' refuses it)\n"), out
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "tuning.json").write_text(record)
    code, out, err = cli("status", lone)
    assert code == 2 and out == "" and err.endswith("; is the folder a merbench tuning?\n"), err
