"""One search tuned once per seed (``merbench tune --seeds``), and the summary of them.

Each seed is an ordinary tuning in ``<out>/seed-N``, the same search with the file's
``seed`` replaced (the sampler keeps its own ``[search] seed``, so a grid tries the same
configurations): resumable as any tuning, and validated as one. The summary
(``tune-seeds.json``, :mod:`merbench.tuning.seeds_record`) is made by
:func:`summarise_tunings`, which ``merbench validate`` calls again on the validated
tunings, so the two cannot disagree on what it holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import to_json
from merbench.results.kind_names import TUNING_SEEDS_SUMMARY
from merbench.results.out_folders import check_out_folder, seed_folder
from merbench.results.over_seeds import STD_OVER_SEEDS, scores_over_seeds
from merbench.results.schema import now_iso
from merbench.results.seeds_model import ScopedScores, SeedScores
from merbench.runner.notify import Notifier
from merbench.runner.seeds import check_other_seeds
from merbench.runner.spec import RunSettings
from merbench.scores.interval_records import interval_record
from merbench.tuning.record import (
    TEST_SCORED,
    TUNE_FILE,
    TUNING_SPEC_FILE,
    Mode,
    TuneResults,
    read_tune_predictions,
)
from merbench.tuning.run_tuning import Checked, Progress, tune
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, TUNE_SEEDS_SCHEMA, TuneSeedsSummary
from merbench.tuning.space import TuneSpec


def summarise_tunings(tunings: Sequence[TuneResults], predictions: Sequence[Any],
                      seeds: Sequence[int]) -> TuneSeedsSummary:
    """The summary of one search's tunings (``predictions``: each one's pooled outer
    predictions table), a tuning per seed, in the order of ``seeds``."""
    first = tunings[0]
    per_seed = [ScopedScores(
        overall=SeedScores(uf1=t.overall.uf1, uar=t.overall.uar),
        per_database={db: SeedScores(uf1=s.uf1, uar=s.uar) for db, s in t.per_database.items()})
        for t in tunings]
    return TuneSeedsSummary(
        schema_version=TUNE_SEEDS_SCHEMA, kind="tune-seeds", created=now_iso(),
        mode=first.mode, model=first.model, dataset=first.dataset, protocol=first.protocol,
        seeds=list(seeds), runs={str(seed): seed_folder(seed) for seed in seeds},
        std=STD_OVER_SEEDS,
        scores=scores_over_seeds(map(str, seeds), per_seed, first.mode == TEST_SCORED),
        intervals=interval_record(list(predictions), len(first.classes)))


def check_seeds_folder(out: Path, seeds: Sequence[int]) -> None:
    """Refuse an ``--out`` that holds a single tuning, or tunings of seeds this command does
    not ask for (its summary would leave them out, and be rejected for it)."""
    if any((out / name).exists() for name in (TUNE_FILE, TUNING_SPEC_FILE)):
        raise MerbenchError(f"--out {out} holds a single tuning; give another --out for "
                            "--seeds")
    check_out_folder(out, "--out")
    check_other_seeds(out, seeds, "tunings")


def tune_seeds(spec: TuneSpec, mode: Mode, settings: RunSettings, out: Path,
               seeds: Sequence[int], plugins: Plugins,
               on_seed: Callable[[int], None] | None = None,
               on_progress: Callable[[Progress], None] | None = None,
               checked: Checked | None = None
               ) -> tuple[list[TuneResults], TuneSeedsSummary]:
    """Tune ``spec`` once per seed into ``<out>/seed-N`` (each resumable), then write
    ``tune-seeds.json`` beside them (the plugins told of it, as of each tuning); ``on_seed``
    is told each seed before it starts, ``checked`` (:class:`Checked`) is each seed's
    tuning's."""
    check_seeds_folder(out, seeds)
    remove_leftovers(out)  # a kill while the summary was written left its temporary here
    tunings: list[TuneResults] = []
    for seed in seeds:
        if on_seed is not None:
            on_seed(seed)
        tunings.append(tune(dataclasses.replace(spec, seed=seed), mode, settings,
                            out / seed_folder(seed), plugins, on_progress=on_progress,
                            checked=checked or Checked()))
    summary = summarise_tunings(
        tunings, [read_tune_predictions(out / seed_folder(seed)) for seed in seeds], seeds)
    written = to_json(summary)
    atomic_write_json(out / TUNE_SEEDS_FILE, written)
    Notifier(plugins).result_finished(TUNING_SEEDS_SUMMARY, out, TUNE_SEEDS_FILE, written)
    return tunings, summary
