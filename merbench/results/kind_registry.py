"""The kinds of result that live in homes of their own, as the shared layers know them: by
registration, never by import.

A kind's home is one package holding its record, checks, audit, page, export and kind object
(``merbench/tuning/`` for tunings, ``merbench/spotting_kind/`` for spotting runs, whose
records sit below the runner that writes them, in ``merbench/spotting/``, and
``merbench/au_kind/`` for action-unit runs, whose records are still this package's). It
stands above the layers every kind shares (this package's files and codec, ``verification``, the
leaderboard's walk and site), which must still find, migrate, list and page its results.
Importing the kind from below would tie each shared layer to every kind and put the folders
in a loop; instead each home registers what those layers need when it is imported (its
:class:`KindFiles` here, its kind object with :func:`merbench.kinds.register_kinds`, its
leaderboard section with :func:`merbench.leaderboard.kind_tables.register_section`), and
every question about the registered kinds first imports the homes :data:`HOMES` names, so no
answer depends on what a caller happened to import before asking. A new kind is its package
and one line in :data:`HOMES`, as a plugin is its package and one entry point.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: the module of each of merbench's own kinds' homes that registers the kind when imported,
#: in the order the kinds are recognised and listed (after the kinds not yet in homes)
HOMES: tuple[str, ...] = ("merbench.au_kind.registration",
                         "merbench.spotting_kind.registration",
                         "merbench.tuning.registration")


@dataclass(frozen=True)
class KindFiles:
    """What the shared layers must know of a kind's files, without reading the kind's code.

    ``markers``: the files that make a folder one of its results (the first its result
    file); ``summaries``: those that are summaries over seeds, whose folder of seed results
    the walk goes into; ``whole``: those whose folder is the kind's alone, walked no deeper
    (a tuning's trials are its own, never runs of their own); ``under_way``: (the file it
    writes first, its result file), a folder with the first and not the second being a
    result not finished yet; ``migrations``: each file name whose layout ``merbench
    migrate`` upgrades, with its upgrade (True where it rewrote the file); ``json_files``:
    its other JSON files, which ``migrate`` reads without rewriting (refusing one it cannot
    read, rather than calling its folder current); ``layouts``: of those, each whose layout
    ``migrate`` checks, with the kind's reader of it (which refuses one in any other layout,
    in validate's words), before anything is rewritten; ``called``: what one of its results
    (its first marker) is called in messages, its :mod:`~merbench.results.kind_names`
    constant ("" where it is not said)."""

    name: str
    markers: tuple[str, ...]
    summaries: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()
    under_way: tuple[str, str] | None = None
    migrations: Mapping[str, Callable[[Path], bool]] = field(default_factory=dict)
    json_files: tuple[str, ...] = ()
    layouts: Mapping[str, Callable[[Path], object]] = field(default_factory=dict)
    called: str = ""


_registered: list[KindFiles] = []
_homes_imported = False
#: why a result's folder is refused whole, before any kind reads it (:func:`folder_refused`)
_refusals: list[Callable[[Path], str | None]] = []
#: why a link in a result's folder is that result's fault (:func:`link_refused`)
_link_refusals: list[Callable[[Path], str | None]] = []


def register_files(files: KindFiles) -> None:
    """Make ``files`` known to the shared layers (a kind's home calls it when imported)."""
    if any(known.name == files.name for known in _registered):
        return  # a home imported again (a reload): its kind is known already
    _registered.append(files)


def import_kind_homes() -> None:
    """Import every home :data:`HOMES` names, once, so each has registered its kind."""
    global _homes_imported
    if _homes_imported:
        return
    for home in HOMES:
        importlib.import_module(home)
    _homes_imported = True


def register_folder_refusal(refusal: Callable[[Path], str | None]) -> None:
    """Make ``refusal`` (why a folder is no result of any kind, or None) known to the walk
    for results: :mod:`merbench.kinds`, which tells the kinds apart above this layer and
    the leaderboard's, registers its rule for a folder holding two kinds' result files
    when imported (every home imports it)."""
    if refusal not in _refusals:
        _refusals.append(refusal)


def folder_refused(folder: Path) -> str | None:
    """Why the result folder ``folder`` is refused whole by every command (its kinds'
    rule, :func:`register_folder_refusal`), or None."""
    import_kind_homes()
    return next((reason for refusal in _refusals if (reason := refusal(folder)) is not None),
                None)


def register_link_refusal(refusal: Callable[[Path], str | None]) -> None:
    """Make ``refusal`` known to the walk for results: why a link the walk meets is the
    fault of the result whose folder holds it (said after that folder's name), or None
    where it is refused as a link in a folder of results. :mod:`merbench.kinds` registers
    its rule for an unfinished run's own folder linked elsewhere (its ``folds``)."""
    if refusal not in _link_refusals:
        _link_refusals.append(refusal)


def link_refused(link: Path) -> str | None:
    """Why the folder holding ``link`` is refused for it (:func:`register_link_refusal`),
    after the folder's name; or None."""
    import_kind_homes()
    return next((reason for refusal in _link_refusals if (reason := refusal(link)) is not None),
                None)


def registered_files() -> tuple[KindFiles, ...]:
    """Every kind's files its home registered, in :data:`HOMES`' order."""
    import_kind_homes()
    return tuple(_registered)


__all__ = [
    "HOMES",
    "KindFiles",
    "folder_refused",
    "import_kind_homes",
    "link_refused",
    "register_files",
    "register_folder_refusal",
    "register_link_refusal",
    "registered_files",
]
