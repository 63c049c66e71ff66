"""``merbench audit`` of a tuning: the runs that made it trained again in part.

``merbench validate`` recomputes a search's arithmetic (each trial's score, the choice, the
outer scores) from its runs, and each run from its fold files; it cannot tell runs forged
consistently from trained ones, and inner runs forged so steer the choice past an audit of
the final runs alone. So the audit trains again, as each run was trained:

- of a nested search, ``count`` outer folds, each with every trial's inner runs (whose
  scores made the choice) and the chosen configuration's retrained run (whose predictions
  are the outer score), each run whole;
- of a test-scored search, ``count`` folds of every trial's run (the same folds of each).

The parts of its record are those outer folds, or those folds, each the worse of its runs'
outcomes; each part is compared with ``runs.tar.xz``, whose digest its record keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from merbench.audit.retrain import audit_run, choose_folds
from merbench.audit.verdict import MIN_AGREEMENT
from merbench.plugin_system.manager import Plugins
from merbench.results.audit_model import AuditOutcome, AuditRecord, FoldAudit
from merbench.results.audited_files import AuditedFiles, Digests
from merbench.results.schema import now_iso
from merbench.tuning.record import NESTED, TuneResults

#: told each run's folds before they train: the run's name, the fold indices, the seed that
#: drew them (None: every fold)
OnRun = Callable[[str, list[int], int | None], None]
#: told each fold trained again: the run's name and the fold's outcome
OnRunFold = Callable[[str, FoldAudit], None]


def audit_tuning(results: TuneResults, runs: Path, audited: AuditedFiles, before: Digests, *,
                 count: int | None, seed: int | None, data_root: str | None, device: str,
                 workers: int | None, plugins: Plugins,
                 started: Callable[[list[int], int | None], None], on_run: OnRun,
                 on_fold: OnRunFold) -> AuditRecord:
    """Audit the validated tuning ``results`` (its runs unpacked in ``runs``; ``audited``:
    the tuning as its records see it, whose files had the digests ``before`` when it was
    read): ``count`` parts drawn from ``seed`` (None: every part) made again; ``started``
    is told the parts before any run trains. The record is returned, not written."""
    indices, drawn = choose_folds(len(audited.unit_keys), count, seed, of="the tuning")
    started(indices, drawn)
    nested = results.mode == NESTED
    # each run to train, with the outer fold it is part of (None: a test-scored search's
    # run, whose folds are the parts)
    plan: dict[str, int | None]
    if nested:  # each outer fold's runs, whole
        plan = {run: index for index in indices for run in dict.fromkeys(
            [*(r for t in results.outer[index].trials for r in t.runs),
             results.outer[index].final_run])}
    else:  # the same folds of every trial's run (drawn again from the seed that drew them)
        [outer] = results.outer
        plan = dict.fromkeys(r for t in outer.trials for r in t.runs)
    by_part: dict[int, list[tuple[str, FoldAudit]]] = {index: [] for index in indices}
    records: list[AuditRecord] = []
    for run, outer_fold in plan.items():
        def chosen(folds: list[int], drew: int | None, run: str = run) -> None:
            on_run(run, folds, drew)

        def trained(audit: FoldAudit, run: str = run) -> None:
            on_fold(run, audit)

        record = audit_run(runs / run, count=None if nested else count,
                           seed=None if nested else drawn, data_root=data_root,
                           device=device, workers=workers, plugins=plugins,
                           chosen=chosen, on_fold=trained)
        records.append(record)
        if record.failure is not None:
            return _record(audited, before, drawn, records, [], f"{run}: {record.failure}")
        for audit in record.folds:
            by_part[audit.index if outer_fold is None else outer_fold].append((run, audit))
    parts = [_part(index, audited.unit_keys[index], before.units[index], by_part[index])
             for index in indices]
    return _record(audited, before, drawn, records, parts, None)


def _part(index: int, key: list[str], digest: str | None,
          audits: list[tuple[str, FoldAudit]]) -> FoldAudit:
    """One part of the tuning: the worse of its runs' folds trained again."""
    outcome: AuditOutcome = next(
        (o for o in ("differs", "within-tolerance") if any(a.outcome == o for _, a in audits)),
        "identical")
    detail = next((f"{run} fold {a.index}: {a.detail}" for run, a in audits
                   if a.outcome == outcome and a.detail), "")
    assert digest is not None  # the tuning validated: its archive was there
    return FoldAudit(index=index, key=key, outcome=outcome,
                     agreement=min(a.agreement for _, a in audits), fold_sha256=digest,
                     detail=detail)


def _record(audited: AuditedFiles, before: Digests, drawn: int | None,
            records: list[AuditRecord], parts: list[FoldAudit],
            failure: str | None) -> AuditRecord:
    loose = next((r for r in records if r.comparison != "bit-identical"), None)
    shown = loose or records[0]
    return AuditRecord(
        created=now_iso(), results_sha256=before.result,
        n_folds=len(audited.unit_keys), choice_seed=drawn,
        comparison=shown.comparison, reason=shown.reason,
        min_agreement=1.0 if loose is None else MIN_AGREEMENT,
        environment=shown.environment, folds=parts, failure=failure,
        passed=failure is None and all(part.outcome != "differs" for part in parts))
