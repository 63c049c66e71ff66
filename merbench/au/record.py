"""``au-results.json``: the record of an action-unit run (``merbench run --task au``).

An AU run trains and stores its folds exactly as an emotion run does (``run.json``, one
``folds/fold-NNN.npz`` per fold, with each sample's AU label code as ``y_true`` and the
AUs predicted present after every epoch as ``epoch_predictions``:
:func:`merbench.data.au_labels.label_codes`), so resuming, auditing and the engines are
shared. What it reports is another kind of number: per-AU F1, precision, recall and
positives, and MEB's mean F1 (:mod:`merbench.au.metrics`). Those live in a file of their own
rather than in ``results.json``, whose every reader (seeds, compare, the emotion pages)
expects UF1 and UAR: an AU run has no ``results.json``, and a reader of emotion results
never mistakes one for its own.

Versioned apart from the emotion files (:data:`AU_SCHEMA`): this layout is the first; a
later one adds one migration step here, as ``results/migrations.py`` does for
``results.json``.

``au-seeds.json`` (:class:`AUSeedsSummary`) is to AU runs what ``seeds.json`` is to
emotion runs: one configuration's seed runs (``seed-N/`` beside it, written by
``merbench run --task au --seeds``) summarised, each seed's mean F1 and per-AU F1, their
mean and standard deviation, and the interval of the seed-mean mean F1 over subjects. It is
a file of its own, with its own version (:data:`AU_SEEDS_SCHEMA`), for the reason
``au-results.json`` is: every reader of ``seeds.json`` expects UF1 and UAR.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from merbench.results.model import (
    EngineRecord,
    EnvironmentRecord,
    FeatureRecord,
    FoldRecord,
    Hyperparameters,
    IntervalMethod,
    ModelRecord,
    ProtocolRecord,
    ProviderRecord,
)
from merbench.results.recorded_values import check_entries, check_interval
from merbench.results.schema import read_kind
from merbench.results.seeds_model import Named, ProtocolNamed
from merbench.results.user_files import read_user_csv

if TYPE_CHECKING:
    import pandas as pd

AU_RESULTS_FILE = "au-results.json"
AU_PREDICTIONS_FILE = "au-predictions.csv"
#: the kind an AU results file records (its file's kind, which other kinds' files tell apart)
AU_KIND = "au"
AU_SCHEMA = 1
AU_SEEDS_FILE = "au-seeds.json"
AU_SEEDS_SCHEMA = 1


@dataclass(frozen=True)
class AUScoresRecord:
    """The scores of one pool (every scored sample, or one database's), each list in the
    run's ``au_set`` order. F1, precision and recall are 0 where undefined (nothing
    predicted, no positive), ``f1_defined`` says where F1's 0 is that convention."""

    n: int  # samples in the pool
    mean_f1: float | None  # MEB's "Average": the mean over every AU; None: nothing scored
    f1: list[float]
    f1_defined: list[bool]
    precision: list[float]
    recall: list[float]
    positives: list[int]  # scored samples coded present (the support)
    predicted: list[int]  # scored samples predicted present
    scored: list[int]  # samples whose entry is scored (not coded uncertainly)


@dataclass(frozen=True)
class AUScopeIntervals:
    """[low, high] of the mean F1 and of each AU's F1 in one scope."""

    mean_f1: list[float] | None
    f1: list[list[float] | None]  # None where the AU's F1 has no interval


@dataclass(frozen=True)
class AUIntervalsRecord:
    method: IntervalMethod
    overall: AUScopeIntervals
    per_database: dict[str, AUScopeIntervals]


@dataclass(frozen=True)
class AUDatasetRecord:
    """The dataset and which of its samples the AU task scored."""

    name: str
    version: int
    options: dict[str, Any]
    n_samples: int  # the dataset's samples
    n_scored: int  # those with AU coding: in the folds
    n_subjects: int  # subjects among the scored samples
    fingerprint: str  # the dataset's sample list (merbench.data.dataset.sample_list_fingerprint)
    labels_sha256: str  # the tested samples' AU label codes (the run identity's hash)
    provider: ProviderRecord


