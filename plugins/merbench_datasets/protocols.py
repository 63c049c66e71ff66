"""The per-database protocols of the composite's three databases: LOSO inside one of them.

They belong to the datasets plugin because only it knows which databases the composite and
the raw databases hold (``casme2``, ``samm``, ``smic``); the core's ``loso`` knows none.
"""

from __future__ import annotations

from collections.abc import Callable

from merbench.api import LeaveOneSubjectOut, ProtocolMeta

PER_DATABASE = {"casme2": "CASME II", "samm": "SAMM", "smic": "SMIC-HS"}


def within(database: str) -> Callable[[], LeaveOneSubjectOut]:
    """The factory of LOSO restricted to one database's samples."""

    def build() -> LeaveOneSubjectOut:
        return LeaveOneSubjectOut(databases=(database,))

    build.__name__ = f"loso_{database}"
    return build


def per_database() -> list[tuple[ProtocolMeta, Callable[[], LeaveOneSubjectOut]]]:
    """``loso-casme2``, ``loso-samm`` and ``loso-smic`` with their factories."""
    return [(ProtocolMeta(
        name=f"loso-{database}", version=1,
        description=f"Leave-one-subject-out inside {title} alone ({database} samples only)",
        citation="MEGC2019 guideline, https://facial-micro-expressiongc.github.io/MEGC2019/"),
        within(database)) for database, title in PER_DATABASE.items()]
