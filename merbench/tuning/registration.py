"""The tuning kind made known to the layers every kind shares, which never import it
(:mod:`merbench.results.kind_registry` says why): its files to the results' walk and
``migrate``, its kind object to ``validate``, ``status``, ``audit`` and ``compare``, its
section to the site and ``leaderboard list`` / ``export`` / ``diff``. Imported once, by the
first question any of them asks about the registered kinds."""

from __future__ import annotations

from merbench.kinds import register_kinds
from merbench.leaderboard.kind_tables import needing_no_definitions, register_section
from merbench.results.kind_names import TUNING
from merbench.results.kind_registry import KindFiles, register_files
from merbench.tuning.kind import TUNING_SEEDS_SUMMARY_KIND, TuningKind
from merbench.tuning.migration import upgrade_tuning
from merbench.tuning.record import TUNE_FILE, TUNING_SPEC_FILE, check_search_record
from merbench.tuning.section import TuningSection
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, read_tune_seeds

register_files(KindFiles(
    "tuning", markers=(TUNE_FILE, TUNING_SPEC_FILE, TUNE_SEEDS_FILE),
    summaries=(TUNE_SEEDS_FILE,), whole=(TUNE_FILE, TUNING_SPEC_FILE),
    under_way=(TUNING_SPEC_FILE, TUNE_FILE), migrations={TUNE_FILE: upgrade_tuning},
    json_files=(TUNING_SPEC_FILE, TUNE_SEEDS_FILE),
    layouts={TUNE_SEEDS_FILE: read_tune_seeds,
             TUNING_SPEC_FILE: check_search_record},
    called=TUNING))
register_kinds(TuningKind(), TUNING_SEEDS_SUMMARY_KIND)
register_section(needing_no_definitions(TuningSection()))
