"""``audit.json`` beside a run, read and checked like every other file of it.

``merbench validate`` (and so ``leaderboard build``) reads it when it is there: every field's
type is checked, and every signature it carries must verify (:mod:`merbench.results
.signature`), so a hand-written file, a foreign one (a link to ``/etc/passwd`` is refused
before, by :mod:`merbench.results.safe_files`) or a signed record edited afterwards rejects
the run. An unsigned record is accepted: it is a claim, shown as one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.audit_model import AuditLog, AuditRecord
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import LayoutError, from_json
from merbench.results.migrations import migrate
from merbench.results.result_files import AUDIT_FILE
from merbench.results.safe_files import check_entry
from merbench.results.schema import read_json
from merbench.results.signature import signature_holds, signed_files_are_current, signer


def refuse_audit_record(folder: Path, kind: str) -> str | None:
    """Why an ``audit.json`` in the folder of a summary over seeds (``kind``) rejects it, or
    None when there is none. A summary's audits are its seed runs', each recorded in the
    seed run's own folder: a record beside the summary was made for another result, a
    copied signature vouches for nothing here, and a page that ignored it silently would
    let it sit beside the summary as if it did."""
    path = Path(folder) / AUDIT_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    return (f"{AUDIT_FILE} beside it: merbench audit records the audits of a {kind} in "
            "each seed run's folder, so an audit record beside the summary belongs to "
            "another result; remove it")


def refuse_voiding_audits(folder: Path) -> None:
    """A run that goes on (its results not those it finished with, or not written) refused
    while its folder holds ``audit.json``: the audits there are of the run as it finished,
    and its results written again would be dated after them, which ``validate`` refuses.
    ``merbench status`` advised going on with a finished run whose ``run.json`` had been
    saved again, and the run's signed audit was void after it."""
    if os.path.lexists(Path(folder) / AUDIT_FILE):
        raise MerbenchError(f"{folder} holds {AUDIT_FILE}, audits of the run as it finished, "
                            "but its files are not those its results record; going on would "
                            "write its results again, which those audits are not of "
                            "('merbench validate' would refuse them): restore the run's "
                            f"files, or move {AUDIT_FILE} out of the folder, run again and "
                            "audit it again")


def read_audits(run_dir: Path) -> list[AuditRecord]:
    """Every audit recorded beside ``run_dir`` (none when it has no ``audit.json``)."""
    path = Path(run_dir) / AUDIT_FILE
    if not path.exists():
        return []
    try:
        data = read_json(path, "audit record")
        log = from_json(AuditLog, migrate(data, "audit", path))
    except MerbenchError as exc:  # not JSON, not an object, no known schema_version
        raise MerbenchError(f"{exc}; move it away and audit again") from None
    except LayoutError as exc:
        raise MerbenchError(f"{path} is not a merbench audit record ({exc}); move it away "
                            "and audit again") from None
    return list(log.audits)


@dataclass(frozen=True)
class AuditSummary:
    """What ``audit.json`` holds, for ``merbench validate`` to say."""

    audits: int
    unsigned: int
    signers: list[str]  # each key that signed one, shown (fingerprint and name)
    stale: int  # signed over files that have changed since
    #: audits none of whose parts holds the files it compared (a run's fold file; a spotting
    #: run's videos and str.json; a tuning's runs): another result's record copied in, or
    #: one made before those files were rewritten (``merbench migrate``, a spotting run
    #: recognised afterwards); either way it vouches for nothing here, and a page shows it
    #: as no longer counting
    foreign: int = 0
    #: audits whose folds trained again differed from the stored ones (or that could not
    #: train them): a failure, signed or not, is said first, never an "ok" beside a signer
    failed: int = 0

    @property
    def text(self) -> str:
        parts = [f"{self.audits} audit(s)"]
        if self.failed:
            parts.append(f"{self.failed} FAILED (what was made again differs from what "
                         "the result stored)")
        if self.foreign:
            they = "it vouches" if self.foreign == 1 else "they vouch"
            parts.append(f"{self.foreign} that compared none of the files this result holds "
                         "now (another result's record, or made before they were "
                         f"rewritten): {they} for nothing here")
        if self.signers:
            parts.append(f"signed by {', '.join(self.signers)}")
        if self.unsigned:
            parts.append(f"{self.unsigned} unsigned (a claim nobody vouches for)")
        if self.stale:
            parts.append(f"{self.stale} signed over files that changed since")
        return "; ".join(parts)


#: how far a date may lie ahead of this machine's clock: another machine's clock set to
#: another zone by mistake (provenance's margin for a result's own dates, the same)
CLOCK_MARGIN = timedelta(days=1)
CLOCK_MARGIN_TEXT = "a day"


