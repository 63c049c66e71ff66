"""What a run's ``folds/`` entry and the names in it say, judged once for every reader.

``merbench status``, ``validate``, ``show`` and ``run --resume`` each look at a run's
finished folds, and each once judged its folder alone: a ``folds`` that is a file was "0/6
folds ... run the same command to go on" for status and an OS error for the resumed run; a
stray ``fold-3.npz`` beside ``fold-003.npz`` was a seventh fold for status ("7/6 folds") and
nothing at all for validate; a ``fold-009.npz`` beyond six folds was trained past by the
resumed run into a result validate rejects (pass 84w, W13 to W16). Here is the one judgement
of each such entry, with its fix, that all of them say in the same words.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from merbench.base.file_kinds import entry_words
from merbench.results.fold_file import fold_arrays
from merbench.results.go_on import GO_ON, RESUME
from merbench.results.kind_registry import registered_files
from merbench.results.result_files import AUDIT_FILE
from merbench.results.safe_files import (
    TABLES,
    UnsafeFile,
    check_entry,
    check_table,
    never_read,
    writer_of,
)

#: the folder of a run's finished folds (``RunDirectory.folds_dir``)
FOLDS = "folds"

_NUMBERED = re.compile(r"fold-(\d+)\.npz")


def fold_number(name: str) -> int | None:
    """The fold a fold file's ``name`` is of, where it is a name merbench writes
    (``fold-003.npz``, ``fold-1000.npz``); None for any other (``fold-3.npz``)."""
    found = _NUMBERED.fullmatch(name)
    if found is None:
        return None
    number = int(found.group(1))
    return number if name == f"fold-{number:03d}.npz" else None


def fold_numbers(folds_dir: Path) -> list[int]:
    """The folds of the fold files in ``folds_dir`` named as merbench names one, sorted
    (none where it is no folder): each reader's count and its "beyond the folds" test."""
    if not folds_dir.is_dir():
        return []
    return sorted(number for path in folds_dir.glob("fold-*.npz")
                  if (number := fold_number(path.name)) is not None)


def stray_names(folds_dir: Path) -> list[str]:
    """The entries of ``folds_dir`` that look like fold files (``fold-*.npz``) but are not
    named as merbench names one, sorted."""
    if not folds_dir.is_dir():
        return []
    return sorted(path.name for path in folds_dir.glob("fold-*.npz")
                  if fold_number(path.name) is None)


def stray_line(shown: str) -> str:
    """What every reader says of a stray fold file name ``shown`` (``folds/fold-3.npz``)."""
    return (f"{shown} is not a name merbench gives a fold file (fold-NNN.npz), so it is no "
            f"fold of this run; move it out of the run's {FOLDS} folder")


def stray_problem(folds_dir: Path) -> str | None:
    """What validate and show say of the first stray name in a run's ``folds_dir``, or None:
    an emotion run's and an action-unit run's alike (the AU run's check once read only the
    numbered files, and passed a ``fold-2.npz`` that status called refused, pass 84x X5)."""
    stray = stray_names(folds_dir)
    return stray_line(f"{FOLDS}/{stray[0]}") if stray else None


def not_a_folder_line(run_dir: Path, shown: str, finished: bool = False) -> str | None:
    """What every reader says where the run's ``folds`` entry is there but no folder
    (``shown``: how the reader names it), or None. Of a ``finished`` run (its results file
    written) it is validate's refusal: its fold files are what validation reads, so they are
    put back; running again would train them anew and write other results (status said to,
    validate to put the folder back, pass 84x X6)."""
    path = run_dir / FOLDS
    if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
        return None
    if finished:
        try:
            check_entry(path, run_dir, folder=True)
        except UnsafeFile as exc:
            return f"{shown}{exc.found.removeprefix(FOLDS)}; {exc.fix}"
    # a link's folds are kept: the folder itself is the fix, never removing them (X8)
    fix = ("put the folder itself in its place (its finished folds are kept)"
           if path.is_symlink() else "remove it")
    return (f"{shown} is {entry_words(path)}, not the run's folder of finished folds; "
            f"{fix}, then {GO_ON}")


def real_folds(run_dir: Path) -> list[Path]:
    """The run's ``folds`` folder where it is one of its own, or nothing: no fold is
    counted through a link (status once said 6/6 of a link it called never read, X8)."""
    path = run_dir / FOLDS
    return [path] if path.is_dir() and not path.is_symlink() else []


def misplaced_line(shown: str, held: int, number: int, beyond: str | None = None) -> str:
    """What every reader says of a fold file ``shown`` whose metadata says it holds fold
    ``held`` where its name says fold ``number`` (a copy of another fold's file). A fold
    file ``beyond`` the recorded folds (:func:`beyond_line`) is named in the same line,
    before the run is run again: said after the copy was deleted, it cost a second round
    of fixes (pass 84z Z2, 84aa)."""
    found = (f"{shown} holds fold {held}'s samples, not fold {number}'s (a copy or a "
             "renamed file of another fold); delete it")
    if beyond is None:
        return f"{found}, then {RESUME} to retrain that fold"
    return f"{found}; and {beyond}; then {RESUME} to retrain that fold"


def copy_lines(copies: list[tuple[str, int, int]], recorded: int | None,
               finished: set[int], has_results: bool) -> list[str]:
    """What status says of each copied fold file (its name as ``folds/fold-NNN.npz``, the
    fold it holds, the fold its name says), the first naming the first ``finished`` fold
    file beyond the ``recorded`` folds too, as the resumed run refuses them together."""
    beyond = sorted(n for n in finished if recorded is not None and n >= recorded)
    also = None if not beyond or recorded is None else beyond_line(
        recorded, f"{FOLDS}/fold-{beyond[0]:03d}.npz", has_results)
    return [misplaced_line(*copy, also if not at else None)
            for at, copy in enumerate(copies)]


