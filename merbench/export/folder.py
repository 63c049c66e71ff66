"""The folder ``merbench export --layout`` writes: claimed before anything is computed,
written so that a repeat export leaves exactly its own files.

The authors' scripts list their folders (``os.listdir``) and look every name up in the label
CSV, so a file left over from an earlier export into the same ``--out`` (43 samples, then 14)
crashes them. ``export-report.json`` is therefore the folder's inventory: it names every file
merbench export wrote there, and only a folder that holds one (or is empty, or absent) is
written to. Before the first file of a new export lands, the report lists the earlier
export's files and this one's together, so an export stopped half-way still names everything
the folder may hold; when every file is written, the earlier export's files this one did not
write are removed, with the folders that held only them, and the report lists this export's.
A file no report names is never removed, and nothing is written or removed through a
symbolic link: a link inside ``--out`` (``lnk -> /home/me``, or a subfolder linked to another
export's) is refused before anything is touched, so a forged report naming ``lnk/notes.txt``
cannot make export delete a file outside ``--out``. The report is an
:class:`~merbench.results.command_files.ExportReport`, written and read through the codec, so
a report that does not fit is refused in one line naming its field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath

from merbench.base.atomic import atomic_write_bytes, atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import path_kind
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.command_files import ExportReport
from merbench.results.command_outputs import EXPORT_REPORT
from merbench.results.out_folders import refuse_system_place
from merbench.results.safe_files import UnsafeFile, entry_kind
from merbench.results.user_files import (
    UnreadableFile,
    fix_after,
    read_user_bytes,
    read_user_json,
)

REPORT = EXPORT_REPORT  # named once, where every command recognises it
#: bytes: the report of a whole database's export is some hundred kilobytes; a larger one is
#: refused unread, as a plan or a benchmark definition is (a 200 MB one was read whole)
MAX_REPORT_BYTES = 64 << 20


def claim(out: Path, making: tuple[str, str, list[str]] | None = None,
          force: bool = False) -> list[str]:
    """The files an earlier export wrote into ``out`` (none for a new or empty folder); one
    line refusing a file, or a folder with contents that merbench export did not write.
    ``making``: the (layout, dataset, features) about to be written; an earlier export of
    others is replaced only with ``force``: it is another product (a run may train from a
    composite export that an htnet one into the same folder deleted unsaid), where a repeat
    export of the same one (43 samples, then 14) replaces its files unasked."""
    refuse_system_place(out, example="exports/NAME")
    if out.exists() and not out.is_dir():
        raise MerbenchError(f"--out {out} is {entry_kind(out)}; give a folder to write the "
                            "layout into (a new one, or the --out of an earlier export)")
    if not out.is_dir() or not any(out.iterdir()):
        return []
    report = out / REPORT
    if not os.path.lexists(report):
        raise MerbenchError(f"--out {out} holds files that merbench export did not write (it "
                            f"has no {REPORT}); give a new or empty folder, or the --out of an "
                            "earlier export to replace it")
    _refuse_links(out, _every_entry(out))
    again = f"delete {out} or give another --out"
    try:
        data = read_user_json(report, "export report", MAX_REPORT_BYTES)
    except UnsafeFile:  # a fifo or a device is never opened, nor called no report
        raise MerbenchError(f"{report} is {path_kind(report)}, not the report merbench "
                            f"export wrote; {again}") from None
    except UnreadableFile as exc:  # "is not JSON (...)", "is UTF-16 LE text, ...": one level
        raise MerbenchError(f"{report} {exc.reason}{fix_after(exc, again)}") from None
    if not isinstance(data, dict):
        raise MerbenchError(f"{report} is not a merbench export report (not a JSON object); "
                            f"{again}")
    try:
        held = from_json(ExportReport, data)
    except LayoutError as exc:
        raise MerbenchError(f"{report} is not a merbench export report ({exc}); "
                            f"{again}") from None
    listed = held.written
    outside = [p for p in listed if not _inside(p)]
    if outside:
        raise MerbenchError(f"{report} lists '{outside[0]}', which is not a file inside {out}; "
                            f"{again}")
    theirs = (held.layout, held.dataset, held.features)
    if making is not None and theirs != making and not force:
        features = theirs[:2] == making[:2]  # then the features are what differs
        raise MerbenchError(f"--out {out} holds {_export_said(*theirs, features)}, another "
                            f"export than {_export_said(*making, features)}; give another "
                            "--out, or --force to replace it")
    return listed


def _export_said(layout: str, dataset: str, features: list[str], with_features: bool) -> str:
    """An export as one phrase: ``the composite layout of casme2`` (its features named where
    they are what tells two exports apart)."""
    said = f"the {layout} layout of {dataset}"
    return f"{said} (from {', '.join(features)})" if with_features else said


def _every_entry(out: Path) -> list[str]:
    """Every entry under ``out``, relative to it, links not followed (a linked folder is
    named, not entered)."""
    entries = []
    for root, folders, files in os.walk(out):
        folders.sort()
        entries += [str(Path(root, name).relative_to(out)) for name in (*folders, *files)]
    return entries


def _refuse_links(out: Path, relatives: Iterable[str]) -> None:
    """One line for the first symbolic link among ``relatives`` or the folders above them
    inside ``out``: export writes and removes only the regular files of its own folder."""
    for relative in relatives:
        entry = out
        for part in PurePosixPath(relative).parts:
            entry = entry / part
            if entry.is_symlink():
                raise MerbenchError(f"{entry} is {entry_kind(entry)}, which export never "
                                    "writes; remove it or give another --out")
            if not entry.is_dir():
                break


def _inside(relative: str) -> bool:
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts \
        and relative != REPORT


def write(out: Path, files: Mapping[str, bytes], earlier: list[str],
          report: ExportReport) -> list[str]:
    """Write ``files`` (relative path -> bytes) into ``out`` and ``report`` beside them; remove
    the files of ``earlier`` that are not among them. Returns the paths removed.

    ``report``'s ``complete`` and ``written`` are set here, as the writing goes."""
    out.mkdir(parents=True, exist_ok=True)
    # checked again, now that the features are computed: a link made in the meantime is as
    # much a way out of --out as one claim found
    _refuse_links(out, [REPORT, *files, *earlier])
    atomic_write_json(out / REPORT, to_json(replace(report, complete=False,
                                                    written=sorted({*earlier, *files}))))
    for relative, data in files.items():
        path = out / relative
        if not (path.is_file() and read_user_bytes(path, "exported file") == data):  # kept
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    removed = sorted(p for p in set(earlier) - set(files) if (out / p).is_file())
    for relative in removed:
        (out / relative).unlink()
    for folder in sorted({(out / p).parent for p in removed}, key=lambda f: -len(f.parts)):
        _prune(folder, out)
    atomic_write_json(out / REPORT, to_json(replace(report, complete=True,
                                                    written=sorted(files))))
    return removed


def _prune(folder: Path, out: Path) -> None:
    """Remove ``folder`` and its parents up to ``out`` while they are empty."""
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): the parents are not either
            return
        folder = folder.parent
