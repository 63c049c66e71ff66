"""docs/results.md documents the typed results model field by field: every record class of
merbench/results/model.py (a run's files), seeds_model.py (a seeds summary), audit_model.py
(a run's audits), command_files.py (the files of the other commands), prediction_file.py
(merbench predict's), all in merbench/results/, of the action-unit kind's records,
merbench/au/record.py (an AU run's and its summary over seeds), of the spotting kind's
records, merbench/spotting/record.py (a spotting run's), str_record.py (spot-then-recognise)
and str_seeds_record.py (a spot-then-recognise summary over seeds),
and of the tuning kind's records, merbench/tuning/record.py (a tuning's) and seeds_record.py
(a tuning summary over seeds), has its section, with exactly its fields and their types."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

from merbench.au import record as au_file
from merbench.results import (
    audit_model,
    command_files,
    model,
    prediction_file,
    seeds_model,
)
from merbench.results.codec import json_type
from merbench.spotting import record as spotting_file
from merbench.spotting import str_record as str_file
from merbench.spotting import str_seeds_record as str_seeds_file
from merbench.tuning import record as tune_file
from merbench.tuning import seeds_record as tune_seeds_file

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


def test_each_records_documented_layout_is_the_one_merbench_writes() -> None:
    """The layout number each section's ``schema_version`` row names is the one merbench
    writes now: four sections said 8 when every file said 10, and tune.json's 1 when it
    was 2, while the field list (the test above) stayed right."""
    from merbench.au.record import AU_SCHEMA, AU_SEEDS_SCHEMA
    from merbench.results.model import SCHEMA_VERSION
    from merbench.results.prediction_file import PREDICTION_SCHEMA
    from merbench.spotting.record import SPOTTING_SCHEMA
    from merbench.spotting.str_record import STR_SCHEMA
    from merbench.spotting.str_seeds_record import STR_SEEDS_SCHEMA
    from merbench.tuning.record import TUNE_SCHEMA
    from merbench.tuning.seeds_record import TUNE_SEEDS_SCHEMA

    written = {"Results": SCHEMA_VERSION, "SeedsSummary": SCHEMA_VERSION,
               "RunRecord": SCHEMA_VERSION, "AuditLog": SCHEMA_VERSION,
               "FoldMeta": SCHEMA_VERSION, "SpottingResults": SPOTTING_SCHEMA,
               "StrResults": STR_SCHEMA, "StrSeedsSummary": STR_SEEDS_SCHEMA,
               "Predictions": PREDICTION_SCHEMA, "AUResults": AU_SCHEMA,
               "AUSeedsSummary": AU_SEEDS_SCHEMA, "TuneResults": TUNE_SCHEMA,
               "TuneSeedsSummary": TUNE_SEEDS_SCHEMA}
    sections = re.split(r"^### `(\w+)`\n", REFERENCE.read_text(), flags=re.M)[1:]
    documented = {}
    for name, body in zip(sections[::2], sections[1::2], strict=True):
        row = re.search(r"^\| `schema_version` \| integer \| (.+?) \|$", body, flags=re.M)
        if row is not None:
            number = re.search(r"\((\d+)\)|^(\d+):", row.group(1))
            assert number is not None, f"docs/results.md, {name}: {row.group(1)}"
            documented[name] = int(number.group(1) or number.group(2))
    assert documented == written
