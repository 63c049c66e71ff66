"""What lies beside a summary over seeds that it does not list: a run of another command, a
copy of one of its own seeds under another name, or a link to one of them; each said as what
it is, with the one fix that works.

Every such run is refused (it would be published beside the summary as if one of its seeds),
and the fix offered must be one that clears it. The ``--seeds`` command adds a run to its
summary only where the run is the seed its folder is named for and no listed run holds that
seed already: offered for ``seed-01`` (or ``seed-2``) holding a copy of ``seed-1``, it ran,
and the same line came back, or was itself refused. So the run's recorded seed is read, as
``validate`` reads it when it names two copies of one seed, and a copy is told to be moved
out; a run under a name not its seed's, to be renamed first. A link among the runs reads as
one more run to some commands and as none to others, so it is refused by every command with
the fix that clears it: remove the link. A run is looked for by every kind's result files,
not the summary's own alone: a finished result of another kind (an emotion run beside a
tuning's seeds) is published beside the summary all the same, and is said as what it is.
"""

from __future__ import annotations

import filecmp
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.folder_walk import link_reason
from merbench.results.foreign_seeds import finished_result, other_kind
from merbench.results.out_folders import seed_folder
from merbench.results.result_files import result_markers, summary_markers
from merbench.results.run_files import ResultRejected
from merbench.results.schema import read_json
from merbench.runner.given_values import MAX_SEED

#: a seed run's folder beside its summary (``seed-N``)
SEED_FOLDER = re.compile(r"^seed-[0-9]+$")
#: how deep below a summary's folder a run it does not list is looked for (a folder of
#: runs such as ``extra/seed-2`` was published beside the summary, unchecked)
UNLISTED_BELOW = 4


def unlisted_run(base: Path, listed: Iterable[str], markers: tuple[str, ...]) -> str | None:
    """The first folder in ``base`` that holds one of ``markers`` (a run) and is not among
    ``listed`` (a run of another ``--seeds`` command, or one added by hand), or None."""
    names = {Path(str(name)).as_posix() for name in listed}
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and entry.name not in names:
            found = _run_below(Path(entry.path), markers, UNLISTED_BELOW)
            if found is not None:  # beside the summary, or in a folder of its own below
                return found.relative_to(base).as_posix()
    return None


def _run_below(folder: Path, markers: tuple[str, ...], levels: int) -> Path | None:
    """``folder`` or the first folder under it (``levels`` deep at most, links not
    followed) that holds one of ``markers``."""
    if any(os.path.lexists(folder / name) for name in markers):
        return folder
    if levels == 0:
        return None
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    for child in children:
        if child.is_dir(follow_symlinks=False):
            found = _run_below(Path(child.path), markers, levels - 1)
            if found is not None:
                return found
    return None


def unlisted_member(result: Path, top: Path) -> str | None:
    """Why the result folder ``result`` (found under ``top``) is no result to publish where
    it lies in a summary's folder (``top`` or below) whose summary does not list it, of
    whatever kind it is, in words after its name; None where none holds it. The summary's
    own check refuses the summary for it; a walk publishing each result on its own (the
    build) must leave it out too, or it is shown as if one of the summary's seeds."""
    for folder in result.parents:
        if folder != top and top not in folder.parents:
            return None
        member = result.relative_to(folder).parts[0]
        for name in summary_markers():
            listed = _listed_folders(folder / name)
            if listed is not None and member not in listed:
                what = finished_result(result) or "a result"
                return (f"is {what}, not a seed run of the {name} beside it, which does not "
                        f"list {member}: move {member} out of {folder.name or folder}")
    return None


def _listed_folders(summary: Path) -> set[str] | None:
    """The folders (first part of each path) the summary file ``summary`` lists as its
    runs; None where it is no readable summary (its own check says why)."""
    if not summary.is_file() or summary.is_symlink():
        return None
    try:
        runs = read_json(summary, "summary over seeds").get("runs")
    except (MerbenchError, OSError, ValueError):
        return None
    if not isinstance(runs, dict):
        return None
    return {Path(str(name)).parts[0] for name in runs.values() if Path(str(name)).parts}


def linked_member(base: Path) -> str | None:
    """The first symbolic link in ``base`` to a folder (or to nothing), said with its fix
    (:func:`~merbench.results.folder_walk.link_reason`: remove it), or None. A link named
    as a result's file is that file's check's to say."""
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if entry.is_symlink() and entry.name not in result_markers() and \
                (entry.is_dir() or not os.path.exists(entry.path)):
            return f"{entry.name} {link_reason(Path(entry.path))}"
    return None


