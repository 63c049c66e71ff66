"""Numbers in a hand-edited result file that no float holds (pass 84m, M5): ``10**400`` is
valid JSON, and every reader's ``float()`` of it ended ``show``, ``status`` and
``validate`` in an OverflowError traceback, in 113 of 290 numeric fields of run, AU and
spotting files. The one decoder of result files (:func:`merbench.results.codec.loads`)
refuses it, naming the file and the field, as a NaN is refused. Each case runs the command
a user runs, over every kind of field of each kind's files, as the pass's fuzz loop did."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Python's words, which no merbench message holds
PYTHONS = ("Traceback", "OverflowError", "int too large", "Error:")
KINDS = ("emotion run", "summary over seeds", "spotting run", "action-unit run")


def _numbers(value: Any, where: str = "") -> Iterator[tuple[str, list[Any]]]:
    """Each numeric field's dotted name and its path of keys, the file's order."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield where, []
    elif isinstance(value, dict):
        for key, item in value.items():
            for name, keys in _numbers(item, f"{where}.{key}".lstrip(".")):
                yield name, [key, *keys]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for name, keys in _numbers(item, f"{where}[{index}]"):
                yield name, [index, *keys]


def _fields(path: Path) -> list[tuple[str, list[Any]]]:
    """One numeric field of each shape (``folds[0].uf1`` stands for every fold's)."""
    seen: dict[str, tuple[str, list[Any]]] = {}
    for name, keys in _numbers(json.loads(path.read_text())):
        seen.setdefault(re.sub(r"\[\d+\]", "[]", name), (name, keys))
    return list(seen.values())


@pytest.mark.parametrize("kind", KINDS)
def test_a_number_too_large_for_a_float_is_one_line_naming_file_and_field(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    source = examples[kind]
    folder = tmp_path / "edited"
    shutil.copytree(source, folder)  # once: each field's edit is undone before the next
    checked = 0
    for path in sorted(source.glob("*.json")):
        edited = folder / path.name
        original = edited.read_bytes()
        for name, keys in _fields(path):
            data = json.loads(original)
            inner = data
            for key in keys[:-1]:
                inner = inner[key]
            inner[keys[-1]] = 10 ** 400
            edited.write_text(json.dumps(data))
            told = f"field '{name}' is 1e+400, too large for a finite number"
            for command in ("show", "validate", "status"):
                code, out, err = cli(command, folder)
                said = out + err
                assert not any(python in said for python in PYTHONS), (command, name, said)
                if command == "validate" or code != 0:  # show reads only some files;
                    # status reports the folder, as for a NaN
                    assert code == 2, (command, name, said)
                    assert said.count(told) == 1 and "1" * 40 not in said, (command, said)
                    assert said.count(path.name) == 1, (command, said)
            edited.write_bytes(original)
            checked += 1
    assert checked > 10, checked
