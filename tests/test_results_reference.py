"""docs/results.md documents the typed results model field by field: every record class of
merbench/results/model.py (a run's files), seeds_model.py (a seeds summary), audit_model.py
(a run's audits), command_files.py (the files of the other commands), spotting_file.py (a
spotting run's), str_file.py (spot-then-recognise), prediction_file.py (merbench predict's),
au_file.py (an AU run's), tune_file.py (a tuning's), tune_seeds_file.py (a tuning summary
over seeds) and str_seeds_file.py (a spot-then-recognise summary over seeds), all in
merbench/results/, has its section, with exactly its fields and their types."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

from merbench.results import (
    au_file,
    audit_model,
    command_files,
    model,
    prediction_file,
    seeds_model,
    spotting_file,
    str_file,
    str_seeds_file,
    tune_file,
    tune_seeds_file,
)
from merbench.results.codec import json_type

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "results.md"


def _records() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in (model, seeds_model, audit_model, command_files, spotting_file, str_file,
                   prediction_file, au_file, tune_file, tune_seeds_file, str_seeds_file):
        for name, cls in vars(module).items():
            if dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                assert name not in found, f"record {name} is defined twice"
                found[name] = cls
    return found


def _documented() -> dict[str, list[tuple[str, str]]]:
    sections = re.split(r"^### `(\w+)`\n", REFERENCE.read_text(), flags=re.M)[1:]
    found = {}
    for name, body in zip(sections[::2], sections[1::2], strict=True):
        found[name] = re.findall(r"^\| `(\w+)` \| (.+?) \| .+ \|$", body, flags=re.M)
    return found


def test_every_record_and_field_is_documented_with_its_type() -> None:
    documented = _documented()
    assert set(documented) == set(_records()), "sections in docs/results.md != records"
    for name, cls in _records().items():
        hints = typing.get_type_hints(cls)
        expected = [(f.name, json_type(hints[f.name])) for f in dataclasses.fields(cls)]
        assert documented[name] == expected, f"docs/results.md, section {name}"


def test_the_reference_names_the_current_version() -> None:
    assert f"`schema_version` ({model.SCHEMA_VERSION} now" in REFERENCE.read_text()
