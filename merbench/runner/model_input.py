"""The model's input for every sample: extracted here, or read from a saved feature file.

Extraction goes through :func:`merbench.features.extraction.extract_feature` (cached, parallel for
per-sample features). ``--features FILE`` reads what ``merbench extract --save`` wrote on
another machine, after checking that the file holds this run's feature, with its options,
of this run's samples.

Such a file is the likely cause of logits that are not finite before any training step:
features declare no range their values keep to, so a file of finite but huge values (3e38)
passes every check on load and overflows the model's first layer, which was blamed on the
model's authors with ``--no-plugin`` advice (pass 84ae, AE2). :func:`file_as_cause` names
the file, its largest value and the fix instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.features.extraction import extract_feature
from merbench.features.feature_faults import checked_values
from merbench.features.saved_file import check_matches, load_features
from merbench.results.codec import to_json
from merbench.runner.data import RunData
from merbench.runner.feature_fit import check_fit
from merbench.runner.identity import RunIdentity
from merbench.runner.plan import Plan

Progress = Callable[[int, int], None]


def model_input(data: RunData, identity: RunIdentity,
                on_progress: Progress | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Every sample's input and what the feature reported about it (``feature.report``)."""
    plan = data.plan
    feature = plan.inputs.feature
    if plan.settings.features is not None:
        values, extra = saved_input(data, identity)
    else:
        extract = feature.create("feature", **plan.spec.feature_options)
        values, extra = extract_feature(
            feature, extract, data.dataset, dataset_name=plan.spec.dataset,
            workers=plan.settings.workers, on_progress=on_progress,
            dataset_entry=plan.inputs.dataset)
    # a --feature whose shape, or the model's feature's, is known only once computed
    check_fit(plan.model, feature, plan.plugins.registries, data.dataset, plan.spec.dataset,
              values)
    return values, extra


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


def file_as_cause(plan: Plan, options: str) -> str | None:
    """Where the run read ``--features FILE``: the words naming it as the likely cause of
    logits not finite before any step, with its largest value (read again: this is said
    once, as the run ends) and the fix; ``options`` (the model's, written) share the blame
    where given. None where the run extracted its features itself."""
    path = plan.settings.features
    if path is None:
        return None
    try:
        values = load_features(path).values
        reach = f", whose values reach {float(np.abs(values).max()):.3g}" if values.size else ""
    except (MerbenchError, OSError, ValueError):  # changed since: the file is still named
        reach = ""
    cause = f"the file or the model's options ({options})" if options else "the file"
    return (f"its input came from {path}{reach}, not from this run's extraction: {cause} "
            "is the likely cause; write it again with 'merbench extract --save FILE'")
