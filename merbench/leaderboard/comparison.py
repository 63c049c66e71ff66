"""The comparison page of a benchmark: how far apart its ranked rows really are.

The benchmark page ranks rows by their mean scores; this page shows what that order is worth:
a forest plot of every ranked row's interval (:mod:`merbench.leaderboard.forest`) and the
matrix of paired permutation p-values between every two rows
(:mod:`merbench.leaderboard.uncertainty`), raw and Holm-adjusted over all pairs.
"""

from __future__ import annotations

from typing import Any

from merbench.leaderboard.benchmarks import METRIC_LABELS, Benchmark
from merbench.leaderboard.collect import Row
from merbench.leaderboard.forest import forest_svg
from merbench.leaderboard.uncertainty import ALPHA, TableUncertainty, plot_entries, row_labels
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES
from merbench.stats.paired import PERMUTATIONS


def method() -> dict[str, Any]:
    """How the intervals and tests were made, for the pages to say."""
    return {"level": f"{LEVEL:.0%}", "interval": METHOD, "resamples": RESAMPLES,
            "permutations": PERMUTATIONS, "alpha": ALPHA}


def compare_page(env: Any, bench: Benchmark, ranked: list[Row],
                 table: TableUncertainty) -> str:
    """The benchmark's comparison page: forest plots and the matrices of paired p-values."""
    from markupsafe import Markup  # deferred: markupsafe, as jinja2 in site._environment

    names = row_labels(ranked, env.globals["setting"])
    best = table.rows[0].point if table.rows else {}
    level = env.globals["method"]["level"]
    plots = [Markup(forest_svg(
        plot_entries(names, table, metric), best.get(metric),
        f"{METRIC_LABELS[metric]}, all subjects: {level} interval over subjects",
        f"{METRIC_LABELS[metric]} of each ranked row; dashed: the best row"))
        for metric in METRICS]
    return str(env.get_template("compare.html").render(
        root="../", bench=bench, names=names, table=table, plots=plots, metrics=METRICS))
