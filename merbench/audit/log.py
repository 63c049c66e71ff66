"""``audit.json`` beside a run: every audit of it, appended, each with the digests of the
files it compared (so an edit made afterwards voids it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from merbench.atomic import atomic_write_json
from merbench.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.migrations import migrate
from merbench.results.model import SCHEMA_VERSION, AuditLog, AuditRecord
from merbench.results.schema import read_json

AUDIT_FILE = "audit.json"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_audits(run_dir: Path) -> list[AuditRecord]:
    """Every audit recorded beside ``run_dir`` (none when it has no ``audit.json``)."""
    path = Path(run_dir) / AUDIT_FILE
    if not path.exists():
        return []
    try:
        data = read_json(path, "audit record")
        log = from_json(AuditLog, migrate(data, "audit", path))
    except (MerbenchError, LayoutError) as exc:
        raise MerbenchError(f"{path} is not a merbench audit record ({exc}); move it away "
                            "and audit again") from None
    return list(log.audits)


def record_audit(run_dir: Path, record: AuditRecord) -> Path:
    """Append ``record`` to ``audit.json`` beside the run; returns the file."""
    audits = [*read_audits(run_dir), record]
    path = Path(run_dir) / AUDIT_FILE
    atomic_write_json(path, to_json(AuditLog(schema_version=SCHEMA_VERSION, kind="audits",
                                             audits=audits)))
    return path
