"""The file that makes a folder a result of each kind, named once.

A folder is a result where it holds one of :func:`result_markers`: ``validate`` and the
build find results by them (one walk, :mod:`merbench.leaderboard.collect`), and each result
kind names its own among them (:mod:`merbench.kinds`, whose test checks that together they
are these). Each name is defined beside its file's reader; here they are gathered, a kind in
a home of its own's as its home registered them (:mod:`merbench.results.kind_registry`).
"""

from __future__ import annotations

from pathlib import Path

from merbench.base.literal import indefinite, pasted_command
from merbench.results.kind_names import EMOTION_RUN
from merbench.results.kind_registry import registered_files

#: an emotion run's record, named in its manifest last
RESULTS_FILE = "results.json"
#: a ``--seeds`` folder's summary of its seed runs
SEEDS_FILE = "seeds.json"
#: the audits of a run, beside its files (read with its signatures: results.audit_file)
AUDIT_FILE = "audit.json"
#: what a run records of itself as it starts (its identity, configuration and fold count)
RUN_FILE = "run.json"
#: marks a folder ``leaderboard build`` wrote (and may replace on the next build): its copies
#: of results are publications, never migrated or walked as results
SITE_MARKER = ".merbench-site"

#: the markers of the kinds not in homes of their own
_MARKERS = (RESULTS_FILE, SEEDS_FILE)
#: of those, the summaries over seeds
_SUMMARIES = (SEEDS_FILE,)


def result_markers() -> tuple[str, ...]:
    """Every file that makes a folder a result of some kind."""
    return (*_MARKERS, *(name for files in registered_files() for name in files.markers))


def summary_markers() -> tuple[str, ...]:
    """The summaries over seeds among :func:`result_markers`, each in a folder of its seeds'
    results (``seed-N``), which are results of their own."""
    return (*_SUMMARIES, *(name for files in registered_files() for name in files.summaries))


def marker_families() -> tuple[tuple[str, ...], ...]:
    """:func:`result_markers` by the kind each belongs to, a kind's summaries over seeds with
    its results (``results.json`` and ``seeds.json``, ``au-results.json`` and
    ``au-seeds.json``): a folder holding the files of two of them is refused
    (:func:`merbench.kinds.stray_result_files`)."""
    return (_MARKERS, *(files.markers for files in registered_files()))


def result_files_called() -> tuple[tuple[str, str], ...]:
    """Each kind's result file (its first marker, no summary over seeds) with what one of its
    results is called: what says a folder holds a finished result of another kind than the
    one looked for (an emotion run where a seed of an action-unit summary belongs)."""
    return ((RESULTS_FILE, EMOTION_RUN),
            *((files.markers[0], files.called) for files in registered_files() if files.called))


def not_finished(kind: str, started_file: str, result_file: str, folder: Path,
                 progress: str | None = None) -> str:
    """Why a result under way (its first file written, its result file not yet) is no
    result: said alike by ``validate``, ``compare``, ``audit`` and the build; with
    ``progress``, what ``merbench status`` says of it (how many folds are done, what to
    do), else where to read that."""
    said = progress or f"{pasted_command('merbench status {}', folder)} says how far it has got"
    return (f"is {indefinite(kind)} not finished yet ({started_file} written, {result_file} "
            f"not yet): {said}")


__all__ = ["AUDIT_FILE", "RESULTS_FILE", "SEEDS_FILE", "marker_families", "not_finished",
           "result_files_called", "result_markers", "summary_markers"]
