"""What a built site is made of, so that the next build into its folder replaces only that.

A site's folder is replaced whole by the next build (:mod:`merbench.leaderboard.site_swap`),
which is safe only while the folder holds nothing but the earlier build's own files. It was
known by its marker alone, so a notes file, a folder or a whole finished run a user put in
the site since was deleted without a word by the next build (pass 84aa, AA10). The marker
now lists every file the build wrote; the next build refuses, naming them, any entry that
is not among them (and says which is a merbench result), before it does any work. A site
built before the list was kept has a marker without one: what that build wrote is then
taken to be what this build writes, checked once the new site is rendered, so a file the
new build does not write is refused rather than guessed to be the old build's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.folder_walk import holds_marker
from merbench.results.result_files import RUN_FILE, SITE_MARKER, result_markers
from merbench.results.user_files import read_written_json

_NOTE = ("Built by merbench leaderboard build; the next build replaces the files listed "
         "here, and refuses to replace a folder holding any other.")

#: how many foreign entries a refusal names before it counts the rest
_NAMED = 5


def written_files(site: Path) -> list[str]:
    """Every file and folder under ``site`` but its marker, as paths relative to it
    ('/'-separated), a folder's with a trailing '/' (a build writes empty ones too)."""
    written: list[str] = []
    for root, folders, names in os.walk(site):
        for name in folders:
            written.append(Path(root, name).relative_to(site).as_posix() + "/")
        for name in names:
            path = Path(root, name).relative_to(site).as_posix()
            if path != SITE_MARKER:
                written.append(path)
    return sorted(written)


def write_record(site: Path) -> None:
    """Mark ``site`` as a folder merbench built, listing every file and folder in it (written
    last, once every page is)."""
    record = {"note": _NOTE, "files": written_files(site)}
    (site / SITE_MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def recorded_files(site: Path) -> list[str] | None:
    """The files the build that made ``site`` wrote, as its marker lists them; None where
    the marker lists none (a site built before merbench kept the list, or a marker that is
    no longer the one it wrote)."""
    try:  # a fifo or a folder in its place is no list either (bounded, never blocking)
        record = read_written_json(site / SITE_MARKER, "site's record")
    except (OSError, ValueError, MerbenchError):
        return None
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return files


def foreign_entries(site: Path, files: list[str]) -> list[str]:
    """The entries in ``site`` that are neither among ``files`` (a folder's ending in '/')
    nor a folder holding one of them, each named relative to ``site``, a folder with a
    trailing '/' (and not looked into)."""
    own = {name for name in files if not name.endswith("/")}
    folders = {name.rstrip("/") for name in files if name.endswith("/")} | {
        parent.as_posix() for name in files for parent in Path(name).parents}
    foreign: list[str] = []
    waiting = [Path(".")]
    while waiting:
        folder = waiting.pop()
        try:
            with os.scandir(site / folder) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable: its entries cannot be replaced either
        for entry in entries:
            relative = (folder / entry.name).as_posix()
            if relative == SITE_MARKER:
                continue
            if entry.is_dir(follow_symlinks=False):
                if relative in folders:
                    waiting.append(folder / entry.name)
                else:
                    foreign.append(f"{relative}/")
            elif relative not in own:
                foreign.append(relative)
    return sorted(foreign)


def _named(site: Path, entry: str) -> str:
    """``entry`` as a refusal names it, with what it is where it is a merbench result."""
    path = site / entry
    if path.is_dir() and not path.is_symlink() and \
            holds_marker(path, (*result_markers(), RUN_FILE)):
        return f"{entry} (a merbench result)"
    return entry


def refuse_foreign(out: Path, files: list[str], *, older: bool = False) -> None:
    """Refuse ``out``, a site merbench built, where it holds entries not among ``files``
    (what the earlier build wrote; ``older``: what this build writes, the earlier build's
    marker listing nothing), naming them."""
    foreign = foreign_entries(out, files)
    if not foreign:
        return
    named = ", ".join(_named(out, entry) for entry in foreign[:_NAMED])
    if foreign[_NAMED:]:
        named += f" and {len(foreign) - _NAMED:,} more"
    if older:
        raise MerbenchError(f"--out {out} holds files this build does not write ({named}), "
                            "which it would delete (an older merbench built the site and "
                            "kept no list of its files): move them out, or choose a new "
                            "folder")
    raise MerbenchError(f"--out {out} holds files its earlier build did not write ({named}), "
                        "which this build would delete: move them out, or choose a new "
                        "folder")
