"""``merbench status`` on a tuning's folder: one line for the search, not one per run.

A nested search of the composite holds hundreds of run folders; what its owner asks is how
far the search has got, which the folder itself says: the search it runs (``tuning.json``,
written first), the runs finished, and whether ``tune.json`` is there yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.codec import unreadable
from merbench.results.recorded_values import ProvenanceError
from merbench.results.result_files import AUDIT_FILE, RESULTS_FILE
from merbench.results.rundir import folder_is_held
from merbench.results.safe_files import (
    UnsafeFile,
    check_entry,
    empty_files,
    state_line,
)
from merbench.results.user_files import UnreadableFile
from merbench.tuning.archive import (
    PACKED_FOLDERS,
    RUNS_ARCHIVE,
    archived_names,
    loose_stranger,
    packed_not_folder,
)
from merbench.tuning.record import (
    NESTED,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TUNING_SPEC_FILE,
    TuneResults,
    read_search_record,
    recorded_outer_folds,
)
from merbench.tuning.search_record import SPEC_MISSING, record_problem
from merbench.tuning.written import archive_missing, search_values, tuning_written


def is_tuning_folder(path: Path) -> bool:
    return (path / TUNING_SPEC_FILE).is_file()


def _run_files(folder: Path) -> list[str]:
    """The paths under the tuning's run folders, relative to it: from ``runs.tar.xz`` once
    the search has packed them, else from the folders as it trains."""
    if (folder / RUNS_ARCHIVE).is_file() and not (folder / "trials").is_dir():
        return archived_names(folder)
    return [p.relative_to(folder).as_posix() for name in PACKED_FOLDERS
            if (folder / name).is_dir() for p in sorted((folder / name).rglob("*"))]


def finished_runs(folder: Path) -> int:
    """How many of the tuning's runs in ``folder`` have finished (written their results),
    packed or still folders: what a stopped search keeps."""
    return sum(fnmatch(name, f"{packed}/*/{RESULTS_FILE}")
               for name in _run_files(folder) for packed in PACKED_FOLDERS)


def _stopped_wrong(folder: Path, written: bool) -> str | None:
    """What is wrong with a tuning no command is writing, where its files are not those a
    search leaves (None: they are)."""
    empty = empty_files(folder, (TUNE_FILE, TUNE_PREDICTIONS_FILE))
    packed, unpacked = (folder / RUNS_ARCHIVE).is_file(), (folder / "trials").is_dir()
    if written and empty:
        return (f"its {empty[0]} is empty: not a finished tuning ('merbench validate' says "
                "why); run the same merbench tune command to write it again")
    missing = archive_missing(folder) if written else None
    if missing is not None:  # the search ends by packing its runs, then tune.json
        return missing
    stranger = loose_stranger(folder) if packed and unpacked else None
    if stranger is not None:  # no stop's leftover: the command would delete it
        return stranger
    if packed and unpacked:  # a stop while packing: the command removes the unpacked ones
        return (f"the runs are both packed ({RUNS_ARCHIVE}) and unpacked (trials/): a stop "
                "came while they were packed; run the same merbench tune command to finish it")
    return None


def _record_refused(folder: Path, what: str, why: str) -> str:
    """The line for a tuning whose ``tuning.json`` (the search it ran) is damaged: where the
    search's own files are beside it (``tune.json``, ``runs.tar.xz``, its run folders) the
    folder is a tuning, said as every other damaged result is, with exit status 0; status
    refused a finished tuning whose record alone was damaged (pass 84o, N8's leftover).
    Without them the folder may be no tuning at all: refused, asking."""
    if any(os.path.lexists(folder / name) for name in (TUNE_FILE, RUNS_ARCHIVE,
                                                          *PACKED_FOLDERS)):
        return f"{folder}: {TUNING_SPEC_FILE} {what} ({why}) ('merbench validate' refuses it)"
    raise MerbenchError(f"{folder / TUNING_SPEC_FILE} {what} ({why}); is the folder a "
                        "merbench tuning?")


#: the state ``tuning_status`` ends its line with for a tuning whose files agree, as a
#: finished search leaves them (``merbench show`` prints no other)
FINISHED = "finished: tune.json written"


@dataclass(frozen=True)
class TuningStatus:
    """What status says of a tuning's folder, and whether that is that the tuning is
    finished (its ``tune.json`` written and nothing validate's cheap half refuses), which
    ``show`` asks: it tested whether the line ended with the words said of a finished one
    (issue 84), words a tuning's own folder name or record could end a line with too."""

    #: the line, beginning with the folder ("DIR: ...")
    line: str
    #: the tuning is finished: show prints it
    finished: bool = False


def _stopped_state(results: TuneResults) -> str:
    """The state of a search ``--timeout-s`` stopped: written, and what ``show`` prints, but
    a smaller search than it names until the same command runs the rest, so never called
    finished: its owner learns what is left and how to run it."""
    per = " per outer fold" if results.mode == NESTED else ""
    return (f"stopped by --timeout-s: {results.trials_ran()} trials{per} ran (tune.json "
            "written); the same merbench tune command goes on")


def tuning_status(folder: Path) -> TuningStatus:
    """The search, its runs finished out of the most it can train, and its state."""
    for name in (TUNING_SPEC_FILE, TUNE_FILE, RUNS_ARCHIVE, TUNE_PREDICTIONS_FILE):  # said
        try:
            check_entry(folder / name, folder)
        except UnsafeFile as exc:  # a state of the folder, said as a run's status says it
            return TuningStatus(f"{folder}: " + state_line(
                exc, "the same merbench tune command writes what it should hold again"))
    stray = packed_not_folder(folder)
    if stray is not None:  # show prints no tuning status does not call finished (Z10)
        return TuningStatus(f"{folder}: {stray} ('merbench validate' refuses it)")
    if not os.path.lexists(folder / TUNING_SPEC_FILE) and os.path.lexists(folder / TUNE_FILE):
        return TuningStatus(f"{folder}: {SPEC_MISSING} ('merbench validate' refuses it)")
    try:
        spec, mode = read_search_record(folder)
        search_values(spec, mode)  # no "2 of -2 runs finished"
        trials, inner = int(spec["trials"]), int(spec["inner_folds"])
        recorded = recorded_outer_folds(folder)
        what = f"{spec['model']} on {spec['dataset']}/{spec['protocol']}"
    except UnsafeFile as exc:  # tuning.json itself: not what a search started with
        raise MerbenchError(f"{folder}: {exc}") from None
    except UnreadableFile as exc:
        return TuningStatus(_record_refused(folder, "cannot be read", exc.because))
    except ProvenanceError as exc:  # as validate says it of a finished one
        return TuningStatus(_record_refused(folder, "is not the record of a search", str(exc)))
    except KeyError as exc:  # its spec lacks a field: said by name, never as ('model')
        return TuningStatus(_record_refused(
            folder, "is not the record of a search",
            f"its spec has no {exc.args[0] if exc.args else 'field'}"))
    except (OSError, ValueError, TypeError) as exc:
        return TuningStatus(_record_refused(folder, "cannot be read", unreadable(exc)))
    running = folder_is_held(folder)  # a tune command writing it now: its files in motion
    written = (folder / TUNE_FILE).is_file()
    stopped = None if running else _stopped_wrong(folder, written)
    if stopped is not None:
        return TuningStatus(f"{folder}: {stopped}")
    names = _run_files(folder)
    finished = sum(fnmatch(n, "trials/*/trial-*/results.json") for n in names)
    # the outer folds: every one's folder once tune.json is written, else as the search
    # recorded them when it began (None from a search begun before merbench recorded them:
    # unknown). The folders made so far are fewer until every outer fold has begun, and
    # "of at most 5" became "of at most 15".
    outer = len({n.split("/")[1] for n in names if n.startswith("trials/")
                 and n.count("/") > 1}) if written else recorded or 0
    if mode == NESTED:
        most = f"at most {outer * trials * inner + outer}" if outer else "an unknown number"
        retrained = sum(fnmatch(n, "final/*/trial-*/results.json") for n in names)
        shape = f"{trials} trials x {inner} inner folds per outer fold"
        runs = f"{finished} inner runs and {retrained} retrainings finished, of {most}"
    else:
        shape = f"{trials} whole runs scored on the test subjects"
        runs = f"{finished} of {trials} runs finished"
    state = ("running: a merbench tune command is writing it now" if running else
             FINISHED if written else
             "tune.json not yet written (the same merbench tune command goes on)")
    done = written and not running  # unless validate's cheap half refuses it
    if written and not running:
        results: TuneResults | None = None
        try:  # validate's cheap half: what it refuses by its layout is not finished
            results = tuning_written(folder, names)
            problem = record_problem(folder, results)
        except MerbenchError as exc:
            problem = str(exc)
        if problem is not None:  # an audit record's refusal is validate's in its words
            done = False
            state = f"written, but {problem} ('merbench validate' " + (
                "refuses it)" if problem.startswith(AUDIT_FILE) else "says more)")
            if problem.startswith(f"{RUNS_ARCHIVE} holds"):  # runs counted from an archive
                # holding a run tune.json does not name: "3 of 2 runs finished" was said
                return TuningStatus(f"{folder}: tuning of {what}, {mode}, {shape}; {state}")
        elif results is not None and not results.complete:
            state = _stopped_state(results)
    return TuningStatus(f"{folder}: tuning of {what}, {mode}, {shape}: {runs}; {state}",
                        finished=done)
