"""The typed results model: one record class per file merbench writes.

``results.json`` is :class:`Results`, ``run.json`` :class:`RunRecord` and the metadata of
each ``folds/fold-NNN.npz`` :class:`FoldMeta` (``seeds.json`` is
:mod:`merbench.results.seeds_model`'s, ``audit.json`` :mod:`merbench.results.audit_model`'s).
Every writer builds one of these and writes :func:`~merbench.results.codec.to_json` of it; every
reader migrates an older file to the current layout (:mod:`merbench.results.migrations`)
and reads it back with :func:`~merbench.results.codec.from_json`, which checks each field.
``docs/results.md`` documents every field, and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from merbench.meta import TrainRecipe
from merbench.results.codec import FLATTENED, OMITTED_WHEN_NONE, to_json
from merbench.results.manifest import PREDICTIONS_FILE

SCHEMA_VERSION = 10  # the layout of every file below; older ones are migrated on reading


@dataclass(frozen=True)
class Scores:
    """UF1, UAR and accuracy of one scope (all samples, or one database's)."""

    n: int
    uf1: float | None  # None when the scope has no sample
    uar: float | None
    accuracy: float | None
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    uf1_excluded: list[str]  # classes with no true and no predicted sample
    uar_excluded: list[str]  # classes with no true sample


@dataclass(frozen=True)
class Metrics:
    """Scores of the pooled predictions, overall and per database."""

    overall: Scores
    per_database: dict[str, Scores]


@dataclass(frozen=True)
class PolicyMetrics:
    """One selection policy's pooled metrics."""

    test_set_selection: bool
    description: str
    metrics: Metrics


@dataclass(frozen=True)
class ProviderRecord:
    """Who provided a registered name a run used: the plugin and the installed package (a
    leaderboard shows a name only from the provider its benchmark pins)."""

    plugin: str | None  # the entry point; None: not recorded (files before version 4)
    package: str  # the distribution, "<in-process>" for a plugin registered in Python
    version: str | None  # the package's version; None: not recorded


@dataclass(frozen=True)
class ModelRecord:
    name: str
    version: int
    kind: str  # "torch" or "sklearn"
    options: dict[str, Any]  # set on the command line, defaults left out
    description: str | None  # None: not recorded (files written before it was)
    citation: str
    recipe: TrainRecipe | None  # the model's declared recipe (torch); None: not recorded
    extra_training_data: bool
    provider: ProviderRecord | None  # None: not recorded
    # what decides the numbers beyond name, version and options, as the model's plugin says
    # (timm's version, a weights file's SHA-256); {} for most models and for older files
    built_from: dict[str, str]


@dataclass(frozen=True)
class FeatureRecord:
    name: str
    version: int
    options: dict[str, Any]  # those that decide the values (storage options left out)
    report: dict[str, Any] | None = None  # what the feature said about the data
    summary: str | None = None
    values_sha256: str | None = None  # of every sample's values (None: not recorded)
    provider: ProviderRecord | None = None  # None: not recorded


@dataclass(frozen=True)
class DatabaseCount:
    n_samples: int
    n_subjects: int


@dataclass(frozen=True)
class SkippedSample:
    """A sample a dataset left out of the run (``--dataset-opt skip_missing=true``), and why,
    so that a score is never read as being on samples it was not."""

    sample_id: str
    reason: str


@dataclass(frozen=True)
class DatasetRecord:
    name: str
    version: int
    options: dict[str, Any]  # with skip_missing when samples were skipped
    n_samples: int
    n_subjects: int
    skipped: list[SkippedSample]  # each sample left out
    classes: list[str]
    class_counts: list[int]
    databases: dict[str, DatabaseCount]
    fingerprint: str
    provider: ProviderRecord | None = None  # None: not recorded


@dataclass(frozen=True)
class ProtocolRecord:
    name: str
    version: int
    options: dict[str, Any]
    n_folds: int
    n_samples: int  # samples tested, once each
    folds_fingerprint: str
    provider: ProviderRecord | None = None  # None: not recorded


@dataclass(frozen=True)
class SelectionRecord:
    policy: str  # the policy ``metrics`` reports
    test_set_selection: bool
    inner_val_subjects: int | None
    available: list[str]  # every policy in ``metrics_by_policy``


@dataclass(frozen=True)
class WeightsRecord:
    dir: str
    sha256: dict[str, str]  # fold label -> checkpoint digest


@dataclass(frozen=True)
class FoldRecord:
    index: int
    key: list[str]  # the fold's key: (database, subject) under LOSO, (database,) lodo
    n_train: int
    n_test: int
    epoch: int  # 1-based epoch the reported policy chose
    epoch_by_policy: dict[str, int]
    n_inner_val: int
    accuracy: float  # on the test subject, at ``epoch``
    seconds: float
    device: str
    folds_at_once: int | None  # trained together with how many; None: not recorded
    resumed: bool  # restored from an earlier process, not trained by this one
    fit_report: dict[str, Any] | None = None  # an estimator's own report (e.g. chosen C)
    finished: str | None = None  # when its fold file was written (UTC); None: not recorded


@dataclass(frozen=True)
class EnvironmentRecord:
    merbench: str | None
    git_commit: str | None
    python: str
    torch: str | None
    cuda: str | None
    numpy: str
    scikit_learn: str | None
    device: str
    platform: str
    plugins: dict[str, str]  # plugin -> "package version"


EngineMode = Literal["none", "sequential", "fold-parallel"]
EngineCause = Literal["restored", "evaluates-weights", "estimator", "asked", "cpu-default",
                      "not-batchable", "dropout", "memory", "one-fold-left", "one-fold-fits",
                      "unrecorded"]


ThreadCause = Literal["asked", "environment", "small-model", "free-cores", "usable-cores"]


@dataclass(frozen=True)
class ThreadRecord:
    """The CPU threads torch used (merbench.training.threads): how many, and why (``cause`` for
    programs, ``reason`` for people)."""

    count: int
    cause: ThreadCause
    reason: str


@dataclass(frozen=True)
class EngineRecord:
    """How the folds trained and why: ``cause`` for programs, ``reason`` for people."""

    mode: EngineMode
    folds_at_once: int
    cause: EngineCause
    reason: str
    same_numbers_as_sequential: bool | None = None
    lowered_after_out_of_memory_from: int | None = None
    fused_optimizer: bool | None = None
    # each epoch after the first replayed as one captured CUDA graph (training.captured_step)
    captured: bool | None = None
    threads: ThreadRecord | None = None  # None: not a torch run, or not recorded
    # where the folds trained: in this process, or as Ray tasks side by side (so the folds'
    # seconds may add up to more than the wall time)
    executor: Literal["local", "ray"] = "local"


@dataclass(frozen=True)
class IntervalMethod:
    """How the intervals were computed, so anyone can recompute them from the predictions
    (:mod:`merbench.stats.intervals`)."""

    method: str  # e.g. "percentile bootstrap over subjects, stratified by database"
    unit: Literal["subject"]  # what is resampled: whole subjects with all their samples
    level: float  # 0.95
    resamples: int
    seed: int  # of the resampling's random generator


@dataclass(frozen=True)
class ScopeIntervals:
    """[low, high] of UF1 and UAR in one scope; None where the score is undefined."""

    uf1: list[float] | None
    uar: list[float] | None


@dataclass(frozen=True)
class Intervals:
    """Confidence intervals of the reported policy's pooled UF1 and UAR, overall and per
    database; over several seeds, of the seed mean."""

    method: IntervalMethod
    overall: ScopeIntervals
    per_database: dict[str, ScopeIntervals]


@dataclass(frozen=True)
class Hyperparameters:
    """What trained a run besides its options: the training recipe and the arithmetic.

    Recorded as one flat object, the recipe's fields beside ``precision`` and
    ``fused_optimizer``, and those two only when they depart from the default: that is the
    object a run's identity has always hashed, so folders started before this record
    existed still resume. ``{}``: nothing trained with a recipe at fp32 (an estimator)."""

    recipe: TrainRecipe | None = field(default=None, metadata=FLATTENED)
    precision: str | None = field(default=None, metadata=OMITTED_WHEN_NONE)  # None: fp32
    # True: the fused optimiser step trained (it rounds differently); None: the default step
    fused_optimizer: bool | None = field(default=None, metadata=OMITTED_WHEN_NONE)

    def recorded(self) -> dict[str, Any]:
        """The flat object a results file records: field name to value."""
        recorded: dict[str, Any] = to_json(self)
        return recorded


@dataclass(frozen=True)
class Results:
    """``results.json``: a finished run's metrics, what ran, and where."""

    #: the files of a run folder the record names (an AU run's record names its own): what
    #: reads any run folder's record asks it, never a file test or the record's class
    result_file: ClassVar[str] = "results.json"
    predictions_file: ClassVar[str] = PREDICTIONS_FILE

    schema_version: int
    created: str
    model: ModelRecord
    feature: FeatureRecord
    dataset: DatasetRecord
    protocol: ProtocolRecord
    selection: SelectionRecord
    seed: int
    shuffle_train_labels: bool
    hyperparameters: Hyperparameters
    precision: str
    trained: bool  # False: saved weights were evaluated (--weights)
    weights: WeightsRecord | None
    metrics: Metrics  # of selection.policy
    intervals: Intervals | None  # of metrics; None: written before version 5
    metrics_by_policy: dict[str, PolicyMetrics]
    folds: list[FoldRecord]
    environment: EnvironmentRecord
    engine: EngineRecord | None  # None: not recorded
    wall_time_s: float
    train_time_s: float
    folds_resumed: int
    # path inside the run folder -> SHA-256 of run.json, each fold file and predictions.csv
    # as this summary was written (merbench.results.manifest); None: written before version 8
    files: dict[str, str] | None = None
    # what a reader must know of the reported predictions (results.collapse): [] when
    # nothing; None: written before version 9
    notes: list[str] | None = None

    @property
    def run_time_s(self) -> float:
        """The run's own time: the last command's wall time plus the training of every fold
        it restored from earlier commands. ``wall_time_s`` is the last command's alone (the
        provenance checks need that span), so a resumed run showed a few seconds for tens
        of minutes of training."""
        return self.wall_time_s + sum(f.seconds for f in self.folds if f.resumed)


@dataclass(frozen=True)
class RunRecord:
    """``run.json``: what runs in a directory (its identity) and the options it started
    with, so a later process continues only the same run."""

    schema_version: int
    identity: dict[str, Any]
    config: dict[str, Any]  # the RunSpec's fields, then the RunSettings'
    n_folds: int | None = None  # None: not recorded
    # sample id -> digest of the values it trained on (merbench.runner.values); None: not yet
    feature_values: dict[str, str] | None = None


@dataclass(frozen=True)
class FoldMeta:
    """The metadata inside a fold file (its arrays are the predictions themselves)."""

    schema_version: int
    index: int
    key: list[str]
    n_train: int
    seconds: float
    device: str
    folds_at_once: int | None = None  # None: not recorded
    fit_report: dict[str, Any] | None = field(default=None)
    # the digest of the run identity it was trained for (merbench.results.manifest); None:
    # written before version 8, or by a process with no run.json (an audit's scratch folder)
    run_sha256: str | None = None
    # when the process that ran the run wrote this file (UTC, ISO 8601); None: not recorded
    finished: str | None = None
    # the code of the process that trained it: merbench, git_commit, torch, scikit_learn
    # (merbench.results.schema.trained_with_here); None: written before version 10
    trained_with: dict[str, str | None] | None = None
