"""The records of the files merbench's other commands write: ``merbench export``'s
``export-report.json``, the JSON of ``export --compare`` and the header of ``extract --save``.

They live beside :mod:`merbench.results.model` (the files of a run) for the reason those do:
a writer builds one and writes :func:`~merbench.results.codec.to_json` of it, and a reader
takes it back only through :func:`~merbench.results.codec.from_json`, so a damaged file is
one line naming its field, mypy checks every attribute read, and ``docs/results.md``
documents every field (``tests/test_results_reference.py`` keeps the two in step). They are
not run results: none carries ``schema_version`` or has migrations; each class says how its
file is versioned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from merbench.results.model import EnvironmentRecord, SkippedSample


@dataclass(frozen=True)
class ExportReport:
    """``export-report.json``: what ``merbench export --layout`` wrote into its ``--out``, the
    inventory by which a repeat export removes the earlier one's files
    (:mod:`merbench.export.folder`).

    Not versioned: every export has written this layout since the report became the folder's
    inventory (an earlier report, with no ``written``, was never accepted as one), and a
    report that does not fit is refused with its field named, the folder then to be deleted
    or another ``--out`` given. A new layout must add a version field and keep reading
    this one, or an earlier export's folder could no longer be written over."""

    layout: str
    dataset: str
    features: list[str]  # computed, the layout's flow first (another one with --feature)
    classes: dict[str, str]  # label number, as text -> class name
    samples: list[str]  # exported, in dataset order
    skipped: list[SkippedSample]  # each sample left out
    feature_reports: dict[str, dict[str, Any]]  # feature -> its report, in its plugin's keys
    complete: bool  # False while the files are written: ``written`` also names the earlier's
    written: list[str]  # every file written, relative to the folder, sorted


@dataclass(frozen=True)
class ChannelFidelity:
    """One flow channel over every sample compared."""

    correlation: float | None  # mean Pearson's r; None: the channel is constant everywhere
    correlated_samples: int  # samples where neither image's channel is constant
    mean_abs_diff: float | None  # in 0..255 units; None: no sample compared


@dataclass(frozen=True)
class SampleFidelity:
    """One sample's flow image against the release's, channel by channel."""

    sample_id: str
    correlation: dict[str, float | None]  # channel -> Pearson's r; None: a constant channel
    mean_abs_diff: dict[str, float]  # channel -> mean absolute difference, 0..255 units


@dataclass(frozen=True)
class ReleaseFidelity:
    """The JSON ``merbench export --compare RELEASE --out FILE`` writes: how close merbench's
    flow images come to a release's (:mod:`merbench.export.release_compare`).

    Not versioned: merbench writes it for people and their scripts and never reads it back;
    a change of layout must add a version field, so that those scripts can tell."""

    release: str  # the release folder, as given
    compared: int  # samples in both
    not_in_release: list[str]  # merbench's samples the release lacks
    channels: dict[str, ChannelFidelity]  # strain, v, u
    samples: list[SampleFidelity]  # in dataset order


@dataclass(frozen=True)
class FeaturesHeader:
    """The ``header`` of a features file, written by ``merbench extract --save FILE`` and read
    by ``merbench run --features FILE`` (:mod:`merbench.features.saved_file`).

    Versioned by ``format_version``: 1, the only layout so far. A reader refuses a newer one
    ("upgrade merbench") before reading the rest; a change of layout raises it. ``feature``
    and ``dataset`` stay JSON objects, as ``run.json``'s identity does: they are compared key
    by key with the identity of the run that reads the file, which names the keys that
    differ."""

    format: Literal["merbench-features"]
    format_version: int
    feature: dict[str, Any]  # the run identity's feature: name, version, options
    dataset: dict[str, Any]  # the run identity's dataset: name, version, options, fingerprint
    report: dict[str, Any]  # what the feature said about the data, in its plugin's keys
    summary: str  # one line of that report, or ""
    environment: EnvironmentRecord  # where the values were computed
    created: str  # when the file was written (UTC, ISO 8601)
