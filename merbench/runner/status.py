"""How far a run has got, read from its directory alone: ``merbench status``.

A full protocol can take hours (OFF-ApexNet's 68 folds x 3000 epochs on a CPU: half a day
per seed). Its directory already says how far it is: ``run.json`` names the run and its
number of folds, every finished fold is a file that records its training time, and a running
process holds the directory's lock; an unfinished fold's saved state records its epochs.
Nothing is loaded but those small files and the saved states' headers. What status says of
them is :mod:`merbench.runner.status_line`'s.
"""

from __future__ import annotations

import contextlib
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
from merbench.data.task import stored_task
from merbench.results.fold_file import fold_arrays
from merbench.results.fold_names import (
    copy_lines,
    fold_number,
    not_a_folder_line,
    real_folds,
    stray_line,
    written_folder,
)
from merbench.results.go_on import missing_parts
from merbench.results.manifest import first_mismatch
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import missing_folds
from merbench.results.rundir import FOLDS_DIR, RUN_FILE, RunDirectory
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.user_files import LfsPointer, read_written_json
from merbench.results.written import run_written
from merbench.runner.configuration_name import made_by_sweep
from merbench.runner.status_counts import TestedSamples, count_problem, miscounted
from merbench.runner.status_written import changed_file, other_identity, same_file
from merbench.runner.task_run import folder_record


@dataclass(frozen=True)
class RunStatus:
    """One run directory's progress."""
    path: Path
    model: str
    dataset: str
    protocol: str
    seed: int
    n_folds: int | None  # None: run.json from a merbench that did not record it
    finished: int
    fold_seconds: tuple[float, ...]  # the finished folds' training times
    damaged: int  # fold files that cannot be read (the resumed run refuses each: delete it)
    saved: tuple[tuple[int, int], ...]  # (folds, epochs) of each saved unfinished state
    epochs: int | None  # a fold's epochs, from the recipe in run.json (None: not recorded)
    complete: bool  # results.json is written and names the files there now
    running: bool | None  # None: the file system cannot say
    unreadable: bool = False  # a results.json is there, but not one that can be read
    #: the run's own entries that are no file of its own (a fifo, a link, a hard link), as
    #: the safety check says each: never read, so never counted as progress
    not_files: tuple[str, ...] = ()
    results_name: str = "results.json"  # an AU run's: au-results.json
    damaged_files: tuple[str, ...] = ()  # the damaged fold files, as folds/fold-NNN.npz
    #: fold files of another run (their run identity digest not this run's), which a resumed
    #: run refuses: counted as no progress
    foreign_files: tuple[str, ...] = ()
    #: why validate's cheap half refuses a run whose results file is there (an audit.json
    #: that is no audit record, a fold file beyond its folds), in one clause
    refused: str | None = None
    #: an audit.json is there: the audits of the run as it finished, which going on (its
    #: results written again, later than they) would void, so ``merbench run`` refuses to
    audited: bool = False
    #: the first file the results file names that is not the one it records, where one is
    changed: str | None = None
    #: how run.json's fold count disagrees with the run's own files (a fold file beyond it,
    #: or the results file's count), where it does: run.json was edited, and going on is no
    #: fix (run refuses it; it trained into a run validate rejects, pass 84p P6)
    miscounted: str | None = None
    #: the fold folder's faults a resumed run refuses, each with its fix, as every reader
    #: says them (:mod:`merbench.results.fold_names`): a ``folds`` that is a file, a stray
    #: ``fold-3.npz``, a copy of another fold's file
    fold_faults: tuple[str, ...] = ()
    #: the entries of the run's folder that are symbolic links (its ``folds``, linked
    #: elsewhere), each said among ``not_files`` or ``fold_faults``: a walk for results that
    #: meets one says the run's line, not its own refusal of a link
    linked: tuple[str, ...] = ()
    #: a seed run of a sweep's configuration (:func:`~merbench.runner.configuration_name.
    #: made_by_sweep`): going on is the sweep's, which writes the configuration's seeds.json
    swept: bool = False
    #: a finished run's fold files that are gone, said as every reader says them
    #: (:func:`merbench.results.go_on.missing_parts`: the cause, and the fix), or None
    gone: tuple[str, str] | None = None

    def seconds_left(self) -> float | None:
        """The unfinished folds times the median time of a finished one, less the epochs
        their saved states have trained, or None."""
        if self.complete or self.n_folds is None or not self.fold_seconds:
            return None
        folds = float(max(self.n_folds - self.finished, 0))
        if self.epochs:
            folds -= sum(n * min(done, self.epochs) for n, done in self.saved) / self.epochs
        return max(folds, 0) * statistics.median(self.fold_seconds)


