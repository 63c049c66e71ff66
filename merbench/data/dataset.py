"""Dataset: a sample table plus per-sample sources that features read.

The sample table has one row per sample with at least ``sample_id``, ``database``,
``subject`` and ``label`` (an integer index into ``classes``). Sources are named per-sample
arrays a dataset can give (``flow_uvos``, ``landmarks68``, ``apex_face`` ...); which ones a
dataset provides is declared in its :class:`merbench.meta.DatasetMeta`. ``landmarks68`` is
(68, 2) float32 (x, y) in pixels of the same sample's ``flow_uvos`` image, so that features
can place them on it (docs/writing-plugins.md lists every source's convention).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError
from merbench.data.au_labels import SampleActionUnits, sample_action_units
from merbench.data.clips import Clip, frame_index, frame_number

if TYPE_CHECKING:
    from merbench.data.clips import Clip

REQUIRED_COLUMNS = ("sample_id", "database", "subject", "label")


class Dataset:
    """Base class of what a dataset factory returns.

    ``provides`` names the sources this dataset gives, so that a feature whose needs have
    alternatives (``"landmarks68|apex_face"``) can pick one; ``None`` means "not said", and
    the runner fills it in from the dataset's :class:`merbench.meta.DatasetMeta`.
    """

    provides: tuple[str, ...] | None = None
    #: Samples a dataset left out because their files or annotations were unusable (only
    #: when asked to, e.g. ``skip_missing=True``): ``{"sample_id": ..., "reason": ...}`` each.
    #: The runner records them in ``results.json`` (``dataset.skipped``) so that a score on
    #: fewer samples never passes for one on the whole dataset.
    skipped: Sequence[Mapping[str, str]] = ()
    #: The subjects :attr:`skipped` took wholly (none of their samples left), as the sample
    #: table names them: a run whose protocol then has one subject says these, not only
    #: that it needs two (pass 84aa, AA6)
    skipped_subjects: tuple[str, ...] = ()

    def __init__(self, name: str, samples: pd.DataFrame, classes: Sequence[str]) -> None:
        self.name = name
        self.classes = checked_classes(name, classes)
        self.samples = validate_samples(name, samples, len(self.classes))

    def read(self, source: str, index: int) -> np.ndarray:
        """The array of ``source`` for the sample in row ``index`` of :attr:`samples`."""
        raise MerbenchError(f"dataset '{self.name}' cannot give '{source}'")

    def read_all(self, source: str) -> np.ndarray:
        """The arrays of ``source`` for every sample, stacked in sample-table order."""
        return np.stack([self.read(source, i) for i in range(len(self.samples))])

    def clip(self, index: int) -> Clip:
        """The clip of frames of the sample in row ``index``, for features that read more
        than its sources (:mod:`merbench.data.clips`). This default follows the sample-table
        convention (``folder``, ``onset``, ``apex``, ``offset``); a dataset that keeps its
        clips otherwise overrides it. A dataset without clips raises :class:`MerbenchError`
        naming the missing column."""
        if "folder" not in self.samples.columns:
            raise MerbenchError(f"dataset '{self.name}' names no clip of frames for its "
                                "samples (its sample table has no 'folder' column)")
        row = self.samples.iloc[index]
        folder = Path(str(row["folder"]))
        return Clip(sample_id=str(row["sample_id"]), folder=folder,
                    onset=frame_number(row.get("onset")), apex=frame_number(row.get("apex")),
                    offset=frame_number(row.get("offset")),
                    frames=frame_index(folder) if folder.is_dir() else {})

    def action_units(self) -> list[SampleActionUnits | None]:
        """Every sample's action-unit labels, in sample-table order: the AU numbers coded for
        sure and those coded uncertainly, or None for a sample without AU coding
        (:mod:`merbench.data.au_labels`). This default reads the sample-table columns
        ``action_units`` and ``uncertain_action_units``; a dataset without them gives no AU
        labels (:class:`MerbenchError`)."""
        return sample_action_units(self.name, self.action_unit_table())

    def action_unit_table(self) -> pd.DataFrame:
        """The table :meth:`action_units` reads: ``sample_id`` and the AU columns, one row per
        sample in sample-table order. By default the sample table itself; a dataset that
        reads its AU labels only when they are asked for overrides this, since an emotion
        run never needs them and must not fail on them: the raw databases parse their coding
        sheets' AU cells here, the composite release also reads the sheets here."""
        return self.samples

    def skipped_samples(self) -> list[dict[str, str]]:
        """:attr:`skipped` as plain ``{"sample_id", "reason"}`` dicts, checked."""
        entries = []
        for entry in self.skipped or ():
            if not isinstance(entry, Mapping) or not {"sample_id", "reason"} <= set(entry):
                raise MerbenchError(f"dataset '{self.name}': each skipped sample must be a "
                                    "mapping with 'sample_id' and 'reason'")
            entries.append({"sample_id": str(entry["sample_id"]),
                            "reason": str(entry["reason"])})
        return entries

    def canonical_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options``, those this dataset was built with, each in the one spelling a run
        records: a run (CLI and ``merbench.run`` alike) records what this returns, in
        ``run.json`` and ``results.json``, and compares it with an ``--out`` folder's run and a
        benchmark's options. An option a user may spell several ways for one selection
        (CASME II's ``subjects=1,2``, ``sub01,sub02``, ``[1,2]``; ``classes=3-class`` and
        ``3``) is given here as the dataset reads it, so that every spelling is one run and
        one row of a page; it must not change what the dataset selects. This default keeps
        every option as given: override it where an option has several spellings."""
        return dict(options)

    @property
    def n_subjects(self) -> int:
        return int(self.samples.groupby(["database", "subject"]).ngroups)

    def fingerprint(self) -> str:
        """A hash of the sample list (ids, fold keys, labels): two runs on it are comparable."""
        return sample_list_fingerprint(self.samples, self.classes)


def refuse_one_class(dataset: Dataset, needs: str, instead: str = "") -> np.ndarray:
    """Every sample's class, refused in one line when every sample is of one class: a model
    that always answers it is right every time, so a score on it measures nothing, and a
    training set of it (an exported layout) teaches the authors' code one class, read there
    as the first of their own (an unlabelled set's samples filed under class 0, negative).
    ``needs``: what cannot be made of it ("an emotion run"); ``instead``: what such a
    dataset is for, said after the refusal ("" when nothing is)."""
    labels = dataset.samples["label"].to_numpy()
    present = np.unique(labels)
    if len(present) < 2:  # a sample table is never empty (validate_samples)
        raise MerbenchError(
            f"dataset '{dataset.name}': every sample is of class "
            f"'{dataset.classes[int(present[0])]}'; {needs} needs samples of two classes at "
            f"least, or there is nothing to tell apart{instead}")
    return labels


def sample_list_fingerprint(samples: pd.DataFrame, classes: Sequence[str]) -> str:
    """The hash of a sample table's ids, databases, subjects and labels, in table order, and
    of its classes. ``merbench validate`` recomputes it from a run's fold files, which hold
    every sample's row, id and label, so a result cannot claim another sample list."""
    table = samples[list(REQUIRED_COLUMNS)].astype(str)
    digest = hashlib.sha256(table.to_csv(index=False).encode())
    digest.update("|".join(classes).encode())
    return digest.hexdigest()[:16]


class InMemoryDataset(Dataset):
    """A dataset whose sources are arrays already in memory (one leading row per sample)."""

    def __init__(
        self,
        name: str,
        samples: pd.DataFrame,
        classes: Sequence[str],
        arrays: Mapping[str, np.ndarray],
    ) -> None:
        super().__init__(name, samples, classes)
        for source, array in arrays.items():
            if len(array) != len(self.samples):
                raise MerbenchError(
                    f"dataset '{name}': source '{source}' has {len(array)} rows for "
                    f"{len(self.samples)} samples"
                )
        self.arrays = dict(arrays)
        self.provides = tuple(self.arrays)

    def read(self, source: str, index: int) -> np.ndarray:
        return self.read_all(source)[index]

    def read_all(self, source: str) -> np.ndarray:
        if source not in self.arrays:
            return super().read_all(source)
        return self.arrays[source]


def checked_classes(name: str, classes: Sequence[str]) -> tuple[str, ...]:
    """``classes`` as a tuple, refused when a name is given twice: two classes of one name
    read as one in every table, per-class score and confusion matrix, and a run on them was
    accepted (pass 84h). A single class is a dataset's to declare (``frame-pairs`` compares
    preprocessing on unlabelled pairs); an emotion run and an exported training layout
    refuse it, having nothing to tell apart (:func:`refuse_one_class`)."""
    given = tuple(classes)
    seen: set[str] = set()
    for label in given:
        if label in seen:
            times = given.count(label)
            said = "twice" if times == 2 else f"{times} times"
            raise MerbenchError(f"dataset '{name}': class '{label}' is named {said} in its "
                                f"classes ({', '.join(map(str, given))}); give each class "
                                "its own name")
        seen.add(label)
    return given


def validate_samples(name: str, samples: pd.DataFrame, n_classes: int) -> pd.DataFrame:
    """Check a sample table and return it with a clean index and string fold keys."""
    missing = [c for c in REQUIRED_COLUMNS if c not in samples.columns]
    if missing:
        raise MerbenchError(
            f"dataset '{name}': the sample table lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(REQUIRED_COLUMNS)}"
        )
    if len(samples) == 0:
        raise MerbenchError(f"dataset '{name}' has no samples")
    table = samples.reset_index(drop=True).copy()
    _refuse_empty(name, table)
    for column in ("sample_id", "database", "subject"):
        table[column] = table[column].astype(str)
    duplicated = table["sample_id"][table["sample_id"].duplicated()].unique()
    if len(duplicated):
        raise MerbenchError(
            f"dataset '{name}': duplicate sample ids, e.g. {', '.join(duplicated[:3])}"
        )
    labels = pd.to_numeric(table["label"], errors="coerce")
    bad = ~labels.isin(range(n_classes))
    if bad.any():
        raise MerbenchError(
            f"dataset '{name}': label {_shown(table['label'][bad].iloc[0])} of sample "
            f"{table['sample_id'][bad].iloc[0]} is not a class index 0..{n_classes - 1}"
        )
    table["label"] = labels.astype(int)
    return table


def _refuse_empty(name: str, table: pd.DataFrame) -> None:
    """Refuse a sample table with an empty required value, naming the column(s) that hold
    one and the first sample that does (by its id, or its row where the id is the empty
    value): "empty values in sample_id, database, subject, label" named every column and no
    row, leaving the user to search the table."""
    empty = table[list(REQUIRED_COLUMNS)].isna()
    if not empty.to_numpy().any():
        return
    columns = [c for c in REQUIRED_COLUMNS if empty[c].any()]
    row = int(np.flatnonzero(empty.any(axis=1).to_numpy())[0])
    sample = table["sample_id"].iloc[row]
    where = f"row {row} of the sample table (counting from 0)" if pd.isna(sample) \
        else f"sample {sample}"
    said = f"the {columns[0]} column has" if len(columns) == 1 \
        else f"the {', '.join(columns[:-1])} and {columns[-1]} columns have"
    raise MerbenchError(
        f"dataset '{name}': {said} an empty value, first at {where}; every sample needs a "
        f"{', '.join(REQUIRED_COLUMNS[:-1])} and {REQUIRED_COLUMNS[-1]}")


def _shown(value: object) -> str:
    """A sample-table value as the table holds it: ``9``, not NumPy's ``np.int64(9)``; text
    quoted, so a blank label is seen."""
    plain = value.item() if isinstance(value, np.generic) else value
    return repr(plain) if isinstance(plain, str) else str(plain)
