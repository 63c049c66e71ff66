"""The kinds of result, registered once: the emotion benchmarks, spotting, tuning and action
units, for the site's pages and index (:mod:`merbench.leaderboard.site`) and for
``merbench leaderboard list``, ``export`` and ``diff``.

Each kind is one :class:`~merbench.leaderboard.kind_section.KindSection`, listed once in
:data:`KIND_SECTIONS`, so the site and the commands take every kind the same way, with no
branch per kind: a new kind of result is its class and its line here. The emotion benchmarks
are definition files that a command may be given (``--benchmarks``), so each command makes
its sections from the definitions it was given (:func:`kind_sections`); a kind that needs
none is the same section for every command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.benchmarks import Benchmark
from merbench.leaderboard.emotion_section import EmotionSection
from merbench.leaderboard.kind_section import KindSection, KindTable
from merbench.leaderboard.result_walk import Rejected
from merbench.plugin_system.registry import Registries
from merbench.results.kind_registry import import_kind_homes

#: a kind's section as a command makes it, from the benchmark definitions it was given
SectionMaker = Callable[[Sequence[Benchmark]], KindSection[Any]]


def needing_no_definitions(section: KindSection[Any]) -> SectionMaker:
    """``section`` registered as the same for every command: its kind needs no definitions."""
    return lambda _benchmarks: section


#: each kind, in the order the index, ``list`` and the build's last line show them (the
#: first leads that line, counted even when it publishes none)
KIND_SECTIONS: list[SectionMaker] = [EmotionSection]


def register_section(maker: SectionMaker) -> None:
    """Add a kind's section after those listed (a kind's home calls it when imported:
    :mod:`merbench.results.kind_registry` says why)."""
    if maker not in KIND_SECTIONS:
        KIND_SECTIONS.append(maker)


def kind_sections(benchmarks: Sequence[Benchmark]) -> list[KindSection[Any]]:
    """Every kind's section for a command given the benchmark definitions ``benchmarks``."""
    import_kind_homes()
    return [make(benchmarks) for make in KIND_SECTIONS]


def kind_tables(sections: Sequence[KindSection[Any]], folders: Sequence[Path],
                only: tuple[str, Registries] | None = None
                ) -> tuple[list[KindTable], list[Rejected]]:
    """Every table the results under ``folders`` make, each kind's in its order, and the
    files rejected on the way; ``only``: a table's id and the installed plugins, so that
    only the kinds whose tables could have that id read their results (export's)."""
    tables: list[KindTable] = []
    rejected: list[Rejected] = []
    everything = AuditGate({})  # list, export and diff show every validated result
    for section in sections:
        if only is not None and not section.ids.could_be(*only):
            continue
        found, refused = section.find(folders, everything, strict=False)
        tables += section.tables(found)
        rejected += refused
    return tables, rejected
