"""The kinds of result merbench writes, each one object (:mod:`merbench.kinds.contract`):
the commands that take any result (``validate``, ``status``, ``audit``) ask this package
which kind a path is and let the kind answer.

The order is the order a path is recognised in: a folder holding ``results.json`` is an
emotion run whatever else it holds (an action-unit run keeps ``au-results.json`` alone; a
tuning's folder a ``tune.json`` alone)."""

from __future__ import annotations

import os
from pathlib import Path

from merbench.kinds.au import AURunKind
from merbench.kinds.au_seeds import AUSeedsSummaryKind
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    ResultKind,
    check_audit_options,
)
from merbench.kinds.emotion import EmotionRunKind
from merbench.kinds.seeds import SeedsSummaryKind
from merbench.kinds.spotting import SpottingRunKind
from merbench.kinds.tuning import TuningKind
from merbench.results.result_files import RESULT_MARKERS

RESULT_KINDS: tuple[ResultKind, ...] = (EmotionRunKind(), SeedsSummaryKind(), SpottingRunKind(),
                                        AURunKind(), AUSeedsSummaryKind(), TuningKind())

#: every file that makes a folder a result, each kind's (its test checks they are these)
MARKERS: tuple[str, ...] = RESULT_MARKERS

#: every file that makes a folder a result under way, for ``status``
STARTED_FILES: tuple[str, ...] = tuple(dict.fromkeys(
    kind.started_file for kind in RESULT_KINDS if kind.started_file is not None))


def kind_of(path: Path) -> ResultKind | None:
    """The kind of result ``path`` is (a folder, or one of a result's files), or None."""
    path = Path(path)
    return next((kind for kind in RESULT_KINDS if kind.owns(path)), None)


def started_kind(folder: Path) -> ResultKind | None:
    """The kind of result under way in ``folder`` (its first file written), or None."""
    return next((kind for kind in RESULT_KINDS if kind.started_file is not None
                 and os.path.lexists(Path(folder) / kind.started_file)), None)


__all__ = [
    "MARKERS",
    "RESULT_KINDS",
    "STARTED_FILES",
    "AuditRequest",
    "AuditVerdict",
    "Checked",
    "ResultKind",
    "check_audit_options",
    "kind_of",
    "started_kind",
]
