"""How a kind of result names its tables, known before any result is read.

``merbench leaderboard export ID`` must refuse an id no table can have before it validates
anything (a mistyped ``au-composite-loos`` once took 91 s of validation to be refused), and
read only the results of the kind whose table it names. So each kind
(:class:`~merbench.leaderboard.kind_section.KindSection`) says how its ids are made: an
emotion benchmark's are the names of its definitions (:class:`Named`); another kind's are a
prefix, an installed dataset and perhaps a protocol (:class:`Patterned`: ``spot-DATASET``,
``au-DATASET-PROTOCOL``). The export asks each kind the same questions, with no branch per
kind, the last of them: what a table of an id is before any result of it exists
(:class:`NoRows`), so that a table nobody has run yet exports as its header, whatever its
kind, as an emotion benchmark's does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.page_views import slug
from merbench.leaderboard.published_line import PublishedLine
from merbench.plugin_system.registry import Registries


class TableIds(Protocol):
    """Which ids a kind's tables can have."""

    @property
    def pattern(self) -> str | None:
        """How they are written ("au-DATASET-PROTOCOL"), as a refusal names them; None:
        they are fixed names, which a refusal lists (:meth:`every`)."""
        ...

    def could_be(self, table_id: str, registries: Registries) -> bool:
        """Whether one of its tables can have ``table_id`` with the installed plugins."""
        ...

    def every(self, registries: Registries) -> list[str]:
        """Every id its tables can have: what a misspelt id is offered among."""
        ...

    def empty(self, table_id: str, registries: Registries) -> NoRows | None:
        """The table ``table_id`` names while no result of it is found, or None where the
        id is none of :meth:`every` (a suffixed id names one of several tables the results
        made, so it exists only where they do)."""
        ...


@dataclass(frozen=True)
class NoRows:
    """A table of an installed dataset (and protocol) that no result under the folders
    makes yet: its header, which ``leaderboard export`` writes with a warning, as it writes
    an emotion benchmark nobody has run; a script exporting every table goes on."""

    id: str
    where: str
    title: str
    headers: tuple[str, ...]

    @property
    def runs(self) -> int:
        return 0

    def score_headers(self) -> list[str]:
        return list(self.headers)

    def lines(self) -> list[Line]:
        return []

    def published(self) -> list[PublishedLine]:
        return []


@dataclass(frozen=True)
class Named:
    """Tables named once and for all: the emotion benchmarks' definitions' ids."""

    names: tuple[str, ...]

    @property
    def pattern(self) -> None:
        return None

    def could_be(self, table_id: str, registries: Registries) -> bool:
        return table_id in self.names

    def every(self, registries: Registries) -> list[str]:
        return list(self.names)

    def empty(self, table_id: str, registries: Registries) -> None:
        """None: a benchmark's table is made from its definition, runs or none."""
        return None


def _could_be(rest: str, names: Iterable[str]) -> str | None:
    """What is left of ``rest`` after one of ``names`` (as ids write them), or None."""
    for name in sorted(map(slug, names), key=len, reverse=True):
        if rest == name:
            return ""
        if rest.startswith(name + "-"):
            return rest[len(name) + 1:]
    return None


@dataclass(frozen=True)
class Patterned:
    """Tables named from what the results hold: ``PREFIX`` then an installed dataset, then
    (``with_protocol``) an installed protocol; a suffix where one repeats follows either."""

    prefix: str
    datasets: Callable[[Registries], Iterable[str]]  # the names DATASET may be
    with_protocol: bool
    #: a table's title, ``{where}`` its "dataset / protocol", and its score columns, as a
    #: table with no row yet is exported (the kind's rows give the rest)
    title: str = "{where}"
    headers: tuple[str, ...] = ()

    @property
    def pattern(self) -> str:
        return f"{self.prefix}DATASET" + ("-PROTOCOL" if self.with_protocol else "")

    def could_be(self, table_id: str, registries: Registries) -> bool:
        if not table_id.startswith(self.prefix):
            return False
        rest = _could_be(table_id[len(self.prefix):], self.datasets(registries))
        return rest is not None and (not self.with_protocol or _could_be(
            rest, registries.protocols.names()) is not None)

    def every(self, registries: Registries) -> list[str]:
        protocols = sorted(map(slug, registries.protocols.names()))
        ids = []
        for dataset in sorted(map(slug, self.datasets(registries))):
            ids += ([f"{self.prefix}{dataset}-{p}" for p in protocols]
                    if self.with_protocol else [f"{self.prefix}{dataset}"])
        return ids

    def empty(self, table_id: str, registries: Registries) -> NoRows | None:
        protocols = registries.protocols.names() if self.with_protocol else [None]
        for dataset in self.datasets(registries):
            for protocol in protocols:
                made = self.prefix + slug(dataset) + ("" if protocol is None
                                                      else f"-{slug(protocol)}")
                if made == table_id:
                    where = dataset if protocol is None else f"{dataset} / {protocol}"
                    return NoRows(table_id, where, self.title.format(where=where),
                                  self.headers)
        return None