def run_status(path: Path) -> RunStatus:
    """The progress of the run directory ``path``."""
    directory = RunDirectory(path)
    recorded = directory.read_run_file()
    directory.tidy()  # temporaries of killed processes are neither progress nor kept
    identity = recorded.identity or {}
    seconds, damaged, foreign, finished, copies = [], [], [], set(), []
    pointers: list[str] = []  # Git LFS pointers: faults of their own, with their fix
    this_run = directory.identity_sha256()
    not_files, linked = _not_files(directory)
    samples = TestedSamples()  # what the finished folds tested, for the protocol's count
    # each task's results file (an AU run's au-results.json): its record format names it
    record = folder_record(stored_task(identity, str(directory.path / RUN_FILE)),
                           directory.path)  # a finished run's own, whatever run.json says
    has_results = (results_file := directory.path / record.result_file).exists()
    folder = not_a_folder_line(directory.path, FOLDS_DIR, has_results)  # with its own fix:
    own = "folds " if has_results else "folds is a sym"  # a finished run's, or a link (X6)
    not_files = tuple(f for f in not_files if not (folder and f.startswith(own)))
    faults = [folder] if folder and not any(f.startswith("folds ") for f in not_files) else []
    for fold_file in sorted(f for d in real_folds(directory.path) for f in d.glob("fold-*.npz")):
        named = f"{FOLDS_DIR}/{fold_file.name}"
        if (number := fold_number(fold_file.name)) is None:  # fold-3.npz: no fold (W16)
            faults.append(stray_line(named))
            continue
        try:
            arrays, meta = fold_arrays(fold_file)
            if meta.get("run_sha256") not in (None, this_run):  # resume refuses it: no
                foreign.append(named)  # progress of this run
                continue
            if isinstance(held := meta.get("index"), int) and held != number and (
                    recorded.n_folds is None or number < recorded.n_folds):  # else: beyond
                copies.append((named, held, number))  # a copy (W13)
                continue
            finished.add(number)
            if recorded.n_folds is None or number < recorded.n_folds:  # beyond: not its
                seconds.append(float(meta["seconds"]))  # progress, said below (Z2)
                samples.add(arrays, meta)
        except MemoryError:  # the process's memory, not the file's damage
            raise
        except LfsPointer as exc:  # to be fetched: never "delete it and retrain"
            faults.append(f"{named} {exc.reason}")
            pointers.append(named)
        except Exception:  # what load_fold calls damaged: the resumed run says which
            # a folder in its place is said once, as an entry never read (pass 84k, R14)
            if not any(found.startswith(f"{named} ") for found in not_files):
                damaged.append(named)
    faults += copy_lines(copies, recorded.n_folds, finished, has_results)  # Z2: one line
    saved = _saved_states(directory, finished)
    epochs = (identity.get("hyperparameters") or {}).get("epochs")
    n_folds, complete = recorded.n_folds, False
    changed: str | None = None
    files = None  # the results file's manifest, where one is read
    summary_folds: object = None  # the results file's count of folds, where one is read
    created: object = None  # when the results file says it was written, where one is read
    unreadable = results_file.is_file()  # until read; a fifo is said among not_files
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError,
                             MerbenchError):
        summary = read_written_json(results_file, "results file")
        summary_folds = summary["protocol"]["n_folds"]  # `{}` too: validate rejects it
        unreadable = False
        if n_folds is None:
            n_folds = summary["protocol"]["n_folds"]
        files = summary.get("files")  # the manifest: complete while its files are these
        created = summary.get("created")
        changed = None if files is None else first_mismatch(directory.path, files,
                                                                results_file.name)
        # an audit's file is not the run's: a fifo there leaves the run finished
        complete = not [f for f in not_files if not f.startswith(AUDIT_FILE)] and (
            changed is None)
    refused = None
    if faults and not unreadable and results_file.is_file():  # validate refuses it (W16, X6)
        complete = False
        refused = f"{'; and '.join(faults)} ('merbench validate' refuses it)"  # all: one
    if refused is None and not unreadable and results_file.is_file():  # fold-7.npz/ (X6)
        refused, not_files = written_folder(not_files, directory.path)
    beyond = sorted(i for i in finished if n_folds is not None and i >= n_folds)
    if complete and beyond and summary_folds == n_folds:  # fold-099.npz beside six folds
        complete = False
        refused = (f"{FOLDS_DIR}/fold-{beyond[0]:03d}.npz is beyond its {n_folds} folds, a "
                   "file of another run ('merbench validate' refuses it)")
    if complete:  # validate's cheap half: a file validate refuses by its layout is no result
        try:
            run_written(results_file, record, identity)
        except MerbenchError as exc:
            complete = False
            refused = f"{exc} ('merbench validate' refuses it)"
            if refused.startswith(AUDIT_FILE):  # said there: not again as an entry never read
                not_files = tuple(f for f in not_files if not f.startswith(AUDIT_FILE))
    if refused is None and not complete and not unreadable and results_file.is_file():
        refused = other_identity(results_file, record, identity, foreign, changed)
    # a refusal said above is the first fault validate says: a count is compared after it
    counted = None if refused or faults else miscounted(recorded.n_folds, beyond, results_file,
                                              summary_folds)
    if counted is None and refused is None and changed and files:  # validate's, AD1
        refused = changed_file(directory.path, files, results_file.name,
                               any(same_file(changed, found)
                                   for found in (*not_files, *damaged, *pointers)),  # own lines
                               created)
    if counted is None and refused is None and not faults:  # no results file: the protocol's
        counted = count_problem(recorded.n_folds, len(seconds),
                                samples.planned(_protocol_name(identity), len(seconds),
                                                _table_size(recorded.feature_values)),
                                results_file.exists())
    if counted is not None:
        complete = False
    gone = None if not results_file.is_file() or unreadable or refused or counted or \
        n_folds is None or \
        directory.is_held() is not False else _gone(directory, n_folds)
    try:
        seed = identity["seed"]
        if not isinstance(seed, int) or isinstance(seed, bool):  # true is no seed, nor "0"
            raise TypeError(seed)
        return RunStatus(
            path=directory.path, model=_name(identity["model"]["name"]),
            dataset=_name(identity["dataset"]["name"]),
            protocol=_name(identity["protocol"]["name"]), seed=seed, n_folds=n_folds,
            finished=len(seconds),
            fold_seconds=tuple(seconds), damaged=len(damaged), damaged_files=tuple(damaged),
            foreign_files=tuple(foreign), saved=saved,
            epochs=epochs if isinstance(epochs, int) else None, complete=complete,
            running=directory.is_held(), unreadable=unreadable,
            results_name=results_file.name, not_files=not_files, refused=refused,
            audited=os.path.lexists(directory.path / AUDIT_FILE), changed=changed,
            miscounted=counted, fold_faults=tuple(faults), linked=linked, gone=gone,
            swept=made_by_sweep(directory.path, recorded.config))
    except (KeyError, TypeError, ValueError):
        raise MerbenchError(f"{directory.path / RUN_FILE} does not name its run (model, "
                            "dataset, protocol, seed); it was not written by merbench") from None