@dataclass(frozen=True)
class AUResults:
    """``au-results.json``: what an AU run scored, and everything that decided it."""

    #: the files of its run folder, as :class:`~merbench.results.model.Results` names its own
    result_file: ClassVar[str] = AU_RESULTS_FILE
    predictions_file: ClassVar[str] = AU_PREDICTIONS_FILE

    schema_version: int
    kind: Literal["au"]
    created: str
    au_set: list[int]
    threshold: float  # present where the sigmoid is strictly above it
    model: ModelRecord
    feature: FeatureRecord
    dataset: AUDatasetRecord
    protocol: ProtocolRecord
    selection: Literal["fixed"]  # each fold's last epoch
    seed: int
    shuffle_train_labels: bool
    hyperparameters: Hyperparameters
    precision: str
    overall: AUScoresRecord
    per_database: dict[str, AUScoresRecord]
    intervals: AUIntervalsRecord
    folds: list[FoldRecord]
    environment: EnvironmentRecord
    engine: EngineRecord | None
    wall_time_s: float
    train_time_s: float
    folds_resumed: int
    files: dict[str, str] | None = None  # file -> SHA-256 (the manifest), as results.json's


def read_au_results(path: Path) -> AUResults:
    """An ``au-results.json`` in the current layout, every field checked."""
    return read_kind(path, "AU results file", AU_KIND, AU_SCHEMA, AUResults)


@dataclass(frozen=True)
class AUSeedScores:
    """One seed's (or the seeds' mean's, or their std's) overall scores."""

    mean_f1: float | None  # MEB's mean F1; None where some seed scored nothing
    f1: list[float]  # each AU's F1, in the AU set's order (0 where undefined, as recorded)


@dataclass(frozen=True)
class AUOverSeeds:
    per_seed: dict[str, AUSeedScores]  # seed -> its run's overall scores
    mean: AUSeedScores
    std: AUSeedScores  # sample standard deviation (ddof=1); 0 for one seed, as seeds.json's


@dataclass(frozen=True)
class AUDatasetNamed:
    name: str
    version: int
    n_samples: int  # the dataset's samples
    n_scored: int  # those with AU coding, in the folds


@dataclass(frozen=True)
class AUSeedsInterval:
    """The interval of the seeds' mean of the mean F1 when subjects are resampled within
    their database, every seed's predictions resampled together (as the AU page's row)."""

    method: IntervalMethod
    mean_f1: list[float] | None  # [low, high]; None where undefined


@dataclass(frozen=True)
class AUSeedsSummary:
    """``au-seeds.json``: one AU configuration's seeds, each a run directory beside it."""

    schema_version: int
    kind: Literal["au-seeds"]
    created: str
    model: Named
    dataset: AUDatasetNamed
    protocol: ProtocolNamed
    au_set: list[int]
    threshold: float
    seeds: list[int]
    runs: dict[str, str]  # seed -> run directory name
    std: str  # what the standard deviation is, in words
    overall: AUOverSeeds
    interval: AUSeedsInterval


def read_au_seeds(path: Path) -> AUSeedsSummary:
    """An ``au-seeds.json`` in the current layout, every field checked, each per-AU list one
    entry for each AU of its ``au_set`` and its interval a pair."""
    summary = read_kind(path, "AU seeds summary", "au-seeds", AU_SEEDS_SCHEMA, AUSeedsSummary)
    # a list one short: a traceback to show, which prints an entry for each (84o, O1)
    n_aus = len(summary.au_set)
    scores = {**{f"overall.per_seed.{seed}": s for seed, s in summary.overall.per_seed.items()},
              "overall.mean": summary.overall.mean, "overall.std": summary.overall.std}
    for field, scored in scores.items():
        check_entries(f"{field}.f1", scored.f1, n_aus, "AUs of au_set")
    check_interval("interval.mean_f1", summary.interval.mean_f1)
    return summary

def read_au_predictions(folder: Path) -> pd.DataFrame:
    """The AU predictions table of the run in ``folder`` (``au-predictions.csv``), read
    through the bounded reader with its ids as text: validate, the record check read back and
    a configuration's seed pool read it alike."""
    return read_user_csv(folder / AU_PREDICTIONS_FILE, "AU predictions table",
                         keep_default_na=False,
                         dtype={"sample_id": str, "database": str, "subject": str})
