"""Everything a merbench plugin author uses, in one module.

A plugin imports merbench only from here (the first-party plugins do, and a test checks it),
as pytest plugins import from ``pytest``: the modules behind these names may move, these
names stay. The contracts the core relies on but cannot see in a base class are stated as
:class:`typing.Protocol` classes below; ``docs/writing-plugins.md`` shows each in use, and
:mod:`merbench.testing` checks registered plugins against them.

Importing this module is cheap: it loads neither torch nor any plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from merbench.base.cache import CACHE_ENV, FeatureCache
from merbench.base.cache_env import folder_from_env
from merbench.base.errors import MerbenchError, PluginError
from merbench.base.file_kinds import path_kind
from merbench.base.link_loop import loop_said
from merbench.base.literal import counted
from merbench.base.memory import machine_memory, refuse_beyond_memory
from merbench.base.native_output import native_stderr_silenced
from merbench.base.option_paths import option_path
from merbench.base.subject_names import names_shown, subject_meant
from merbench.base.whole_numbers import number_shown, whole_value
from merbench.data.au_labels import DEFAULT_AU_SET, MEB_AU_SETS, SampleActionUnits
from merbench.data.clips import (
    CLIP_COLUMNS,
    Clip,
    frame_fault,
    frame_index,
    frame_number,
    unique_frame_index,
)
from merbench.data.dataset import Dataset, InMemoryDataset
from merbench.export.authors_weights import check_layout, joined, renamed, whole_count
from merbench.export.layouts import apex_image_name
from merbench.features import Extracted, Sample, SampleExtractor
from merbench.meta import (
    DatasetMeta,
    FeatureMeta,
    ModelMeta,
    ProtocolMeta,
    ReducedSetting,
    TrainRecipe,
)
from merbench.meta.long_video import LongVideoMeta
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system.entry import fixed_options
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.option_values import OptionValueError, grid_fault
from merbench.plugin_system.registry import (
    DatasetRegistry,
    FeatureRegistry,
    LongVideoRegistry,
    ModelRegistry,
    ProtocolRegistry,
    SpotterRegistry,
)
from merbench.plugin_system.runinfo import FinishedResult, FoldOutcome, RunInfo
from merbench.protocols import Fold
from merbench.protocols.lodo import LeaveOneDatabaseOut
from merbench.protocols.loso import LeaveOneSubjectOut
from merbench.results.schema import installed_version
from merbench.results.user_files import (
    LfsPointer,
    UnreadableFile,
    check_user_file,
    checked_user_video,
    decode_user_image,
    fix_after,
    opened_user_file,
    read_user_bytes,
    read_user_csv,
    read_user_image,
    read_user_text,
    read_user_workbook,
)
from merbench.spotting.frame_sources import (
    MAX_FPS,
    MIN_FPS,
    ArrayFrames,
    FolderFrames,
    GeneratedFrames,
    VideoFileFrames,
)
from merbench.spotting.intervals import (
    MACRO,
    MICRO,
    MICRO_MAX_SECONDS,
    Expression,
    FrameInterval,
    Spotted,
    Video,
    intersection,
    kind_by_duration,
)
from merbench.spotting.long_videos import (
    Annotation,
    FrameSource,
    LongVideo,
    LongVideoDataset,
    LongVideoSet,
)
from merbench.spotting.scores import pooled_counts
from merbench.spotting.spotter import (
    FittedSpotter,
    LearnsToSpot,
    NeedsFrames,
    SpotsVariants,
    Spotter,
    TrainingVideo,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd
    import torch

__all__ = [
    "CACHE_ENV",
    "CLIP_COLUMNS",
    "DEFAULT_AU_SET",
    "MACRO",
    "MAX_FPS",
    "MEB_AU_SETS",
    "MICRO",
    "MICRO_MAX_SECONDS",
    "MIN_FPS",
    "Annotation",
    "ArrayFrames",
    "Augments",
    "Clip",
    "Dataset",
    "DatasetMeta",
    "DatasetRegistry",
    "Estimator",
    "EvaluationProtocol",
    "Expression",
    "Extracted",
    "FeatureCache",
    "FeatureMeta",
    "FeatureRegistry",
    "FinishedResult",
    "FittedSpotter",
    "Fold",
    "FoldOutcome",
    "FolderFrames",
    "FrameInterval",
    "FrameSource",
    "GeneratedFrames",
    "GroupedEstimator",
    "HasParamGroups",
    "InMemoryDataset",
    "LearnsToSpot",
    "LeaveOneDatabaseOut",
    "LeaveOneSubjectOut",
    "LfsPointer",
    "LongVideo",
    "LongVideoDataset",
    "LongVideoMeta",
    "LongVideoRegistry",
    "LongVideoSet",
    "MerbenchError",
    "ModelMeta",
    "ModelRegistry",
    "NeedsFrames",
    "OptionValueError",
    "PluginError",
    "ProtocolMeta",
    "ProtocolRegistry",
    "ReducedSetting",
    "ReportsFit",
    "RunInfo",
    "Sample",
    "SampleActionUnits",
    "SampleExtractor",
    "Source",
    "SpotsVariants",
    "Spotted",
    "Spotter",
    "SpotterMeta",
    "SpotterRegistry",
    "TrainRecipe",
    "TrainingVideo",
    "UnreadableFile",
    "Video",
    "VideoFileFrames",
    "WholeDatasetFeature",
    "apex_image_name",
    "check_layout",
    "check_user_file",
    "checked_user_video",
    "counted",
    "decode_user_image",
    "fix_after",
    "fixed_options",
    "folder_from_env",
    "frame_fault",
    "frame_index",
    "frame_number",
    "grid_fault",
    "hookimpl",
    "installed_version",
    "intersection",
    "joined",
    "kind_by_duration",
    "loop_said",
    "machine_memory",
    "names_shown",
    "native_stderr_silenced",
    "number_shown",
    "opened_user_file",
    "option_path",
    "path_kind",
    "pooled_counts",
    "read_user_bytes",
    "read_user_csv",
    "read_user_image",
    "read_user_text",
    "read_user_workbook",
    "read_weights",
    "refuse_beyond_memory",
    "renamed",
    "subject_meant",
    "unique_frame_index",
    "whole_count",
    "whole_value",
]


def read_weights(path: Path, what: str, wrappers: tuple[str, ...] | None = None
                 ) -> dict[str, torch.Tensor]:
    """The state dict in the weights file ``path`` a user names (``torch.save``'d, or a
    ``.safetensors`` file), checked as ``run --weights`` checks its checkpoints, so a file
    that is empty, text or no state dict is refused in merbench's words, not a reader's.
    ``what``: the file as a refusal of a path that is no regular file calls it;
    ``wrappers``: the keys of a dict that holds the weights, the first found taken (None:
    those ``torch.save`` is given by merbench's own scripts and most others)."""
    from merbench.training.weights_file import read_weights_file  # torch, deferred

    return read_weights_file(path, what) if wrappers is None else \
        read_weights_file(path, what, wrappers)


@runtime_checkable
class HasParamGroups(Protocol):
    """A torch model that gives its optimiser parameter groups (per-layer rates, no weight
    decay on norms and biases). ``lr`` and ``weight_decay`` are the run's; every trainable
    parameter must be in exactly one group, and the schedule scales every group's rate by
    the same factor each epoch. Folds trained together (``--parallel-folds``, a GPU's
    default) take one fold's groups, mapped by parameter name onto every fold's weights."""

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]: ...


