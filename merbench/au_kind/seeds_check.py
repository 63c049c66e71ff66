"""``merbench validate`` of an AU configuration's summary over seeds (``au-seeds.json``):
every seed run it lists validated as an AU run, and every number of the summary recomputed
from those runs.

The summary is written by ``merbench run --task au --seeds`` with
:func:`merbench.au.seed_pool.summarise_au_seeds`; validation calls the same function on the
validated seed runs (so the interval of the seed mean is the AU page's computation) and
compares the whole record, the identity, the seeds, each seed's scores, their mean and std
and the interval. The folder is checked as a ``seeds.json`` folder is
(:mod:`merbench.verification.seed_folders`): no listed folder may be a link, a fifo or a
path out of it, and no AU run may sit beside the summary unlisted.
"""

from __future__ import annotations

from pathlib import Path

from merbench.au.record import (
    AU_RESULTS_FILE,
    AU_SEEDS_FILE,
    AUResults,
    AUSeedsSummary,
    read_au_results,
    read_au_seeds,
)
from merbench.au.seed_pool import summarise_au_seeds
from merbench.au_kind.check import validate_au_run
from merbench.base.errors import MerbenchError
from merbench.results.codec import to_json
from merbench.results.run_files import ResultRejected, differ
from merbench.results.rundir import RUN_FILE
from merbench.verification.mixed_seeds import recorded_identity
from merbench.verification.seed_folders import (
    STOPPED,
    SeedRun,
    SeedsStructure,
    check_structure,
    check_summary_created,
    read_summary,
    recomputed,
    recorded_configuration,
    validated_seed_runs,
)


def _au_seed_run(folder: Path) -> SeedRun:
    """An action-unit seed run's seed and model, as its ``au-results.json`` records them."""
    results = read_au_results(folder / AU_RESULTS_FILE)
    return SeedRun(results.seed, results.model.name, recorded_configuration(folder))


#: an ``au-seeds.json`` beside its action-unit runs, as validate, status and show check it
AU_SEEDS_STRUCTURE = SeedsStructure(
    AU_SEEDS_FILE, (RUN_FILE, AU_RESULTS_FILE), lambda summary: summary.model.name,
    _au_seed_run, lambda summary: [("overall.per_seed", summary.overall.per_seed)],
    needed=((AU_RESULTS_FILE, STOPPED),), recorded=recorded_identity)


def validate_au_seeds(path: Path, runs: dict[Path, AUResults] | None = None
                      ) -> AUSeedsSummary:
    """Accept an ``au-seeds.json`` (or the folder holding one) only if every seed run it
    lists validates and the summary is what they give. ``runs`` (run folder, resolved ->
    its validated results) reuses runs validated already, and gains those validated here."""
    return recomputed(path, AU_SEEDS_FILE,
                      lambda file: _validate(file, {} if runs is None else runs))


def _validate(seeds_path: Path, runs: dict[Path, AUResults]) -> AUSeedsSummary:
    base = seeds_path.parent
    summary = read_summary(seeds_path, read_au_seeds, "AU seeds summary")
    if not summary.runs:
        raise ResultRejected(base, f"{AU_SEEDS_FILE} lists no seed run")
    check_structure(base, AU_SEEDS_STRUCTURE, summary)
    by_seed = validated_seed_runs(base, summary.runs, validate_au_run, lambda run: run.seed,
                                  runs)
    checked = [(str(summary.runs[seed]), run) for seed, run in by_seed.items()]
    check_summary_created(base, AU_SEEDS_FILE, summary.created,
                          (run.created for _, run in checked))
    try:
        recomputed = summarise_au_seeds(base, checked, summary.created)
    except MerbenchError as exc:  # seed runs of several configurations
        raise ResultRejected(base, str(exc).removeprefix(f"{base} ")) from None
    mismatch = differ(to_json(summary), to_json(recomputed), "au-seeds")
    if mismatch:
        raise ResultRejected(base, f"stored numbers do not match its runs: {mismatch}")
    return summary
