"""``leaderboard build --require-audit``: a board of audited results only.

The site publishes every result that validates, and an audit counts only where a key the
build trusts signed it (:mod:`merbench.leaderboard.audit_badges`): every consistent forgery
validates, so a row with no such audit is the run's own claim, recomputed from files its
author wrote. That is said on every row that has no trusted audit; a maintainer who wants
the stricter board builds with ``--require-audit``, and then only results whose audit a
trusted key signed over the files published now, and which passed bit for bit ("audited"),
are published at all. A summary over seeds (of spot-then-recognise runs, of tunings) is not
itself audited, so it is left out too; its seeds' audited runs are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from merbench.base.errors import MerbenchError
from merbench.leaderboard.audit_badges import TrustedKeys, audit_lines, results_badge
from merbench.leaderboard.collect import Collection, Group
from merbench.leaderboard.copies import Claim
from merbench.results.audited_files import AuditedFiles, run_folder

Summary = TypeVar("Summary")


@dataclass
class AuditGate:
    """What a build publishes: everything, or (``required``) audited results only; counts
    what it left out: results, and summaries over seeds apart (a summary is left out
    whatever its seeds' audits say, so a page lacks it even where no result is left out)."""

    keys: TrustedKeys
    required: bool = False
    held_back: int = 0
    summaries_held_back: int = 0

    def __post_init__(self) -> None:
        if self.required and not self.keys:
            raise MerbenchError("--require-audit publishes only results whose audit a trusted "
                                "key signed, and no --trust KEY.pub is given, so none would "
                                "be; add --trust with the maintainers' public keys")

    def keeps(self, files: Sequence[AuditedFiles]) -> bool:
        """Whether a result made of ``files`` is published (counting those that are not)."""
        if not self.required:
            return True
        badge = results_badge(files, self.keys)
        kept = badge is not None and badge.kind == "audited"
        self.held_back += not kept
        return kept

    def summaries(self, found: Sequence[Summary]) -> list[Summary]:
        """The summaries over seeds of ``found`` that are published: all, or (``required``)
        none, counted: a summary is not itself audited, its audited seeds' runs are shown."""
        if not self.required:
            return list(found)
        self.summaries_held_back += len(found)
        return []

    def vouches(self, claim: Claim) -> bool:
        """Whether a bit-identical audit signed by a key this gate trusts vouches for
        ``claim``, one of copies of a run that disagree
        (:func:`merbench.leaderboard.copies.settle`): the keys that decide what a build
        publishes decide which copy, too."""
        return bool(self.keys) and any(line.vouches for line in audit_lines(
            run_folder(claim.run_dir, claim.results), self.keys))

    def audited_runs(self, group: Group) -> Group | None:
        """An emotion row (a configuration's seed runs) over only those of its runs this
        gate publishes, each judged by an audit of its own files; None where none is. The
        row was kept whole where one seed was audited, so a seed with no audit of its own
        (or a copy of another seed's) was published, marked as its own claim."""
        runs = [run for run in group.runs
                if self.keeps([run_folder(run.checked.run_dir, run.results)])]
        return replace(group, runs=runs) if runs else None

    def collection(self, found: Collection) -> Collection:
        """``found`` with only the rows, and the runs of each, this gate publishes."""
        if not self.required:
            return found
        groups = [kept for group in found.groups
                  if (kept := self.audited_runs(group)) is not None]
        return replace(found, groups=groups, runs=[run for g in groups for run in g.runs])
