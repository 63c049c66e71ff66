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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from merbench.errors import MerbenchError


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
