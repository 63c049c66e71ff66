"""Which fields each kind of merbench file gained at which ``schema_version``: how a file
whose fields do not fit the version it says is told (:func:`merbench.results.migrations.migrate`),
never migrated into a file that lost what it held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the fields a kind's layout gained at a version (dotted; ``folds[]``: each item of the
#: list), which no file of an earlier version holds: a file that says an earlier version
#: and holds one had its version edited, and migrating it rewrote what it holds (a current
#: results.json relabelled 1 lost its ``model.provider``, the step from 3 setting it null).
#: Version 1 is everything written before versions were kept, whose fields varied: only
#: what came with a version since is listed.
ADDED: dict[str, dict[int, tuple[str, ...]]] = {
    "results": {3: ("engine.threads", "feature.values_sha256"),
                4: ("model.provider", "feature.provider", "dataset.provider",
                    "protocol.provider"),
                5: ("intervals",), 6: ("model.built_from",), 7: ("engine.executor",),
                8: ("files", "folds[].finished"), 9: ("notes", "engine.captured")},
    "seeds": {5: ("intervals",)},
    "run": {3: ("feature_values",)},
    "fold": {8: ("run_sha256", "finished"), 10: ("trained_with",)},
}


def _holds(data: Any, field: str) -> bool:
    """Whether ``data`` holds a value (not null: nothing a migration could lose) at the
    dotted ``field`` (``name[]``: in any item of a list)."""
    head, _, rest = field.partition(".")
    if not isinstance(data, dict):
        return False
    if head.endswith("[]"):
        items = data.get(head[:-2])
        return isinstance(items, list) and any(
            _holds(item, rest) if rest else item is not None for item in items)
    if data.get(head) is None:
        return False
    return _holds(data[head], rest) if rest else True


def newer_field(data: Mapping[str, Any], kind: str, version: int) -> tuple[str, int] | None:
    """The first field ``data`` holds that its kind gained after ``version``, and the
    version that brought it, or None."""
    for since, fields in sorted(ADDED.get(kind, {}).items()):
        found = next((f for f in fields if since > version and _holds(data, f)), None)
        if found is not None:
            return found.replace("[]", ""), since
    return None


def nulled_field(before: Any, after: Any, path: str = "") -> str | None:
    """The first field (dotted) that holds a value in ``before`` and null in ``after``: a
    migration fills in what a version lacked and never drops what a file holds."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            if key in after:
                found = nulled_field(value, after[key], f"{path}{key}.")
                if found is not None:
                    return found
        return None
    if before is not None and after is None:
        return path.rstrip(".")
    return None
