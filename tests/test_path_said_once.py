"""A refusal names the result's folder, then its file by its name in the folder: the path
once (the third adversarial pass of issue 84).

``validate`` printed ``rejected: r: r/run.json has schema_version -10`` and ``rejected: a:
a is not a merbench run directory``; ``status`` printed ``s: spotter ...: written, but
s/spotting.json is not a readable ...``, and the same of results.json, au-results.json,
str.json, tune.json and a tuning's predictions.csv: the reader's message names the whole
path, and the line had named the folder already. Both are joined in one place each
(:class:`merbench.results.run_files.ResultRejected` for ``validate``,
:mod:`merbench.results.written` for ``status``), which name the file in the folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def _json_field(field: str, value: object) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        record = json.loads(path.read_text())
        record[field] = value
        path.write_text(json.dumps(record))
    return change


def _not_json(path: Path) -> None:
    path.write_text("[")


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_bytes() + "caf\u00e9\n".encode("latin-1"))


def _removed(path: Path) -> None:
    path.unlink()


#: (kind in the examples fixture, the folder under it, its file, how it is broken): each
#: kind's result file and the files beside it the readers name
DAMAGED = [
    ("emotion run", "", "results.json", _json_field("wall_time_s", -5)),
    ("emotion run", "", "run.json", _json_field("schema_version", -10)),
    ("action-unit run", "", "au-results.json", _json_field("wall_time_s", -5)),
    ("action-unit run", "", "run.json", _removed),
    ("spotting run", "", "spotting.json", _not_json),
    ("spot-then-recognise summary over seeds", "seed-0", "str.json", _not_json),
    ("tuning", "", "tune.json", _not_json),
    ("tuning", "", "predictions.csv", _latin1),
    ("tuning summary over seeds", "seed-0", "tune.json", _not_json),
]


@pytest.mark.parametrize(("kind", "below", "name", "damage"), DAMAGED,
                         ids=[f"{k}:{n}:{d.__name__.strip('_')}" for k, _, n, d in DAMAGED])
@pytest.mark.parametrize("command", ["validate", "status"])
def test_a_damaged_file_is_named_once_on_its_line(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, below: str, name: str,
        damage: Callable[[Path], None], command: str) -> None:
    top = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    folder = top / below if below else top
    damage(folder / name)
    _, out, err = cli(command, folder)
    lines = [line for line in (out + err).splitlines() if str(folder) in line]
    assert lines, out + err
    for line in lines:
        assert line.count(str(top)) == 1, line  # the folder, or the file's path: once
    said = [line for line in lines if name in line]
    assert said or (command == "status" and name == "run.json"), out + err
