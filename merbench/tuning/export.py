"""Tuning tables in ``merbench leaderboard list`` and ``leaderboard export``.

The tuning page shows each validated search (:mod:`merbench.tuning.view`); here
the searches of one dataset and outer protocol are one table, id ``tune-DATASET-PROTOCOL``,
a row per search with the outer UF1 and UAR of what it chose and their intervals over
subjects. A nested search's scores are honest estimates and are ranked; a test-scored one
chose its configuration by the test subjects' own scores, so its row is marked test-set
selection, never ranked with them, as the page shows the two apart. Each seed's search is
a row of its own, its configuration naming its seed as the page's search column does: two
seeds of one search were two rows alike in a paper's table, told apart by diff alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from merbench.base.literal import counted
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.page_views import slug
from merbench.leaderboard.published_line import PublishedLine, run_identity, section_of
from merbench.stats.intervals import METRICS, Interval
from merbench.tuning.record import NESTED, TuneResults, lone_interval
from merbench.tuning.search_record import spec_of
from merbench.tuning.view import Tuning

#: a table's title and score columns: its rows', and its header's where it has none yet
TITLE = "Hyperparameter searches: {where}, the outer scores of what each chose"
HEADERS = tuple(metric.upper() for metric in METRICS)


@dataclass(frozen=True)
class TuningTable:
    """The searches of one dataset and protocol, to list and export."""

    id: str
    tunings: tuple[Tuning, ...]  # nested first, best first

    @property
    def where(self) -> str:
        first = self.tunings[0].results
        options = ", ".join(f"{k}={v}" for k, v in sorted(first.dataset_options.items()))
        return f"{first.dataset} / {first.protocol}" + (f" ({options})" if options else "")

    @property
    def title(self) -> str:
        return TITLE.format(where=self.where)

    @property
    def runs(self) -> int:
        return len(self.tunings)

    def score_headers(self) -> list[str]:
        return list(HEADERS)

    def lines(self) -> list[Line]:
        return [_line(tuning) for tuning in self.tunings]

    def left_out(self) -> str | None:
        """None: every run it counts is a row of its export."""
        return None

    def published(self) -> list[PublishedLine]:
        # keyed by its words but for a stop by --timeout-s, so that the search the same
        # command completed since is this row moved, not one removed and another added
        return [PublishedLine(line, section_of(line.test_set_selection,
                                               tuning.reduced is not None),
                              "",  # the line's configuration names the seed
                              _runs(tuning.results), (tuning.results.seed,),
                              key=f"{line.model} ({_setting(tuning, stopped=False)})",
                              folders=frozenset({tuning.path}))
                for tuning, line in zip(self.tunings, self.lines(), strict=True)]


def _runs(results: TuneResults) -> frozenset[str]:
    """The identities of the runs a search made: each trial's runs and each outer fold's
    retraining, each as what ran (the search, as tuning.json gave it when it began, its
    folder and the trial's values), so that a search the same command completed after a
    stop by --timeout-s has new runs behind its moved score, never the same runs (which
    would say a score edited in place)."""
    search = {"mode": results.mode, "search": spec_of(results)}
    made = {(run, trial.number) for outer in results.outer for trial in outer.trials
            for run in trial.runs}
    made |= {(outer.final_run, outer.chosen) for outer in results.outer}
    values = {trial.number: trial.params for outer in results.outer for trial in outer.trials}
    return frozenset(run_identity({**search, "run": run, "values": values[number]})
                     for run, number in made)


def _setting(tuning: Tuning, stopped: bool = True) -> str:
    """The row's configuration, in the words of the page's search column: a search stopped
    by --timeout-s (unless ``stopped`` is False) said as the page says it, for its scores
    are those of fewer trials than it names; a reduced setting marked in the words of the
    page, which shows it apart, unranked."""
    results = tuning.results
    space = ", ".join(parameter.name for parameter in results.space)
    how = (f"nested, {counted(results.inner_folds or 0, 'inner fold')}" if results.mode == NESTED
           else "test-scored")
    early = f"; {results.stopped_early()}" if stopped and not results.complete else ""
    reduced = "" if tuning.reduced is None else f"; REDUCED setting ({tuning.reduced})"
    return (f"{results.sampler} search over {space}, {counted(results.trials, 'trial')}, "
            f"{how}, seed {results.seed}{early}{reduced}")


def _line(tuning: Tuning) -> Line:
    results = tuning.results
    spans = results.intervals.overall
    lone = lone_interval(results)  # one test subject: its recorded point is no interval
    scores: list[tuple[float | None, float | None, Interval | None]] = []
    for metric in METRICS:
        span = None if lone else getattr(spans, metric)
        scores.append((float(getattr(results.overall, metric)), None,
                       None if span is None else Interval(span[0], span[1])))
    return Line(model=results.model, setting=_setting(tuning), selection=results.mode,
                test_set_selection=results.mode != NESTED, seeds=1,
                scores=scores, no_interval=(lone,) * len(scores))


def tuning_tables(tunings: Sequence[Tuning]) -> list[TuningTable]:
    """Every tuning table the validated searches ``tunings`` make."""
    # searches over other data (the dataset's options) are other tables, never ranked
    # together under one label (as spotting runs of other data are)
    tables: dict[tuple[str, str, str], list[Tuning]] = {}
    for tuning in tunings:
        results = tuning.results
        tables.setdefault((results.dataset, results.protocol,
                           json.dumps(results.dataset_options, sort_keys=True)),
                          []).append(tuning)
    found: list[TuningTable] = []
    named: dict[str, int] = {}
    for (dataset, protocol, _), group in sorted(tables.items()):
        base = f"tune-{slug(dataset)}-{slug(protocol)}"
        named[base] = named.get(base, 0) + 1
        suffix = "" if named[base] == 1 else f"-{named[base]}"
        found.append(TuningTable(base + suffix, tuple(sorted(
            group, key=lambda t: (t.results.mode != NESTED, -t.results.overall.uf1,
                                  str(t.path))))))
    return found