@runtime_checkable
class Augments(Protocol):
    """A torch model that augments every training batch (float32, on the device, in train
    mode) before the forward pass, never test data. ``generator`` is a CPU generator seeded
    from the fold's seed and used only for augmentation. Folds trained together call it
    once a fold, on that fold's rows, with that fold's own generator, in the order one fold
    at a time would."""

    def augment(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...


@runtime_checkable
class Estimator(Protocol):
    """A scikit-learn style model (``ModelMeta(kind="sklearn")``): fitted once per fold on
    the training rows' feature values (flattened to 2-D) and labels, then asked for the
    test rows' labels."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> Any: ...

    def predict(self, x: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class GroupedEstimator(Protocol):
    """An estimator whose ``fit`` takes ``groups``: each training row's ``database/subject``,
    so that an inner search (e.g. ``GroupKFold``) never splits a subject."""

    def fit(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> Any: ...

    def predict(self, x: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class ReportsFit(Protocol):
    """An estimator that says what its fit chose (e.g. the C an inner search picked): a
    JSON-serialisable dict, recorded per fold in ``results.json`` (``folds[i].fit_report``)."""

    fit_report_: dict[str, Any]


@runtime_checkable
class EvaluationProtocol(Protocol):
    """What a protocol factory returns: folds over a dataset's sample table, each with a key
    (e.g. ``(database, subject)``), its training rows and its test rows (row positions)."""

    def folds(self, samples: pd.DataFrame) -> Iterable[Fold]: ...


@runtime_checkable
class WholeDatasetFeature(Protocol):
    """A feature computed for the whole dataset at once (not cached per sample): the factory
    returns a callable that takes the dataset and returns one row per sample, as an array or
    an :class:`Extracted` with a report. Per-sample features subclass
    :class:`SampleExtractor` instead (cached and parallel)."""

    def __call__(self, dataset: Dataset) -> np.ndarray | Extracted: ...


@runtime_checkable
class Source(Protocol):
    """How a feature reads a dataset: the named per-sample sources its metadata declares
    (``DatasetMeta.provides``, e.g. ``flow_uvos``, ``apex_face``, ``onset_frame``)."""

    samples: pd.DataFrame
    classes: Sequence[str]

    def read(self, source: str, index: int) -> np.ndarray: ...

    def read_all(self, source: str) -> np.ndarray: ...