def refuse_unlisted(base: Path, summary_file: str, listed: Mapping[str, str],
                    markers: tuple[str, ...], seed_of: Callable[[Path], int | None],
                    own_file: str | None = None) -> None:
    """:class:`ResultRejected` where ``base`` holds a link to a folder
    (:func:`linked_member`) or a run the summary ``summary_file`` does not list (seed ->
    folder) (:func:`unlisted_run`), of its own kind (``markers``) or any other, said by what
    it is: a finished result of another kind than the one whose result file is
    ``own_file``, or else by what its record says (``seed_of``: the seed a folder's run
    records, None where it cannot be read)."""
    linked = linked_member(base)
    if linked is not None:
        raise ResultRejected(base, linked)
    stray = unlisted_run(base, listed.values(), tuple(dict.fromkeys((*markers,
                                                                    *result_markers()))))
    if not stray:
        return
    other = None if own_file is None else other_kind(base / stray, own_file)
    if other is not None:
        raise ResultRejected(base, f"{stray} is {other}, not a seed run of {summary_file}: "
                                   f"move {stray} out of {base.name or base}")
    raise ResultRejected(base, stray_said(base, stray, summary_file, listed, markers,
                                          seed_of(base / stray)))


def stray_said(base: Path, stray: str, summary_file: str, listed: Mapping[str, str],
               markers: tuple[str, ...], seed: int | None) -> str:
    """What the run ``stray`` of ``base``, not listed by ``summary_file``, is, and the fix
    that clears it, where its recorded ``seed`` (None: not read) is known: a seed a listed
    run holds already (a copy of it, or another run of it) is moved out; one in a folder
    not named for its seed is renamed before the ``--seeds`` command can add it."""
    out = f"move {stray} out of {base.name or base}"
    held = None if seed is None else listed.get(str(seed))
    if seed is not None and held is not None:
        what = f"a copy of {held}" if _same_files(base / stray, base / held, markers) \
            else f"which {held} holds for {summary_file} already"
        return f"{stray} holds seed {seed}, {what}: {out}"
    if seed is not None and stray != seed_folder(seed):
        named = seed_folder(seed)
        rename = "" if os.path.lexists(base / named) or seed > MAX_SEED else (
            f", or, where it is a seed of this configuration, rename it {named} and "
            f"{_every_seed(seed, listed, summary_file)}")
        return f"{stray} holds seed {seed}, not the seed its folder's name says, and " \
               f"{summary_file} does not list it: {out}{rename}"
    adding = _adding(stray, listed, summary_file)
    return (f"holds {stray}, a run {summary_file} does not list: it would be published "
            f"beside the summary as if one of its seeds; {out}"
            f"{'' if adding is None else f', or, {adding}'}")


def _same_files(one: Path, other: Path, markers: tuple[str, ...]) -> bool:
    """Whether the runs ``one`` and ``other`` hold the same ``markers``, byte for byte (a
    copy, where a run of the same seed trained again differs in its record)."""
    try:
        return all(filecmp.cmp(one / name, other / name, shallow=False) for name in markers
                   if os.path.lexists(one / name) or os.path.lexists(other / name))
    except OSError:
        return False


def _adding(stray: str, listed: Mapping[str, str], summary_file: str) -> str | None:
    """The command that adds the unlisted run ``stray`` to the summary, in words, or None
    where none can: a seed run's folder is added by the ``--seeds`` command given every
    seed there, which takes the finished ones as they are; "that command again" was refused
    where the command that stopped did not name every seed. A folder named for a seed out
    of range is no seed any command writes."""
    if not SEED_FOLDER.match(stray) or not all(str(seed).isdigit() for seed in listed):
        return ("where a --seeds command with its seed stopped before writing the summary, "
                "run that command again")
    seed = int(stray.removeprefix("seed-"))
    if seed > MAX_SEED:
        return None
    return f"where it is a seed of this configuration, {_every_seed(seed, listed, summary_file)}"


def _every_seed(seed: int, listed: Mapping[str, str], summary_file: str) -> str:
    """The ``--seeds`` command that adds ``seed``'s run, in its ``seed-N`` folder, to the
    summary ``summary_file`` listing ``listed``, in words."""
    seeds = sorted({int(listed_seed) for listed_seed in listed if listed_seed.isdigit()}
                   | {seed})
    return (f"run its --seeds command with every seed there (--seeds "
            f"{','.join(map(str, seeds))}), which adds it to {summary_file}")