def _impossible(record: AuditRecord, fold_keys: list[list[str]],
                run_created: str) -> str | None:
    """What makes ``record`` no record ``merbench audit`` could have written of a result
    whose parts (folds, or a spotting run's subjects, a tuning's outer folds) have
    ``fold_keys`` (by index), finished at ``run_created`` (None: nothing). An unsigned
    record is a claim, but even a claim must be one an audit can make: its verdict follows
    from its parts, each part's outcome from its agreement, it audits parts the result has,
    each once and by their keys, and it came after the result and before now."""
    n_folds = len(fold_keys)
    indices = [fold.index for fold in record.folds]
    if record.n_folds != n_folds:
        return (f"it says the result has {record.n_folds} parts (folds, subjects or outer "
                f"folds), this one has {n_folds}")
    if len(set(indices)) != len(indices) or any(not 0 <= i < n_folds for i in indices):
        return "it lists a part twice, or one the result does not have"
    named = next((f for f in record.folds if list(f.key) != list(fold_keys[f.index])), None)
    if named is not None:
        theirs, ours = list(named.key), list(fold_keys[named.index])
        if "/".join(theirs) == "/".join(ours):  # the same label cut otherwise: show the cut
            theirs, ours = [json.dumps(theirs)], [json.dumps(ours)]
        return (f"its part {named.index} is {'/'.join(theirs)}, the result's is "
                f"{'/'.join(ours)}")
    if (record.failure is None) != bool(record.folds):
        return "a record audits some folds or says why it could not, one of the two"
    exact = record.comparison == "bit-identical"
    if not (0 < record.min_agreement <= 1) or (exact and record.min_agreement != 1.0):
        return (f"its min_agreement {record.min_agreement} is not one a "
                f"{record.comparison} comparison uses")
    for fold in record.folds:
        if not 0 <= fold.agreement <= 1 or (fold.outcome == "identical"
                                            and fold.agreement != 1.0) or (
                fold.outcome == "within-tolerance"
                and (exact or not record.min_agreement <= fold.agreement < 1.0)):
            return (f"its fold {fold.index} is {fold.outcome} with agreement "
                    f"{fold.agreement:g}, which that outcome cannot have")
    verdict = record.failure is None and all(fold.outcome != "differs" for fold in record.folds)
    if record.passed != verdict:
        return (f"it says {'passed' if record.passed else 'FAILED'}, but its folds' "
                f"outcomes say {'passed' if verdict else 'FAILED'}")
    try:
        audited, finished = (datetime.fromisoformat(record.created),
                             datetime.fromisoformat(run_created))
    except (TypeError, ValueError):
        return f"its date {record.created!r} is not a date and time (ISO 8601)"
    if audited.tzinfo is None or finished.tzinfo is None:
        return f"its date {record.created} has no time zone, as merbench writes none"
    if audited < finished:
        return f"it is dated {record.created}, before the run finished ({run_created})"
    if audited > datetime.now(timezone.utc) + CLOCK_MARGIN:
        return (f"it is dated {record.created}, more than {CLOCK_MARGIN_TEXT} after this "
                "machine's clock")
    if record.choice_seed is not None and record.choice_seed < 0:
        return f"its choice_seed {record.choice_seed} is no seed merbench draws folds with"
    return None


def check_audit_records(audited: AuditedFiles) -> list[AuditRecord] | None:
    """Every record of ``audit.json`` in ``audited``'s folder (None when there is none), each
    checked against itself and the result (its parts' keys by index, when it was finished),
    its signature verified: a file that is not an audit record, a record that cannot be, or a
    signature that does not verify, is one error naming the file. The refusing half of
    :func:`check_audit_file`, which ``merbench status`` runs too (an Ed25519 verification
    and a few comparisons a record, nothing hashed): it called "complete" a run whose signed
    audit had been edited, and ``validate`` refused it."""
    run_dir = audited.folder
    # a file of the result's own, as each of its files is: a link or a hard link to another
    # result's record was read and counted as this one's
    check_entry(Path(run_dir) / AUDIT_FILE, Path(run_dir))
    audits = read_audits(run_dir)
    if not (Path(run_dir) / AUDIT_FILE).exists():
        return None
    if not audits:
        raise MerbenchError(f"{AUDIT_FILE} holds no audit, which merbench audit never "
                            "writes; remove the file")
    for number, record in enumerate(audits, 1):
        if record.signature is not None and not signature_holds(record):
            raise MerbenchError(f"{AUDIT_FILE}: the signature of audit {number} does not "
                                "verify (the record or its signature was changed after "
                                "signing); remove that audit, or the file, and audit again")
        problem = _impossible(record, audited.unit_keys, audited.created) or next(
            (f"it repeats audit {earlier}" for earlier, other in enumerate(audits[:number - 1], 1)
             if other == record), None)
        if problem is not None:
            raise MerbenchError(f"{AUDIT_FILE}: audit {number} cannot be an audit of this "
                                f"result: "
                                f"{problem}; remove that audit, or the file, and audit again")
    return audits


def compared_none(record: AuditRecord, unit_digest: Callable[[int], str | None]) -> bool:
    """Whether ``record`` vouches for nothing here: it compared parts, and none of them
    holds now the files it compared (``unit_digest``: a part's digest by its index, as
    :meth:`AuditedFiles.unit_digest` gives it). The one rule by which ``validate`` counts an
    audit as void and ``merbench migrate`` says that its rewriting voided one (pass 84s S5:
    migrate called void an audit of a fold file it had not rewritten, which validate kept)."""
    return bool(record.folds) and not any(
        unit_digest(fold.index) == fold.fold_sha256 for fold in record.folds)


def check_audit_file(audited: AuditedFiles) -> AuditSummary | None:
    """Read ``audit.json`` in ``audited``'s folder (None when there is none), refused as
    :func:`check_audit_records` refuses it, and say what it holds: who signed, what is
    unsigned, failed, signed over files changed since or compared none of the files here."""
    audits = check_audit_records(audited)
    if audits is None:
        return None
    signers: list[str] = []
    stale = foreign = 0
    for record in audits:
        foreign += compared_none(record, audited.unit_digest)
        if record.signature is None:
            continue
        key = signer(record)
        if key is not None and key.shown not in signers:
            signers.append(key.shown)
        stale += not signed_files_are_current(audited, record)
    unsigned = sum(record.signature is None for record in audits)
    failed = sum(not record.passed for record in audits)
    return AuditSummary(audits=len(audits), unsigned=unsigned, signers=signers, stale=stale,
                        foreign=foreign, failed=failed)