def _gone(directory: RunDirectory, n_folds: int) -> tuple[str, str] | None:
    """The fold files of the finished run in ``directory`` that are gone, said with their
    fix as validate says them (where its results file is read), or None: the run said
    "stopped ... to go on", validate "publish the complete run directory" (84af)."""
    missing = missing_folds(directory, n_folds)
    if missing is None:
        return None
    count, names = missing
    return missing_parts([f"{FOLDS_DIR}/{name}" for name in names], count,
                         audited=os.path.lexists(directory.path / AUDIT_FILE))


def _table_size(feature_values: object) -> int | None:
    """How many samples the run's table holds: ``run.json`` records one value digest per
    sample once the run has its values (None before, or where it records none)."""
    return len(feature_values) if isinstance(feature_values, dict) and feature_values else None


def _protocol_name(identity: dict[str, Any]) -> object:
    """The protocol's name run.json records (None where it records none)."""
    protocol = identity.get("protocol")
    return protocol.get("name") if isinstance(protocol, dict) else None


def _name(value: object) -> str:
    """A component's name as run.json holds it: an edited one (null) as JSON writes it,
    never Python's ``None``."""
    return value if isinstance(value, str) else written(value)


def _not_files(directory: RunDirectory) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each entry of the run folder and its fold files' folder that is not a regular file
    of its own, as the safety check names it ("predictions.csv is a fifo"); and the names of
    those of the run folder that are symbolic links."""
    found, linked = [], []
    for folder in (directory.path, *real_folds(directory.path)):
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name.endswith((".json", ".csv", ".npz")):  # a file's name, a folder
                    found.append(f"{Path(entry.path).relative_to(directory.path)} is a folder")
                continue
            try:
                check_entry(Path(entry.path), directory.path)
            except UnsafeFile as exc:
                found.append(exc.found)
                if entry.is_symlink() and folder == directory.path:
                    linked.append(entry.name)
    return tuple(found), tuple(linked)


def _saved_states(directory: RunDirectory,
                  finished: set[int]) -> tuple[tuple[int, int], ...]:
    """(folds, epochs) of each saved state of unfinished folds in ``directory``, the furthest
    first; a fold whose state exists twice (folds grouped otherwise, once) counts once."""
    named = [(path, folds) for path, folds in directory.partial_states()
             if not folds & finished]
    if not named:
        return ()
    from merbench.training.fold_checkpoint import saved_epochs  # torch: only when needed

    progress = [(epochs, folds) for path, folds in named
                if (epochs := saved_epochs(path)) is not None]
    counted: set[int] = set()
    saved = []
    for epochs, folds in sorted(progress, key=lambda item: -item[0]):
        if not folds & counted:
            counted |= folds
            saved.append((len(folds), epochs))
    return tuple(saved)
