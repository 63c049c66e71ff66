"""One kind of result, as the leaderboard takes it: found in the results folders, made into
the tables ``leaderboard list``, ``export`` and ``diff`` show, and rendered into its pages
and its parts of the index.

The site, ``list``, ``export`` and ``diff`` once took each kind by name: ``render_site``
rendered the emotion benchmarks by hand and then called a pipeline per other kind (each its
own finder, copier and page), the index template took named arguments per kind, and the
commands read the emotion benchmarks their own way. Each kind, the emotion benchmarks first,
now answers one protocol, :class:`KindSection`, and :data:`merbench.leaderboard.kind_tables.
KIND_SECTIONS` lists them once; the site, its index and the commands loop over that list, so
a new kind is one class and one registration line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.published_line import PublishedLine
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.table_ids import TableIds


class KindTable(Protocol):
    """One table of a kind of result, to list and export as a benchmark's, and to compare
    row by row (``leaderboard diff``)."""

    @property
    def id(self) -> str: ...

    @property
    def where(self) -> str: ...  # "dataset / protocol", as ``list`` shows it

    @property
    def title(self) -> str: ...

    @property
    def runs(self) -> int: ...

    def score_headers(self) -> list[str]: ...

    def lines(self) -> list[Line]: ...  # the rows a paper shows (export's)

    # A table may also give ``left_out() -> str | None``: why ``lines`` leaves out some of
    # the runs ``runs`` counts, for ``export`` to say
    # (:func:`~merbench.leaderboard.export_rows.left_out_words`). It is not required, so a
    # plugin's kind written before it still exports (as leaving nothing out).
    # It may also give ``without_interval() -> frozenset[str]``: the score headers it never
    # gives an interval, which the CSV writes without ``low`` and ``high`` columns
    # (:func:`~merbench.leaderboard.export.to_csv`); optional for the same reason.

    def published(self) -> list[PublishedLine]:
        """Every row its page publishes, reduced ones too, each with what tells it apart
        and the runs behind it: what ``leaderboard diff`` compares."""
        ...


@dataclass(frozen=True)
class Shown:
    """What a kind's pages gave the site: what its parts of the index read (``view``), how
    many results they publish (counted in the build's last line), and the files rejected
    while rendering (a file swapped since it was validated, a summary whose run was)."""

    view: dict[str, Any]
    published: int
    rejected: list[Rejected] = field(default_factory=list)


Found = TypeVar("Found")


class KindSection(Protocol[Found]):
    """A kind of result on the site and in ``leaderboard list`` / ``export`` / ``diff``.
    ``Found`` is what :meth:`find` hands to :meth:`tables` and :meth:`render`, the kind's own
    business. What a kind needs besides the results (the emotion benchmarks' definitions,
    from ``--benchmarks``) it is given when made, per command
    (:func:`merbench.leaderboard.kind_tables.kind_sections`)."""

    @property
    def counted_as(self) -> str: ...  # one published result, in the build's last line

    @property
    def ids(self) -> TableIds: ...  # how its tables are named: export reads this kind alone

    @property
    def index_part(self) -> str: ...  # the template of its part of the index, at the top

    @property
    def runs_part(self) -> str | None: ...  # its runs' table, after every kind's part, if any

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[Found, list[Rejected]]:
        """What ``folders`` hold of this kind, validated (``strict``: as ``merbench
        validate`` checks it, for ``build --strict``), only what ``gate`` publishes (copies
        that disagree settled by the audits it trusts), and the files rejected on the way."""
        ...

    def tables(self, found: Found) -> Sequence[KindTable]:
        """Its tables, for ``list`` (in the order it shows them), ``export`` and ``diff``."""
        ...

    def render(self, env: Any, found: Found, out: Path) -> Shown:
        """Write its pages and files into the site ``out`` with the site's environment."""
        ...
