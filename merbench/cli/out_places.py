"""Where a command may write: never inside another result's folder or another command's
output folder (predict's, export's), nor over a result of another kind.

A result's folder holds its own files and nothing else (``validate`` rejects a folder with
a stranger in it, and a site or a table written into ``folds/`` or ``videos/`` made the
result fail); a run written into a tuning, a site into a run, a spotting run into a
seeds folder each broke the result they landed in, though every command checked its own
``--out``. One check for every command that writes, asked with the files of the results the
command itself writes there (``run --out`` names a run to go on with).

A folder is a result's when it holds one of the files a result starts or ends with, told by
name only: ``merbench run`` asks this on a GPU machine whose image lacks the libraries the
kinds' checks need (:mod:`merbench.kinds` verifies audits' signatures), and nothing here is
read.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from merbench.au.record import AU_RESULTS_FILE, AU_SEEDS_FILE
from merbench.base.cache_env import CACHE_ENV, cache_dir_from_env, default_cache_dir
from merbench.base.errors import MerbenchError
from merbench.base.terminal import path_shown
from merbench.kinds import refuse_stray_files
from merbench.results.command_outputs import command_folder
from merbench.results.folder_walk import FOLDERS_LOOKED_INTO, RESULTS_BELOW
from merbench.results.foreign_seeds import runs_among_seeds
from merbench.results.out_folders import (
    entry_in_the_way,
    is_system_folder,
    refuse_read_place,
    refuse_system_place,
    refuse_unwritable_shape,
    written_place,
)
from merbench.results.result_files import RESULTS_FILE, SEEDS_FILE, SITE_MARKER
from merbench.results.rundir import RUN_FILE
from merbench.results.safe_files import entry_kind, refuse_borrowed, refuse_special_target
from merbench.spotting.record import SPOTTING_FILE, SPOTTING_RUN_FILE
from merbench.spotting.str_record import STR_FILE
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE
from merbench.tuning.record import TUNE_FILE, TUNING_SPEC_FILE

#: the files of a run (emotion or action units), which ``run`` goes on with in its folder
RUNS = (RUN_FILE, RESULTS_FILE, AU_RESULTS_FILE)
#: a ``--seeds`` folder's summaries, which ``run --seeds`` writes again in its folder
SUMMARIES = (SEEDS_FILE, AU_SEEDS_FILE)
SPOTTING = (SPOTTING_RUN_FILE, SPOTTING_FILE, STR_FILE)
TUNING = (TUNING_SPEC_FILE, TUNE_FILE)
#: a ``spot --seeds`` folder's summary of its seeds' spotting runs
STR_SUMMARY = (STR_SEEDS_FILE,)
_OF_A_RESULT = (*RUNS, *SUMMARIES, *SPOTTING, *TUNING, *STR_SUMMARY)
#: a seed run's folder in a summary over seeds: the one place a result lies in another
_SEED_RUN = re.compile(r"^seed-\d+$")


#: how a ``--seeds`` folder whose summary is not written yet (stopped between seeds) is
#: told: by a seed run in it
SEED_RUNS = f"seed-N/{RUN_FILE}"


def _result_files(folder: Path) -> list[str]:
    """The files of a result that ``folder`` holds (none: it is no result's folder)."""
    if not folder.is_dir():
        return []
    held = [name for name in _OF_A_RESULT if os.path.lexists(folder / name)]
    try:
        if any(_SEED_RUN.match(entry.name) and os.path.lexists(entry / RUN_FILE)
               for entry in folder.iterdir()):
            held.append(SEED_RUNS)
    except OSError:  # a folder that cannot be listed holds no result merbench could see
        pass
    return held


def result_below(folder: Path, levels: int = RESULTS_BELOW) -> Path | None:
    """The first result's folder (a run, a ``--seeds`` folder, a tuning) below ``folder``,
    as ``--results`` finds one: breadth first, at most ``levels`` levels down, never
    through a symbolic link. None where there is none, and where ``folder`` is the home
    folder, a system folder or has more folders than a walk of results looks into: each of
    these is no folder of results (``validate`` and the build refuse to walk it)."""
    if not Path(folder).is_dir() or is_system_folder(Path(folder)):
        return None
    waiting, looked = deque([(Path(folder), 0)]), 0
    while waiting:
        current, depth = waiting.popleft()
        looked += 1
        if looked > FOLDERS_LOOKED_INTO:
            return None
        try:
            with os.scandir(current) as entries:
                below = sorted(Path(e.path) for e in entries
                               if e.is_dir(follow_symlinks=False))
        except OSError:  # a folder that cannot be listed holds no result merbench could see
            continue
        for entry in below:
            if _result_files(entry):
                return entry
            if depth + 1 < levels:
                waiting.append((entry, depth + 1))
    return None


def result_holding(path: Path) -> Path | None:
    """The result's folder ``path`` lies in (the nearest folder above it holding a result's
    files, as written, '..' taken away, and as reached through links), or None."""
    absolute = Path(os.path.normpath(Path(path).absolute()))
    real = Path(os.path.realpath(path))
    for parent in dict.fromkeys([*absolute.parents, *real.parents]):
        if _result_files(parent):
            return parent
    return None


def refuse_result_place(out: Path, option: str, *, own: tuple[str, ...] = (),
                        what: str = "folder", link_ok: bool = False,
                        in_summary: tuple[str, ...] = (), seed: int | None = None,
                        example: str = "runs/NAME") -> None:
    """Refuse ``out`` (given as ``option``) where it lies inside a result's folder or
    another command's output folder (:func:`_refuse_command_folder`), or holds a result's
    files other than ``own`` (those of the results the command writes or goes on
    with there); a run that is there already (a seed run of a --seeds folder among them) is
    gone on with where it is, when ``own`` names a run's files. ``link_ok``: ``out`` may
    be a symbolic link (a site published through one); a result written through one would
    be refused as a link by ``validate``, so a command writing a result refuses it.
    ``in_summary``: the summaries whose folder ``out`` may lie in directly, as one of its
    ``seed-N`` folders (``spot --seeds``). ``seed``: the seed of the one run written (``run
    --seed N``), which may be a new ``seed-N`` folder of a --seeds folder, as ``--seeds``
    lays it out: a later seed of a job beside its ``seed-0`` (a GPU window's plan), or a
    seed added to a finished folder before its summary is written again (the way
    ``leaderboards/results/README.md`` gives); under another seed's name it is refused.
    ``example``: a path of the kind asked for, which a path no file system holds is told
    to give instead."""
    given = Path(out)
    refuse_unwritable_shape(given, option, example, noun=what)  # before anything looks at it
    if what == "folder" and own:  # ``out`` is itself a result's folder (a run, a spotting)
        refuse_cache_in_out(given, option)
    refuse_out_in_cache(given, option, what)
    out = written_place(given)
    if out.is_symlink() and not link_ok:
        raise MerbenchError(f"{option} {given} is a symbolic link (to {os.readlink(out)}); give "
                            f"the {what} itself")
    if RUN_FILE in own and out.is_dir():  # a run goes on there: from a run.json of its own
        refuse_borrowed(given, RUN_FILE, option)
    others = [name for name in _result_files(out) if name not in own]
    if others == [SEED_RUNS] and (among := runs_among_seeds(out)) is not None:
        raise MerbenchError(f"{option} {given} {among}")  # only the foreign seeds (84af, AF8)
    if others:
        raise MerbenchError(f"{option} {given} is the folder of a merbench result (it holds "
                            f"{others[0]}), whose files are its own; give a new {what}")
    # a run that is there already, in a --seeds folder or beside seed runs, is gone on with
    # where it is; inside any other result it is no run of its own (a run.json copied there)
    existing = bool(set(own) & set(RUNS)) and os.path.lexists(out / RUN_FILE)
    absolute = out.absolute()
    real = Path(os.path.realpath(out))  # a link on the way may lead into a result
    for parent in dict.fromkeys([*absolute.parents, *real.parents]):
        held = _result_files(parent)
        shown = parent.relative_to(Path.cwd()) if not given.is_absolute() and \
            parent.is_relative_to(Path.cwd()) else parent  # in the form it was given
        if not held:  # predict's or export's folder: its files are its own as a result's
            _refuse_command_folder(given, parent, shown, option, what)
            continue
        if existing and set(held) <= {*SUMMARIES, SEED_RUNS}:
            continue
        if parent == absolute.parent and _SEED_RUN.match(out.name) and \
                set(held) <= set(in_summary):
            continue
        if parent == absolute.parent and seed is not None and \
                set(held) <= {*SUMMARIES, SEED_RUNS} and _SEED_RUN.match(out.name):
            if out.name == f"seed-{seed}":
                continue
            raise MerbenchError(f"{option} {given} is a seed folder of {parent.name}, a --seeds "
                                f"folder, which keeps seed N's run in seed-N; give --out "
                                f"{given.parent / f'seed-{seed}'} for seed {seed}, or --seed "
                                f"{out.name.removeprefix('seed-')}")
        raise MerbenchError(f"{option} {given} is inside {shown}, the folder of a merbench "
                            f"result (it holds {held[0]}), whose files are its own; give a "
                            f"{what} outside result folders")


def refuse_strays_in_out(folder: Path, option: str = "--out",
                         example: str = "runs/NAME") -> None:
    """Refuse ``folder``, an output folder a command goes on in, where it holds a result
    file under another kind's name (:func:`~merbench.kinds.refuse_stray_files`, as status
    and ``run --resume`` say it); its shape is checked first, in
    :func:`refuse_unwritable_shape`'s words naming ``option`` and ``example``, as looking at
    an overlong path raised the system's own "File name too long" with neither. A folder
    that is a link is left to :func:`refuse_result_place`."""
    refuse_unwritable_shape(Path(folder), option, example)
    if folder.is_dir() and not folder.is_symlink():
        refuse_stray_files(folder)


def _refuse_command_folder(given: Path, parent: Path, shown: Path, option: str,
                           what: str) -> None:
    """Refuse ``given`` where ``parent``, a folder above it (``shown`` as given), is another
    command's output folder (predict's, export's): each command goes on in its own folder
    and refuses what it did not write there, so a run, a site or a second prediction put
    inside one made the first command refuse its own folder afterwards, and ``extract
    --save`` put a features file beside predict's predictions and, with --force, in place
    of export's report, which export reads to know what it may remove. Refused as inside
    a result's folder is, by :func:`refuse_result_place`, for every command that writes."""
    command = command_folder(parent)
    if command is not None:
        raise MerbenchError(f"{option} {given} is inside {shown}, {command}, whose files are "
                            f"its own; give a {what} outside it")


def file_to_write(given: str | Path, option: str, name: str) -> Path:
    """The file ``option`` names for the command to write, from its value as typed (the
    parser keeps a file option's text, as ``Path`` drops a trailing separator), refused in
    one line where it is written as a folder: ending in a separator, or in ``.`` or ``..``.
    ``Path('newdir/')`` is ``newdir``, so the file was written under the folder's name,
    where the user meant a folder to put it in. ``name``: a file name of the kind the
    option takes, offered inside the folder that was given. One check of every option
    that names a file to write, asked before any other check of it."""
    text = str(given)
    separators = tuple(filter(None, (os.sep, os.altsep)))
    last = re.split("|".join(map(re.escape, separators)), text)[-1]
    if text.endswith(separators) or last in (".", ".."):
        folder = Path(text)
        # inside the folder given; '.' and '/' as they are would say './x' and '/x'
        example = Path(name) if str(folder) in (".", folder.anchor) else folder / name
        raise MerbenchError(f"{option} {path_shown(text)} names a folder; give the file's "
                            f"name, e.g. {path_shown(example)}")
    return Path(text)


def refuse_replacing(out: Path, option: str, force: bool) -> None:
    """Refuse an ``out`` (given as ``option``) that exists, unless ``force``: what merbench
    writes (a table, a features file, converted weights) carries no mark that a file of the
    user's lacks, so any file there may be the user's own (``extract --save log.tsv``
    replaced a tester's log with an ``.npz``), and only ``--force`` replaces one. One
    wording for every command that writes a file to a path the user names."""
    if os.path.lexists(out) and not force:
        raise MerbenchError(f"{option} {out} exists; merbench does not replace a file unasked: "
                            f"give --force to replace it, or choose another {option}")


def refuse_idle_force(force: bool, option: str, given: bool) -> None:
    """Refuse ``--force`` where it can replace nothing: without ``option`` (the file it would
    replace: ``extract`` without ``--save``, a table to the screen). It was taken without a
    word (pass 84p, P10), as no other option nothing reads is."""
    if force and not given:
        raise MerbenchError(f"--force replaces the file at {option} FILE, which is not given; "
                            f"give {option} FILE or leave --force out")


def refuse_file_out(out: Path, option: str, *, what: str, example: str, force: bool,
                    read: Iterable[tuple[str, Path | None]] = (),
                    earlier: Callable[[Path], bool] | None = None) -> None:
    """Refuse, in one line and before anything is computed, a path the command would write
    a file (``what``: "the comparison") to where that would destroy something: a fifo, a
    device or a link (an atomic rename replaced /dev/full itself with a regular file), a
    system place, what the command reads (``read``, see :func:`refuse_read_place`), a place
    in a result's or another command's output folder, and a file that is there already
    unless ``force`` or ``earlier`` tells it for one this command wrote before (a repeat
    command writes its own file again, as ``export --layout`` writes its own folder
    again). The one check
    of every command writing a file where the user says (``keygen`` and ``leaderboard
    export`` check the same things)."""
    refuse_special_target(out, option, what)
    above = entry_in_the_way(Path(out))  # said after computing, as "(file exists)", before
    if above is not None:
        raise MerbenchError(f"{option} {out} cannot be made: {above} is {entry_kind(above)}, "
                            f"not a folder; choose another {option}")
    refuse_system_place(out, option, example, noun="file")
    refuse_read_place(out, option, read)  # by its option: a release is an export's folder
    refuse_result_place(out, option, what="file", example=example)
    if earlier is not None and os.path.lexists(out) and earlier(out):
        return
    refuse_replacing(out, option, force)


def _other_output(folder: Path) -> str | None:
    """What ``folder`` is where another command wrote it as its own output (a site a build
    may replace whole, predict's or export's folder), or None: the cache was written into a
    site, whose next build then refused the folder (pass 84ab, AB8)."""
    if os.path.lexists(folder / SITE_MARKER):
        return f"a site 'merbench leaderboard build' wrote (it holds {SITE_MARKER})"
    return command_folder(folder)


def _cache_places() -> tuple[str, Path, Path, Path] | None:
    """``$MERBENCH_CACHE_DIR`` as said in a refusal, the folder it names, and that folder
    as written ('..' taken away) and as reached (a link on the way may lead into a result);
    None where it is unset."""
    folder = cache_dir_from_env()
    if folder is None:
        return None
    # '..' taken away as written: the result was said as 'inside wn2/folds/..' (pass 84k, R15)
    absolute = Path(os.path.normpath(folder.absolute()))
    real = Path(os.path.realpath(folder))
    return f"{CACHE_ENV}={os.environ[CACHE_ENV]}", folder, absolute, real


def refuse_cache_in_out(out: Path, option: str, *,
                        said_as: str = "the folder of a merbench result",
                        outside: str = "result folders") -> None:
    """Refuse ``$MERBENCH_CACHE_DIR`` where it is, or lies inside, the folder ``out`` a
    command is about to write its result to, in :func:`refuse_cache_in_result`'s words:
    that check, asked when the command starts, finds no result there yet, so a run wrote
    its cache into its own folder, and every later command refused the setting. ``said_as``:
    what ``out`` is (another command's folder, such as predict's, which
    refuses entries it did not write, is said as what it is); ``outside``: where to set it
    instead. Asked only of a folder that is itself a result or such an output: a folder of
    runs (a sweep's out) is no result, only each run in it is."""
    cache = _cache_places()
    if cache is None:
        return
    said, _, *places = cache
    folders = dict.fromkeys([Path(os.path.normpath(out.absolute())),
                             Path(os.path.realpath(out))])
    for folder in folders:
        if any(place == folder or place.is_relative_to(folder) for place in places):
            where = "is" if folder in places else f"is inside {out},"
            raise MerbenchError(f"{said} {where} {said_as} ({option} {out} "
                                f"writes one there), whose files are its own; set it to a "
                                f"folder outside {outside}")


def refuse_out_in_cache(out: Path, option: str, what: str = "folder") -> None:
    """Refuse ``out`` where it is, or lies inside, the cache folder (``$MERBENCH_CACHE_DIR``,
    else the default): the reverse of :func:`refuse_cache_in_out`. The cache holds
    merbench's stores alone, so ``cache clear`` refuses a folder holding anything else: a
    features file saved there blocked every clear, and a run written there was taken for a
    store without its marker, whose fix was to delete it. Places compared as written ('..'
    taken away) and as reached, as :func:`refuse_cache_in_out` compares them."""
    try:
        folder = default_cache_dir()
    except (RuntimeError, MerbenchError):  # no home folder, or a value no folder can have:
        return  # no cache to write into (a command that uses the cache says so itself)
    said = (f"{CACHE_ENV}={os.environ[CACHE_ENV]}" if os.environ.get(CACHE_ENV)
            else f"the default cache folder {folder}")
    places = dict.fromkeys([Path(os.path.normpath(folder.absolute())),
                            Path(os.path.realpath(folder))])
    for place in dict.fromkeys([Path(os.path.normpath(out.absolute())),
                                Path(os.path.realpath(out))]):
        cache = next((cache for cache in places if place.is_relative_to(cache)), None)
        if cache is not None:
            where = "is" if place == cache else "is inside"
            raise MerbenchError(f"{option} {out} {where} the cache folder ({said}), which holds "
                                f"merbench's cache alone; give a {what} outside it, or set "
                                f"{CACHE_ENV} to another folder")


def refuse_cache_in_result() -> None:
    """Refuse ``$MERBENCH_CACHE_DIR`` where it is, or lies inside, a result's folder: the
    cache is an output too, of features computed from participants' faces, and a result's
    folder is what gets published; ``run`` wrote a whole cache into one, and ``validate``
    still passed it (the tenth adversarial pass of issue 84). Asked before any command
    opens the cache, with the cache's own check of a value no folder can have."""
    cache = _cache_places()
    if cache is None:
        return
    said, folder, absolute, real = cache
    for place in dict.fromkeys([absolute, real, *absolute.parents, *real.parents]):
        other = _other_output(place)  # a site, predict's or export's folder (AB8)
        if other is not None:
            where = "is" if place in (absolute, real) else f"is inside {place},"
            raise MerbenchError(f"{said} {where} {other}, whose files are its own; set it to a "
                                "folder outside it")
        held = _result_files(place)
        if not held:
            continue
        if place in (absolute, real):
            where = "is the folder of a merbench result"
        else:
            shown = place.relative_to(Path.cwd()) if not folder.is_absolute() and \
                place.is_relative_to(Path.cwd()) else place
            where = f"is inside {shown}, the folder of a merbench result"
        raise MerbenchError(f"{said} {where} (it holds {held[0]}), whose files are its own; "
                            "set it to a folder outside result folders")
