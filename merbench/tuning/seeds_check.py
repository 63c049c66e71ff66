"""``merbench validate`` of a search tuned over seeds (``tune-seeds.json``): every tuning it
lists validated as a tuning, all of one search but their seeds, and every number of the
summary recomputed from them.

The summary is written by ``merbench tune --seeds`` with
:func:`merbench.tuning.seeds.summarise_tunings`; validation calls the same function on the
validated tunings and compares the whole record, its date aside (no earlier than the last
tuning's). The folder is checked as every summary's is
(:mod:`merbench.verification.seed_folders`): no listed folder may be a link, a fifo or a
path out of it, and no tuning may sit beside the summary unlisted.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from merbench.results.codec import to_json
from merbench.results.run_files import ResultRejected, differ
from merbench.tuning.check import tune_claim, validate_tune
from merbench.tuning.record import (
    TUNE_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
    read_tune,
    read_tune_predictions,
)
from merbench.tuning.seeds import summarise_tunings
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, TuneSeedsSummary, read_tune_seeds
from merbench.verification.seed_folders import (
    SeedRun,
    SeedsStructure,
    check_structure,
    check_summary_created,
    read_summary,
    recomputed,
    validated_seed_runs,
)


def _tuning_seed(folder: Path) -> SeedRun:
    """A seed's tuning: its seed and model, as its ``tune.json`` records them."""
    tuning = read_tune(folder / TUNE_FILE)
    return SeedRun(tuning.seed, tuning.model)


#: a ``tune-seeds.json`` beside its seeds' tunings, as validate, status and show check it
TUNE_SEEDS_STRUCTURE = SeedsStructure(
    TUNE_SEEDS_FILE, (TUNE_FILE, TUNING_SPEC_FILE), lambda summary: summary.model,
    _tuning_seed, lambda summary: [("scores.per_seed", summary.scores.per_seed)],
    of="a tuning of", listed=("tuning", "merbench tune --seeds"),
    command="merbench tune --seeds command",
    needed=((TUNE_FILE, "its tuning stopped before it finished, or the file was lost"),))


def validate_tune_seeds(path: Path) -> TuneSeedsSummary:
    """Accept a ``tune-seeds.json`` (or the folder holding one) only if every tuning it
    lists validates, they are one search, and the summary is what they give."""
    return recomputed(path, TUNE_SEEDS_FILE, _validate)


def _validate(file: Path) -> TuneSeedsSummary:
    base = file.parent
    summary = read_summary(file, read_tune_seeds, "tuning summary over seeds")
    check_structure(base, TUNE_SEEDS_STRUCTURE, summary)
    by_seed: dict[Path, TuneResults] = {}
    tunings = validated_seed_runs(base, summary.runs, validate_tune,
                                  lambda tuning: tuning.seed, by_seed)
    claims = {tune_claim(dataclasses.replace(t, seed=0)) for t in tunings.values()}
    if len(claims) != 1:
        raise ResultRejected(base, "its tunings are not one search (model, data, space, "
                                   "sampler, trials and options) tuned with other seeds")
    check_summary_created(base, TUNE_SEEDS_FILE, summary.created,
                          (t.created for t in tunings.values()))
    recomputed = summarise_tunings(
        list(tunings.values()),
        [read_tune_predictions(base / summary.runs[seed]) for seed in tunings],
        summary.seeds)
    mismatch = differ(to_json(summary), to_json(dataclasses.replace(
        recomputed, created=summary.created)), "tune-seeds")
    if mismatch:
        raise ResultRejected(base, f"stored numbers do not match its tunings: {mismatch}")
    return summary
