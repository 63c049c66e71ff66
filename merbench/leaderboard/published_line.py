"""One row of a kind's table as its page publishes it, for ``merbench leaderboard diff``.

An exported :class:`~merbench.leaderboard.export_rows.Line` says what a paper shows: who,
how chosen, the scores. A diff needs two things more, which only the kind knows: what tells
the row apart from the others of its page (a spot-then-recognise run's seed, where each
seed's run is a row of its own and its words do not say it; nothing where a row is a
configuration whatever its seeds, as an AU row is, or where its words name its seed, as a
search's do), and the runs behind it, each as the digest of what it ran, so
that a score that moved with the same runs (a result edited in place) is told from one a new
run moved. Each kind's table (:class:`~merbench.leaderboard.kind_section.KindTable`) gives
its rows so, and the diff takes every kind alike, a new kind included, with no branch per
kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.leaderboard.export_rows import Line
from merbench.results.codec import to_json
from merbench.results.manifest import identity_sha256

#: the section of a page a row is in, as the diff names it: ranked rows, rows whose setting
#: was chosen on the test subjects, and rows of a setting reduced from the recipe
Section = str
RANKED: Section = "ranked"
TEST_SET: Section = "test-set selection"
REDUCED: Section = "reduced"


@dataclass(frozen=True)
class PublishedLine:
    """A row as its page shows it, what tells it apart there, and the runs behind it."""

    line: Line
    section: Section
    apart: str  # "seed 1" where each seed's run is its own row; "" where the row is a setting
    runs: frozenset[str]  # the identities of its runs: digests of what each ran
    seeds: tuple[int, ...]
    #: what a diff keys it by where its page tells rows apart by more than their words (an
    #: emotion row's configuration, :func:`~merbench.leaderboard.collect.group_key`); "":
    #: its words, as the page shows them
    key: str = ""
    #: the folders of its runs, so that a run a change rejects (a file of it edited in
    #: place) is told from one the change took away: a rejected run's identity is not read
    folders: frozenset[Path] = frozenset()


def run_identity(what_ran: Any) -> str:
    """The digest of a run's identity (what ran, as its record says), as ``run.json``'s is
    taken: one identity always gives one digest, whatever file it was read from."""
    return identity_sha256({"identity": to_json(what_ran)})


def section_of(test_set_selection: bool, reduced: bool) -> Section:
    """Where the page shows a row: a test-set choice is never ranked, reduced or not."""
    return TEST_SET if test_set_selection else REDUCED if reduced else RANKED
