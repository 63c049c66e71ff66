"""``tune.json``: the record of a hyper-parameter search (``merbench tune``).

Every run a tuning trains is an ordinary run folder (``trials/``, ``final/``), with its own
``run.json``, fold files and ``results.json``, kept as folders while the search trains and
packed into one ``runs.tar.xz`` beside this file when it finishes
(:mod:`merbench.tuning.archive`); this file says what they were for: the
space, the sampler and its seed, each outer fold's inner subjects, every trial's values and
inner scores, the configuration chosen for each outer fold, and the pooled outer scores of
the retrained configurations. ``merbench validate`` recomputes all of that from the run
folders (:mod:`merbench.tuning.check`).

Two modes share the layout. ``nested``: each outer fold's trials are scored on inner folds
of its training subjects only, and the best is retrained on all of them and scored once on
the test subject. ``test-scored``: one search whose trials are whole outer runs scored on the
test subjects, as the field's released grids are; its "outer fold" is the whole protocol.

Versioned apart from the other files (:data:`TUNE_SCHEMA`). Layout 1 kept the run folders
unpacked; layout 2 packs them; layout 3 records each packed file's SHA-256 (``archived``).
``merbench migrate`` takes an older tuning to layout 3
(:func:`merbench.results.upgrade.upgrade`); readers read layout 3 only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.base.literal import pasted_command
from merbench.results.model import Intervals
from merbench.results.schema import read_kind
from merbench.results.user_files import (
    UnreadableFile,
    column_problem,
    read_user_csv,
    read_user_json_object,
)
from merbench.scores.interval_records import lone_reason

TUNE_FILE = "tune.json"
TUNE_PREDICTIONS_FILE = "predictions.csv"
#: written when a tuning starts: the search it runs, so a second command into the folder with
#: another file is refused, and the leaderboard knows the folder's runs are trials before
#: ``tune.json`` exists
TUNING_SPEC_FILE = "tuning.json"
TUNE_SCHEMA = 3
PREDICTION_COLUMNS = ["sample_id", "database", "subject", "fold", "y_true", "y_pred"]
Mode = Literal["nested", "test-scored"]
NESTED: Mode = "nested"
TEST_SCORED: Mode = "test-scored"


@dataclass(frozen=True)
class ParameterRecord:
    """One searched option, as the tuning file gave it."""

    name: str
    choices: list[Any] | None
    low: float | None
    high: float | None
    log: bool
    step: int | None
    integer: bool


@dataclass(frozen=True)
class TrialRecord:
    """One configuration tried for one outer fold."""

    number: int
    params: dict[str, Any]
    state: Literal["complete", "pruned"]
    steps: list[float]  # the objective pooled over the first 1, 2, ... inner folds
    score: float | None  # over every inner fold; None: pruned before the last
    runs: list[str]  # its run folders, relative to the tuning folder, one per inner fold


@dataclass(frozen=True)
class OuterRecord:
    """One outer fold: its subjects, the inner folds, every trial and the choice."""

    index: int  # the outer protocol's fold index (0: the whole protocol, test-scored)
    label: str
    train_subjects: list[str]
    test_subjects: list[str]
    inner_validation: list[list[str]]  # each inner fold's validation subjects
    trials: list[TrialRecord]
    chosen: int  # the number of the best complete trial (ties: the earliest)
    final_run: str  # the chosen configuration's run on the test subjects

    def chosen_trial(self) -> TrialRecord:
        return next(t for t in self.trials if t.number == self.chosen)


@dataclass(frozen=True)
class ScoresRecord:
    uf1: float
    uar: float


@dataclass(frozen=True)
class TuneResults:
    """``tune.json``: a search, what it chose, and what that scored on the test subjects."""

    schema_version: int
    kind: Literal["tune"]
    created: str
    mode: Mode
    model: str
    dataset: str
    protocol: str  # the outer protocol
    seed: int
    objective: Literal["uf1", "uar"]
    inner_folds: int | None  # None: test-scored (no inner folds)
    options: dict[str, Any]  # the run options every trial shared
    dataset_options: dict[str, Any]
    space: list[ParameterRecord]
    sampler: str
    sampler_seed: int
    pruner: str
    trials: int  # asked for, per outer fold
    complete: bool  # every outer fold ran every trial (False: stopped by --timeout-s)
    library: dict[str, str]  # the search library and its version
    outer: list[OuterRecord]
    classes: list[str]
    n_samples: int
    overall: ScoresRecord
    per_database: dict[str, ScoresRecord]
    intervals: Intervals
    wall_time_s: float
    #: each regular file in ``runs.tar.xz`` (its member name) and its SHA-256, as
    #: ``results.json``'s ``files`` bind a run's files: ``status`` and ``show`` tell a
    #: member replaced by another run's file from these, without unpacking (layout 3)
    archived: dict[str, str]

    def chosen_configurations(self) -> dict[str, int]:
        """Each configuration chosen, as ``name=value, ...``, with how many outer folds
        chose it, in the order first chosen."""
        used: dict[str, int] = {}
        for outer in self.outer:
            text = ", ".join(f"{k}={v}" for k, v in outer.chosen_trial().params.items())
            used[text] = used.get(text, 0) + 1
        return used

    def trials_ran(self) -> str:
        """How many of the trials asked for ran in each outer fold, "1 of 2" ("1 to 2 of
        2" where the outer folds differ): the measure of a search stopped by
        ``--timeout-s``, whose scores are those of a smaller search than its row names."""
        ran = sorted({len(outer.trials) for outer in self.outer}) or [0]
        fewest, most = ran[0], ran[-1]
        return (f"{fewest}" if fewest == most else f"{fewest} to {most}") + \
            f" of {self.trials}"

    def stopped_early(self) -> str:
        """What every view of a search stopped by ``--timeout-s`` says of it, as the tuning
        page's "stopped early" says (its trial counts included); "" for a complete one."""
        return "" if self.complete else \
            f"stopped early (--timeout-s): {self.trials_ran()} trials"


def final_folder(outer_folder: str, number: int) -> str:
    """Where a nested tuning retrains trial ``number`` of an outer fold, relative to the
    tuning's folder: a folder per trial, so a search that goes on after ``--timeout-s`` and
    chooses another trial retrains into a folder of its own."""
    return f"final/{outer_folder}/trial-{number:03d}"


def read_tune_predictions(folder: Path) -> Any:
    """A tuning's pooled ``predictions.csv``; subjects stay text (SAMM's are ``006``)."""
    path = folder / TUNE_PREDICTIONS_FILE
    if not path.exists():
        raise MerbenchError(f"{path} is missing; publish the whole tuning folder")
    frame: pd.DataFrame = read_user_csv(path, "tuning's predictions table",
                                   dtype={"sample_id": str, "database": str, "subject": str})
    problem = column_problem(frame.columns, PREDICTION_COLUMNS)
    if problem:
        raise MerbenchError(f"{path} {problem}")
    return frame


def read_search_record(folder: Path) -> tuple[dict[str, Any], str]:
    """The search ``tuning.json`` in ``folder`` recorded when it started: (its spec, its
    mode). Every reader of the file (``validate``, ``status``, ``audit``, ``tune`` resuming,
    the leaderboard) reads it here, through the bounded reader: it alone once decoded it
    with ``json.loads``, and 100,000 nested brackets stopped all of them with a traceback.
    A file that is not such a record is an :class:`UnreadableFile` saying why."""
    path = Path(folder) / TUNING_SPEC_FILE
    what = "the record of the search"
    record = read_user_json_object(path, what)
    if not search_record_laid_out(record):
        raise UnreadableFile(f"{path} ({what}) lacks its spec or mode; publish the tuning "
                             "folder as merbench tune wrote it",
                             "lacks its spec (an object) or its mode")
    return record["spec"], str(record["mode"])


def search_record_laid_out(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` (a file's JSON object) is a search's ``tuning.json`` by its fields,
    its spec (an object) and its mode: the record names no kind, so one renamed as a result
    file is told by these (:meth:`merbench.kinds.ResultKind.started_by`), where read by that
    name it was a damaged results file or no merbench result."""
    return isinstance(data.get("spec"), dict) and data.get("mode") in (NESTED, TEST_SCORED)


def check_search_record(path: Path) -> None:
    """``migrate``'s check of a tuning's ``tuning.json`` (``path``), in validate's words:
    migrate read it as JSON only, and called a tuning whose record was ``[]`` or
    ``{"schema_version": 99}`` current (pass 84z, Z7)."""
    try:
        read_search_record(path.parent)
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} is not the record of a search ({exc.because})") from None


#: tuning.json's count of a nested search's outer folds, known when it starts: ``status``
#: gives "of at most N" from it, where counting the outer folds' folders made so far gave 5
#: for a search of 15 runs until every outer fold had begun
OUTER_FOLDS = "outer_folds"


def recorded_outer_folds(folder: Path) -> int | None:
    """The number of outer folds the nested search in ``folder`` recorded in tuning.json
    when it started, or None where it recorded none (a search begun before merbench recorded
    it, a test-scored one). A value that is no whole number from 1 up is an
    :class:`UnreadableFile`: taken as "not recorded", an edited count passed ``validate``."""
    path = Path(folder) / TUNING_SPEC_FILE
    record = read_user_json_object(path, "the record of the search")
    if OUTER_FOLDS not in record:
        return None
    value = record[OUTER_FOLDS]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    because = f"its {OUTER_FOLDS} is no whole number of at least 1"
    raise UnreadableFile(f"{path} (the record of the search): {because}; publish the tuning "
                         "folder as merbench tune wrote it", because)


def outer_folds_problem(folder: Path, results: TuneResults) -> str | None:
    """What is wrong with the outer folds tuning.json recorded against ``tune.json``'s, or
    None: ``status`` (from it, its total) and ``validate`` ask alike, so that no tuning is
    "finished" to one and refused by the other."""
    recorded = recorded_outer_folds(folder)
    if results.mode != NESTED or recorded is None or recorded == len(results.outer):
        return None
    return (f"{TUNING_SPEC_FILE} records {recorded} outer folds, but tune.json has "
            f"{len(results.outer)}; publish the tuning as merbench tune wrote it")


def read_tune(path: Path) -> TuneResults:
    """A ``tune.json`` in the current layout, every field checked."""
    migrate = pasted_command("merbench migrate {}", Path(path).parent)
    return read_kind(path, "tuning results file", "tune", TUNE_SCHEMA, TuneResults, older={
        1: f"its runs unpacked; {migrate} packs them into layout {TUNE_SCHEMA}",
        2: f"no digest of the files in its runs.tar.xz; {migrate} records them, layout "
           f"{TUNE_SCHEMA}"})


def lone_interval(results: TuneResults) -> str:
    """Why the tuning's outer scores have no interval over subjects (its outer folds test
    one subject, or one a database: each resample draws the same ones, so its recorded
    interval is a point), in the words every kind says it
    (:func:`~merbench.scores.interval_records.lone_reason`), or "" where they have one."""
    return lone_reason(subject.partition("/")[::2] if "/" in subject else ("", subject)
                       for fold in results.outer for subject in fold.test_subjects)
