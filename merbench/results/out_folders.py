"""Which folders merbench may write a multi-run result into: ``run --seeds --out`` and a
sweep plan's ``out``.

``run --out`` refuses a non-empty folder that holds no merbench run
(:meth:`~merbench.results.rundir.RunDirectory.open`), so a typo cannot scatter run files
among someone's own. A ``--seeds`` folder and a sweep's folder hold runs one level or two
further down, so the same rule is applied to what they hold: ``seed-N`` run folders and
``seeds.json`` (or ``au-seeds.json``) in a seeds folder, seeds folders (or a one-seed
configuration's run folder) in a sweep's. System folders are refused by name, whatever
they hold (merbench often runs as root in containers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from merbench.base.atomic import is_temporary
from merbench.base.errors import MerbenchError
from merbench.base.link_loop import loop_said
from merbench.base.literal import hidden_character, joined
from merbench.results.kind_registry import registered_files
from merbench.results.result_files import result_markers, summary_markers
from merbench.results.safe_files import entry_kind

_SYSTEM = ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/opt", "/proc", "/root",
           "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/home")
SEED_RUN = re.compile(r"^seed-\d+$")  # a --seeds folder's run folder (seed_folder)


def seed_folder(seed: int) -> str:
    """The folder of ``seed``'s result in a ``--seeds`` folder (every command's)."""
    return f"seed-{seed}"


def is_system_folder(path: Path) -> bool:
    """Whether ``path`` is a system folder (or the home folder): never a place merbench
    writes runs into, nor one ``merbench status`` searches for them."""
    resolved = Path(os.path.realpath(path))  # a link loop is kept as given, never raised on
    return str(resolved) in _SYSTEM or resolved == Path.home().resolve() or \
        resolved.parent == Path("/usr")


#: folders the system keeps for itself, inside which merbench writes nothing (a user's own
#: folders live under /home, /tmp, /srv, /opt, /var and the like, so only these)
_SYSTEM_ONLY = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys",
                "/usr")


def system_place(path: Path) -> Path | None:
    """The system folder ``path`` is or lies in, where merbench writes nothing (None: none):
    ``spot --out /etc/spots`` made /etc/spots, where only a system folder itself was
    refused."""
    resolved = Path(os.path.realpath(path))  # a link loop: refuse_unwritable_shape says it
    if is_system_folder(resolved):
        return resolved
    return next((Path(top) for top in _SYSTEM_ONLY if resolved.is_relative_to(top)), None)


#: more folders deep than any place results are kept (Python's ``mkdir(parents=True)``
#: recurses once a missing folder, and 2,000 of them ended in a RecursionError)
MAX_OUT_DEPTH = 100
#: what Linux allows a path and one name in it (PATH_MAX and NAME_MAX), as bytes
MAX_PATH_BYTES, MAX_NAME_BYTES = 4095, 255


def refuse_unwritable_shape(path: Path, option: str = "--out", example: str = "runs/NAME",
                            noun: str = "folder") -> None:
    """A path to write refused in one line when it is deeper, or longer, than any folder
    can be made: the system's own refusal ("File name too long") came from deep inside
    ``mkdir``, and a path thousands of folders deep from Python's recursion limit. A path
    that is, or goes through, a symbolic-link loop is refused here too, before anything
    resolves it (``Path.resolve`` raised a traceback on one)."""
    # the folders of the path as the user gave it (its '/' none): counting the current
    # folder's too told 1,504 folders for 1,500 given
    depth = len(Path(path).parts) - bool(Path(path).anchor)
    if depth > MAX_OUT_DEPTH:
        why = f"is {depth:,} folders deep, more than the {MAX_OUT_DEPTH} merbench makes"
    else:
        why = overlong(path, noun) or ""
    if why:
        raise MerbenchError(f"{option} {shortened(path)} {why}; give a shorter {noun}, such "
                            f"as {example}")
    loop = loop_said(path)
    if loop is not None:
        raise MerbenchError(f"{option} {shortened(path)} {loop}; give another {noun}, such as "
                            f"{example}")
    hidden = hidden_character(names_to_make(path))
    if hidden is not None:
        raise MerbenchError(f"{option} {shortened(path)} holds {hidden}; give a {noun} name on "
                            f"one line of visible characters, such as {example}")


def names_to_make(path: Path) -> str:
    """The names of ``path`` that are not there yet, which writing there would make ('' for
    a path that is there already): merbench makes no name holding a control character, as
    the command it prints next could not be pasted (pass 84ab, AB9), while a folder that is
    there already (made by hand, or by an earlier merbench) is gone on with, as it holds
    what was computed; the commands printed for it are quoted (``pasted_command``)."""
    parts = Path(path).parts
    made = next((n for n in range(len(parts), 0, -1)
                 if os.path.lexists(Path(*parts[:n]))), 0)
    return "/".join(parts[made:]) if made < len(parts) else ""


def overlong(path: str | Path, noun: str = "file or folder") -> str | None:
    """Why no ``noun`` can be at ``path`` (a name of it over 255 bytes, or the whole over
    4,095), or None: said in merbench's words where the system says "File name too long"."""
    text = os.fsencode(str(Path(path).absolute()))
    longest = max((len(os.fsencode(part)) for part in Path(path).absolute().parts), default=0)
    if longest > MAX_NAME_BYTES:
        return f"has a name of {longest:,} bytes, more than the {MAX_NAME_BYTES} a {noun}'s " \
               "name may have"
    if len(text) > MAX_PATH_BYTES:
        return f"is {len(text):,} bytes long, more than the {MAX_PATH_BYTES:,} a path may be"
    return None


