"""A configuration's seeds in the terminal (``seeds.json``): the reported policy's table over
seeds, then the others in a line each.

Its own module, beside :mod:`merbench.cli.au_render` (the AU seeds'), so that
:mod:`merbench.cli.render` stays within reach of a reader; the cells are rendered by the
helpers there, one renderer for every score the terminal prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from merbench.base.console import LiteralConsole
from merbench.base.terminal import path_shown
from merbench.cli.render import (
    _interval_note,
    _pair,
    _scope_intervals,
    _training_line,
    mean_std,
    scores_fmt,
    skipped_note,
    std_note,
)
from merbench.results.model import Results
from merbench.results.seeds_model import ScopedScores, SeedScores, SeedsSummary


def print_seeds(summary: SeedsSummary, out: Path, first: Results | None = None) -> None:
    """The reported policy's table first, as a single run's summary has it: per scope, the
    mean ± std over seeds with the interval of the seed mean below it, and each seed's UF1;
    then each other policy in one line. It printed every policy's table in the file's order
    (``fixed`` first, without intervals, and ``first-best``, the reported one, last) and
    wrapped at 80 columns. ``first``, the first seed's results, gives the training line
    and whether it is a REDUCED setting, as a single run prints it."""
    console = LiteralConsole()
    seeds = [str(s) for s in summary.seeds]
    reported = summary.policies.get(summary.selection)
    if reported is not None:
        console.print(_seeds_table(summary, summary.selection, reported, seeds))
        note = _interval_note(summary.intervals)
        if note:
            console.print(note + "; seeds averaged in each resample")
    for name, policy in summary.policies.items():
        if name == summary.selection:
            continue
        mark = " — TEST-SET SELECTION, not comparable" if policy.test_set_selection else ""
        overall = policy.mean.overall, policy.std.overall
        console.print(f"selection {name}{mark}: UF1 "
                      f"{mean_std(overall[0].uf1, overall[1].uf1, len(seeds))}, UAR "
                      f"{mean_std(overall[0].uar, overall[1].uar, len(seeds))}")
    console.print(std_note(summary.std, len(seeds)))
    training = _training_line(first) if first is not None else None
    if training:
        console.print(training, soft_wrap=True)
    # every seed reads the same samples: the first one's skipped are every seed's (a single
    # run said them, a --seeds folder never did)
    skipped = (first.dataset.skipped or []) if first is not None else []
    if skipped:
        console.print(skipped_note(first.dataset.name, skipped,  # type: ignore[union-attr]
                                   f"every seed's scores are on the remaining "
                                   f"{first.dataset.n_samples}; reasons in each seed's "  # type: ignore[union-attr]
                                   "results.json (dataset.skipped)"),
                      markup=False, highlight=False, soft_wrap=True)
    console.print(f"summary: {path_shown(out / 'seeds.json')}; one run directory per seed in "
                  f"{path_shown(out)}")


def _seeds_table(summary: SeedsSummary, name: str, policy: Any, seeds: list[str]) -> Table:
    """One policy's table over seeds (its interval: the reported policy's seed mean)."""
    mark = " — TEST-SET SELECTION, not comparable" if policy.test_set_selection else ""
    table = Table(title=(f"{summary.model.name} v{summary.model.version} on "
                         f"{summary.dataset.name} — {summary.protocol.name}, "
                         f"seeds {', '.join(seeds)}, selection: {name}{mark}"),
                  caption="mean ± std over seeds [interval of the mean]; seed N: its UF1")
    intervals = summary.intervals if name == summary.selection else None
    table.add_column("scope", justify="left")
    for column in ("UF1", "UAR"):
        table.add_column(column, justify="right", no_wrap=True)
    for seed in seeds:
        table.add_column(f"seed {seed}", justify="right", no_wrap=True)
    for scope in ["overall", *sorted(policy.mean.per_database)]:
        def pick(tree: ScopedScores, scope: str = scope) -> SeedScores:
            return tree.overall if scope == "overall" else tree.per_database[scope]
        mean, std = pick(policy.mean), pick(policy.std)
        pairs = _scope_intervals(intervals, scope)
        cells = [mean_std(getattr(mean, m), getattr(std, m), len(seeds))
                 + (f"\n{_pair(pairs.get(m))}" if intervals else "") for m in ("uf1", "uar")]
        table.add_row(scope, *cells,
                      *(scores_fmt(pick(policy.per_seed[s]).uf1) for s in seeds))
    return table
