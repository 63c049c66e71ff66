"""The spotting kind made known to the layers every kind shares, which never import it
(:mod:`merbench.results.kind_registry` says why): its files to the results' walk and
``migrate``, its two kind objects (a spotting run, a spotting run recognised over seeds) to
``validate``, ``status``, ``audit`` and ``compare``, its section to the site and
``leaderboard list`` / ``export`` / ``diff``. Imported once, by the first question any of
them asks about the registered kinds."""

from __future__ import annotations

from merbench.kinds import register_kinds
from merbench.leaderboard.kind_tables import needing_no_definitions, register_section
from merbench.results.kind_names import SPOTTING_RUN
from merbench.results.kind_registry import KindFiles, register_files
from merbench.spotting.record import SPOTTING_FILE, SPOTTING_RUN_FILE
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE
from merbench.spotting_kind.agrees import read_spot_run
from merbench.spotting_kind.kind import STR_SEEDS_SUMMARY_KIND, SpottingRunKind
from merbench.spotting_kind.migration import LAYOUTS, check_spotting_layout
from merbench.spotting_kind.section import SpottingSection

# one layout each: migrate checks each result file is in it (and rewrites none), reads the
# run's identity as JSON, and validate checks their values
register_files(KindFiles(
    "spotting", markers=(SPOTTING_FILE, STR_SEEDS_FILE), summaries=(STR_SEEDS_FILE,),
    migrations=dict.fromkeys(LAYOUTS, check_spotting_layout),
    json_files=(SPOTTING_RUN_FILE,),
    layouts={SPOTTING_RUN_FILE: lambda path: read_spot_run(path.parent)},
    called=SPOTTING_RUN))
register_kinds(SpottingRunKind(), STR_SEEDS_SUMMARY_KIND)
register_section(needing_no_definitions(SpottingSection()))
