"""The model's input for every sample: extracted here, or read from a saved feature file.

Extraction goes through :func:`merbench.features.extraction.extract_feature` (cached, parallel for
per-sample features). ``--features FILE`` reads what ``merbench extract --save`` wrote on
another machine, after checking that the file holds this run's feature, with its options,
of this run's samples.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from merbench.features.extraction import extract_feature
from merbench.features.feature_faults import checked_values
from merbench.features.saved_file import check_matches, load_features
from merbench.results.codec import to_json
from merbench.runner.data import RunData
from merbench.runner.identity import RunIdentity

Progress = Callable[[int, int], None]


def model_input(data: RunData, identity: RunIdentity,
                on_progress: Progress | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Every sample's input and what the feature reported about it (``feature.report``)."""
    plan = data.plan
    if plan.settings.features is not None:
        return saved_input(data, identity)
    feature = plan.inputs.feature
    extract = feature.create("feature", **plan.spec.feature_options)
    return extract_feature(feature, extract, data.dataset, dataset_name=plan.spec.dataset,
                           workers=plan.settings.workers, on_progress=on_progress,
                           dataset_entry=plan.inputs.dataset)


def saved_input(data: RunData, identity: RunIdentity) -> tuple[np.ndarray, dict[str, Any]]:
    """The values of ``--features FILE``, refused unless they are this run's."""
    plan = data.plan
    path = str(plan.settings.features)
    saved = load_features(path)
    ids = data.dataset.samples["sample_id"].astype(str).tolist()
    check_matches(saved, path, feature=identity.feature.to_dict(),
                  dataset=identity.dataset.to_dict(), sample_ids=ids)
    values = checked_values(plan.inputs.feature, saved.values, ids, plan.spec.dataset,
                            source=path)
    report = {**saved.report, "loaded_from": {
        "file": Path(path).name, "created": saved.header.created,
        "environment": to_json(saved.header.environment)}}
    extra: dict[str, Any] = {"report": report}
    if saved.summary:
        extra["summary"] = saved.summary
    return values, extra
