"""Pass 84z, Z2: an unfinished run holding a fold file beyond its run.json's folds (a file of
another run) beside a copied fold: status counted the file beyond as a finished fold (`2/2
folds ... no fold left to train`) while naming the copy, so the count promised a run that
resume then refused. A fold beyond the run's folds is no progress of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def test_a_fold_beyond_the_runs_folds_is_not_counted_as_finished(
        examples: dict[str, Path], tmp_path: Path, cli: Any) -> None:
    run = tmp_path / "run"
    shutil.copytree(examples["emotion run"], run)
    (run / "results.json").unlink()
    (run / "predictions.csv").unlink()
    folds = run / "folds"
    (folds / "fold-001.npz").rename(folds / "fold-009.npz")
    shutil.copy(folds / "fold-000.npz", folds / "fold-001.npz")
    _, out, err = cli("status", run)
    said = out + err
    assert "1/2 folds" in said and "no fold left to train" not in said, said
    assert "folds/fold-001.npz holds fold 0's samples, not fold 1's" in said, said
