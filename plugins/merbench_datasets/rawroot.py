"""Where a raw database and its coding sheet are: ``--data-root``, ``MERBENCH_DATA_DIR``.

As for the composite: ``data_root`` may be the database folder itself or a folder holding it
(under one of a few usual names); without it, ``$MERBENCH_DATA_DIR`` is such a holding folder.
There is no built-in location: the databases are licensed and every user keeps them
elsewhere, so when nothing is found the error names every folder looked at and where to
request the database. That paragraph (the composite's is some 700 characters: three owners'
pages and the release) is said once per process (:func:`told`); a later error names where it
is documented instead, so a session of attempts is not the same paragraph again and again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from merbench.api import (
    MerbenchError,
    check_user_file,
    folder_from_env,
    loop_said,
    option_path,
    path_kind,
)

DATA_ENV = "MERBENCH_DATA_DIR"
RAW_POINTER = ("pass its folder with --data-root PATH (where to request it under its licence, "
               "and the layout: docs/raw-databases.md)")
_TOLD: set[str] = set()  # the how-to-get paragraphs this process has said


def told(how_to_get: str, pointer: str = RAW_POINTER) -> str:
    """``how_to_get`` the first time this process says it, ``pointer`` (the fix, and where
    the whole paragraph is documented) every later time."""
    if how_to_get in _TOLD:
        return pointer
    _TOLD.add(how_to_get)
    return how_to_get


def forget_told() -> None:
    """Say every paragraph in full again (a test that reads one)."""
    _TOLD.clear()


def candidate_folders(dataset: str, data_root: str | os.PathLike[str] | None,
                      folder_names: Sequence[str], what: str, how_to_get: str,
                      pointer: str = RAW_POINTER) -> tuple[Path, str, list[Path]]:
    """Where a dataset's folder may be, in the order to look: ``data_root`` itself, then its
    sub-folders ``folder_names``; without it, ``$MERBENCH_DATA_DIR``'s sub-folders, then that
    folder. Returns (the base folder, where it came from, the candidates). With neither, the
    error says ``how_to_get`` (once a process; then ``pointer``)."""
    if data_root is not None:
        if not str(data_root).strip():
            raise MerbenchError(f"{dataset}: data_root is empty; give the {what} folder or a "
                                "folder holding it")
        base = Path(data_root).expanduser().absolute()
        return base, "--data-root", [base, *(base / name for name in folder_names)]
    try:  # blank, or no folder can be there: said of the variable, as the cache's is
        env = folder_from_env(DATA_ENV, "and give --data-root PATH")
    except MerbenchError as exc:
        raise MerbenchError(f"{dataset}: {exc}") from None
    if env is None:  # set to '' is taken as unset, as MERBENCH_CACHE_DIR's, and said so
        unset = "is set but empty" if os.environ.get(DATA_ENV) == "" else "is not set"
        raise MerbenchError(f"{dataset}: no data location: no --data-root was given and "
                            f"{DATA_ENV} {unset}; {told(how_to_get, pointer)}")
    base = env.absolute()
    return base, DATA_ENV, [*(base / name for name in folder_names), base]


def where_looked(base: Path, origin: str, candidates: Sequence[Path], joiner: str = ", ",
                 looked_for: str = "") -> str:
    """Where a not-found error looked (``looked_for``: "for FILE "), as a clause: the
    candidate folders, or, when the data folder itself is missing or a file, that alone
    (every candidate is inside it, so listing them named the missing folder three times)."""
    if not base.is_dir():
        state = f"is {path_kind(base)}, not a folder" if base.exists() else \
            loop_said(base) or "does not exist"  # a loop fails every test as if missing
        return f"'{base}' (from {origin}) {state}"
    looked = joiner.join(f"'{folder}'" for folder in candidates)
    return f"looked {looked_for}in {looked} (from {origin})"


def first_database(candidates: Sequence[Path],
                   is_database: Callable[[Path], bool]) -> Path | None:
    """The first of ``candidates`` (:func:`candidate_folders`) that ``is_database``
    accepts, or None: one search, whether its caller refuses as the database's own dataset
    or as a dataset composed of several databases."""
    return next((folder for folder in candidates if folder.is_dir() and is_database(folder)),
                None)


def find_database(dataset: str, data_root: str | os.PathLike[str] | None,
                  folder_names: Sequence[str], is_database: Callable[[Path], bool],
                  what: str, how_to_get: str) -> Path:
    """The first candidate folder that ``is_database`` accepts (see the module doc)."""
    base, origin, candidates = candidate_folders(dataset, data_root, folder_names, what,
                                                 how_to_get)
    found = first_database(candidates, is_database)
    if found is not None:
        return found
    raise MerbenchError(f"{dataset}: no {what} found: "
                        f"{where_looked(base, origin, candidates)}; {told(how_to_get)}")


def newest_sheet(folder: Path, patterns: Sequence[str]) -> Path | None:
    """The last by name (the newest of dated names such as CASME2-coding-2019...) of the
    first pattern that matches in ``folder``, folders passed over: a folder named like a
    newer sheet hid the real file beside it. Any other kind of file (a fifo) is still
    taken, for the reader to refuse as what it is."""
    for pattern in patterns:
        matches = sorted(p for p in folder.glob(pattern) if not p.is_dir())
        if matches:
            return matches[-1]
    return None


def find_sheet(dataset: str, given: str | os.PathLike[str] | None, folders: Sequence[Path],
               patterns: Sequence[str], what: str, option: str = "sheet",
               missing: str | None = None) -> Path:
    """The coding sheet: the option's path, else :func:`newest_sheet` of the first of
    ``folders`` that has one (the database folder first). Every sheet option (``sheet=``,
    SMIC's ``apex_sheet=``, ``emotion_sheet=``) is read here, so an empty value, a fifo or a
    folder is said as what it is for each; ``missing`` is the fix when the path is not there
    (default: give the path of ``what``)."""
    if given is not None:  # sheet=5, sheet=: said as such, not Path's TypeError or '.'
        path = option_path(given, dataset, f"--dataset-opt {option}", f"the {what}").absolute()
        if not path.is_file():
            if os.path.lexists(path):  # a fifo, a folder: said as what it is
                check_user_file(path, what)
            raise MerbenchError(f"{dataset}: the sheet '{path}' (--dataset-opt {option}=...) "
                                f"does not exist; {missing or f'give the path of the {what}'}")
        return path
    for folder in folders:
        found = newest_sheet(folder, patterns)
        if found is not None:
            return found
    looked = ", ".join(f"'{folder}'" for folder in dict.fromkeys(folders))
    raise MerbenchError(f"{dataset}: no {what} ({' or '.join(patterns)}) in {looked}; it comes "
                        f"with the database: put it in the database folder or pass "
                        f"--dataset-opt {option}=PATH")


def one_folder_each(dataset: str, folders: Iterable[Path], read: Callable[[str], str | None],
                    what: str) -> None:
    """Refuse two of ``folders`` whose names ``read`` (the database's own reading of a
    folder name: SMIC's ``s1``, ``s01``, ``S1`` and ``s001`` are all subject ``s01``) turns
    into one ``what``, naming both. A database that finds its subjects, videos or clips by
    listing its tree keeps one folder per name it reads, so the other was left out without
    a word, and which one was read depended on the order of the listing (pass 84w, W22).
    A name ``read`` gives None for is no such folder and is not compared."""
    seen: dict[str, Path] = {}
    for folder in folders:
        name = read(folder.name)
        if name is None:
            continue
        if name in seen:
            raise MerbenchError(f"{dataset}: the folders '{seen[name]}' and '{folder}' both "
                                f"name the {what} {name}; keep one of them (move or rename "
                                "the other)")
        seen[name] = folder
