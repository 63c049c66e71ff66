"""``merbench compare REF RUN...``: intervals of each run and paired tests against REF."""

from __future__ import annotations

import argparse
import json
from typing import Any

from merbench.cli.literal import say
from merbench.stats.compare import compare, intervals, load_run, point
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES, Interval
from merbench.stats.paired import PERMUTATIONS


def _interval(value: float, found: Interval) -> str:
    return f"{value:.4f} [{found.low:.2f}, {found.high:.2f}]"


def _signed(value: float, found: Interval) -> str:
    return f"{value:+.4f} [{found.low:+.2f}, {found.high:+.2f}]"


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
    width = max(len(f"{r.name} ({r.path})") for r in runs)
    say(f"{'run':<{width}}  " + "  ".join(f"{m.upper():<22}" for m in METRICS))
    for run in runs:
        label = f"{run.name} ({run.path})"
        cells = [_interval(point(run, m), spans[str(run.path)][m]) for m in METRICS]
        say(f"{label:<{width}}  " + "  ".join(f"{c:<22}" for c in cells))
    say(f"differences from {reference.name} ({reference.path}):")
    for item in found:
        cells = [f"{m.upper()} {_signed(item.difference[m], item.interval[m])} p "
                 f"{item.p_value[m]:.4f} (Holm {item.holm[m]:.4f})" for m in METRICS]
        say(f"  {item.run.name} ({item.run.path}): " + "; ".join(cells))
    return 0


def _as_json(runs: list[Any], spans: dict[str, Any], found: list[Any],
             point: Any) -> dict[str, Any]:
    return {
        "method": {"interval": METHOD, "level": LEVEL, "resamples": RESAMPLES,
                   "test": "paired permutation over subjects", "permutations": PERMUTATIONS,
                   "correction": "holm"},
        "runs": [{"path": str(r.path), "model": r.name, "policy": r.policy, "seeds": r.seeds,
                  **{m: {"value": point(r, m), "interval": [spans[str(r.path)][m].low,
                                                            spans[str(r.path)][m].high]}
                     for m in METRICS}} for r in runs],
        "reference": str(runs[0].path),
        "comparisons": [{"path": str(c.run.path),
                         **{m: {"difference": c.difference[m],
                                "interval": [c.interval[m].low, c.interval[m].high],
                                "p": c.p_value[m], "p_holm": c.holm[m]} for m in METRICS}}
                        for c in found],
    }
