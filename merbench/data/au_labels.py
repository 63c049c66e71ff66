"""Action-unit (AU) labels of a dataset's samples, and merbench's default set of AUs.

FACS coders label every micro-expression with the action units they saw (AU 4, brow lowerer;
AU 12, lip corner puller ...). A dataset whose coding sheet has them gives them in the table
:meth:`merbench.data.dataset.Dataset.action_unit_table` returns (its sample table unless it reads
them only on request), in two columns every such dataset fills the same way (the first-party
loaders keep the sheets' text and parse it in ``merbench_datasets.action_units``, where each
rule is stated, only when the AUs are asked for, so that a cell an emotion run never uses
cannot stop it):

- ``action_units``: the AU numbers coded for the sample, a sorted tuple of ints (``(4, 10)``
  for the cell ``4+L10``); ``()`` when the coder wrote 0 (no action); None when the sample
  has no AU coding (SMIC codes none; a cell that names no AU);
- ``uncertain_action_units``: the AU numbers coded only uncertainly (``4?``, one of the
  alternatives ``L12 or L14``, SAMM's ``ref(24)``), leaving out those also coded for sure;
  None where ``action_units`` is None. A task counts such an AU neither present nor absent
  for that sample: present would credit a guess the coder did not commit to, absent would
  contradict one the coder considered.

The label is the AU *number*: where a code also says which side (``L10``) or how strongly
(``12A``), that is kept with the parsed code but does not make another label, because the
sides and intensities are too rarely coded to learn (``L10`` is one CASME II sample) and the
AU-detection literature and MEB score AUs by number. These columns are no part of a sample
list's fingerprint (:func:`merbench.data.dataset.sample_list_fingerprint` hashes ids, fold keys and
emotion labels only), so adding them changed no run's identity. They are labels: features
are never given them (:class:`merbench.data.clips.Clip` carries frames, not labels).

The default AU set
------------------
:data:`DEFAULT_AU_SET` is the set MEB evaluates by default, ``dataset_aus["cross"]``: AUs 1,
2, 4, 5, 6, 7, 9, 10, 12, 14, 15 and 17. MEB (github.com/tvaranka/meb, the MER toolkit by the
CASME / MEB authors) defines it in ``meb/utils/utils.py`` (the dict ``dataset_aus``, lines
338-357) and makes it its ``Config.action_units`` default in ``meb/core/train_eval.py``
(line 105), both at commit f731b0a981683a24f6be2e026208811849dee3ad (2024-05-31). The same
dict's per-database sets are :data:`MEB_AU_SETS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from merbench.base.errors import MerbenchError
from merbench.base.whole_numbers import whole_value

if TYPE_CHECKING:  # only named in annotations: planning a run loads no pandas nor numpy
    import numpy as np
    import pandas as pd

PRESENT_COLUMN = "action_units"
UNCERTAIN_COLUMN = "uncertain_action_units"
COLUMNS = (PRESENT_COLUMN, UNCERTAIN_COLUMN)

#: MEB's ``dataset_aus`` (meb/utils/utils.py at f731b0a981683a24f6be2e026208811849dee3ad),
#: as AU numbers; ``cross`` is its default (cross-dataset) set, the others one database's.
MEB_AU_SETS: dict[str, tuple[int, ...]] = {
    "cross": (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17),
    "casme2": (1, 2, 4, 7, 12, 14, 15, 17),
    "casme": (1, 4, 9, 14),
    "samm": (2, 4, 7, 12),
    "mmew": (1, 2, 4, 5, 7, 10, 12, 14),
    "fourd": (1, 2, 4, 6, 7, 12, 17, 45),
}
#: The AUs an AU task scores unless told otherwise: MEB's default (see the module doc).
DEFAULT_AU_SET: tuple[int, ...] = MEB_AU_SETS["cross"]


@dataclass(frozen=True)
class SampleActionUnits:
    """One sample's AU labels: the AU numbers coded for sure, and those coded uncertainly."""

    present: tuple[int, ...]
    uncertain: tuple[int, ...] = ()


def _numbers(value: object, dataset: str, sample: str, column: str) -> tuple[int, ...] | None:
    """A cell of an AU column checked: None, or a sorted tuple of distinct ints 1..99."""
    if value is None:
        return None
    if not isinstance(value, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 < n < 100 for n in value):
        raise MerbenchError(f"dataset '{dataset}': '{column}' of sample {sample} is {value!r}; "
                            "it must be None or a tuple of AU numbers 1..99 (e.g. (4, 10)); "
                            "fix the dataset plugin")
    if list(value) != sorted(set(value)):
        raise MerbenchError(f"dataset '{dataset}': '{column}' of sample {sample} is {value!r}; "
                            "write its AU numbers once each, in increasing order; fix the "
                            "dataset plugin")
    return value


