"""What an audit record of a result is about: the result's parts and files, for every kind.

``merbench audit`` makes parts of a result again (an emotion or an action-unit run's folds, a
spotting run's subjects, a nested tuning's outer folds or a test-scored one's folds) and
appends a record to ``audit.json`` in the result's folder. One record format serves every
kind (:class:`~merbench.results.audit_model.AuditRecord`); what differs is what its numbers are
about, and that is this object: the parts by index (their keys), the files each part was
compared with (whose digest the record keeps, so an edit made afterwards voids it), the
result file, when the result was finished, and every file a signature covers. Reading,
checking, signing and the pages' badges ask it, never a kind's file names themselves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.manifest import RUN_FILE, file_sha256, fold_file_name
from merbench.results.run_record import RunRecord


@dataclass(frozen=True)
class Digests:
    """What an audit compares, as it was before anything was made again: its record keeps
    these, so a file changed while it trained is one signing refuses and a record of the
    files before vouches for nothing after."""

    result: str  # the result file's SHA-256
    units: tuple[str | None, ...]  # each part's (:meth:`AuditedFiles.unit_digest`)


@dataclass(frozen=True)
class AuditedFiles:
    """One result as its audit records see it."""

    folder: Path
    result_file: str  # inside ``folder``: a record's ``results_sha256`` is its digest
    #: the parts an audit makes again, by index: each part's key (a fold's database and
    #: subject, a spotting run's subject, a nested tuning's outer fold)
    unit_keys: list[list[str]]
    #: the files (inside ``folder``) each part is compared with, by index; a record keeps
    #: their digest (:meth:`unit_digest`) as ``fold_sha256``
    unit_files: list[tuple[str, ...]]
    created: str  # when the result was finished: no audit of it can be older
    #: every file of the result, which a signed record's digests cover
    files: tuple[str, ...]

    def unit_digest(self, index: int) -> str | None:
        """The digest of part ``index``'s files as they are now (None: one is missing): a
        fold file's own SHA-256, or of several files, the SHA-256 of their names and
        digests."""
        paths = [self.folder / name for name in self.unit_files[index]]
        if not all(path.is_file() for path in paths):
            return None
        if len(paths) == 1:
            return file_sha256(paths[0])
        listing = "".join(f"{name} {file_sha256(path)}\n"
                          for name, path in zip(self.unit_files[index], paths, strict=True))
        return hashlib.sha256(listing.encode()).hexdigest()

    def digests(self) -> Digests:
        """The result file's digest and every part's, now (parts compared with the same
        files, a tuning's, hashed once)."""
        seen: dict[tuple[str, ...], str | None] = {}
        units = []
        for index, files in enumerate(self.unit_files):
            if files not in seen:
                seen[files] = self.unit_digest(index)
            units.append(seen[files])
        return Digests(file_sha256(self.folder / self.result_file), tuple(units))

    def file_digests(self) -> dict[str, str]:
        """The SHA-256 of every file of the result, by its path inside the folder."""
        missing = [name for name in self.files if not (self.folder / name).is_file()]
        if missing:
            raise MerbenchError(f"{self.folder}: {missing[0]} is missing; only a complete "
                                "result can be signed")
        return {name: file_sha256(self.folder / name) for name in self.files}


def run_folder(run_dir: Path, results: RunRecord) -> AuditedFiles:
    """An emotion run or an action-unit run (``results``, its record): its folds, each
    compared with its fold file; signed with its record, ``run.json``, its predictions and
    every fold file (the record names its own two files: no test here of which it is)."""
    result, predictions = results.result_file, results.predictions_file
    keys = [list(fold.key) for fold in sorted(results.folds, key=lambda fold: fold.index)]
    folds = tuple(fold_file_name(i) for i in range(len(keys)))
    return AuditedFiles(Path(run_dir), result, keys, [(name,) for name in folds],
                        results.created, (result, RUN_FILE, predictions, *folds))



