"""The tables the other kinds of result make, beside the emotion benchmarks: action units,
spotting and tunings, for ``merbench leaderboard list`` and ``leaderboard export``.

An emotion benchmark is a definition file; these tables are what the validated results make
(an AU page's runs, a spotting page's section, a dataset's searches). Each kind gives its
tables through one function, listed once in :data:`KIND_TABLES`, so the commands take every
kind the same way, with no branch per kind: a new kind of result adds its function here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from merbench.leaderboard.au_export import au_listing
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.spotting_export import spotting_listing
from merbench.leaderboard.tuning_export import tuning_listing


class KindTable(Protocol):
    """One table of a kind of result, to list and export as a benchmark's."""

    @property
    def id(self) -> str: ...

    @property
    def where(self) -> str: ...  # "dataset / protocol", as ``list`` shows it

    @property
    def title(self) -> str: ...

    @property
    def runs(self) -> int: ...

    def score_headers(self) -> list[str]: ...

    def lines(self) -> list[Line]: ...


Listing = Callable[[Sequence[Path]], tuple[Sequence[KindTable], list[Rejected]]]

#: each kind's tables, in the order the index shows the kinds, with how their ids begin
KIND_TABLES: tuple[tuple[str, Listing], ...] = (
    ("au-", au_listing), ("spot-", spotting_listing), ("tune-", tuning_listing))


def kind_tables(folders: Sequence[Path], only: str | None = None
                ) -> tuple[list[KindTable], list[Rejected]]:
    """Every table the results under ``folders`` make, and the files rejected on the way;
    ``only``: a table's id, whose kind's results alone are read (export's)."""
    tables: list[KindTable] = []
    rejected: list[Rejected] = []
    for prefix, listing in KIND_TABLES:
        if only is not None and not only.startswith(prefix):
            continue
        found, refused = listing(folders)
        tables += found
        rejected += refused
    return tables, rejected
