"""merbench's own plugins keep the rule that pools leaderboard rows: a default that changes
bumps the version.

An option recorded at its declared default counts as left out
(:mod:`merbench.verification.declared_defaults`), so a run that wrote ``crop=reference`` pools
with one that left the crop out. That is right only while a name and version always mean the
same defaults: were a default changed under the same version, an old file and a new run would
pool although they ran differently. ``tests/data/declared_defaults.json`` holds every
first-party factory's defaults by (kind, name, version); this test fails when one of them
changes while the version stays. Options added or removed only need the file written again:
``python tests/test_declared_defaults.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from merbench.plugin_system.entry import FIRST_PARTY, read_options
from merbench.plugin_system.manager import load_plugins

SNAPSHOT = Path(__file__).resolve().parent / "data" / "declared_defaults.json"


def declared() -> dict[str, dict[str, str]]:
    """``kind:name:version`` -> each option's default as JSON text, for every first-party
    model, feature, dataset and protocol."""
    registries = load_plugins().registries
    kinds = (("model", registries.models), ("feature", registries.features),
             ("dataset", registries.datasets), ("protocol", registries.protocols))
    entries = [(kind, registry.get(name)) for kind, registry in kinds
               for name in registry.names()]
    entries = [(kind, e) for kind, e in entries if e.origin.package == FIRST_PARTY]
    read_options([entry for _, entry in entries])  # one child process for all, when needed
    found: dict[str, dict[str, str]] = {}
    for kind, entry in entries:
        defaults: dict[str, Any] = entry.defaults()
        found[f"{kind}:{entry.meta.name}:{entry.meta.version}"] = {
            key: json.dumps(value, sort_keys=True, default=str)
            for key, value in sorted(defaults.items())}
    return dict(sorted(found.items()))


def test_no_default_changes_without_a_new_version() -> None:
    kept = json.loads(SNAPSHOT.read_text())
    now = declared()
    changed = [f"{entry} {key}: {kept[entry][key]} -> {value}"
               for entry, options in now.items() if entry in kept
               for key, value in options.items()
               if key in kept[entry] and kept[entry][key] != value]
    assert not changed, ("defaults changed under the same version (bump the plugin's version, "
                         "then run 'python tests/test_declared_defaults.py'): "
                         + "; ".join(changed))
    assert kept == now, ("tests/data/declared_defaults.json is stale (an option or a plugin "
                         "added, removed or versioned): run 'python tests/test_declared_"
                         "defaults.py' and commit it")


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(declared(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)
