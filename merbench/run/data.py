"""A planned run's data: the dataset opened, its folds, and (``--weights``) the checkpoints.

This is the I/O half of planning (:mod:`merbench.run.plan` is the pure half): the dataset
reads its files here, the protocol splits its samples into folds, and saved weights are
located, so a missing file is reported before any fold trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.protocols import Fold
from merbench.registry import Entry
from merbench.run.plan import Plan


def open_dataset(entry: Entry[Any], options: dict[str, Any],
                 data_root: str | None = None) -> Dataset:
    """Build a registered dataset with its options (and ``--data-root`` for datasets that
    read files), with ``provides`` filled in from its metadata when it does not say."""
    options = dict(options)
    if data_root is not None:
        if not entry.accepts("data_root"):
            raise MerbenchError(f"dataset '{entry.meta.name}' reads no files; "
                                "leave out --data-root")
        options["data_root"] = data_root
    dataset: Dataset = entry.create("dataset", **options)
    if getattr(dataset, "provides", None) is None:
        dataset.provides = tuple(entry.meta.provides)
    return dataset


@dataclass(frozen=True)
class RunData:
    """The plan with its data: samples, folds and, when evaluating, each fold's weights."""

    plan: Plan
    dataset: Dataset
    folds: list[Fold]
    weight_files: dict[int, Path] | None

    @property
    def n_classes(self) -> int:
        return len(self.dataset.classes)

    def build_model(self) -> Any:
        """A fresh model; ``num_classes`` goes to factories that take it (estimators such as
        scikit-learn classes learn their classes from the labels instead)."""
        model = self.plan.model
        options = dict(self.plan.spec.model_options)
        if model.accepts("num_classes"):
            options["num_classes"] = self.n_classes
        return model.create("model", **options)


def load_data(plan: Plan) -> RunData:
    """Open the dataset, build the protocol's folds and find any saved weights."""
    spec = plan.spec
    dataset = plan.inputs.open_dataset()
    protocol = plan.protocol.create("protocol", **spec.protocol_options)
    folds: list[Fold] = list(protocol.folds(dataset.samples))
    weight_files = None
    if spec.weights is not None:
        from merbench.run.weights import locate_weights

        weight_files = locate_weights(Path(spec.weights), folds)
    return RunData(plan=plan, dataset=dataset, folds=folds, weight_files=weight_files)
