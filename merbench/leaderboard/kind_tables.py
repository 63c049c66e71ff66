"""The kinds of result beside the emotion benchmarks, registered once: spotting, tuning and
action units, for the site's pages and index (:mod:`merbench.leaderboard.site`) and for
``merbench leaderboard list`` and ``leaderboard export``.

An emotion benchmark is a definition file; these tables and pages are what the validated
results make (a spotting page's section, a dataset's searches, an AU page's runs). Each kind
is one :class:`~merbench.leaderboard.kind_section.KindSection`, listed once in
:data:`KIND_SECTIONS`, so the site and the commands take every kind the same way, with no
branch per kind: a new kind of result is its class and its line here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.leaderboard.au_section import AUSection
from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.kind_section import KindSection, KindTable
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.spotting_section import SpottingSection
from merbench.leaderboard.tuning_section import TuningSection

#: each kind, in the order the index, ``list`` and the build's last line show them
KIND_SECTIONS: list[KindSection[Any]] = [SpottingSection(), TuningSection(), AUSection()]


def kind_tables(folders: Sequence[Path], only: str | None = None
                ) -> tuple[list[KindTable], list[Rejected]]:
    """Every table the results under ``folders`` make, and the files rejected on the way;
    ``only``: a table's id, whose kind's results alone are read (export's)."""
    tables: list[KindTable] = []
    rejected: list[Rejected] = []
    everything = AuditGate({})  # list and export show every validated result
    for section in KIND_SECTIONS:
        if only is not None and not only.startswith(section.prefix):
            continue
        found, refused = section.find(folders, everything, strict=False)
        tables += section.tables(found)
        rejected += refused
    return tables, rejected
