"""The audit badge of a leaderboard row: "audited: k of n folds, date", a failed audit, or
an audit only claimed.

An audit (:mod:`merbench.audit`) counts only when it is signed by a key the build trusts
(``--trust``; :mod:`merbench.results.signature`) and its signature covers the files
published now: every file of the run must still have the digest it signed, so an audit of a
genuine run does not vouch for an edited copy, and a record written by hand vouches for
nothing. A record that compared these files but is unsigned or signed by another key is
shown as "audit claimed, not verified"; one whose signature does not verify as forged
(``merbench validate`` rejects such a run, so a page shows it only for a run that slipped
past). A row's runs are its seeds; the badge adds up their verified audited folds.

Only a fold trained again to the same bits counts as audited. A fold that came out "within
tolerance" was compared under a tolerance that the run's own files asked for (another torch,
another commit, folds trained together): files a forger writes too, so such folds are shown
as reproduced within tolerance, never as audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from merbench.base.errors import MerbenchError
from merbench.leaderboard.collect import Group
from merbench.results.audit_file import read_audits
from merbench.results.audit_model import AuditRecord
from merbench.results.audited_files import AuditedFiles, run_folder
from merbench.results.manifest import file_sha256
from merbench.results.signature import Trust, signed_files_are_current, signer, trust_of
from merbench.results.signing_keys import PublicKey

TrustedKeys = Mapping[bytes, PublicKey]  # by raw key: what --trust gave
BadgeKind = Literal["audited", "tolerance", "failed", "forged", "claimed-failed", "claimed"]


@dataclass(frozen=True)
class AuditBadge:
    """What a row says about the audits of its runs."""

    kind: BadgeKind
    audited: int  # distinct folds trained again to the same bits, over the row's runs
    n_folds: int  # the row's folds, over its runs
    date: str  # of the latest verified audit ("" when none is verified)
    within_tolerance: int = 0  # distinct other folds that only came out within tolerance
    parts: str = "folds"  # what the audits made again: "subjects" of a spotting run

    @property
    def failed(self) -> bool:
        """A verified audit of these very files found a fold that differs."""
        return self.kind == "failed"

    @property
    def text(self) -> str:
        more = (f" ({self.within_tolerance} more within tolerance)"
                if self.kind == "audited" and self.within_tolerance else "")
        return {"failed": f"audit failed, {self.date}",
                "audited": f"audited: {self.audited} of {self.n_folds} {self.parts}, "
                           f"{self.date}{more}",
                "tolerance": f"reproduced within tolerance: {self.within_tolerance} of "
                             f"{self.n_folds} {self.parts}, {self.date}; not audited",
                "forged": "audit signature forged",
                "claimed-failed": "an audit FAILED (not verified)",
                "claimed": "audit claimed, not verified"}[self.kind]

    @property
    def title(self) -> str:
        """What the badge means, for its tooltip."""
        return {"failed": "a trusted key signed an audit of these files that found a fold "
                          "that differs",
                "audited": f"a trusted key signed an audit that made {self.audited} of "
                           f"the {self.parts} of exactly these files again and got the "
                           "stored predictions (intervals) bit for bit",
                "tolerance": "a trusted key signed an audit that trained folds of these "
                             "files again under a tolerance the run's own files asked for "
                             "(another torch, commit or engine): most predictions came "
                             "again, which a forger can also arrange, so it is not an audit",
                "forged": "an audit record's signature does not verify: it was changed "
                          "after signing, or never signed by the key it names",
                "claimed-failed": "audit.json records an audit of these very files that "
                                  "trained a fold again and found its predictions differ; "
                                  "no key this site trusts signed it, but a forger does not "
                                  "write a failure: see the run page",
                "claimed": "audit.json says these files were audited, but no key this "
                           "site trusts signed it"}[self.kind]


def _compared_now(audited: AuditedFiles, audit: AuditRecord,
                  unit_digests: dict[int, str | None]) -> bool:
    """Whether ``audit`` says it compared the files that are there now."""
    result = audited.folder / audited.result_file
    if not result.is_file() or audit.results_sha256 != file_sha256(result):
        return False
    for fold in audit.folds:
        if not 0 <= fold.index < len(audited.unit_keys):
            return False
        if fold.index not in unit_digests:
            unit_digests[fold.index] = audited.unit_digest(fold.index)
        if unit_digests[fold.index] != fold.fold_sha256:
            return False
    return True


@dataclass(frozen=True)
class AuditLine:
    """One audit of a run as its page lists it."""

    record: AuditRecord
    current: bool  # it compared (and, if signed, signed) the files published now
    trust: Trust  # how its signature stands with this build's trusted keys
    signer: str | None  # the key it names, shown (:func:`_signer_shown`); None: unsigned

    @property
    def counts(self) -> bool:
        """Verified: signed by a trusted key, over exactly the files published."""
        return self.current and self.trust == "verified"

    @property
    def vouches(self) -> bool:
        """Verified, passed, and every fold it trained again came out to the same bits: what
        may pick one copy of a run over another (a tolerance the run's files asked for may
        not)."""
        return self.counts and self.record.passed and bool(self.record.folds) and all(
            fold.outcome == "identical" for fold in self.record.folds)


def audit_lines(audited: AuditedFiles, trusted: TrustedKeys) -> list[AuditLine]:
    """Every recorded audit of the result ``audited`` describes, newest first, each with
    its standing."""
    try:
        audits = read_audits(audited.folder)
    except MerbenchError:
        return []
    digests: dict[int, str | None] = {}
    lines = []
    for audit in reversed(audits):
        current = _compared_now(audited, audit, digests) and (
            audit.signature is None or signed_files_are_current(audited, audit))
        key, trust = signer(audit), trust_of(audit, trusted)
        lines.append(AuditLine(audit, current, trust, _signer_shown(key, trust, trusted)))
    return lines


def _signer_shown(key: PublicKey | None, trust: Trust, trusted: TrustedKeys) -> str | None:
    """Who signed an audit, as its page says it: a trusted key under the name the site's
    ``--trust`` file gives it, which the build's own line shows (the name inside the record
    is the signer's word about itself, and a site credits its audits to the owner its
    maintainers named); any other key under the name its record gives."""
    if key is None:
        return None
    return trusted[key.raw].shown if trust == "verified" and key.raw in trusted else key.shown


def audit_badge(group: Group, trusted: TrustedKeys) -> AuditBadge | None:
    """The badge of ``group``'s row, or None when no audit of its files is recorded."""
    return results_badge([run_folder(run.checked.run_dir, run.results) for run in group.runs],
                         trusted)


