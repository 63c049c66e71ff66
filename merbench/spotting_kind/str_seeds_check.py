"""``merbench validate`` of a spotting run recognised over seeds (``str-seeds.json``): every
seed's folder validated as a spotting run with its ``str.json``, all of one spotting and one
recogniser but their seeds, and every number of the summary recomputed from them.

``spot --seeds`` summarises with :func:`merbench.spotting.str_over_seeds.summarise_str_seeds`,
and so does this check, on what validated; the record must be the same but for its date,
which comes after the last seed's ``str.json``. What any summary's folder may hold is
:mod:`merbench.verification.seed_folders`' to say.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from merbench.results.codec import to_json
from merbench.results.run_files import ResultRejected, differ
from merbench.results.schema import read_kind
from merbench.spotting.record import SPOTTING_FILE, SPOTTING_RUN_FILE
from merbench.spotting.str_over_seeds import recogniser_configuration, summarise_str_seeds
from merbench.spotting.str_record import STR_FILE, STR_SCHEMA, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, StrSeedsSummary, read_str_seeds
from merbench.spotting_kind.check import CheckedSpotting, validate_spotting_and_str
from merbench.verification.seed_folders import (
    STOPPED,
    SeedRun,
    SeedsStructure,
    check_structure,
    check_summary_created,
    read_summary,
    recomputed,
    validated_seed_runs,
)


@dataclasses.dataclass(frozen=True)
class CheckedStrSeeds:
    """A validated ``str-seeds.json`` and its seeds' validated runs (seed -> run)."""

    summary: StrSeedsSummary
    runs: dict[str, CheckedSpotting]


def _recognised_seed(folder: Path) -> SeedRun | None:
    """A seed's recogniser seed and model, as its ``str.json`` records them (None where it
    has none: :func:`_recognised_run` says so)."""
    if not (folder / STR_FILE).is_file():
        return None
    found = read_kind(folder / STR_FILE, "spot-then-recognise file", None, STR_SCHEMA,
                      StrResults)
    return SeedRun(found.recogniser.seed, found.recogniser.model)


#: a ``str-seeds.json`` beside its seeds' spotting runs, as validate, status and show check it
STR_SEEDS_STRUCTURE = SeedsStructure(
    STR_SEEDS_FILE, (SPOTTING_FILE, SPOTTING_RUN_FILE),
    lambda summary: str(summary.recogniser.get("model")), _recognised_seed,
    lambda summary: [(f"scores.{scope}.per_seed", scores.per_seed)
                     for scope, scores in summary.scores.items()],
    of="a run recognised by", listed=("spotting run", "merbench spot --seeds"),
    command="merbench spot --seeds command",
    needed=((SPOTTING_FILE, STOPPED),
            (STR_FILE, "it was never recognised, or its recognition stopped")))


def validate_str_seeds(path: Path) -> CheckedStrSeeds:
    """Accept a ``str-seeds.json`` (or the folder holding one) only if every spotting run it
    lists validates with its ``str.json``, they are one spotting recognised by one
    recogniser with other seeds, and the summary is what they give."""
    return recomputed(path, STR_SEEDS_FILE, _validate)


def _recognised_run(folder: Path) -> CheckedSpotting:
    """A seed's spotting run validated with its ``str.json``, which it must have."""
    found = validate_spotting_and_str(folder)
    if found.recognised is None:
        raise ResultRejected(folder, "it has no str.json; merbench spot --seeds recognises "
                                     "each seed's intervals")
    return found


def _seed_of(found: CheckedSpotting) -> int:
    return found.recognised.recogniser.seed if found.recognised else -1


def _validate(file: Path) -> CheckedStrSeeds:
    base = file.parent
    summary = read_summary(file, read_str_seeds, "spot-then-recognise summary over seeds")
    check_structure(base, STR_SEEDS_STRUCTURE, summary)
    runs = validated_seed_runs(base, summary.runs, _recognised_run, _seed_of, {})
    recognitions = [found.recognised for found in runs.values() if found.recognised]
    first = recognitions[0]
    if any(r.spotting_fingerprint != first.spotting_fingerprint
           or recogniser_configuration(r) != recogniser_configuration(first)
           for r in recognitions):
        raise ResultRejected(base, "its seeds' runs are not one spotting (spotter, settings "
                                   "and data) recognised by one recogniser (model, feature, "
                                   "options and epochs) with other seeds")
    check_summary_created(base, STR_SEEDS_FILE, summary.created,
                          (r.created for r in recognitions))
    again = summarise_str_seeds(next(iter(runs.values())).results, recognitions, summary.seeds,
                                summary.runs, summary.created)
    mismatch = differ(to_json(summary), to_json(again), "str-seeds")
    if mismatch:
        raise ResultRejected(base, f"stored numbers do not match its seeds' runs: {mismatch}")
    return CheckedStrSeeds(summary, runs)
