"""An emotion run (``merbench run``): a run folder whose ``results.json`` its fold files and
``predictions.csv`` recompute; audited by training folds again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from merbench.audit import audit_run
from merbench.compare.contract import Comparison
from merbench.compare.emotion_table import EMOTIONS
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    Report,
    keep_record,
    record_verdict,
)
from merbench.results.au_file import AU_RESULTS_FILE, read_au_results
from merbench.results.audit_model import FoldAudit
from merbench.results.audited_files import AuditedFiles, run_folder
from merbench.results.rundir import RUN_FILE
from merbench.results.schema import read_results
from merbench.results.signing_keys import load_signing_key
from merbench.runner.status import describe, run_status
from merbench.verification.validate import RESULTS_FILE, validate_run


class EmotionRunKind:
    name: str = "emotion run"
    markers: tuple[str, ...] = (RESULTS_FILE,)
    started_file: str | None = RUN_FILE
    comparison: Comparison[Any] | None = EMOTIONS
    not_compared: str = ""

    def owns(self, path: Path) -> bool:
        return path.name == RESULTS_FILE or os.path.lexists(path / RESULTS_FILE)

    def validate(self, path: Path) -> Checked:
        checked = validate_run(path)
        r = checked.results
        audits = f"; audit.json: {checked.audits.text}" if checked.audits else ""
        return Checked(path, f"{r.model.name} v{r.model.version} on {r.dataset.name}/"
                             f"{r.protocol.name}, {r.protocol.n_folds} folds, "
                             f"{r.protocol.n_samples} samples; recomputed "
                             f"{', '.join(checked.policies)}{audits}",
                       notes=checked.unchecked, run=checked)

    def status(self, folder: Path) -> str:
        return describe(run_status(folder))

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        return audit_run_folder(path if path.is_dir() else path.parent, request, report)


def audit_run_folder(path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
    """Folds of the run at ``path`` (an emotion or an action-unit run: both are run
    folders of fold files) trained again and compared with the stored ones; the record
    appended to its ``audit.json``, signed where the request gives a key."""
    key = load_signing_key(request.signing_key) if request.signing_key is not None else None

    record = audit_run(path, count=request.count, seed=request.seed,
                       data_root=request.data_root, device=request.device,
                       workers=request.workers, plugins=request.plugins(),
                       on_fold=lambda audit: report(fold_line(audit)),
                       chosen=lambda indices, seed: report(chosen_line(path, indices, seed)))
    return record_verdict(record, keep_record(record, audited_run(path), key, report))


def audited_run(run_dir: Path) -> AuditedFiles:
    """The files of the emotion or action-unit run in ``run_dir`` that its audit compared
    (read again after the audit validated them: a change since is said by the signing)."""
    if os.path.lexists(run_dir / AU_RESULTS_FILE):
        return run_folder(run_dir, read_au_results(run_dir / AU_RESULTS_FILE))
    return run_folder(run_dir, read_results(run_dir / RESULTS_FILE))


def chosen_line(run: Path | str, indices: list[int], seed: int | None) -> str:
    """The folds of ``run`` an audit is about to train again, as its line says them."""
    how = "every fold" if seed is None else (
        f"folds {', '.join(str(i) for i in indices)}, drawn with --seed {seed}")
    return f"auditing {run}: {how}; training them again"


def fold_line(audit: FoldAudit) -> str:
    """A fold trained again, as its line says it: identical, within the tolerance (how
    alike), or differing (where)."""
    shown = {"identical": "identical", "within-tolerance":
             f"within tolerance ({audit.agreement:.1%} alike; {audit.detail})",
             "differs": f"DIFFERS ({audit.detail})"}[audit.outcome]
    return f"fold {audit.index} {'/'.join(audit.key)}: {shown}"
