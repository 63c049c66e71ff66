"""The checks of a run's own files, for :mod:`merbench.verification.validate`: its fold files
cover the protocol's samples once each, its predictions table agrees with them, its selection
policies and epochs are ones its data supports, and stored numbers equal recomputed ones
(:func:`differ`). Each failure is a :class:`ResultRejected` naming the file and the fix.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.fold_agrees import count_problem, key_problem
from merbench.results.fold_names import (
    FOLDS,
    copy_lines,
    fold_numbers,
    stray_line,
    stray_names,
)
from merbench.results.go_on import missing_line
from merbench.results.manifest import TABLE_FIX
from merbench.results.model import Results
from merbench.results.protocol_names import SUBJECT_SPLIT
from merbench.results.result_files import AUDIT_FILE
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import audited_table_fix
from merbench.results.schema import PREDICTION_COLUMNS
from merbench.results.user_files import LfsPointer, UnreadableFile, read_user_csv

#: how a reader's sentence about a path goes on after naming it ("PATH is not ...")
_PREDICATES = "(is|has|holds|lacks|does|cannot)"
TOLERANCE = 1e-9  # stored floats went through JSON; anything larger is a different number


class ResultRejected(MerbenchError):
    """A result file that must not be shown: ``reason`` says what is wrong with it.

    Said as ``PATH: REASON``, the path once: a reason that is a reader's words, naming the
    path again ("r: r/run.json has ...", "r: r is not a merbench run directory"), is kept
    with ``path`` said only in front (:func:`said_in`), here, where the two are joined, so
    no caller has to strip it."""

    def __init__(self, path: Path, reason: str) -> None:
        # "r is not ..." said of r: "r: is not ..." (only before a verb: a reason that
        # starts with a word the folder is named by, "seeds [0, 1] are ...", keeps it)
        reason = re.sub(rf"^{re.escape(str(path))}(: | (?={_PREDICATES} ))", "",
                        said_in(path, reason))
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def said_in(folder: Path, message: str) -> str:
    """``message``, a reader's words that name files by their whole path ("t/au-results.json
    is not ..."), with each file in ``folder`` named by its path in it ("au-results.json is
    not ..."): for a line that names ``folder`` first ("t: ..."), which would otherwise say
    the path twice ("t: t/au-results.json is not ...")."""
    inside = re.compile(rf"(?<![^\s(]){re.escape(str(folder))}/")
    return inside.sub("", message)


def differ(stored: Any, recomputed: Any, where: str) -> str | None:
    """Where ``stored`` and ``recomputed`` first differ (floats within TOLERANCE are equal)."""
    if isinstance(recomputed, dict):
        if not isinstance(stored, dict):
            return f"{where} is not an object"
        for key in sorted(set(stored) | set(recomputed)):
            if key not in stored:
                return f"{where}.{key} is missing"
            if key not in recomputed:
                return f"{where}.{key} is stored but the predictions give no such entry"
            found = differ(stored[key], recomputed[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recomputed, list):
        if not isinstance(stored, list) or len(stored) != len(recomputed):
            return f"{where} is {stored!r} but the predictions give {recomputed!r}"
        for i, (a, b) in enumerate(zip(stored, recomputed, strict=True)):
            found = differ(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(recomputed, float) and isinstance(stored, int | float) \
            and not isinstance(stored, bool):
        if math.isclose(stored, recomputed, rel_tol=0, abs_tol=TOLERANCE):
            return None
        return f"{where} is {stored!r} but the predictions give {recomputed:.6f}"
    if stored != recomputed:
        return f"{where} is {stored!r} but the predictions give {recomputed!r}"
    return None


def missing_folds(store: RunDirectory, n_folds: int) -> tuple[int, list[str]] | None:
    """How many of ``n_folds`` fold files are not there, and the first three names, counted
    from the files that are, or None when there are as many: a hand-edited
    ``protocol.n_folds`` of 10**9 was a loop over every number, which ran until stopped."""
    present = set(fold_numbers(store.folds_dir))  # a stray fold-3.npz is refused before
    have = sum(1 for index in present if index < n_folds)
    if have == n_folds:
        return None
    names = []
    for index in range(n_folds):  # ends after the files there and three more
        if index not in present:
            names.append(store.fold_path(index).name)
            if len(names) > 3:
                break
    return n_folds - have, names


def load_folds(run_dir: Path, n_folds: int) -> list[FoldOutcome]:
    store = RunDirectory(run_dir)
    folds = []
    stray = stray_names(store.folds_dir)  # fold-3.npz: a fold to status, none here (84w)
    gone = missing_folds(store, n_folds)
    if stray and gone is not None:
        raise ResultRejected(run_dir, stray_line(f"{FOLDS}/{stray[0]}"))
    if gone is not None:
        count, missing = gone  # as status says it, with the fix that holds (84af)
        raise ResultRejected(run_dir, missing_line(
            [f"{FOLDS}/{name}" for name in missing], count,
            audited=os.path.lexists(run_dir / AUDIT_FILE)))
    copies = []
    for index in range(n_folds):
        try:
            fold = store.load_fold(index)
        except LfsPointer as exc:  # fetched, not "damaged"
            raise ResultRejected(run_dir, f"fold file {store.fold_path(index).name} "
                                          f"{exc.reason}") from None
        except MerbenchError:
            raise ResultRejected(run_dir, f"fold file {store.fold_path(index).name} is "
                                          "damaged or unreadable") from None
        if fold is None:  # gone since counted
            raise ResultRejected(run_dir, f"fold file {store.fold_path(index).name} is "
                                          "damaged or unreadable")
        if fold.index != index:  # as status says it (X6), with the others below
            copies.append((f"{FOLDS}/{store.fold_path(index).name}", fold.index, index))
        else:
            folds.append(fold)
    numbers = fold_numbers(store.folds_dir)
    if stray or copies:  # every stray, copy and file beyond in one line, as status says
        raise ResultRejected(run_dir, "; and ".join(  # them: one at a time (pass 84ab)
            [stray_line(f"{FOLDS}/{name}") for name in stray]
            + copy_lines(copies, n_folds, set(numbers), has_results=True)))
    extra = sorted(store.fold_path(number).name for number in numbers if number >= n_folds)
    if extra:
        raise ResultRejected(run_dir, f"holds fold files beyond the {n_folds} folds the "
                                      f"results claim ({', '.join(extra[:3])})")
    return folds


def missing_table_fix(run_dir: Path) -> str:
    """What to do where a finished run's predictions table is missing: the same command
    writes it again from the fold files, which is what ``status`` says; beside the run's
    audits, which going on would void, the audited table's fix (:func:`audited_table_fix`).
    Validate and show said "publish the complete run directory" (pass 84aa's Z11 fix left
    it)."""
    if os.path.lexists(run_dir / AUDIT_FILE):
        return audited_table_fix(there=False)
    return TABLE_FIX


def read_predictions(run_dir: Path) -> Any:
    path = run_dir / "predictions.csv"
    if not os.path.lexists(path):  # the fix status gives ("publish the complete run")
        raise ResultRejected(run_dir, f"predictions.csv is missing; {missing_table_fix(run_dir)}")
    try:
        frame = read_user_csv(path, "predictions table",
                              dtype={"sample_id": str, "database": str, "subject": str})
    except UnreadableFile as exc:
        raise ResultRejected(run_dir, f"predictions.csv {exc.reason}") from None
    lacking = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
    if lacking:
        raise ResultRejected(run_dir, f"predictions.csv lacks column(s) {', '.join(lacking)}")
    return frame


def classes_problem(fold: FoldOutcome, n_classes: int) -> str | None:
    """Where ``fold``'s labels or predictions hold an index outside its ``n_classes``
    classes: what ``validate`` refuses, and ``status`` with it (it called such a run
    complete)."""
    for name, values in (("labels", fold.y_true), ("predictions", fold.epoch_predictions)):
        if values.size and (values.min() < 0 or values.max() >= n_classes):
            return f"fold {'/'.join(fold.key)} has {name} outside the {n_classes} classes"
    return None


def check_coverage(run_dir: Path, results: Results, folds: list[FoldOutcome],
                    n_classes: int) -> np.ndarray:
    """The tested sample ids, in fold order, once each and covering the protocol's samples."""
    reject = lambda reason: ResultRejected(run_dir, reason)  # noqa: E731
    stored_folds = results.folds
    counted = count_problem(len(stored_folds), len(folds))
    if counted is not None:
        raise reject(counted)
    for fold, stored in zip(folds, stored_folds, strict=True):
        problem = key_problem(fold, stored, "results.json")
        if problem is not None:
            raise reject(problem)
        shape = fold.epoch_predictions.shape
        if len(shape) != 2 or shape[1] != len(fold.y_true) or shape[0] < 1:
            raise reject(f"fold {'/'.join(fold.key)} has predictions of shape {shape} for "
                         f"{len(fold.y_true)} test samples")
        problem = classes_problem(fold, n_classes)
        if problem is not None:
            raise reject(problem)
    sample_ids = np.concatenate([f.sample_ids for f in folds]).astype(str)
    if len(set(sample_ids.tolist())) != len(sample_ids):
        raise reject("a sample is tested in more than one fold; LOSO tests each sample once")
    expected = results.protocol.n_samples
    if len(sample_ids) != expected:
        raise reject(f"the folds test {len(sample_ids)} samples but the protocol has "
                     f"{expected} (protocol.n_samples)")
    return sample_ids


