"""A hand-edited results.json of huge values (pass 84m, M6 and M10): ``validate`` of a
``protocol.n_folds`` of 10**9 looked for every fold file and ran until stopped; a 5 MB note
was printed whole, on one line of 5,000,172 bytes (as Python's repr of a list); a 300-digit
count was printed digit by digit by ``status`` and ``validate``. Each case runs the command
a user runs, on a copy of a finished run."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest


def _edited(examples: dict[str, Path], tmp_path: Path, keys: list[str], value: Any) -> Path:
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "run"))
    path = folder / "results.json"
    data = json.loads(path.read_text())
    inner = data
    for key in keys[:-1]:
        inner = inner[key]
    inner[keys[-1]] = value
    path.write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize("n_folds", [10 ** 9, 10 ** 300], ids=["1e9", "1e300"])
def test_validate_of_a_huge_fold_count_refuses_at_once_as_status_says_it(
        examples: dict[str, Path], tmp_path: Path, cli, n_folds: int) -> None:
    folder = _edited(examples, tmp_path, ["protocol", "n_folds"], n_folds)
    records = len(json.loads((folder / "results.json").read_text())["folds"])
    shown = str(n_folds) if n_folds < 10 ** 40 else "100000000000…0000 (301 digits)"
    said = f"results.json lists {records} folds but the protocol has {shown} (protocol.n_folds)"
    started = time.monotonic()
    code, _, err = cli("validate", folder)
    assert time.monotonic() - started < 30
    assert code == 2 and err.splitlines()[0] == f"merbench: rejected: {folder}: {said}", err
    code, out, _ = cli("status", folder)
    assert code == 0 and said in out and not re.search(r"\d{41}", out), out


def test_a_huge_note_is_shortened_in_validate_s_line(examples: dict[str, Path],
                                                     tmp_path: Path, cli) -> None:
    folder = _edited(examples, tmp_path, ["notes"], ["x" * 5_000_000])
    code, _, err = cli("validate", folder)
    line = err.splitlines()[0]
    assert code == 2 and len(line) < 500, line[:500]
    assert line.startswith(f"merbench: rejected: {folder}: results.json's notes are "
                           '["xxxx'), line
    # the note's own length: its quotes and brackets were counted (pass 84n, N5)
    assert '… (5,000,000 characters)"] but the predictions give' in line, line
    assert "['" not in line, line
