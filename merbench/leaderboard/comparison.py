"""The comparison page of a benchmark: how far apart its ranked rows really are.

The benchmark page ranks rows by their mean scores; this page shows what that order is worth:
a forest plot of every ranked row's interval (:mod:`merbench.leaderboard.forest`) and the
matrix of paired permutation p-values between every two rows
(:mod:`merbench.leaderboard.uncertainty`), raw and Holm-adjusted over all pairs.
"""

from __future__ import annotations

from typing import Any

from merbench.compare.emotion import incomparable, per_database, subjects_behind
from merbench.leaderboard.benchmarks import METRIC_LABELS, Benchmark
from merbench.leaderboard.collect import Row
from merbench.leaderboard.forest import forest_svg
from merbench.leaderboard.uncertainty import (
    ALPHA,
    Loader,
    TableUncertainty,
    plot_entries,
    row_labels,
)
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES
from merbench.stats.paired import PERMUTATIONS


def method() -> dict[str, Any]:
    """How the intervals and tests were made, for the pages to say."""
    return {"level": f"{LEVEL:.0%}", "interval": METHOD, "resamples": RESAMPLES,
            "permutations": PERMUTATIONS, "alpha": ALPHA}


def behind_the_best(ranked: list[Row], loader: Loader | None,
                    top: int = 3) -> list[dict[str, Any]]:
    """Each ranked row against the best (the first): its UF1 difference per database and
    the subjects that carry the difference most (``run_comparison.subjects_behind``); rows
    whose predictions cannot be paired with the best's are left out."""
    if loader is None or len(ranked) < 2:
        return []
    best = loader.row(ranked[0]).run
    if best is None:
        return []
    found = []
    for position, row in enumerate(ranked[1:], 2):
        run = loader.row(row).run
        if run is None or incomparable(best, run) is not None:
            continue
        mine, base = per_database(run, "uf1"), per_database(best, "uf1")
        found.append({"position": position,
                      "databases": [(db, mine[db] - base[db]) for db in base if db in mine],
                      "subjects": subjects_behind(best, run, "uf1", top)})
    return found


def compare_page(env: Any, bench: Benchmark, ranked: list[Row],
                 table: TableUncertainty, loader: Loader | None = None) -> str:
    """The benchmark's comparison page: forest plots, the matrices of paired p-values, and
    what carries each row's difference from the best (per database, per subject)."""
    from markupsafe import Markup  # deferred: markupsafe, as jinja2 in page_environment

    names = row_labels(ranked, env.globals["setting"])
    best = table.rows[0].point if table.rows else {}
    level = env.globals["method"]["level"]
    plots = [Markup(forest_svg(
        plot_entries(names, table, metric), best.get(metric),
        f"{METRIC_LABELS[metric]}, all subjects: {level} interval over subjects",
        f"{METRIC_LABELS[metric]} of each ranked row; dashed: the best row"))
        for metric in METRICS]
    return str(env.get_template("compare.html").render(
        root="../", bench=bench, names=names, table=table, plots=plots, metrics=METRICS,
        behind=behind_the_best(ranked, loader)))
