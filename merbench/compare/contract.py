"""How ``merbench compare`` compares results of one kind of comparison, whatever the kind.

Each kind of result (:mod:`merbench.kinds`) names the comparison that pairs it with others
(an emotion run and a summary over seeds share one, an action-unit run and its summary over
seeds another) or says why it has none. ``compare`` then never asks which kind a path is:
it hands every path to the one comparison they share, which loads each into what it
compares and writes the table. A new way of comparing is one object implementing
:class:`Comparison`, named by the kinds it compares.

The emotion comparison pools a folder of one configuration's seed runs and labels each run
as a benchmark page does; both are the leaderboard's, a layer above, so the command passes
them in (:class:`Configurations`) rather than the comparison reaching up for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from merbench.results.model import Results
    from merbench.verification.validate import ValidatedRun

#: what a comparison loads a path into (a run, or one configuration's seeds pooled)
Loaded = TypeVar("Loaded")


@dataclass(frozen=True)
class Grouped:
    """The runs under a folder, as the pages group them: those refused (with why), and the
    validated runs of each configuration found."""

    rejected: Sequence[tuple[Path, str]]
    groups: Sequence[Sequence[ValidatedRun]]


class Configurations(Protocol):
    """How the benchmark pages group runs into configurations and name them, so that a
    comparison pools and labels runs as a page shows them."""

    def grouped(self, folder: Path) -> Grouped:
        """Every run under ``folder`` validated and grouped into configurations (copies of
        one seed settled); nothing pinned, as ``merbench validate`` pins nothing."""

    def labels(self, results: Sequence[Results | None]) -> list[str]:
        """Each run's configuration label, told apart among the runs compared as a page
        tells its rows apart ("" for a run with no record to label it by)."""

    def reduced(self, results: Results) -> str | None:
        """How a run departs from its model as published (a CPU check's fewer epochs), or
        None."""


@dataclass(frozen=True)
class Pooled:
    """The runs one result compared is made of, each by what it is, so that ``compare``
    tells a copy of a run from another run whatever the kind
    (:func:`merbench.results.run_copies.what_run`)."""

    #: each run's folder (as reached from the path given) and what it is
    runs: Sequence[tuple[Path, tuple[str, ...]]]
    #: whether the result is a summary over seeds (or a folder of seed runs), not one run
    over_seeds: bool


@dataclass(frozen=True)
class CompareRequest:
    """What ``merbench compare`` was asked, and what it passes down."""

    as_json: bool
    configurations: Configurations


class Comparison(Protocol[Loaded]):
    """One way of comparing results: the results of every kind that names it are loaded by
    it and compared with each other, the first given as the reference."""

    #: what it compares, in messages ("emotions", "action units")
    name: str

    def load(self, path: Path, request: CompareRequest) -> Loaded:
        """The result at ``path`` (a result's folder or file, or a folder of one
        configuration's seed runs) validated and read for comparing; ``MerbenchError`` in
        one line where it holds nothing this comparison compares."""

    def pooled(self, run: Loaded) -> Pooled:
        """The runs ``run`` (as :meth:`load` gave it) is made of, each by what it is: a
        run compared with its own copy is refused before any test."""

    def lines(self, runs: Sequence[Loaded], request: CompareRequest) -> list[str]:
        """What the command prints for ``runs`` (the reference first): each run's scores
        and its differences from the reference with their p-values, as a table or as one
        JSON document; ``MerbenchError`` where the runs cannot be paired."""
