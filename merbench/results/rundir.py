"""A run directory: what the run is, one file per finished fold, and the final results.

Layout::

    run.json            what runs (identity), the options it was started with, its folds
                        (every file here has the layout of merbench.results.model)
    folds/fold-NNN.npz  one finished fold: test samples and per-epoch predictions
    partial/fold-NNN.pt an unfinished fold's training state (folds-NNN-NNN.pt: folds trained
                        together), removed when the fold finishes
    results.json        pooled metrics and provenance, written when all folds are done
    predictions.csv     one row per sample with the selected prediction

Fold files and saved states are written atomically (a temporary file, then a rename), so an
interrupted run loses at most the epochs since the fold in progress last saved its state
(every ``--checkpoint-every`` minutes), and a resumed run never retrains a finished fold. One
process at a time works in a directory (:meth:`RunDirectory.held`), so the one that holds it
removes the temporary files killed processes left (:meth:`RunDirectory.remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from merbench.base.atomic import (
    atomic_write_json,
    is_temporary,
    remove_leftovers,
)
from merbench.base.errors import MerbenchError
from merbench.base.folder_locks import held_against
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.checked_fields import check_identity
from merbench.results.codec import LayoutError, from_json, to_json, unreadable
from merbench.results.command_outputs import command_output_said
from merbench.results.fold_file import read_fold_file, write_fold_file
from merbench.results.fold_names import FOLDS, folder_problem
from merbench.results.manifest import identity_sha256
from merbench.results.migrations import migrate
from merbench.results.model import SCHEMA_VERSION, RunRecord
from merbench.results.out_folders import entry_in_the_way, refuse_out_place
from merbench.results.result_files import RUN_FILE
from merbench.results.run_differences import differences_said
from merbench.results.safe_files import UnsafeFile, entry_kind, refuse_borrowed
from merbench.results.user_files import UnreadableFile, read_written_json

try:
    import fcntl
except ImportError:  # not POSIX (Windows): runs go unlocked
    HAS_FLOCK = False
else:
    HAS_FLOCK = True

FOLDS_DIR = FOLDS
PARTIAL_DIR = "partial"
RUN_KEPT = "it keeps every fold it trains"  # a stopped run's folds, said in the lock's refusal
LOCK_ATTEMPTS, LOCK_WAIT_S = 10, 0.1  # a second in all before a held directory is refused
# Temporaries of the files a run directory holds as merbench named them before they ended in
# .merbench-tmp (mkstemp's eight random characters), left in run folders by killed writes.
_UNMARKED_TEMPORARY = re.compile(
    r"^\.(run\.json|results\.json|predictions\.csv|seeds\.json|fold-\d+\.npz|"
    r"folds?-[\d-]+\.pt)\.[a-z0-9_]{8}$")


class RunFileUnreadable(MerbenchError):
    """``run.json`` cannot be read: ``problem`` says why. The message advises no writes:
    ``validate`` and ``status`` only read, so "choose another --out" would mislead there;
    a command that writes into the folder says its own advice."""

    def __init__(self, run_file: Path, problem: str) -> None:
        super().__init__(f"{run_file} is unreadable ({problem}); it records what ran, so "
                         "restore it from a copy of the run")
        self.run_file = run_file
        self.problem = problem


def anew(folder: Path, command: str = "the same command") -> str:
    """The second fix for a run folder whose ``run.json`` no command can go on from: every
    command that meets it (``run --out``, a sweep, ``run --resume``) says it alike, where
    resume sent the user to "another --out" (pass 84z, Z8)."""
    return f"remove {folder} and run {command} again, which trains it anew"


class DifferentRun(MerbenchError):
    """The run directory holds another run than the one asked for (``identity``); ``stored``
    is its identity, for a caller that can say more about a particular difference."""

    def __init__(self, path: Path, identity: dict[str, Any], stored: Any) -> None:
        self.differences = differences_said(identity, stored)
        self.identity = identity
        super().__init__(f"--out {path} holds a different run ({self.differences}); choose "
                         "another --out, or delete that directory to start over")
        self.stored = stored


@contextlib.contextmanager
def held_folder(path: Path, kept: str) -> Iterator[None]:
    """Keep the folder ``path`` (made where missing) to this process while the block runs:
    a second merbench command writing the same folder is refused, and readers can tell the
    folder is being written (:func:`folder_is_held`). The lock is the operating system's
    (``flock`` on the folder itself: no lock file, and a killed process leaves none
    behind); where locks are not supported (some network file systems, Windows) commands
    go unlocked. ``kept``: what the running command keeps, for the refusal."""
    refuse_out_place(path)
    if not HAS_FLOCK:
        yield
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        above = entry_in_the_way(path)
        why = f"{above} is {entry_kind(above)}, not a folder" if above else exc.strerror
        raise MerbenchError(f"--out {path} cannot be created ({why}); "
                            "choose a directory you can write to") from None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # a folder, never a fifo
    try:
        for attempt in range(LOCK_ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:  # 'merbench status' looks for a moment: wait it out
                if attempt == LOCK_ATTEMPTS - 1:
                    raise MerbenchError(running_there(path, kept)) from None
                time.sleep(LOCK_WAIT_S)
            except OSError:  # the file system has no locks: run as before there were any
                break
        yield
    finally:
        os.close(fd)  # releases the lock


def running_there(path: Path, kept: str) -> str:
    """The refusal of ``path`` that another command writes now, with what it keeps."""
    return (f"another merbench process is running in {path}; wait for it to finish "
            f"({kept}), or choose another --out")


def folder_is_held(path: Path) -> bool | None:
    """Whether a merbench command is writing ``path`` now (it holds the lock of
    :func:`held_folder`); None where the file system has no locks (or no such folder)."""
    return held_against(path, exclusive=False)


class RunDirectory:
    """Create, resume or refuse a run directory for one run identity."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def folds_dir(self) -> Path:
        return self.path / FOLDS_DIR

    @property
    def partial_dir(self) -> Path:
        return self.path / PARTIAL_DIR

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Keep the directory to this process while the block runs. Two processes in one run
        directory would train the same folds twice (say, ``--seeds 0,1,2`` started while a
        ``--seeds 1`` of the same run is still going), and a second run could rewrite
        ``run.json`` under the first. The lock is :func:`held_folder`'s."""
        with held_folder(self.path, RUN_KEPT):
            if HAS_FLOCK:
                self.remove_leftovers()
            yield

    def remove_leftovers(self) -> list[Path]:
        """Remove the temporary files that killed merbench processes left here (a fold, the
        results, a saved state's copy of 1.7 GB for HTNet). Call it only while holding the
        directory: then no other process is writing one."""
        removed = []
        for folder in (self.path, self.folds_dir, self.partial_dir):
            removed += remove_leftovers(folder, all_writers=True)
            if folder.is_dir():
                for path in folder.iterdir():
                    if _UNMARKED_TEMPORARY.match(path.name) and path.is_file():
                        with contextlib.suppress(OSError):
                            path.unlink()
                            removed.append(path)
        return removed

    def tidy(self) -> list[Path]:
        """Remove leftover temporaries unless a merbench process is working here now (it
        may be writing one); for readers such as ``merbench status``."""
        if not HAS_FLOCK:  # no way to tell, so leave them
            return []
        if not self.path.is_dir():
            return []
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a running process, or no locks here
            return []
        else:
            return self.remove_leftovers()
        finally:
            os.close(fd)

    def read_run_file(self) -> RunRecord:
        """``run.json`` in the current layout, every field checked; :class:`RunFileUnreadable`
        when it cannot be read."""
        run_file = self.path / RUN_FILE
        try:
            data = read_written_json(run_file, "run record")
        except FileNotFoundError:
            if (predicted := command_output_said(self.path)) is not None:  # pass 84s, S6
                raise MerbenchError(f"{self.path} {predicted}") from None
            raise MerbenchError(
                f"{self.path} is not a merbench run directory (no {RUN_FILE}); "
                "pass the directory a run wrote, or start a new run"
            ) from None
        except UnreadableFile as exc:
            raise RunFileUnreadable(run_file, exc.because) from None
        except UnsafeFile:  # a folder, a fifo: "give a regular file" was no fix (pass 84z, Z8)
            raise RunFileUnreadable(run_file, f"{entry_kind(run_file)} stands in its "
                                    "place") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise RunFileUnreadable(run_file, unreadable(exc)) from None
        if not isinstance(data, dict):
            raise RunFileUnreadable(run_file, "not a JSON object")
        try:
            record = from_json(RunRecord, migrate(data, "run", run_file))
            check_identity({"identity": record.identity})
        except LayoutError as exc:
            raise RunFileUnreadable(run_file, str(exc)) from None
        if record.n_folds is not None and record.n_folds < 1:  # status said "3/-1 folds"
            raise RunFileUnreadable(run_file, f"field 'n_folds' is {record.n_folds}, expected "
                                    "a whole number of at least 1")
        return record

    def _read_to_write(self) -> RunRecord:
        """``run.json`` for a command about to write here: an unreadable one is a folder
        this run cannot go on in, so the advice is status's (restore the file) or to start
        the run anew. Said without "--out", which a sweep has none of: the folder was the
        plan's, and the user was sent to an option the sweep refuses (pass 84y, Y5)."""
        try:
            return self.read_run_file()
        except RunFileUnreadable as exc:
            raise MerbenchError(f"{exc.run_file} is unreadable ({exc.problem}), so the run "
                                "in it cannot go on; restore it from a copy of the run, or "
                                f"{anew(self.path)}") from None

    def open(self, identity: dict[str, Any], config: dict[str, Any],
             n_folds: int | None = None) -> None:
        """Start a new run here, or continue the same run; refuse a different one.
        ``n_folds`` is recorded for ``merbench status`` (how many folds are still to come)."""
        if self.path.exists() and not self.path.is_dir():
            raise MerbenchError(f"--out {self.path} is {entry_kind(self.path)}; choose a "
                                "directory")
        fresh = to_json(RunRecord(schema_version=SCHEMA_VERSION, identity=identity,
                                  config=config, n_folds=n_folds))
        if self.path.is_dir() and any(not is_temporary(p) for p in self.path.iterdir()):
            refuse_borrowed(self.path, RUN_FILE, "--out")  # read, and never written again
            if not (self.path / RUN_FILE).exists():
                raise MerbenchError(
                    f"--out {self.path} is not empty and holds no merbench run; "
                    "choose an empty or new directory"
                )
            recorded = self._read_to_write()
            stored = recorded.identity
            if stored == identity:
                _refuse_other_fold_count(self.path / RUN_FILE, recorded.n_folds, n_folds)
                # what status and validate say of its fold folder, refused before training:
                # a fold past the count was trained past into a rejected result (84w, W14)
                said = folder_problem(self.path, recorded.n_folds or n_folds, str(self.path),
                                      identity_sha256(stored))
                if said is not None:
                    raise MerbenchError(said)
                return
            if not self.has_results():
                # Nothing was computed here (e.g. the run stopped on a bad option before its
                # first fold): start the new run in its place.
                atomic_write_json(self.path / RUN_FILE, fresh)
                return
            raise DifferentRun(self.path, identity, stored)
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.path / RUN_FILE, fresh)

    def record_feature_values(self, digests: dict[str, str]) -> None:
        """Record in ``run.json`` the digest of each sample's values the run trains on."""
        record = dataclasses.replace(self._read_to_write(), feature_values=digests)
        atomic_write_json(self.path / RUN_FILE, to_json(record))

    def is_held(self) -> bool | None:
        """Whether a merbench process is running in this directory now (it holds the lock
        of :meth:`held`); None where the file system has no locks."""
        return folder_is_held(self.path)

    def has_results(self) -> bool:
        """Whether any fold, unfinished fold's state or result was written here (then the
        directory must be kept)."""
        return (self.path / "results.json").exists() or (
            self.folds_dir.is_dir() and any(self.folds_dir.glob("fold-*.npz"))) or (
            self.partial_dir.is_dir() and any(self.partial_dir.glob("*.pt")))

    def fold_path(self, index: int) -> Path:
        return self.folds_dir / f"fold-{index:03d}.npz"

    def partial_path(self, indices: Sequence[int]) -> Path:
        """Where the unfinished training state of the folds ``indices`` (trained together,
        or one alone) is saved."""
        if len(indices) == 1:
            return self.partial_dir / f"fold-{indices[0]:03d}.pt"
        return self.partial_dir / f"folds-{_spans(indices)}.pt"

    def partial_states(self) -> list[tuple[Path, set[int]]]:
        """Every saved state in ``partial/`` with the fold indices it holds, read back from
        the name :meth:`partial_path` gave it (set-aside copies and temporary files are not
        states)."""
        states = []
        for path in sorted(self.partial_dir.glob("*.pt")):
            kind, _, spans = path.stem.partition("-")
            indices = _indices(spans) if kind in ("fold", "folds") else None
            if indices:
                states.append((path, indices))
        return states

    def discard_partial(self, indices: Sequence[int] | None = None) -> None:
        """Remove the unfinished state of the folds ``indices`` (they have finished), with a
        copy set aside and a temporary file a killed save left, or everything in
        ``partial/`` (None: the run is complete); then the folder, once it is empty."""
        folder = self.partial_dir
        if indices is None:
            paths = list(folder.glob("*"))  # pathlib's * matches dot files too
        else:
            name = self.partial_path(indices).name
            paths = [folder / name, *folder.glob(f"{name}.*"), *folder.glob(f".{name}.*")]
        for path in paths:
            with contextlib.suppress(OSError):  # a state left behind is never read again
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty, or never made
            folder.rmdir()

    def identity_sha256(self) -> str | None:
        """The digest of the identity ``run.json`` records, which each fold file saved here
        carries (None: no run.json, as in an audit's scratch folder)."""
        if not (self.path / RUN_FILE).is_file():
            return None
        return identity_sha256(self.read_run_file().identity)

    def save_fold(self, fold: FoldOutcome) -> FoldOutcome:
        """Write ``fold``'s file; returns the fold as written (with when it was)."""
        return write_fold_file(self.fold_path(fold.index), fold, self.identity_sha256())

    def load_fold(self, index: int) -> FoldOutcome | None:
        """A finished fold, or None if it has not finished; a damaged file is an error."""
        path = self.fold_path(index)
        return read_fold_file(path) if path.exists() else None


