"""What a feature's extractor gave or did wrong, each said in one line naming its plugin.

A feature's values are checked here before any fold trains (:func:`checked_values`): one
row per sample, in the declared per-sample shape, every value a finite real number that
float32 holds. What falls short is the fault of the feature's plugin, said as other plugin
faults are (:meth:`merbench.plugin_system.entry.Entry.fault`: the plugin, its package, and
"report it to the authors ..., or skip the plugin with --no-plugin ..."), or of the
``--features`` file the values were read from. An extractor that runs out of memory is
said here too (:func:`out_of_memory`): it was Python's traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import Entry, is_first_party
from merbench.plugin_system.plugin_fault import advice


def out_of_memory(feature: Entry[FeatureMeta], dataset_name: str,
                  sample_id: str | None = None) -> MerbenchError:
    """The line for a feature's extractor that raised MemoryError on ``dataset_name`` (on
    one sample of it, for a per-sample extractor): what numpy raises for an array that does
    not fit, so freeing memory may be enough; a whole-dataset extractor holds every sample
    at once, which fewer samples shrink. A third party's extractor may also ask for more
    than any machine has, which its authors can mend (pass 84aa, AA16: a traceback)."""
    where = f"dataset '{dataset_name}'" if sample_id is None else \
        f"sample {sample_id} of dataset '{dataset_name}'"
    fix = "free memory" if sample_id is not None else "free memory or use fewer samples"
    name = feature.meta.name
    if is_first_party(feature.origin):
        return MerbenchError(f"feature '{name}' ran out of memory on {where}; {fix}")
    return MerbenchError(f"feature '{name}' of {feature.origin} ran out of memory on {where}; "
                         f"{fix}; failing that, {advice(feature.origin)}")


def checked_values(feature: Entry[FeatureMeta], values: Any, sample_ids: Sequence[str],
                   dataset_name: str, source: str | None = None) -> np.ndarray:
    """One row per sample in the declared per-sample shape, every value a finite number.
    Images stay uint8 / float16 (a 224x224 frame pair is 4x larger as float32); the trainer
    converts each batch to float32 on the device. ``source``: the ``--features`` file the
    values were read from, which a wrong shape or value is the fault of (not the feature's);
    otherwise what the feature gave wrong is its plugin's (:meth:`Entry.fault`): None, text,
    complex values or NaN met numpy's words, or training's ("training diverged ... try a
    smaller --lr"); a wrong row count or shape named no plugin and no fix (pass 84aa, AA18);
    0 values a sample were trained on, or met scikit-learn's words blaming the model."""
    meta = feature.meta
    given = None  # the values as given, where the cast to float32 may overflow
    try:
        features = np.asarray(values)
        wrong = no_numbers(values, features)
        if wrong is None:
            keep = features.dtype if features.dtype in (np.uint8, np.float16) else np.float32
            if features.dtype.kind == "f" and features.dtype.itemsize > 4:
                given = features
            with np.errstate(over="ignore"):  # said below in words, not numpy's warning
                features = np.ascontiguousarray(features, dtype=keep)
    except (TypeError, ValueError):  # ragged lists, objects: numpy's words otherwise
        wrong = "returned values that are not one array of numbers a sample"
    if wrong is not None:
        raise _blamed(feature, source, wrong)
    n_samples = len(sample_ids)
    if len(features) != n_samples:
        rows = f"{len(features)} row" + ("" if len(features) == 1 else "s")
        raise _blamed(feature, source, f"returned {rows} for {n_samples} samples")
    if n_samples and not features[0].size:  # no input at all: trained on (pass 84ae, AE5)
        none = f"0 values per sample (shape {dims(features.shape)})"
        raise _blamed(feature, None, f"gave {none}") if source is None else MerbenchError(
            f"{source} holds {none} of feature '{meta.name}', which no model can learn "
            "from; write it again with 'merbench extract --save FILE'")
    found = first_not_finite(features if given is None else given)
    if found is not None:
        row, what = found
        blamed = _blamed(feature, source, f"gave {what} for sample {sample_ids[row]}")
        raise blamed if source is not None else NotFinite(str(blamed), row)
    found = None if given is None else first_not_finite(features)
    if found is not None:  # finite as given, beyond float32's range once cast (pass 84r)
        raise _blamed(feature, source, "gave a value too large for float32 (beyond 3.4e38), "
                      f"which training computes in, for sample {sample_ids[found[0]]}")
    if meta.shape and tuple(features.shape[1:]) != tuple(meta.shape) and source is not None:
        raise MerbenchError(
            f"{source} holds values of per-sample shape "
            f"{tuple(features.shape[1:])}, but feature '{meta.name}' gives "
            f"{tuple(meta.shape)}; write it again with 'merbench extract --save FILE'")
    if meta.shape and tuple(features.shape[1:]) != tuple(meta.shape):
        raise feature.fault("feature", f"gave per-sample shape {tuple(features.shape[1:])} on "
                            f"dataset '{dataset_name}', not the {tuple(meta.shape)} it "
                            "declares", sep=" ")
    return features


class NotFinite(MerbenchError):
    """A feature's values hold NaN or an infinity for the sample of row ``row``: its
    plugin's fault, unless the dataset gave it
    (:func:`merbench.features.extraction._held_by_dataset`)."""

    def __init__(self, message: str, row: int) -> None:
        super().__init__(message)
        self.row = row


def no_numbers(values: Any, array: np.ndarray) -> str | None:
    """Why ``values`` (what a feature returned; ``array``, as numpy reads it) is no array of
    real numbers with a row a sample, or None: None, text, complex values (which the cast to
    float32 cut to their real part, relaying numpy's "Casting complex values to real
    discards the imaginary part": pass 84aa, AA17), or a single number."""
    if values is None:
        return "returned None, not an array"
    if array.dtype.kind in "US" or (array.dtype.kind == "O" and any(
            isinstance(v, str | bytes) for v in array.flat)):
        return "returned text, not numbers"
    if array.dtype.kind == "c":
        return "returned complex values, not real numbers"
    if array.ndim == 0:
        return "returned a single value, not an array with a row a sample"
    return None


#: rows checked for NaN at a time: a whole image feature's boolean mask would add a byte an
#: element at once
_ROWS_AT_ONCE = 256


def first_not_finite(features: np.ndarray) -> tuple[int, str] | None:
    """The first row holding NaN or an infinite value, and which it holds ("NaN", "an
    infinite value"), or None (whole numbers are always finite)."""
    if features.dtype.kind not in "fc":
        return None
    for start in range(0, len(features), _ROWS_AT_ONCE):
        block = features[start:start + _ROWS_AT_ONCE]
        block = block.reshape(len(block), -1)
        bad = ~np.isfinite(block).all(axis=1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            return start + row, "NaN" if np.isnan(block[row]).any() else "an infinite value"
    return None


def _blamed(feature: Entry[FeatureMeta], source: str | None, what: str) -> MerbenchError:
    """What a feature's values lack, blamed on the file they were read from (``source``),
    which another merbench wrote and may have been changed since, or else on the feature's
    plugin."""
    if source is not None:
        return MerbenchError(f"{source}: its values of feature '{feature.meta.name}' {what}; "
                             "write it again with 'merbench extract --save FILE'")
    return feature.fault("feature", what, sep=" ")


def dims(shape: Sequence[int]) -> str:
    """A shape as merbench's lines write it: ``3x28x28`` (``a single number``: ``()``)."""
    return "x".join(map(str, shape)) or "a single number"


class SampleShape(MerbenchError):
    """A per-sample extractor gave ``shape`` for one sample where the feature declares
    ``expected``, or where ``other`` (a sample id) gave ``expected``: raised as the sample is
    computed, before it is cached (the stack of all samples ended in numpy's traceback:
    pass 84ae, AE3), in a worker (it pickles by its arguments), and worded with the
    feature's plugin by :meth:`blamed`."""

    def __init__(self, feature: str, sample_id: str, shape: tuple[int, ...],
                 expected: tuple[int, ...], other: str | None = None) -> None:
        super().__init__(feature, sample_id, shape, expected, other)
        self.feature, self.sample_id, self.other = feature, sample_id, other
        self.shape, self.expected = shape, expected

    def what(self) -> str:
        """What the feature did, from its own words on (after its name)."""
        given = f"gave per-sample shape {dims(self.shape)} for sample {self.sample_id}"
        if self.other is None:
            return f"{given}, not the {dims(self.expected)} it declares"
        return f"{given} but {dims(self.expected)} for {self.other}"

    def __str__(self) -> str:
        return f"feature '{self.feature}' {self.what()}"

    def blamed(self, feature: Entry[FeatureMeta]) -> MerbenchError:
        """This line naming ``feature``'s plugin, its package and the fix."""
        return feature.fault("feature", self.what(), sep=" ")