def shortened(path: str | Path) -> str:
    """``path`` as a message shows it: whole up to 80 characters, else its start and end (a
    name of thousands of characters filled the screen)."""
    text = str(path)
    return text if len(text) <= 80 else f"{text[:60]}...{text[-16:]}"


def refuse_system_place(path: Path, option: str = "--out", example: str = "runs/NAME", *,
                        noun: str = "folder") -> None:
    """A folder (or a ``noun``) to write refused where it is (in) a system folder, or where
    no folder can be made (:func:`refuse_unwritable_shape`), in one line."""
    refuse_unwritable_shape(path, option, example, noun)
    place = system_place(path)
    if place is not None:
        where = "is a system folder" if place == Path(path).resolve() else \
            f"is inside the system folder {place}"
        raise MerbenchError(f"{option} {path} {where}; give a {noun} of your own, such as "
                            f"{example}")


def refuse_out_place(path: Path, option: str = "--out") -> None:
    """A folder to write results into refused where it is (in) a system folder or is
    something other than a folder (a file, a fifo): told from the path alone, so a run says
    it before any data is read, and again as it takes the folder."""
    path = Path(path)
    refuse_system_place(path, option)
    if path.exists() and not path.is_dir():
        raise MerbenchError(f"{option} {path} is {entry_kind(path)}; choose a directory")


def _seeds_folder_entries(folder: Path) -> tuple[list[str], bool]:
    """The names in a ``--seeds`` folder that merbench does not write there, and whether it
    holds any of its own (a seed run's folder, a summary)."""
    strays, own = [], False
    for entry in sorted(folder.iterdir()):
        summary = entry.name in summary_markers() and entry.is_file()
        if is_temporary(entry):
            continue
        if summary or (SEED_RUN.match(entry.name) and entry.is_dir()):
            own = True
        else:
            strays.append(entry.name)
    return strays, own


#: how many of the files merbench did not write a refusal names, before "and N more"
_STRAYS_NAMED = 3


def _own_result_file(folder: Path) -> str | None:
    """The first file of one result (not a summary over seeds, said apart) that ``folder``
    holds, or None: a sweep's ``out`` naming a run's own folder (or a spotting run's) was
    said to hold "no merbench runs (it holds audit.json)" (pass 84u, U8), where ``predict``
    and ``export --out`` say whose folder it is."""
    summaries = summary_markers()
    names = ("run.json", *result_markers(),  # rundir's RUN_FILE, which imports this module
             *(name for files in registered_files() for name in files.json_files))
    return next((name for name in dict.fromkeys(names)
                 if name not in summaries and os.path.lexists(folder / name)), None)


