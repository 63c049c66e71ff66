"""A run's record as the run-folder code every run shares reads it, and how a task's record is
read and checked, without knowing which task's it is.

An emotion run (``results.json``) and an action-unit run (its kind's own file) are both run
folders: ``run.json``, one fold file a fold, a predictions table and one record naming them.
The checks every run folder gets (``status``'s reading of the record, its provenance and
environment, the audit that trains its folds again, a page's reduced setting) read the same
fields of either record, so they take a :class:`RunRecord`, what both records have, rather
than a union of their classes: a union named the action-unit record here, so this layer
imported the action-unit kind's code and every new run task had to extend each union (issue
82). How a task's record is read and checked on its own is a :class:`RunRecordFormat`,
which the task's strategy in the runner (:mod:`merbench.runner.task_run`) hands down:
:data:`merbench.results.written.EMOTION_RECORD` is the emotion task's, ``merbench/au/``
holds the action-unit task's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from merbench.results.model import (
    EngineRecord,
    EnvironmentRecord,
    FeatureRecord,
    FoldRecord,
    Hyperparameters,
    ModelRecord,
    ProtocolRecord,
    ProviderRecord,
)


class RecordedDataset(Protocol):
    """What every run record says of its dataset."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def options(self) -> dict[str, Any]: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def provider(self) -> ProviderRecord | None: ...


class RunRecord(Protocol):
    """What every run's record holds: the run folder's files it names, what was trained on
    what, the folds, and where and how long it ran."""

    #: the record's own file and the predictions table beside it
    result_file: ClassVar[str]
    predictions_file: ClassVar[str]

    @property
    def created(self) -> str: ...
    @property
    def model(self) -> ModelRecord: ...
    @property
    def feature(self) -> FeatureRecord: ...
    @property
    def dataset(self) -> RecordedDataset: ...
    @property
    def protocol(self) -> ProtocolRecord: ...
    @property
    def seed(self) -> int: ...
    @property
    def shuffle_train_labels(self) -> bool: ...
    @property
    def hyperparameters(self) -> Hyperparameters: ...
    @property
    def precision(self) -> str: ...
    @property
    def folds(self) -> list[FoldRecord]: ...
    @property
    def environment(self) -> EnvironmentRecord: ...
    @property
    def engine(self) -> EngineRecord | None: ...
    @property
    def wall_time_s(self) -> float: ...
    @property
    def train_time_s(self) -> float: ...
    @property
    def folds_resumed(self) -> int: ...
    @property
    def files(self) -> dict[str, str] | None: ...


Record = TypeVar("Record", bound=RunRecord)


@dataclass(frozen=True)
class RunRecordFormat(Generic[Record]):
    """How one task's run record is read and checked on its own: what ``status`` runs
    before it calls the run finished, as ``validate`` does
    (:func:`merbench.results.written.run_written`)."""

    #: the record's file in the run folder
    result_file: str
    #: the file read, every field of its layout checked (a :class:`MerbenchError` naming it)
    read: Callable[[Path], Record]
    #: what the record says that must make sense on its own (a
    #: :class:`~merbench.results.recorded_values.ProvenanceError`)
    values: Callable[[Record], None]
    #: why the record is not the run ``run.json``'s identity records, in ``validate``'s
    #: words naming the file, or None
    identity_problem: Callable[[Record, dict[str, Any]], str | None]
    #: the classes a fold's predictions must stay below, where they are emotion classes
    #: (None: the predictions are the kind's own to check)
    n_classes: Callable[[Record], int | None]
