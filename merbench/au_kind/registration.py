"""The action-unit kind made known to the layers every kind shares, which never import it
(:mod:`merbench.results.kind_registry` says why): its files to the results' walk and
``migrate``, its two kind objects (a run, a configuration's runs over seeds) to
``validate``, ``status``, ``audit`` and ``compare``, its section to the site and
``leaderboard list`` / ``export`` / ``diff``. Imported once, by the first question any of
them asks about the registered kinds."""

from __future__ import annotations

from merbench.au.record import AU_RESULTS_FILE, AU_SEEDS_FILE, read_au_results, read_au_seeds
from merbench.au_kind.kind import AU_SEEDS_SUMMARY_KIND, AURunKind
from merbench.au_kind.section import AUSection
from merbench.kinds import register_kinds
from merbench.leaderboard.kind_tables import needing_no_definitions, register_section
from merbench.results.kind_names import AU_RUN
from merbench.results.kind_registry import KindFiles, register_files

# no migration yet (one layout each): migrate checks each file is in it, validate its values
register_files(KindFiles(
    "action-unit", markers=(AU_RESULTS_FILE, AU_SEEDS_FILE), summaries=(AU_SEEDS_FILE,),
    json_files=(AU_RESULTS_FILE, AU_SEEDS_FILE),
    layouts={AU_RESULTS_FILE: read_au_results, AU_SEEDS_FILE: read_au_seeds},
    called=AU_RUN))
register_kinds(AURunKind(), AU_SEEDS_SUMMARY_KIND)
register_section(needing_no_definitions(AUSection()))