def check_out_folder(folder: Path, option: str, *, sweep: bool = False) -> None:
    """Refuse ``folder`` (given as ``option``) for a ``--seeds`` run (``sweep``: for a
    sweep's configurations) if it is a system folder, or a folder that holds anything
    merbench would not have written there."""
    folder = Path(folder)
    refuse_out_place(folder, option)
    if not folder.is_dir():
        unmakeable = _under_a_file(folder)
        if unmakeable is not None:
            raise MerbenchError(f"{option} {folder} {unmakeable}")
        return
    held = _own_result_file(folder) if sweep else None
    if held is not None:
        raise MerbenchError(f"{option} {folder} is the folder of a merbench result (it holds "
                            f"{held}), whose files are its own; give a new folder")
    strays: list[str] = []
    own = False  # whether it holds runs merbench wrote there, which are gone on with
    for entry in sorted(folder.iterdir()) if sweep else [folder]:
        if sweep and is_temporary(entry):
            continue
        if sweep and (entry / "run.json").is_file():
            own = True  # a configuration of one seed: its run folder
            continue
        if sweep and entry.name in summary_markers():  # a --seeds folder itself
            raise MerbenchError(f"{option} {folder} is a --seeds folder (it holds "
                                f"{entry.name}), not a sweep's; give a new folder")
        if not entry.is_dir():
            strays.append(entry.name)
            continue
        found, runs = _seeds_folder_entries(entry)
        own |= runs
        strays += [name if entry == folder else f"{entry.name}/{name}" for name in found]
    if strays and own:
        # its runs are merbench's, to go on with: only the strays are in the way, and
        # calling it a folder of no runs sent the user to start again elsewhere
        more = len(strays) - _STRAYS_NAMED
        named = joined([*strays[:_STRAYS_NAMED], *([f"{more} more"] if more > 0 else [])])
        raise MerbenchError(f"{option} {folder} holds {named}, which merbench did not write "
                            "there beside its runs; move them out of it and run again")
    if strays:
        raise MerbenchError(f"{option} {folder} is not empty and holds no merbench runs "
                            f"(it holds {strays[0]}); choose an empty or new directory")


def entry_in_the_way(folder: Path) -> Path | None:
    """The nearest entry above ``folder`` that is there, where it is no folder (a file, a
    fifo), so ``folder`` can never be made; None where nothing stands in the way."""
    above = next((p for p in Path(folder).parents if os.path.lexists(p)), None)
    return above if above is not None and not above.is_dir() else None


def refuse_under_a_file(out: Path, option: str) -> None:
    """Refuse a path to write, ``out``, under an entry that is no folder (a file, a fifo, a
    dangling link): no mkdir can make it one, and ``extract --save F/x.npz`` learned so only
    after extracting everything, in the system's words (pass 84x, X16)."""
    above = entry_in_the_way(out)
    if above is not None:
        raise MerbenchError(f"{option} {out} cannot be made: {above} is {entry_kind(above)}, "
                            f"not a folder; choose another {option}")


def refuse_missing_folder(out: Path, option: str = "--out") -> None:
    """Refuse a file to write, ``out``, whose folder is not there: named as no folder to
    create, or, where an entry above it is no folder (a file, a fifo), that entry, which no
    mkdir can make one. ``keygen --out F/k.key`` with F a file said "no folder F; create it
    first", and mkdir F then failed (pass 84w, W9)."""
    refuse_under_a_file(out, option)
    if not out.parent.is_dir():
        raise MerbenchError(f"{option} {out}: no folder {out.parent}; create it first")


def _under_a_file(folder: Path) -> str | None:
    """Why ``folder``, which does not exist, can never be made, or None."""
    above = entry_in_the_way(folder)
    if above is not None:
        return f"cannot be made: {above} is {entry_kind(above)}, not a folder; choose a directory"
    return None


def names_current_folder(out: Path | str) -> bool:
    """Whether ``--out`` is the folder the command runs in ('' and '.' among its names)."""
    # realpath, not Path.resolve, which raises on a link loop (said by refuse_result_place)
    return str(out) in ("", ".") or os.path.realpath(out) == os.path.realpath(Path.cwd())


