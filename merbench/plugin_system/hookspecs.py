"""Every hook a merbench plugin can implement.

A plugin is a module (or object) with functions named like these specs and decorated with
``merbench.hookimpl``; it is found through the ``merbench`` entry-point group. Registration
hooks add datasets, features, models, protocols, long-video datasets and spotters (spotting)
to typed registries; lifecycle hooks let reporters and loggers follow a run, and be told
of every result of any kind once it is written (``merbench_result_finished``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from merbench.plugin_system.registry import (
        DatasetRegistry,
        FeatureRegistry,
        LongVideoRegistry,
        ModelRegistry,
        ProtocolRegistry,
        SpotterRegistry,
    )
    from merbench.plugin_system.runinfo import FinishedResult, FoldOutcome, RunInfo

hookspec = pluggy.HookspecMarker("merbench")


@hookspec
def merbench_register_datasets(registry: DatasetRegistry) -> None:
    """Add datasets with ``registry.add(DatasetMeta(...), factory)``.

    The factory takes the dataset's options as keyword arguments and returns a
    :class:`merbench.data.dataset.Dataset`.
    """


@hookspec
def merbench_register_features(registry: FeatureRegistry) -> None:
    """Add feature extractors with ``registry.add(FeatureMeta(...), factory)``.

    The factory takes the feature's options (``--feature-opt``) and returns a callable that
    maps a :class:`merbench.data.dataset.Dataset` to an array with one row per sample.
    """


@hookspec
def merbench_register_models(registry: ModelRegistry) -> None:
    """Add models with ``registry.add(ModelMeta(...), factory)``.

    The factory takes the model's options (and ``num_classes``, the dataset's number of
    classes, when its signature has that parameter) and returns a ``torch.nn.Module``
    (``kind="torch"``) or an estimator with ``fit`` / ``predict`` (``kind="sklearn"``), so a
    scikit-learn class such as ``LinearSVC`` can be registered as it is.
    """


@hookspec
def merbench_register_protocols(registry: ProtocolRegistry) -> None:
    """Add evaluation protocols with ``registry.add(ProtocolMeta(...), factory)``.

    The factory takes the protocol's options and returns an object whose ``folds(samples)``
    returns the list of :class:`merbench.protocols.Fold` for a sample table.
    """


@hookspec
def merbench_register_long_videos(registry: LongVideoRegistry) -> None:
    """Add long-video datasets for spotting with ``registry.add(LongVideoMeta(...),
    factory)``.

    The factory takes the dataset's options as keyword arguments and returns a
    :class:`merbench.spotting.long_videos.LongVideoDataset`: whole videos, each with its
    frame rate, its ground-truth micro- and macro-expression intervals (and blinks where the
    database marks them), and its frames read only when asked for.
    """


@hookspec
def merbench_register_spotters(registry: SpotterRegistry) -> None:
    """Add spotters with ``registry.add(SpotterMeta(...), factory)``.

    The factory takes the spotter's options as keyword arguments and returns a
    :class:`merbench.spotting.spotter.Spotter`; ``SpotterMeta.tuned`` names the options a
    spotting run chooses on training subjects (``merbench spot``). A spotter that can give
    the intervals of several settings of those options from one pass over a video (the
    thresholds of a training-free spotter) also implements
    :class:`merbench.spotting.spotter.SpotsVariants`.
    """


@hookspec
def merbench_extraction_progress(feature: str, dataset: str, done: int, total: int) -> None:
    """``done`` of ``total`` samples of a per-sample feature are extracted (read from the
    feature cache or computed); called before the run starts training, for progress bars."""


@hookspec
def merbench_run_start(run: RunInfo) -> None:
    """A run is about to train its folds; ``run`` says what runs and how many folds remain."""


@hookspec
def merbench_epoch_finished(run: RunInfo, fold_index: int, epoch: int) -> None:
    """One training epoch of one fold is done (``epoch`` counts from 1); for progress bars.
    A fold that goes on from a saved state first reports, once, the epochs it had trained."""


@hookspec
def merbench_fold_finished(run: RunInfo, fold: FoldOutcome) -> None:
    """A fold was trained, evaluated and saved (also called for folds restored on resume)."""


@hookspec
def merbench_result_finished(result: FinishedResult) -> None:
    """A result of any kind is complete: an emotion or action-unit run, a spotting run or its
    spot-then-recognise record, a tuning, or any summary over seeds; ``result.record`` is
    exactly what was just written to ``result.path``. Called by the command that writes the
    result file, once the file is whole and the folder is as the command leaves it; never
    for a run that failed or was refused, and never for a result a command finds complete
    and leaves as it is (a run finished before, a spotting or a recognition read back). A
    summary over seeds or a tuning is written again by each command that ends it, so it is
    told each time. A tuning's trial and retrained runs are emotion runs, each told too."""