def _refuse_other_fold_count(run_file: Path, recorded: int | None, planned: int | None
                             ) -> None:
    """The same run goes on only with the folds ``run.json`` counts: an edited count was
    trained to the end into a results file ``merbench validate`` refuses ("run.json says 7
    folds but results.json says 3"); refused before any fold trains, the folds kept."""
    if recorded is not None and planned is not None and recorded != planned:
        raise MerbenchError(f"{run_file} says {recorded} fold{'' if recorded == 1 else 's'}, "
                            f"but this run's protocol gives {planned}: run.json was edited, "
                            "so the run in it cannot go on; restore run.json from a copy of "
                            "the run (its finished folds are kept)")


def _spans(indices: Sequence[int]) -> str:
    """Folds 0, 1, 2, 3, 7, 9, 10 as ``000_003-007-009-010``: a file name stays short when 68 folds
    train together (68 indices written out pass the 255 bytes a file name may have)."""
    ordered = sorted(set(indices))
    spans: list[str] = []
    start = previous = ordered[0]
    for index in [*ordered[1:], None]:
        if index is not None and index == previous + 1:
            previous = index
            continue
        if previous - start >= 2:
            spans.append(f"{start:03d}_{previous:03d}")
        else:  # one or two folds are written out, as before spans were written
            spans.extend(f"{i:03d}" for i in range(start, previous + 1))
        if index is not None:
            start = previous = index
    return "-".join(spans)


def _indices(spans: str) -> set[int] | None:
    """The fold indices :func:`_spans` wrote (``None``: not such a name)."""
    indices: set[int] = set()
    for span in spans.split("-"):
        first, _, last = span.partition("_")
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        indices.update(range(int(first), int(last or first) + 1))
    return indices or None
