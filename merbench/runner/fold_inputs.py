"""What one fold trains and is tested on, and the outcome it gives.

A fold's training rows lose the subjects held out for ``inner-val`` selection (chosen by the
fold's seed alone, never the test subject) and, as a leakage control, may have their labels
shuffled; its evaluation rows are the test subject's, then any held-out ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.export.layouts import release_names
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.protocols import Fold
from merbench.runner.data import RunData
from merbench.training.seeding import fold_seed


@dataclass
class FoldInputs:
    """A fold's training rows, evaluation rows (test, then any inner-val) and seed."""

    fold: Fold
    seed: int
    train: np.ndarray
    val: np.ndarray | None
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    groups: np.ndarray  # each training row's database/subject, for estimators' inner CV


def fold_inputs(data: RunData, fold: Fold, features: np.ndarray,
                labels: np.ndarray) -> FoldInputs:
    spec = data.plan.spec
    seed = fold_seed(spec.seed, fold.key)
    train, val = fold.train, None
    if spec.selection == "inner-val":
        train, val = hold_out_subjects(data, fold, seed)
    recipe = data.plan.recipe
    if recipe is not None and recipe.data_order == "authors":
        train = authors_order(data.dataset.samples, train, labels)
    y_train = labels[train]
    if spec.shuffle_train_labels:  # leakage control: nothing left to learn
        y_train = np.random.default_rng(seed).permutation(y_train)
    evaluate = fold.test if val is None else np.concatenate([fold.test, val])
    samples = data.dataset.samples
    groups = (samples["database"].astype(str).to_numpy()[train] + "/"
              + samples["subject"].astype(str).to_numpy()[train])
    return FoldInputs(fold, seed, train, val, features[train], y_train, features[evaluate],
                      groups)


def authors_order(samples: pd.DataFrame, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``rows`` in the order the HTNet and STSTNet authors' loader feeds a fold's training
    samples, every epoch: class by class, each class's samples by the name of the file the
    loader reads. Their script writes each fold's training images into ``u_train/<label>/``
    and lists the label folders, then each folder's files, with ``os.listdir``, into a
    DataLoader that never shuffles. ``os.listdir`` returns the file system's order, which
    is the sorted one on APFS and NTFS (and what ``ls`` shows) and a hash order on ext4 that
    no one can reproduce; merbench takes the sorted one: label folders ``0, 1, 2`` (the
    release's negative, positive, surprise, merbench's class indices) and names in code-point
    order.

    The file is the release's flow image (``flow_path``, e.g. ``sub01_EP02_01f .png``) where
    the dataset has one. A raw database has none, so its file is the one ``merbench export``
    writes for the sample, named as the release names it (``{sub}_{clip} .png``:
    ``006_006_1_2 .png``, ``s01_s01_ne_01 .png``, ``sub01_EP02_01f .png``): a raw
    ``megc2019`` run then feeds the composite release's order, not that of merbench's sample
    ids (``casme2/...`` before ``samm/...``), which no authors' listing has."""
    if "flow_path" in samples.columns:
        names = samples["flow_path"].astype(str).map(lambda p: p.replace("\\", "/")
                                                     .rsplit("/", 1)[-1]).to_numpy()
    else:
        names = (release_names(samples)["stem"] + " .png").to_numpy()
    order = np.lexsort((names[rows], labels[rows]))  # by label, then by name
    return rows[order]


def hold_out_subjects(data: RunData, fold: Fold, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split a fold's training rows into (train, inner-val) by whole subjects, never the
    test subject; which subjects are held out depends only on the fold's seed."""
    samples = data.dataset.samples
    keys = samples["database"].to_numpy()[fold.train] + "/" + \
        samples["subject"].to_numpy()[fold.train]
    subjects = np.unique(keys)
    wanted = data.plan.spec.inner_val_subjects
    if wanted >= len(subjects):
        raise MerbenchError(
            f"--inner-val-subjects {wanted} leaves no training subject in fold {fold.label} "
            f"({len(subjects)} training subjects); choose fewer"
        )
    held = np.random.default_rng([seed, 1]).choice(subjects, size=wanted, replace=False)
    mask = np.isin(keys, held)
    return fold.train[~mask], fold.train[mask]


def outcome(data: RunData, inputs: FoldInputs, labels: np.ndarray, predictions: np.ndarray,
            seconds: float, device_name: str, fit_report: dict | None = None,
            folds_at_once: int = 1) -> FoldOutcome:
    """The finished fold: ``predictions`` holds the test rows, then any inner-val rows."""
    fold, val = inputs.fold, inputs.val
    n_test = len(fold.test)
    return FoldOutcome(
        index=fold.index, key=fold.key, test_index=np.asarray(fold.test),
        sample_ids=data.dataset.samples["sample_id"].to_numpy()[fold.test].astype(str),
        y_true=labels[fold.test], epoch_predictions=predictions[:, :n_test],
        n_train=len(inputs.train), seconds=seconds, device=device_name,
        val_index=None if val is None else val,
        val_y_true=None if val is None else labels[val],
        val_predictions=None if val is None else predictions[:, n_test:],
        fit_report=fit_report, folds_at_once=folds_at_once,
    )
