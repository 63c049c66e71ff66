"""What a feature extractor may return besides its array: facts for the run's results.

An extractor returns either a bare array (one row per sample) or an :class:`Extracted`, whose
``report`` the runner stores in ``results.json`` under ``feature.report`` and whose
``summary`` the CLI prints as one line after the scores. This is how a feature says things a
reader of the results must know and that no option records: how many samples fell back to a
default, which variant a default option picked, where a cache was. The core knows nothing
about any particular feature; it only carries the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.base.errors import MerbenchError

if TYPE_CHECKING:
    from merbench.data.dataset import Dataset


@dataclass
class Extracted:
    """A feature's values with a JSON-serialisable ``report`` and an optional one-line
    ``summary`` for people (the CLI prints it; it is stored next to the report)."""

    values: np.ndarray
    report: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


def unpack(name: str, returned: Any) -> tuple[Any, dict[str, Any], str]:
    """(values, report, summary) of what feature ``name``'s extractor returned.

    A bare array has an empty report. A report that JSON cannot hold is refused here, before
    any fold is trained, rather than when ``results.json`` is written at the end.
    """
    if not isinstance(returned, Extracted):
        return returned, {}, ""
    if not isinstance(returned.report, dict):
        raise MerbenchError(f"feature '{name}' returned a report of type "
                            f"{type(returned.report).__name__}; a report is a dict")
    try:
        json.dumps(returned.report)
    except (TypeError, ValueError) as exc:
        raise MerbenchError(f"feature '{name}' returned a report that JSON cannot hold ({exc}); "
                            "report plain numbers, strings, lists and dicts") from None
    summary = " ".join(str(returned.summary).split())  # one line, whatever the plugin wrote
    return returned.values, returned.report, summary


@dataclass
class Sample:
    """One sample's feature values and JSON facts about how they were made (e.g. that no
    face was found); both are cached together, so a cache hit reports the same facts."""

    values: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)


class SampleExtractor:
    """Base class of per-sample features, which the core caches and runs in parallel.

    A feature factory returns an instance instead of an ``extract(dataset)`` function. The
    core calls :meth:`inputs` for a sample, hashes the arrays it returns together with the
    feature's name, version and :attr:`params` into the cache key, and calls :meth:`compute`
    only when the cache has no valid entry. ``compute`` must depend on nothing but its
    inputs and ``params``: that is what makes the cache sound. Instances are sent to worker
    processes, so keep them small and picklable (no open models; load them lazily).
    """

    #: The dataset sources :meth:`inputs` reads by default (normally the meta's ``needs``).
    sources: tuple[str, ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """Everything besides the inputs that decides the values (resolved options, library
        versions); JSON-serialisable, part of every cache key."""
        return {}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        """The arrays sample ``index``'s values depend on (hashed for the cache key)."""
        return {source: dataset.read(source, index) for source in self.sources}

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample | np.ndarray:
        """The values of one sample from its inputs; ``sample_id`` is for error messages."""
        raise NotImplementedError

    def worker_setup(self) -> None:
        """Called once in each worker process before its first sample (e.g. to keep a
        library to one thread, since the core already runs one process per core)."""

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        """The feature's report and one-line summary from every sample's notes."""
        return {}, ""
