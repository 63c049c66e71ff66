"""Rich tables for the CLI: plugin load failures, what ``extract`` did and the feature
cache. A finished result's text is its kind's (:mod:`merbench.kinds.emotion_text`, each
home's ``finish_text``), asked through :meth:`merbench.kinds.ResultKind.finished_text`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from merbench.base.console import LiteralConsole
from merbench.base.literal import counted
from merbench.base.terminal import path_shown, say
from merbench.plugin_system.manager import Plugins


def print_plugin_failures(plugins: Plugins) -> None:
    for record in plugins.failures:
        say(f"merbench: warning: {record.failure_line()}", file=sys.stderr)
    for line in plugins.conflicts:
        say(f"merbench: warning: {line}", file=sys.stderr)


def print_extraction(feature: str, dataset: str, report: dict[str, Any], summary: str) -> None:
    """What ``merbench extract`` did: cache hits versus computed samples (per-sample features),
    and the feature's own summary (e.g. faces not found)."""
    facts = report.get("extraction")
    if facts:
        say(f"{feature} on {dataset}: {facts.get('n_samples')} samples, "
              f"{facts.get('n_from_cache')} read from the cache, {facts.get('n_computed')} "
              f"computed ({counted(int(facts.get('workers') or 0), 'worker')}, "
              f"{facts.get('seconds')} s); "
              f"cache: {facts.get('cache_dir')}")
    if summary:
        say(f"feature {feature}: {summary}")


def print_cache_info(root: Path, stores: list[Any]) -> None:
    """Entries and size of every store in the feature cache."""
    console = LiteralConsole()
    if not stores:
        console.print(f"the cache {path_shown(root)} is empty")
        return
    table = Table(title=f"merbench cache: {path_shown(root)}")
    for column in ("store", "entries", "size"):
        table.add_column(column, justify="left" if column == "store" else "right")
    for store in stores:
        table.add_row(store.name, str(store.entries), f"{store.bytes / 1e6:.2f} MB")
    table.add_row("total", str(sum(s.entries for s in stores)),
                  f"{sum(s.bytes for s in stores) / 1e6:.2f} MB")
    console.print(table)
