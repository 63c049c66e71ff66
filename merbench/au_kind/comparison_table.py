"""The action-unit comparison of ``merbench compare``: each run's mean F1, then each run
against the first, MEB's mean F1 and every AU's F1, with paired permutation p-values. The
numbers are :mod:`merbench.au_kind.comparison`'s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from merbench.au.seed_pool import StoredAURun
from merbench.au_kind.comparison import (
    AUComparison,
    compare_au,
    load_au_run,
    mean_over_seeds,
    predictions_digest,
)
from merbench.compare.contract import CompareRequest, Pooled
from merbench.compare.signed_text import signed
from merbench.results.run_copies import what_run
from merbench.stats.paired import PERMUTATIONS, p_text


class ActionUnitComparison:
    """Action-unit runs and their summaries over seeds, compared on mean F1 and each AU's
    F1."""

    name: str = "action units"

    def load(self, path: Path, request: CompareRequest) -> StoredAURun:
        return load_au_run(path)

    def pooled(self, run: StoredAURun) -> Pooled:
        """Each seed run by its identity and its predictions file, as the AU pages tell
        copies of a run apart."""
        return Pooled([(folder, what_run(folder, [predictions_digest(folder)]))
                       for folder in run.folders], run.over_seeds)

    def lines(self, runs: Sequence[StoredAURun], request: CompareRequest) -> list[str]:
        reference, others = runs[0], list(runs[1:])
        found = compare_au(reference, others)
        means = [mean_over_seeds(run) for run in runs]
        if request.as_json:
            return [_as_json(runs, means, found)]
        lines = [f"AU detection; p: paired permutation test over subjects, {PERMUTATIONS} "
                 f"random swaps (mean F1 Holm-corrected over {len(others)} comparison(s); "
                 "per-AU p uncorrected)"]
        for number, (run, mean) in enumerate(zip(runs, means, strict=True), 1):
            lines.append(_label(number, run.path, run.first.model.name, run.seeds)
                         + f"  mean F1 {'n/a' if mean is None else f'{mean:.4f}'}")
        for number, item in enumerate(found, 2):
            head, *per_au = item.found
            lines.append(f"  run {number} - run 1: mean F1 {signed(head.difference)} "
                         f"{p_text(head.p_value)} "
                         f"(Holm {p_text(item.mean_f1_holm).removeprefix('p ')})")
            lines.append("    per AU: " + ", ".join(
                f"{p.metric} {signed(p.difference, 3)} ({p_text(p.p_value)})" for p in per_au))
        return lines


def _label(number: int, path: Path, model: str, seeds: list[int]) -> str:
    return (f"run {number}: {model} · AU detection · seed{'s' if len(seeds) > 1 else ''} "
            f"{', '.join(map(str, sorted(seeds)))}  ({path})")


def _as_json(runs: Sequence[StoredAURun], means: list[float | None],
             found: list[AUComparison]) -> str:
    return json.dumps({
        "method": {"test": "paired permutation over subjects", "permutations": PERMUTATIONS,
                   "correction": "holm (mean F1, over the runs compared)"},
        "runs": [{"path": str(r.path), "model": r.first.model.name, "seeds": r.seeds,
                  "au_set": r.first.au_set, "mean_f1": m}
                 for r, m in zip(runs, means, strict=True)],
        "comparisons": [{"path": str(c.run.path), "mean_f1_p_holm": c.mean_f1_holm,
                         "differences": {p.metric: {"difference": p.difference,
                                                    "p": p.p_value} for p in c.found}}
                        for c in found]}, indent=2)


#: the one action-unit comparison, which every action-unit kind names
ACTION_UNITS = ActionUnitComparison()
