"""``status`` of a finished run whose ``run.json`` identity was edited (pass 84q, Q8).

Its fold files carry the digest of the identity they were trained for, so status called
them another run's: "None on synthetic/loso ... 0/3 folds, stopped; folds/fold-000.npz and
2 more belong to another run ...: delete them", deleting a finished run, while validate said
results.json and run.json describe different runs. Status now says validate's reason and
offers no deletion, and shows an edited value as JSON writes it, never Python's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line


def edited(finished: Path, folder: Path, part: str, key: str, value: Any) -> Path:
    """A copy of ``finished`` with run.json's identity[part][key] (or identity[part]) set."""
    shutil.copytree(finished, folder)
    record = json.loads((folder / "run.json").read_text())
    if key:
        record["identity"][part][key] = value
    else:
        record["identity"][part] = value
    (folder / "run.json").write_text(json.dumps(record))
    return folder


DIFFERENT = "results.json and run.json describe different runs"
CHANGED = "run.json is not the file results.json records (its SHA-256 differs)"


@pytest.mark.parametrize(("part", "key", "value", "shown", "reason"), [
    ("model", "name", None, "null on synthetic/loso", DIFFERENT),
    ("model", "options", [1], "ststnet on synthetic/loso", DIFFERENT),
    # 0 equals false, so only the manifest sees it (validate says the same)
    ("shuffle_train_labels", "", 0, "ststnet on synthetic/loso", CHANGED),
])
def test_status_says_validates_reason_and_deletes_nothing(
        tiny_finished_run: Path, tmp_path: Path, cli: Any, part: str, key: str, value: Any,
        shown: str, reason: str) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", part, key, value)
    code, out, _ = cli("status", folder)
    assert out.startswith(f"{folder}: {shown}"), out
    assert f"written, but {reason}" in out, out
    assert "so run.json was edited: restore run.json from a copy of the run" in out, out
    assert "delete" not in out and "None" not in out and "to go on" not in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and reason in err, err


@pytest.mark.parametrize("seed", [True, "0"])
def test_a_seed_that_is_no_whole_number_is_an_unnamed_run(tiny_finished_run: Path, tmp_path: Path,
                                                          cli: Any, seed: Any) -> None:
    """``seed: true`` was said as "seed 1"."""
    folder = edited(tiny_finished_run, tmp_path / "run", "seed", "", seed)
    code, out, err = cli("status", folder)
    assert code == 2 and not out, out
    assert one_line(err) == (f"merbench: error: {folder}/run.json does not name its run "
                             "(model, dataset, protocol, seed); it was not written by merbench")