def check_against_dataset(run_dir: Path, results: Results, databases: np.ndarray,
                           y_true: np.ndarray, subjects: np.ndarray) -> None:
    """Every database the protocol tests is tested completely, with the dataset's labels;
    under ``subject-split``, which tests the subjects it lists and no others, exactly those
    (``subjects``: each tested sample's ``database/subject``)."""
    if results.protocol.name == SUBJECT_SPLIT:
        listed = results.protocol.options.get("test")
        tested_subjects = set(subjects.tolist())
        if not isinstance(listed, list) or tested_subjects != set(listed):
            raise ResultRejected(run_dir, (
                f"tests subjects {sorted(tested_subjects)[:3]}... but its subject-split "
                f"protocol lists test subjects {listed!r}; the two must be the same"))
        return
    dataset = results.dataset
    tested, counts = np.unique(databases, return_counts=True)
    for db, count in zip(tested.tolist(), counts.tolist(), strict=True):
        info = dataset.databases.get(db)
        if info is None:
            raise ResultRejected(run_dir, f"tests database '{db}', which dataset.databases "
                                          "does not list")
        if info.n_samples != count:
            raise ResultRejected(run_dir, (
                f"the predictions do not cover the protocol's samples: {count} of "
                f"{info.n_samples} {db} samples are tested"))
    if set(tested.tolist()) == set(dataset.databases):
        counts_now = np.bincount(y_true, minlength=len(dataset.classes)).tolist()
        if counts_now != dataset.class_counts:
            raise ResultRejected(run_dir, f"the tested labels count {counts_now} per class but "
                                          f"the dataset has {dataset.class_counts}")


def check_epochs(run_dir: Path, results: Results, folds: list[FoldOutcome]) -> int:
    """All folds trained the same, declared number of epochs (a cut-short run is refused)."""
    counts = {int(f.epoch_predictions.shape[0]) for f in folds}
    if len(counts) != 1:
        raise ResultRejected(run_dir, f"folds hold different numbers of epochs {sorted(counts)}")
    n_epochs = counts.pop()
    if not results.trained:
        if n_epochs != 1:
            raise ResultRejected(run_dir, f"evaluates saved weights (trained: false) but its "
                                          f"folds hold {n_epochs} predictions per sample")
        return n_epochs
    recipe = results.hyperparameters.recipe
    declared = None if recipe is None else recipe.epochs
    if results.model.kind == "torch" and declared != n_epochs:
        raise ResultRejected(run_dir, f"the folds hold {n_epochs} epochs of predictions but "
                                      f"the run declares {declared} epochs")
    return n_epochs