def sample_action_units(dataset: str, samples: pd.DataFrame
                        ) -> list[SampleActionUnits | None]:
    """Every sample's AU labels from a sample table (see the module doc), checked; None for a
    sample without AU coding. A table without the ``action_units`` column is an error: the
    dataset gives no AU labels at all."""
    if PRESENT_COLUMN not in samples.columns:
        raise MerbenchError(f"dataset '{dataset}' gives no action-unit labels (its sample "
                            f"table has no '{PRESENT_COLUMN}' column); use a dataset whose "
                            "coding sheet codes AUs (casme2, samm, casme3, megc2019, composite)")
    uncertain: Sequence[object] = (samples[UNCERTAIN_COLUMN].tolist()
                                   if UNCERTAIN_COLUMN in samples.columns
                                   else [()] * len(samples))
    labels: list[SampleActionUnits | None] = []
    for sample, present, unsure in zip(samples["sample_id"].astype(str),
                                       samples[PRESENT_COLUMN].tolist(), uncertain, strict=True):
        certain = _numbers(present, dataset, sample, PRESENT_COLUMN)
        doubtful = _numbers(unsure, dataset, sample, UNCERTAIN_COLUMN)
        if certain is None:
            labels.append(None)
            continue
        overlap = set(certain) & set(doubtful or ())
        if overlap:
            raise MerbenchError(f"dataset '{dataset}': sample {sample} has AU "
                                f"{min(overlap)} both in '{PRESENT_COLUMN}' and in "
                                f"'{UNCERTAIN_COLUMN}'; an AU coded for sure is not also "
                                "uncertain: fix the dataset plugin")
        labels.append(SampleActionUnits(certain, doubtful or ()))
    return labels


# --- AU labels as one integer a sample -------------------------------------------------------
#: The most AUs one task scores: a sample's labels travel as one integer (see
#: :func:`label_codes`), one bit an AU for "present" and one for "ignored", and predictions
#: as the same present bits in a fold file's int16 predictions (15 bits below the sign).
MAX_AUS = 15
IGNORED_SHIFT = 16


def parse_au_set(text: str) -> tuple[int, ...]:
    """An AU set from its command-line spelling: one of MEB's names (``cross``, ``casme2``,
    ...; :data:`MEB_AU_SETS`) or AU numbers joined by commas (``1,2,4,12``), kept in
    increasing order. Anything else is one :class:`MerbenchError` saying what is accepted.

    An AU number is read as every whole number merbench takes is
    (:mod:`merbench.base.whole_numbers`): ``4.0``, ``+4`` and ``4e0`` are AU 4, as ``04``
    was, where they had been refused as "no AU number" (pass 84j, Q6); ``4.5`` is none."""
    spelled = text.strip()
    if spelled in MEB_AU_SETS:
        return MEB_AU_SETS[spelled]
    numbers = []
    fix = (f"give AU numbers 1..99 joined by commas (1,2,4,12) or one of MEB's sets: "
           f"{', '.join(MEB_AU_SETS)}")
    for given in spelled.split(","):
        if not given.strip():  # not "'an empty entry' is no AU number"
            said = "names no AU" if not spelled else "has an empty entry"
            raise MerbenchError(f"--au-set {text!r} {said}; {fix}")
        number = whole_value(given.strip().upper().removeprefix("AU"))
        if number is None or not 0 < number < 100:
            raise MerbenchError(f"--au-set {text!r}: {given.strip()!r} is no AU number; {fix}")
        numbers.append(number)
    return checked_au_set(numbers, f"--au-set {text!r}")


def checked_au_set(numbers: Sequence[int], where: str) -> tuple[int, ...]:
    """``numbers`` as an AU set (sorted, each once), or one error naming ``where``."""
    aus = tuple(sorted(set(numbers)))
    if len(aus) != len(numbers):
        raise MerbenchError(f"{where} names an AU twice; name each once")
    if not aus or len(aus) > MAX_AUS:
        raise MerbenchError(f"{where} has {len(aus)} AUs; an AU task scores 1 to {MAX_AUS}")
    if not all(isinstance(n, int) and 0 < n < 100 for n in aus):
        raise MerbenchError(f"{where}: AU numbers are whole numbers 1..99")
    return aus


def label_codes(labels: Sequence[SampleActionUnits], au_set: Sequence[int]) -> list[int]:
    """Each sample's labels over ``au_set`` as one integer: bit ``i`` set where the i-th AU of
    the set is coded present, bit ``16 + i`` where it is coded only uncertainly (ignored by
    the loss and by the scores).

    Why an integer: a fold's labels then travel where an emotion run's class indices travel
    (shuffled with their samples, stacked for folds trained together, stored in the fold
    files' ``y_true``), so every engine and executor trains the AU task unchanged, and a fold
    file alone says what each test sample was scored against."""
    aus = list(au_set)
    return [sum(1 << i for i, au in enumerate(aus) if au in label.present)
            | sum(1 << (IGNORED_SHIFT + i) for i, au in enumerate(aus)
                  if au in label.uncertain)
            for label in labels]


def present_bits(codes: np.ndarray, n_aus: int) -> np.ndarray:
    """(samples, AUs) booleans: which AUs ``codes`` (labels or predictions) mark present."""
    import numpy as np  # deferred: numpy, which reading a dataset's AU cells never needs

    codes = np.asarray(codes, dtype=np.int64)
    result: np.ndarray = ((codes[..., None] >> np.arange(n_aus)) & 1).astype(bool)
    return result
