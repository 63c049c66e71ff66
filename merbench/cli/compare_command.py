"""``merbench compare REF RUN...``: intervals of each run and paired tests against REF, per
database too, and the subjects that carry each difference.

Runs are labelled by what they are (model, the configuration label a benchmark page would
give it among the runs compared, selection policy, seeds and any reduced setting), not by
their folder alone: two runs of one model looked alike ("ststnet (path)").

A RUN is a run directory, a ``--seeds`` folder (with its ``seeds.json``), or any folder of
run directories of one configuration (``seed-0/``, ``seed-1/``): that one is grouped as the
leaderboard groups it (:func:`~merbench.leaderboard.collect.collect`), its seeds pooled as the
site's one row.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.cli import au_compare
from merbench.cli.literal import say
from merbench.compare.emotion import (
    StoredRun,
    compare,
    intervals,
    load_run,
    per_database,
    point,
    stored_run,
    subjects_behind,
)
from merbench.kinds import ResultKind, kind_of
from merbench.leaderboard.collect import collect, reduced_setting
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.result_walk import walk_results
from merbench.results.au_file import AU_RESULTS_FILE
from merbench.results.model import Results
from merbench.results.safe_files import entry_kind
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES, Interval
from merbench.stats.paired import PERMUTATIONS
from merbench.verification.validate import RESULTS_FILE, SEEDS_FILE

TOP_SUBJECTS = 3  # subjects shown behind each difference


def _interval(value: float, found: Interval) -> str:
    return f"{value:.4f} [{found.low:.2f}, {found.high:.2f}]"


def _signed(value: float, found: Interval) -> str:
    return f"{value:+.4f} [{found.low:+.2f}, {found.high:+.2f}]"


@dataclass(frozen=True)
class _Compared:
    """One RUN as a configuration to tell apart from the others compared."""

    key: str
    first: Results


def load(path: Path) -> StoredRun:
    """A RUN: a run directory or ``--seeds`` folder as ``merbench validate`` reads it, or a
    folder of one configuration's run directories, grouped as the leaderboard groups them
    (copies settled, every seed validated). The site shows whatever validates and lists the
    rest; a comparison quietly missing a seed would claim more than it holds, so here any
    rejected run refuses the folder. No package is pinned: ``validate`` pins none either."""
    if not path.is_dir() or (path / RESULTS_FILE).exists() or (path / SEEDS_FILE).exists():
        return load_run(path)
    found = collect([path], pins={})
    if found.rejected:
        first = found.rejected[0]
        raise MerbenchError(f"{first.path}: {first.reason}; {path} is compared only when "
                            "every run in it validates")
    if not found.groups:
        raise MerbenchError(f"{path} holds neither {RESULTS_FILE} nor {SEEDS_FILE}, nor run "
                            "directories; pass a run directory, a --seeds folder or a folder "
                            "of one configuration's seed runs")
    if len(found.groups) > 1:
        raise MerbenchError(f"{path} holds runs of {len(found.groups)} configurations (they "
                            "differ in more than their seed); pass the folder of one")
    return stored_run([run.checked for run in found.groups[0].runs], path)


def _kind(path: Path) -> ResultKind | None:
    """The kind of a RUN: its own, or that of every result under it (a folder of one
    configuration's seed runs, walked as ``validate`` and the build walk it), or None
    (nothing finished there). A folder holding results of several kinds is refused: compare
    quietly left the others out."""
    kind = kind_of(path)
    if kind is not None or not path.is_dir():
        return kind
    found: dict[str, tuple[ResultKind, Path]] = {}  # by what it is compared as
    for result in walk_results(path, given_as="").results:
        inner = kind_of(result)
        if inner is not None and not (inner.compared_as and inner.compared_as in found):
            found.setdefault(inner.compared_as or inner.name, (inner, result))
    if len(found) > 1:
        held = "; ".join(f"{indefinite(kind.name)} ({where})"
                         for kind, where in found.values())
        raise MerbenchError(f"{path} holds results of {len(found)} kinds: {held}; compare "
                            "pairs runs of one kind: pass a folder of one configuration's "
                            "runs")
    return next(iter(found.values()))[0] if found else None


def settings(runs: list[StoredRun]) -> list[str]:
    """Each run's configuration label, told apart among the runs compared as a benchmark
    page tells its rows apart (:func:`configuration_label`)."""
    compared = [_Compared(str(n), run.results) for n, run in enumerate(runs)
                if run.results is not None]
    notes = configuration_notes(compared)
    by_key = {item.key: configuration_label(item, notes) for item in compared}
    return [by_key.get(str(n), "") for n in range(len(runs))]


def label(run: StoredRun, setting: str = "") -> str:
    """What a run is: ``ststnet · data_order authors · fixed · seeds 0, 1`` (its
    configuration label when it has one, and a reduced setting)."""
    seeds = ", ".join(map(str, run.seeds))
    name = f"{run.name} · {setting}" if setting else run.name
    text = f"{name} · {run.policy} · seed{'s' if len(run.seeds) > 1 else ''} {seeds}"
    reduced = reduced_setting(run.results) if run.results is not None else None
    if not reduced:
        return text
    # the label already says each departure (``epochs 2 (recipe 800)``)
    return f"{text} · REDUCED" if setting else f"{text} · REDUCED: {reduced}"


def main(args: argparse.Namespace) -> int:
    if len(args.runs) < 2:
        raise MerbenchError(f"compare takes two runs or more (the reference first); {args.runs[0]} "
                            "alone is compared with nothing: 'merbench validate' checks one run")
    linked = next((path for path in map(Path, args.runs) if path.is_symlink()), None)
    if linked is not None:  # its folder is not the result's: the run would be read wrong
        raise MerbenchError(f"{linked} is {entry_kind(linked)}; give the result itself (its "
                            "folder, or a file in it)")
    # a run named by its folder or by a file of it is one run (a result file's folder)
    named = [(path.parent if path.is_file() else path).resolve()
             for path in map(Path, args.runs)]
    twice = next((path for number, path in enumerate(args.runs)
                  if named.index(named[number]) != number), None)
    if twice is not None:
        raise MerbenchError(f"{twice} is given twice: a run is never different from itself; "
                            "give each run once")
    inside = next(((runs, summary) for runs, one in zip(args.runs, named, strict=True)
                   for summary, other in zip(args.runs, named, strict=True)
                   if other in one.parents), None)
    if inside is not None:  # a summary over seeds and one of the seed runs it averages
        raise MerbenchError(f"{inside[0]} is inside {inside[1]} (a seed run its summary "
                            "averages): the two are not independent; compare results of "
                            "different configurations")
    kinds = [_kind(Path(path)) for path in args.runs]
    for path, kind in zip(args.runs, kinds, strict=True):
        if kind is not None and kind.compared_as is None:
            raise MerbenchError(f"{path} is {indefinite(kind.name)}, which compare does not "
                                "pair; it compares emotion runs (or --seeds folders) with "
                                "each other, and action-unit runs with each other")
    families = {kind.compared_as for kind in kinds if kind is not None}
    if len(families) > 1:
        raise MerbenchError("an AU run (au-results.json) is compared only with AU runs; pass "
                            "AU runs alone, or emotion runs alone")
    if families == {"action units"}:
        other = next((path for path, kind in zip(args.runs, kinds, strict=True)
                      if kind is None), None)
        if other is not None:  # a damaged or unfinished run among AU runs
            raise MerbenchError(f"{other} holds no finished run (no {AU_RESULTS_FILE} nor "
                                f"{RESULTS_FILE}); pass a finished run's folder")
        return au_compare.main(args)
    runs = [load(Path(path)) for path in args.runs]
    configurations = settings(runs)
    labels = [label(run, text) for run, text in zip(runs, configurations, strict=True)]
    reference, others = runs[0], runs[1:]
    found = compare(reference, others)
    spans = {str(run.path): intervals(run)["overall"] for run in runs}
    if args.json:
        say(json.dumps(_as_json(runs, configurations, labels, spans, found), indent=2))
        return 0
    say(f"{LEVEL:.0%} intervals: {METHOD}, {RESAMPLES} resamples; p: paired permutation "
        f"test over subjects, {PERMUTATIONS} random swaps, Holm-corrected over "
        f"{len(others)} comparison(s)")
    for number, (run, text) in enumerate(zip(runs, labels, strict=True), 1):
        say(f"run {number}: {text}  ({run.path})")
    say(f"{'run':<6}" + "  ".join(f"{m.upper():<22}" for m in METRICS)
        + "  per database")
    for number, run in enumerate(runs, 1):
        cells = [_interval(point(run, m), spans[str(run.path)][m]) for m in METRICS]
        databases = per_database(run, "uf1")
        say(f"{number:<6}" + "  ".join(f"{c:<22}" for c in cells) + "  UF1 "
            + ", ".join(f"{db} {value:.4f}" for db, value in databases.items()))
    say(f"differences from run 1 ({labels[0]}):")
    for number, item in enumerate(found, 2):
        cells = [f"{m.upper()} {_signed(item.difference[m], item.interval[m])} p "
                 f"{item.p_value[m]:.4f} (Holm {item.holm[m]:.4f})" for m in METRICS]
        say(f"  run {number} ({labels[number - 1]}): " + "; ".join(cells))
        for metric in METRICS:
            mine, base = per_database(item.run, metric), per_database(reference, metric)
            say(f"    {metric.upper()} per database: " + ", ".join(
                f"{db} {mine[db] - base[db]:+.4f}" for db in base if db in mine))
        behind = subjects_behind(reference, item.run, "uf1", TOP_SUBJECTS)
        say("    UF1 difference carried most by (leaving the subject out changes it by): "
            + ", ".join(f"{key} {-share:+.4f}" for key, share in behind))
    return 0


def _as_json(runs: list[StoredRun], configurations: list[str], labels: list[str],
             spans: dict[str, Any], found: list[Any]) -> dict[str, Any]:
    reference = runs[0]
    return {
        "method": {"interval": METHOD, "level": LEVEL, "resamples": RESAMPLES,
                   "test": "paired permutation over subjects", "permutations": PERMUTATIONS,
                   "correction": "holm"},
        "runs": [{"path": str(r.path), "model": r.name, "policy": r.policy, "seeds": r.seeds,
                  "configuration": configuration, "label": text,
                  **{m: {"value": point(r, m), "interval": [spans[str(r.path)][m].low,
                                                            spans[str(r.path)][m].high],
                         "per_database": per_database(r, m)}
                     for m in METRICS}}
                 for r, configuration, text in zip(runs, configurations, labels, strict=True)],
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
