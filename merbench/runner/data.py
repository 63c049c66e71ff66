"""A planned run's data: the dataset opened, its folds, and (``--weights``) the checkpoints.

This is the I/O half of planning (:mod:`merbench.runner.plan` is the pure half): the dataset
reads its files here, the protocol splits its samples into folds, and saved weights are
located, so a missing file is reported before any fold trains. ``merbench extract`` opens
its dataset here too (:func:`open_dataset`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.action_units import label_codes, present_bits
from merbench.dataset import Dataset
from merbench.errors import MerbenchError
from merbench.protocols import Fold
from merbench.runner.plan import InputsPlan, Plan


def open_dataset(inputs: InputsPlan) -> Dataset:
    """The planned dataset, built with its options and ``--data-root`` for datasets that read
    files (I/O: it reads them), with ``provides`` filled in from its metadata when it does
    not say."""
    entry, data_root = inputs.dataset, inputs.data_root
    options = dict(inputs.dataset_options)
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
    #: what each sample is trained and scored against, in sample-table order: its emotion
    #: class, or (``--task au``) its AU label code (merbench.action_units.label_codes)
    labels: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(self.dataset.classes)

    def build_model(self) -> Any:
        """A fresh model; ``num_classes`` goes to factories that take it (estimators such as
        scikit-learn classes learn their classes from the labels instead)."""
        model = self.plan.model
        options = dict(self.plan.spec.model_options)
        if model.accepts("num_classes"):
            options["num_classes"] = self.n_outputs
        return model.create("model", **options)

    @property
    def n_outputs(self) -> int:
        """The model's outputs: a logit a class, or one a scored AU."""
        return self.plan.task.n_outputs(self.n_classes)


def load_data(plan: Plan) -> RunData:
    """Open the dataset, build the protocol's folds and find any saved weights."""
    spec = plan.spec
    dataset = open_dataset(plan.inputs)
    protocol = plan.protocol.create("protocol", **spec.protocol_options)
    folds: list[Fold] = list(protocol.folds(dataset.samples))
    weight_files = None
    if spec.weights is not None:
        weight_files = locate_weights(Path(spec.weights), folds)
    labels = dataset.samples["label"].to_numpy()
    if plan.task.is_au:
        folds, labels = au_folds(dataset, folds, plan.task.au_set)
    return RunData(plan=plan, dataset=dataset, folds=folds, weight_files=weight_files,
                   labels=labels)


def au_folds(dataset: Dataset, folds: list[Fold],
             au_set: tuple[int, ...]) -> tuple[list[Fold], np.ndarray]:
    """The protocol's folds restricted to the samples whose sheet codes AUs, and every
    sample's AU label code (0 for a sample without coding: it is in no fold).

    A sample without AU coding (SMIC's, a cell that names no AU) has no truth to learn or
    score, so it leaves both the training and the test sets; a fold left with no test
    sample (a SMIC subject of the composite) is no fold of the AU run. The folds keep their
    keys and are numbered anew in the protocol's order."""
    coded = dataset.action_units()
    has_au = np.asarray([label is not None for label in coded], dtype=bool)
    if not has_au.any():
        raise MerbenchError(f"dataset '{dataset.name}' codes no action units for any of its "
                            f"{len(coded)} samples; --task au needs a dataset whose coding "
                            "sheet codes AUs (casme2, samm, casme3, the composite's CASME II "
                            "and SAMM samples)")
    codes = np.zeros(len(coded), dtype=np.int64)
    codes[has_au] = label_codes([label for label in coded if label is not None], au_set)
    kept: list[Fold] = []
    for fold in folds:
        test = fold.test[has_au[fold.test]]
        if len(test):
            kept.append(Fold(index=len(kept), key=fold.key, train=fold.train[has_au[fold.train]],
                             test=test))
    if not kept:
        raise MerbenchError(f"no fold of this protocol tests a sample of dataset "
                            f"'{dataset.name}' with AU coding (its {int(has_au.sum())} coded "
                            "samples are in no test set: SMIC codes no AUs); choose a "
                            "protocol that tests CASME II or SAMM samples")
    used = np.unique(np.concatenate([np.concatenate([f.train, f.test]) for f in kept]))
    bits = present_bits(codes[used], len(au_set))
    present = [bool(bits[:, i].any()) for i in range(len(au_set))]
    if not all(present):  # AU99: no sample to learn it from, none to score it on
        never = [f"AU{au}" for au, seen in zip(au_set, present, strict=True) if not seen]
        raise MerbenchError(f"{', '.join(never)} is coded present in none of the {len(used)} "
                            f"coded samples this protocol uses (dataset '{dataset.name}'): no "
                            "classifier can learn or be scored on it; leave it out of --au-set")
    return kept, codes


def locate_weights(directory: Path, folds: list[Fold]) -> dict[int, Path]:
    """Each fold's checkpoint (``--weights``); every missing one is named before anything
    runs."""
    # deferred: torch (through training.checkpoints), which only --weights runs need
    from merbench.training.checkpoints import fold_checkpoint

    subjects = Counter(f.key[-1] for f in folds)
    found = {f.index: fold_checkpoint(directory, f.key, subjects[f.key[-1]] > 1) for f in folds}
    missing = [f for f in folds if found[f.index] is None]
    if missing:
        names = ", ".join(
            "/".join((*f.key[:-1], f"{f.key[-1]}.pth")) if subjects[f.key[-1]] > 1
            else f"{f.key[-1]}.pth" for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MerbenchError(
            f"--weights {directory} lacks the checkpoint of {len(missing)} of {len(folds)} "
            f"folds: {names}{more}; each test fold needs its own checkpoint, named after "
            "its key's last part (<subject>.pth under LOSO, <database>/<subject>.pth where "
            "two databases share a subject id, <database>.pth under lodo)"
        )
    return {index: path for index, path in found.items() if path is not None}
