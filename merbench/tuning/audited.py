"""What an audit record of a tuning is about (:class:`~merbench.results.audited_files.AuditedFiles`,
the shape every kind's takes): a nested search's outer folds, or a test-scored one's folds,
each compared with the runs in ``runs.tar.xz``, signed with every file of the tuning."""

from __future__ import annotations

from pathlib import Path

from merbench.results.audited_files import AuditedFiles
from merbench.results.model import Results
from merbench.results.result_files import RESULTS_FILE
from merbench.results.schema import read_results
from merbench.tuning.archive import RUNS_ARCHIVE
from merbench.tuning.record import (
    NESTED,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
)


def tuning_folder(folder: Path, results: TuneResults, runs: Path) -> AuditedFiles:
    """A tuning (``results``, its runs unpacked in ``runs``), as :func:`tuning_audited`
    says it, a test-scored one's first run read from ``runs``."""
    first = None if results.mode == NESTED else read_results(
        Path(runs) / results.outer[0].trials[0].runs[0] / RESULTS_FILE)
    return tuning_audited(folder, results, first)


def tuning_audited(folder: Path, results: TuneResults, first: Results | None) -> AuditedFiles:
    """A tuning (``results``): its parts, each compared with the runs in ``runs.tar.xz``,
    are a nested search's outer folds (each keyed by its label), or a test-scored one's
    folds (every trial's run has the protocol's folds: keyed as its first run's, ``first``,
    read by the caller from wherever it has the runs); signed with every file of the
    tuning."""
    if results.mode == NESTED or first is None:
        keys = [[outer.label] for outer in results.outer]
    else:
        keys = [list(fold.key) for fold in sorted(first.folds, key=lambda fold: fold.index)]
    return AuditedFiles(Path(folder), TUNE_FILE, keys, [(RUNS_ARCHIVE,)] * len(keys),
                        results.created,
                        (TUNE_FILE, TUNING_SPEC_FILE, TUNE_PREDICTIONS_FILE, RUNS_ARCHIVE))


__all__ = ["tuning_audited", "tuning_folder"]
