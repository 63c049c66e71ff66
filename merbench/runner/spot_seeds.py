"""One spotting run recognised once per seed (``merbench spot --recognise MODEL --seeds``).

Each seed is an ordinary spot-then-recognise folder ``<out>/seed-N``, resumable and validated
as one. Spotting has no seed, so it is done once: the first seed's folder spots, and each
other seed's folder starts from a copy of its spotting (``spot-run.json``, ``videos/``,
``spotting.json``), which the same spot command reads back instead of spotting again (it
checks every video file against the dataset, as on any resume); only the recogniser trains
per seed. The summary (``str-seeds.json``, :mod:`merbench.spotting.str_seeds_record`) is
written last by :func:`write_str_seeds`, with the function ``merbench validate`` recomputes
it with.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from merbench.base.atomic import atomic_write_bytes, atomic_write_json, remove_leftovers
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import to_json
from merbench.results.kind_names import STR_SEEDS_SUMMARY
from merbench.results.out_folders import check_out_folder, seed_folder
from merbench.results.safe_files import UnsafeFile, check_entry, read_regular_bytes
from merbench.results.schema import now_iso
from merbench.runner.notify import Notifier
from merbench.runner.seeds import check_other_seeds
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    VIDEOS_FOLDER,
    SpottingResults,
)
from merbench.spotting.str_over_seeds import summarise_str_seeds
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, StrSeedsSummary


def check_str_seeds_folder(out: Path, seeds: Sequence[int]) -> None:
    """Refuse an ``--out`` that holds a single spotting run, anything merbench would not
    write there, or runs of seeds this command does not ask for (its summary would leave
    them out, and be rejected for it)."""
    single = next((name for name in (SPOTTING_RUN_FILE, SPOTTING_FILE, STR_FILE, VIDEOS_FOLDER)
                   if os.path.lexists(out / name)), None)
    if single is not None:
        raise MerbenchError(f"--out {out} holds a single spotting run (its {single}); give "
                            "another --out for --seeds")
    check_out_folder(out, "--out")
    check_other_seeds(out, seeds, "spotting runs")


#: what a seed's folder takes from the first seed's: the spotting, never the recognition
SHARED = (SPOTTING_RUN_FILE, SPOTTING_FILE)


def share_spotting(first: Path, folder: Path) -> bool:
    """Copy the spotting of ``first`` (a finished seed's folder) into ``folder`` where that
    holds no spotting run yet, each file read without following a link and written whole;
    whether it copied. A folder begun before (a command stopped in it) is left as it is:
    the spot command goes on with it."""
    if os.path.lexists(folder / SPOTTING_RUN_FILE):
        return False
    try:
        check_entry(first / VIDEOS_FOLDER, first, folder=True)
        videos = sorted(path for path in (first / VIDEOS_FOLDER).iterdir()
                        if path.suffix == ".json")
        (folder / VIDEOS_FOLDER).mkdir(parents=True, exist_ok=True)
        for path in videos:  # the run's record last: a stop before it leaves no claimed run
            check_entry(path, first / VIDEOS_FOLDER)
            atomic_write_bytes(folder / VIDEOS_FOLDER / path.name, read_regular_bytes(path))
        for name in reversed(SHARED):
            check_entry(first / name, first)
            atomic_write_bytes(folder / name, read_regular_bytes(first / name))
    except UnsafeFile as exc:
        raise MerbenchError(f"{first}: {exc.found}, not what merbench writes; run the same "
                            "command to write it again") from None
    return True


def write_str_seeds(out: Path, seeds: Sequence[int], spotting: SpottingResults,
                    recognitions: Sequence[StrResults], plugins: Plugins) -> StrSeedsSummary:
    """The summary of the seeds' runs (``recognitions`` in the order of ``seeds``, each of
    ``spotting``), written as ``<out>/str-seeds.json``; then the plugins told of it."""
    fingerprints = {r.spotting_fingerprint for r in recognitions}
    if len(fingerprints) != 1:  # the shared spotting was changed between two seeds
        raise MerbenchError(f"the seeds' folders in {out} recognised different spotting "
                            "runs; give a new --out")
    remove_leftovers(out)  # a stop while the summary was written left its temporary here
    summary = summarise_str_seeds(spotting, recognitions, seeds,
                                  {str(seed): seed_folder(seed) for seed in seeds}, now_iso())
    written = to_json(summary)
    atomic_write_json(out / STR_SEEDS_FILE, written)
    Notifier(plugins).result_finished(STR_SEEDS_SUMMARY, out, STR_SEEDS_FILE, written)
    return summary
