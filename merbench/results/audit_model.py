"""``audit.json``'s records: every ``merbench audit`` of a run, oldest first, each with the
folds trained again and how they compared, where and with what code, and the signature of
whoever vouches for it. A run's own records are :mod:`merbench.results.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from merbench.results.model import EnvironmentRecord

AuditOutcome = Literal["identical", "within-tolerance", "differs"]
AuditComparison = Literal["bit-identical", "tolerance"]


@dataclass(frozen=True)
class FoldAudit:
    """One fold trained again by ``merbench audit`` and compared with its fold file."""

    index: int
    key: list[str]
    outcome: AuditOutcome
    agreement: float  # the share of stored per-epoch test predictions trained again
    fold_sha256: str  # of the fold file compared, so a later edit of it voids the audit
    detail: str  # where the predictions first differ, or ""


@dataclass(frozen=True)
class AuditSignature:
    """Who vouches for an audit record: an Ed25519 signature by ``public_key`` over the
    record (this field left out, :func:`merbench.results.signature.signed_payload`) and the
    digests of every file of the run it audited, so the record cannot be written by hand and
    counts only for exactly those files."""

    algorithm: Literal["ed25519"]
    public_key: str  # base64 of the signer's raw 32-byte public key
    key_name: str | None  # the name given to the key when it was made, or None
    files: dict[str, str]  # each file of the run (path inside it) -> its SHA-256
    value: str  # base64 of the 64-byte signature


@dataclass(frozen=True)
class AuditRecord:
    """One ``merbench audit`` of a run: which folds, where, and the outcome."""

    created: str
    results_sha256: str  # of the results.json audited
    n_folds: int  # the run's folds
    choice_seed: int | None  # the seed that picked the folds; None: every fold
    comparison: AuditComparison  # bit-identical where device, versions and precision match
    reason: str  # why that comparison
    min_agreement: float  # what "within-tolerance" needs (1.0 for bit-identical)
    environment: EnvironmentRecord
    folds: list[FoldAudit]
    failure: str | None  # why no fold could be compared (another identity), or None
    passed: bool
    signature: AuditSignature | None = None  # None: unsigned, a claim nobody vouches for


@dataclass(frozen=True)
class AuditLog:
    """``audit.json`` beside a run: every audit of it, oldest first."""

    schema_version: int
    kind: Literal["audits"]
    audits: list[AuditRecord]