def own_folder_problem(out: Path, writes: set[str] | frozenset[str], writer: str,
                       example: str, named: str | None = None) -> str | None:
    """Why ``--out`` may not receive what a command writes (None: it may), for the commands
    whose folder holds only their own files (``spot``, ``predict``, ``tune``): the current
    folder, a system folder, a file, or a folder holding anything but ``writes``, said as
    "which ``writer``" (a typo would scatter the files among a user's own, and a later run
    would take them for its own). ``named``: how the folder is said (``--out OUT``; a
    tuning of ``tune --seeds`` is said as the seed's under the ``--out`` given)."""
    said = named or f"--out {out}"
    if names_current_folder(out):
        return f"--out names the current folder; give a folder for it, such as {example}"
    place = system_place(out)
    if place is not None:
        where = "is a system folder" if place == out.resolve() else \
            f"is inside the system folder {place}"
        return f"{said} {where}; give a folder of your own, such as {example}"
    if out.exists() and not out.is_dir():
        return f"{said} is {entry_kind(out)}; choose a directory"
    unmakeable = _under_a_file(out)
    if unmakeable is not None:
        return f"{said} {unmakeable}"
    if out.is_dir():
        foreign = sorted(e.name for e in out.iterdir()
                         if e.name not in writes and not is_temporary(e))
        if foreign:
            return (f"{said} holds {foreign[0]}, which {writer}; choose an empty or new "
                    "directory, or the folder of an earlier one to go on with")
    return None


def written_place(out: Path) -> Path:
    """Where a command writing ``out`` puts its files, as the system will resolve it once
    the folders on the way are made: ``nosuch/../RESULT`` names no entry while ``nosuch``
    is missing (so every check of the path as given saw a new folder), yet ``mkdir -p``
    then makes ``nosuch`` and the files land in RESULT. Folders on the way are resolved
    (a link among them leads where it leads), the last name is not (a link there is told
    as a link); a path that is there already is kept as it is."""
    out = Path(out)
    if os.path.lexists(out) or ".." not in out.parts:
        return out
    if out.name in ("", ".", ".."):
        return Path(os.path.realpath(out))
    return Path(os.path.realpath(out.parent)) / out.name


def read_places(given: Mapping[str, Any]) -> dict[str, Path | None]:
    """What a command reading a dataset reads, as it was given (``given``: the run options
    given, :func:`merbench.cli.run_options.given_options`): the data root (or
    $MERBENCH_DATA_DIR) and the files its --dataset-opt name (a coding sheet), for
    :func:`refuse_read_place`.
    A dataset option is plain text whatever it means, so one counts where its text names
    something there, less a folder holding the working folder (``.``, ``..``, ``/``): such
    a text is always there, a name as often as a path (a subject named ``..``), and taken
    for a folder it holds every relative ``--out``, each refused as inside it."""
    root = given.get("data_root") or os.environ.get("MERBENCH_DATA_DIR") or None
    places: dict[str, Path | None] = {
        "--data-root" if given.get("data_root") else "$MERBENCH_DATA_DIR":
            Path(root) if root else None}
    for key, value in (given.get("dataset_options") or {}).items():
        if isinstance(value, str) and value and os.path.lexists(value) \
                and not _holds_working_folder(Path(value)):
            places[f"--dataset-opt {key}"] = Path(value)
    return places


def _holds_working_folder(path: Path) -> bool:
    """Whether ``path`` is the working folder or a folder above it (False where the
    working folder is gone: then no relative path leads anywhere)."""
    try:
        here = Path(os.path.realpath(os.getcwd()))
    except OSError:
        return False
    real = Path(os.path.realpath(path))
    return real == here or real in here.parents


def refuse_read_place(out: Path, option: str,
                      read: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse ``out`` where it is, or lies inside, what the command reads: ``read`` pairs
    how each place was given ("--data-root", "--compare", "--results" once a folder) with
    the place (None: not given).
    ``export --compare REL --out`` wrote its JSON over the coding sheet of --data-root and
    over the release's own table, by an atomic rename that no permission stopped (pass 84o,
    O2): a file merbench reads is the user's data, never its output."""
    target = Path(os.path.realpath(written_place(Path(out))))
    for label, place in read:
        if place is None:
            continue
        real = Path(os.path.realpath(place))
        if target == real or real in target.parents:
            # the same place named once ("--out s.xlsx is what --dataset-opt sheet names")
            where = f"is what {label} names" if target == real else \
                f"is inside {label} {place}"
            raise MerbenchError(f"{option} {out} {where}, which this command reads and never "
                                f"writes into; choose another {option}")
