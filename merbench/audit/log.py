"""``audit.json`` beside a run: every audit of it, appended, each with the digests of the
files it compared (so an edit made afterwards voids it). Reading and checking the file is
:mod:`merbench.results.audit_file`'s, since ``merbench validate`` checks it too."""

from __future__ import annotations

from pathlib import Path

from merbench.base.atomic import atomic_write_json
from merbench.results.audit_file import AUDIT_FILE, read_audits
from merbench.results.audit_model import AuditLog, AuditRecord
from merbench.results.codec import to_json
from merbench.results.manifest import file_sha256
from merbench.results.model import SCHEMA_VERSION

__all__ = ["AUDIT_FILE", "file_sha256", "read_audits", "record_audit"]


def record_audit(run_dir: Path, record: AuditRecord) -> Path:
    """Append ``record`` to ``audit.json`` beside the run; returns the file."""
    audits = [*read_audits(run_dir), record]
    path = Path(run_dir) / AUDIT_FILE
    atomic_write_json(path, to_json(AuditLog(schema_version=SCHEMA_VERSION, kind="audits",
                                             audits=audits)))
    return path
