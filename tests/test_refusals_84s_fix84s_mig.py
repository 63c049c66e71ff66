"""Pass 84s's finding S5, on ``merbench migrate``: migrate said an audit vouched for nothing
now while ``validate`` counted it (it compared a fold file migrate had not rewritten)."""

from __future__ import annotations

import shutil
from pathlib import Path

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
RCN = REAL / "rcn-composite-loso" / "seed-0"  # schema 9, every file older, audited
# schema 10 but run.json and folds 0-2 older; its audit compared fold 43 only
DUAL_SEED_2 = REAL / "dual-inception-composite-loso" / "seed-2"


def test_migrate_calls_an_audit_void_exactly_when_validate_does(tmp_path: Path, cli) -> None:
    run = tmp_path / "seed-2"
    shutil.copytree(DUAL_SEED_2, run)
    code, out, err = cli("migrate", run)
    assert code == 0 and "folds/fold-000.npz" in out, err
    assert "vouch for nothing" not in out  # the audit's fold 43 was not rewritten
    code, out, err = cli("validate", run)
    assert code == 0 and "compared none" not in out, err
    rcn = tmp_path / "rcn"  # its audit compared folds that migrate rewrites
    shutil.copytree(RCN, rcn)
    code, out, err = cli("migrate", rcn)
    assert code == 0 and f"{rcn}: its audit.json records audits" in out, err
    code, out, err = cli("validate", rcn)
    assert code == 0 and "1 that compared none of the files" in out, err
