"""The file that makes a folder a result of each kind, named once.

A folder is a result where it holds one of :data:`RESULT_MARKERS`: ``validate`` and the
build find results by them (one walk, :mod:`merbench.leaderboard.collect`), and each result
kind names its own among them (:mod:`merbench.kinds`, whose test checks that together they
are these). Each name is defined beside its file's reader; here they are gathered.
"""

from __future__ import annotations

from pathlib import Path

from merbench.base.literal import indefinite
from merbench.results.au_file import AU_RESULTS_FILE, AU_SEEDS_FILE
from merbench.results.spotting_file import SPOTTING_FILE
from merbench.results.str_seeds_file import STR_SEEDS_FILE
from merbench.results.tune_file import TUNE_FILE, TUNING_SPEC_FILE
from merbench.results.tune_seeds_file import TUNE_SEEDS_FILE

#: an emotion run's record, named in its manifest last
RESULTS_FILE = "results.json"
#: a ``--seeds`` folder's summary of its seed runs
SEEDS_FILE = "seeds.json"
#: the audits of a run, beside its files (read with its signatures: results.audit_file)
AUDIT_FILE = "audit.json"
#: marks a folder ``leaderboard build`` wrote (and may replace on the next build): its copies
#: of results are publications, never migrated or walked as results
SITE_MARKER = ".merbench-site"

RESULT_MARKERS = (RESULTS_FILE, SEEDS_FILE, AU_RESULTS_FILE, AU_SEEDS_FILE, SPOTTING_FILE,
                  TUNE_FILE, TUNING_SPEC_FILE, TUNE_SEEDS_FILE, STR_SEEDS_FILE)
#: the summaries over seeds, each in a folder of its seeds' results (``seed-N``), which are
#: results of their own
SUMMARY_MARKERS = (SEEDS_FILE, AU_SEEDS_FILE, TUNE_SEEDS_FILE, STR_SEEDS_FILE)



def not_finished(kind: str, started_file: str, result_file: str, folder: Path) -> str:
    """Why a result under way (its first file written, its result file not yet) is no
    result: said alike by ``validate``, ``audit`` and the build."""
    return (f"is {indefinite(kind)} not finished yet ({started_file} written, {result_file} "
            f"not yet): 'merbench status {folder}' says how far it has got")


__all__ = ["AUDIT_FILE", "RESULTS_FILE", "RESULT_MARKERS", "SEEDS_FILE", "SUMMARY_MARKERS",
           "not_finished"]
