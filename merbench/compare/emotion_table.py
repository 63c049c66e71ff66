"""The emotion comparison of ``merbench compare``: intervals of each run and paired tests
against the reference, per database too, and the subjects that carry each difference.

Runs are labelled by what they are (model, the configuration label a benchmark page would
give it among the runs compared, selection policy, seeds and any reduced setting), not by
their folder alone: two runs of one model looked alike ("ststnet (path)").

A run is a run directory, a ``--seeds`` folder (with its ``seeds.json``), or a folder of
one configuration's ``seed-N`` runs, each seed N's own (``seed-0/``, ``seed-1/``, no
``seeds.json``; other folders of several runs are refused): that one is grouped as the
leaderboard groups it (:class:`~merbench.compare.contract.Configurations`), its seeds
pooled as the site's one row. The numbers are :mod:`merbench.compare.emotion`'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.compare.contract import CompareRequest, Configurations, Pooled
from merbench.compare.emotion import Comparison as Compared
from merbench.compare.emotion import (
    StoredRun,
    compare,
    intervals,
    load_run,
    lone_reason,
    per_database,
    point,
    stored_run,
    subjects_behind,
)
from merbench.compare.signed_text import signed
from merbench.results.out_folders import SEED_RUN, seed_folder
from merbench.results.run_copies import fold_digests, what_run
from merbench.scores.interval_records import lone_notes
from merbench.stats.intervals import LEVEL, METHOD, METRICS, RESAMPLES, Interval
from merbench.stats.paired import PERMUTATIONS
from merbench.verification.validate import RESULTS_FILE, SEEDS_FILE, ValidatedRun

TOP_SUBJECTS = 3  # subjects shown behind each difference


class EmotionComparison:
    """Emotion runs and summaries over seeds, compared on UF1 and UAR."""

    name: str = "emotions"

    def load(self, path: Path, request: CompareRequest) -> StoredRun:
        """A run directory or ``--seeds`` folder as ``merbench validate`` reads it, or a
        folder of one configuration's run directories, grouped as the leaderboard groups
        them (copies settled, every seed validated). The site shows whatever validates and
        lists the rest; a comparison quietly missing a seed would claim more than it holds,
        so here any rejected run refuses the folder. No package is pinned: ``validate``
        pins none either."""
        if not path.is_dir() or (path / RESULTS_FILE).exists() or \
                (path / SEEDS_FILE).exists():
            return load_run(path)
        found = request.configurations.grouped(path)
        if found.rejected:
            where, reason = found.rejected[0]
            raise MerbenchError(f"{where}: {reason}; {path} is compared only when every run "
                                "in it validates")
        if not found.groups:
            raise MerbenchError(f"{path} holds neither {RESULTS_FILE} nor {SEEDS_FILE}, nor "
                                "run directories; pass a run directory, a --seeds folder or "
                                "a folder of one configuration's seed runs")
        if len(found.groups) > 1:
            raise MerbenchError(f"{path} holds runs of {len(found.groups)} configurations "
                                "(they differ in more than their seed); pass the folder of "
                                "one")
        _check_seed_names(path, found.groups[0])
        return stored_run(found.groups[0], path)

    def pooled(self, run: StoredRun) -> Pooled:
        """Each seed run by its identity and every fold's predictions, as the leaderboard
        tells copies of a run apart, from the fold files validation loaded."""
        return Pooled([(folder, what_run(folder, fold_digests(folder, n_folds, folds)))
                       for folder, n_folds, folds in run.folders], run.over_seeds)

    def lines(self, runs: Sequence[StoredRun], request: CompareRequest) -> list[str]:
        configurations = request.configurations.labels([run.results for run in runs])
        labels = [label(run, text, request.configurations)
                  for run, text in zip(runs, configurations, strict=True)]
        reference, others = runs[0], list(runs[1:])
        found = compare(reference, others)
        spans = {str(run.path): intervals(run)["overall"] for run in runs}
        if request.as_json:
            return [json.dumps(_as_json(runs, configurations, labels, spans, found), indent=2)]
        return _table(runs, labels, spans, found)


def _check_seed_names(path: Path, runs: Sequence[ValidatedRun]) -> None:
    """Refuse a folder of ``seed-N`` runs that are not each seed N's own run: a copy of
    seed 0's run as ``seed-1`` was settled as a reproduction and compared as seed 0 alone,
    one run of the folder silently left out (pass 84w, W7); and seed 1's run in ``seed-0``
    beside seed 0's in ``seed-1`` was taken as "seeds 0, 1", the folders' names untrue."""
    held = sorted(entry.name for entry in path.iterdir()
                  if SEED_RUN.match(entry.name) and (entry / RESULTS_FILE).is_file())
    pooled = sorted(seed_folder(run.results.seed) for run in runs)
    if held != pooled:
        recorded = ", ".join(str(run.results.seed) for run in runs)
        raise MerbenchError(f"{path} holds the runs {', '.join(held)}, which record seed(s) "
                            f"{recorded}: each seed-N folder must hold seed N's own run; "
                            "give one of them, or a --seeds folder")
    for run in sorted(runs, key=lambda found: found.run_dir.name):
        # the same seeds in swapped folders pass the count above (pass 84x, X11)
        name, seed = run.run_dir.name, run.results.seed
        if SEED_RUN.match(name) and name != seed_folder(seed):
            raise MerbenchError(f"{run.run_dir} holds seed {seed}'s run: each seed-N folder "
                                "must hold seed N's own run; name each folder after the seed "
                                "its run records, or give a --seeds folder")


def label(run: StoredRun, setting: str, configurations: Configurations) -> str:
    """What a run is: ``ststnet · data_order authors · fixed · seeds 0, 1`` (its
    configuration label when it has one, and a reduced setting)."""
    seeds = ", ".join(map(str, run.seeds))
    name = f"{run.name} · {setting}" if setting else run.name
    text = f"{name} · {run.policy} · seed{'s' if len(run.seeds) > 1 else ''} {seeds}"
    reduced = configurations.reduced(run.results) if run.results is not None else None
    if not reduced:
        return text
    # the label already says each departure (``epochs 2 (recipe 800)``)
    return f"{text} · REDUCED" if setting else f"{text} · REDUCED: {reduced}"


def _interval(value: float, found: Interval, lone: str) -> str:
    """A score with its interval, or alone where ``lone`` says why it has none (said once
    below the table, as ``show`` says it)."""
    return f"{value:.4f}" if lone else f"{value:.4f} [{found.low:.2f}, {found.high:.2f}]"


def _signed(value: float, found: Interval, lone: str) -> str:
    if lone:
        return signed(value)
    return f"{signed(value)} [{signed(found.low, 2)}, {signed(found.high, 2)}]"


def _span(found: Interval, lone: str) -> list[float] | None:
    """``[low, high]`` in ``--json``, or None where ``lone`` says why there is none."""
    return None if lone else [found.low, found.high]


def _table(runs: Sequence[StoredRun], labels: list[str], spans: dict[str, Any],
           found: list[Compared]) -> list[str]:
    reference = runs[0]
    # every run compared holds the reference's samples: one reason, the differences' too
    lone = lone_reason(reference)
    test = (f"p: paired permutation test over subjects, {PERMUTATIONS} random swaps, "
            f"Holm-corrected over {len(found)} comparison(s)")
    lines = [test if lone else f"{LEVEL:.0%} intervals: {METHOD}, {RESAMPLES} resamples; {test}"]
    for number, (run, text) in enumerate(zip(runs, labels, strict=True), 1):
        lines.append(f"run {number}: {text}  ({run.path})")
    lines.append(f"{'run':<6}" + "  ".join(f"{m.upper():<22}" for m in METRICS)
                 + "  per database")
    for number, run in enumerate(runs, 1):
        cells = [_interval(point(run, m), spans[str(run.path)][m], lone) for m in METRICS]
        databases = per_database(run, "uf1")
        lines.append(f"{number:<6}" + "  ".join(f"{c:<22}" for c in cells) + "  UF1 "
                     + ", ".join(f"{db} {value:.4f}" for db, value in databases.items()))
    scopes = ["overall", "the differences"] if found else ["overall"]
    lines.extend(lone_notes(dict.fromkeys(scopes, lone) if lone else {}, scopes))
    lines.append(f"differences from run 1 ({labels[0]}):")
    for number, item in enumerate(found, 2):
        cells = [f"{m.upper()} {_signed(item.difference[m], item.interval[m], lone)} p "
                 f"{item.p_value[m]:.4f} (Holm {item.holm[m]:.4f})" for m in METRICS]
        lines.append(f"  run {number} ({labels[number - 1]}): " + "; ".join(cells))
        for metric in METRICS:
            mine, base = per_database(item.run, metric), per_database(reference, metric)
            lines.append(f"    {metric.upper()} per database: " + ", ".join(
                f"{db} {signed(mine[db] - base[db])}" for db in base if db in mine))
        behind = subjects_behind(reference, item.run, "uf1", TOP_SUBJECTS)
        lines.append("    UF1 difference carried most by (leaving the subject out changes "
                     "it by): " + ", ".join(f"{key} {signed(-share)}" for key, share in behind))
    return lines


def _as_json(runs: Sequence[StoredRun], configurations: list[str], labels: list[str],
             spans: dict[str, Any], found: list[Compared]) -> dict[str, Any]:
    reference = runs[0]
    lone = lone_reason(reference)
    return {
        "method": {"interval": METHOD, "level": LEVEL, "resamples": RESAMPLES,
                   "test": "paired permutation over subjects", "permutations": PERMUTATIONS,
                   "correction": "holm"},
        # why every "interval" is null, as show says it; null where they are intervals
        "no_interval": lone or None,
        "runs": [{"path": str(r.path), "model": r.name, "policy": r.policy, "seeds": r.seeds,
                  "configuration": configuration, "label": text,
                  **{m: {"value": point(r, m), "interval": _span(spans[str(r.path)][m], lone),
                         "per_database": per_database(r, m)}
                     for m in METRICS}}
                 for r, configuration, text in zip(runs, configurations, labels, strict=True)],
        "reference": str(reference.path),
        "comparisons": [{"path": str(c.run.path),
                         **{m: {"difference": c.difference[m],
                                "interval": _span(c.interval[m], lone),
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


#: the one emotion comparison, which every emotion kind names
EMOTIONS = EmotionComparison()
