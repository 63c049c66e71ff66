"""Whether ``--feature`` fits the model: the same per-sample shape as the model's own feature.

``merbench run --model M --feature F`` feeds M another feature than the one it declares
(``tvl1-uvos`` for ``flow-uvos``), which must give the same per-sample shape. A feature may
declare no shape (:class:`~merbench.meta.FeatureMeta`: one whose shape depends on its
options), and then its first sample's stands for it, as extraction already checks every
sample against it. So the two are compared while planning when both declare one
(:func:`feature_to_feed`), and otherwise once the run has computed F (:func:`check_fit`):
F's shape is its values', the model's its feature's declared one or, declaring none, that of
the feature's first sample on the run's dataset at the feature's defaults. Both were
refused while planning, as shapes "undeclared", whatever they were. A model's feature that
declares no shape and that the dataset cannot compute leaves nothing to compare against:
the refusal says which declaration its plugin lacks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError, in_words
from merbench.data.dataset import Dataset
from merbench.features import Sample, SampleExtractor
from merbench.features.extraction import extract_feature
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.registry import Registries
from merbench.runner.spec import RunSpec


def feature_to_feed(spec: RunSpec, registries: Registries, model: Entry[Any]) -> str:
    """The feature the run feeds its model: the declared one, or ``--feature`` when its
    per-sample shape is the declared one's (where either declares none, compared once it is
    computed: :func:`check_fit`)."""
    declared = model.meta.feature
    substitute = spec.feature not in (None, declared)
    if declared not in registries.features:
        unknown = f", so --feature {spec.feature} cannot be checked against its shape" \
            if substitute else ""
        raise MerbenchError(
            f"model '{spec.model}' consumes feature '{declared}', which no installed plugin "
            f"provides{unknown}; installed features: "
            f"{registries.features.available(registries.features.names())}")
    if spec.feature is None or not substitute:
        return declared
    own, given = registries.features.get(declared), registries.features.get(spec.feature)
    if own.meta.shape and given.meta.shape:
        if tuple(own.meta.shape) != tuple(given.meta.shape):
            raise _not_fitting(model, given, tuple(given.meta.shape), own,
                               tuple(own.meta.shape), None)
    elif spec.dataset in registries.datasets:  # else planning names the missing dataset
        _refuse_unknowable(model, given, own, spec.dataset,
                           tuple(registries.datasets.get(spec.dataset).meta.provides))
    return spec.feature


def check_fit(model: Entry[Any], given: Entry[FeatureMeta], registries: Registries,
              dataset: Dataset, dataset_name: str, values: np.ndarray) -> None:
    """Refuse the run's input, ``values`` of feature ``given``, where its per-sample shape is
    not the one ``model`` takes and either feature declares none (both declared: compared
    while planning)."""
    own = registries.features.get(model.meta.feature)
    if given.meta.name == own.meta.name or (own.meta.shape and given.meta.shape):
        return
    shape = tuple(values.shape[1:])
    wanted: tuple[int, ...] | None
    if own.meta.shape:
        wanted, learnt = tuple(own.meta.shape), None
    else:
        _refuse_unknowable(model, given, own, dataset_name, tuple(dataset.provides or ()))
        wanted, learnt = first_sample_shape(own, dataset, dataset_name), dataset_name
    if wanted is not None and wanted != shape:
        raise _not_fitting(model, given, shape, own, wanted, learnt,
                           None if given.meta.shape else dataset_name)


def first_sample_shape(feature: Entry[FeatureMeta], dataset: Dataset,
                       dataset_name: str) -> tuple[int, ...] | None:
    """The per-sample shape ``feature`` gives at its defaults on ``dataset``'s first sample
    (a per-sample extractor computes that one sample; a whole-dataset one, every sample),
    None where the dataset has no samples. What it raises is its plugin's fault."""
    ids = dataset.samples["sample_id"].astype(str).tolist()
    if not ids:
        return None
    extractor = feature.create("feature")
    if not isinstance(extractor, SampleExtractor):
        values, _ = extract_feature(feature, extractor, dataset, dataset_name=dataset_name,
                                    workers=1)
        return tuple(values.shape[1:])
    try:
        result = extractor.compute(extractor.inputs(dataset, 0), ids[0])
    except MerbenchError:
        raise
    except Exception as exc:  # the plugin's own failure, in its words
        raise feature.fault("feature", f"failed on sample {ids[0]}: {in_words(exc)}",
                            sep=" ") from None
    return tuple(np.shape(result.values if isinstance(result, Sample) else result))


def _refuse_unknowable(model: Entry[Any], given: Entry[FeatureMeta], own: Entry[FeatureMeta],
                       dataset: str, provides: tuple[str, ...]) -> None:
    """Refuse where the model's feature declares no shape and ``dataset`` (which provides
    ``provides``) cannot compute its first sample: no shape is left to compare against."""
    lacking = own.meta.unmet_needs(provides)
    if own.meta.shape or not lacking:
        return
    raise MerbenchError(
        f"--feature {given.meta.name} cannot be checked to fit model '{model.meta.name}' of "
        f"{model.origin}: the model takes the per-sample shape of its feature "
        f"'{own.meta.name}' of {own.origin}, which declares none, and dataset '{dataset}' "
        f"lacks {', '.join(lacking)} to compute it; its plugin must declare it "
        f"(FeatureMeta(name='{own.meta.name}', shape=...), its shape at its default options)")


def _not_fitting(model: Entry[Any], given: Entry[FeatureMeta], shape: tuple[int, ...],
                 own: Entry[FeatureMeta], wanted: tuple[int, ...], learnt: str | None,
                 learnt_given: str | None = None) -> MerbenchError:
    """The refusal of a ``--feature`` of another per-sample shape than the model's feature,
    naming both plugins; ``learnt`` (a dataset's name): the model's shape is its feature's
    first sample's there, which declares none; ``learnt_given``: so is ``--feature``'s."""
    where = f" on dataset '{learnt_given}'" if learnt_given else ""
    how = (f"its feature '{own.meta.name}' of {own.origin} gives on dataset '{learnt}' at "
           "its defaults" if learnt else f"its feature '{own.meta.name}' declares")
    return MerbenchError(
        f"--feature {given.meta.name} of {given.origin} gives per-sample shape "
        f"{_written(shape)}{where}, and model '{model.meta.name}' of {model.origin} takes "
        f"{_written(wanted)}, the shape {how}; choose a feature of that shape (see "
        "'merbench list features')")


def _written(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))
