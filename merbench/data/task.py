"""What a run learns to predict: one emotion class a sample (the default), or which action
units (AUs) a sample shows (multi-label AU detection, ``--task au``).

A task is an object, not a name to compare: :func:`parse_task` turns ``--task`` and
``--au-set`` into an :class:`EmotionTask` or an :class:`AUTask` once, while the run is
planned, and :func:`stored_task` turns the task a finished run's identity recorded back into
one; nothing else reads the name. Each subclass answers what differs between the tasks and
needs nothing above this layer (this module stays as light as the spec that holds it: no
NumPy, no pandas): how many outputs its model has, which spec options it cannot take, what
and what its run's identity records. The work that needs heavier layers keeps one strategy
per task, looked up by the task's class in a single table of its own layer: the loss and
decision in :mod:`merbench.training.objective`, the folds, labels, record and end of a run
in :mod:`merbench.runner.task_run` (the record's file too: its format, with the record, is
the layers above's, :class:`merbench.results.run_record.RunRecordFormat`). A new task is
a subclass here, added to :data:`TASKS`, and an entry in each of those tables (tests check
every table covers :data:`TASKS`).

The AU task reuses everything an emotion run has (datasets, features, models with a
``num_classes`` head, protocols, every engine and executor, the fold files): its labels and
predictions are integers too (:func:`merbench.data.au_labels.label_codes`), so only what is
computed from a model's outputs and how a run is scored differ.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from merbench.base.errors import MerbenchError
from merbench.data.au_labels import DEFAULT_AU_SET, parse_au_set


@dataclass(frozen=True)
class Task(ABC):
    """What a run learns; frozen and small, so it travels in the plan to the engines (and
    to Ray workers) as a value. Each subclass answers every question below."""

    #: the ``--task`` value, and the ``name`` an identity records
    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def given(cls, au_set: str | None) -> Task:
        """The task as ``--task`` chose it, with ``--au-set`` (None: not given)."""

    @classmethod
    @abstractmethod
    def recorded(cls, identity: dict[str, Any]) -> Task:
        """The task as a run's identity recorded it (:meth:`identity`; ``{}`` where it
        recorded none)."""

    @abstractmethod
    def n_outputs(self, n_classes: int) -> int:
        """The model's outputs, given the dataset's number of emotion classes."""

    @abstractmethod
    def refuse_options(self, *, model: str, learns_outputs: bool, evaluates_weights: bool,
                       selection: str, data_order: str | None) -> None:
        """Raise :class:`MerbenchError` for what a run of this task cannot take
        (``learns_outputs``: a torch model whose factory sizes its head), said while
        planning, before any data is read."""

    @abstractmethod
    def identity(self, labels_sha256: Callable[[], str]) -> dict[str, Any] | None:
        """What the run's identity records of its task (``labels_sha256()``: the hash of the
        labels its folds test, computed only when a task records it); None records
        nothing."""


@dataclass(frozen=True)
class EmotionTask(Task):
    """One emotion class a sample. Its identity records no task, so an emotion run's
    identity (and its folder's hash) holds only what decides an emotion run's numbers."""

    name: ClassVar[str] = "emotion"

    @classmethod
    def given(cls, au_set: str | None) -> Task:
        if au_set is not None:
            raise MerbenchError("--au-set chooses the AUs of an AU run; add --task au or "
                                "leave it out")
        return cls()

    @classmethod
    def recorded(cls, identity: dict[str, Any]) -> Task:
        return cls()

    def n_outputs(self, n_classes: int) -> int:
        return n_classes

    def refuse_options(self, *, model: str, learns_outputs: bool, evaluates_weights: bool,
                       selection: str, data_order: str | None) -> None:
        return None  # every option was made for emotion runs

    def identity(self, labels_sha256: Callable[[], str]) -> dict[str, Any] | None:
        return None


@dataclass(frozen=True)
class AUTask(Task):
    """Which AUs of ``au_set`` (in increasing order) a sample shows: one sigmoid output an
    AU, trained and scored only on the samples whose sheet codes AUs."""

    au_set: tuple[int, ...] = DEFAULT_AU_SET
    name: ClassVar[str] = "au"

    @classmethod
    def given(cls, au_set: str | None) -> Task:
        """MEB's default set unless ``--au-set`` names one (a misspelt one is said now)."""
        return cls() if au_set is None else cls(parse_au_set(au_set))

    @classmethod
    def recorded(cls, identity: dict[str, Any]) -> Task:
        au_set = identity["au_set"]
        if not isinstance(au_set, list) or not au_set:
            raise ValueError(f"au_set is {json.dumps(au_set)}, not a list of AU numbers")
        for au in au_set:  # int() took NaN to a Python error, 2.5 to AU 2
            if isinstance(au, bool) or not isinstance(au, int):
                raise ValueError(f"au_set holds {json.dumps(au)}, not an AU number")
        return cls(tuple(au_set))

    def n_outputs(self, n_classes: int) -> int:
        return len(self.au_set)

    def refuse_options(self, *, model: str, learns_outputs: bool, evaluates_weights: bool,
                       selection: str, data_order: str | None) -> None:
        """A torch model whose factory sizes its head (``num_classes``), trained from
        scratch, reporting its last epoch."""
        if not learns_outputs:
            raise MerbenchError(f"model '{model}' cannot learn AUs: --task au trains a "
                                "torch model whose factory takes num_classes (one sigmoid "
                                "output an AU); choose such a model (merbench list models)")
        if evaluates_weights:
            raise MerbenchError("--task au trains its models; saved --weights are emotion "
                                "classifiers' (leave out --weights)")
        if selection != "fixed":
            raise MerbenchError(f"--task au reports each fold's last epoch (--selection "
                                f"fixed); leave out --selection {selection}")
        if data_order == "authors":
            raise MerbenchError("--data-order authors orders samples by emotion class, which "
                                "an AU run does not learn; use shuffle or listed")

    def identity(self, labels_sha256: Callable[[], str]) -> dict[str, Any] | None:
        """The AU set, and the hash of the AU label code of every sample a fold tests, so a
        sheet edited between two runs gives another identity (and ``merbench validate`` can
        hash the fold files' labels again)."""
        return {"name": self.name, "au_set": list(self.au_set), "labels": labels_sha256()}


EMOTION_TASK = EmotionTask()

#: every task, as a run gets it with no ``--au-set``: what ``--task`` chooses from, and what
#: each layer's table of task strategies must cover
TASKS: tuple[Task, ...] = (EMOTION_TASK, AUTask())
TASK_NAMES: tuple[str, ...] = tuple(task.name for task in TASKS)
_BY_NAME: dict[str, type[Task]] = {type(task).name: type(task) for task in TASKS}


def au_task(au_set: tuple[int, ...] | None = None) -> AUTask:
    """The AU task over ``au_set`` (MEB's default set when None)."""
    return AUTask(tuple(au_set) if au_set is not None else DEFAULT_AU_SET)


def parse_task(name: str, au_set: str | None) -> Task:
    """The task ``--task name`` and ``--au-set au_set`` name: the one place the name is
    read (an unknown name is refused, a misspelt AU set said, while planning)."""
    if name not in _BY_NAME:
        raise MerbenchError(f"--task {name} is no task; choose one of {', '.join(TASK_NAMES)}")
    return _BY_NAME[name].given(au_set)


def stored_task(identity: dict[str, Any], where: str = "run.json") -> Task:
    """The task a run's recorded identity (``run.json``, said as ``where``) names: the
    emotion task where it records none (:meth:`EmotionTask.identity`). A task merbench
    cannot read is said by its field, as JSON (a Python ``{'au_set': [nan]}`` named no file)."""
    recorded = identity.get("task")
    if recorded is None:
        return EMOTION_TASK
    name = recorded.get("name") if isinstance(recorded, dict) else None
    kind = _BY_NAME.get(name) if isinstance(name, str) else None
    if kind is None or not isinstance(recorded, dict):
        shown = json.dumps(name if isinstance(recorded, dict) else recorded)
        shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
        raise MerbenchError(f"{where}: identity.task names the task {shown}, which "
                            f"this merbench does not know ({', '.join(TASK_NAMES)})")
    try:
        return kind.recorded(recorded)
    except KeyError as exc:
        why = f" has no {exc.args[0]}"
    except ValueError as exc:
        why = f".{exc}"
    except TypeError:
        why = " is not how merbench records one"
    raise MerbenchError(f"{where}: identity.task{why}; the file was edited: restore it, or "
                        "run the run again")