def results_badge(results: Sequence[AuditedFiles], trusted: TrustedKeys,
                  parts: str = "folds") -> AuditBadge | None:
    """The badge of a row of ``results`` (a configuration's seed runs, a spotting run, a
    tuning), or None when no audit of their files is recorded; ``parts``: what their audits
    make again, as the badge says it ("folds", "subjects", "outer folds")."""
    audited, tolerance, n_folds, dates = 0, 0, 0, []
    failed = forged = claimed = claimed_failed = False
    for result in results:
        n_folds += len(result.unit_keys)
        matched: set[int] = set()
        near: set[int] = set()
        for line in audit_lines(result, trusted):
            forged |= line.trust == "forged"
            if not line.current:
                continue
            if not line.counts:
                claimed = True
                claimed_failed |= not line.record.passed
                continue
            dates.append(line.record.created[:10])
            failed |= not line.record.passed
            matched |= {f.index for f in line.record.folds if f.outcome == "identical"}
            near |= {f.index for f in line.record.folds if f.outcome == "within-tolerance"}
        audited += len(matched)
        tolerance += len(near - matched)
    kind: BadgeKind | None = (
        "failed" if failed else "audited" if audited else "tolerance") if dates else (
        "forged" if forged else "claimed-failed" if claimed_failed else
        "claimed" if claimed else None)
    if kind is None:
        return None
    return AuditBadge(kind=kind, audited=audited, n_folds=n_folds,
                      date=max(dates) if dates else "", within_tolerance=tolerance, parts=parts)
