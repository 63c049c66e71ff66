"""``merbench compare REF RUN...``: intervals of each run and paired tests against REF, per
database too, and the subjects that carry each difference.

Runs are labelled by what they are (model, selection policy, seeds and any reduced setting),
not by their folder alone: two runs of one model looked alike ("ststnet (path)").
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from merbench.cli.literal import say
from merbench.leaderboard.collect import reduced_setting
from merbench.stats.compare import (
    StoredRun,
    compare,
    intervals,
    load_run,
    per_database,
    point,
    subjects_behind,
)
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES, Interval
from merbench.stats.paired import PERMUTATIONS

TOP_SUBJECTS = 3  # subjects shown behind each difference


def _interval(value: float, found: Interval) -> str:
    return f"{value:.4f} [{found.low:.2f}, {found.high:.2f}]"


def _signed(value: float, found: Interval) -> str:
    return f"{value:+.4f} [{found.low:+.2f}, {found.high:+.2f}]"


def label(run: StoredRun) -> str:
    """What a run is: ``ststnet · fixed · seeds 0, 1, 2`` (and a reduced setting)."""
    seeds = ", ".join(map(str, run.seeds))
    text = f"{run.name} · {run.policy} · seed{'s' if len(run.seeds) > 1 else ''} {seeds}"
    reduced = reduced_setting(run.results) if run.results is not None else None
    return f"{text} · REDUCED: {reduced}" if reduced else text


def main(args: argparse.Namespace) -> int:
    runs = [load_run(path) for path in args.runs]
    reference, others = runs[0], runs[1:]
    found = compare(reference, others)
    spans = {str(run.path): intervals(run)["overall"] for run in runs}
    if args.json:
        say(json.dumps(_as_json(runs, spans, found, point), indent=2))
        return 0
    say(f"{LEVEL:.0%} intervals: {METHOD}, {RESAMPLES} resamples; p: paired permutation "
        f"test over subjects, {PERMUTATIONS} random swaps, Holm-corrected over "
        f"{len(others)} comparison(s)")
    for number, run in enumerate(runs, 1):
        say(f"run {number}: {label(run)}  ({run.path})")
    say(f"{'run':<6}" + "  ".join(f"{m.upper():<22}" for m in METRICS)
        + "  per database")
    for number, run in enumerate(runs, 1):
        cells = [_interval(point(run, m), spans[str(run.path)][m]) for m in METRICS]
        databases = per_database(run, "uf1")
        say(f"{number:<6}" + "  ".join(f"{c:<22}" for c in cells) + "  UF1 "
            + ", ".join(f"{db} {value:.4f}" for db, value in databases.items()))
    say(f"differences from run 1 ({label(reference)}):")
    for number, item in enumerate(found, 2):
        cells = [f"{m.upper()} {_signed(item.difference[m], item.interval[m])} p "
                 f"{item.p_value[m]:.4f} (Holm {item.holm[m]:.4f})" for m in METRICS]
        say(f"  run {number} ({label(item.run)}): " + "; ".join(cells))
        for metric in METRICS:
            mine, base = per_database(item.run, metric), per_database(reference, metric)
            say(f"    {metric.upper()} per database: " + ", ".join(
                f"{db} {mine[db] - base[db]:+.4f}" for db in base if db in mine))
        behind = subjects_behind(reference, item.run, "uf1", TOP_SUBJECTS)
        say("    UF1 difference carried most by (leaving the subject out changes it by): "
            + ", ".join(f"{key} {-share:+.4f}" for key, share in behind))
    return 0


def _as_json(runs: list[Any], spans: dict[str, Any], found: list[Any],
             point: Any) -> dict[str, Any]:
    reference = runs[0]
    return {
        "method": {"interval": METHOD, "level": LEVEL, "resamples": RESAMPLES,
                   "test": "paired permutation over subjects", "permutations": PERMUTATIONS,
                   "correction": "holm"},
        "runs": [{"path": str(r.path), "model": r.name, "policy": r.policy, "seeds": r.seeds,
                  "label": label(r),
                  **{m: {"value": point(r, m), "interval": [spans[str(r.path)][m].low,
                                                            spans[str(r.path)][m].high],
                         "per_database": per_database(r, m)}
                     for m in METRICS}} for r in runs],
        "reference": str(reference.path),
        "comparisons": [{"path": str(c.run.path),
                         **{m: {"difference": c.difference[m],
                                "interval": [c.interval[m].low, c.interval[m].high],
                                "p": c.p_value[m], "p_holm": c.holm[m],
                                "per_database": {
                                    db: value - per_database(reference, m)[db]
                                    for db, value in per_database(c.run, m).items()},
                                "subjects": [
                                    {"subject": key, "share": share}
                                    for key, share in subjects_behind(reference, c.run, m)]}
                            for m in METRICS}}
                        for c in found],
    }
