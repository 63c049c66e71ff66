"""``merbench migrate``: rewrite result files in the current layout, numbers untouched.

Readers migrate older files on the fly, so nothing needs rewriting to be read; rewriting is
for files that are kept and published (``leaderboards/results/``), so that what is
committed is what merbench writes now. Each file goes through its migrations and the typed
model (which checks every field), then is written atomically; predictions, labels and
metrics are carried over as they are, and a file already current is left alone. A kind in a
home of its own upgrades its files with what it registered
(:mod:`merbench.results.kind_registry`): a tuning of layout 1 (its runs as folders) has its
runs packed into ``runs.tar.xz``.

A run's files are bound by digests (:mod:`merbench.results.manifest`): ``results.json``
records the SHA-256 of ``run.json`` and of every fold file, so rewriting those leaves the
run "changed after it finished" unless the record is rewritten with their new digests. So
every file is migrated in memory first (a damaged one refuses the command with nothing
rewritten yet), each record naming a rewritten file is given its new digest, and only then
is anything written: the run's other files first, the record naming them last.

Those writes are one set, each result's: a stop signal while they are made waits until the
record is written (the command line holds it, as the runner holds a stop while a fold's file
is written). A run that an older merbench, or SIGKILL, left with files rewritten and its
record not is repaired by migrating it again: a file already current that the record names
by another digest is given its own where it is the faithful migration of the file recorded
(:mod:`merbench.results.half_migrated` states the rule; a file edited by hand is not).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.atomic import atomic_write_bytes
from merbench.base.errors import MerbenchError
from merbench.base.link_loop import loop_said
from merbench.results.audit_file import compared_none, read_audits
from merbench.results.codec import LayoutError, from_json, to_json, unreadable
from merbench.results.command_outputs import command_output_said
from merbench.results.fold_file import damage, fold_arrays
from merbench.results.half_migrated import migrated_digests
from merbench.results.kind_registry import registered_files
from merbench.results.manifest import file_sha256, fold_file_name
from merbench.results.migrations import migrate, version_of
from merbench.results.model import SCHEMA_VERSION, FoldMeta, Results, RunRecord
from merbench.results.out_folders import refuse_system_place
from merbench.results.result_files import AUDIT_FILE, SITE_MARKER
from merbench.results.safe_files import entry_kind
from merbench.results.seeds_model import SeedsSummary
from merbench.results.user_files import LfsPointer, UnreadableFile, read_written_json

_JSON_FILES = {"results.json": ("results", Results), "seeds.json": ("seeds", SeedsSummary),
               "run.json": ("run", RunRecord)}
#: each of those files' layout as the refusals name it (validate's words)
_LAYOUT_WORDS = {"results": "results", "seeds": "seeds summary", "run": "run record"}
#: the other JSON files of a result, which no migration rewrites: each is read as JSON all
#: the same, so that migrate never calls "already in the current layout" a folder holding
#: one it cannot read (a fifo, a folder, a number of 5,000 digits); their values are
#: ``merbench validate``'s to check
_READ_FILES = ("audit.json",)


def _read_files() -> tuple[str, ...]:
    """:data:`_READ_FILES` and the JSON files kinds in homes of their own registered."""
    return (*_READ_FILES, *(name for files in registered_files() for name in files.json_files))


def _homed_migrations() -> dict[str, Callable[[Path], bool]]:
    """Each file name whose upgrade a kind's home registered (a tuning's ``tune.json``),
    with it (:mod:`merbench.results.kind_registry`)."""
    return {name: upgrade for files in registered_files()
            for name, upgrade in files.migrations.items()}


@dataclass(frozen=True)
class UpgradeReport:
    """What ``merbench migrate`` found: the merbench files it rewrote, those already in
    the current layout, and the folders whose ``audit.json`` records audits of files it
    rewrote (audits of the files as they were, which vouch for nothing after)."""

    rewritten: list[Path]
    current: list[Path]
    audits_voided: list[Path] = field(default_factory=list)
    #: each run whose record an interrupted migration had left naming files it rewrote by
    #: their old digests, given their new ones here, with how many
    repaired: list[tuple[Path, int]] = field(default_factory=list)


def migrated_files(paths: list[Path]) -> list[Path]:
    """Every file under ``paths`` that :func:`upgrade` would read, each path checked first:
    one that is no merbench file, or a folder holding none, is refused before any file is
    rewritten (a command that did nothing must not look as if it had migrated something)."""
    files: list[Path] = []
    for root in paths:
        if not root.exists():
            raise MerbenchError(f"{root} {loop_said(root) or 'does not exist'}; pass a run "
                                "directory or a folder of runs")
        refuse_system_place(root, "migrate", "runs/NAME")
        if not root.is_file() and not root.is_dir():  # a fifo, a device: never read
            raise MerbenchError(f"{root} is {entry_kind(root)}, not a result; pass a run "
                                "directory, a tuning or a folder of them")  # as not_there
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        sites = [marker.parent for marker in candidates if marker.name == SITE_MARKER]
        # before "holds no file": a folder whose only results.json is a fifo holds one
        _check_readable(candidates, sites)
        found = [path for path in candidates if _migrates(path, sites)]
        if not found and (output := command_output_said(root)) is not None:
            raise MerbenchError(f"{root} {output}")  # as every other command says it
        if not found:
            what = "is not a file merbench migrates" if root.is_file() else \
                "holds no file merbench migrates"
            named = ", ".join([*_JSON_FILES, "folds/fold-NNN.npz", *_homed_migrations()])
            raise MerbenchError(f"{root} {what} ({named}); pass a run directory, a spotting "
                                "run, a tuning or a folder of them")
        files += found
    return files


def _is_fold(path: Path) -> bool:
    return path.parent.name == "folds" and path.name.startswith("fold-") \
        and path.suffix == ".npz"


def _check_readable(candidates: list[Path], sites: list[Path]) -> None:
    """Refuse the first merbench file among ``candidates`` that is no regular file of its
    own (a fifo, a folder, a link), or a JSON one that does not read as JSON: a fold file
    that is a fifo was passed over, and the run called current."""
    for path in candidates:
        if path.name not in _JSON_FILES and path.name not in _read_files() and \
                path.name not in _homed_migrations() and not _is_fold(path):
            continue
        if any(path.is_relative_to(site) for site in sites):
            continue
        if path.is_symlink() or not path.is_file():
            raise MerbenchError(f"{path} is {entry_kind(path)}, not the file merbench wrote "
                                "('merbench validate' refuses it too); put the file itself "
                                "there, or remove it")
        if path.name in _layouts():
            _in_layout(path)
        elif path.name in _read_files():
            _readable(path)


def _layouts() -> dict[str, Callable[[Path], object]]:
    """Each JSON file name a kind registered the reader of, whose layout migrate checks."""
    return {name: reader for files in registered_files()
            for name, reader in files.layouts.items()}


def _in_layout(path: Path) -> None:
    """The file at ``path`` read by its kind's reader: one that is in no layout is refused,
    as validate refuses it, not counted "already in" the current one. An AU seeds summary of
    ``[]`` or ``{"schema_version": 99}`` was, where seeds.json and str-seeds.json damaged
    alike were refused (pass 84y, Y3)."""
    try:
        _layouts()[path.name](path)
    except MerbenchError as exc:
        said = str(exc)
        raise MerbenchError(f"{said}{' ' if said.endswith('?') else '; '}fix or remove it; "
                            "nothing was rewritten") from None


def _readable(path: Path) -> Any:
    """The merbench JSON file at ``path`` as read, or one line naming it and why not."""
    try:
        return read_written_json(path, path.name)
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} is not readable JSON ({exc.because}); fix or remove "
                            "it") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise MerbenchError(f"{path} is not readable JSON ({unreadable(exc)}); fix or remove "
                            "it") from None


def _migrates(path: Path, sites: list[Path]) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    if any(path.is_relative_to(site) for site in sites):
        return False  # a built site's copies: the next build writes them again
    return path.name in _JSON_FILES or path.name in _homed_migrations() or _is_fold(path)


def upgrade(paths: list[Path], reading: Callable[[Path], None] | None = None,
            held: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
            ) -> UpgradeReport:
    """Rewrite every merbench file under ``paths`` that is older than the current layout
    (:func:`migrated_files`, every path checked before any file is rewritten); ``reading``
    is told of each file as it is read (the command's progress). Every file is migrated in
    memory before any is written, and the digests records keep of rewritten files are
    brought along (the module's docstring). Each result's files are written inside
    ``held()`` (the command line's: a stop signal waits until they are all written, its
    record last, so that a stop never leaves a record naming files by the digests of those
    they replaced)."""
    homed: list[Path] = []
    planned: dict[Path, bytes | None] = {}  # the new bytes; None: already current
    for path in migrated_files(paths):
        if reading is not None:
            reading(path)
        if path.name in _homed_migrations():
            homed.append(path)  # a kind's own upgrade, which writes as it goes
        else:
            planned[path] = _json_bytes(path) if path.name in _JSON_FILES \
                else _fold_bytes(path)
    replaced: dict[Path, str] = {}  # a file repaired: the digest its record named
    records, repaired = _redigest(planned, replaced)
    rewritten: list[Path] = []
    current: list[Path] = []
    for path in homed:
        (rewritten if _homed_migrations()[path.name](path) else current).append(path)
    voided: list[Path] = []
    for folder in sorted({_folder_of(path) for path in planned}):
        group = [path for path in planned if _folder_of(path) == folder]
        if _voids_an_audit(folder, planned, replaced):
            voided.append(folder)
        # the records last: a kill in between leaves a run its record does not name, never
        # a record naming files not written yet (and a second migrate repairs it, by
        # :mod:`merbench.results.half_migrated`'s rule)
        with held():
            for path in sorted(group, key=lambda path: path in records):
                content = planned[path]
                if content is None:
                    current.append(path)
                else:
                    atomic_write_bytes(path, content)
                    rewritten.append(path)
    return UpgradeReport(rewritten, current, voided, repaired)


def _voids_an_audit(folder: Path, planned: dict[Path, bytes | None],
                    replaced: dict[Path, str]) -> bool:
    """Whether this migration voids an audit of ``folder`` that counted before it: one that
    compares none of the run's fold files once they are written, by the rule ``validate``
    counts it by (:func:`~merbench.results.audit_file.compared_none`). Before: each fold
    file as it is, or, one an interrupted migration rewrote (``replaced``), the file its
    record named."""
    if not (folder / AUDIT_FILE).is_file():
        return False
    try:
        audits = read_audits(folder)
    except MerbenchError:
        return False  # 'merbench validate' says what is wrong with it

    def before(index: int) -> str | None:
        path = folder / fold_file_name(index)
        if path in replaced:
            return replaced[path]
        return file_sha256(path) if path.is_file() else None

    def after(index: int) -> str | None:
        path = folder / fold_file_name(index)
        content = planned.get(path)
        if content is not None:
            return hashlib.sha256(content).hexdigest()
        return file_sha256(path) if path.is_file() else None

    return any(compared_none(record, after) and not compared_none(record, before)
               for record in audits)


def _folder_of(path: Path) -> Path:
    """The result folder ``path`` (a run's file or fold file) belongs to."""
    return path.parent.parent if _is_fold(path) else path.parent


def _record_names() -> tuple[str, ...]:
    """The files that may record the digests of a run's other files: ``results.json`` and
    each registered kind's result file (an action-unit run's ``au-results.json``)."""
    return ("results.json", *(files.markers[0] for files in registered_files()))


def _redigest(planned: dict[Path, bytes | None], replaced: dict[Path, str]
              ) -> tuple[set[Path], list[tuple[Path, int]]]:
    """Give every record naming a file in ``planned`` that is rewritten the digest of the
    new file (added to ``planned`` where the record itself was current), and every
    ``results.json`` naming by another digest a file already current that is the faithful
    migration of the one it names (:mod:`merbench.results.half_migrated`) that file's
    digest (``replaced`` told the digest each was named by); the records rewritten, and
    each folder so repaired with how many files. A recorded digest that already named
    another file than the one there, and no migration of it, is left as it was: the run was
    changed before, and ``merbench validate`` says so still."""
    records: set[Path] = set()
    repaired: list[tuple[Path, int]] = []
    folders = {_folder_of(path) for path, content in planned.items()
               if (content is not None and path.name not in _record_names())
               or path.name == "results.json"}
    for folder in sorted(folders):
        for name in _record_names():
            record = folder / name
            if not record.is_file() or record.is_symlink():
                continue
            content = planned.get(record)
            payload = json.loads(content) if content is not None else _readable(record)
            files = payload.get("files") if isinstance(payload, dict) else None
            if not isinstance(files, dict):
                continue
            # checked against the digests as recorded, before those of files rewritten now
            found = _migrated(folder, record, payload, dict(files), planned)
            changed = False
            for named, digest in files.items():
                new = planned.get(folder / named)
                if new is None or digest != file_sha256(folder / named):
                    continue
                files[named] = hashlib.sha256(new).hexdigest()
                changed = True
            replaced.update({folder / named: files[named] for named in found})
            files.update(found)
            if found:
                repaired.append((folder, len(found)))
            if changed or found:
                planned[record] = _json_text(payload)
                records.add(record)
    return records, repaired


def _migrated(folder: Path, record: Path, payload: Any, files: dict[str, str],
              planned: dict[Path, bytes | None]) -> dict[str, str]:
    """The files of an emotion run's ``folder`` that an interrupted migration rewrote and
    its ``results.json`` (``record``) still names by their old digests, each with its
    digest, where the rule of :mod:`merbench.results.half_migrated` holds."""
    if record.name != "results.json" or record not in planned:
        return {}
    current = {named for named in files
               if folder / named in planned and planned[folder / named] is None}
    try:  # in the current layout: migrated above, or found in it
        results = from_json(Results, payload)
    except LayoutError:
        return {}  # 'merbench validate' says what is wrong with it
    return migrated_digests(folder, results, files, current)


def _json_text(payload: Any) -> bytes:
    """``payload`` as merbench writes a result file (indented, as ``atomic_write_json``)."""
    return (json.dumps(payload, indent=2, sort_keys=False) + "\n").encode()


def _json_bytes(path: Path) -> bytes | None:
    """The migrated file at ``path`` (None: already current)."""
    kind, record = _JSON_FILES[path.name]
    data = _readable(path)
    if not isinstance(data, dict) or (path.name == "seeds.json" and data.get("kind") != "seeds"):
        raise MerbenchError(f"{path} is not a merbench {path.name} (no merbench layout); move "
                            "it out of the run folder or fix it")
    if version_of(data) == SCHEMA_VERSION:
        # a field missing or of another type is the layout, not a value: built all the same,
        # or a results.json without 'dataset' was rewritten with its run's new digests and
        # called current, where validate refused it before and after (pass 84y, Y4)
        try:
            from_json(record, data)
        except LayoutError as exc:
            raise MerbenchError(f"{path} does not follow the {_LAYOUT_WORDS[kind]} layout: "
                                f"{exc}; nothing was rewritten (fix or remove it)") from None
        return None
    try:
        current: Any = from_json(record, migrate(data, kind, path))
    except LayoutError as exc:
        raise MerbenchError(f"{path} cannot be migrated: {exc}; fix or remove it") from None
    return _json_text(to_json(current))


def _fold_bytes(path: Path) -> bytes | None:
    """The migrated fold file at ``path`` (None: already current)."""
    try:
        arrays, meta = fold_arrays(path)  # nesting capped, as every reader of these files
    except LfsPointer as exc:  # fetched, then migrated: no damage
        raise MerbenchError(f"fold file {path} {exc.reason}; nothing was rewritten") from None
    except MerbenchError as exc:
        raise MerbenchError(f"fold file {path} is damaged ({damage(exc)}); "
                            "it cannot be migrated; nothing was rewritten") from None
    if version_of(meta) == SCHEMA_VERSION:
        return None
    try:
        current = from_json(FoldMeta, migrate(meta, "fold", path))
    except LayoutError as exc:
        raise MerbenchError(f"fold file {path} cannot be migrated: {exc}") from None
    arrays["meta"] = np.asarray(json.dumps(to_json(current)))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()