def beyond_line(recorded: int, shown: str, has_results: bool,
                run_file: str = "run.json") -> str:
    """What every reader says of a fold file ``shown`` beyond the ``recorded`` folds of
    ``run_file`` (where the results file does not count others); beside a results file the
    fold may be one it lists, so deleting it is never offered there."""
    one = recorded == 1
    other = "" if has_results else f", or delete {shown} if it is another run's"
    return (f"{run_file} says {recorded} fold{'' if one else 's'} but {shown} is beyond "
            f"{'it' if one else 'them'} ('merbench validate' refuses it): restore run.json "
            f"from a copy of the run{other}")


def folder_problem(run_dir: Path, recorded: int | None, shown: str,
                   this_run: str | None = None) -> str | None:
    """The first fault of ``run_dir``'s fold folder a resumed run refuses before training
    (its folds are kept), in the words above, or None. ``shown`` names the run folder
    (the resumed run says the whole path); ``this_run``: the run identity digest its own
    fold files carry."""
    # the emotion run's result file, or a kind's in a home (an action-unit run's), by its
    # registration: a shared layer names no kind's file
    results = ("results.json", *(files.markers[0] for files in registered_files()))
    has_results = any((run_dir / name).exists() for name in results)
    said = not_a_folder_line(run_dir, f"{shown}/{FOLDS}", finished=has_results)
    if said is not None:
        return said
    folds_dir = run_dir / FOLDS
    stray = stray_names(folds_dir)
    if stray:
        return stray_line(f"{shown}/{FOLDS}/{stray[0]}")
    if not folds_dir.is_dir():
        return None
    # a folder fold-007.npz is said as status says it, not as a fold beyond run.json (X7)
    folders = sorted(path.name for path in folds_dir.glob("fold-*.npz") if path.is_dir())
    if folders:
        return never_read(f"{shown}/{FOLDS}/{folders[0]} is a folder", writer_of(folders[0]))
    if recorded is None:
        return None
    beyond = [number for number in fold_numbers(folds_dir) if number >= recorded]
    if not beyond:
        return None
    said = beyond_line(recorded, f"{shown}/{FOLDS}/fold-{beyond[0]:03d}.npz", has_results,
                       f"{shown}/run.json")
    copy = first_copy(folds_dir, recorded, this_run)  # said first, as status says it (X7)
    if copy is not None:  # with the file beyond, for one round of fixes (Z2)
        return misplaced_line(f"{shown}/{FOLDS}/fold-{copy[1]:03d}.npz", *copy, said)
    return said


def first_copy(folds_dir: Path, recorded: int, this_run: str | None) -> tuple[int, int] | None:
    """(the fold it holds, the fold its name says) of the first fold file within the
    ``recorded`` folds that holds another fold's samples (a copy), or None: a file of
    another run (its digest not ``this_run``) or one that cannot be read is said otherwise,
    as status says them. Status names such a copy before a fold file beyond the folds, as
    validate does; the resumed run named the file beyond first (pass 84x X7)."""
    for number in fold_numbers(folds_dir):
        if number >= recorded:
            break
        try:
            meta = fold_arrays(folds_dir / f"fold-{number:03d}.npz")[1]
        except Exception:  # damaged: the resumed run names it as it loads the folds
            continue
        if not isinstance(meta, dict) or meta.get("run_sha256") not in (None, this_run):
            continue
        if isinstance(held := meta.get("index"), int) and held != number:
            return held, number
    return None


def written_folder(not_files: tuple[str, ...], run_dir: Path
                   ) -> tuple[str | None, tuple[str, ...]]:
    """What status says of a written run's first entry under ``folds/`` that is no file (a
    folder ``fold-007.npz``), or in a predictions table's place, with validate's refusal,
    and the other entries: it was "stopped ... to go on" while validate and show refused
    the result (pass 84x X6, 84z Z11). Beside the run's audits a table's fix is validate's
    own (:func:`check_table`): status said to move the audits out, validate to remove the
    table, and the same command refused what validate said (pass 84aa, Z11)."""
    for found in not_files:
        name = found.split(" ")[0]
        if not (found.startswith(f"{FOLDS}/") or name in TABLES):
            continue
        said = never_read(found, writer_of(name))
        if name in TABLES and os.path.lexists(run_dir / AUDIT_FILE):
            try:
                check_table(run_dir / name, run_dir)
            except UnsafeFile as exc:  # in validate's words, with its fix
                said = str(exc)
        return (f"{said} ('merbench validate' refuses it)",
                tuple(other for other in not_files if other != found))
    return None, not_files


def refuse_written_entry(run_dir: Path, name: str) -> None:
    """Refuse, before a run is summarised or its audits voided, its table ``name`` when a
    folder, a fifo or a link to no file stands in its place, in the words validate says it
    with: writing over it failed on it in the OS's words, after the summary's work, and an
    audited run was refused for its audits, with another fix (pass 84z, 84aa, Z11).

    Its one home is the opening of a run (:func:`merbench.runner.execute.open_run`), before
    the audits' own refusal and before any fold is trained: every run that is summarised was
    opened so, its folder held from then until its results are written, and a table refused
    after the training would make the user wait through it for a line they could have had
    at once."""
    target = run_dir / name
    if os.path.lexists(target) and not target.is_file():
        try:
            check_table(target, run_dir)
        except UnsafeFile as exc:
            raise UnsafeFile(f"{run_dir}: {exc}") from None
