"""The text a finished ``merbench run`` prints, whichever kind of result it made.

A run writes an emotion run's ``results.json`` or an action-unit run's ``au-results.json``
(and with ``--seeds``, their summary: ``seeds.json`` or ``au-seeds.json``); each kind's text
is its own renderer's (:mod:`merbench.cli.render`, :mod:`merbench.cli.seeds_render`,
:mod:`merbench.cli.au_render`). The command used to ask the record which class it was and
pick one; here the record's class picks its renderer (one dispatch, registered below), so
the command never tells the kinds apart, and a kind with a record of its own adds its
renderer here, one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from pathlib import Path
from typing import Any

from merbench.au.record import AUResults, AUSeedsSummary
from merbench.cli.au_render import print_au_results, print_au_seeds
from merbench.cli.render import print_results
from merbench.cli.seeds_render import print_seeds
from merbench.results.model import Results
from merbench.results.seeds_model import SeedsSummary


@singledispatch
def print_run(results: Any, run_dir: Path, went_on: Sequence[str] = ()) -> None:
    """A finished run's scores and where its files are (``results``: its record; ``went_on``:
    the folds this command went on training from an earlier command's saved state)."""
    raise TypeError(f"no finished run's text for a {type(results).__name__}")


@singledispatch
def print_summary(summary: Any, out: Path, first: Any = None) -> None:
    """A ``--seeds`` command's summary over its seed runs (``first``: the first seed's
    record, which says whether the recipe is the model's or a REDUCED setting)."""
    raise TypeError(f"no summary's text for a {type(summary).__name__}")


print_run.register(Results, print_results)
print_run.register(AUResults, print_au_results)
print_summary.register(SeedsSummary, print_seeds)
print_summary.register(AUSeedsSummary, print_au_seeds)
