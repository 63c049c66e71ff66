"""The audit badge of a leaderboard row: "audited: k of n folds, date", or a failed audit.

An audit (:mod:`merbench.audit`) counts only while the files it compared are the files
published: ``results.json`` and each audited fold file must still have the digests the audit
recorded, so an audit of a genuine run does not vouch for an edited copy. A row's runs are
its seeds; the badge adds up their audited folds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from merbench.audit import file_sha256, read_audits
from merbench.errors import MerbenchError
from merbench.leaderboard.collect import Group
from merbench.results.model import AuditRecord


@dataclass(frozen=True)
class AuditBadge:
    """What a row says about the audits of its runs."""

    audited: int  # distinct folds trained again and found to match, over the row's runs
    n_folds: int  # the row's folds, over its runs
    date: str  # of the latest audit that counts
    failed: bool  # an audit of these very files found a fold that differs

    @property
    def text(self) -> str:
        if self.failed:
            return f"audit failed, {self.date}"
        return f"audited: {self.audited} of {self.n_folds} folds, {self.date}"


def _counts(run_dir: Path, audit: AuditRecord, fold_digests: dict[int, str]) -> bool:
    """Whether ``audit`` compared the files that are there now."""
    if audit.results_sha256 != file_sha256(run_dir / "results.json"):
        return False
    for fold in audit.folds:
        if fold.index not in fold_digests:
            path = run_dir / "folds" / f"fold-{fold.index:03d}.npz"
            fold_digests[fold.index] = file_sha256(path) if path.is_file() else ""
        if fold_digests[fold.index] != fold.fold_sha256:
            return False
    return True


def audit_badge(group: Group) -> AuditBadge | None:
    """The badge of ``group``'s row, or None when no audit of its files is recorded (an
    unreadable audit.json counts as none)."""
    audited, n_folds, dates, failed = 0, 0, [], False
    for run in group.runs:
        run_dir = run.checked.run_dir
        n_folds += run.results.protocol.n_folds
        try:
            audits = read_audits(run_dir)
        except MerbenchError:
            continue
        digests: dict[int, str] = {}
        matched: set[int] = set()
        for audit in audits:
            if not _counts(run_dir, audit, digests):
                continue
            dates.append(audit.created[:10])
            if not audit.passed:
                failed = True
            matched |= {f.index for f in audit.folds if f.outcome != "differs"}
        audited += len(matched)
    if not dates:
        return None
    return AuditBadge(audited=audited, n_folds=n_folds, date=max(dates), failed=failed)


@dataclass(frozen=True)
class AuditLine:
    """One audit of a run as its page lists it."""

    record: AuditRecord
    current: bool  # it compared the files published now


def audit_lines(run_dir: Path) -> list[AuditLine]:
    """Every recorded audit of ``run_dir``, newest first, each marked current or not."""
    try:
        audits = read_audits(run_dir)
    except MerbenchError:
        return []
    digests: dict[int, str] = {}
    return [AuditLine(a, _counts(run_dir, a, digests)) for a in reversed(audits)]
